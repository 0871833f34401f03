//! The reference the randomized test checks the bytecode against: every
//! stake, delegation, commission and schedule the program should hold, and
//! what each staker and operator is entitled to as an exact share of emission
//! over time (stake x time), with no fixed-point accumulator and no rounding
//! per settlement.
//!
//! # Units
//! Emission schedules are modelled as the program defines them: a funding
//! sets `rate_q = floor((credited * 2^64 + leftover_q) / duration)` (Q64.64
//! base units a second; what that floor leaves out is never scheduled and is
//! recoverable at once). Entitlements are exact rationals
//! `rate_q * seconds * share`, held in Q128 (2^-128 base units) in big
//! integers, truncated once per interval between two operations: at most
//! `intervals` units of 2^-128, far below anything compared.
//!
//! # The bound (from `staking::math`'s rounding docs)
//! The program credits a position `stake x Δaccumulator` exactly, and the
//! accumulator grows by `floor((emission + r) / total)` with the remainder `r`
//! (below the divisor, i.e. below `total` Q64.64 units, under one base unit)
//! carried. Summing over accruals, a position's credit minus its exact share
//! telescopes to `Σ_k r_k (w_{k+1} - w_k) - w_K r_K`, where `w_k` is the
//! position's weight in accrual `k` (its share of the total stake, times
//! `1 - commission` when delegated). Accruals at an unchanged weight cancel,
//! so however often anyone touches the pool, the difference is below
//! `R / 2^64 * (w_now + Σ |Δw|)` base units, with `R` the largest total stake
//! the stream was divided by (`drift` below). Delegators and operators get a
//! second term from the commission split's carried basis-point remainder
//! (below one Q64.64 unit per delegated base unit and per interval of constant
//! stake/operator, telescoping likewise): `(s_now + Σ |Δs|) / 2^64` (`split`).
//! Both are under one base unit unless the stake is of the order of 2^64 and
//! the weights swing often; everything is compared including the fractions the
//! program carries (`owed_q`), so there is no whole-unit rounding term.
use anchor_lang::prelude::Pubkey;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

pub const STREAMS: usize = 2;
pub const BPS: u128 = 10_000;
pub const TWO_64: f64 = 18_446_744_073_709_551_616.0;

/// One earner's (a user's or an operator's) account on one stream.
#[derive(Clone, Debug, Default)]
pub struct Earning {
    /// Exact entitlement so far, Q128 base units (truncated once per interval).
    pub entitled_q128: BigInt,
    /// Intervals credited (each truncation is below one Q128 unit).
    pub intervals: u64,
    /// Σ R/2^64 |Δw| in base units (see the module docs).
    pub drift: f64,
    /// The weight in the last accrual with emission and stake.
    pub last_w: f64,
    /// Commission-split remainder bound, base units.
    pub split: f64,
}

impl Earning {
    /// Credits one interval's emission at `weight` (stake × (1 − commission)
    /// for a delegator, delegated × commission for an operator, in basis
    /// points), and tracks the share's drift for the bound.
    fn credit(
        &mut self,
        weight: u128,
        share: f64,
        r_base: f64,
        numerator: &BigInt,
        denominator: &BigInt,
    ) {
        if share != self.last_w {
            self.drift += r_base * (share - self.last_w).abs();
            self.last_w = share;
        }
        if weight > 0 {
            self.entitled_q128 += numerator * BigInt::from(weight) / denominator;
            self.intervals += 1;
        }
    }

    /// The bound on |credited - entitled| now, base units.
    pub fn bound(&self, r_max: u64, split_now: f64) -> f64 {
        let accrual = self.drift + (r_max as f64 / TWO_64) * self.last_w;
        let intervals = self.intervals as f64 * 2f64.powi(-128);
        (accrual + self.split + split_now) * (1.0 + 1e-9) + intervals + 1e-30
    }
}

#[derive(Clone, Debug)]
pub struct Ticket {
    pub address: Pubkey,
    pub amount: u64,
    pub unlock_at: i64,
    /// The operator the stake was delegated to when unstaked.
    pub operator: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct User {
    pub has_position: bool,
    pub stake: u64,
    pub operator: Option<usize>,
    pub tickets: Vec<Ticket>,
    /// What left the reward vault for this user (claims and compounds).
    pub paid: [u64; STREAMS],
    /// Fractions of a unit given up by closing the position, Q64.64.
    pub forfeited_q: [u128; STREAMS],
    pub earning: [Earning; STREAMS],
    /// The user's token accounts of the stake mint and the second reward mint
    /// are frozen by the mint's freeze authority.
    pub frozen: [bool; 2],
}

#[derive(Clone, Debug, Default)]
pub struct OperatorModel {
    pub commission_bps: u16,
    pub pending_bps: u16,
    pub pending_at: i64,
    pub active: bool,
    pub delegated: u64,
    pub claimed: [u64; STREAMS],
    pub earning: [Earning; STREAMS],
}

impl OperatorModel {
    pub fn in_force(&self) -> u16 {
        if self.active {
            self.commission_bps
        } else {
            0
        }
    }

