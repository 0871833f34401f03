//! Token amounts in UI units (`1.5` with 6 decimals is 1,500,000 base units)
//! and durations (`7d`, `12h`, `90m`, `30s` or plain seconds).
use crate::error::ClientError;

/// An amount a user typed: a number of tokens, or everything available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountArg {
    All,
    Ui(UiAmount),
}

/// A decimal number of tokens, kept as typed until the mint's decimals are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiAmount {
    whole: u64,
    fraction: u64,
    fraction_digits: u8,
}

impl std::str::FromStr for AmountArg {
    type Err = ClientError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("all") {
            return Ok(AmountArg::All);
        }
        text.parse().map(AmountArg::Ui)
    }
}

impl std::str::FromStr for UiAmount {
    type Err = ClientError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ClientError::invalid(format!(
                "invalid amount {text:?}: expected a positive number like 12.5"
            ))
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if (whole.is_empty() && fraction.is_empty())
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 19 {
            return Err(ClientError::invalid(format!(
                "amount {text} has {} decimal places; at most 19 can be typed",
                fraction.len()
            )));
        }
        let amount = UiAmount {
            whole: if whole.is_empty() {
                0
            } else {
                // Only digits here, so a parse failure means too many of them.
                whole.parse().map_err(|_| {
                    ClientError::invalid(format!(
                        "amount {text} is too large: no token amount exceeds {}",
                        u64::MAX
                    ))
                })?
            },
            fraction: if fraction.is_empty() {
                0
            } else {
                fraction.parse().map_err(|_| bad())?
            },
            fraction_digits: fraction.len() as u8,
        };
        if amount.whole == 0 && amount.fraction == 0 {
            return Err(ClientError::invalid(format!(
                "amount must be greater than zero, got {text:?}"
            )));
        }
        Ok(amount)
    }
}

impl UiAmount {
    /// Base units for a mint with `decimals`; refuses more decimal places than
    /// the mint has and amounts beyond `u64`.
    pub fn to_base_units(self, decimals: u8) -> Result<u64, ClientError> {
        if self.fraction_digits > decimals {
            return Err(ClientError::invalid(format!(
                "amount {self} has {} decimal places; the mint has {decimals}",
                self.fraction_digits
            )));
        }
        let too_large =
            || ClientError::invalid(format!("amount {self} is too large for a token amount"));
        // Beyond 10^38 no non-zero amount fits a u64 anyway.
        let scale = 10u128.checked_pow(decimals as u32);
        let fraction_scale = 10u128.checked_pow((decimals - self.fraction_digits) as u32);
        let base = scale
            .zip(fraction_scale)
            .and_then(|(scale, fraction_scale)| {
                (self.whole as u128)
                    .checked_mul(scale)?
                    .checked_add((self.fraction as u128).checked_mul(fraction_scale)?)
            })
            .ok_or_else(too_large)?;
        u64::try_from(base).map_err(|_| too_large())
    }
}

impl std::fmt::Display for UiAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.fraction_digits == 0 {
            write!(f, "{}", self.whole)
        } else {
            write!(
                f,
                "{}.{:0width$}",
                self.whole,
                self.fraction,
                width = self.fraction_digits as usize
            )
        }
    }
}

/// Base units as a UI amount string, without trailing zeros. Any number of
/// decimals a mint can have (0-255): the point is placed in the digits.
pub fn format_ui(base_units: u64, decimals: u8) -> String {
    let digits = base_units.to_string();
    let decimals = decimals as usize;
    let (whole, fraction) = if digits.len() > decimals {
        let (whole, fraction) = digits.split_at(digits.len() - decimals);
        (whole.to_string(), fraction.to_string())
    } else {
        ("0".to_string(), format!("{digits:0>decimals$}"))
    };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    }
}

