//! Independent review of commit 780eafe (share-cap room reserved by unbond
//! tickets; transfer-fee authorities need an opt-in), on the bytecode.
//!
//! `refuted_*` tests pin attacks the program withstands, the two this review
//! found (a fee scheduled before its authority was given up; a README promise
//! on the share cap) among them, since fixed.
// The harness returns LiteSVM's own `TransactionResult`, whose error carries the logs.
#![allow(clippy::result_large_err)]
use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{
        interest_bearing_mint, scaled_ui_amount, transfer_fee::instruction::set_transfer_fee,
        ExtensionType,
    },
    instruction::{self as token_ix, AuthorityType},
    state::Mint,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking_client::instructions as ix;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const ERR: u32 = anchor_lang::error::ERROR_CODE_OFFSET;

fn params(unbonding_period: u64) -> InitializePoolParams {
    pool_params(0, unbonding_period)
}

fn capped(unbonding_period: u64, cap_bps: u16) -> InitializePoolParams {
    InitializePoolParams {
        max_operator_share_bps: Some(cap_bps),
        ..params(unbonding_period)
    }
}

fn code(e: StakingError) -> u32 {
    e as u32 + ERR
}

/// The operator's measured share, `(delegated + unbonding, total_staked +
/// unbonding)`: what `add_delegated` checks against the cap.
fn measured(env: &TestEnv, pool: &TestPool, operator: &Pubkey) -> (u128, u128) {
    let o = env.operator(operator);
    let total = env.pool(pool).total_staked;
    (
        u128::from(o.delegated) + u128::from(o.unbonding),
        u128::from(total) + u128::from(o.unbonding),
    )
}

/// `a/b <= c/d` (`b`, `d` > 0 or the share is 0).
fn le(a: (u128, u128), b: (u128, u128)) -> bool {
    a.0 * b.1.max(1) <= b.0 * a.1.max(1)
}

fn cap_frac(env: &TestEnv, pool: &TestPool) -> (u128, u128) {
    (u128::from(env.pool(pool).max_operator_share_bps), 10_000)
}

fn max_frac(a: (u128, u128), b: (u128, u128)) -> (u128, u128) {
    if le(a, b) {
        b
    } else {
        a
    }
}

/// A withdraw with the ticket's operator account chosen by the caller.
fn withdraw_with(
    env: &mut TestEnv,
    pool: &TestPool,
    user: &Keypair,
    ticket: &Pubkey,
    ticket_operator: Option<Pubkey>,
) -> TxResult {
    let destination = env.token_account(&user.pubkey(), &pool.stake_mint);
    let state = env.pool(pool);
    let mut decoded = env.ticket(ticket);
    decoded.operator = ticket_operator.unwrap_or_default();
    let ix = ix::withdraw(
        &staking::ID,
        &pool.address,
        &state,
        &user.pubkey(),
        ticket,
        &decoded,
        &destination,
    );
    env.send(&[ix], &[user])
}

/// A cancel_unbond with the ticket's operator account chosen by the caller
/// (`None`: the program id in its place).
fn cancel_ix(
    env: &TestEnv,
    pool: &TestPool,
    user: &Keypair,
    ticket: &Pubkey,
    ticket_operator: Option<Pubkey>,
) -> Instruction {
    let operator = env.operator_of(pool, &user.pubkey());
    let mut ix = ix::cancel_unbond(
        &staking::ID,
        &pool.address,
        &user.pubkey(),
        operator.as_ref(),
        ticket,
        &bytemuck::Zeroable::zeroed(),
    );
    // The last account is ticket_operator (the program id when None).
    let last = ix.accounts.last_mut().unwrap();
    assert_eq!(last.pubkey, staking::ID);
    if let Some(key) = ticket_operator {
        last.pubkey = key;
        last.is_writable = true;
    }
    ix
}

fn cancel_with(
    env: &mut TestEnv,
    pool: &TestPool,
    user: &Keypair,
    ticket: &Pubkey,
    ticket_operator: Option<Pubkey>,
) -> TxResult {
    let ix = cancel_ix(env, pool, user, ticket, ticket_operator);
    env.send(&[ix], &[user])
}

