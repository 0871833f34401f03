//! Slashing on the bytecode: who may slash and how much, what a slash takes
//! from delegators and tickets, and that nobody escapes it by moving first.
//!
//! Every scenario re-checks the books after each step (`World::check`):
//! - stake vault = `total_staked + total_unbonding + slash_dust`, exactly;
//! - `total_staked` = undelegated positions' stake + Σ operators' `delegated`,
//!   and `total_unbonding` = undelegated tickets + Σ operators' `unbonding`;
//! - per operator, Σ its delegators' settled stake ≤ `delegated`, equal
//!   before its first slash, and below it by less than one unit per
//!   delegator after; Σ its open tickets' values ≤ `unbonding`;
//! - and at the end everyone unstakes all and withdraws, after which the
//!   vault holds exactly `slash_dust` (the rounding left with operators' last
//!   tickets, bounded by one unit per ticket closed after a slash).
//!
//! Tests marked "Regression (found in review)" reproduce defects an
//! independent review of slashing found, now fixed.
// The harness returns LiteSVM's own `TransactionResult`, whose error carries the logs.
#![allow(clippy::result_large_err)]
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use litesvm::types::TransactionMetadata;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::errors::StakingError;
use staking::instructions::UpdatePoolParams;
use staking::state::Pool;
use staking_client::instructions as ix;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const DAY: u64 = 86_400;
const BPS: u128 = 10_000;

#[test]
fn a_slash_takes_its_rate_from_delegators_and_tickets_and_spares_the_undelegated() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(1, DAY));
    let (slasher, destination) = env.enable_slashing(&pool, 5_000);
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 0, "validator");
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    for user in [&alice, &bob, &carol] {
        ok(env.stake(&pool, user, 1_000));
    }
    ok(env.delegate(&pool, &alice, &operator));
    ok(env.delegate(&pool, &bob, &operator));
    let (ticket, result) = env.unstake(&pool, &bob, 400);
    ok(result);

    ok(env.slash(&pool, &slasher, &operator, 1_000, [7; 32]));

    assert_eq!(env.balance(&destination), 100 + 60 + 40);
    let state = env.pool(&pool);
    assert_eq!(state.total_staked, 900 + 540 + 1_000);
    assert_eq!(state.total_unbonding, 360);
    assert_eq!(env.settled_position(&pool, &alice.pubkey()).staked, 900);
    assert_eq!(env.settled_position(&pool, &bob.pubkey()).staked, 540);
    assert_eq!(env.settled_position(&pool, &carol.pubkey()).staked, 1_000);
    assert_eq!(env.ticket_value(&ticket), 360);
    let slashed = env.operator(&operator);
    assert_eq!(slashed.total_slashed, 200);
    assert_eq!(slashed.last_slash_bps, 1_000);

    env.warp(DAY as i64);
    let bob_tokens = env.token_account(&bob.pubkey(), &mint);
    let before = env.balance(&bob_tokens);
    ok(env.withdraw(&pool, &bob, &ticket));
    assert_eq!(env.balance(&bob_tokens) - before, 360);

    assert_staking_error(
        env.slash(&pool, &slasher, &operator, 5_001, [0; 32]),
        StakingError::SlashExceedsMaximum,
    );
    let stranger = env.new_user();
    assert_staking_error(
        env.slash(&pool, &stranger, &operator, 100, [0; 32]),
        StakingError::NotSlasher,
    );
}

// ---------------------------------------------------------------------------
// Harness: one pool with a slasher, its users, operators and tickets.
// ---------------------------------------------------------------------------

struct World {
    env: TestEnv,
    mint: Pubkey,
    pool: TestPool,
    slasher: Keypair,
    destination: Pubkey,
    users: Vec<Keypair>,
    /// (authority, operator address)
    operators: Vec<(Keypair, Pubkey)>,
    /// (owner index, ticket address); closed tickets stay listed and are skipped.
    tickets: Vec<(usize, Pubkey)>,
    /// Stake tokens minted to users so far (what they put in).
    deposited: u64,
    /// Tokens sent to the stake vault directly (owned by nobody).
    donated: u64,
    /// Destinations in force earlier (settings changed since).
    past_destinations: Vec<Pubkey>,
}

impl World {
    /// A pool with `unbonding` seconds of unbonding, a slasher in force with
    /// `max_bps`, `operators` operators at `commission_bps` and `users` users.
    fn new(unbonding: u64, max_bps: u16, operators: usize, users: usize) -> Self {
        Self::with(unbonding, max_bps, operators, users, 0, 0)
    }

    fn with(
        unbonding: u64,
        max_bps: u16,
        operators: usize,
        users: usize,
        commission_bps: u16,
        min_stake: u64,
    ) -> Self {
        Self::in_env(
            TestEnv::new(),
            unbonding,
            max_bps,
            operators,
            users,
            commission_bps,
            min_stake,
        )
    }

    /// The same in an existing environment (loading the program is the
    /// slowest part of a test).
    fn in_env(
        mut env: TestEnv,
        unbonding: u64,
        max_bps: u16,
        operators: usize,
        users: usize,
        commission_bps: u16,
        min_stake: u64,
    ) -> Self {
        let mint = env.create_mint(SPL_TOKEN, 6);
        let mut params = pool_params(0, unbonding);
        params.min_stake = min_stake;
        let pool = env.create_pool(&mint, params);
        let (slasher, destination) = env.enable_slashing(&pool, max_bps);
        let operators = (0..operators)
            .map(|i| {
                let authority = env.new_user();
                let address =
                    env.register_operator(&pool, &authority, commission_bps, &format!("op{i}"));
                (authority, address)
            })
            .collect();
        let users = (0..users).map(|_| env.new_user()).collect();
        World {
            env,
            mint,
            pool,
            slasher,
            destination,
            users,
            operators,
            tickets: Vec::new(),
            deposited: 0,
            donated: 0,
            past_destinations: Vec::new(),
        }
    }

    fn op(&self, index: usize) -> Pubkey {
        self.operators[index].1
    }

    fn key(&self, user: usize) -> Pubkey {
        self.users[user].pubkey()
    }

    fn try_stake(&mut self, user: usize, amount: u64) -> TxResult {
        // The harness mints `amount` to the user first, whatever happens.
        self.deposited += amount;
        self.env.stake(&self.pool, &self.users[user], amount)
    }

    fn stake(&mut self, user: usize, amount: u64) {
        ok(self.try_stake(user, amount));
        self.check();
    }

    /// Stakes `amount` and delegates the position to operator `op`.
    fn stake_to(&mut self, user: usize, amount: u64, op: usize) {
        self.stake(user, amount);
        let operator = self.op(op);
        ok(self.env.delegate(&self.pool, &self.users[user], &operator));
        self.check();
    }

    fn try_unstake(&mut self, user: usize, amount: u64) -> (Pubkey, TxResult) {
        let (ticket, result) = self.env.unstake(&self.pool, &self.users[user], amount);
        if result.is_ok() {
            self.tickets.push((user, ticket));
        }
        (ticket, result)
    }

    fn unstake(&mut self, user: usize, amount: u64) -> Pubkey {
        let (ticket, result) = self.try_unstake(user, amount);
        ok(result);
        self.check();
        ticket
    }

    /// The stake a settlement now would leave the position with.
    fn staked(&self, user: usize) -> u64 {
        let owner = self.key(user);
        if !self.env.exists(&self.pool.position_address(&owner)) {
            return 0;
        }
        self.env.settled_position(&self.pool, &owner).staked
    }

    fn wallet(&mut self, user: usize) -> u64 {
        let owner = self.key(user);
        let account = self.env.token_account(&owner, &self.mint);
        self.env.balance(&account)
    }

    fn try_slash(&mut self, op: usize, bps: u16) -> TxResult {
        let operator = self.op(op);
        self.env
            .slash(&self.pool, &self.slasher, &operator, bps, [op as u8; 32])
    }

    fn slash(&mut self, op: usize, bps: u16) -> TransactionMetadata {
        let meta = ok(self.try_slash(op, bps));
        self.check();
        meta
    }

    fn withdraw(&mut self, user: usize, ticket: &Pubkey) -> TxResult {
        let result = self.env.withdraw(&self.pool, &self.users[user], ticket);
        if result.is_ok() {
            self.check();
        }
        result
    }

    fn cancel(&mut self, user: usize, ticket: &Pubkey) -> TxResult {
        let result = self
            .env
            .cancel_unbond(&self.pool, &self.users[user], ticket);
        if result.is_ok() {
            self.check();
        }
        result
    }

    fn vault(&self) -> u64 {
        self.env.balance(&self.env.pool(&self.pool).stake_vault)
    }

    fn open_tickets(&self) -> Vec<(usize, Pubkey)> {
        self.tickets
            .iter()
            .copied()
            .filter(|(_, ticket)| self.env.exists(ticket))
            .collect()
    }

