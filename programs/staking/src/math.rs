//! Reward math, pure and shared with the client: no Anchor types, no floats.
//!
//! # Fixed point
//! Rates and the reward-per-token accumulator are unsigned Q64.64 numbers
//! (`u128`, 64 fractional bits): `x_q = x * 2^64`. A stream's emission rate is
//! reward base units per second; its accumulator is reward base units earned per
//! staked base unit since the stream was added.
//!
//! # Rounding: remainders are carried, never dropped
//! Nothing a permissionless action can trigger (an accrual, an operator sync, a
//! settlement) discards value, so how often anyone touches the pool does not
//! change what anyone earns:
//! - An accrual divides the emission by the total stake and carries the
//!   remainder (`distribution_remainder_q`, under one Q64.64 unit per staked
//!   base unit, so under one base unit in all) into the next accrual. With the
//!   total stake unchanged, accruing once or every second yields the same
//!   accumulator.
//! - A position's or an operator's credit is the exact product
//!   `stake × Δaccumulator` in Q64.64 base units ([`earned_q`]): the whole part
//!   is owed, the fraction is kept beside it ([`add_q`]) and paid once it
//!   completes a unit.
//! - The commission split ([`split_commission`]) carries the remainder of its
//!   basis-point division per operator stream.
//! - A funding's rate is rounded down (under `duration` Q64.64 units, below one
//!   base unit): that dust is never scheduled, so it is recoverable at once.
//!
//! # Exact bound on what stays in a reward vault
//! The liability `unclaimed_q` is exactly the emission credited so far less what
//! was paid. It equals the sum of every open position's and operator's owed
//! amount (whole units and fraction) plus the undistributed remainders (the
//! accrual's, and each operator's `share_remainder` once it was slashed:
//! below `delegated_shares × 2^-64` base units, see [`spread_over_shares`]). So once
//! a period has ended and every position and operator has claimed, what
//! [`recoverable_rewards`] holds back is
//! `ceil(remainder + Σ fractions) ≤ 1 + (open positions + operators)` base
//! units, each fraction below one unit; a closed position's fraction is
//! released to the authority (`forfeit`), so with every position closed at
//! most `1 + operators` units stay, and everything else is recoverable.
//! All divisions round down, so nobody is ever credited more than was emitted.
//!
//! # Bounds (no intermediate can overflow within them; outside, a [`MathError`])
//! - Amounts, stakes and balances are `u64` (any token supply).
//! - Emission scheduled at one time (new funding + what is left of the running
//!   period) is below `2^64` base units, and the accumulator plus that emission
//!   (in Q64.64) stays below `2^128`: [`rate_after_funding`] checks both, so a
//!   period that was accepted can always be accrued to its end.
//! - Time differences are `u64` seconds; a funding duration is at most
//!   [`MAX_REWARD_DURATION`](crate::constants::MAX_REWARD_DURATION).
//!
//! All wide arithmetic goes through [`q64_mul_floor`] and [`q64_div_floor`]: the
//! two places where 128-bit multiplication and division (software routines on
//! SBF) happen.

/// Number of fractional bits of the fixed-point values.
pub const Q64_SHIFT: u32 = 64;
/// `1.0` in Q64.64.
pub const Q64_ONE: u128 = 1 << Q64_SHIFT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathError {
    /// A result does not fit its type: the inputs are outside the documented bounds.
    Overflow,
    /// A funding duration of zero seconds.
    ZeroDuration,
    /// Funding that would emit less than 2^-64 base units a second.
    RateTooLow,
}

pub type MathResult<T> = Result<T, MathError>;

/// `floor(amount * q / 2^64)`: base units earned by `amount` staked units over an
/// accumulator increase of `q`. Exact; cannot overflow (the result is below 2^128).
#[inline]
pub fn q64_mul_floor(amount: u64, q: u128) -> u128 {
    let amount = amount as u128;
    let high = q >> Q64_SHIFT;
    let low = q & (Q64_ONE - 1);
    // amount * high < 2^128 - 2^65 and (amount * low) >> 64 < 2^64: the sum fits.
    amount * high + ((amount * low) >> Q64_SHIFT)
}

/// `floor(q / divisor)`, with a 64-bit fast path: most quotients here have
/// operands that fit in a machine word, where SBF divides natively.
#[inline]
pub fn q64_div_floor(q: u128, divisor: u128) -> MathResult<u128> {
    if divisor == 0 {
        return Err(MathError::Overflow);
    }
    if q <= u64::MAX as u128 && divisor <= u64::MAX as u128 {
        return Ok(((q as u64) / (divisor as u64)) as u128);
    }
    Ok(q / divisor)
}

/// Whole base units in a Q64.64 amount, rounded up (used for liabilities).
#[inline]
pub fn q64_ceil(q: u128) -> u128 {
    (q >> Q64_SHIFT) + u128::from(q & (Q64_ONE - 1) != 0)
}

/// Seconds in `[from, to)`, zero when `to <= from`.
#[inline]
fn elapsed(from: i64, to: i64) -> u64 {
    if to > from {
        to.abs_diff(from)
    } else {
        0
    }
}

/// The state of one reward stream that the math reads and advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamCurve {
    /// Emission rate, reward base units per second, Q64.64.
    pub rate_q: u128,
    /// Rewards per staked base unit since the stream began, Q64.64.
    pub reward_per_token_q: u128,
    /// Emitted to stakers and not yet paid out, Q64.64: exactly what positions
    /// and operators are owed (settled or not) plus `distribution_remainder_q`.
    pub unclaimed_q: u128,
    /// Emission stops here (unix seconds).
    pub period_end: i64,
    /// The accumulator is up to date to here (unix seconds, `<= period_end` once the
    /// period is over).
    pub last_update: i64,
    /// Accrued emission not yet in the accumulator: the remainder of the last
    /// division by the total stake, Q64.64 base units (below the total stake,
    /// so below one base unit). Carried into the next accrual.
    pub distribution_remainder_q: u64,
}