// ---------------------------------------------------------------------------
// 1 + 2. Random sequences: Operator.unbonding is exact, and no non-leaving step
// raises any operator's measured share above max(cap, what it was).

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Open {
    user: usize,
    ticket: Pubkey,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Stake leaves the pool (`unstake`): others' shares may rise.
    Leaving,
    /// A withdrawn ticket: stake already out; no share may rise.
    Withdraw,
    /// Everything else: no share may rise above max(cap, before).
    Adding,
    /// The cap itself changed.
    CapChange,
}

#[track_caller]
fn check_invariants(
    env: &TestEnv,
    pool: &TestPool,
    users: &[Keypair],
    operators: &[Pubkey],
    open: &[Open],
) {
    let state = env.pool(pool);
    let mut staked_sum = 0u64;
    for op in operators {
        let o = env.operator(op);
        let in_tickets: u64 = open
            .iter()
            .map(|t| env.ticket(&t.ticket))
            .filter(|t| t.operator == *op)
            .map(|t| t.amount)
            .sum();
        assert_eq!(
            o.unbonding, in_tickets,
            "unbonding of {op} != its open tickets"
        );
        let delegated: u64 = users
            .iter()
            .map(|u| env.position_or_default(pool, &u.pubkey()))
            .filter(|p| p.operator == *op)
            .map(|p| p.staked)
            .sum();
        assert_eq!(o.delegated, delegated, "delegated of {op}");
        // The actual share is never above the measured one.
        let actual = (u128::from(o.delegated), u128::from(state.total_staked));
        assert!(le(actual, measured(env, pool, op)));
    }
    for u in users {
        staked_sum += env.position_or_default(pool, &u.pubkey()).staked;
    }
    assert_eq!(state.total_staked, staked_sum);
    let unbonding: u64 = open.iter().map(|t| env.ticket(&t.ticket).amount).sum();
    assert_eq!(state.total_unbonding, unbonding);
}

fn allowed_refusal(result: &TxResult) -> bool {
    matches!(
        custom_error(result),
        Some(c) if c == code(StakingError::OperatorShareCapExceeded)
            || c == code(StakingError::OperatorInactive)
    )
}