    /// The books, exactly (see the module comment).
    #[track_caller]
    fn check(&self) {
        let env = &self.env;
        let pool = env.pool(&self.pool);
        assert_eq!(
            self.vault(),
            pool.total_staked + pool.total_unbonding + pool.slash_dust + self.donated,
            "stake vault = total_staked + total_unbonding + slash_dust"
        );
        let mut undelegated = 0u64;
        let mut per_op: Vec<(u64, u64, u64)> = vec![(0, 0, 0); self.operators.len()];
        for (index, user) in self.users.iter().enumerate() {
            let owner = user.pubkey();
            if !env.exists(&self.pool.position_address(&owner)) {
                continue;
            }
            let settled = self.staked(index);
            match env.operator_of(&self.pool, &owner) {
                None => undelegated += settled,
                Some(operator) => {
                    let slot = self
                        .operators
                        .iter()
                        .position(|(_, address)| *address == operator)
                        .expect("a known operator");
                    per_op[slot].0 += settled;
                    per_op[slot].1 += 1;
                    per_op[slot].2 += env.delegation(&self.pool, &owner).shares;
                }
            }
        }
        let mut delegated_total = 0u64;
        let mut unbonding_total = 0u64;
        let mut ticket_values: Vec<(u64, u64)> = vec![(0, 0); self.operators.len()];
        let mut undelegated_tickets = 0u64;
        for (_, ticket) in self.open_tickets() {
            let state = env.ticket(&ticket);
            if state.operator == Pubkey::default() {
                undelegated_tickets += state.amount;
                continue;
            }
            let slot = self
                .operators
                .iter()
                .position(|(_, address)| *address == state.operator)
                .expect("a known operator");
            ticket_values[slot].0 += env.ticket_value(&ticket);
            ticket_values[slot].1 += 1;
        }
        for (slot, (_, address)) in self.operators.iter().enumerate() {
            let operator = env.operator(address);
            let (sum, count, shares) = per_op[slot];
            delegated_total += operator.delegated;
            unbonding_total += operator.unbonding;
            assert_eq!(operator.delegated_shares, shares, "shares add up");
            assert!(sum <= operator.delegated, "stakes within delegated");
            if operator.total_slashed == 0 {
                assert_eq!(sum, operator.delegated, "exact before any slash");
            } else {
                assert!(
                    operator.delegated - sum < count.max(1),
                    "delegated {} vs Σ stakes {} over {} delegators",
                    operator.delegated,
                    sum,
                    count
                );
            }
            let (values, tickets) = ticket_values[slot];
            assert!(values <= operator.unbonding, "tickets within unbonding");
            if tickets == 0 {
                assert_eq!(operator.unbonding, 0, "no ticket, nothing unbonding");
            } else {
                // Each open ticket is floored once, and each slash floors the
                // part it takes (keeping up to a unit more in `unbonding`).
                assert!(
                    operator.unbonding - values <= tickets + u64::from(operator.slash_count),
                    "unbonding {} vs Σ ticket values {} over {} tickets",
                    operator.unbonding,
                    values,
                    tickets
                );
            }
        }
        assert_eq!(pool.total_staked, undelegated + delegated_total);
        assert_eq!(pool.total_unbonding, undelegated_tickets + unbonding_total);
    }

    /// Everyone unstakes all and withdraws every ticket: returns what users
    /// received in all, and checks the vault then holds exactly `slash_dust`.
    fn exit_all(&mut self) -> u64 {
        let before: u64 = (0..self.users.len()).map(|u| self.wallet(u)).sum();
        // Positions whose shares are worth under a unit hold stake 0 and may
        // undelegate; the last holder of an operator's shares then sees the
        // whole rest (the others' rounding) and unstakes it. Two passes.
        for _ in 0..2 {
            for user in 0..self.users.len() {
                let staked = self.staked(user);
                if staked > 0 {
                    self.unstake(user, staked);
                }
                if self.env.operator_of(&self.pool, &self.key(user)).is_some()
                    && self.staked(user) == 0
                {
                    ok(self.env.undelegate(&self.pool, &self.users[user]));
                    self.check();
                }
            }
        }
        let period = self.env.pool(&self.pool).unbonding_period as i64;
        self.env.warp(period + 1);
        for (user, ticket) in self.open_tickets() {
            ok(self.withdraw(user, &ticket));
        }
        let after: u64 = (0..self.users.len()).map(|u| self.wallet(u)).sum();
        let pool = self.env.pool(&self.pool);
        assert_eq!(pool.total_staked, 0);
        assert_eq!(pool.total_unbonding, 0);
        for (_, address) in &self.operators {
            let operator = self.env.operator(address);
            assert_eq!(operator.delegated, 0, "the last delegator took the rest");
            assert_eq!(operator.unbonding, 0);
            assert_eq!(operator.open_tickets, 0);
        }
        assert_eq!(
            self.vault(),
            pool.slash_dust + self.donated,
            "only slash dust (and donations) stay"
        );
        // Nothing created or lost: users, destination and vault hold what was put in.
        let out_now = (0..self.users.len()).map(|u| self.wallet(u)).sum::<u64>();
        assert_eq!(
            out_now
                + self.env.balance(&self.destination)
                + self
                    .past_destinations
                    .iter()
                    .map(|d| self.env.balance(d))
                    .sum::<u64>()
                + self.vault(),
            self.deposited + self.donated,
            "conservation of stake tokens"
        );
        after - before
    }
}

/// What a slash of `bps` leaves of a pot: `amount − floor(amount × bps / 10,000)`.
fn kept(amount: u64, bps: u16) -> u64 {
    amount - (u128::from(amount) * u128::from(bps) / BPS) as u64
}

/// `floor(amount × (10,000 − bps) / 10,000)`: a ticket's value after a slash.
fn floor_rate(amount: u64, bps: u16) -> u64 {
    (u128::from(amount) * (BPS - u128::from(bps)) / BPS) as u64
}

/// A slash sent to `destination` (the client fills in the destination in
/// force, the default key when there is none, which is not writable).
fn slash_to(
    env: &mut TestEnv,
    pool: &TestPool,
    slasher: &Keypair,
    operator: &Pubkey,
    bps: u16,
    destination: &Pubkey,
) -> TxResult {
    let state = env.pool(pool);
    let instruction = ix::slash(
        &staking::ID,
        &pool.address,
        &state,
        &slasher.pubkey(),
        operator,
        staking::instruction::Slash {
            bps,
            reason: [0; 32],
        },
        env.now(),
    );
    let instruction = substitute(
        instruction,
        &state.slash_settings_at(env.now()).destination,
        destination,
    );
    env.send(&[instruction], &[slasher])
}

fn slashed_event(meta: &TransactionMetadata) -> staking_client::events::Event {
    staking_client::events::decode_logs(&staking::ID, &meta.logs)
        .into_iter()
        .find(|event| event.name == "Slashed")
        .expect("a Slashed event")
}

// ---------------------------------------------------------------------------
// Happy paths
// ---------------------------------------------------------------------------

#[test]
fn a_slash_moves_exact_balances_fields_and_event() {
    // Users 0..3 on operator 0 (odd amounts), user 3 on operator 1, user 4
    // undelegated; user 1 has a ticket open from operator 0.
    let mut w = World::new(10 * DAY, 5_000, 2, 5);
    w.stake_to(0, 1_000_003, 0);
    w.stake_to(1, 2_345_679, 0);
    w.stake_to(2, 7, 0);
    w.stake_to(3, 5_000_000, 1);
    w.stake(4, 4_000_000);
    let ticket = w.unstake(1, 345_679);
    let op0_delegated = 1_000_003 + 2_000_000 + 7;
    let vault_before = w.vault();
    w.env.warp(1_000);
    let now = w.env.now();

    let meta = w.slash(0, 1_234);

    let from_delegated = op0_delegated - kept(op0_delegated, 1_234);
    let from_unbonding = 345_679 - kept(345_679, 1_234);
    assert_eq!(from_delegated, 370_201, "floor(3,000,010 × 12.34%)");
    assert_eq!(from_unbonding, 42_656);
    assert_eq!(
        w.env.balance(&w.destination),
        from_delegated + from_unbonding
    );
    assert_eq!(w.vault(), vault_before - from_delegated - from_unbonding);
    let pool = w.env.pool(&w.pool);
    assert_eq!(
        pool.total_staked,
        kept(op0_delegated, 1_234) + 5_000_000 + 4_000_000
    );
    assert_eq!(pool.total_unbonding, kept(345_679, 1_234));
    assert_eq!(pool.slash_dust, 0);
    let op = w.env.operator(&w.op(0));
    assert_eq!(op.delegated, kept(op0_delegated, 1_234));
    assert_eq!(op.delegated_shares, op0_delegated);
    assert_eq!(op.unbonding, kept(345_679, 1_234));
    assert_eq!(op.unbonding, 303_023);
    assert_eq!(op.total_slashed, from_delegated + from_unbonding);
    assert_eq!(op.last_slash_at, now);
    assert_eq!(op.last_slash_bps, 1_234);
    assert_eq!(op.slash_count, 1);
    // Each delegator: floor(shares × delegated / shares total).
    let d = u128::from(op.delegated);
    for (user, shares) in [(0, 1_000_003u64), (1, 2_000_000), (2, 7)] {
        let expected = (u128::from(shares) * d / u128::from(op0_delegated)) as u64;
        assert_eq!(w.staked(user), expected);
        // Within one unit of the exact rate, and never above it.
        let exact = u128::from(shares) * (BPS - 1_234);
        assert!((u128::from(expected) * BPS).abs_diff(exact) < BPS);
    }
    assert_eq!(w.staked(2), 6, "7 × 0.8766 = 6.13");
    // The ticket: floor(345,679 × 0.8766) = 303,022; the operator keeps
    // 303,023 for it (a unit of rounding, dust once the ticket closes).
    assert_eq!(w.env.ticket_value(&ticket), floor_rate(345_679, 1_234));
    assert_eq!(w.env.ticket_value(&ticket), 303_022);
    // The other operator and the undelegated staker are untouched.
    let other = w.env.operator(&w.op(1));
    assert_eq!((other.delegated, other.total_slashed), (5_000_000, 0));
    assert_eq!(w.staked(3), 5_000_000);
    assert_eq!(w.staked(4), 4_000_000);
    // The event carries all of it.
    let event = slashed_event(&meta);
    assert_eq!(event.pubkey("pool"), Some(w.pool.address));
    assert_eq!(event.pubkey("operator"), Some(w.op(0)));
    assert_eq!(event.pubkey("slasher"), Some(w.slasher.pubkey()));
    assert_eq!(event.pubkey("slash_destination"), Some(w.destination));
    assert_eq!(event.u64("bps"), Some(1_234));
    assert_eq!(event.u64("from_delegated"), Some(from_delegated));
    assert_eq!(event.u64("from_unbonding"), Some(from_unbonding));
    assert_eq!(event.u64("dust"), Some(0));
    assert_eq!(event.u64("operator_delegated"), Some(op.delegated));
    assert_eq!(event.u64("operator_unbonding"), Some(op.unbonding));
    let reason: Vec<u64> = event.fields["reason"]
        .as_array()
        .expect("reason bytes")
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect();
    assert_eq!(reason, vec![0; 32]);

    // Stored positions show the slash from their next settlement.
    assert_eq!(w.env.position(&w.pool, &w.key(0)).staked, 1_000_003);
    ok(w.env.stake(&w.pool, &w.users[0], 1));
    w.deposited += 1;
    w.check();
    assert!(w.env.position(&w.pool, &w.key(0)).staked <= kept(1_000_003, 1_234) + 1);

    let paid = w.exit_all();
    assert_eq!(
        paid + w.env.balance(&w.destination) + w.vault(),
        w.deposited
    );
}

