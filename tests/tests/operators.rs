//! Delegated staking on the bytecode: operators, commission and its notice
//! period, deactivation, the share cap, and the attacks that apply.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking_client::{instructions as ix, pda};
use staking_tests::scenario::pool_params;
use staking_tests::*;

const WEEK: u64 = 7 * DAY as u64;
/// Reward emission: 1,000 base units a second for 10,000 seconds.
const RATE: u64 = 1_000;
const PERIOD: u64 = 10_000;

/// A pool with one stream paying the stake mint at `RATE`, and an operator
/// charging `commission_bps`.
fn setup(
    params: InitializePoolParams,
    commission_bps: u16,
) -> (TestEnv, TestPool, Keypair, Pubkey) {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, params);
    env.add_stream(&pool, &mint);
    ok(env.fund(&pool, 0, RATE * PERIOD, PERIOD));
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, commission_bps, "validator-1");
    (env, pool, operator_key, operator)
}

fn open_pool() -> InitializePoolParams {
    InitializePoolParams {
        max_commission_bps: 2_000,
        ..pool_params(1, WEEK)
    }
}

/// What a claim would pay the user on stream 0 right now, after claiming it.
fn claimed(env: &mut TestEnv, pool: &TestPool, user: &Keypair) -> u64 {
    let before = env.reward_balance(pool, &user.pubkey(), 0);
    ok(env.claim(pool, user, None));
    env.reward_balance(pool, &user.pubkey(), 0) - before
}

/// The commission taken from the user's stream-0 rewards during the current
/// delegation, whole base units (kept in the delegation, in Q64.64).
fn commission_paid(env: &TestEnv, pool: &TestPool, user: &Keypair) -> u64 {
    env.commission_paid(pool, &user.pubkey(), 0)
}

/// What the user is owed on stream 0 plus what was paid, exactly (Q64.64).
fn received_q(env: &TestEnv, pool: &TestPool, user: &Keypair, paid: u64) -> u128 {
    let reward = env.position(pool, &user.pubkey()).rewards[0];
    (u128::from(paid) << 64) + reward.owed_q()
}

#[test]
fn register_validates_and_records_the_operator() {
    let (mut env, pool, operator_key, operator) = setup(open_pool(), 500);
    let state = env.operator(&operator);
    assert_eq!(state.pool, pool.address);
    assert_eq!(state.authority, operator_key.pubkey());
    assert_eq!(state.name(), "validator-1");
    assert_eq!((state.commission_bps, state.is_active()), (500, true));
    assert_eq!(state.delegated, 0);

    let other = env.new_user();
    assert_staking_error(
        env.try_register_operator(&pool, &other, 2_001, "greedy"),
        StakingError::CommissionAboveMaximum,
    );
    assert_staking_error(
        env.try_register_operator(&pool, &other, 10_001, "greedy"),
        StakingError::InvalidCommission,
    );
    assert_staking_error(
        env.try_register_operator(&pool, &other, 100, &"x".repeat(33)),
        StakingError::OperatorNameTooLong,
    );
    assert!(!env.exists(&pda::operator(&staking::ID, &pool.address, &other.pubkey())));
    // One operator per authority and pool.
    assert_fails(env.try_register_operator(&pool, &operator_key, 100, "again"));

    assert_eq!(
        env.update_operator(&pool, &operator_key, None, Some("renamed"))
            .map(|_| env.operator(&operator).name()),
        Ok("renamed".to_string())
    );
}

#[test]
fn pools_requiring_approval_start_operators_inactive() {
    let params = InitializePoolParams {
        operator_approval_required: true,
        ..open_pool()
    };
    let (mut env, pool, operator_key, operator) = setup(params, 500);
    assert!(!env.operator(&operator).is_active());
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    assert_staking_error(
        env.delegate(&pool, &alice, &operator),
        StakingError::OperatorInactive,
    );
    // Only the pool authority approves, not the operator itself.
    let self_approval = ix::set_operator_active(
        &staking::ID,
        &pool.address,
        &operator_key.pubkey(),
        &operator,
        true,
    );
    assert_staking_error(
        env.send(&[self_approval], &[&operator_key]),
        StakingError::NotPoolAuthority,
    );
    ok(env.set_operator_active(&pool, &operator, true));
    assert_staking_error(
        env.set_operator_active(&pool, &operator, true),
        StakingError::OperatorStatusUnchanged,
    );
    ok(env.delegate(&pool, &alice, &operator));
    assert_eq!(env.operator(&operator).delegated, 1_000);

    // The setting can be turned off later.
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            operator_approval_required: Some(false),
            ..Default::default()
        },
    ));
    let bob = env.new_user();
    let second = env.register_operator(&pool, &bob, 0, "open");
    assert!(env.operator(&second).is_active());
}