/// Parses a rate as basis points: `5%`, `12.5%`, `0.01%` or `250bps`, at most 100%.
pub fn parse_bps(text: &str) -> Result<u16, ClientError> {
    let bad = || {
        ClientError::invalid(format!(
            "invalid rate {text:?}: expected a percentage like 5% or 12.5%, or basis points like 250bps, at most 100%"
        ))
    };
    let finer = || {
        ClientError::invalid(format!(
            "invalid rate {text:?}: rates have a finest step of 0.01% (1 basis point)"
        ))
    };
    let text = text.trim();
    let bps: u64 = if let Some(bps) = text.strip_suffix("bps") {
        let bps = bps.trim();
        match bps.split_once('.') {
            // `2.5bps`: a fraction of a basis point (`250.00bps` is whole).
            Some((whole, fraction))
                if !whole.is_empty() && fraction.chars().all(|c| c.is_ascii_digit()) =>
            {
                if fraction.chars().any(|c| c != '0') {
                    return Err(finer());
                }
                whole.parse().map_err(|_| bad())?
            }
            _ => bps.parse().map_err(|_| bad())?,
        }
    } else if let Some(percent) = text.strip_suffix('%') {
        let (whole, fraction) = percent
            .trim()
            .split_once('.')
            .unwrap_or((percent.trim(), ""));
        if !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        // Digits past the hundredths are a finer step than the program has,
        // unless they are zeros (`12.500%`).
        if fraction.len() > 2 && fraction[2..].chars().any(|c| c != '0') {
            return Err(finer());
        }
        let fraction = &fraction[..fraction.len().min(2)];
        let whole: u64 = whole.parse().map_err(|_| bad())?;
        let fraction: u64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
        whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(fraction))
            .ok_or_else(bad)?
    } else {
        return Err(bad());
    };
    if bps > 10_000 {
        return Err(bad());
    }
    Ok(bps as u16)
}

/// Parses `7d`, `12h`, `90m`, `30s` or plain seconds.
pub fn parse_duration(text: &str) -> Result<u64, ClientError> {
    let bad = || {
        ClientError::invalid(format!(
            "invalid duration {text:?}: expected seconds or a number with s, m, h or d"
        ))
    };
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 's'),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let too_large = || {
        ClientError::invalid(format!(
            "duration {text:?} is too large: at most {} seconds fit",
            u64::MAX
        ))
    };
    // Only digits are left, so a failed parse is an overflow.
    let value: u64 = digits.parse().map_err(|_| too_large())?;
    let multiplier = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    value.checked_mul(multiplier).ok_or_else(too_large)
}