#[test]
fn a_slash_while_tickets_unbond_reduces_what_they_pay_and_return() {
    let mut w = World::new(10 * DAY, 5_000, 1, 3);
    w.stake_to(0, 10_000, 0);
    w.stake_to(1, 10_000, 0);
    w.stake(2, 3_000);
    let withdrawn = w.unstake(0, 4_000);
    let cancelled = w.unstake(1, 6_000);
    let undelegated_ticket = w.unstake(2, 3_000);
    w.env.warp(DAY as i64);
    w.slash(0, 2_500);
    // 25% of 12,000 delegated and of 10,000 in tickets; the undelegated ticket is not answerable.
    // 25% of the 10,000 still delegated and of the 10,000 in its tickets.
    assert_eq!(w.env.balance(&w.destination), 2_500 + 2_500);
    assert_eq!(w.env.ticket_value(&withdrawn), 3_000);
    assert_eq!(w.env.ticket_value(&cancelled), 4_500);
    assert_eq!(w.env.ticket_value(&undelegated_ticket), 3_000);
    assert_eq!(w.env.operator(&w.op(0)).unbonding, 7_500);

    // Cancelling back to the same operator (allowed before the ticket
    // unlocks) returns the reduced value to stake.
    let staked_before = w.staked(1);
    assert_eq!(staked_before, 3_000);
    ok(w.cancel(1, &cancelled));
    assert_eq!(w.staked(1), 3_000 + 4_500);
    assert!(!w.env.exists(&cancelled));
    let op = w.env.operator(&w.op(0));
    assert_eq!(op.unbonding, 3_000);
    assert_eq!(op.open_tickets, 1);

    // Locked still: withdraw refused; then it pays the reduced value.
    assert_staking_error(w.withdraw(0, &withdrawn), StakingError::TicketLocked);
    w.env.warp(9 * DAY as i64);
    let wallet = w.wallet(0);
    ok(w.withdraw(0, &withdrawn));
    assert_eq!(w.wallet(0) - wallet, 3_000);
    let wallet = w.wallet(2);
    ok(w.withdraw(2, &undelegated_ticket));
    assert_eq!(w.wallet(2) - wallet, 3_000);
    let op = w.env.operator(&w.op(0));
    assert_eq!((op.unbonding, op.open_tickets), (0, 0));
    assert_eq!(
        op.ticket_factor_q.get(),
        1u128 << 64,
        "reset with no ticket"
    );
    assert_eq!(w.env.pool(&w.pool).slash_dust, 0, "25% is exact: no dust");
    w.exit_all();
}

// ---------------------------------------------------------------------------
// No escape
// ---------------------------------------------------------------------------

#[test]
fn delegated_stake_leaves_only_through_answerable_tickets() {
    let mut w = World::new(10 * DAY, 5_000, 2, 2);
    w.stake_to(0, 10_000, 0);
    w.stake_to(1, 1_000, 1);
    let (a, b) = (w.op(0), w.op(1));

    // With stake: neither redelegate nor undelegate.
    assert_staking_error(
        w.env.redelegate(&w.pool, &w.users[0], &b),
        StakingError::DelegatedStakeMustUnbond,
    );
    assert_staking_error(
        w.env.undelegate(&w.pool, &w.users[0]),
        StakingError::DelegatedStakeMustUnbond,
    );
    // Unstake all, then slash: the ticket is reached.
    let t1 = w.unstake(0, 6_000);
    let t2 = w.unstake(0, 4_000);
    w.slash(0, 1_000);
    assert_eq!(w.env.ticket_value(&t1), 5_400);
    assert_eq!(w.env.ticket_value(&t2), 3_600);

    // The empty position may move; its tickets stay answerable to A.
    ok(w.env.redelegate(&w.pool, &w.users[0], &b));
    w.check();
    assert_staking_error(w.cancel(0, &t1), StakingError::TicketStillAnswerable);
    ok(w.env.undelegate(&w.pool, &w.users[0]));
    w.check();
    assert_staking_error(w.cancel(0, &t1), StakingError::TicketStillAnswerable);
    // And a second slash still reaches them.
    w.env.warp(5 * DAY as i64);
    w.slash(0, 1_000);
    assert_eq!(w.env.ticket_value(&t1), 4_860);
    assert_eq!(w.env.ticket_value(&t2), 3_240);
    // Back to A it may return any time (delegate again to A first).
    ok(w.env.delegate(&w.pool, &w.users[0], &a));
    w.check();
    ok(w.cancel(0, &t2));
    assert_eq!(w.staked(0), 3_240);
    // Unstake again; leave A empty-handed once unlocked: after the unbonding
    // period the ticket may go elsewhere (undelegated, or to B).
    w.unstake(0, 3_240);
    ok(w.env.undelegate(&w.pool, &w.users[0]));
    w.check();
    w.env.warp(5 * DAY as i64);
    assert!(w.env.now() >= w.env.ticket(&t1).unlock_at);
    ok(w.cancel(0, &t1));
    assert_eq!(w.staked(0), 4_860, "undelegated, after the window");
    w.exit_all();
}

#[test]
fn a_ticket_from_a_cannot_be_cancelled_into_b_until_it_unlocks() {
    let mut w = World::new(3 * DAY, 5_000, 2, 2);
    w.stake_to(0, 5_000, 0);
    w.stake_to(1, 5_000, 1);
    let ticket = w.unstake(0, 5_000);
    ok(w.env.redelegate(&w.pool, &w.users[0], &w.op(1)));
    let unlock_at = w.env.ticket(&ticket).unlock_at;
    w.env.set_time(unlock_at - 1);
    assert_staking_error(w.cancel(0, &ticket), StakingError::TicketStillAnswerable);
    w.slash(0, 2_000);
    w.env.set_time(unlock_at);
    ok(w.cancel(0, &ticket));
    assert_eq!(w.staked(0), 4_000);
    // Now B answers for it: a slash of A takes nothing more from it.
    let before = w.env.balance(&w.destination);
    w.slash(0, 5_000);
    assert_eq!(w.env.balance(&w.destination), before);
    w.slash(1, 1_000);
    assert_eq!(w.staked(0), 3_600);
    w.exit_all();
}

/// Every sequence of moves a delegator can make when it sees a slash coming
/// (right before it, or a day before) leaves it with at most what the slash
/// leaves honest delegators.
#[test]
fn no_sequence_of_instructions_escapes_a_slash() {
    type Strategy = fn(&mut World);
    fn unstake_all(w: &mut World) {
        let staked = w.staked(0);
        w.unstake(0, staked);
    }
    let strategies: Vec<(&str, Strategy)> = vec![
        ("do nothing", |_| {}),
        ("unstake all", unstake_all),
        ("unstake in three odd tickets", |w| {
            w.unstake(0, 3_333);
            w.unstake(0, 3_333);
            w.unstake(0, 3_334);
        }),
        ("try undelegate, then unstake", |w| {
            assert_staking_error(
                w.env.undelegate(&w.pool, &w.users[0]),
                StakingError::DelegatedStakeMustUnbond,
            );
            unstake_all(w);
        }),
        ("try redelegate", |w| {
            let b = w.op(1);
            assert_staking_error(
                w.env.redelegate(&w.pool, &w.users[0], &b),
                StakingError::DelegatedStakeMustUnbond,
            );
        }),
        ("unstake all, undelegate, cancel undelegated", |w| {
            let ticket = w.unstake(0, 10_000);
            ok(w.env.undelegate(&w.pool, &w.users[0]));
            assert_staking_error(w.cancel(0, &ticket), StakingError::TicketStillAnswerable);
        }),
        ("unstake all, redelegate to B, cancel into B", |w| {
            let ticket = w.unstake(0, 10_000);
            let b = w.op(1);
            ok(w.env.redelegate(&w.pool, &w.users[0], &b));
            assert_staking_error(w.cancel(0, &ticket), StakingError::TicketStillAnswerable);
        }),
        ("unstake all but 1, redelegate refused", |w| {
            w.unstake(0, 9_999);
            let b = w.op(1);
            assert_staking_error(
                w.env.redelegate(&w.pool, &w.users[0], &b),
                StakingError::DelegatedStakeMustUnbond,
            );
        }),
        ("unstake, cancel back to A, unstake again", |w| {
            let ticket = w.unstake(0, 10_000);
            ok(w.cancel(0, &ticket));
            w.unstake(0, 10_000);
        }),
        ("unstake all, withdraw attempt (locked)", |w| {
            let ticket = w.unstake(0, 10_000);
            assert_staking_error(w.withdraw(0, &ticket), StakingError::TicketLocked);
        }),
        ("stake 1 more, unstake all", |w| {
            w.stake(0, 1);
            let staked = w.staked(0);
            w.unstake(0, staked);
        }),
    ];
    let mut env = Some(TestEnv::new());
    for (name, strategy) in strategies {
        for warning in [0i64, DAY as i64] {
            let mut w = World::in_env(env.take().unwrap(), 10 * DAY, 5_000, 2, 2, 0, 0);
            w.stake_to(0, 10_000, 0);
            w.stake_to(1, 10_000, 1);
            strategy(&mut w);
            w.check();
            w.env.warp(warning);
            w.slash(0, 3_000);
            // Afterwards, anything goes: redelegate the empty position, wait
            // for unlock and cancel tickets into B, or simply leave.
            if w.staked(0) == 0 && w.env.operator_of(&w.pool, &w.key(0)) == Some(w.op(0)) {
                let b = w.op(1);
                ok(w.env.redelegate(&w.pool, &w.users[0], &b));
            }
            w.env.warp(10 * DAY as i64);
            for (user, ticket) in w.open_tickets() {
                if user == 0 {
                    ok(w.cancel(0, &ticket));
                }
            }
            let wallet_before = w.wallet(0);
            w.exit_all();
            let kept_by_alice = w.wallet(0) - wallet_before;
            let put_in = w.deposited - 10_000;
            assert!(
                kept_by_alice <= put_in - (put_in * 3 / 10),
                "{name} (warned {warning}s ahead): kept {kept_by_alice} of {put_in}"
            );
            assert!(kept_by_alice + 2 >= put_in - (put_in * 3 / 10), "{name}");
            env = Some(w.env);
        }
    }
}