fn random_walk(seed: u64, steps: usize) -> (usize, usize) {
    let mut rng = Rng(seed);
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(50, 4_000));
    let op_keys: Vec<Keypair> = (0..3).map(|_| env.new_user()).collect();
    let operators: Vec<Pubkey> = op_keys
        .iter()
        .enumerate()
        .map(|(i, k)| env.register_operator(&pool, k, 100, &format!("op{i}")))
        .collect();
    // The operators' own authorities are users too (their own positions).
    let mut users: Vec<Keypair> = (0..5).map(|_| env.new_user()).collect();
    users.extend(op_keys);
    let mut open: Vec<Open> = Vec::new();
    let mut succeeded = 0;
    let mut refused = 0;
    for u in &users {
        ok(env.stake(&pool, u, 1 + rng.below(1_000)));
    }
    for _ in 0..steps {
        let before: Vec<(u128, u128)> =
            operators.iter().map(|o| measured(&env, &pool, o)).collect();
        let ui = rng.below(users.len() as u64) as usize;
        let user = users[ui].insecure_clone();
        let position = env.position_or_default(&pool, &user.pubkey());
        let op = operators[rng.below(3) as usize];
        let mut leaving_from = None;
        let (kind, result) = match rng.below(11) {
            0 => (Kind::Adding, env.stake(&pool, &user, 1 + rng.below(800))),
            1 | 2 if position.staked > 0 => {
                let amount = 1 + rng.below(position.staked);
                let (ticket, result) = env.unstake(&pool, &user, amount);
                ok(result.clone());
                open.push(Open { user: ui, ticket });
                leaving_from = position.is_delegated().then_some(position.operator);
                (Kind::Leaving, result)
            }
            3 if !open.is_empty() => {
                let i = rng.below(open.len() as u64) as usize;
                let t = env.ticket(&open[i].ticket);
                if env.now() < t.unlock_at {
                    env.warp(t.unlock_at - env.now());
                }
                let owner = users[open[i].user].insecure_clone();
                let result = env.withdraw(&pool, &owner, &open[i].ticket);
                ok(result.clone());
                open.swap_remove(i);
                (Kind::Withdraw, result)
            }
            4 | 5 if !open.is_empty() => {
                let i = rng.below(open.len() as u64) as usize;
                let owner = users[open[i].user].insecure_clone();
                let result = env.cancel_unbond(&pool, &owner, &open[i].ticket);
                if result.is_ok() {
                    open.swap_remove(i);
                }
                (Kind::Adding, result)
            }
            6 if !position.is_delegated() => (Kind::Adding, env.delegate(&pool, &user, &op)),
            7 if position.is_delegated() && position.operator != op => {
                (Kind::Adding, env.redelegate(&pool, &user, &op))
            }
            8 if position.is_delegated() => (Kind::Adding, env.undelegate(&pool, &user)),
            9 => {
                let active = env.operator(&op).active != 0;
                (Kind::Adding, env.set_operator_active(&pool, &op, !active))
            }
            10 => {
                let cap = 2_500 + 500 * rng.below(6) as u16;
                let p = UpdatePoolParams {
                    max_operator_share_bps: Some(cap),
                    ..Default::default()
                };
                (Kind::CapChange, env.update_pool(&pool, p))
            }
            _ => continue,
        };
        match &result {
            Ok(_) => succeeded += 1,
            Err(_) => {
                assert!(
                    allowed_refusal(&result),
                    "unexpected failure: {:?}",
                    result.err()
                );
                refused += 1;
            }
        }
        check_invariants(&env, &pool, &users, &operators, &open);
        let cap = cap_frac(&env, &pool);
        for (i, o) in operators.iter().enumerate() {
            let after = measured(&env, &pool, o);
            match kind {
                Kind::Adding => assert!(
                    le(after, max_frac(cap, before[i])),
                    "{kind:?} raised operator {i} from {:?} to {after:?} above cap {cap:?}",
                    before[i]
                ),
                Kind::Withdraw => assert!(le(after, before[i]), "withdraw raised {i}"),
                Kind::Leaving if leaving_from == Some(*o) => {
                    assert_eq!(
                        after.0 * before[i].1,
                        before[i].0 * after.1,
                        "own unstake changed {i}"
                    )
                }
                Kind::Leaving => {}
                Kind::CapChange => assert_eq!(after, before[i]),
            }
        }
        env.warp(rng.below(30) as i64);
    }
    // Everybody leaves; every ticket is withdrawable and all room is freed.
    for u in &users {
        let staked = env.position(&pool, &u.pubkey()).staked;
        if staked > 0 {
            let (ticket, result) = env.unstake(&pool, u, staked);
            ok(result);
            let user = users.iter().position(|x| x.pubkey() == u.pubkey()).unwrap();
            open.push(Open { user, ticket });
        }
    }
    env.warp(50);
    for t in open.drain(..) {
        let owner = users[t.user].insecure_clone();
        ok(env.withdraw(&pool, &owner, &t.ticket));
    }
    for o in &operators {
        let state = env.operator(o);
        assert_eq!((state.delegated, state.unbonding), (0, 0));
    }
    let state = env.pool(&pool);
    assert_eq!((state.total_staked, state.total_unbonding), (0, 0));
    assert_eq!(env.balance(&state.stake_vault), 0);
    (succeeded, refused)
}

/// ATTACK (1, 2): random sequences over 3 operators (cap 40%, lowered and
/// raised between 25% and 50%), 5 stakers plus the operators' own positions:
/// stake, unstake, withdraw, cancel (the ticket's own operator, another, or
/// none), delegate, redelegate with tickets open, undelegate, deactivate /
/// reactivate. After every step: each operator's `unbonding` equals the sum of
/// the open tickets recording it, `delegated` the sum of its positions; no
/// step that is not somebody's unstake raises any operator's measured share
/// `(delegated + unbonding) / (total + unbonding)` above max(cap, before); the
/// actual share never exceeds the measured one; at the end everyone withdraws
/// and every counter is 0.
#[test]
fn refuted_random_sequences_keep_unbonding_exact_and_share_bounded() {
    let mut total = (0, 0);
    for seed in [0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03, 42, 7_777_777] {
        let (s, r) = random_walk(seed, 250);
        total = (total.0 + s, total.1 + r);
    }
    // Make sure the walk exercised both outcomes.
    assert!(total.0 > 400 && total.1 > 10, "{total:?}");
}

