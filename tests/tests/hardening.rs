//! Regression tests for the outside security review (issue 10), one or more
//! per finding, on the bytecode. Each would fail if its finding came back, and
//! wherever an action is refused the test also shows that users can still
//! leave: claim, unstake and withdraw.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking::state::UnbondTicket;
use staking_client::{instructions as ix, pda};
use staking_tests::scenario::{pool_address, pool_params};
use staking_tests::*;

const Q64_ONE: u128 = 1 << 64;

fn params(unbonding_period: u64) -> InitializePoolParams {
    pool_params(0, unbonding_period)
}

fn ceil_q(q: u128) -> u64 {
    (q.div_ceil(Q64_ONE)) as u64
}

/// Claims every stream; nothing owed is not a failure.
fn claim_any(env: &mut TestEnv, pool: &TestPool, user: &Keypair) {
    let result = env.claim(pool, user, None);
    if custom_error(&result) != Some(StakingError::NothingToClaim as u32 + 6000) {
        ok(result);
    }
}

/// Users can always leave: a claim pays something, the whole stake unstakes,
/// and after the unbonding period the ticket withdraws it all.
#[track_caller]
fn assert_can_leave(env: &mut TestEnv, pool: &TestPool, user: &Keypair) {
    let state = env.pool(pool);
    let before: Vec<u64> = (0..state.reward_stream_count)
        .map(|s| env.reward_balance(pool, &user.pubkey(), s))
        .collect();
    ok(env.claim(pool, user, None));
    let after: Vec<u64> = (0..state.reward_stream_count)
        .map(|s| env.reward_balance(pool, &user.pubkey(), s))
        .collect();
    assert!(
        after.iter().zip(&before).any(|(a, b)| a > b),
        "the claim paid nothing"
    );
    let staked = env.position(pool, &user.pubkey()).staked;
    assert!(staked > 0);
    let (ticket, result) = env.unstake(pool, user, staked);
    ok(result);
    env.warp(state.unbonding_period as i64);
    let tokens = env.token_account(&user.pubkey(), &pool.stake_mint);
    let balance = env.balance(&tokens);
    ok(env.withdraw(pool, user, &ticket));
    assert_eq!(env.balance(&tokens) - balance, staked);
}

/// Every user unstakes everything, withdraws and closes its position; then
/// the authority recovers all it may, and not one unit more. Returns what was
/// recovered, the liability rounded up, and what the vault still holds.
fn leave_close_and_recover(
    env: &mut TestEnv,
    pool: &TestPool,
    users: &[&Keypair],
    stream: u8,
) -> (u64, u64, u64) {
    for user in users {
        let staked = env.position(pool, &user.pubkey()).staked;
        let (ticket, result) = env.unstake(pool, user, staked);
        ok(result);
        ok(env.withdraw(pool, user, &ticket));
        ok(env.close_position(pool, user));
    }
    let state = env.pool(pool).reward_streams[stream as usize];
    let vault = env.balance(&state.reward_vault);
    let held = ceil_q(state.unclaimed_q.get());
    let recovered = vault.saturating_sub(held);
    if recovered > 0 {
        ok(env.recover(pool, stream, recovered).1);
    }
    assert_staking_error(
        env.recover(pool, stream, 1).1,
        StakingError::InsufficientRecoverable,
    );
    (recovered, held, env.balance(&state.reward_vault))
}

/// A pool on an SPL Token stake mint with one funded stream of another mint
/// and Alice staking in it, to show that she can leave after a refusal.
fn pool_with_staker(env: &mut TestEnv) -> (TestPool, Keypair) {
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, params(100));
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 1_000_000, 1_000));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    env.warp(10);
    (pool, alice)
}

/// What the user received on stream 0 (paid into their account) plus what
/// they are owed, exactly, in Q64.64 base units; and the commission their
/// current delegation paid. Settles first (a claim, if anything is owed).
fn settle_and_measure(env: &mut TestEnv, pool: &TestPool, user: &Keypair) -> (u128, u128) {
    claim_any(env, pool, user);
    let paid = env.reward_balance(pool, &user.pubkey(), 0);
    let owed = env.position(pool, &user.pubkey()).rewards[0].owed_q();
    (
        (u128::from(paid) << 64) + owed,
        env.commission_paid_q(pool, &user.pubkey(), 0),
    )
}