// ---------------------------------------------------------------------------
// Bounds and who may slash
// ---------------------------------------------------------------------------

#[test]
fn slash_bps_bounds() {
    let mut w = World::new(DAY, 2_000, 1, 1);
    w.stake_to(0, 100_000, 0);
    assert_staking_error(w.try_slash(0, 0), StakingError::InvalidSlashBps);
    assert_staking_error(w.try_slash(0, 10_001), StakingError::InvalidSlashBps);
    assert_staking_error(w.try_slash(0, u16::MAX), StakingError::InvalidSlashBps);
    assert_staking_error(w.try_slash(0, 2_001), StakingError::SlashExceedsMaximum);
    assert_eq!(w.env.balance(&w.destination), 0);
    w.slash(0, 2_000);
    assert_eq!(w.env.balance(&w.destination), 20_000);
    // set_slasher refuses a maximum of 0 or above 100%.
    let (slasher, destination) = (w.slasher.pubkey(), w.destination);
    for max in [0, 10_001] {
        assert_staking_error(
            w.env
                .set_slasher(&w.pool, Some((&slasher, &destination)), max),
            StakingError::InvalidSlashBps,
        );
    }
    // A 100% maximum is accepted (after notice, since stake is in).
    ok(w.env
        .set_slasher(&w.pool, Some((&slasher, &destination)), 10_000));
    assert_staking_error(w.try_slash(0, 2_001), StakingError::SlashExceedsMaximum);
    w.exit_all();
}

#[test]
fn only_the_slasher_signs_and_only_to_its_destination() {
    let mut w = World::new(DAY, 5_000, 1, 1);
    w.stake_to(0, 10_000, 0);
    let op = w.op(0);
    // Neither a stranger, the pool authority nor the operator may slash.
    let stranger = w.env.new_user();
    for signer in [&stranger, &w.pool.authority, &w.operators[0].0] {
        assert_staking_error(
            w.env.slash(&w.pool, signer, &op, 100, [0; 32]),
            StakingError::NotSlasher,
        );
    }
    // The slasher must sign.
    let state = w.env.pool(&w.pool);
    let slash = |bps| staking::instruction::Slash {
        bps,
        reason: [0; 32],
    };
    let build = |w: &World, bps| {
        ix::slash(
            &staking::ID,
            &w.pool.address,
            &state,
            &w.slasher.pubkey(),
            &op,
            slash(bps),
            w.env.now(),
        )
    };
    let unsigned_ix = unsigned(build(&w, 100), &w.slasher.pubkey());
    assert_anchor_error(
        w.env.send(&[unsigned_ix], &[]),
        AnchorError::AccountNotSigner,
    );
    // Another destination of the right mint, or the slasher's own account.
    let other = w.env.new_slash_destination(&w.pool);
    let own = w.env.token_account(&w.slasher.pubkey(), &w.mint);
    for wrong in [other, own] {
        let bad = substitute(build(&w, 100), &w.destination, &wrong);
        assert_staking_error(
            w.env.send(&[bad], &[&w.slasher]),
            StakingError::InvalidSlashDestination,
        );
    }
    assert_eq!(w.env.balance(&w.destination), 0);
    w.check();
    // A pool with no slasher refuses every slash.
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(0, DAY));
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 0, "op");
    let anyone = env.new_user();
    let somewhere = env.new_slash_destination(&pool);
    for signer in [&anyone, &pool.authority] {
        assert_staking_error(
            slash_to(&mut env, &pool, signer, &operator, 100, &somewhere),
            StakingError::SlashingDisabled,
        );
    }
    w.exit_all();
}

#[test]
fn set_slasher_checks_its_signer_and_destination() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let other_mint = env.create_mint(SPL_TOKEN, 6);
    let t22_mint = env.create_mint(TOKEN_2022, 6);
    let pool = env.create_pool(&mint, pool_params(0, DAY));
    let slasher = env.new_keypair().pubkey();
    let good = env.new_slash_destination(&pool);
    let holder = env.new_keypair().pubkey();
    let other_mint_account = env.token_account(&holder, &other_mint);
    let t22_account = env.token_account(&holder, &t22_mint);
    let vault = env.pool(&pool).stake_vault;
    let no_data = env.new_user().pubkey();
    for wrong in [other_mint_account, t22_account, vault, mint, no_data] {
        assert_staking_error(
            env.set_slasher(&pool, Some((&slasher, &wrong)), 1_000),
            StakingError::InvalidSlashDestination,
        );
    }
    // The pool itself (owned by this program, and borrowed for writing).
    assert_fails(env.set_slasher(&pool, Some((&slasher, &pool.address)), 1_000));
    // Omitted destination (the program id in its place).
    let omitted = substitute(
        ix::set_slasher(
            &staking::ID,
            &pool.address,
            &pool.authority.pubkey(),
            Some((slasher, good)),
            1_000,
        ),
        &good,
        &staking::ID,
    );
    assert_staking_error(
        env.send(&[omitted], &[&pool.authority]),
        StakingError::InvalidSlashDestination,
    );
    // The default key is no slasher.
    assert_staking_error(
        env.set_slasher(&pool, Some((&Pubkey::default(), &good)), 1_000),
        StakingError::NotSlasher,
    );
    // Only the authority, signing.
    let mallory = env.new_user();
    let by_mallory = ix::set_slasher(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        Some((mallory.pubkey(), good)),
        10_000,
    );
    assert_staking_error(
        env.send(&[by_mallory], &[&mallory]),
        StakingError::NotPoolAuthority,
    );
    let unsigned_ix = unsigned(
        ix::set_slasher(
            &staking::ID,
            &pool.address,
            &pool.authority.pubkey(),
            Some((slasher, good)),
            1_000,
        ),
        &pool.authority.pubkey(),
    );
    assert_anchor_error(env.send(&[unsigned_ix], &[]), AnchorError::AccountNotSigner);
    let state = env.pool(&pool);
    assert_eq!(state.slasher, Pubkey::default());
    assert_eq!(state.pending_slash_settings_at, 0);
    // The good one applies at once in an empty pool.
    ok(env.set_slasher(&pool, Some((&slasher, &good)), 1_000));
    let state = env.pool(&pool);
    assert_eq!(
        (state.slasher, state.slash_destination, state.max_slash_bps),
        (slasher, good, 1_000)
    );
}

// ---------------------------------------------------------------------------
// Settings changes and their notice
// ---------------------------------------------------------------------------

#[test]
fn a_new_slasher_or_higher_maximum_waits_two_unbonding_periods() {
    let mut w = World::new(7 * DAY, 1_000, 2, 2);
    w.stake_to(0, 100_000, 0);
    w.stake_to(1, 100_000, 1);
    let old = w.slasher.insecure_clone();
    let new = w.env.new_keypair();
    let new_destination = w.env.new_slash_destination(&w.pool);
    let t0 = w.env.now();
    let meta = ok(w
        .env
        .set_slasher(&w.pool, Some((&new.pubkey(), &new_destination)), 5_000));
    let events = staking_client::events::decode_logs(&staking::ID, &meta.logs);
    assert_eq!(events[0].name, "SlashSettingsScheduled");
    assert_eq!(
        events[0].fields["effective_at"].as_i64(),
        Some(t0 + 14 * DAY as i64)
    );
    let state = w.env.pool(&w.pool);
    assert_eq!(state.slasher, old.pubkey());
    assert_eq!(state.pending_slasher, new.pubkey());
    assert_eq!(state.pending_slash_settings_at, t0 + 14 * DAY as i64);

    // Until then: the old slasher, its destination and maximum.
    w.env.set_time(t0 + 14 * DAY as i64 - 1);
    let op = w.op(0);
    assert_staking_error(
        w.env.slash(&w.pool, &new, &op, 100, [1; 32]),
        StakingError::NotSlasher,
    );
    assert_staking_error(w.try_slash(0, 1_001), StakingError::SlashExceedsMaximum);
    w.slash(0, 1_000);
    assert_eq!(w.env.balance(&w.destination), 10_000);
    // From then: the new one, at the new maximum, to the new destination.
    w.env.set_time(t0 + 14 * DAY as i64);
    assert_staking_error(w.try_slash(0, 100), StakingError::NotSlasher);
    let meta = ok(w.env.slash(&w.pool, &new, &op, 5_000, [2; 32]));
    let names: Vec<String> = staking_client::events::decode_logs(&staking::ID, &meta.logs)
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec!["SlashSettingsApplied", "Slashed"]);
    assert_eq!(w.env.balance(&new_destination), 45_000);
    assert_eq!(w.env.balance(&w.destination), 10_000);
    w.slasher = new.insecure_clone();
    w.past_destinations.push(w.destination);
    w.destination = new_destination;
    w.check();

    // Lowering the maximum of the slasher in force applies at once (with
    // another destination); raising it again waits.
    let third = w.env.new_slash_destination(&w.pool);
    ok(w.env
        .set_slasher(&w.pool, Some((&new.pubkey(), &third)), 500));
    let state = w.env.pool(&w.pool);
    assert_eq!((state.max_slash_bps, state.slash_destination), (500, third));
    assert_eq!(state.pending_slash_settings_at, 0);
    w.past_destinations.push(w.destination);
    w.destination = third;
    assert_staking_error(w.try_slash(1, 501), StakingError::SlashExceedsMaximum);
    ok(w.env
        .set_slasher(&w.pool, Some((&new.pubkey(), &third)), 600));
    assert_staking_error(w.try_slash(1, 501), StakingError::SlashExceedsMaximum);
    // The old slasher back is a new slasher: it waits too.
    ok(w.env
        .set_slasher(&w.pool, Some((&old.pubkey(), &third)), 100));
    assert_eq!(w.env.pool(&w.pool).pending_slasher, old.pubkey());
    assert_staking_error(
        w.env.slash(&w.pool, &old, &op, 100, [0; 32]),
        StakingError::NotSlasher,
    );
    w.slash(1, 500);

    // Removing applies at once, cancels what is pending, and makes
    // undelegate and redelegate instant again.
    let meta = ok(w.env.set_slasher(&w.pool, None, 0));
    let events = staking_client::events::decode_logs(&staking::ID, &meta.logs);
    assert_eq!(events[0].name, "SlashSettingsApplied");
    let state = w.env.pool(&w.pool);
    assert_eq!(state.slasher, Pubkey::default());
    assert_eq!(state.pending_slash_settings_at, 0);
    w.env.warp(30 * DAY as i64);
    let (op1, old_destination) = (w.op(1), w.destination);
    assert_staking_error(
        slash_to(&mut w.env, &w.pool, &new, &op1, 1, &old_destination),
        StakingError::SlashingDisabled,
    );
    ok(w.env.redelegate(&w.pool, &w.users[0], &w.op(1)));
    w.check();
    ok(w.env.undelegate(&w.pool, &w.users[1]));
    w.check();
    assert_eq!(w.staked(1), 95_000);
    w.exit_all();
}