// ---------------------------------------------------------------------------
// 1. Targeted sequences.

/// ATTACK: tickets from X cancelled into Y and back, with redelegations while
/// tickets are open, to move X's reserved room somewhere and refill it.
/// Cap 50%; Bob 1,000 undelegated; Alice 1,000 -> X. Alice unstakes 500
/// (X 0+500 unbonding after she redelegates her other 500 to Y; total 1,500).
/// Carol's 1,001 into X is refused although it is only 1,001 of 2,501 = 40%
/// now: with the ticket back it would be 1,501 of 3,001. Alice cancels X's
/// ticket into Y (a new delegation for Y: 1,000 of 3,001, ok), which frees X's
/// room: Carol's 1,001 then fits, and Alice redelegating back to X is checked
/// (2,001 of 3,001: refused). A ticket from Y cannot be carried into X either.
#[test]
fn refuted_ticket_hopping_between_operators_is_always_checked() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 5_000));
    let (kx, ky) = (env.new_user(), env.new_user());
    let x = env.register_operator(&pool, &kx, 0, "x");
    let y = env.register_operator(&pool, &ky, 0, "y");
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &x));
    let (t1, r) = env.unstake(&pool, &alice, 500);
    ok(r);
    ok(env.redelegate(&pool, &alice, &y));
    assert_eq!(
        (env.operator(&x).delegated, env.operator(&x).unbonding),
        (0, 500)
    );
    ok(env.stake(&pool, &carol, 1_001));
    assert_staking_error(
        env.delegate(&pool, &carol, &x),
        StakingError::OperatorShareCapExceeded,
    );
    ok(env.cancel_unbond(&pool, &alice, &t1));
    assert_eq!(env.operator(&x).unbonding, 0);
    assert_eq!(env.operator(&y).delegated, 1_000);
    assert_eq!(env.pool(&pool).total_staked, 3_001);
    ok(env.delegate(&pool, &carol, &x));
    assert_staking_error(
        env.redelegate(&pool, &alice, &x),
        StakingError::OperatorShareCapExceeded,
    );
    // Y's ticket: Y 600 + 400, total 2,601; into X would be 1,601 of 2,601.
    let (t2, r) = env.unstake(&pool, &alice, 400);
    ok(r);
    assert_staking_error(
        env.redelegate(&pool, &alice, &x),
        StakingError::OperatorShareCapExceeded,
    );
    ok(env.undelegate(&pool, &alice));
    assert_staking_error(
        env.delegate(&pool, &alice, &x),
        StakingError::OperatorShareCapExceeded,
    );
    ok(env.cancel_unbond(&pool, &alice, &t2));
    assert_eq!(
        (env.operator(&x).unbonding, env.operator(&y).unbonding),
        (0, 0)
    );
    assert_eq!(
        (env.operator(&x).delegated, env.operator(&y).delegated),
        (1_001, 0)
    );
}