/// Asserts that the commission over an interval was `bps` of the gross, to
/// within one base unit.
#[track_caller]
fn assert_commission_rate(start: (u128, u128), end: (u128, u128), bps: u128) {
    let received = end.0 - start.0;
    let commission = end.1 - start.1;
    let gross = received + commission;
    assert!(gross > 1_000 * Q64_ONE, "too little accrued to measure");
    let expected = gross * bps / 10_000;
    assert!(
        commission.abs_diff(expected) <= Q64_ONE,
        "commission {} vs {} bps of {}",
        commission >> 64,
        bps,
        gross >> 64
    );
}

// ---------------------------------------------------------------------------
// Finding 1: mint swap through a close authority.

#[test]
fn finding_1_mints_with_a_close_authority_are_refused() {
    let mut env = TestEnv::new();
    let (pool, alice) = pool_with_staker(&mut env);
    for extensions in [
        vec![MintExtension::MintCloseAuthority],
        vec![
            MintExtension::TransferFee(100),
            MintExtension::MintCloseAuthority,
        ],
    ] {
        // As a stake mint, even with every opt-in the program offers.
        let mint = env.create_mint_with(TOKEN_2022, 6, &extensions);
        let creator = env.new_user();
        let accepting = InitializePoolParams {
            accepted_mint_authorities: ACCEPT_ALL,
            ..params(0)
        };
        assert_staking_error(
            env.try_create_pool(&creator, &mint, 0, accepting),
            StakingError::MintHasCloseAuthority,
        );
        assert!(!env.exists(&pool_address(&mint, &creator.pubkey(), 0)));
        // As a reward mint.
        assert_staking_error(
            env.try_add_stream_accepting(&pool, &mint, ACCEPT_ALL),
            StakingError::MintHasCloseAuthority,
        );
    }
    assert_eq!(env.pool(&pool).reward_stream_count, 1);

    // The extension with no authority set: the mint can never be closed.
    let closed_for_good = env.create_mint_with(
        TOKEN_2022,
        6,
        &[MintExtension::MintCloseAuthorityWithoutAuthority],
    );
    let other = env.create_pool(&closed_for_good, params(0));
    let bob = env.new_user();
    ok(env.stake(&other, &bob, 10));
    env.add_stream(&pool, &closed_for_good);
    assert_eq!(env.pool(&pool).reward_stream_count, 2);

    assert_can_leave(&mut env, &pool, &alice);
}

// ---------------------------------------------------------------------------
// Finding 2: commission erased by frequent syncs.

struct CommissionRun {
    commission: u64,
    alice: u64,
    bob: u64,
    carol: u64,
    /// Left in the vault after everyone claimed and closed, before recovery.
    left: u64,
    /// What recovery could not take (the documented bound: at most 1 + operators).
    held: u64,
}

/// A 10% operator with Alice and Carol (1,000 each) delegated, Bob 18,000
/// undelegated: 1 unit a second for 1,000 s, so the delegated stake earns 0.1
/// a second and commission 0.01 a second (0.5 a unit per 50 s).
/// `poke_every`: Carol claims that often (a permissionless operator sync).
fn commission_run(poke_every: Option<i64>) -> CommissionRun {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, params(0));
    let stream = env.add_stream(&pool, &reward_mint);
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 1_000, "ten-percent");
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &carol, 1_000));
    ok(env.stake(&pool, &bob, 18_000));
    ok(env.delegate(&pool, &alice, &operator));
    ok(env.delegate(&pool, &carol, &operator));
    ok(env.fund(&pool, stream, 1_000, 1_000));
    match poke_every {
        None => env.warp(1_000),
        Some(every) => {
            for _ in 0..1_000 / every {
                env.warp(every);
                ok(env.claim(&pool, &carol, None));
            }
        }
    }
    for user in [&alice, &bob, &carol] {
        claim_any(&mut env, &pool, user);
    }
    ok(env.claim_commission(&pool, &operator_key, stream));
    let commission = env.reward_balance(&pool, &operator_key.pubkey(), stream);

    // Everyone leaves and closes; what is left is recoverable but for the bound.
    for user in [&alice, &carol] {
        ok(env.undelegate(&pool, user));
    }
    let (recovered, held, after) =
        leave_close_and_recover(&mut env, &pool, &[&alice, &bob, &carol], stream);
    let left = recovered + after;
    let paid = |user: &Keypair| env.reward_balance(&pool, &user.pubkey(), stream);
    CommissionRun {
        commission,
        alice: paid(&alice),
        bob: paid(&bob),
        carol: paid(&carol),
        left,
        held,
    }
}