    /// `Operator::apply_due_commission`: only the operator's own
    /// instructions call it, after syncing.
    pub fn apply_due(&mut self, now: i64, max_commission: u16) {
        if self.pending_at != 0 && now >= self.pending_at {
            self.commission_bps = self.pending_bps.min(max_commission);
            self.pending_bps = 0;
            self.pending_at = 0;
        }
    }

    pub fn schedule(&mut self, bps: u16, now: i64, unbonding: u64) {
        self.pending_bps = bps;
        self.pending_at = (now + unbonding as i64).max(1);
    }
}

#[derive(Clone, Debug, Default)]
pub struct StreamModel {
    pub rate_q: u128,
    pub period_end: i64,
    /// Base units the vault was credited by fundings.
    pub funded: u64,
    pub recovered: u64,
    /// Emission while something was staked (credited to stakers), Q64.64.
    pub emitted_staked_q: u128,
    /// Emission while nothing was staked (recoverable), Q64.64.
    pub emitted_empty_q: u128,
    /// What the rate's floor left unscheduled, Q64.64.
    pub dust_q: u128,
    /// The largest total stake an accrual divided by (bounds the remainder).
    pub r_max: u64,
}

impl StreamModel {
    pub fn remaining_q(&self, now: i64) -> u128 {
        self.rate_q * (self.period_end - now).max(0) as u128
    }
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub now: i64,
    pub total_staked: u64,
    pub users: Vec<User>,
    pub operators: Vec<OperatorModel>,
    pub streams: [StreamModel; STREAMS],
    pub paused: bool,
    pub stake_cap: u64,
    pub max_commission: u16,
    pub share_cap: u16,
    pub unbonding: u64,
}

pub fn within_share_cap(operator_stake: u64, total: u64, cap_bps: u16) -> bool {
    cap_bps as u128 >= BPS || operator_stake as u128 * BPS <= total as u128 * cap_bps as u128
}

impl Model {
    /// Stake in open tickets unstaked from operator `o`: the room it keeps
    /// under the share cap.
    pub fn operator_unbonding(&self, o: usize) -> u64 {
        self.users
            .iter()
            .flat_map(|u| &u.tickets)
            .filter(|t| t.operator == Some(o))
            .map(|t| t.amount)
            .sum()
    }

    /// Whether operator `o` takes `amount` of new delegated stake when the
    /// pool's total stake becomes `total_staked`: the share cap checked as if
    /// every ticket unstaked from it came back.
    pub fn admits(&self, o: usize, amount: u64, total_staked: u128) -> bool {
        let unbonding = self.operator_unbonding(o) as u128;
        let answerable = self.operators[o].delegated as u128 + amount as u128 + unbonding;
        self.share_cap as u128 >= BPS
            || answerable * BPS <= (total_staked + unbonding) * self.share_cap as u128
    }

    pub fn total_unbonding(&self) -> u64 {
        self.users
            .iter()
            .flat_map(|u| &u.tickets)
            .map(|t| t.amount)
            .sum()
    }

    pub fn paid_total(&self, s: usize) -> u64 {
        self.users.iter().map(|u| u.paid[s]).sum::<u64>()
            + self.operators.iter().map(|o| o.claimed[s]).sum::<u64>()
    }

    pub fn forfeited_total_q(&self, s: usize) -> u128 {
        self.users.iter().map(|u| u.forfeited_q[s]).sum()
    }

    /// Liability the program must record: emission credited less paid and
    /// forfeited, Q64.64.
    pub fn unclaimed_q(&self, s: usize) -> u128 {
        self.streams[s].emitted_staked_q
            - ((self.paid_total(s) as u128) << 64)
            - self.forfeited_total_q(s)
    }

    /// The vault balance the model expects.
    pub fn vault_balance(&self, s: usize) -> u64 {
        self.streams[s].funded - self.paid_total(s) - self.streams[s].recovered
    }

    /// What `recover_undistributed` may take: the balance less the
    /// liabilities, each rounded up.
    pub fn recoverable(&self, s: usize) -> u64 {
        let ceil = |q: u128| (q >> 64) + u128::from(q as u64 != 0);
        let liabilities = ceil(self.unclaimed_q(s)) + ceil(self.streams[s].remaining_q(self.now));
        (self.vault_balance(s) as u128).saturating_sub(liabilities) as u64
    }

    /// A delegated user's weight factor `(1 - commission)` and the operator's
    /// commission in force.
    fn user_weight(&self, u: usize) -> (u128, u128) {
        let user = &self.users[u];
        let c = user
            .operator
            .map(|o| self.operators[o].in_force() as u128)
            .unwrap_or(0);
        (user.stake as u128 * (BPS - c), BPS)
    }