impl StreamCurve {
    /// Emission of the running period not yet accrued, Q64.64.
    pub fn remaining_emission_q(&self) -> MathResult<u128> {
        let seconds = elapsed(self.last_update, self.period_end) as u128;
        self.rate_q.checked_mul(seconds).ok_or(MathError::Overflow)
    }

    /// Brings the accumulator to `now` for `total_staked` staked units.
    ///
    /// Emission while nothing is staked credits nobody: it leaves the schedule
    /// and becomes recoverable by the authority ([`recoverable_rewards`]).
    pub fn accrue(&mut self, now: i64, total_staked: u64) -> MathResult<()> {
        let until = now.min(self.period_end);
        let seconds = elapsed(self.last_update, until);
        if seconds == 0 {
            return Ok(());
        }
        let emitted_q = self
            .rate_q
            .checked_mul(seconds as u128)
            .ok_or(MathError::Overflow)?;
        if total_staked > 0 {
            let distributable = emitted_q
                .checked_add(u128::from(self.distribution_remainder_q))
                .ok_or(MathError::Overflow)?;
            let divisor = u128::from(total_staked);
            let increase = q64_div_floor(distributable, divisor)?;
            // Below the divisor, so it fits a u64.
            self.distribution_remainder_q = (distributable - increase * divisor) as u64;
            self.reward_per_token_q = self
                .reward_per_token_q
                .checked_add(increase)
                .ok_or(MathError::Overflow)?;
            self.unclaimed_q = self
                .unclaimed_q
                .checked_add(emitted_q)
                .ok_or(MathError::Overflow)?;
        }
        self.last_update = until;
        Ok(())
    }

    /// Starts a new period of `duration` seconds at `now` emitting `amount` plus
    /// whatever the running period had left (Synthetix `notifyRewardAmount`).
    /// The curve must already be accrued to `now`.
    pub fn fund(&mut self, now: i64, amount: u64, duration: u64) -> MathResult<()> {
        self.rate_q = rate_after_funding(self, now, amount, duration)?;
        self.last_update = now;
        self.period_end = now
            .checked_add(i64::try_from(duration).map_err(|_| MathError::Overflow)?)
            .ok_or(MathError::Overflow)?;
        Ok(())
    }

    /// Records a payout of `amount` base units to a staker or an operator.
    pub fn record_payout(&mut self, amount: u64) -> MathResult<()> {
        self.release_q(u128::from(amount) << Q64_SHIFT)
    }

    /// Takes `amount_q` off the liability: paid out, or a closed position's
    /// fraction of a unit given up (which becomes recoverable).
    pub fn release_q(&mut self, amount_q: u128) -> MathResult<()> {
        self.unclaimed_q = self
            .unclaimed_q
            .checked_sub(amount_q)
            .ok_or(MathError::Overflow)?;
        Ok(())
    }
}

/// The Q64.64 rate for a new period: `(amount + leftover) / duration`.
///
/// Refuses schedules outside the module's bounds, so that accruing the whole
/// period can never overflow the accumulator or the unclaimed total, whatever
/// the stake (at least one base unit) is when it happens.
pub fn rate_after_funding(
    curve: &StreamCurve,
    now: i64,
    amount: u64,
    duration: u64,
) -> MathResult<u128> {
    if duration == 0 {
        return Err(MathError::ZeroDuration);
    }
    let leftover_q = if now < curve.period_end {
        curve
            .rate_q
            .checked_mul(elapsed(now, curve.period_end) as u128)
            .ok_or(MathError::Overflow)?
    } else {
        0
    };
    let scheduled_q = ((amount as u128) << Q64_SHIFT)
        .checked_add(leftover_q)
        .filter(|q| *q >> Q64_SHIFT < u64::MAX as u128)
        .ok_or(MathError::Overflow)?;
    curve
        .reward_per_token_q
        .checked_add(scheduled_q)
        .and_then(|q| q.checked_add(u128::from(curve.distribution_remainder_q)))
        .ok_or(MathError::Overflow)?;
    curve
        .unclaimed_q
        .checked_add(scheduled_q)
        .ok_or(MathError::Overflow)?;
    let rate_q = q64_div_floor(scheduled_q, duration as u128)?;
    if rate_q == 0 {
        return Err(MathError::RateTooLow);
    }
    Ok(rate_q)
}

/// What `staked` units earned over an accumulator increase from `checkpoint_q`
/// to `accumulator_q`, exactly, in Q64.64 base units. Errors only when the
/// result reaches 2^64 base units (more than any token supply).
pub fn earned_q(staked: u64, accumulator_q: u128, checkpoint_q: u128) -> MathResult<u128> {
    let delta = accumulator_q
        .checked_sub(checkpoint_q)
        .ok_or(MathError::Overflow)?;
    u128::from(staked)
        .checked_mul(delta)
        .ok_or(MathError::Overflow)
}

/// Whole base units in a Q64.64 amount, rounded down (what can be paid now).
#[inline]
pub fn q64_whole(q: u128) -> u128 {
    q >> Q64_SHIFT
}