/// ATTACK: cap lowered while a ticket is open, then the ticket cancelled back
/// (cap-exempt). Cap 50%; Bob 1,000 undelegated, Alice 1,000 -> X. Alice
/// unstakes 400: X actual 600/1,600 = 37.5%, measured 1,000/2,000 = 50%.
/// Cap lowered to 40%: X takes nothing new (Carol's 1 refused). Alice cancels:
/// X actual 1,000/2,000 = 50% > 40% -- above the new cap though nobody left.
/// By design (README: the cap "applies to later delegations"; the ticket's
/// return is not one and its room was already counted): the measured share is
/// unchanged by the cancel, and X accepts no new stake afterwards.
#[test]
fn refuted_cap_lowered_then_ticket_returns_keeps_measured_share() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 5_000));
    let kx = env.new_user();
    let x = env.register_operator(&pool, &kx, 0, "x");
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &x));
    let (t, r) = env.unstake(&pool, &alice, 400);
    ok(r);
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            max_operator_share_bps: Some(4_000),
            ..Default::default()
        },
    ));
    ok(env.stake(&pool, &carol, 1));
    assert_staking_error(
        env.delegate(&pool, &carol, &x),
        StakingError::OperatorShareCapExceeded,
    );
    let before = measured(&env, &pool, &x);
    ok(env.cancel_unbond(&pool, &alice, &t));
    let after = measured(&env, &pool, &x);
    assert_eq!(before, (1_000, 2_001));
    assert_eq!(after, (1_000, 2_001));
    assert_eq!(env.operator(&x).delegated, 1_000);
    assert_staking_error(
        env.stake(&pool, &alice, 1),
        StakingError::OperatorShareCapExceeded,
    );
}

/// ATTACK: a deactivated operator takes back tickets (cap- and active-exempt)
/// and a ticket from elsewhere. Alice -> X, unstakes 300; X deactivated. The
/// cancel back to X works (nobody trapped) and X's room is taken back; a ticket
/// from Y cancelled into a position now on X is refused (`OperatorInactive`),
/// undelegating then cancelling works.
#[test]
fn refuted_deactivated_operator_only_takes_back_its_own_tickets() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 6_000));
    let (kx, ky) = (env.new_user(), env.new_user());
    let x = env.register_operator(&pool, &kx, 0, "x");
    let y = env.register_operator(&pool, &ky, 0, "y");
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &y));
    let (ty, r) = env.unstake(&pool, &alice, 200);
    ok(r);
    ok(env.redelegate(&pool, &alice, &x));
    let (tx, r) = env.unstake(&pool, &alice, 300);
    ok(r);
    ok(env.set_operator_active(&pool, &x, false));
    ok(env.cancel_unbond(&pool, &alice, &tx));
    assert_eq!(
        (env.operator(&x).delegated, env.operator(&x).unbonding),
        (800, 0)
    );
    assert_staking_error(
        env.cancel_unbond(&pool, &alice, &ty),
        StakingError::OperatorInactive,
    );
    ok(env.undelegate(&pool, &alice));
    ok(env.cancel_unbond(&pool, &alice, &ty));
    assert_eq!(env.operator(&y).unbonding, 0);
    assert_eq!(env.operator(&x).delegated, 0);
}

/// Promise check: "an operator's share rises above the cap only because stake
/// elsewhere left the pool, its own delegators compounded, or the cap was
/// lowered" (README, Share cap). Compounding is exempt so that others' exits
/// never trap delegators; this pins that it is the only way up with nobody
/// leaving, and that the operator then takes nothing new. Cap 50%; Bob 1,000
/// undelegated, Alice 1,000 -> X (0% commission); a stake-mint stream pays
/// 1,000 over 100 s. Bob claims his 500, Alice compounds hers: X = 1,500 of
/// 2,500 = 60%. (First found as a wrong README sentence, since reworded.)
#[test]
fn refuted_compound_is_the_only_way_above_the_cap_with_nobody_leaving() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 5_000));
    let kx = env.new_user();
    let x = env.register_operator(&pool, &kx, 0, "x");
    let s = env.add_stream(&pool, &mint);
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &x));
    ok(env.fund(&pool, s, 1_000, 100));
    env.warp(100);
    ok(env.claim(&pool, &bob, None));
    ok(env.compound(&pool, &alice, s));
    let state = env.pool(&pool);
    assert_eq!(
        (env.operator(&x).delegated, state.total_staked),
        (1_500, 2_500)
    );
    // Above the cap, X takes no new delegated stake from anyone.
    ok(env.stake(&pool, &carol, 10));
    assert_staking_error(
        env.delegate(&pool, &carol, &x),
        StakingError::OperatorShareCapExceeded,
    );
    assert_staking_error(
        env.stake(&pool, &alice, 1),
        StakingError::OperatorShareCapExceeded,
    );
}

// ---------------------------------------------------------------------------
// 2 + 3. Grief and account substitution on ticket_operator.