#[test]
fn commission_splits_rewards_and_the_operator_claims_it() {
    let (mut env, pool, operator_key, operator) = setup(open_pool(), 1_000);
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    assert_eq!(env.operator_of(&pool, &alice.pubkey()), Some(operator));
    assert_eq!(env.delegation(&pool, &alice.pubkey()).operator, operator);
    env.warp(1_000);

    // Equal stake: Bob earns the gross, Alice 90% of it, the operator 10%.
    let bob_paid = claimed(&mut env, &pool, &bob);
    let alice_paid = claimed(&mut env, &pool, &alice);
    let alice_commission = commission_paid(&env, &pool, &alice);
    assert!((499_990..=500_000).contains(&bob_paid), "bob {bob_paid}");
    // Exactly: what Alice received (paid plus the fraction still owed) and what
    // commission took add up to Bob's gross, to the last Q64.64 unit.
    assert_eq!(
        received_q(&env, &pool, &alice, alice_paid)
            + env.commission_paid_q(&pool, &alice.pubkey(), 0),
        received_q(&env, &pool, &bob, bob_paid)
    );
    assert!(
        alice_commission.abs_diff(bob_paid / 10) <= 1,
        "{alice_commission}"
    );

    let operator_tokens = pda::token_account(&operator_key.pubkey(), &pool.stake_mint, &SPL_TOKEN);
    ok(env.claim_commission(&pool, &operator_key, 0));
    // Alice is its only delegator: it earned exactly what she paid.
    let earned = env.balance(&operator_tokens);
    assert_eq!(earned, alice_commission);
    let state = env.operator(&operator);
    assert_eq!(state.streams[0].commission_claimed, earned);
    assert_eq!(state.streams[0].commission_owed, 0);
    assert_staking_error(
        env.claim_commission(&pool, &operator_key, 0),
        StakingError::NothingToClaim,
    );
    // Someone else cannot claim it, nor send it elsewhere.
    let mallory = env.new_user();
    env.warp(100);
    let state = env.pool(&pool);
    let mut steal =
        ix::claim_commission(&staking::ID, &pool.address, &state, &mallory.pubkey(), 0).unwrap();
    steal.accounts[2].pubkey = operator;
    env.token_account(&mallory.pubkey(), &pool.stake_mint);
    assert_staking_error(
        env.send(&[steal], &[&mallory]),
        StakingError::NotOperatorAuthority,
    );
    let mallory_tokens = env.token_account(&mallory.pubkey(), &pool.stake_mint);
    let redirected = substitute(
        ix::claim_commission(
            &staking::ID,
            &pool.address,
            &state,
            &operator_key.pubkey(),
            0,
        )
        .unwrap(),
        &operator_tokens,
        &mallory_tokens,
    );
    assert_staking_error(
        env.send(&[redirected], &[&operator_key]),
        StakingError::InvalidDestination,
    );
}

#[test]
fn each_interval_bears_the_commission_in_force_during_it() {
    // Alice alone, delegated, never settling until the end: 10% for the first
    // 1,000 s, 5% (a decrease, at once) for the next 2,000 s.
    let (mut env, pool, operator_key, operator) = setup(open_pool(), 1_000);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    env.warp(1_000);
    ok(env.update_operator(&pool, &operator_key, Some(500), None));
    assert_eq!(env.operator(&operator).commission_bps, 500);
    env.warp(2_000);
    let paid = claimed(&mut env, &pool, &alice);
    let commission = commission_paid(&env, &pool, &alice);
    let gross = 3_000 * RATE;
    assert!(gross - (paid + commission) <= 2, "{paid} + {commission}");
    let expected = 1_000 * RATE / 10 + 2_000 * RATE / 20;
    assert!(
        commission.abs_diff(expected) <= 2,
        "{commission} vs {expected}"
    );
}