#[test]
fn finding_2_commission_does_not_depend_on_how_often_anyone_syncs() {
    let once = commission_run(None);
    let often = commission_run(Some(50));
    for run in [&once, &often] {
        // 1% of 1,000 emitted: 10 (9 at worst, the last fraction not yet whole).
        assert!((9..=10).contains(&run.commission), "{}", run.commission);
        assert!((44..=45).contains(&run.alice), "alice {}", run.alice);
        assert!((44..=45).contains(&run.carol), "carol {}", run.carol);
        assert!((899..=900).contains(&run.bob), "bob {}", run.bob);
        // Nothing is created: all paid out plus what is left is what was funded.
        assert_eq!(
            run.commission + run.alice + run.bob + run.carol + run.left,
            1_000
        );
        // Stranded at most: one unit of undistributed remainder plus one unit
        // of the operator's fraction (math.rs: 1 + operators).
        assert!(run.held <= 2, "held {}", run.held);
    }
    assert!(once.commission.abs_diff(often.commission) <= 1);
    assert!(once.alice.abs_diff(often.alice) <= 1);
    assert!(once.bob.abs_diff(often.bob) <= 1);
    assert!(once.carol.abs_diff(often.carol) <= 1);
}

// ---------------------------------------------------------------------------
// Finding 3: accrual frequency and stranded dust.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Poke {
    None,
    /// A registered operator's no-op `update_operator` every second: it
    /// accrues the pool without changing any stake.
    OperatorSync,
    /// A bystander's 1-unit stake every second.
    OneUnitStake,
}

/// Alice holds all but one unit of 1e19 staked; 300 units over 600 s (0.5 a
/// second, far below one unit per accrual per staked unit). Returns what she
/// was paid and what recovery left in the vault after everyone closed.
fn accrual_run(poke: Poke) -> (u64, u64, usize) {
    const TOTAL: u64 = 10_000_000_000_000_000_000;
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 0);
    let reward_mint = env.create_mint(SPL_TOKEN, 0);
    let pool = env.create_pool(&stake_mint, params(0));
    let stream = env.add_stream(&pool, &reward_mint);
    let (alice, bystander) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, TOTAL - 1));
    ok(env.stake(&pool, &bystander, 1));
    assert_eq!(env.pool(&pool).total_staked, TOTAL);
    let mut operators = 0;
    if poke == Poke::OperatorSync {
        env.register_operator(&pool, &bystander, 0, "poker");
        operators = 1;
    }
    ok(env.fund(&pool, stream, 300, 600));
    if poke == Poke::None {
        env.warp(600);
    } else {
        for _ in 0..600 {
            env.warp(1);
            match poke {
                Poke::OperatorSync => {
                    ok(env.update_operator(&pool, &bystander, None, None));
                }
                Poke::OneUnitStake => {
                    ok(env.stake(&pool, &bystander, 1));
                }
                Poke::None => unreachable!(),
            }
        }
    }
    env.warp(10);
    claim_any(&mut env, &pool, &alice);
    claim_any(&mut env, &pool, &bystander);
    let alice_paid = env.reward_balance(&pool, &alice.pubkey(), stream);
    let (recovered, _, left) =
        leave_close_and_recover(&mut env, &pool, &[&alice, &bystander], stream);
    let bystander_paid = env.reward_balance(&pool, &bystander.pubkey(), stream);
    assert_eq!(alice_paid + bystander_paid + recovered + left, 300);
    (alice_paid, left, operators)
}

#[test]
fn finding_3_what_a_staker_earns_does_not_depend_on_accrual_frequency() {
    for poke in [Poke::None, Poke::OperatorSync, Poke::OneUnitStake] {
        let (alice, left, operators) = accrual_run(poke);
        assert!(
            (299..=300).contains(&alice),
            "{poke:?}: alice earned {alice}"
        );
        // After everyone claimed and closed, the authority recovered all but
        // at most 1 unit plus one per operator (math.rs).
        assert!(
            left as usize <= 1 + operators,
            "{poke:?}: {left} units stranded"
        );
    }
}

// ---------------------------------------------------------------------------
// Findings 4 and 5: commission increases.

const NOTICE: u64 = 1_000;
const RATE: u64 = 1_000;