#[test]
fn an_announced_slasher_already_holds_delegated_stake() {
    // A pool that cannot slash yet: undelegate is instant.
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(0, DAY));
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 0, "op");
    let (alice, bob) = (env.new_user(), env.new_user());
    for user in [&alice, &bob] {
        ok(env.stake(&pool, user, 1_000));
        ok(env.delegate(&pool, user, &operator));
    }
    ok(env.undelegate(&pool, &alice));
    // Announced (stake is in): the notice runs, and stake may only unbond.
    let slasher = env.new_keypair();
    let destination = env.new_slash_destination(&pool);
    ok(env.set_slasher(&pool, Some((&slasher.pubkey(), &destination)), 1_000));
    assert_ne!(env.pool(&pool).pending_slash_settings_at, 0);
    assert_staking_error(
        env.undelegate(&pool, &bob),
        StakingError::DelegatedStakeMustUnbond,
    );
    ok(env.delegate(&pool, &alice, &operator));
    assert_staking_error(
        slash_to(&mut env, &pool, &slasher, &operator, 100, &destination),
        StakingError::SlashingDisabled,
    );
    env.warp(2 * DAY as i64);
    ok(env.slash(&pool, &slasher, &operator, 1_000, [0; 32]));
    assert_eq!(env.balance(&destination), 200);
}

// ---------------------------------------------------------------------------
// Shapes of slashes
// ---------------------------------------------------------------------------

#[test]
fn slashing_an_operator_with_nothing_answerable_moves_nothing() {
    let mut w = World::new(DAY, 5_000, 2, 1);
    w.stake_to(0, 1_000, 1);
    let vault = w.vault();
    let meta = w.slash(0, 5_000);
    assert_eq!(w.vault(), vault);
    assert_eq!(w.env.balance(&w.destination), 0);
    let event = slashed_event(&meta);
    assert_eq!(event.u64("from_delegated"), Some(0));
    assert_eq!(event.u64("from_unbonding"), Some(0));
    let op = w.env.operator(&w.op(0));
    assert_eq!((op.total_slashed, op.slash_count), (0, 1));
    assert_eq!(op.ticket_factor_q.get(), 1u128 << 64);
    // Stake delegated to it afterwards is not affected by the old slash.
    w.stake(0, 1);
    let fresh = w.env.new_user();
    w.users.push(fresh);
    w.stake_to(1, 777, 0);
    assert_eq!(w.staked(1), 777);
    w.exit_all();
}

#[test]
fn repeated_slashes_compound() {
    let mut w = World::new(10 * DAY, 1_000, 1, 4);
    w.stake_to(0, 1_000_000, 0);
    w.stake_to(1, 333_333, 0);
    w.stake_to(2, 10, 0);
    w.stake_to(3, 400, 0);
    let ticket = w.unstake(3, 400);
    w.slash(0, 1_000);
    w.env.warp(60);
    w.slash(0, 1_000);
    // 19% within a unit per delegator, rounded against it.
    for (user, amount) in [(0, 1_000_000u64), (1, 333_333), (2, 10)] {
        let exact = u128::from(amount) * 81; // ×100
        let got = u128::from(w.staked(user)) * 100;
        assert!(got.abs_diff(exact) < 100, "{user}: {got} vs {exact}");
    }
    assert_eq!(w.staked(0), 810_000);
    assert_eq!(w.env.ticket_value(&ticket), 324, "400 × 0.81, exactly");
    let op = w.env.operator(&w.op(0));
    assert_eq!(op.slash_count, 2);
    assert_eq!(op.total_slashed, w.env.balance(&w.destination));
    w.env.warp(10 * DAY as i64);
    let before = w.wallet(3);
    ok(w.withdraw(3, &ticket));
    assert_eq!(w.wallet(3) - before, 324);
    w.exit_all();
}

#[test]
fn a_full_slash_empties_stake_and_tickets_and_everyone_can_leave() {
    let mut w = World::new(5 * DAY, 10_000, 2, 4);
    w.stake_to(0, 5_000, 0);
    w.stake_to(1, 3_000, 0);
    w.stake_to(2, 2_000, 1);
    w.stake(3, 1_000);
    let ticket = w.unstake(1, 1_000);
    w.slash(0, 10_000);
    assert_eq!(w.env.balance(&w.destination), 8_000);
    assert_eq!((w.staked(0), w.staked(1)), (0, 0));
    assert_eq!(w.env.ticket_value(&ticket), 0);
    let op = w.env.operator(&w.op(0));
    assert_eq!((op.delegated, op.unbonding, op.open_tickets), (0, 0, 0));
    assert_eq!(op.ticket_epoch, 1);
    assert_eq!(op.delegated_shares, 7_000, "worthless shares remain");
    assert_eq!((w.staked(2), w.staked(3)), (2_000, 1_000));

    // The operator takes no stake: not from its delegators, nor new ones.
    assert_staking_error(w.try_stake(0, 100), StakingError::OperatorSlashedOut);
    let a = w.op(0);
    w.stake(3, 1);
    // B's delegator still has stake: it must unbond, as ever.
    assert_staking_error(
        w.env.undelegate(&w.pool, &w.users[2]),
        StakingError::DelegatedStakeMustUnbond,
    );
    assert_staking_error(
        w.env.delegate(&w.pool, &w.users[3], &a),
        StakingError::OperatorSlashedOut,
    );
    // A ticket slashed whole pays nothing, still closes, and frees its slot.
    assert_staking_error(w.withdraw(1, &ticket), StakingError::TicketLocked);
    w.env.warp(5 * DAY as i64);
    let before = w.wallet(1);
    ok(w.withdraw(1, &ticket));
    assert_eq!(w.wallet(1), before);
    assert!(!w.env.exists(&ticket));
    assert_eq!(w.env.position(&w.pool, &w.key(1)).open_tickets, 0);
    // Empty positions may redelegate or undelegate and leave.
    ok(w.env.redelegate(&w.pool, &w.users[0], &w.op(1)));
    w.check();
    ok(w.env.undelegate(&w.pool, &w.users[1]));
    w.check();
    ok(w.env.close_position(&w.pool, &w.users[1]));
    // With its last share gone, the operator takes stake again, at 1:1.
    let op = w.env.operator(&a);
    assert_eq!((op.delegated, op.delegated_shares), (0, 0));
    ok(w.env.delegate(&w.pool, &w.users[3], &a));
    w.check();
    assert_eq!(w.staked(3), 1_001);
    w.slash(0, 5_000);
    assert_eq!(w.staked(3), 501, "1,001 − floor(500.5)");
    w.exit_all();
}

#[test]
fn a_full_slash_takes_only_the_tickets_open_at_that_time() {
    let mut w = World::new(5 * DAY, 10_000, 1, 2);
    w.stake_to(0, 1_000, 0);
    w.stake_to(1, 1_000, 0);
    let old = w.unstake(0, 1_000);
    w.slash(0, 10_000);
    // Everyone left, so the operator is fresh again.
    ok(w.env.undelegate(&w.pool, &w.users[0]));
    ok(w.env.undelegate(&w.pool, &w.users[1]));
    w.check();
    w.stake(1, 2_000);
    ok(w.env.delegate(&w.pool, &w.users[1], &w.op(0)));
    let new = w.unstake(1, 2_000);
    w.check();
    // Cancelling the worthless old ticket back adds nothing; the new one is
    // worth its amount; a later 50% slash reaches only the new one.
    ok(w.env.delegate(&w.pool, &w.users[0], &w.op(0)));
    ok(w.cancel(0, &old));
    assert_eq!(w.staked(0), 0);
    w.slash(0, 5_000);
    assert_eq!(w.env.ticket_value(&new), 1_000);
    w.exit_all();
}

// ---------------------------------------------------------------------------
// Rewards around a slash
// ---------------------------------------------------------------------------