#[test]
fn commission_increases_wait_for_the_notice_period() {
    // Notice = the unbonding period, short here so emission is still running.
    const NOTICE: u64 = 2_000;
    let params = InitializePoolParams {
        max_commission_bps: 2_000,
        ..pool_params(1, NOTICE)
    };
    let (mut env, pool, operator_key, operator) = setup(params, 1_000);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    let scheduled_at = env.now();
    ok(env.update_operator(&pool, &operator_key, Some(2_000), None));
    let state = env.operator(&operator);
    assert_eq!(state.commission_bps, 1_000);
    assert_eq!(state.pending_commission_bps, 2_000);
    assert_eq!(state.pending_commission_at, scheduled_at + NOTICE as i64);
    // Above the pool's maximum: refused outright.
    assert_staking_error(
        env.update_operator(&pool, &operator_key, Some(2_001), None),
        StakingError::CommissionAboveMaximum,
    );

    // An attempt to apply it early: syncing before its time changes nothing.
    env.warp(1_000);
    ok(env.update_operator(&pool, &operator_key, None, Some("still 10%")));
    let paid = claimed(&mut env, &pool, &alice);
    let commission = commission_paid(&env, &pool, &alice);
    assert_eq!(env.operator(&operator).commission_bps, 1_000);
    assert!(commission.abs_diff((paid + commission) / 10) <= 1);

    // Delegators can leave within the notice: unbonding takes exactly as long.
    // After it, the operator's own next instruction applies the increase (what
    // accrued until then is settled at 10%); from then on it is 20%. Another
    // user's sync never applies it (tests/tests/hardening.rs).
    env.warp(NOTICE as i64);
    ok(env.update_operator(&pool, &operator_key, None, None));
    let state = env.operator(&operator);
    assert_eq!(
        (state.commission_bps, state.pending_commission_at),
        (2_000, 0)
    );
    let paid = claimed(&mut env, &pool, &alice);
    let commission = commission_paid(&env, &pool, &alice) - commission;
    assert!(
        commission.abs_diff((paid + commission) / 10) <= 1,
        "{commission}"
    );
    let before = commission_paid(&env, &pool, &alice);
    env.warp(500);
    let paid = claimed(&mut env, &pool, &alice);
    let commission = commission_paid(&env, &pool, &alice) - before;
    assert!(
        commission.abs_diff((paid + commission) / 5) <= 1,
        "{commission}"
    );

    // A decrease cancels a pending increase and applies at once.
    ok(env.update_operator(&pool, &operator_key, Some(2_000), None));
    ok(env.update_operator(&pool, &operator_key, Some(1_500), None));
    ok(env.update_operator(&pool, &operator_key, Some(1_600), None));
    ok(env.update_operator(&pool, &operator_key, Some(800), None));
    let state = env.operator(&operator);
    assert_eq!(
        (
            state.commission_bps,
            state.pending_commission_bps,
            state.pending_commission_at
        ),
        (800, 0, 0)
    );
}

#[test]
fn deactivated_operators_charge_nothing_and_take_no_new_delegations() {
    let (mut env, pool, _operator_key, operator) = setup(open_pool(), 1_000);
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    env.warp(100);
    let vault = env.pool(&pool).reward_streams[0].reward_vault;
    let vault_before = env.balance(&vault);
    ok(env.set_operator_active(&pool, &operator, false));
    assert_eq!(env.balance(&vault), vault_before, "no funds move");

    let before = {
        ok(env.claim(&pool, &alice, None));
        commission_paid(&env, &pool, &alice)
    };
    env.warp(1_000);
    ok(env.claim(&pool, &alice, None));
    assert_eq!(
        commission_paid(&env, &pool, &alice),
        before,
        "no commission while inactive"
    );
    assert_staking_error(
        env.delegate(&pool, &bob, &operator),
        StakingError::OperatorInactive,
    );
    // Its delegators can still move, and can leave.
    let other_key = env.new_user();
    let other = env.register_operator(&pool, &other_key, 300, "validator-2");
    ok(env.redelegate(&pool, &alice, &other));
    assert_eq!(env.operator(&operator).delegated, 0);
    assert_eq!(env.operator(&other).delegated, 1_000);
    assert_staking_error(
        env.redelegate(&pool, &alice, &operator),
        StakingError::OperatorInactive,
    );
}