/// A pool (notice = unbonding period = `NOTICE`, commission up to 20%) whose
/// stream 0 pays another mint at `RATE` for 20,000 s; an operator at
/// `commission_bps` with Alice and Bob (1,000 each) delegated, Carol (2,000)
/// not.
fn operator_pool(commission_bps: u16) -> (TestEnv, TestPool, Keypair, Pubkey, [Keypair; 3]) {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &stake_mint,
        InitializePoolParams {
            max_commission_bps: 2_000,
            ..params(NOTICE)
        },
    );
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, RATE * 20_000, 20_000));
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, commission_bps, "op");
    let users = [env.new_user(), env.new_user(), env.new_user()];
    ok(env.stake(&pool, &users[0], 1_000));
    ok(env.stake(&pool, &users[1], 1_000));
    ok(env.stake(&pool, &users[2], 2_000));
    ok(env.delegate(&pool, &users[0], &operator));
    ok(env.delegate(&pool, &users[1], &operator));
    (env, pool, operator_key, operator, users)
}

#[test]
fn finding_4_a_scheduled_increase_is_capped_by_the_maximum_in_force_when_it_applies() {
    let (mut env, pool, operator_key, operator, [alice, bob, _carol]) = operator_pool(500);
    ok(env.update_operator(&pool, &operator_key, Some(2_000), None));
    assert_eq!(env.operator(&operator).pending_commission_bps, 2_000);
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            max_commission_bps: Some(600),
            ..Default::default()
        },
    ));
    // A new request above the new maximum is refused outright…
    assert_staking_error(
        env.update_operator(&pool, &operator_key, Some(700), None),
        StakingError::CommissionAboveMaximum,
    );
    // …and the one already scheduled applies as the maximum, not as 20%.
    env.warp(NOTICE as i64 + 1);
    ok(env.update_operator(&pool, &operator_key, None, None));
    let state = env.operator(&operator);
    assert_eq!(
        (
            state.commission_bps,
            state.pending_commission_bps,
            state.pending_commission_at
        ),
        (600, 0, 0)
    );
    let start = settle_and_measure(&mut env, &pool, &alice);
    env.warp(1_000);
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_commission_rate(start, end, 600);

    assert_can_leave(&mut env, &pool, &bob);
}

#[test]
fn finding_4_a_due_increase_is_applied_only_by_the_operator() {
    let (mut env, pool, operator_key, operator, [alice, bob, carol]) = operator_pool(1_000);
    ok(env.update_operator(&pool, &operator_key, Some(2_000), None));
    let due = env.operator(&operator).pending_commission_at;
    env.warp(NOTICE as i64 + 100);
    assert!(env.now() > due);

    // Past its time, everything anyone else does syncs the operator but does
    // not apply the increase: claims, stakes and unstakes of its delegators, a
    // new delegation, the pool authority's actions.
    let start = settle_and_measure(&mut env, &pool, &alice);
    ok(env.stake(&pool, &bob, 1));
    ok(env.unstake(&pool, &bob, 1).1);
    ok(env.delegate(&pool, &carol, &operator));
    ok(env.update_pool(&pool, UpdatePoolParams::default()));
    env.warp(500);
    ok(env.claim(&pool, &bob, None));
    let state = env.operator(&operator);
    assert_eq!(
        (
            state.commission_bps,
            state.pending_commission_bps,
            state.pending_commission_at
        ),
        (1_000, 2_000, due)
    );
    // Alice paid 10% all along, though the increase was due.
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_commission_rate(start, end, 1_000);

    // The operator's own claim applies it; from then on it is 20%.
    ok(env.claim_commission(&pool, &operator_key, 0));
    assert_eq!(env.operator(&operator).commission_bps, 2_000);
    let start = settle_and_measure(&mut env, &pool, &alice);
    env.warp(1_000);
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_commission_rate(start, end, 2_000);
}