/// Rate 10/s for 700 s. Alice and Bob delegate 1,000 each to an operator at
/// 10% commission, Carol stakes 2,000 undelegated. 400 s in, a 50% slash.
/// By hand (every figure exact): 400 s × 10 over 4,000 staked = 1 per unit;
/// then 300 s × 10 over 3,000 staked = 1 per unit.
///   Alice = Bob = 1,000 × 1 × 0.9 + 500 × 1 × 0.9 = 1,350
///   Carol = 2,000 + 2,000 = 4,000; commission = 200 + 100 = 300.
#[test]
fn rewards_are_earned_at_the_stake_before_and_after_the_slash_exactly() {
    let mut w = World::with(10 * DAY, 5_000, 1, 3, 1_000, 0);
    let reward_mint = w.env.create_mint(SPL_TOKEN, 6);
    let stream = w.env.add_stream(&w.pool, &reward_mint);
    w.stake_to(0, 1_000, 0);
    w.stake_to(1, 1_000, 0);
    w.stake(2, 2_000);
    let t0 = w.env.now();
    ok(w.env.fund(&w.pool, stream, 7_000, 700));
    w.env.set_time(t0 + 400);
    // Alice settles right before the slash, in the same second.
    ok(w.env.claim(&w.pool, &w.users[0], None));
    assert_eq!(w.env.reward_balance(&w.pool, &w.key(0), stream), 900);
    w.slash(0, 5_000);
    w.env.set_time(t0 + 700);
    ok(w.env.claim(&w.pool, &w.users[0], None));
    // Bob settles long after.
    w.env.set_time(t0 + 50 * DAY as i64);
    ok(w.env.claim(&w.pool, &w.users[1], None));
    ok(w.env.claim(&w.pool, &w.users[2], None));
    let (alice, bob, carol) = (
        w.env.reward_balance(&w.pool, &w.key(0), stream),
        w.env.reward_balance(&w.pool, &w.key(1), stream),
        w.env.reward_balance(&w.pool, &w.key(2), stream),
    );
    assert_eq!((alice, bob, carol), (1_350, 1_350, 4_000));
    let authority = w.operators[0].0.insecure_clone();
    ok(w.env.claim_commission(&w.pool, &authority, stream));
    // 10% of 2,000 then of 1,000 per unit: 300, booked in Q64.64 from a 0.1
    // that has no exact binary fraction, so 299 whole units are paid and the
    // rest of the 300th stays as the operator's owed fraction.
    let claimed = w.env.reward_balance(&w.pool, &authority.pubkey(), stream);
    let fraction = w.env.operator(&w.op(0)).streams[0].commission_owed_fraction;
    assert_eq!(claimed, 299);
    let booked_q = (u128::from(claimed) << 64) + u128::from(fraction);
    assert!((300u128 << 64) - booked_q < 1 << 20, "within 2^-44 of 300");
    w.check();
    w.exit_all();
}

/// The same with uneven numbers: two delegators with equal stakes, one
/// settling right before the slash and one long after, earn the same within
/// a unit; each within two units of the exact rational figure.
#[test]
fn rewards_around_an_uneven_slash_match_a_hand_computation() {
    let mut w = World::with(10 * DAY, 5_000, 2, 4, 777, 0);
    let reward_mint = w.env.create_mint(SPL_TOKEN, 6);
    let stream = w.env.add_stream(&w.pool, &reward_mint);
    let (a_stake, b_stake, other, undelegated) =
        (1_234_567u64, 1_234_567u64, 7_654_321u64, 3_333_333u64);
    w.stake_to(0, a_stake, 0);
    w.stake_to(1, b_stake, 0);
    w.stake_to(2, other, 1);
    w.stake(3, undelegated);
    let t0 = w.env.now();
    let (amount, duration) = (1_000_000_007u64, 1_000u64);
    ok(w.env.fund(&w.pool, stream, amount, duration));
    let cut = 377i64;
    let bps = 1_111u16;
    w.env.set_time(t0 + cut);
    ok(w.env.claim(&w.pool, &w.users[0], None));
    w.slash(0, bps);
    // Poke in between: Carol (operator 1) and the undelegated staker claim.
    for step in 1..=5 {
        w.env.set_time(t0 + cut + step * 100);
        ok(w.env.claim(&w.pool, &w.users[2], None));
        ok(w.env.claim(&w.pool, &w.users[3], None));
    }
    w.env.set_time(t0 + 2 * DAY as i64);
    for user in 0..4 {
        ok(w.env.claim(&w.pool, &w.users[user], None));
    }
    let got: Vec<u64> = (0..4)
        .map(|u| w.env.reward_balance(&w.pool, &w.key(u), stream))
        .collect();
    // Exact: phase 1 of `cut` seconds over the full stake, phase 2 over the
    // stake after the slash (operator 0's delegated drops to floor(D × kept)).
    let d0 = a_stake + b_stake;
    let d0_after = kept(d0, bps);
    let a_after = (u128::from(a_stake) * u128::from(d0_after) / u128::from(d0)) as u64;
    let total1 = u128::from(d0 + other + undelegated);
    let total2 = u128::from(d0_after + other + undelegated);
    let (e1, e2) = (
        u128::from(amount) * cut as u128,
        u128::from(amount) * (duration as u128 - cut as u128),
    );
    let d = u128::from(duration);
    // Delegators are paid per share: stake-share of the operator's pot.
    let share_of = |pot1: u128, pot2: u128, mine: u128, pot_shares: u128, commission: u128| {
        // rational: (e1 pot1/total1 + e2 pot2/total2) × mine/pot_shares × (1 − c)
        let num = (e1 * pot1 * total2 + e2 * pot2 * total1) * mine * (BPS - commission);
        let den = d * total1 * total2 * pot_shares * BPS;
        num as f64 / den as f64
    };
    let exact_a = share_of(
        u128::from(d0),
        u128::from(d0_after),
        u128::from(a_stake),
        u128::from(d0),
        777,
    );
    let exact_c = share_of(u128::from(other), u128::from(other), 1, 1, 777);
    let exact_u = share_of(u128::from(undelegated), u128::from(undelegated), 1, 1, 0);
    for (user, exact) in [(0, exact_a), (1, exact_a), (2, exact_c), (3, exact_u)] {
        let diff = (got[user] as f64 - exact).abs();
        assert!(diff < 2.0, "user {user}: {} vs {exact}", got[user]);
    }
    assert!(got[0].abs_diff(got[1]) <= 1, "{} vs {}", got[0], got[1]);
    assert_eq!(w.staked(0), a_after);
    // Commission followed the same stake: it is what the delegators gave up.
    let authority = w.operators[0].0.insecure_clone();
    ok(w.env.claim_commission(&w.pool, &authority, stream));
    let commission = w.env.reward_balance(&w.pool, &authority.pubkey(), stream) as f64;
    let gross = exact_a * 2.0 * BPS as f64 / (BPS - 777) as f64;
    assert!(
        (commission - gross * 777.0 / BPS as f64).abs() < 2.0,
        "{commission}"
    );
    w.exit_all();
}

/// The same schedule with and without permissionless pokes around the slash
/// (others' claims, operator syncs, a commission claim every 37 seconds)
/// leaves every party with the same rewards and the same stake.
#[test]
fn pokes_around_a_slash_change_nothing_for_others() {
    fn run(poke: bool) -> (Vec<u64>, Vec<u64>, u64) {
        let mut w = World::with(10 * DAY, 5_000, 1, 3, 1_500, 0);
        let reward_mint = w.env.create_mint(SPL_TOKEN, 6);
        let stream = w.env.add_stream(&w.pool, &reward_mint);
        w.stake_to(0, 987_654, 0);
        w.stake_to(1, 123_457, 0);
        w.stake(2, 55_555);
        let t0 = w.env.now();
        ok(w.env.fund(&w.pool, stream, 9_999_991, 1_000));
        let authority = w.operators[0].0.insecure_clone();
        for second in (0..1_000).step_by(37) {
            w.env.set_time(t0 + second);
            if second == 370 {
                w.slash(0, 3_333);
            }
            if poke {
                // A poke with nothing to claim yet is refused (and changes nothing).
                let _ = w.env.claim(&w.pool, &w.users[1], None);
                let _ = w.env.claim(&w.pool, &w.users[2], None);
                let _ = w.env.claim_commission(&w.pool, &authority, stream);
            }
        }
        w.env.set_time(t0 + 2_000);
        for user in 0..3 {
            let _ = w.env.claim(&w.pool, &w.users[user], None);
        }
        let _ = w.env.claim_commission(&w.pool, &authority, stream);
        let rewards = (0..3)
            .map(|u| w.env.reward_balance(&w.pool, &w.key(u), stream))
            .chain([w.env.reward_balance(&w.pool, &authority.pubkey(), stream)])
            .collect();
        let stakes = (0..3).map(|u| w.staked(u)).collect();
        let slashed = w.env.balance(&w.destination);
        w.exit_all();
        (rewards, stakes, slashed)
    }
    let (quiet, poked) = (run(false), run(true));
    assert_eq!(quiet.1, poked.1, "stakes");
    assert_eq!(quiet.2, poked.2, "slashed");
    // Alice never touched: identical. Claimers: within a unit (a claim pays
    // whole units and carries the fraction).
    assert_eq!(quiet.0[0], poked.0[0], "alice");
    for i in 1..4 {
        assert!(
            quiet.0[i].abs_diff(poked.0[i]) <= 1,
            "{i}: {:?} vs {:?}",
            quiet.0,
            poked.0
        );
    }
}