/// Seconds as `1d 2h 3m 4s` (zero parts omitted).
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let parts = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut left = seconds;
    let mut out = Vec::new();
    for (size, unit) in parts {
        if left >= size {
            out.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    out.join(" ")
}

/// A Unix time as a UTC date and minute, e.g. `2026-12-31 14:00 UTC`
/// (proleptic Gregorian calendar; days from the epoch by Howard Hinnant's
/// `civil_from_days`).
pub fn format_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let minute_of_day = unix_seconds.rem_euclid(86_400) / 60;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// A time relative to `now`, as people read it: `2026-12-31 14:00 UTC (in
/// 29d 23h)`, or `(2h ago)`.
pub fn format_when(unix_seconds: i64, now: i64) -> String {
    let date = format_date(unix_seconds);
    let delta = unix_seconds.saturating_sub(now);
    if delta > 0 {
        format!(
            "{date} (in {})",
            format_duration_short(delta.unsigned_abs())
        )
    } else if delta < 0 {
        format!(
            "{date} ({} ago)",
            format_duration_short(delta.unsigned_abs())
        )
    } else {
        format!("{date} (now)")
    }
}

/// The two largest units of a duration: `29d 23h`, `5m 3s`.
pub fn format_duration_short(seconds: u64) -> String {
    format_duration(seconds)
        .split(' ')
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_mint_decimals_format_without_panicking() {
        assert_eq!(format_ui(1_500_000, 6), "1.5");
        assert_eq!(format_ui(5, 6), "0.000005");
        assert_eq!(format_ui(0, 6), "0");
        assert_eq!(format_ui(u64::MAX, 0), "18446744073709551615");
        assert_eq!(format_ui(u64::MAX, 19), "1.8446744073709551615");
        assert_eq!(format_ui(1, 20), "0.00000000000000000001");
        assert_eq!(format_ui(10, 255).len(), 2 + 254);
        let one: UiAmount = "1".parse().unwrap();
        assert!(one.to_base_units(40).is_err());
        assert!(one.to_base_units(255).is_err());
    }

    #[test]
    fn dates_read_as_utc_calendar_dates() {
        assert_eq!(format_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_date(1_798_727_640), "2026-12-31 14:34 UTC");
        assert_eq!(format_date(-86_400), "1969-12-31 00:00 UTC");
        let now = 1_796_083_200; // 2026-12-01 00:00 UTC
        assert_eq!(
            format_when(now + 29 * 86_400 + 23 * 3_600 + 59, now),
            "2026-12-30 23:00 UTC (in 29d 23h)"
        );
        assert_eq!(
            format_when(now - 7_200, now),
            "2026-11-30 22:00 UTC (2h ago)"
        );
        assert_eq!(format_when(now, now), "2026-12-01 00:00 UTC (now)");
    }

    #[test]
    fn rates_parse_as_basis_points() {
        assert_eq!(parse_bps("5%").unwrap(), 500);
        assert_eq!(parse_bps("12.5%").unwrap(), 1_250);
        assert_eq!(parse_bps("0.01%").unwrap(), 1);
        assert_eq!(parse_bps("100%").unwrap(), 10_000);
        assert_eq!(parse_bps("250bps").unwrap(), 250);
        assert_eq!(parse_bps("12.500%").unwrap(), 1_250);
        assert_eq!(parse_bps("250.0bps").unwrap(), 250);
        for bad in ["5", "100.01%", "101%", "-1%", "x%", "10001bps", "%", "1.x%"] {
            assert!(parse_bps(bad).is_err(), "{bad}");
        }
        for finer in ["12.345%", "0.001%", "2.5bps"] {
            assert_eq!(
                parse_bps(finer).unwrap_err().to_string(),
                format!(
                    "invalid rate {finer:?}: rates have a finest step of 0.01% (1 basis point)"
                )
            );
        }
    }

    fn ui(text: &str) -> UiAmount {
        text.parse().unwrap()
    }

    #[test]
    fn ui_amounts_convert_with_the_mint_decimals() {
        assert_eq!(ui("1.5").to_base_units(6).unwrap(), 1_500_000);
        assert_eq!(ui("1").to_base_units(0).unwrap(), 1);
        assert_eq!(ui(".25").to_base_units(2).unwrap(), 25);
        assert_eq!(ui("2.500").to_base_units(1).unwrap(), 25); // trailing zeros are not precision
        assert_eq!(
            ui("18446744073709.551615").to_base_units(6).unwrap(),
            u64::MAX
        );
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        for text in ["", ".", "-1", "1e5", "abc", "1.2.3", "0", "0.000", " 1"] {
            assert!(text.parse::<UiAmount>().is_err(), "{text:?} accepted");
        }
        let too_precise = ui("1.0000001").to_base_units(6).unwrap_err().to_string();
        assert!(
            too_precise.contains("7 decimal places; the mint has 6"),
            "{too_precise}"
        );
        let too_large = ui("18446744073709.551616")
            .to_base_units(6)
            .unwrap_err()
            .to_string();
        assert!(too_large.contains("too large"), "{too_large}");
        let huge = "99999999999999999999999"
            .parse::<UiAmount>()
            .unwrap_err()
            .to_string();
        assert!(huge.contains("too large"), "{huge}");
    }

    #[test]
    fn all_is_an_amount() {
        assert_eq!("ALL".parse::<AmountArg>().unwrap(), AmountArg::All);
        assert_eq!("all".parse::<AmountArg>().unwrap(), AmountArg::All);
        assert_eq!("3".parse::<AmountArg>().unwrap(), AmountArg::Ui(ui("3")));
    }

    #[test]
    fn ui_formatting_drops_trailing_zeros() {
        assert_eq!(format_ui(1_500_000, 6), "1.5");
        assert_eq!(format_ui(2_000_000, 6), "2");
        assert_eq!(format_ui(1, 9), "0.000000001");
        assert_eq!(format_ui(42, 0), "42");
        assert_eq!(ui("1.050").to_string(), "1.05");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert_eq!(parse_duration("12h").unwrap(), 43_200);
        assert_eq!(parse_duration("90m").unwrap(), 5_400);
        assert_eq!(parse_duration("30s").unwrap(), 30);
        assert_eq!(parse_duration("45").unwrap(), 45);
        for text in ["", "d", "1w", "-1", "1.5h", "+5"] {
            assert!(parse_duration(text).is_err(), "{text:?} accepted");
        }
        for huge in [
            "99999999999999999999",
            "99999999999999999999d",
            "18446744073709551615m",
        ] {
            let error = parse_duration(huge).unwrap_err().to_string();
            assert_eq!(
                error,
                format!("duration {huge:?} is too large: at most 18446744073709551615 seconds fit")
            );
        }
        assert_eq!(format_duration(90_061), "1d 1h 1m 1s");
        assert_eq!(format_duration(3_600), "1h");
        assert_eq!(format_duration(0), "0s");
    }
}