#[test]
fn finding_5_reactivation_is_an_increase_with_notice() {
    let (mut env, pool, operator_key, operator, [alice, bob, _carol]) = operator_pool(1_000);
    env.warp(100);
    ok(env.set_operator_active(&pool, &operator, false));
    let start = settle_and_measure(&mut env, &pool, &alice);
    env.warp(500);
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_eq!(end.1, start.1, "no commission while inactive");

    ok(env.set_operator_active(&pool, &operator, true));
    let reactivated_at = env.now();
    let state = env.operator(&operator);
    assert!(state.is_active());
    assert_eq!(
        (
            state.commission_bps,
            state.pending_commission_bps,
            state.pending_commission_at
        ),
        (0, 1_000, reactivated_at + NOTICE as i64)
    );
    // 0% through the notice…
    let start = settle_and_measure(&mut env, &pool, &alice);
    env.warp(NOTICE as i64 / 2);
    let mid = settle_and_measure(&mut env, &pool, &alice);
    assert_eq!(mid.1, start.1, "no commission during the notice");
    assert!(mid.0 > start.0);
    // …and after it, until the operator itself applies it (others' actions
    // do not).
    env.warp(NOTICE as i64);
    ok(env.claim(&pool, &bob, None));
    ok(env.stake(&pool, &bob, 1));
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_eq!(end.1, start.1, "not applied by others' actions");
    assert_eq!(env.operator(&operator).commission_bps, 0);

    ok(env.update_operator(&pool, &operator_key, None, None));
    assert_eq!(env.operator(&operator).commission_bps, 1_000);
    let start = settle_and_measure(&mut env, &pool, &alice);
    env.warp(1_000);
    let end = settle_and_measure(&mut env, &pool, &alice);
    assert_commission_rate(start, end, 1_000);

    // With nobody delegated there is nobody to give notice to: restored at once.
    let lonely_key = env.new_user();
    let lonely = env.register_operator(&pool, &lonely_key, 1_500, "lonely");
    ok(env.set_operator_active(&pool, &lonely, false));
    ok(env.set_operator_active(&pool, &lonely, true));
    let state = env.operator(&lonely);
    assert_eq!(
        (state.commission_bps, state.pending_commission_at),
        (1_500, 0)
    );

    env.warp(10);
    assert_can_leave(&mut env, &pool, &alice);
}

// ---------------------------------------------------------------------------
// Finding 6: the share cap.

#[test]
fn finding_6_the_share_cap_holds_on_every_addition_and_traps_nobody() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let other_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &stake_mint,
        InitializePoolParams {
            max_operator_share_bps: Some(5_000),
            ..params(100)
        },
    );
    let own = env.add_stream(&pool, &stake_mint); // compoundable
    let other = env.add_stream(&pool, &other_mint);
    ok(env.fund(&pool, own, 1_000_000, 10_000));
    ok(env.fund(&pool, other, 1_000_000, 10_000));
    let op_key = env.new_user();
    let op = env.register_operator(&pool, &op_key, 1_000, "capped");
    let op2_key = env.new_user();
    let op2 = env.register_operator(&pool, &op2_key, 1_000, "other");
    let [alice, carol, dave, erin, mallory] = [(); 5].map(|_| env.new_user());
    ok(env.stake(&pool, &mallory, 1_000));
    ok(env.stake(&pool, &carol, 500));
    ok(env.stake(&pool, &dave, 500));
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &erin, 200));
    // Erin's ticket is unstaked while undelegated: it comes from elsewhere.
    let (erin_ticket, result) = env.unstake(&pool, &erin, 100);
    ok(result);
    assert_eq!(env.ticket(&erin_ticket).operator, Pubkey::default());
    ok(env.delegate(&pool, &alice, &op));
    ok(env.delegate(&pool, &erin, &op));
    ok(env.delegate(&pool, &dave, &op2));
    // 1,100 of 3,100: room for 450 more, not Carol's 500.
    assert_staking_error(
        env.delegate(&pool, &carol, &op),
        StakingError::OperatorShareCapExceeded,
    );

    // Mallory's exit pushes the operator over the cap (1,100 of 2,100). It
    // cannot be refused: that would trap Mallory.
    let (mallory_ticket, result) = env.unstake(&pool, &mallory, 1_000);
    ok(result);
    assert_eq!(env.pool(&pool).total_staked, 2_100);
    assert_eq!(env.operator(&op).delegated, 1_100);

    // Every path that adds new stake to it is refused.
    assert_staking_error(
        env.delegate(&pool, &carol, &op),
        StakingError::OperatorShareCapExceeded,
    );
    assert_staking_error(
        env.redelegate(&pool, &dave, &op),
        StakingError::OperatorShareCapExceeded,
    );
    assert_staking_error(
        env.stake(&pool, &alice, 1),
        StakingError::OperatorShareCapExceeded,
    );
    assert_staking_error(
        env.cancel_unbond(&pool, &erin, &erin_ticket),
        StakingError::OperatorShareCapExceeded,
    );
    assert_eq!(env.operator(&op).delegated, 1_100);

    // Its delegators are not trapped: they compound, cancel an unbond of their
    // own stake back to it, claim, unstake and withdraw.
    env.warp(100);
    let staked = env.position(&pool, &alice.pubkey()).staked;
    ok(env.compound(&pool, &alice, own));
    let compounded = env.position(&pool, &alice.pubkey()).staked - staked;
    assert!(compounded > 0);
    assert_eq!(env.operator(&op).delegated, 1_100 + compounded);
    let (alice_ticket, result) = env.unstake(&pool, &alice, 300);
    ok(result);
    assert_eq!(env.ticket(&alice_ticket).operator, op);
    ok(env.cancel_unbond(&pool, &alice, &alice_ticket));
    assert_eq!(env.operator(&op).delegated, 1_100 + compounded);
    assert!(!env.exists(&alice_ticket));
    assert_can_leave(&mut env, &pool, &alice);
    // Erin's refused ticket still withdraws; so does Mallory's.
    ok(env.withdraw(&pool, &erin, &erin_ticket));
    ok(env.withdraw(&pool, &mallory, &mallory_ticket));
    assert_can_leave(&mut env, &pool, &erin);
    assert_can_leave(&mut env, &pool, &dave);
    let _ = op2_key;
}