#[test]
fn switching_operators_neither_gains_nor_loses() {
    // Alice and Bob are identical except that Alice switches between two
    // operators with the same commission and Bob stays.
    let (mut env, pool, _operator_key, first) = setup(open_pool(), 1_000);
    let second_key = env.new_user();
    let second = env.register_operator(&pool, &second_key, 1_000, "validator-2");
    let (alice, bob) = (env.new_user(), env.new_user());
    for user in [&alice, &bob] {
        ok(env.stake(&pool, user, 1_000));
        ok(env.delegate(&pool, user, &first));
    }
    env.warp(700);
    ok(env.redelegate(&pool, &alice, &second));
    assert_eq!(env.delegation(&pool, &alice.pubkey()).operator, second);
    env.warp(700);
    // Settled at the same moment, while still delegated (the commission paid
    // is kept in the delegation, which undelegating closes).
    let alice_paid = claimed(&mut env, &pool, &alice);
    let bob_paid = claimed(&mut env, &pool, &bob);
    assert!(
        alice_paid.abs_diff(bob_paid) <= 1,
        "{alice_paid} vs {bob_paid}"
    );
    let (a, b) = (
        commission_paid(&env, &pool, &alice),
        commission_paid(&env, &pool, &bob),
    );
    assert!(a.abs_diff(b) <= 1, "{a} vs {b}");
    assert!(a.abs_diff(1_400 * RATE / 2 / 10) <= 1, "{a}");

    let position = pool.position_address(&alice.pubkey());
    let delegation = pda::delegation(&staking::ID, &position);
    let rent = env.lamports(&delegation);
    let lamports_before = env.lamports(&alice.pubkey());
    ok(env.undelegate(&pool, &alice));
    assert!(!env.exists(&delegation));
    assert_eq!(env.lamports(&alice.pubkey()), lamports_before + rent);
    assert_eq!(env.operator_of(&pool, &alice.pubkey()), None);
    ok(env.undelegate(&pool, &bob));
    assert_eq!(env.operator(&first).delegated, 0);
    assert_eq!(env.operator(&second).delegated, 0);

    // Undelegated: nothing more goes to commission; both earn the gross.
    env.warp(500);
    let alice_paid = claimed(&mut env, &pool, &alice);
    let bob_paid = claimed(&mut env, &pool, &bob);
    assert!(alice_paid.abs_diff(bob_paid) <= 1);
    assert!(alice_paid.abs_diff(500 * RATE / 2) <= 1, "{alice_paid}");
    // Its delegation account is gone, so it cannot be undelegated again.
    let again = ix::undelegate(&staking::ID, &pool.address, &alice.pubkey(), &first);
    assert_anchor_error(
        env.send(&[again], &[&alice]),
        AnchorError::AccountOwnedByWrongProgram,
    );
}

#[test]
fn stake_changes_keep_the_operator_total_in_step() {
    let (mut env, pool, _operator_key, operator) = setup(open_pool(), 1_000);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    ok(env.stake(&pool, &alice, 500));
    assert_eq!(env.operator(&operator).delegated, 1_500);
    let (ticket, result) = env.unstake(&pool, &alice, 400);
    ok(result);
    assert_eq!(env.operator(&operator).delegated, 1_100);
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    assert_eq!(env.operator(&operator).delegated, 1_500);
    env.warp(100);
    ok(env.compound(&pool, &alice, 0));
    let staked = env.position(&pool, &alice.pubkey()).staked;
    assert!(staked > 1_500);
    assert_eq!(env.operator(&operator).delegated, staked);
    // A delegated position cannot be closed; undelegated and empty, it can.
    let (_, result) = env.unstake(&pool, &alice, staked);
    ok(result);
    assert_staking_error(
        env.close_position(&pool, &alice),
        StakingError::PositionDelegated,
    );
    ok(env.undelegate(&pool, &alice));
    assert_eq!(env.operator(&operator).delegated, 0);
}