/// ATTACK: every wrong `ticket_operator` on withdraw and cancel_unbond: none
/// when the ticket has one, another operator of the pool, the same
/// authority's operator in another pool, a non-Operator program account (a
/// position), a foreign-owned account (a token account), the operator read-
/// only, one for an undelegated ticket, the position's own operator passed
/// twice on a cancel back, the position's (new) operator in place of the
/// ticket's. All refused with state untouched; the correct call then works
/// and releases exactly the ticket's room. Cancel + withdraw of one ticket in
/// one transaction is refused (no double release).
#[test]
fn refuted_ticket_operator_substitutions() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 10_000));
    let other_pool = env.create_pool_with_id(&mint, 1, params(10));
    let (kx, ky) = (env.new_user(), env.new_user());
    let x = env.register_operator(&pool, &kx, 0, "x");
    let y = env.register_operator(&pool, &ky, 0, "y");
    let z = env.register_operator(&other_pool, &kx, 0, "x elsewhere");
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &x));
    ok(env.stake(&pool, &bob, 1_000));
    let (ta, r) = env.unstake(&pool, &alice, 100);
    ok(r);
    let (tb, r) = env.unstake(&pool, &bob, 100);
    ok(r);
    env.warp(10);
    let snapshot = |env: &TestEnv| (env.data(&x), env.data(&y), env.data(&z), env.data(&ta));
    let s0 = snapshot(&env);
    let mismatch = code(StakingError::OperatorMismatch);

    for wrong in [None, Some(y), Some(z)] {
        let r = withdraw_with(&mut env, &pool, &alice, &ta, wrong);
        assert_eq!(custom_error(&r), Some(mismatch), "{wrong:?}");
    }
    let position = pool.position_address(&alice.pubkey());
    let r = withdraw_with(&mut env, &pool, &alice, &ta, Some(position));
    assert_anchor_error(
        r,
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch,
    );
    let tokens = env.token_account(&alice.pubkey(), &mint);
    let r = withdraw_with(&mut env, &pool, &alice, &ta, Some(tokens));
    assert_anchor_error(r, anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    // Read-only operator.
    {
        let destination = env.token_account(&alice.pubkey(), &mint);
        let state = env.pool(&pool);
        let decoded = env.ticket(&ta);
        let mut ix = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            &ta,
            &decoded,
            &destination,
        );
        ix.accounts.last_mut().unwrap().is_writable = false;
        assert_fails(env.send(&[ix], &[&alice]));
    }
    // Undelegated ticket with an operator.
    let r = withdraw_with(&mut env, &pool, &bob, &tb, Some(x));
    assert_eq!(custom_error(&r), Some(mismatch));
    // Cancel back to X passing X twice, or nothing/other when moved.
    let r = cancel_with(&mut env, &pool, &alice, &ta, Some(x));
    assert_eq!(custom_error(&r), Some(mismatch));
    let r = cancel_with(&mut env, &pool, &alice, &ta, Some(y));
    assert_eq!(custom_error(&r), Some(mismatch));
    assert_eq!(snapshot(&env), s0, "refusals changed state");

    // Cancel + withdraw of the same ticket in one transaction.
    let c = cancel_ix(&env, &pool, &alice, &ta, None);
    let w = {
        let destination = env.token_account(&alice.pubkey(), &mint);
        let state = env.pool(&pool);
        let decoded = env.ticket(&ta);
        ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            &ta,
            &decoded,
            &destination,
        )
    };
    assert_fails(env.send(&[c, w.clone()], &[&alice]));
    assert_fails(env.send(&[w.clone(), w], &[&alice]));
    assert_eq!(env.operator(&x).unbonding, 100);

    // Position moved to Y: the ticket's operator must be X (not Y, not none).
    ok(env.redelegate(&pool, &alice, &y));
    for wrong in [None, Some(y), Some(z)] {
        let r = cancel_with(&mut env, &pool, &alice, &ta, wrong);
        assert_eq!(custom_error(&r), Some(mismatch), "{wrong:?}");
    }
    ok(cancel_with(&mut env, &pool, &alice, &ta, Some(x)));
    assert_eq!(env.operator(&x).unbonding, 0);
    assert_eq!(env.operator(&y).delegated, 1_000);
    // Bob's undelegated ticket: only without an operator.
    ok(withdraw_with(&mut env, &pool, &bob, &tb, None));
}