/// The operator a ticket left keeps the ticket's room until the ticket is
/// withdrawn or cancelled; `withdraw` and `cancel_unbond` release it only
/// through exactly that operator's account, so nobody can release another
/// operator's room or keep one reserved.
#[test]
fn finding_6_a_tickets_room_is_released_only_with_its_own_operator() {
    // Alice and another 1,000 delegated to X; Bob 2,000 undelegated.
    let (mut env, pool, _, x, [alice, _, bob]) = operator_pool(500);
    let y_key = env.new_user();
    let y = env.register_operator(&pool, &y_key, 500, "y");
    let (ticket, result) = env.unstake(&pool, &alice, 400);
    ok(result);
    let (bob_ticket, result) = env.unstake(&pool, &bob, 100);
    ok(result);
    assert_eq!(
        (env.operator(&x).delegated, env.operator(&x).unbonding),
        (1_600, 400)
    );
    env.warp(env.pool(&pool).unbonding_period as i64);

    let state = env.pool(&pool);
    let tagged = |operator: Pubkey| UnbondTicket {
        operator,
        ..bytemuck::Zeroable::zeroed()
    };
    let alice_tokens = env.token_account(&alice.pubkey(), &pool.stake_mint);
    let bob_tokens = env.token_account(&bob.pubkey(), &pool.stake_mint);
    let withdraw = |owner: &Keypair, ticket: &Pubkey, read_as: UnbondTicket, tokens: &Pubkey| {
        ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &owner.pubkey(),
            ticket,
            &read_as,
            tokens,
        )
    };
    // Alice's ticket without its operator, or with another one.
    for read_as in [tagged(Pubkey::default()), tagged(y)] {
        assert_staking_error(
            env.send(
                &[withdraw(&alice, &ticket, read_as, &alice_tokens)],
                &[&alice],
            ),
            StakingError::OperatorMismatch,
        );
    }
    // Bob's undelegated ticket cannot release X's room.
    assert_staking_error(
        env.send(
            &[withdraw(&bob, &bob_ticket, tagged(x), &bob_tokens)],
            &[&bob],
        ),
        StakingError::OperatorMismatch,
    );
    assert_eq!(env.operator(&x).unbonding, 400);

    // Cancelled into Y (Alice moved): X's account must come along.
    ok(env.redelegate(&pool, &alice, &y));
    let cancel = |read_as: UnbondTicket| {
        ix::cancel_unbond(
            &staking::ID,
            &pool.address,
            &alice.pubkey(),
            Some(&y),
            &ticket,
            &read_as,
        )
    };
    for read_as in [tagged(Pubkey::default()), tagged(bob.pubkey())] {
        assert!(custom_error(&env.send(&[cancel(read_as)], &[&alice])).is_some());
    }
    assert_eq!(env.operator(&x).unbonding, 400);
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    assert_eq!(
        (env.operator(&x).delegated, env.operator(&x).unbonding),
        (1_000, 0)
    );
    assert_eq!(env.operator(&y).delegated, 1_000);
    ok(env.withdraw(&pool, &bob, &bob_ticket));
    assert_can_leave(&mut env, &pool, &alice);
    assert_can_leave(&mut env, &pool, &bob);
    assert_eq!(env.operator(&y).unbonding, 0);
}

// ---------------------------------------------------------------------------
// Finding 7: a plain freeze authority.