#[test]
fn the_share_cap_refuses_concentration() {
    let params = InitializePoolParams {
        max_operator_share_bps: Some(5_000),
        ..open_pool()
    };
    let (mut env, pool, _operator_key, operator) = setup(params, 1_000);
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 600));
    ok(env.stake(&pool, &bob, 400));
    assert_staking_error(
        env.delegate(&pool, &alice, &operator),
        StakingError::OperatorShareCapExceeded,
    );
    assert_eq!(env.operator_of(&pool, &alice.pubkey()), None);
    ok(env.delegate(&pool, &bob, &operator));
    // 400 + 200 of 1,200 is 50%: allowed; one more unit is not.
    ok(env.stake(&pool, &bob, 200));
    assert_staking_error(
        env.stake(&pool, &bob, 1),
        StakingError::OperatorShareCapExceeded,
    );
    assert_eq!(env.operator(&operator).delegated, 600);
    assert_eq!(env.pool(&pool).total_staked, 1_200);
    // Raising the cap lets it through.
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            max_operator_share_bps: Some(10_000),
            ..Default::default()
        },
    ));
    ok(env.stake(&pool, &bob, 1));
    assert_staking_error(
        env.update_pool(
            &pool,
            UpdatePoolParams {
                max_operator_share_bps: Some(0),
                ..Default::default()
            },
        ),
        StakingError::InvalidShareCap,
    );
}

#[test]
fn someone_elses_operator_or_delegation_is_refused() {
    let (mut env, pool, operator_key, operator) = setup(open_pool(), 1_000);
    let (alice, mallory) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &mallory, 1_000));
    ok(env.delegate(&pool, &alice, &operator));

    // Mallory cannot change Alice's operator's commission…
    let mut hijack = ix::update_operator(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        Some(0),
        None,
    );
    hijack.accounts[2].pubkey = operator;
    assert_staking_error(
        env.send(&[hijack], &[&mallory]),
        StakingError::NotOperatorAuthority,
    );
    // …nor move or end Alice's delegation.
    let mut forged = ix::undelegate(&staking::ID, &pool.address, &mallory.pubkey(), &operator);
    let alice_position = pool.position_address(&alice.pubkey());
    forged.accounts[2].pubkey = alice_position;
    forged.accounts[4].pubkey = pda::delegation(&staking::ID, &alice_position);
    assert_staking_error(
        env.send(&[forged], &[&mallory]),
        StakingError::NotPositionOwner,
    );
    // A delegated position settles only with its own operator and delegation.
    let other_key = env.new_user();
    let other = env.register_operator(&pool, &other_key, 0, "zero");
    let source = env.fund_user(&alice.pubkey(), &pool.stake_mint, 10);
    let state = env.pool(&pool);
    let with = |operator: Option<&Pubkey>| {
        ix::stake(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            operator,
            &source,
            10,
        )
    };
    assert_staking_error(
        env.send(&[with(Some(&other))], &[&alice]),
        StakingError::OperatorMismatch,
    );
    assert_staking_error(
        env.send(&[with(None)], &[&alice]),
        StakingError::OperatorMismatch,
    );
    // Mallory's delegation in place of Alice's.
    ok(env.delegate(&pool, &mallory, &other));
    let mallory_delegation =
        pda::delegation(&staking::ID, &pool.position_address(&mallory.pubkey()));
    let alice_delegation = pda::delegation(&staking::ID, &pool.position_address(&alice.pubkey()));
    assert_staking_error(
        env.send(
            &[substitute(
                with(Some(&operator)),
                &alice_delegation,
                &mallory_delegation,
            )],
            &[&alice],
        ),
        StakingError::OperatorMismatch,
    );
    // Undelegated Mallory passing an operator anyway.
    ok(env.undelegate(&pool, &mallory));
    let mallory_source = env.fund_user(&mallory.pubkey(), &pool.stake_mint, 10);
    let stray = ix::stake(
        &staking::ID,
        &pool.address,
        &state,
        &mallory.pubkey(),
        Some(&other),
        &mallory_source,
        10,
    );
    assert_fails(env.send(&[stray], &[&mallory]));
    // An operator of another pool.
    let other_pool = env.create_pool(&pool.stake_mint, pool_params(2, 0));
    let foreign = env.register_operator(&other_pool, &operator_key, 0, "elsewhere");
    assert_staking_error(
        env.delegate(&pool, &mallory, &foreign),
        StakingError::PoolMismatch,
    );
    assert_eq!(env.operator(&operator).delegated, 1_000);
    assert_eq!(env.operator(&other).delegated, 0);
}