/// Someone else's stake into the slashed operator right before or after
/// the slash changes neither what others lose nor what they keep.
#[test]
fn others_moving_stake_around_a_slash_does_not_change_your_loss() {
    fn run(mallory_in: Option<u64>, after: bool) -> (u64, u64) {
        let mut w = World::new(DAY, 5_000, 1, 2);
        w.stake_to(0, 1_000_001, 0);
        if let (Some(amount), false) = (mallory_in, after) {
            w.stake_to(1, amount, 0);
        }
        w.slash(0, 2_345);
        if let (Some(amount), true) = (mallory_in, after) {
            w.stake_to(1, amount, 0);
        }
        let alice = w.staked(0);
        w.exit_all();
        (alice, w.wallet(0))
    }
    let baseline = run(None, false);
    assert_eq!(baseline.0, kept(1_000_001, 2_345));
    for amount in [1, 2, 3, 999, 123_456_789] {
        for after in [false, true] {
            let (alice, _) = run(Some(amount), after);
            // Rounded against her at most once more; never above the rate.
            assert!(
                alice <= kept(1_000_001, 2_345) + 1 && alice + 1 >= baseline.0,
                "{amount} {after}: {alice}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Rounding attacks
// ---------------------------------------------------------------------------

#[test]
fn tiny_stakes_and_loops_into_a_slashed_operator_gain_nothing() {
    let mut w = World::new(60, 5_000, 1, 3);
    w.stake_to(0, 1_000_003, 0);
    w.stake_to(1, 7, 0);
    w.slash(0, 3_333);
    let alice = w.staked(0);
    let victim = w.staked(1);
    // Mallory: 40 one-unit stakes, then stake/unstake loops of odd sizes.
    w.stake_to(2, 1, 0);
    for _ in 0..39 {
        w.stake(2, 1);
        assert!(w.staked(0) >= alice && w.staked(1) >= victim);
    }
    for size in [3u64, 5, 7, 11, 2, 1, 13, 4] {
        w.stake(2, size);
        let out = w.staked(2).min(size);
        w.unstake(2, out);
        assert!(
            w.staked(0) >= alice && w.staked(1) >= victim,
            "others never lose"
        );
    }
    let mallory_in = w.deposited - 1_000_003 - 7;
    assert!(w.staked(2) < mallory_in);
    // Mallory leaves first: everything she gets back (tickets included).
    let staked = w.staked(2);
    w.unstake(2, staked);
    w.env.warp(61);
    for (user, ticket) in w.open_tickets() {
        ok(w.withdraw(user, &ticket));
    }
    let mallory_out = w.wallet(2);
    assert!(mallory_out < mallory_in, "{mallory_out} vs {mallory_in}");
    assert!(w.staked(0) >= alice && w.staked(1) >= victim);
    w.exit_all();
}

/// Whoever leaves an operator last takes the rest of its `delegated`: the
/// others' rounding, below one unit each. That is the only way a delegator
/// ends up above its exact share, and it is bounded by the delegator count.
#[test]
fn the_last_delegator_out_takes_at_most_the_others_rounding() {
    let mut w = World::new(60, 5_000, 1, 6);
    let amounts = [1_000_003u64, 7, 13, 999, 12_345, 1];
    for (user, amount) in amounts.iter().enumerate() {
        w.stake_to(user, *amount, 0);
    }
    w.slash(0, 3_333);
    w.slash(0, 77);
    let op = w.env.operator(&w.op(0));
    let exact = |amount: u64| {
        u128::from(amount) * u128::from(op.delegated) / u128::from(op.delegated_shares)
    };
    let before: Vec<u64> = (0..6).map(|u| w.staked(u)).collect();
    for user in 0..5 {
        assert_eq!(u128::from(before[user]), exact(amounts[user]));
    }
    let others_rounding = op.delegated - before.iter().sum::<u64>();
    assert!(others_rounding < 6);
    for user in 0..5 {
        let staked = w.staked(user);
        if staked > 0 {
            w.unstake(user, staked);
        }
    }
    assert!(w.staked(5) - before[5] <= others_rounding);
    assert_eq!(w.staked(5), w.env.operator(&w.op(0)).delegated);
    w.exit_all();
}

#[test]
fn one_unit_delegations_before_and_after_slashes_lose_their_fraction() {
    let mut w = World::new(60, 9_999, 1, 3);
    w.stake_to(0, 1_000_000, 0);
    w.stake_to(1, 1, 0);
    w.slash(0, 5_000);
    assert_eq!(w.staked(1), 0, "half a unit rounds against the holder");
    assert_eq!(w.staked(0), 500_000);
    w.stake_to(2, 1, 0);
    // Shares: floor(1 × 1,000,001 / 500,001) = 1, worth floor(500,002 / 1,000,002) = 0.
    assert_eq!(w.staked(2), 0);
    assert_eq!(w.env.delegation(&w.pool, &w.key(2)).shares, 1);
    // Deep slashes: the share price only falls, so a newcomer's shares are
    // never fewer than its units (no first-deposit inflation).
    w.slash(0, 9_999);
    w.slash(0, 9_999);
    let op = w.env.operator(&w.op(0));
    assert_eq!(op.delegated, 1);
    assert!(op.delegated_shares >= op.delegated);
    let fresh = w.env.new_user();
    w.users.push(fresh);
    w.stake_to(3, 1_000_000, 0);
    assert!(w.staked(3) >= 999_999, "{}", w.staked(3));
    let victim_before = w.staked(3);
    // The dust holders cannot take from it.
    for user in 0..3 {
        let staked = w.staked(user);
        if staked > 0 {
            w.unstake(user, staked);
        }
    }
    assert!(w.staked(3) >= victim_before);
    w.exit_all();
}

/// The classic first-deposit inflation needs a share price that can rise
/// (a donation into the pot). Here the pot (`delegated`) moves only through
/// the program and slashes only lower it; a direct transfer to the vault
/// changes no one's stake.
#[test]
fn first_deposit_inflation_is_impossible() {
    let mut w = World::new(60, 9_999, 1, 2);
    w.stake_to(0, 1, 0);
    let vault = w.env.pool(&w.pool).stake_vault;
    let donation = w.env.fund_user(&w.key(0), &w.mint, 1_000_000);
    let transfer = anchor_spl::token::spl_token::instruction::transfer(
        &SPL_TOKEN,
        &donation,
        &vault,
        &w.key(0),
        &[],
        1_000_000,
    )
    .unwrap();
    let mallory = w.users[0].insecure_clone();
    ok(w.env.send(&[transfer], &[&mallory]));
    w.deposited += 1_000_000;
    w.donated += 1_000_000;
    w.check();
    assert_eq!(w.env.operator(&w.op(0)).delegated, 1);
    w.stake_to(1, 999, 0);
    assert_eq!(w.staked(1), 999);
    assert_eq!(w.staked(0), 1);
    // The donation stays in the vault, above the books.
    let pool = w.env.pool(&w.pool);
    assert_eq!(
        w.vault(),
        pool.total_staked + pool.total_unbonding + pool.slash_dust + 1_000_000
    );
}

// ---------------------------------------------------------------------------
// Account attacks on slash
// ---------------------------------------------------------------------------

#[test]
fn slash_refuses_substituted_accounts() {
    let mut w = World::new(DAY, 5_000, 1, 1);
    w.stake_to(0, 10_000, 0);
    let op = w.op(0);
    let state = w.env.pool(&w.pool);
    // Mallory makes her own pool on the same mint, with herself as slasher
    // and an operator there; and there is a pool of another mint.
    let mallory_pool = w.env.create_pool(&w.mint, pool_params(0, DAY));
    let (mallory, _) = w.env.enable_slashing(&mallory_pool, 10_000);
    let mallory_op_key = w.env.new_user();
    let mallory_op = w
        .env
        .register_operator(&mallory_pool, &mallory_op_key, 0, "m");
    let other_mint = w.env.create_mint(SPL_TOKEN, 6);
    let foreign_pool = w.env.create_pool(&other_mint, pool_params(0, DAY));
    let (_, foreign_destination) = w.env.enable_slashing(&foreign_pool, 10_000);
    let mallory_state = w.env.pool(&mallory_pool);
    let now = w.env.now();
    let build = |pool: &Pubkey, state: &Pool, slasher: &Pubkey, operator: &Pubkey| {
        ix::slash(
            &staking::ID,
            pool,
            state,
            slasher,
            operator,
            staking::instruction::Slash {
                bps: 1_000,
                reason: [9; 32],
            },
            now,
        )
    };
    let honest = build(&w.pool.address, &state, &w.slasher.pubkey(), &op);
    let slasher = w.slasher.insecure_clone();
    let position = w.pool.position_address(&w.key(0));
    let delegation = staking_client::pda::delegation(&staking::ID, &position);
    let system = anchor_lang::solana_program::system_program::ID;
    let sub = |from: &Pubkey, to: &Pubkey| substitute(honest.clone(), from, to);
    let cases: Vec<(&str, Instruction, &Keypair, Option<StakingError>)> = vec![
        (
            "operator of another pool",
            sub(&op, &mallory_op),
            &slasher,
            Some(StakingError::PoolMismatch),
        ),
        (
            "destination of another mint",
            sub(&w.destination, &foreign_destination),
            &slasher,
            Some(StakingError::InvalidSlashDestination),
        ),
        (
            "destination = the stake vault",
            sub(&w.destination, &state.stake_vault),
            &slasher,
            Some(StakingError::InvalidSlashDestination),
        ),
        (
            "destination = the operator (duplicate)",
            sub(&w.destination, &op),
            &slasher,
            Some(StakingError::InvalidSlashDestination),
        ),
        (
            "stake vault of another pool",
            sub(&state.stake_vault, &mallory_state.stake_vault),
            &slasher,
            Some(StakingError::InvalidStakeVault),
        ),
        (
            "another mint",
            sub(&w.mint, &other_mint),
            &slasher,
            Some(StakingError::InvalidStakeMint),
        ),
        (
            "Token-2022 for an SPL Token pool",
            sub(&SPL_TOKEN, &TOKEN_2022),
            &slasher,
            Some(StakingError::InvalidTokenProgram),
        ),
        (
            "an arbitrary program as token program",
            sub(&SPL_TOKEN, &system),
            &slasher,
            Some(StakingError::InvalidTokenProgram),
        ),
        (
            "Mallory's pool, our operator",
            build(
                &mallory_pool.address,
                &mallory_state,
                &mallory.pubkey(),
                &op,
            ),
            &mallory,
            Some(StakingError::PoolMismatch),
        ),
        (
            "Mallory's pool and operator, our vault",
            substitute(
                build(
                    &mallory_pool.address,
                    &mallory_state,
                    &mallory.pubkey(),
                    &mallory_op,
                ),
                &mallory_state.stake_vault,
                &state.stake_vault,
            ),
            &mallory,
            Some(StakingError::InvalidStakeVault),
        ),
        (
            "our pool signed by Mallory",
            build(&w.pool.address, &state, &mallory.pubkey(), &op),
            &mallory,
            Some(StakingError::NotSlasher),
        ),
        (
            "a Position as operator",
            sub(&op, &position),
            &slasher,
            None,
        ),
        (
            "a Delegation as operator",
            sub(&op, &delegation),
            &slasher,
            None,
        ),
        (
            "the Pool as operator",
            sub(&op, &w.pool.address),
            &slasher,
            None,
        ),
        (
            "an Operator as pool",
            sub(&w.pool.address, &op),
            &slasher,
            None,
        ),
    ];
    let vault_before = w.vault();
    let op_before = w.env.data(&op);
    let pool_before = w.env.data(&w.pool.address);
    for (name, instruction, signer, expected) in cases {
        let result = w.env.send(&[instruction], &[signer]);
        assert!(result.is_err(), "{name} succeeded");
        match expected {
            Some(error) => assert_staking_error(result, error),
            None => assert_anchor_error(result, AnchorError::AccountDiscriminatorMismatch),
        }
        assert_eq!(w.vault(), vault_before, "{name}");
        assert_eq!(w.env.data(&op), op_before, "{name}");
        assert_eq!(w.env.data(&w.pool.address), pool_before, "{name}");
    }
    // Mallory's slash of her own operator works and touches nothing of ours.
    ok(w.env
        .slash(&mallory_pool, &mallory, &mallory_op, 1_000, [0; 32]));
    assert_eq!(w.vault(), vault_before);
    // The honest one, twice in one transaction: both apply, compounding.
    let second = build(&w.pool.address, &state, &w.slasher.pubkey(), &op);
    ok(w.env.send(&[honest.clone(), second], &[&slasher]));
    assert_eq!(w.env.operator(&op).delegated, 8_100);
    w.check();
    w.exit_all();
}

/// With a Token-2022 stake mint charging a transfer fee, a slash still moves
/// exactly `from_delegated + from_unbonding` out of the vault (the fee is
/// the destination's loss), so the books hold.
#[test]
fn a_slash_under_a_transfer_fee_keeps_the_vault_exact() {
    let mut env = TestEnv::new();
    let mint = env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFee(100)]);
    let pool = env.create_pool(&mint, pool_params(0, DAY));
    let (slasher, destination) = env.enable_slashing(&pool, 5_000);
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 0, "op");
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 100_000));
    ok(env.delegate(&pool, &alice, &operator));
    let state = env.pool(&pool);
    assert_eq!(state.total_staked, 99_000, "1% fee on the way in");
    ok(env.slash(&pool, &slasher, &operator, 1_000, [0; 32]));
    let state = env.pool(&pool);
    assert_eq!(state.total_staked, 89_100);
    assert_eq!(env.balance(&state.stake_vault), 89_100);
    assert_eq!(env.balance(&destination), 9_900 - 99);
}