#[test]
fn finding_7_a_freeze_authority_needs_an_opt_in_recorded_in_the_pool() {
    let mut env = TestEnv::new();
    let (pool, alice) = pool_with_staker(&mut env);
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let mint = env.create_mint_with_freeze_authority(token_program, 6, &[]);
        // As a stake mint: refused without the opt-in, recorded with it.
        let creator = env.new_user();
        assert_staking_error(
            env.try_create_pool(&creator, &mint, 0, params(0)),
            StakingError::MintHasFreezeAuthority,
        );
        let accepting = InitializePoolParams {
            accepted_mint_authorities: ACCEPT_FREEZE,
            ..params(0)
        };
        let frozen_ok = env.create_pool_by(creator, &mint, 0, accepting.clone());
        assert_eq!(env.pool(&frozen_ok).stake_freeze_authority_accepted, 1);
        // As a reward mint: the same.
        assert_staking_error(
            env.try_add_stream(&pool, &mint),
            StakingError::MintHasFreezeAuthority,
        );
        ok(env.try_add_stream_accepting(&pool, &mint, ACCEPT_FREEZE));
        let state = env.pool(&pool);
        let stream = state.streams().last().copied().unwrap();
        assert_eq!(
            (stream.reward_mint, stream.freeze_authority_accepted),
            (mint, 1)
        );

        // The opt-in records a fact about the mint: without a freeze
        // authority, nothing is recorded as accepted.
        let plain = env.create_mint(token_program, 6);
        let plain_pool = env.create_pool(&plain, accepting);
        assert_eq!(env.pool(&plain_pool).stake_freeze_authority_accepted, 0);
    }
    let plain_reward = env.create_mint(SPL_TOKEN, 6);
    ok(env.try_add_stream_accepting(&pool, &plain_reward, ACCEPT_FREEZE));
    let state = env.pool(&pool);
    assert_eq!(state.streams().last().unwrap().freeze_authority_accepted, 0);
    assert_eq!(state.streams()[0].freeze_authority_accepted, 0);
    assert_eq!(state.stake_freeze_authority_accepted, 0);

    assert_can_leave(&mut env, &pool, &alice);
}

// ---------------------------------------------------------------------------
// Finding 8: pool squatting.

#[test]
fn finding_8_the_pool_address_binds_its_creator() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let team = env.new_user();
    let squatter = env.new_user();
    let team_pool = pool_address(&mint, &team.pubkey(), 0);

    // The squatter's pool 0 for the mint is another address.
    let squat = env.create_pool_by(
        squatter.insecure_clone(),
        &mint,
        0,
        params(365 * DAY as u64),
    );
    assert_ne!(squat.address, team_pool);
    assert!(!env.exists(&team_pool));
    // The team's address cannot be taken by another signer: its seeds name the team.
    let token_program = env.owner_program(&mint);
    let forged = ix::initialize_pool(
        &staking::ID,
        &squatter.pubkey(),
        &mint,
        &token_program,
        0,
        params(365 * DAY as u64),
    );
    let forged = substitute(
        substitute(forged, &squat.address, &team_pool),
        &pda::stake_vault(&staking::ID, &squat.address),
        &pda::stake_vault(&staking::ID, &team_pool),
    );
    assert_anchor_error(
        env.send(&[forged], &[&squatter]),
        AnchorError::ConstraintSeeds,
    );
    assert!(!env.exists(&team_pool));

    // The team's own creation still succeeds, at the address it expects.
    let pool = env.create_pool_by(team, &mint, 0, params(100));
    assert_eq!(pool.address, team_pool);
    let state = env.pool(&pool);
    assert_eq!(
        (state.creator, state.authority, state.pool_id),
        (pool.authority.pubkey(), pool.authority.pubkey(), 0)
    );

    // The creator stays a seed when the authority moves on; the vault still
    // signs with it, so stakers still leave.
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 10_000, 1_000));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    env.warp(100);
    let successor = env.new_user();
    ok(env.send(
        &[ix::transfer_authority(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            &successor.pubkey(),
        )],
        &[&pool.authority],
    ));
    ok(env.send(
        &[ix::accept_authority(
            &staking::ID,
            &successor.pubkey(),
            &pool.address,
        )],
        &[&successor],
    ));
    let state = env.pool(&pool);
    assert_eq!(
        (state.creator, state.authority),
        (pool.authority.pubkey(), successor.pubkey())
    );
    assert_can_leave(&mut env, &pool, &alice);
}

// ---------------------------------------------------------------------------
// The error ABI and the specific errors that replaced ConstraintHasOne.