/// Adds `amount_q` to an amount held as whole base units plus a fraction (the
/// low 64 bits of its Q64.64 value), returning the new `(whole, fraction)`.
/// Exact: nothing is rounded.
pub fn add_q(whole: u64, fraction: u64, amount_q: u128) -> MathResult<(u64, u64)> {
    let sum = ((u128::from(whole) << Q64_SHIFT) | u128::from(fraction))
        .checked_add(amount_q)
        .ok_or(MathError::Overflow)?;
    let whole = u64::try_from(q64_whole(sum)).map_err(|_| MathError::Overflow)?;
    Ok((whole, sum as u64))
}

/// Basis points in one whole (100%).
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Splits an accumulator increase between delegators and their operator at
/// `commission_bps`, carrying the remainder of the basis-point division:
/// returns `(net_q, commission_q, remainder)` with
/// `commission_q = floor((delta_q * bps + remainder_in) / 10_000)`,
/// `remainder < 10_000` for the next split, and `net_q + commission_q == delta_q`
/// exactly, so nothing is created or lost, and splitting an increase in pieces
/// books the same commission as splitting it once (at the same rate).
pub fn split_commission(
    delta_q: u128,
    commission_bps: u16,
    remainder: u64,
) -> MathResult<(u128, u128, u64)> {
    let denominator = u128::from(BPS_DENOMINATOR);
    if commission_bps > BPS_DENOMINATOR || u128::from(remainder) >= denominator {
        return Err(MathError::Overflow);
    }
    let bps = u128::from(commission_bps);
    // (q * bps + r) / d without the overflowing product: q = a*d + b, b < d.
    let carried = (delta_q % denominator) * bps + u128::from(remainder);
    let commission_q = (delta_q / denominator) * bps + carried / denominator;
    // commission_q <= delta_q: carried / d <= b whenever bps <= d and r < d.
    Ok((
        delta_q - commission_q,
        commission_q,
        (carried % denominator) as u64,
    ))
}

/// Whether an operator holding `operator_stake` of `total_stake` stays within a
/// cap of `max_share_bps` (10_000 means no cap).
pub fn within_share_cap(operator_stake: u64, total_stake: u64, max_share_bps: u16) -> bool {
    max_share_bps >= BPS_DENOMINATOR
        || u128::from(operator_stake) * u128::from(BPS_DENOMINATOR)
            <= u128::from(total_stake) * u128::from(max_share_bps)
}

/// What the authority may take out of a reward vault: its balance less what is
/// owed to stakers (rounded up) and what the running period will still emit
/// (rounded up). This is emission that happened while nothing was staked,
/// rounding dust and anything sent to the vault directly. The curve must be
/// accrued to now.
pub fn recoverable_rewards(vault_balance: u64, curve: &StreamCurve) -> MathResult<u64> {
    let liabilities = q64_ceil(curve.unclaimed_q)
        .checked_add(q64_ceil(curve.remaining_emission_q()?))
        .ok_or(MathError::Overflow)?;
    Ok(u64::try_from((vault_balance as u128).saturating_sub(liabilities)).unwrap_or(0))
}

// # Slashing
//
// An operator's delegated stake is a pot of `tokens` owned through `shares`:
// a delegation's stake is `floor(shares × tokens / total_shares)`, so a slash
// (which lowers `tokens`) reaches every delegator in proportion without a
// loop, the stakes always sum to at most the pot, and the last delegator to
// leave takes the whole pot. Open tickets (which earn nothing) carry a
// multiplier instead ([`TicketFactor`], renormalized so it never loses
// precision): a ticket is worth `floor(amount × factor_now /
// factor_at_unstake)`, capped at what the operator still holds for tickets.
// Stakes round down, against the holder, and ticket payouts are capped: the
// stake vault always covers what is owed.

/// What a slash of `bps` takes from `amount`: `floor(amount × bps / 10_000)`.
pub fn slash_take(amount: u64, bps: u16) -> MathResult<u64> {
    if bps > BPS_DENOMINATOR {
        return Err(MathError::Overflow);
    }
    let taken = u128::from(amount) * u128::from(bps) / u128::from(BPS_DENOMINATOR);
    u64::try_from(taken).map_err(|_| MathError::Overflow)
}

/// A ticket multiplier: `mantissa × 2^-(64 + shift)`, the mantissa (Q64.64)
/// kept in `[2^63, 2^64]` so that it keeps 63 bits of precision however far
/// slashes take the multiplier down. 1.0 is `(2^64, 0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFactor {
    pub mantissa_q: u128,
    pub shift: u32,
}

impl TicketFactor {
    pub const ONE: Self = Self {
        mantissa_q: Q64_ONE,
        shift: 0,
    };
}

/// The ticket multiplier after a slash of `bps` (below 10,000): multiplied by
/// `(10_000 − bps) / 10_000`, renormalized, rounded up. Rounded up so that a
/// ticket loses exactly the slash's rate when the product is a whole number
/// (rounding down would take one unit more from every ticket of a 10% slash,
/// 0.9 having no exact binary fraction); what that rounding could over-credit
/// is bounded by the operator's `unbonding`, which every payout is capped at.
pub fn slashed_factor(factor: TicketFactor, bps: u16) -> MathResult<TicketFactor> {
    if bps >= BPS_DENOMINATOR || !(Q64_ONE / 2..=Q64_ONE).contains(&factor.mantissa_q) {
        return Err(MathError::Overflow);
    }
    let denominator = u128::from(BPS_DENOMINATOR);
    // mantissa × kept < 2^64 × 10^4 < 2^78; each doubling until the quotient
    // reaches 2^63 is one more bit of shift (at most 14: kept ≥ 1).
    let mut kept = factor.mantissa_q * u128::from(BPS_DENOMINATOR - bps);
    let mut shift = factor.shift;
    while kept < (Q64_ONE / 2) * denominator {
        kept <<= 1;
        shift = shift.checked_add(1).ok_or(MathError::Overflow)?;
    }
    Ok(TicketFactor {
        mantissa_q: kept / denominator + u128::from(!kept.is_multiple_of(denominator)),
        shift,
    })
}