    /// Emission from `self.now` to `now` at the current stakes and
    /// commissions, credited exactly.
    pub fn advance(&mut self, now: i64) {
        assert!(now >= self.now, "time goes forward");
        let total = self.total_staked;
        for s in 0..STREAMS {
            let stream = &self.streams[s];
            let end = stream.period_end;
            let seconds = (now.min(end) - self.now.min(end)).max(0) as u128;
            let emitted_q = stream.rate_q * seconds;
            if emitted_q == 0 {
                continue;
            }
            if total == 0 {
                self.streams[s].emitted_empty_q += emitted_q;
                continue;
            }
            self.streams[s].emitted_staked_q += emitted_q;
            let r_max = self.streams[s].r_max.max(total);
            self.streams[s].r_max = r_max;
            let r_base = r_max as f64 / TWO_64;
            // Q128 numerator per unit of weight: emitted_q * 2^64 / (total * BPS).
            let numerator = BigInt::from(emitted_q) << 64;
            let denominator = BigInt::from(total) * BigInt::from(BPS);
            let share = |weight: u128| weight as f64 / (total as f64 * BPS as f64);
            for u in 0..self.users.len() {
                let (weight, _) = self.user_weight(u);
                self.users[u].earning[s].credit(
                    weight,
                    share(weight),
                    r_base,
                    &numerator,
                    &denominator,
                );
            }
            for operator in &mut self.operators {
                let weight = operator.delegated as u128 * operator.in_force() as u128;
                operator.earning[s].credit(weight, share(weight), r_base, &numerator, &denominator);
            }
        }
        self.now = now;
    }

    /// A funding of `credited` over `duration` at `self.now`: the new rate, or
    /// `None` when it would be zero (`RewardRateTooLow`).
    pub fn fund(&mut self, s: usize, credited: u64, duration: u64) -> Option<u128> {
        let stream = &self.streams[s];
        let leftover_q = stream.remaining_q(self.now);
        let scheduled_q = ((credited as u128) << 64) + leftover_q;
        let rate_q = scheduled_q / duration as u128;
        if rate_q == 0 {
            return None;
        }
        let stream = &mut self.streams[s];
        stream.dust_q += scheduled_q - rate_q * duration as u128;
        stream.funded += credited;
        stream.rate_q = rate_q;
        stream.period_end = self.now + duration as i64;
        Some(rate_q)
    }

    /// Records that a user's stake or operator is about to change (the
    /// commission split's remainder term of the interval that ends).
    pub fn close_split_interval(&mut self, u: usize) {
        let user = &self.users[u];
        if user.operator.is_some() {
            let term = user.stake as f64 / TWO_64;
            for s in 0..STREAMS {
                self.users[u].earning[s].split += term;
            }
        }
    }

    /// Records a change of an operator's delegated stake (split remainder term).
    pub fn operator_delegated_change(&mut self, o: usize, delta: u64) {
        for s in 0..STREAMS {
            self.operators[o].earning[s].split += delta as f64 / TWO_64;
        }
    }

    pub fn user_split_now(&self, u: usize) -> f64 {
        let user = &self.users[u];
        if user.operator.is_some() {
            user.stake as f64 / TWO_64
        } else {
            0.0
        }
    }

    pub fn operator_split_now(&self, o: usize) -> f64 {
        self.operators[o].delegated as f64 / TWO_64
    }

    /// Adds stake to a user (stake, compound, cancelled unbond).
    pub fn add_stake(&mut self, u: usize, amount: u64) {
        self.close_split_interval(u);
        self.users[u].stake += amount;
        self.total_staked += amount;
        if let Some(o) = self.users[u].operator {
            self.operators[o].delegated += amount;
            self.operator_delegated_change(o, amount);
        }
    }

    pub fn remove_stake(&mut self, u: usize, amount: u64) {
        self.close_split_interval(u);
        self.users[u].stake -= amount;
        self.total_staked -= amount;
        if let Some(o) = self.users[u].operator {
            self.operators[o].delegated -= amount;
            self.operator_delegated_change(o, amount);
        }
    }

    pub fn set_operator(&mut self, u: usize, operator: Option<usize>) {
        self.close_split_interval(u);
        let stake = self.users[u].stake;
        if let Some(o) = self.users[u].operator {
            self.operators[o].delegated -= stake;
            self.operator_delegated_change(o, stake);
        }
        if let Some(o) = operator {
            self.operators[o].delegated += stake;
            self.operator_delegated_change(o, stake);
        }
        self.users[u].operator = operator;
    }
}

/// `|actual - entitled|` in base units, where `actual_q64` is what the
/// program paid and owes (Q64.64, fractions included).
pub fn deviation(actual_q64: u128, entitled_q128: &BigInt) -> f64 {
    let actual: BigInt = BigInt::from(actual_q64) << 64;
    let diff: BigInt = (actual - entitled_q128).abs();
    if diff.is_zero() {
        return 0.0;
    }
    diff.to_f64().unwrap_or(f64::INFINITY) / (TWO_64 * TWO_64)
}