#[test]
fn error_codes_are_an_append_only_abi() {
    use anchor_lang::error::ERROR_CODE_OFFSET;
    let code = |e: StakingError| e as u32 + ERROR_CODE_OFFSET;
    assert_eq!(ERROR_CODE_OFFSET, 6_000);
    // Codes clients already match on (the committed IDL before the review).
    assert_eq!(code(StakingError::ZeroAmount), 6_000);
    assert_eq!(code(StakingError::TicketLocked), 6_013);
    assert_eq!(code(StakingError::OperatorShareCapExceeded), 6_036);
    assert_eq!(code(StakingError::MathOverflow), 6_043);
    // The review's codes, appended after it.
    let appended = [
        StakingError::MintHasCloseAuthority,
        StakingError::MintHasFreezeAuthority,
        StakingError::NotPoolAuthority,
        StakingError::NotOperatorAuthority,
        StakingError::NotPositionOwner,
        StakingError::NotTicketOwner,
        StakingError::PoolMismatch,
        StakingError::TicketPositionMismatch,
        StakingError::InvalidStakeMint,
        StakingError::InvalidStakeVault,
        StakingError::MintHasTransferFeeAuthority,
    ];
    for (i, error) in appended.into_iter().enumerate() {
        assert_eq!(code(error), 6_044 + i as u32);
    }
    // And on the bytecode.
    let mut env = TestEnv::new();
    let (pool, alice) = pool_with_staker(&mut env);
    assert_eq!(custom_error(&env.stake(&pool, &alice, 0)), Some(6_000));
    let intruder = env.new_user();
    let forged = ix::update_pool(
        &staking::ID,
        &intruder.pubkey(),
        &pool.address,
        UpdatePoolParams::default(),
    );
    assert_eq!(
        custom_error(&env.send(&[forged], &[&intruder])),
        Some(6_046)
    );
}

#[test]
fn someone_elses_ticket_pool_or_operator_gets_a_specific_error() {
    let mut env = TestEnv::new();
    let (pool, alice) = pool_with_staker(&mut env);
    let mallory = env.new_user();
    ok(env.stake(&pool, &mallory, 10));
    let (ticket, result) = env.unstake(&pool, &alice, 100);
    ok(result);
    env.warp(env.pool(&pool).unbonding_period as i64);

    // Alice's ticket with Mallory's own position.
    let state = env.pool(&pool);
    let mallory_tokens = env.token_account(&mallory.pubkey(), &pool.stake_mint);
    let withdraw = ix::withdraw(
        &staking::ID,
        &pool.address,
        &state,
        &mallory.pubkey(),
        &ticket,
        &env.ticket(&ticket),
        &mallory_tokens,
    );
    assert_staking_error(
        env.send(&[withdraw], &[&mallory]),
        StakingError::NotTicketOwner,
    );
    let cancel = ix::cancel_unbond(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        None,
        &ticket,
        &env.ticket(&ticket),
    );
    assert_staking_error(
        env.send(&[cancel], &[&mallory]),
        StakingError::NotTicketOwner,
    );

    // Not the pool's authority.
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 500, "op");
    let as_mallory = ix::set_operator_active(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        &operator,
        false,
    );
    assert_staking_error(
        env.send(&[as_mallory], &[&mallory]),
        StakingError::NotPoolAuthority,
    );
    let mallory_rewards =
        env.token_account(&mallory.pubkey(), &state.reward_streams[0].reward_mint);
    let recover = ix::recover_undistributed(
        &staking::ID,
        &mallory.pubkey(),
        &pool.address,
        &state,
        0,
        &mallory_rewards,
        1,
    )
    .unwrap();
    assert_staking_error(
        env.send(&[recover], &[&mallory]),
        StakingError::NotPoolAuthority,
    );

    // Not the operator's authority.
    let mut update = ix::update_operator(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        Some(0),
        None,
    );
    update.accounts[2].pubkey = operator;
    assert_staking_error(
        env.send(&[update], &[&mallory]),
        StakingError::NotOperatorAuthority,
    );
    let mut claim =
        ix::claim_commission(&staking::ID, &pool.address, &state, &mallory.pubkey(), 0).unwrap();
    claim.accounts[2].pubkey = operator;
    assert_staking_error(
        env.send(&[claim], &[&mallory]),
        StakingError::NotOperatorAuthority,
    );

    // An operator of another pool.
    let other_pool = env.create_pool(&pool.stake_mint, params(0));
    let foreign = env.register_operator(&other_pool, &op_key, 0, "elsewhere");
    assert_staking_error(
        env.delegate(&pool, &mallory, &foreign),
        StakingError::PoolMismatch,
    );

    ok(env.withdraw(&pool, &alice, &ticket));
    assert_can_leave(&mut env, &pool, &alice);
    assert_can_leave(&mut env, &pool, &mallory);
}