/// A ticket of `amount` unstaked at multiplier `at`, now that the multiplier
/// is `now` (never above it), rounded down; the caller caps it at what the
/// operator still holds for its tickets.
pub fn ticket_value(amount: u64, now: TicketFactor, at: TicketFactor) -> MathResult<u64> {
    let shift = now.shift.checked_sub(at.shift).ok_or(MathError::Overflow)?;
    if now.mantissa_q > Q64_ONE
        || at.mantissa_q > Q64_ONE
        || at.mantissa_q == 0
        || (shift == 0 && now.mantissa_q > at.mantissa_q)
    {
        return Err(MathError::Overflow);
    }
    if now == at {
        return Ok(amount);
    }
    if shift >= 64 {
        return Ok(0);
    }
    // amount < 2^64 and mantissa ≤ 2^64: the product fits in 128 bits; the
    // quotient is below 2 × amount (mantissas differ by at most a factor 2),
    // and at most `amount` once shifted.
    let value = q64_div_floor(u128::from(amount) * now.mantissa_q, at.mantissa_q)? >> shift;
    u64::try_from(value).map_err(|_| MathError::Overflow)
}

/// The tokens `shares` of a pot of `tokens` split into `total_shares` are
/// worth, rounded down. Exactly `tokens` for the holder of every share.
pub fn shares_value(shares: u64, total_shares: u64, tokens: u64) -> MathResult<u64> {
    if shares > total_shares {
        return Err(MathError::Overflow);
    }
    if shares == total_shares {
        return Ok(if shares == 0 { 0 } else { tokens });
    }
    let value = u128::from(shares) * u128::from(tokens) / u128::from(total_shares);
    u64::try_from(value).map_err(|_| MathError::Overflow)
}

/// Shares issued for `amount` added to the pot, rounded down (against the
/// newcomer, so that nobody already in loses by it); 1:1 into an empty pot.
/// A pot with shares and no tokens (slashed to nothing) takes no more.
pub fn shares_for_deposit(amount: u64, total_shares: u64, tokens: u64) -> MathResult<u64> {
    if total_shares == 0 {
        return Ok(amount);
    }
    if tokens == 0 {
        return Err(MathError::Overflow);
    }
    if total_shares == tokens {
        return Ok(amount);
    }
    let shares = u128::from(amount) * u128::from(total_shares) / u128::from(tokens);
    u64::try_from(shares).map_err(|_| MathError::Overflow)
}

/// Shares retired for taking `amount` out of the pot, rounded up (against the
/// one leaving).
pub fn shares_to_burn(amount: u64, total_shares: u64, tokens: u64) -> MathResult<u64> {
    if amount > tokens {
        return Err(MathError::Overflow);
    }
    if total_shares == tokens || amount == 0 {
        return Ok(amount.min(total_shares));
    }
    let product = u128::from(amount) * u128::from(total_shares);
    let tokens = u128::from(tokens);
    let shares = product / tokens + u128::from(!product.is_multiple_of(tokens));
    u64::try_from(shares).map_err(|_| MathError::Overflow)
}