/// ATTACK (grief): Mallory tries to drain X's `unbonding` so that Alice's
/// ticket underflows in `end_unbonding`: she opens and releases her own tickets
/// on X in every order (withdraw, cancel back, cancel elsewhere, redelegate
/// in between), passing X as a writable account in each. X's `unbonding`
/// never drops below Alice's ticket (400), and Alice withdraws.
#[test]
fn refuted_others_cannot_drain_an_operators_unbonding() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, capped(10, 10_000));
    let (kx, ky) = (env.new_user(), env.new_user());
    let x = env.register_operator(&pool, &kx, 0, "x");
    let y = env.register_operator(&pool, &ky, 0, "y");
    let (alice, mallory) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &x));
    let (ta, r) = env.unstake(&pool, &alice, 400);
    ok(r);
    ok(env.stake(&pool, &mallory, 1_000));
    ok(env.delegate(&pool, &mallory, &x));
    for round in 0..4 {
        let (t, r) = env.unstake(&pool, &mallory, 100);
        ok(r);
        assert_eq!(env.operator(&x).unbonding, 500);
        match round {
            0 => {
                env.warp(10);
                ok(env.withdraw(&pool, &mallory, &t));
            }
            1 => {
                ok(env.cancel_unbond(&pool, &mallory, &t));
            }
            2 => {
                ok(env.redelegate(&pool, &mallory, &y));
                ok(env.cancel_unbond(&pool, &mallory, &t));
                ok(env.redelegate(&pool, &mallory, &x));
            }
            _ => {
                ok(env.undelegate(&pool, &mallory));
                ok(env.cancel_unbond(&pool, &mallory, &t));
                // Her undelegated ticket cannot release X either.
                let (t2, r) = env.unstake(&pool, &mallory, 50);
                ok(r);
                env.warp(10);
                let rr = withdraw_with(&mut env, &pool, &mallory, &t2, Some(x));
                assert_staking_error(rr, StakingError::OperatorMismatch);
                ok(env.withdraw(&pool, &mallory, &t2));
            }
        }
        assert_eq!(env.operator(&x).unbonding, 400, "round {round}");
    }
    env.warp(10);
    ok(env.withdraw(&pool, &alice, &ta));
    assert_eq!(env.operator(&x).unbonding, 0);
}

// ---------------------------------------------------------------------------
// 4. Mint policy.

/// ATTACK: a "fixed" transfer fee that is not fixed. Token-2022 keeps two fees,
/// `older_transfer_fee` (in force now) and `newer_transfer_fee` (from its
/// epoch on). The fee authority schedules 100% with an unlimited maximum
/// (`set_transfer_fee`, effective two epochs later) and then sets its own
/// authority to None. Before the fix `validate_mint` saw no authority, called
/// it a fixed fee and accepted the mint with no opt-in; two epochs later a
/// withdraw of 1,000,000 delivered 0.
///
/// Now a fee change still scheduled counts like an authority: refused
/// without the opt-in (stake and reward mint), recorded with it; once the
/// scheduled fee is in force (nothing can change any more) the mint is a
/// fixed-fee mint and needs no opt-in.
#[test]
fn refuted_scheduled_fee_then_authority_removed_needs_the_opt_in() {
    let mut env = TestEnv::new();
    let mint = env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFeeWithAuthority(0)]);
    let payer = env.payer.pubkey();
    let set = set_transfer_fee(&TOKEN_2022, &mint, &payer, &[], 10_000, u64::MAX).unwrap();
    let drop_authority = token_ix::set_authority(
        &TOKEN_2022,
        &mint,
        None,
        AuthorityType::TransferFeeConfig,
        &payer,
        &[],
    )
    .unwrap();
    env.send_ok(&[set, drop_authority], &[]);

    let creator = env.new_user();
    assert_staking_error(
        env.try_create_pool(&creator, &mint, 0, params(10)),
        StakingError::MintHasTransferFeeAuthority,
    );
    let other_mint = env.create_mint(SPL_TOKEN, 6);
    let plain = env.create_pool(&other_mint, params(10));
    assert_staking_error(
        env.try_add_stream(&plain, &mint),
        StakingError::MintHasTransferFeeAuthority,
    );
    let accept_fee = AcceptedMintAuthorities {
        freeze: false,
        transfer_fee: true,
    };
    let accepted = env.create_pool(
        &mint,
        InitializePoolParams {
            accepted_mint_authorities: accept_fee,
            ..params(10)
        },
    );
    assert_eq!(env.pool(&accepted).stake_transfer_fee_authority_accepted, 1);

    // Two epochs on, the 100% fee is in force and can never change: fixed.
    let mut clock: Clock = env.svm.get_sysvar();
    clock.epoch += 2;
    env.svm.set_sysvar(&clock);
    let fixed = env.create_pool_with_id(&mint, 1, params(10));
    assert_eq!(env.pool(&fixed).stake_transfer_fee_authority_accepted, 0);
}