// ---------------------------------------------------------------------------
// Bugs found in review
// ---------------------------------------------------------------------------

/// Regression (found in this review, fixed meanwhile by f16b4a7): `unstake`
/// checked the minimum stake against the stored, pre-slash `staked`, so after
/// a slash unstaking the whole real stake was refused (`BelowMinimumStake`)
/// and a position could be left below the minimum. Checked on the settled
/// stake now. (A client that sends the stored `staked` as "all" is still
/// refused, with `InsufficientStake`: it must project the slash.)
#[test]
fn unstaking_the_whole_slashed_stake_passes_the_minimum_check() {
    let mut w = World::with(DAY, 5_000, 1, 2, 0, 200);
    w.stake_to(0, 1_000, 0);
    w.stake_to(1, 1_000, 0);
    w.slash(0, 1_000);
    assert_eq!(w.staked(0), 900);
    assert_eq!(w.env.position(&w.pool, &w.key(0)).staked, 1_000);
    let (_, result) = w.try_unstake(0, 1_000);
    assert_staking_error(result, StakingError::InsufficientStake);
    let (_, result) = w.try_unstake(0, 900);
    ok(result);
    w.check();
    // 800 of a real 900 leaves 100 < 200 (was checked as 1,000 − 800 = 200).
    let (_, result) = w.try_unstake(1, 800);
    assert_staking_error(result, StakingError::BelowMinimumStake);
    w.exit_all();
}

/// Regression (found in review): after a slash, a partial unstake retires
/// shares rounded up, so the position keeps up to one unit less than
/// `staked − amount`. Here 900 (shares 1,000 of 2,000 over 1,800) less 700
/// would retire ceil(777.8) = 778 shares, leaving 222 × 1,100 / 1,222 = 199
/// below the minimum of 200: the minimum is now checked on what is left.
#[test]
fn a_partial_unstake_never_leaves_less_than_the_minimum() {
    let mut w = World::with(DAY, 5_000, 1, 2, 0, 200);
    w.stake_to(0, 1_000, 0);
    w.stake_to(1, 1_000, 0);
    w.slash(0, 1_000);
    let (_, result) = w.try_unstake(0, 700);
    assert_staking_error(result, StakingError::BelowMinimumStake);
    let (_, result) = w.try_unstake(0, 699);
    ok(result);
    assert_eq!(w.env.position(&w.pool, &w.key(0)).staked, 200);
    w.check();
}

/// Regression (found in review): the ticket multiplier used to be a plain
/// Q64.64 number, reset to 1.0 only when no ticket was open; a one-unit
/// ticket kept open through deep slashes (four of 99.99%) left it ~11
/// significant bits, so later tickets no longer lost the slash's rate and
/// the first to withdraw was paid from the last. The multiplier is now
/// renormalized (mantissa in [2^63, 2^64] and a shift).
#[test]
fn deep_slashes_keep_the_ticket_multiplier_precise() {
    let mut w = World::new(DAY, 9_999, 1, 3);
    w.stake_to(0, 1, 0);
    let _keeper = w.unstake(0, 1);
    for _ in 0..4 {
        w.slash(0, 9_999);
    }
    let op = w.env.operator(&w.op(0));
    assert!(op.ticket_factor_q.get() >= 1u128 << 63);
    assert!(op.ticket_factor_shift >= 50, "10^-16 is about 2^-53");
    w.stake_to(1, 1_000_000_000, 0);
    w.stake_to(2, 1_000_000_000, 0);
    let alice = w.unstake(1, 1_000_000_000);
    let bob = w.unstake(2, 1_000_000_000);
    ok(w.try_slash(0, 1_000));
    let op = w.env.operator(&w.op(0));
    assert_eq!(op.unbonding, 1_800_000_001);
    let (a, b) = (w.env.ticket_value(&alice), w.env.ticket_value(&bob));
    assert!(
        a + b <= op.unbonding,
        "tickets claim {a} + {b} > unbonding {}",
        op.unbonding
    );
    w.env.warp(DAY as i64);
    ok(w.env.withdraw(&w.pool, &w.users[1], &alice));
    let b_after = w.env.ticket_value(&bob);
    // Each ticket must lose 10% within a unit.
    assert!(a.abs_diff(900_000_000) <= 1, "alice paid {a}");
    assert!(b_after.abs_diff(900_000_000) <= 1, "bob left {b_after}");
}

/// Regression (found in review): a new slasher used to apply one unbonding
/// period after its announcement, but a ticket stays answerable until it is
/// withdrawn, one unbonding period after the unstake: a delegator reacting
/// one second late was still exposed. The notice is now two periods.
#[test]
fn a_delegator_reacting_to_a_new_slasher_leaves_before_it_applies() {
    let mut w = World::new(7 * DAY, 100, 1, 1);
    w.stake_to(0, 1_000_000, 0);
    let new = w.env.new_keypair();
    let destination = w.destination;
    let t0 = w.env.now();
    ok(w.env
        .set_slasher(&w.pool, Some((&new.pubkey(), &destination)), 10_000));
    assert_eq!(
        w.env.pool(&w.pool).pending_slash_settings_at,
        t0 + 14 * DAY as i64
    );
    // Alice reacts a whole unbonding period later: she unstakes everything,
    // and withdraws it all before the new settings apply.
    w.env.set_time(t0 + 7 * DAY as i64 - 1);
    let ticket = w.unstake(0, 1_000_000);
    w.env.set_time(t0 + 14 * DAY as i64 - 1);
    let (owner, mint) = (w.key(0), w.mint);
    let tokens = w.env.token_account(&owner, &mint);
    let before = w.env.balance(&tokens);
    ok(w.withdraw(0, &ticket));
    assert_eq!(w.env.balance(&tokens) - before, 1_000_000);
    w.env.set_time(t0 + 14 * DAY as i64);
    let op = w.op(0);
    ok(w.env.slash(&w.pool, &new, &op, 10_000, [0; 32]));
    assert_eq!(w.env.operator(&op).total_slashed, 0);
}

/// Regression (found in review): raising the unbonding period while a new
/// slasher is pending used to leave the announced date in place, trapping
/// delegators who unstaked at once; it now postpones the pending settings
/// to two of the new periods.
#[test]
fn raising_the_unbonding_period_postpones_a_pending_slasher() {
    let mut w = World::new(7 * DAY, 100, 1, 1);
    w.stake_to(0, 1_000_000, 0);
    let new = w.env.new_keypair();
    let destination = w.destination;
    ok(w.env
        .set_slasher(&w.pool, Some((&new.pubkey(), &destination)), 10_000));
    let t0 = w.env.now();
    ok(w.env.update_pool(
        &w.pool,
        UpdatePoolParams {
            unbonding_period: Some(30 * DAY),
            ..Default::default()
        },
    ));
    let effective_at = w.env.pool(&w.pool).pending_slash_settings_at;
    assert_eq!(effective_at, t0 + 60 * DAY as i64);
    let ticket = w.unstake(0, 1_000_000);
    w.env.set_time(effective_at - 1);
    ok(w.withdraw(0, &ticket));
    w.env.set_time(effective_at);
    let op = w.op(0);
    ok(w.env.slash(&w.pool, &new, &op, 10_000, [0; 32]));
    assert_eq!(w.env.operator(&op).total_slashed, 0);
}