/// Spreads an accumulator increase `delta_q` (per base unit of the pot) over
/// the pot's shares: returns the increase per share, Q64.64, rounded down, and
/// the undistributed remainder (Q64.64 base units, below `total_shares`), which
/// the caller carries into the next call. With no shares nothing is spread.
/// While the pot was never slashed (`total_shares == tokens`) the increase per
/// share is `delta_q` exactly.
pub fn spread_over_shares(
    delta_q: u128,
    tokens: u64,
    total_shares: u64,
    remainder: u64,
) -> MathResult<(u128, u64)> {
    if total_shares == 0 {
        return Ok((0, remainder));
    }
    if total_shares == tokens && remainder == 0 {
        return Ok((delta_q, 0));
    }
    let amount_q = u128::from(tokens)
        .checked_mul(delta_q)
        .and_then(|product| product.checked_add(u128::from(remainder)))
        .ok_or(MathError::Overflow)?;
    let shares = u128::from(total_shares);
    Ok((amount_q / shares, (amount_q % shares) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    /// Whole base units `staked` earned over an accumulator increase.
    fn earned(staked: u64, accumulator_q: u128, checkpoint_q: u128) -> MathResult<u64> {
        u64::try_from(q64_whole(earned_q(staked, accumulator_q, checkpoint_q)?))
            .map_err(|_| MathError::Overflow)
    }

    fn funded(now: i64, amount: u64, duration: u64) -> StreamCurve {
        let mut curve = StreamCurve {
            last_update: now,
            period_end: now,
            ..Default::default()
        };
        curve.fund(now, amount, duration).unwrap();
        curve
    }

    #[test]
    fn q64_mul_floor_is_exact_at_the_extremes() {
        assert_eq!(q64_mul_floor(u64::MAX, Q64_ONE), u64::MAX as u128);
        assert_eq!(q64_mul_floor(3, Q64_ONE / 2), 1);
        assert_eq!(q64_mul_floor(0, u128::MAX), 0);
        assert_eq!(
            q64_mul_floor(u64::MAX, u128::MAX),
            (u64::MAX as u128) * (u64::MAX as u128) + (u64::MAX as u128) - 1
        );
    }

    #[test]
    fn q64_div_floor_fast_and_wide_paths_agree() {
        assert_eq!(q64_div_floor(10, 3).unwrap(), 3);
        assert_eq!(q64_div_floor(u128::MAX, 1).unwrap(), u128::MAX);
        assert_eq!(q64_div_floor(Q64_ONE * 7, 2).unwrap(), Q64_ONE * 7 / 2);
        assert_eq!(q64_div_floor(1, 0), Err(MathError::Overflow));
    }

    #[test]
    fn q64_ceil_rounds_fractions_up() {
        assert_eq!(q64_ceil(0), 0);
        assert_eq!(q64_ceil(1), 1);
        assert_eq!(q64_ceil(Q64_ONE), 1);
        assert_eq!(q64_ceil(Q64_ONE + 1), 2);
    }

    #[test]
    fn single_staker_earns_the_whole_period() {
        let mut curve = funded(0, 1_000_000, 100);
        curve.accrue(100, 50).unwrap();
        let paid = earned(50, curve.reward_per_token_q, 0).unwrap();
        assert!((999_999..=1_000_000).contains(&paid), "{paid}");
    }

    #[test]
    fn accrual_stops_at_period_end_and_rolls_leftover() {
        let mut curve = funded(0, 1_000, 10);
        curve.accrue(5, 1).unwrap();
        curve.fund(5, 1_000, 10).unwrap();
        // 500 left over + 1,000 new over 10 seconds.
        assert_eq!(curve.rate_q >> Q64_SHIFT, 150);
        curve.accrue(1_000, 1).unwrap();
        assert_eq!(curve.last_update, 15);
        assert_eq!(earned(1, curve.reward_per_token_q, 0).unwrap(), 2_000);
    }

    #[test]
    fn emission_while_empty_becomes_recoverable() {
        let mut curve = funded(0, 1_000, 10);
        curve.accrue(4, 0).unwrap();
        assert_eq!(curve.reward_per_token_q, 0);
        assert_eq!(recoverable_rewards(1_000, &curve).unwrap(), 400);
        curve.accrue(10, 7).unwrap();
        assert_eq!(recoverable_rewards(1_000, &curve).unwrap(), 400);
    }

    #[test]
    fn funding_refuses_schedules_outside_the_bounds() {
        let curve = StreamCurve::default();
        assert_eq!(
            rate_after_funding(&curve, 0, 1, 0),
            Err(MathError::ZeroDuration)
        );
        assert_eq!(
            rate_after_funding(&curve, 0, u64::MAX, DAY as u64),
            Err(MathError::Overflow)
        );
        let near_full = StreamCurve {
            reward_per_token_q: u128::MAX - Q64_ONE,
            ..Default::default()
        };
        assert_eq!(
            rate_after_funding(&near_full, 0, 2, 1),
            Err(MathError::Overflow)
        );
        assert!(rate_after_funding(&curve, 0, u64::MAX - 1, 1).is_ok());
    }

    #[test]
    fn payout_beyond_unclaimed_is_an_error() {
        let mut curve = StreamCurve {
            unclaimed_q: Q64_ONE * 5,
            ..Default::default()
        };
        curve.record_payout(5).unwrap();
        assert_eq!(curve.record_payout(1), Err(MathError::Overflow));
    }

    /// Reference model: no fixed point, no accumulator. Over an interval of
    /// `step` seconds a user's exact share is `amount * step * stake /
    /// (duration * total)`; returns, per user, the sums of those shares rounded
    /// down and rounded up, which bracket the exact total.
    fn reference_bounds(
        amount: u64,
        duration: u64,
        stakes: &[Vec<u64>],
        step: u64,
    ) -> Vec<(u128, u128)> {
        let mut bounds = vec![(0u128, 0u128); stakes[0].len()];
        for interval in stakes {
            let total: u128 = interval.iter().map(|s| *s as u128).sum();
            if total == 0 {
                continue;
            }
            for (user, stake) in interval.iter().enumerate() {
                let numerator = amount as u128 * step as u128 * *stake as u128;
                let denominator = duration as u128 * total;
                bounds[user].0 += numerator / denominator;
                bounds[user].1 += numerator.div_ceil(denominator);
            }
        }
        bounds
    }

    /// A user's exact share over all intervals, rounded down once:
    /// `floor(Σ amount * step * stake_i / (duration * total_i))`, summed as a
    /// fraction over the common denominator of at most 8 intervals.
    fn exact_share_floor(
        amount: u64,
        duration: u64,
        stakes: &[Vec<u64>],
        step: u64,
        user: usize,
    ) -> u128 {
        // Σ stake_i / total_i in fixed point at 2^64: the floors lose under
        // 8 * 2^-64 of `amount * step / duration` < 2^40, far below one unit.
        const SCALE: u128 = 1 << 64;
        let mut scaled = 0u128;
        for interval in stakes {
            let total: u128 = interval.iter().map(|s| *s as u128).sum();
            if total == 0 {
                continue;
            }
            scaled += interval[user] as u128 * SCALE / total;
        }
        // amount * step < 2^54; scaled <= 8 * 2^64: the product fits.
        amount as u128 * step as u128 * scaled / (duration as u128 * SCALE)
    }

    /// `x * y` as a 256-bit `(high, low)` pair, for checking results exactly.
    fn wide_mul(x: u128, y: u16) -> (u128, u128) {
        let y = u128::from(y);
        let low_part = (x & u64::MAX as u128) * y;
        let high_part = (x >> 64) * y;
        let (low, carry) = low_part.overflowing_add(high_part << 64);
        ((high_part >> 64) + u128::from(carry), low)
    }

    #[test]
    fn commission_split_at_the_extremes() {
        assert_eq!(
            split_commission(u128::MAX, 10_000, 0).unwrap(),
            (0, u128::MAX, 0)
        );
        assert_eq!(
            split_commission(u128::MAX, 0, 9_999).unwrap(),
            (u128::MAX, 0, 9_999)
        );
        assert_eq!(split_commission(10_000, 1, 0).unwrap(), (9_999, 1, 0));
        assert_eq!(split_commission(9_999, 1, 0).unwrap(), (9_999, 0, 9_999));
        // The carried remainder completes the next unit.
        assert_eq!(split_commission(1, 1, 9_999).unwrap(), (0, 1, 0));
        assert_eq!(split_commission(1, 10_001, 0), Err(MathError::Overflow));
        assert_eq!(split_commission(1, 1, 10_000), Err(MathError::Overflow));
    }

    #[test]
    fn add_q_carries_the_fraction_into_whole_units() {
        assert_eq!(add_q(0, 0, Q64_ONE / 2).unwrap(), (0, 1 << 63));
        assert_eq!(add_q(0, 1 << 63, Q64_ONE / 2).unwrap(), (1, 0));
        assert_eq!(add_q(7, 5, 3 * Q64_ONE + 1).unwrap(), (10, 6));
        assert_eq!(add_q(u64::MAX, u64::MAX, 1), Err(MathError::Overflow));
    }

    #[test]
    fn tiny_rate_over_a_huge_stake_is_not_lost_to_frequent_accruals() {
        // The review's case: 1e19 staked, 0.5 unit/s for 600 s. Accrued every
        // second, each increment alone floors to zero; carried, they add up.
        let mut once = funded(0, 300, 600);
        let mut every_second = once;
        once.accrue(600, 10_000_000_000_000_000_000).unwrap();
        for now in 1..=600 {
            every_second
                .accrue(now, 10_000_000_000_000_000_000)
                .unwrap();
        }
        assert_eq!(once.reward_per_token_q, every_second.reward_per_token_q);
        let alice = earned(
            10_000_000_000_000_000_000,
            every_second.reward_per_token_q,
            0,
        )
        .unwrap();
        assert!((299..=300).contains(&alice), "{alice}");
    }

    #[test]
    fn share_cap_compares_exactly() {
        assert!(within_share_cap(u64::MAX, u64::MAX, 10_000));
        assert!(within_share_cap(2_500, 10_000, 2_500));
        assert!(!within_share_cap(2_501, 10_000, 2_500));
        assert!(!within_share_cap(1, 0, 9_999));
        assert!(within_share_cap(0, 0, 1));
    }

    proptest! {
        #[test]
        fn commission_split_conserves_and_rounds_for_delegators(delta: u128, bps in 0u16..=10_000) {
            let (net, commission, _) = split_commission(delta, bps, 0).unwrap();
            prop_assert_eq!(net + commission, delta);
            // commission = floor(delta * bps / 10_000), checked in 256-bit terms:
            // commission * 10_000 <= delta * bps < commission * 10_000 + 10_000.
            let lhs = wide_mul(commission, BPS_DENOMINATOR);
            let rhs = wide_mul(delta, bps);
            prop_assert!(lhs <= rhs);
            let (low, carry) = lhs.1.overflowing_add(u128::from(BPS_DENOMINATOR));
            prop_assert!(rhs < (lhs.0 + u128::from(carry), low));
        }

        #[test]
        fn q64_mul_floor_matches_wide_reference(amount: u64, q: u128) {
            // Reference: split into 64-bit limbs and do schoolbook multiplication.
            let (q_hi, q_lo) = (q >> 64, q & u64::MAX as u128);
            let lo = amount as u128 * q_lo;
            let hi = amount as u128 * q_hi + (lo >> 64);
            prop_assert_eq!(q64_mul_floor(amount, q), hi);
        }

        #[test]
        fn q64_div_floor_matches_u128_division(q: u128, divisor in 1u128..) {
            prop_assert_eq!(q64_div_floor(q, divisor).unwrap(), q / divisor);
        }

        /// Accruing in any number of pieces gives the same accumulator and
        /// liability as accruing once, while the stake does not change.
        #[test]
        fn accrual_is_independent_of_frequency(
            amount in 1u64..1_000_000_000_000_000,
            duration in 1u64..100_000,
            total in 1u64..=u64::MAX,
            cuts in proptest::collection::vec(0u64..100_000, 0..40),
        ) {
            let mut once = funded(0, amount, duration);
            let mut pieces = once;
            let mut cuts: Vec<u64> = cuts.into_iter().map(|c| c % duration).collect();
            cuts.sort_unstable();
            for cut in cuts {
                pieces.accrue(cut as i64, total).unwrap();
            }
            pieces.accrue(duration as i64, total).unwrap();
            once.accrue(duration as i64, total).unwrap();
            prop_assert_eq!(once, pieces);
        }

        /// Splitting an increase in pieces at one rate books exactly what
        /// splitting it once does, and nothing is created or lost.
        #[test]
        fn commission_split_is_independent_of_frequency(
            pieces in proptest::collection::vec(0u128..(1u128 << 100), 1..30),
            bps in 0u16..=10_000,
        ) {
            let total: u128 = pieces.iter().sum();
            let (net_once, commission_once, remainder_once) = split_commission(total, bps, 0).unwrap();
            let (mut net, mut commission, mut remainder) = (0u128, 0u128, 0u64);
            for piece in pieces {
                let (n, c, r) = split_commission(piece, bps, remainder).unwrap();
                net += n;
                commission += c;
                remainder = r;
            }
            prop_assert_eq!((net, commission, remainder), (net_once, commission_once, remainder_once));
        }

        /// Several users staking through a funded period, settling after every
        /// interval (the most frequent pattern): each is paid its exact
        /// reference share less under one unit (plus one for the rate's
        /// rounding), never more; and the liability is exactly what positions
        /// are owed plus the carried remainder.
        #[test]
        fn rewards_follow_the_reference_model(
            amount in 1u64..1_000_000_000_000,
            intervals in 1usize..8,
            step in 1u64..10_000,
            stakes in proptest::collection::vec(proptest::collection::vec(0u64..1_000_000_000, 3), 8),
        ) {
            let duration = step * intervals as u64;
            let stakes = &stakes[..intervals];
            let mut curve = funded(0, amount, duration);
            let users = stakes[0].len();
            let mut checkpoints = vec![0u128; users];
            let mut owed = vec![(0u64, 0u64); users];
            let mut paid = vec![0u64; users];
            let mut now = 0i64;
            for interval in stakes {
                let total: u64 = interval.iter().sum();
                now += step as i64;
                curve.accrue(now, total).unwrap();
                for user in 0..users {
                    let gain = earned_q(interval[user], curve.reward_per_token_q, checkpoints[user]).unwrap();
                    let (whole, fraction) = add_q(owed[user].0, owed[user].1, gain).unwrap();
                    paid[user] += whole;
                    curve.record_payout(whole).unwrap();
                    owed[user] = (0, fraction);
                    checkpoints[user] = curve.reward_per_token_q;
                }
            }
            let fractions: u128 = owed.iter().map(|(_, f)| u128::from(*f)).sum();
            prop_assert_eq!(curve.unclaimed_q, fractions + u128::from(curve.distribution_remainder_q));
            let reference = reference_bounds(amount, duration, stakes, step);
            let total_paid: u64 = paid.iter().sum();
            prop_assert!(total_paid <= amount);
            for (user, (lower, upper)) in reference.into_iter().enumerate() {
                prop_assert!(paid[user] as u128 <= upper, "user {} paid {} > {}", user, paid[user], upper);
                // lower sums per-interval floors, so it is below the exact share
                // by up to one unit an interval: compare with the exact share's floor.
                let exact_floor = exact_share_floor(amount, duration, stakes, step, user);
                prop_assert!(exact_floor.saturating_sub(paid[user] as u128) <= 2,
                    "user {} paid {} exact share floor {} (lower {})", user, paid[user], exact_floor, lower);
            }
            // After the period, every unit not owed is recoverable: the vault
            // keeps back only the fractions and the remainder, rounded up.
            let vault = amount - total_paid;
            let recoverable = recoverable_rewards(vault, &curve).unwrap();
            prop_assert_eq!(u128::from(vault - recoverable), q64_ceil(curve.unclaimed_q));
            prop_assert!(q64_ceil(curve.unclaimed_q) <= users as u128 + 1);
        }

        /// Refunding mid-period never loses or invents emission: the new period
        /// emits the leftover plus the new amount, within rounding.
        #[test]
        fn leftover_rolls_into_the_new_period(
            first in 1u64..1_000_000_000_000,
            second in 0u64..1_000_000_000_000,
            duration in 1u64..10_000_000,
            at_fraction in 0u64..100,
        ) {
            let mut curve = funded(0, first, duration);
            let at = (duration * at_fraction / 100) as i64;
            curve.accrue(at, 1).unwrap();
            let emitted_before = q64_mul_floor(1, curve.reward_per_token_q);
            if rate_after_funding(&curve, at, second, duration) == Err(MathError::RateTooLow) {
                return Ok(());
            }
            curve.fund(at, second, duration).unwrap();
            curve.accrue(at + duration as i64, 1).unwrap();
            let total = q64_mul_floor(1, curve.reward_per_token_q);
            prop_assert!(total <= first as u128 + second as u128);
            prop_assert!(first as u128 + second as u128 - total <= 2, "{} {}", total, emitted_before);
        }
    }

    proptest! {
        #[test]
        fn share_values_never_exceed_the_pot(
            deposits in proptest::collection::vec(1u64..1_000_000_000, 1..8),
            slashes in proptest::collection::vec(0u16..=9_999, 0..4),
        ) {
            let (mut tokens, mut total) = (0u64, 0u64);
            let mut holders = Vec::new();
            for (i, amount) in deposits.iter().enumerate() {
                let shares = shares_for_deposit(*amount, total, tokens).unwrap();
                tokens += amount;
                total += shares;
                holders.push(shares);
                if let Some(bps) = slashes.get(i) {
                    tokens -= slash_take(tokens, *bps).unwrap();
                }
                let values: u64 = holders
                    .iter()
                    .map(|shares| shares_value(*shares, total, tokens).unwrap())
                    .sum();
                prop_assert!(values <= tokens);
                // Each holder's rounding is below one unit.
                prop_assert!(tokens - values < holders.len() as u64);
            }
        }

        #[test]
        fn leaving_takes_at_most_the_value_and_the_last_takes_the_rest(
            stakes in proptest::collection::vec(1u64..1_000_000_000, 2..6),
            bps in 1u16..=9_999,
            part in 0u64..100,
        ) {
            let (mut tokens, mut total) = (0u64, 0u64);
            let mut holders = Vec::new();
            for amount in &stakes {
                let shares = shares_for_deposit(*amount, total, tokens).unwrap();
                tokens += amount;
                total += shares;
                holders.push(shares);
            }
            tokens -= slash_take(tokens, bps).unwrap();
            // The first takes part of its value out.
            let value = shares_value(holders[0], total, tokens).unwrap();
            let amount = value * part / 100;
            let burned = shares_to_burn(amount, total, tokens).unwrap();
            prop_assert!(burned <= holders[0]);
            holders[0] -= burned;
            total -= burned;
            tokens -= amount;
            prop_assert!(shares_value(holders[0], total, tokens).unwrap() + amount <= value);
            // Everyone leaves in turn; the last takes what is left, exactly.
            for shares in &mut holders {
                let value = shares_value(*shares, total, tokens).unwrap();
                total -= *shares;
                tokens -= value;
                *shares = 0;
            }
            prop_assert_eq!((tokens, total), (0, 0));
        }

        #[test]
        fn tickets_lose_the_slash_rate_within_a_unit_and_payouts_fit(
            amounts in proptest::collection::vec(1u64..1_000_000_000_000, 1..6),
            slashes in proptest::collection::vec(1u16..=9_999, 1..5),
        ) {
            // Ticket i is unstaked before slash i: it bears slashes i.. .
            let mut factor = TicketFactor::ONE;
            let mut unbonding = 0u64;
            let mut tickets = Vec::new();
            for (i, amount) in amounts.iter().enumerate() {
                tickets.push((*amount, factor, i));
                unbonding += amount;
                if let Some(bps) = slashes.get(i) {
                    unbonding -= slash_take(unbonding, *bps).unwrap();
                    factor = slashed_factor(factor, *bps).unwrap();
                }
            }
            let mut left = unbonding;
            for (amount, at, first) in tickets {
                let value = ticket_value(amount, factor, at).unwrap().min(left);
                left -= value;
                // Exactly: amount × Π(10_000 − bps) / 10_000^k.
                let (mut numerator, mut denominator) = (u128::from(amount), 1u128);
                for bps in slashes.iter().take(amounts.len()).skip(first) {
                    numerator *= u128::from(BPS_DENOMINATOR - bps);
                    denominator *= u128::from(BPS_DENOMINATOR);
                }
                let exact_floor = (numerator / denominator) as u64;
                prop_assert!(value + 1 >= exact_floor, "{} vs {}", value, exact_floor);
                prop_assert!(value <= exact_floor + 1, "{} vs {}", value, exact_floor);
            }
        }

        #[test]
        fn deep_slashes_keep_the_multiplier_precise(
            amount in 1u64..u64::MAX,
            deep in 1usize..12,
        ) {
            // Many 99.99% slashes, then 10%: a ticket unstaked just before the
            // 10% loses 10%, however small the multiplier had become.
            let mut factor = TicketFactor::ONE;
            for _ in 0..deep {
                factor = slashed_factor(factor, 9_999).unwrap();
            }
            let at = factor;
            let after = slashed_factor(factor, 1_000).unwrap();
            let value = ticket_value(amount, after, at).unwrap();
            // Within one unit, plus the mantissas' relative precision (2^-62)
            // for amounts that large.
            let exact = u128::from(amount) * 9 / 10;
            let bound = 1 + (u128::from(amount) >> 62);
            prop_assert!(u128::from(value) + bound >= exact && u128::from(value) <= exact + bound);
        }

        #[test]
        fn spreading_over_shares_conserves(
            deltas in proptest::collection::vec(0u128..(1u128 << 80), 1..10),
            tokens in 1u64..1_000_000_000_000,
            total_shares in 1u64..1_000_000_000_000,
        ) {
            let mut remainder = 0u64;
            let mut spread = 0u128;
            let mut given = 0u128;
            for delta in deltas {
                let (per_share, left) =
                    spread_over_shares(delta, tokens, total_shares, remainder).unwrap();
                prop_assert!(left < total_shares);
                remainder = left;
                spread += per_share * u128::from(total_shares);
                given += delta * u128::from(tokens);
            }
            prop_assert_eq!(spread + u128::from(remainder), given);
        }
    }

    #[test]
    fn slash_edges() {
        assert_eq!(slash_take(1_000, 10_000), Ok(1_000));
        assert_eq!(slash_take(999, 1), Ok(0));
        assert_eq!(slash_take(1, 10_001), Err(MathError::Overflow));
        let one = TicketFactor::ONE;
        assert_eq!(slashed_factor(one, 10_000), Err(MathError::Overflow));
        let half = slashed_factor(one, 5_000).unwrap();
        let half_expected = TicketFactor {
            mantissa_q: Q64_ONE / 2,
            shift: 0,
        };
        assert_eq!(half, half_expected);
        let quarter = slashed_factor(half, 5_000).unwrap();
        let quarter_expected = TicketFactor {
            mantissa_q: Q64_ONE / 2,
            shift: 1,
        };
        assert_eq!(quarter, quarter_expected);
        // A 10% slash takes exactly 10% of a ticket: 0.9 rounds up.
        let factor = slashed_factor(one, 1_000).unwrap();
        assert_eq!(ticket_value(400, factor, one), Ok(360));
        assert_eq!(ticket_value(1_000, half, one), Ok(500));
        assert_eq!(ticket_value(1_000, quarter, one), Ok(250));
        assert_eq!(ticket_value(1_000, quarter, half), Ok(500));
        assert_eq!(ticket_value(1_000, one, half), Err(MathError::Overflow));
        assert_eq!(shares_for_deposit(5, 10, 0), Err(MathError::Overflow));
        assert_eq!(shares_value(0, 0, 0), Ok(0));
        assert_eq!(shares_value(10, 10, 7), Ok(7));
        assert_eq!(shares_to_burn(7, 10, 7), Ok(10));
        assert_eq!(spread_over_shares(5, 0, 0, 3), Ok((0, 3)));
    }
}