/// A Token-2022 mint with one UI-only extension whose authority is the payer.
fn ui_extension_mint(env: &mut TestEnv, interest: bool) -> Pubkey {
    let mint = Keypair::new();
    let payer = env.payer.pubkey();
    let ext = if interest {
        ExtensionType::InterestBearingConfig
    } else {
        ExtensionType::ScaledUiAmount
    };
    let space = ExtensionType::try_calculate_account_len::<Mint>(&[ext]).unwrap();
    let init = if interest {
        interest_bearing_mint::instruction::initialize(
            &TOKEN_2022,
            &mint.pubkey(),
            Some(payer),
            500,
        )
    } else {
        scaled_ui_amount::instruction::initialize(&TOKEN_2022, &mint.pubkey(), Some(payer), 1.0)
    }
    .unwrap();
    let ixs = vec![
        system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            env.svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &TOKEN_2022,
        ),
        init,
        token_ix::initialize_mint2(&TOKEN_2022, &mint.pubkey(), &payer, None, 6).unwrap(),
    ];
    env.send_ok(&ixs, &[&mint]);
    mint.pubkey()
}

/// ATTACK: the allow-listed extensions with their own authorities
/// (InterestBearingConfig's rate authority, ScaledUiAmount's multiplier
/// authority) need no opt-in. Their authority swings the rate to the extremes
/// (-32,768 / +32,767 bps) and the multiplier to 1e-9; raw amounts are what
/// `transfer_checked` moves, so Alice's 1,000,000 comes back as 1,000,000 and
/// the vault is exact. (UI-only: a display concern, not a vault one.)
#[test]
fn refuted_ui_only_mint_authorities_cannot_tax_exits() {
    for interest in [true, false] {
        let mut env = TestEnv::new();
        let mint = ui_extension_mint(&mut env, interest);
        let pool = env.create_pool(&mint, params(10));
        let alice = env.new_user();
        ok(env.stake(&pool, &alice, 1_000_000));
        let payer = env.payer.pubkey();
        let change = if interest {
            interest_bearing_mint::instruction::update_rate(
                &TOKEN_2022,
                &mint,
                &payer,
                &[],
                -32_768,
            )
        } else {
            scaled_ui_amount::instruction::update_multiplier(
                &TOKEN_2022,
                &mint,
                &payer,
                &[],
                1e-9,
                0,
            )
        }
        .unwrap();
        env.send_ok(&[change], &[]);
        env.warp(365 * DAY);
        let (ticket, r) = env.unstake(&pool, &alice, 1_000_000);
        ok(r);
        env.warp(10);
        let tokens = env.token_account(&alice.pubkey(), &mint);
        let before = env.balance(&tokens);
        ok(env.withdraw(&pool, &alice, &ticket));
        assert_eq!(
            env.balance(&tokens) - before,
            1_000_000,
            "interest={interest}"
        );
        assert_eq!(env.balance(&env.pool(&pool).stake_vault), 0);
    }
}
