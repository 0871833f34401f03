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
    ///
    /// The weight is a rational `weight_n / weight_d`: a delegator's stake is
    /// the exact value of its shares, `shares × delegated / delegated_shares`.
    fn credit(
        &mut self,
        weight_n: &BigInt,
        weight_d: &BigInt,
        share: f64,
        r_base: f64,
        numerator: &BigInt,
        denominator: &BigInt,
    ) {
        if share != self.last_w {
            self.drift += r_base * (share - self.last_w).abs();
            self.last_w = share;
        }
        if weight_n.is_positive() {
            self.entitled_q128 += numerator * weight_n / (denominator * weight_d);
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

/// An exact non-negative rational `n / d`.
#[derive(Clone, Debug)]
pub struct Rat {
    pub n: BigInt,
    pub d: BigInt,
}

impl Default for Rat {
    fn default() -> Self {
        Rat::int(0)
    }
}

impl Rat {
    pub fn int(v: u64) -> Self {
        Rat {
            n: BigInt::from(v),
            d: BigInt::from(1u8),
        }
    }

    /// Multiplies by `n / d` (`d > 0`).
    pub fn scale(&mut self, n: u128, d: u128) {
        self.n *= BigInt::from(n);
        self.d *= BigInt::from(d);
        if self.n.is_zero() {
            self.d = BigInt::from(1u8);
        }
    }

    /// `v - self` in base units (as a float, exact to ~2^-52 relative).
    pub fn below(&self, v: u64) -> f64 {
        ratio_f64(&(BigInt::from(v) * &self.d - &self.n), &self.d)
    }

    pub fn to_f64(&self) -> f64 {
        ratio_f64(&self.n, &self.d)
    }
}

/// `n / d` as a float, the integer part exact.
fn ratio_f64(n: &BigInt, d: &BigInt) -> f64 {
    let negative = n.is_negative();
    let n = n.abs();
    let whole = (&n / d).to_f64().unwrap_or(f64::INFINITY);
    let fraction = ((&n % d) << 64u32) / d;
    let value = whole + fraction.to_f64().unwrap_or(0.0) / TWO_64;
    if negative {
        -value
    } else {
        value
    }
}

#[derive(Clone, Debug)]
pub struct Ticket {
    pub address: Pubkey,
    pub amount: u64,
    pub unlock_at: i64,
    /// The operator the stake was delegated to when unstaked.
    pub operator: Option<usize>,
    /// That operator's ticket epoch at the unstake.
    pub epoch: u64,
    /// `amount × Π (1 − bps/10,000)` over the operator's slashes since the
    /// unstake, exactly (0 after a 100% slash).
    pub nominal: Rat,
    /// Slashes of its operator since the unstake.
    pub slashes: u32,
}

#[derive(Clone, Debug, Default)]
pub struct User {
    pub has_position: bool,
    /// The position's stake now: undelegated, exact; delegated, what its
    /// shares are worth (`floor(shares × delegated / delegated_shares)`, the
    /// program's rule), i.e. what a settlement now would store.
    pub stake: u64,
    /// `Position.staked` as stored (brought to `stake` by each settlement).
    pub stored: u64,
    /// Shares of the operator's delegated stake while delegated.
    pub shares: u64,
    /// The exact rational stake since the last change of the operator's pot
    /// other than a slash (reset then to `stake`): times `delegated_after /
    /// delegated_before` at each slash of its operator (the fraction the
    /// operator actually lost, which rounds in the delegators' favour).
    pub exact: Rat,
    /// The same, times the nominal `(10,000 − bps) / 10,000` at each slash.
    pub nominal: Rat,
    /// Σ over those slashes of the delegator's fraction of the pot before
    /// the slash: how far `exact` may exceed `nominal` (each slash's actual
    /// rate is below the nominal one by less than one unit of the pot).
    pub nominal_tol: f64,
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
    /// The pot of delegated stake (exact: deposits, withdrawals and slashes'
    /// `floor(delegated × bps / 10,000)`).
    pub delegated: u64,
    /// Shares issued on the pot.
    pub shares: u64,
    /// Stake held for the open tickets of the current epoch.
    pub unbonding: u64,
    pub open_tickets: u64,
    pub epoch: u64,
    pub slash_count: u32,
    pub total_slashed: u64,
    /// Once shares and stake differ (after a slash), the largest share count
    /// since: bounds the per-share spreading remainder (Q64.64 units, so
    /// `rem_max / 2^64` base units). 0 until then (the spread is exact).
    pub rem_max: u64,
    /// Tickets opened and slashes while tickets were open, in the current
    /// run of open tickets (reset when the last one closes): bound the dust
    /// left with its last ticket.
    pub batch_tickets: u64,
    pub batch_slashes: u64,
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

/// The pool's slash settings as stored (`Pool.slasher`...): the slasher is
/// one of the test's two slasher keys, by index.
#[derive(Clone, Debug, Default)]
pub struct SlashModel {
    pub in_force: Option<(usize, u16)>,
    pub pending: Option<(usize, u16, i64)>,
    /// `Pool.slash_dust`: rounding left with operators' last tickets.
    pub dust: u64,
    /// Bound on `dust` (see `Model::release_ticket`).
    pub dust_bound: u64,
}

impl SlashModel {
    /// `Pool::slashing_possible`.
    pub fn possible(&self) -> bool {
        self.in_force.is_some() || self.pending.is_some()
    }

    /// `Pool::apply_due_slash_settings`.
    pub fn apply_due(&mut self, now: i64) {
        if let Some((slasher, max, at)) = self.pending {
            if now >= at {
                self.in_force = Some((slasher, max));
                self.pending = None;
            }
        }
    }
}

/// `math::shares_value`: what `shares` of a pot are worth, rounded down.
pub fn shares_value(shares: u64, total_shares: u64, tokens: u64) -> u64 {
    if shares == total_shares {
        return if shares == 0 { 0 } else { tokens };
    }
    (shares as u128 * tokens as u128 / total_shares as u128) as u64
}

/// `math::shares_for_deposit` (the caller refused a pot slashed to nothing).
pub fn shares_for_deposit(amount: u64, total_shares: u64, tokens: u64) -> u64 {
    if total_shares == 0 || total_shares == tokens {
        return amount;
    }
    (amount as u128 * total_shares as u128 / tokens as u128) as u64
}

/// `math::shares_to_burn`: rounded up.
pub fn shares_to_burn(amount: u64, total_shares: u64, tokens: u64) -> u64 {
    if total_shares == tokens || amount == 0 {
        return amount.min(total_shares);
    }
    (amount as u128 * total_shares as u128).div_ceil(tokens as u128) as u64
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
    pub slash: SlashModel,
    /// Checks the model itself found failing (asserted after every step).
    pub violations: Vec<String>,
}

pub fn within_share_cap(operator_stake: u64, total: u64, cap_bps: u16) -> bool {
    cap_bps as u128 >= BPS || operator_stake as u128 * BPS <= total as u128 * cap_bps as u128
}

impl Model {
    /// Stake in open tickets unstaked from operator `o`: the room it keeps
    /// under the share cap.
    pub fn operator_unbonding(&self, o: usize) -> u64 {
        self.operators[o].unbonding
    }

    /// An operator slashed 100% with delegators left: its shares are worth
    /// nothing and it takes no stake (`OperatorSlashedOut`).
    pub fn slashed_out(&self, o: usize) -> bool {
        self.operators[o].delegated == 0 && self.operators[o].shares > 0
    }

    /// Whether `amount` deposited into operator `o` overflows its share
    /// count: `floor(amount × shares / delegated)` (or the new total) above
    /// `u64::MAX` once a deep slash left few tokens behind many shares. The
    /// program then refuses with `OperatorSharesExhausted` (see
    /// `a_deposit_into_a_deeply_slashed_operator_is_refused_by_name`).
    pub fn deposit_overflows(&self, o: usize, amount: u64) -> bool {
        let operator = &self.operators[o];
        if operator.shares == 0 || operator.shares == operator.delegated {
            return false;
        }
        let shares = amount as u128 * operator.shares as u128 / operator.delegated as u128;
        shares + operator.shares as u128 > u64::MAX as u128
    }

    /// Whether user `u`'s ticket `t` may be cancelled now: back to the
    /// operator it was unstaked from at any time; elsewhere (another
    /// operator, or undelegated) in a pool that can slash only once unlocked.
    pub fn cancel_answerable(&self, u: usize, t: &Ticket) -> bool {
        let returning = t.operator.is_some() && self.users[u].operator == t.operator;
        !returning && t.operator.is_some() && self.slash.possible() && self.now < t.unlock_at
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

    /// `Pool.total_unbonding`: what operators hold for their tickets plus
    /// the tickets unstaked undelegated.
    pub fn total_unbonding(&self) -> u64 {
        self.operators.iter().map(|o| o.unbonding).sum::<u64>()
            + self
                .users
                .iter()
                .flat_map(|u| &u.tickets)
                .filter(|t| t.operator.is_none())
                .map(|t| t.amount)
                .sum::<u64>()
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
    /// As a rational `(n, d)` in basis points of stake: a delegator's stake
    /// is its shares' exact value, `shares × delegated / delegated_shares`
    /// (what the per-share accumulators credit), so its weight drops at a
    /// slash of its operator.
    fn user_weight(&self, u: usize) -> (BigInt, BigInt) {
        let user = &self.users[u];
        match user.operator {
            None => (
                BigInt::from(user.stake) * BigInt::from(BPS),
                BigInt::from(1u8),
            ),
            Some(o) => {
                let operator = &self.operators[o];
                let c = operator.in_force() as u128;
                if operator.shares == 0 {
                    return (BigInt::zero(), BigInt::from(1u8));
                }
                (
                    BigInt::from(user.shares)
                        * BigInt::from(operator.delegated)
                        * BigInt::from(BPS - c),
                    BigInt::from(operator.shares),
                )
            }
        }
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
            let total_bps = total as f64 * BPS as f64;
            let one = BigInt::from(1u8);
            for u in 0..self.users.len() {
                let (weight_n, weight_d) = self.user_weight(u);
                let share = ratio_f64(&weight_n, &weight_d) / total_bps;
                self.users[u].earning[s].credit(
                    &weight_n,
                    &weight_d,
                    share,
                    r_base,
                    &numerator,
                    &denominator,
                );
            }
            for operator in &mut self.operators {
                let weight = operator.delegated as u128 * operator.in_force() as u128;
                operator.earning[s].credit(
                    &BigInt::from(weight),
                    &one,
                    weight as f64 / total_bps,
                    r_base,
                    &numerator,
                    &denominator,
                );
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
        let term = self.user_split_now(u);
        for s in 0..STREAMS {
            self.users[u].earning[s].split += term;
        }
    }

    /// Records a change of an operator's delegated stake (split remainder term).
    pub fn operator_delegated_change(&mut self, o: usize, delta: u64) {
        for s in 0..STREAMS {
            self.operators[o].earning[s].split += delta as f64 / TWO_64;
        }
    }

    /// A delegator's carried-remainder terms now: the commission split's
    /// (below one Q64.64 unit per base unit of stake) and, once its operator
    /// was slashed, the per-share spread's (below `delegated_shares` Q64.64
    /// units in all).
    pub fn user_split_now(&self, u: usize) -> f64 {
        let user = &self.users[u];
        match user.operator {
            Some(o) => (user.stake as f64 + 1.0 + self.operators[o].rem_max as f64) / TWO_64,
            None => 0.0,
        }
    }

    pub fn operator_split_now(&self, o: usize) -> f64 {
        self.operators[o].delegated as f64 / TWO_64
    }

    fn delegators(&self, o: usize) -> Vec<usize> {
        (0..self.users.len())
            .filter(|u| self.users[*u].operator == Some(o))
            .collect()
    }

    /// After a change of operator `o`'s pot: every delegator's stake is what
    /// its shares are worth now. A deposit or withdrawal (`slash: false`)
    /// rounds in favour of those already in, so every other delegator's
    /// stake stays or rises by at most one unit (checked); their exact
    /// rationals restart from their stake. The spread remainder an interval
    /// of constant pot leaves is carried into the next: each change adds a
    /// `rem_max / 2^64` term to every delegator's bound.
    fn refresh(&mut self, o: usize, actor: Option<usize>, slash: bool) {
        let operator = &mut self.operators[o];
        if operator.rem_max > 0 || operator.shares != operator.delegated {
            operator.rem_max = operator.rem_max.max(operator.shares).max(1);
        }
        let (shares, delegated, rem) = (operator.shares, operator.delegated, operator.rem_max);
        for u in self.delegators(o) {
            let user = &mut self.users[u];
            let old = user.stake;
            let new = shares_value(user.shares, shares, delegated);
            user.stake = new;
            for s in 0..STREAMS {
                user.earning[s].split += rem as f64 / TWO_64;
            }
            if slash {
                continue;
            }
            if Some(u) != actor && !(old <= new && new <= old + 1) {
                self.violations.push(format!(
                    "user {u}: stake {old} -> {new} by another's change of operator {o}'s pot"
                ));
            }
            user.exact = Rat::int(new);
            user.nominal = Rat::int(new);
            user.nominal_tol = 0.0;
        }
    }

    /// `Operator::add_returning`'s pot arithmetic (checks done by the caller).
    fn deposit(&mut self, u: usize, o: usize, amount: u64) {
        let operator = &mut self.operators[o];
        let shares = shares_for_deposit(amount, operator.shares, operator.delegated);
        operator.delegated += amount;
        operator.shares += shares;
        self.users[u].shares += shares;
    }

    /// `Operator::remove_delegated`: all of it retires every share it holds.
    fn withdraw_shares(&mut self, u: usize, o: usize, amount: u64) {
        let operator = &mut self.operators[o];
        let user = &mut self.users[u];
        let held = shares_value(user.shares, operator.shares, operator.delegated);
        assert!(amount <= held, "model: withdrawing more than held");
        let retired = if amount == held {
            user.shares
        } else {
            shares_to_burn(amount, operator.shares, operator.delegated).min(user.shares)
        };
        user.shares -= retired;
        operator.shares -= retired;
        operator.delegated -= amount;
    }

    /// Adds stake to a user (stake, compound, cancelled unbond).
    pub fn add_stake(&mut self, u: usize, amount: u64) {
        self.close_split_interval(u);
        self.total_staked += amount;
        match self.users[u].operator {
            Some(o) => {
                self.deposit(u, o, amount);
                self.operator_delegated_change(o, amount);
                self.refresh(o, Some(u), false);
            }
            None => self.users[u].stake += amount,
        }
        self.reset_exact(u);
    }

    pub fn remove_stake(&mut self, u: usize, amount: u64) {
        self.close_split_interval(u);
        self.total_staked -= amount;
        match self.users[u].operator {
            Some(o) => {
                self.withdraw_shares(u, o, amount);
                self.operator_delegated_change(o, amount);
                self.refresh(o, Some(u), false);
            }
            None => self.users[u].stake -= amount,
        }
        self.reset_exact(u);
    }

    /// Delegate, redelegate or undelegate: the position's stake (its shares'
    /// value) leaves the old pot and enters the new one (`total_staked` does
    /// not change: what the new pot's share issue rounds away stays in it).
    pub fn set_operator(&mut self, u: usize, operator: Option<usize>) {
        self.close_split_interval(u);
        let stake = self.users[u].stake;
        if let Some(o) = self.users[u].operator {
            self.withdraw_shares(u, o, stake);
            self.operator_delegated_change(o, stake);
            self.users[u].operator = None;
            self.refresh(o, Some(u), false);
        }
        self.users[u].stake = stake;
        if let Some(o) = operator {
            self.users[u].operator = Some(o);
            self.deposit(u, o, stake);
            self.operator_delegated_change(o, stake);
            self.refresh(o, Some(u), false);
        }
        self.reset_exact(u);
    }

    /// The user's exact rationals restart from its stake (its own change).
    pub fn reset_exact(&mut self, u: usize) {
        let user = &mut self.users[u];
        user.exact = Rat::int(user.stake);
        user.nominal = Rat::int(user.stake);
        user.nominal_tol = 0.0;
    }

    /// A settlement of the position: `Position.staked` becomes its stake.
    pub fn settled(&mut self, u: usize) {
        self.users[u].stored = self.users[u].stake;
    }

    /// `unstake` of `amount` (the position was settled): a new ticket.
    pub fn unstake(&mut self, u: usize, amount: u64, address: Pubkey) {
        let operator = self.users[u].operator;
        self.remove_stake(u, amount);
        self.settled(u);
        let epoch = match operator {
            Some(o) => {
                let op = &mut self.operators[o];
                op.unbonding += amount;
                op.open_tickets += 1;
                op.batch_tickets += 1;
                op.epoch
            }
            None => 0,
        };
        self.users[u].tickets.push(Ticket {
            address,
            amount,
            unlock_at: self.now + self.unbonding as i64,
            operator,
            epoch,
            nominal: Rat::int(amount),
            slashes: 0,
        });
    }

    /// `Operator::end_unbonding` / `Pool::end_unbonding` for a ticket worth
    /// `value` (the program's `ticket_value`, checked against `nominal` after
    /// every step). When an operator's last open ticket closes, what is left
    /// in its `unbonding` is dust: none if no slash happened while tickets
    /// were open (tickets are then worth their amounts), else below
    /// `batch_tickets + batch_slashes` units: `unbonding` is at most
    /// `Σ amount × Π f + (one per slash)` (each slash keeps `ceil(U × f)`),
    /// and each ticket pays at least `floor(amount × Π f)` (its multiplier is
    /// rounded up, so never below the nominal product).
    pub fn release_ticket(&mut self, u: usize, index: usize, value: u64) -> Ticket {
        let ticket = self.users[u].tickets.remove(index);
        let Some(o) = ticket.operator else {
            return ticket;
        };
        let operator = &mut self.operators[o];
        if ticket.epoch != operator.epoch {
            return ticket;
        }
        operator.unbonding -= value;
        operator.open_tickets -= 1;
        if operator.open_tickets == 0 {
            let dust = std::mem::take(&mut operator.unbonding);
            if operator.batch_slashes > 0 {
                self.slash.dust_bound += operator.batch_tickets + operator.batch_slashes;
            }
            operator.batch_tickets = 0;
            operator.batch_slashes = 0;
            self.slash.dust += dust;
        }
        ticket
    }

    /// `slash(bps)` of operator `o`: returns what leaves the stake vault
    /// (taken from the pot, from the tickets, and the pool's dust).
    pub fn slash(&mut self, o: usize, bps: u16) -> (u64, u64, u64) {
        let take = |amount: u64| (amount as u128 * bps as u128 / BPS) as u64;
        let operator = &mut self.operators[o];
        let delegated_before = operator.delegated;
        let from_delegated = take(operator.delegated);
        operator.delegated -= from_delegated;
        let mut from_unbonding = take(operator.unbonding);
        let whole = bps as u128 == BPS;
        if operator.open_tickets > 0 {
            operator.batch_slashes += 1;
            if whole {
                from_unbonding = operator.unbonding;
                operator.epoch += 1;
                operator.open_tickets = 0;
                operator.batch_tickets = 0;
                operator.batch_slashes = 0;
            }
        }
        operator.unbonding -= from_unbonding;
        operator.slash_count += 1;
        operator.total_slashed += from_delegated + from_unbonding;
        let delegated_after = operator.delegated;
        let epoch = operator.epoch;
        self.total_staked -= from_delegated;
        let dust = std::mem::take(&mut self.slash.dust);
        self.slash.dust_bound = 0;
        // Delegators: exact at the operator's actual ratio, nominal at bps.
        for u in self.delegators(o) {
            let user = &mut self.users[u];
            if delegated_before > 0 {
                user.nominal_tol += user.exact.to_f64() / delegated_before as f64;
                user.exact
                    .scale(delegated_after as u128, delegated_before as u128);
            }
            user.nominal.scale(BPS - bps as u128, BPS);
        }
        self.refresh(o, None, true);
        // Tickets of the current epoch answer for the slash.
        for user in &mut self.users {
            for ticket in &mut user.tickets {
                if ticket.operator == Some(o) {
                    if ticket.epoch != epoch && !whole {
                        continue;
                    }
                    ticket.nominal.scale(BPS - bps as u128, BPS);
                    ticket.slashes += 1;
                }
            }
        }
        (from_delegated, from_unbonding, dust)
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
