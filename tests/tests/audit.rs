//! Independent audit of the hardened program (after issue 10), on the bytecode.
//!
//! Each test names the attack it tries and asserts the property the program
//! promises. `refuted_*` tests pin attacks the program withstands, the two
//! findings of this audit (fixed in issue 10) among them.
use anchor_lang::prelude::{Clock, Pubkey};
use anchor_spl::token_2022::spl_token_2022::extension::transfer_fee::instruction::set_transfer_fee;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking_client::instructions as ix;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const Q64_ONE: u128 = 1 << 64;

fn params(unbonding_period: u64) -> InitializePoolParams {
    pool_params(0, unbonding_period)
}

fn ceil_q(q: u128) -> u64 {
    q.div_ceil(Q64_ONE) as u64
}

/// Claims every stream; "nothing owed" is not a failure.
fn claim_any(env: &mut TestEnv, pool: &TestPool, user: &Keypair) {
    let result = env.claim(pool, user, None);
    if custom_error(&result) != Some(StakingError::NothingToClaim as u32 + 6000) {
        ok(result);
    }
}

/// Claims an operator's commission on stream 0; "nothing owed" is not a failure.
fn claim_commission_any(env: &mut TestEnv, pool: &TestPool, operator: &Keypair) {
    let result = env.claim_commission(pool, operator, 0);
    if custom_error(&result) != Some(StakingError::NothingToClaim as u32 + 6000) {
        ok(result);
    }
}

/// Conservation on stream 0: the vault covers everything owed and scheduled.
#[track_caller]
fn assert_solvent(env: &TestEnv, pool: &TestPool) {
    let stream = env.pool(pool).reward_streams[0];
    let vault = env.balance(&stream.reward_vault);
    let owed = ceil_q(stream.unclaimed_q.get());
    assert!(vault >= owed, "vault {vault} below what is owed {owed}");
}

/// Unstakes everything, waits out the unbonding period and withdraws it all.
#[track_caller]
fn leave(env: &mut TestEnv, pool: &TestPool, user: &Keypair) {
    let staked = env.position(pool, &user.pubkey()).staked;
    if staked == 0 {
        return;
    }
    let (ticket, result) = env.unstake(pool, user, staked);
    ok(result);
    env.warp(env.pool(pool).unbonding_period as i64);
    let tokens = env.token_account(&user.pubkey(), &pool.stake_mint);
    let before = env.balance(&tokens);
    ok(env.withdraw(pool, user, &ticket));
    assert_eq!(env.balance(&tokens) - before, staked);
}

fn share_cap_holds(env: &TestEnv, pool: &TestPool, operator: &Pubkey) -> (u64, u64, bool) {
    let state = env.pool(pool);
    let delegated = env.operator(operator).delegated;
    let holds = u128::from(delegated) * 10_000
        <= u128::from(state.total_staked) * u128::from(state.max_operator_share_bps);
    (delegated, state.total_staked, holds)
}

// ---------------------------------------------------------------------------
// Refuted (was finding A): the share cap crossed through a ticket's way back.

/// ATTACK: a ticket unstaked from operator X returns to X without a cap check
/// ("not a new delegation"). Refill the room it vacated with fresh stake that
/// passes the check, then cancel the ticket: X over the cap although nobody
/// left the pool.
///
/// Cap 50%; Bob 1,000 undelegated; Alice 1,000 delegated to X (50%). Alice
/// unstakes 1,000 (ticket tagged X) and stakes 1,000 new: before the fix X
/// took it (1,000 of 2,000) and the cancel made it 2,000 of 3,000. Now X keeps
/// the ticket's room (checked as 2,000 of 3,000) until the ticket is withdrawn
/// or cancelled, for Alice's new stake and for anyone else's.
#[test]
fn refuted_share_cap_room_of_a_ticket_stays_reserved() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &stake_mint,
        InitializePoolParams {
            max_operator_share_bps: Some(5_000),
            ..params(100)
        },
    );
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 500, "x");
    let bob = env.new_user();
    ok(env.stake(&pool, &bob, 1_000));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    assert!(share_cap_holds(&env, &pool, &operator).2);
    assert_staking_error(
        env.stake(&pool, &alice, 1_000),
        StakingError::OperatorShareCapExceeded,
    );

    // The ticket way: the vacated room stays reserved for the ticket.
    let (ticket, result) = env.unstake(&pool, &alice, 1_000);
    ok(result);
    assert_eq!(
        (
            env.operator(&operator).delegated,
            env.operator(&operator).unbonding
        ),
        (0, 1_000)
    );
    assert_staking_error(
        env.stake(&pool, &alice, 1_000),
        StakingError::OperatorShareCapExceeded,
    );
    // Nor through another delegator, or by delegating stake already in.
    let carol = env.new_user();
    ok(env.stake(&pool, &carol, 1_000));
    assert_staking_error(
        env.delegate(&pool, &carol, &operator),
        StakingError::OperatorShareCapExceeded,
    );
    // What fits beside the ticket's room is taken: 1,000 + 1,000 of 4,000.
    let dave = env.new_user();
    ok(env.stake(&pool, &dave, 1_000));
    ok(env.delegate(&pool, &dave, &operator));

    // The ticket comes back without a check, and the cap holds.
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    let (delegated, total, holds) = share_cap_holds(&env, &pool, &operator);
    assert_eq!((delegated, total, holds), (2_000, 4_000, true));
    assert_eq!(env.operator(&operator).unbonding, 0);

    // A withdrawn ticket frees its room. Dave unstakes 500 (X 1,500 + 500
    // unbonding of 3,500): Erin's 500 would make it 2,500 of 4,500 while the
    // ticket is open, and 2,000 of 4,000 once it is withdrawn.
    let (ticket, result) = env.unstake(&pool, &dave, 500);
    ok(result);
    let erin = env.new_user();
    ok(env.stake(&pool, &erin, 500));
    assert_staking_error(
        env.delegate(&pool, &erin, &operator),
        StakingError::OperatorShareCapExceeded,
    );
    env.warp(100);
    ok(env.withdraw(&pool, &dave, &ticket));
    assert_eq!(env.operator(&operator).unbonding, 0);
    ok(env.delegate(&pool, &erin, &operator));
    let (delegated, total, holds) = share_cap_holds(&env, &pool, &operator);
    assert_eq!((delegated, total, holds), (2_000, 4_000, true));
    // Everyone can still leave.
    for user in [&alice, &bob, &carol, &dave, &erin] {
        leave(&mut env, &pool, user);
    }
    assert_eq!(env.operator(&operator).unbonding, 0);
}

// ---------------------------------------------------------------------------
// Refuted (was finding B): a transfer-fee authority the pool never accepted.

/// ATTACK: a Token-2022 mint's transfer-fee authority can raise the fee to
/// 100% with an unlimited maximum (effective two epochs later); every
/// `withdraw` and claim then delivers nothing, the amount withheld for the
/// mint's withdraw-withheld authority. Before the fix the pool accepted such a
/// mint silently and recorded no trust assumption.
///
/// Now a mint with a fee authority is refused (`MintHasTransferFeeAuthority`)
/// as a stake or reward mint unless the creator accepts it; the acceptance is
/// recorded in the pool and the stream. A fixed fee (no authority) needs no
/// opt-in. With the opt-in, the authority's power is the accepted trust
/// assumption, pinned here as what it is.
#[test]
fn refuted_transfer_fee_authority_needs_the_opt_in() {
    let mut env = TestEnv::new();
    let fee_mint =
        env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFeeWithAuthority(0)]);
    let creator = env.new_user();
    assert_staking_error(
        env.try_create_pool(&creator, &fee_mint, 0, params(10)),
        StakingError::MintHasTransferFeeAuthority,
    );
    // Accepting the freeze authority does not cover the fee authority.
    let freeze_only = InitializePoolParams {
        accepted_mint_authorities: ACCEPT_FREEZE,
        ..params(10)
    };
    assert_staking_error(
        env.try_create_pool(&creator, &fee_mint, 0, freeze_only),
        StakingError::MintHasTransferFeeAuthority,
    );
    let fixed_fee_mint = env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFee(50)]);
    let plain_pool = env.create_pool(&fixed_fee_mint, params(10));
    let state = env.pool(&plain_pool);
    assert_eq!(state.stake_transfer_fee_authority_accepted, 0);
    assert_staking_error(
        env.try_add_stream(&plain_pool, &fee_mint),
        StakingError::MintHasTransferFeeAuthority,
    );
    let accept_fee = AcceptedMintAuthorities {
        freeze: false,
        transfer_fee: true,
    };
    ok(env.try_add_stream_accepting(&plain_pool, &fee_mint, accept_fee));
    let state = env.pool(&plain_pool);
    assert_eq!(
        state
            .streams()
            .iter()
            .map(|s| s.transfer_fee_authority_accepted)
            .collect::<Vec<_>>(),
        vec![1]
    );

    // Accepted: recorded, and the authority's power is what was accepted.
    let pool = env.create_pool(
        &fee_mint,
        InitializePoolParams {
            accepted_mint_authorities: accept_fee,
            ..params(10)
        },
    );
    assert_eq!(env.pool(&pool).stake_transfer_fee_authority_accepted, 1);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000_000));
    let set = set_transfer_fee(
        &TOKEN_2022,
        &fee_mint,
        &env.payer.pubkey(),
        &[],
        10_000,
        u64::MAX,
    )
    .expect("set_transfer_fee");
    env.send_ok(&[set], &[]);
    let mut clock: Clock = env.svm.get_sysvar();
    clock.epoch += 2;
    env.svm.set_sysvar(&clock);
    let (ticket, result) = env.unstake(&pool, &alice, 1_000_000);
    ok(result);
    env.warp(10);
    let tokens = env.token_account(&alice.pubkey(), &fee_mint);
    let before = env.balance(&tokens);
    ok(env.withdraw(&pool, &alice, &ticket));
    assert_eq!(
        env.balance(&tokens) - before,
        0,
        "the accepted fee authority took it all"
    );
    let state = env.pool(&pool);
    assert_eq!((state.total_staked, state.total_unbonding), (0, 0));
    assert_eq!(env.balance(&state.stake_vault), 0);
}

// ---------------------------------------------------------------------------
// Refuted: pokes through another delegator change nobody's earnings.

struct PokeRun {
    alice: u64,
    bob: u64,
    commission: u64,
}

/// Alice (1,000,003) and Bob (777) delegated to a 12.34% operator, Carol
/// (5,001) undelegated; 999,983 units over 997 s. `poke`: Bob and Carol claim
/// every 7 s (each claim accrues the pool and syncs or skips the operator).
fn poke_run(poke: bool) -> PokeRun {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, params(10));
    env.add_stream(&pool, &reward_mint);
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 1_234, "x");
    let (alice, bob, carol) = (env.new_user(), env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000_003));
    ok(env.stake(&pool, &bob, 777));
    ok(env.stake(&pool, &carol, 5_001));
    ok(env.delegate(&pool, &alice, &operator));
    ok(env.delegate(&pool, &bob, &operator));
    ok(env.fund(&pool, 0, 999_983, 997));
    let start = env.now();
    while env.now() < start + 1_000 {
        env.warp(7);
        if poke {
            claim_any(&mut env, &pool, &bob);
            claim_any(&mut env, &pool, &carol);
            assert_solvent(&env, &pool);
        }
    }
    claim_any(&mut env, &pool, &alice);
    claim_any(&mut env, &pool, &bob);
    claim_commission_any(&mut env, &pool, &op_key);
    assert_solvent(&env, &pool);
    PokeRun {
        alice: env.reward_balance(&pool, &alice.pubkey(), 0),
        bob: env.reward_balance(&pool, &bob.pubkey(), 0),
        commission: env.reward_balance(&pool, &op_key.pubkey(), 0),
    }
}

#[test]
fn refuted_bystander_claims_through_the_same_operator_change_nothing() {
    let quiet = poke_run(false);
    let poked = poke_run(true);
    assert!(quiet.alice > 800_000 && quiet.commission > 100_000);
    assert_eq!(poked.alice, quiet.alice, "Alice's earnings moved");
    assert_eq!(poked.bob, quiet.bob, "Bob's earnings moved");
    assert_eq!(poked.commission, quiet.commission, "commission moved");
}

// ---------------------------------------------------------------------------
// Refuted: close_position cannot release what others are owed; nothing beyond
// the documented bound is stranded.

/// Five stakers with odd stakes, two operators with odd commissions, churn
/// during an odd period; tiny positions close (forfeiting their fractions)
/// while others still owe. After the end everyone claims, leaves and closes;
/// the operators claim. What recovery cannot take is at most 1 + operators,
/// every claim succeeds in full, and the vault is never below its liability.
#[test]
fn refuted_close_position_forfeits_only_its_own_fraction_and_dust_is_bounded() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 0);
    let reward_mint = env.create_mint(SPL_TOKEN, 0);
    let pool = env.create_pool(&stake_mint, params(3));
    env.add_stream(&pool, &reward_mint);
    let (op1, op2) = (env.new_user(), env.new_user());
    let o1 = env.register_operator(&pool, &op1, 1_111, "one");
    let o2 = env.register_operator(&pool, &op2, 3_333, "two");
    let users: Vec<Keypair> = (0..5).map(|_| env.new_user()).collect();
    let stakes = [7u64, 13, 1_000_003, 3, 99_991];
    for (user, amount) in users.iter().zip(stakes) {
        ok(env.stake(&pool, user, amount));
    }
    ok(env.delegate(&pool, &users[1], &o1));
    ok(env.delegate(&pool, &users[2], &o1));
    ok(env.delegate(&pool, &users[4], &o2));
    ok(env.fund(&pool, 0, 1_000_037, 613));

    for step in 0..40 {
        env.warp(11 + step % 5);
        let user = &users[step as usize % 5];
        match step % 4 {
            0 => claim_any(&mut env, &pool, user),
            1 => {
                ok(env.stake(&pool, user, 1 + step as u64));
            }
            2 => {
                let staked = env.position(&pool, &user.pubkey()).staked;
                if staked > 1 {
                    let (ticket, result) = env.unstake(&pool, user, 1);
                    ok(result);
                    ok(env.cancel_unbond(&pool, user, &ticket));
                }
            }
            _ => claim_commission_any(&mut env, &pool, if step % 8 == 3 { &op1 } else { &op2 }),
        }
        assert_solvent(&env, &pool);
    }
    // A tiny undelegated staker leaves mid-period and closes its position,
    // forfeiting its fraction, while the others still owe.
    claim_any(&mut env, &pool, &users[3]);
    leave(&mut env, &pool, &users[3]);
    claim_any(&mut env, &pool, &users[3]);
    ok(env.close_position(&pool, &users[3]));
    assert_solvent(&env, &pool);

    env.warp(1_000);
    for (index, user) in users.iter().enumerate() {
        if index == 3 {
            continue;
        }
        claim_any(&mut env, &pool, user);
        if env.operator_of(&pool, &user.pubkey()).is_some() {
            ok(env.undelegate(&pool, user));
        }
        leave(&mut env, &pool, user);
        claim_any(&mut env, &pool, user);
        assert_eq!(env.position(&pool, &user.pubkey()).rewards[0].owed, 0);
        ok(env.close_position(&pool, user));
        assert_solvent(&env, &pool);
    }
    claim_commission_any(&mut env, &pool, &op1);
    claim_commission_any(&mut env, &pool, &op2);
    assert_eq!(env.operator(&o1).streams[0].commission_owed, 0);
    assert_eq!(env.operator(&o2).streams[0].commission_owed, 0);

    let stream = env.pool(&pool).reward_streams[0];
    let vault = env.balance(&stream.reward_vault);
    let held = ceil_q(stream.unclaimed_q.get());
    assert!(held <= 1 + 2, "{held} units held back after everyone left");
    if vault > held {
        ok(env.recover(&pool, 0, vault - held).1);
    }
    assert_staking_error(
        env.recover(&pool, 0, 1).1,
        StakingError::InsufficientRecoverable,
    );
    let left = env.balance(&stream.reward_vault);
    assert!(left <= 3, "{left} units stranded (bound: 1 + 2 operators)");
    // Paid out + left = funded exactly: nobody was paid more than emitted.
    let paid: u64 = users
        .iter()
        .map(|u| env.reward_balance(&pool, &u.pubkey(), 0))
        .sum::<u64>()
        + env.reward_balance(&pool, &op1.pubkey(), 0)
        + env.reward_balance(&pool, &op2.pubkey(), 0)
        + env.reward_balance(&pool, &pool.authority.pubkey(), 0);
    assert_eq!(paid + left, 1_000_037);
}

/// ATTACK: close a position through another pool (to forfeit its fractions
/// from the wrong pool's liability), or a delegated position, or one with a
/// ticket. All refused.
#[test]
fn refuted_close_position_of_another_pool_delegated_or_unbonding() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool_a = env.create_pool(&stake_mint, params(5));
    let pool_b = env.create_pool(&stake_mint, params(5));
    env.add_stream(&pool_a, &reward_mint);
    env.add_stream(&pool_b, &reward_mint);
    ok(env.fund(&pool_b, 0, 1_000_003, 101));
    let alice = env.new_user();
    ok(env.stake(&pool_a, &alice, 3));
    ok(env.stake(&pool_b, &alice, 3));
    env.warp(50);
    // Alice's position in B holds a fraction; A owes nothing.
    ok(env.claim(&pool_b, &alice, None));
    leave(&mut env, &pool_b, &alice);
    claim_any(&mut env, &pool_b, &alice);
    let b_position = pool_b.position_address(&alice.pubkey());
    let a_position = pool_a.position_address(&alice.pubkey());
    let close = ix::close_position(&staking::ID, &pool_a.address, &alice.pubkey());
    let swapped = substitute(close, &a_position, &b_position);
    assert_staking_error(env.send(&[swapped], &[&alice]), StakingError::PoolMismatch);

    // A position with an open ticket.
    let (ticket, result) = env.unstake(&pool_a, &alice, 3);
    ok(result);
    assert_staking_error(
        env.close_position(&pool_a, &alice),
        StakingError::PositionNotEmpty,
    );
    ok(env.cancel_unbond(&pool_a, &alice, &ticket));
    // A delegated position with nothing staked.
    let op_key = env.new_user();
    let operator = env.register_operator(&pool_a, &op_key, 0, "x");
    ok(env.delegate(&pool_a, &alice, &operator));
    let (ticket, result) = env.unstake(&pool_a, &alice, 3);
    ok(result);
    env.warp(5);
    ok(env.withdraw(&pool_a, &alice, &ticket));
    assert_staking_error(
        env.close_position(&pool_a, &alice),
        StakingError::PositionDelegated,
    );
    ok(env.undelegate(&pool_a, &alice));
    ok(env.close_position(&pool_a, &alice));
    ok(env.close_position(&pool_b, &alice));
    assert_solvent(&env, &pool_b);
}

// ---------------------------------------------------------------------------
// Refuted: tickets and the share cap never trap a delegator.

/// ATTACK (trap): a ticket unstaked from X while X is over the cap (others
/// left) must still cancel back to X; a ticket tagged X cancelled into another
/// operator Y over the cap is refused, but the delegator can undelegate and
/// cancel, or withdraw.
#[test]
fn refuted_tickets_never_trap_a_delegator() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &stake_mint,
        InitializePoolParams {
            max_operator_share_bps: Some(5_000),
            ..params(20)
        },
    );
    let (kx, ky) = (env.new_user(), env.new_user());
    let x = env.register_operator(&pool, &kx, 100, "x");
    let y = env.register_operator(&pool, &ky, 100, "y");
    let (alice, bob, carol, dave) = (
        env.new_user(),
        env.new_user(),
        env.new_user(),
        env.new_user(),
    );
    ok(env.stake(&pool, &bob, 3_000));
    ok(env.stake(&pool, &alice, 2_000));
    ok(env.delegate(&pool, &alice, &x)); // 2,000 of 5,000
    ok(env.stake(&pool, &carol, 1_000));
    ok(env.delegate(&pool, &carol, &y)); // 1,000 of 6,000
                                         // Alice unstakes part (ticket tagged X); Bob leaves: X goes over the cap.
    let (ticket, result) = env.unstake(&pool, &alice, 400);
    ok(result);
    leave(&mut env, &pool, &bob);
    let (delegated, total, holds) = share_cap_holds(&env, &pool, &x);
    assert_eq!((delegated, total, holds), (1_600, 2_600, false));
    // Back to X: allowed although X is over the cap (and so are compounding
    // and claiming; staking more is refused).
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    assert_eq!(env.operator(&x).delegated, 2_000);
    assert_staking_error(
        env.stake(&pool, &alice, 1),
        StakingError::OperatorShareCapExceeded,
    );

    // Ticket tagged X, position moved to Y, Y pushed over the cap by the
    // return: refused, but undelegating and cancelling works.
    ok(env.stake(&pool, &dave, 2_000)); // X 2,000 / Y 1,000 of 5,000
    let (ticket, result) = env.unstake(&pool, &alice, 1_500);
    ok(result);
    ok(env.redelegate(&pool, &alice, &y)); // Y 1,500 of 3,500
    assert_staking_error(
        env.redelegate(&pool, &alice, &y),
        StakingError::SameOperator,
    );
    assert_staking_error(
        env.cancel_unbond(&pool, &alice, &ticket),
        StakingError::OperatorShareCapExceeded,
    );
    ok(env.undelegate(&pool, &alice));
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    assert_eq!(env.position(&pool, &alice.pubkey()).staked, 2_000);
    leave(&mut env, &pool, &alice);
    leave(&mut env, &pool, &carol);
    leave(&mut env, &pool, &dave);
}

// ---------------------------------------------------------------------------
// Refuted: commission increases always get their notice and the cap.

/// What Alice's delegation paid in commission so far, Q64.64 (settles first).
fn paid_q(env: &mut TestEnv, pool: &TestPool, user: &Keypair) -> u128 {
    claim_any(env, pool, user);
    env.commission_paid_q(pool, &user.pubkey(), 0)
}

/// ATTACK: raise what delegators pay before the notice ends: decrease then
/// increase (does the increase inherit an old schedule?), schedule twice (does
/// the second keep the first's date?), deactivate/reactivate around a due
/// increase, apply while inactive, register-time pending. Each interval is
/// measured by what Alice's delegation pays.
#[test]
fn refuted_commission_increases_always_wait_the_notice_and_obey_the_max() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let notice = 100i64;
    let pool = env.create_pool(
        &stake_mint,
        InitializePoolParams {
            max_commission_bps: 3_000,
            ..params(notice as u64)
        },
    );
    env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, 0, 100_000_000, 10_000));
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 1_000, "x");
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000_000));
    ok(env.delegate(&pool, &alice, &operator));
    let commission = |env: &TestEnv| env.operator(&operator).commission_bps;

    // An increase to 30%, then a decrease to 5% (applies now, cancels it),
    // then an increase to 20%: scheduled a full notice from now, not from
    // the first request.
    ok(env.update_operator(&pool, &op_key, Some(3_000), None));
    env.warp(90);
    ok(env.update_operator(&pool, &op_key, Some(500), None));
    assert_eq!(commission(&env), 500);
    ok(env.update_operator(&pool, &op_key, Some(2_000), None));
    env.warp(20); // past the first request's date
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 500);
    // A second increase request pushes the date, never pulls it earlier.
    env.warp(50);
    ok(env.update_operator(&pool, &op_key, Some(2_500), None));
    env.warp(60);
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 500);
    // Over an interval with no change applied, Alice pays 5%.
    let before = paid_q(&mut env, &pool, &alice);
    env.warp(30);
    let after = paid_q(&mut env, &pool, &alice);
    assert!(after > before);

    // The pool lowers its maximum to 10% before the 25% is due: applied at 10%.
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            max_commission_bps: Some(1_000),
            ..Default::default()
        },
    ));
    env.warp(notice);
    ok(env.claim_commission(&pool, &op_key, 0));
    assert_eq!(commission(&env), 1_000);

    // The max goes back up; deactivated, the operator schedules 30% and
    // applies it while inactive (charging nothing); reactivation must still
    // give notice.
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            max_commission_bps: Some(3_000),
            ..Default::default()
        },
    ));
    ok(env.set_operator_active(&pool, &operator, false));
    ok(env.update_operator(&pool, &op_key, Some(3_000), None));
    env.warp(notice);
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 3_000);
    let before = paid_q(&mut env, &pool, &alice);
    env.warp(10);
    assert_eq!(
        paid_q(&mut env, &pool, &alice),
        before,
        "charged while inactive"
    );
    ok(env.set_operator_active(&pool, &operator, true));
    assert_eq!(commission(&env), 0);
    // Within the notice the operator's own instructions cannot apply it.
    env.warp(notice - 1);
    ok(env.update_operator(&pool, &op_key, None, None));
    let _ = env.claim_commission(&pool, &op_key, 0);
    assert_eq!(commission(&env), 0);
    let before = paid_q(&mut env, &pool, &alice);
    env.warp(1);
    // A delegator's (or anyone's) action never applies it.
    assert_eq!(paid_q(&mut env, &pool, &alice), before);
    assert_eq!(commission(&env), 0);
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 3_000);

    // Deactivate/reactivate cycles only push the date later.
    ok(env.update_operator(&pool, &op_key, Some(1_000), None));
    ok(env.set_operator_active(&pool, &operator, false));
    ok(env.set_operator_active(&pool, &operator, true));
    ok(env.set_operator_active(&pool, &operator, false));
    ok(env.set_operator_active(&pool, &operator, true));
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 0);
    env.warp(notice);
    ok(env.update_operator(&pool, &op_key, None, None));
    assert_eq!(commission(&env), 1_000);

    // Registration never starts above the maximum nor with a pending increase.
    let late = env.new_user();
    assert_staking_error(
        env.try_register_operator(&pool, &late, 3_001, "late"),
        StakingError::CommissionAboveMaximum,
    );
    let late_op = env.register_operator(&pool, &late, 3_000, "late");
    assert_eq!(env.operator(&late_op).pending_commission_at, 0);
    leave(&mut env, &pool, &alice);
}

// ---------------------------------------------------------------------------
// Refuted: the mint policy on legacy SPL Token mints.

/// ATTACK: a legacy SPL Token mint (no extensions to inspect) with a freeze
/// authority, as stake or reward mint, without the opt-in.
#[test]
fn refuted_legacy_spl_mint_with_freeze_authority_needs_the_opt_in() {
    let mut env = TestEnv::new();
    let frozen_capable = env.create_mint_with_freeze_authority(SPL_TOKEN, 6, &[]);
    let creator = env.new_user();
    assert_staking_error(
        env.try_create_pool(&creator, &frozen_capable, 0, params(0)),
        StakingError::MintHasFreezeAuthority,
    );
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, params(0));
    assert_staking_error(
        env.try_add_stream(&pool, &frozen_capable),
        StakingError::MintHasFreezeAuthority,
    );
    ok(env.try_add_stream_accepting(&pool, &frozen_capable, ACCEPT_FREEZE));
    assert_eq!(
        env.pool(&pool).reward_streams[0].freeze_authority_accepted,
        1
    );
}

// ---------------------------------------------------------------------------
// Refuted: overflow paths cannot block anyone from leaving.

/// ATTACK: push the accumulator toward 2^128 (1 unit staked while a
/// near-u64::MAX reward is emitted), then bring a whale holding the rest of
/// the stake supply, so `staked × Δaccumulator` (u128 `checked_mul` in
/// `earned_q`), the operator's `delegated × commission` and `add_q` are at
/// their extremes. Everyone must still claim, unstake, withdraw and close,
/// and the payouts must add up to the funding exactly.
#[test]
fn refuted_extreme_stakes_and_accumulators_never_block_an_exit() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 0);
    let reward_mint = env.create_mint(SPL_TOKEN, 0);
    let pool = env.create_pool(&stake_mint, params(1));
    env.add_stream(&pool, &reward_mint);
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 5_001, "x");
    let (tiny, whale) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &tiny, 1));
    ok(env.delegate(&pool, &tiny, &operator));
    let funded = u64::MAX - 1;
    ok(env.fund(&pool, 0, funded, 2));
    env.warp(1);
    ok(env.stake(&pool, &whale, u64::MAX - 2));
    ok(env.delegate(&pool, &whale, &operator));
    assert!(env.pool(&pool).reward_streams[0].reward_per_token_q.get() > 1 << 126);
    assert_solvent(&env, &pool);
    env.warp(5);
    for user in [&tiny, &whale] {
        ok(env.claim(&pool, user, None));
        ok(env.undelegate(&pool, user));
        leave(&mut env, &pool, user);
        claim_any(&mut env, &pool, user);
        ok(env.close_position(&pool, user));
        assert_solvent(&env, &pool);
    }
    ok(env.claim_commission(&pool, &op_key, 0));
    let paid = env.reward_balance(&pool, &tiny.pubkey(), 0)
        + env.reward_balance(&pool, &whale.pubkey(), 0)
        + env.reward_balance(&pool, &op_key.pubkey(), 0);
    let stream = env.pool(&pool).reward_streams[0];
    let left = env.balance(&stream.reward_vault);
    assert!(left <= 2, "{left} units left (bound: 1 + 1 operator)");
    assert!(paid >= funded - 2);
}

// ---------------------------------------------------------------------------
// FINDING C (fixed): a deactivated operator took new delegated stake through
// `stake` by its existing delegators and `cancel_unbond` of a ticket from
// elsewhere; `Operator::add_delegated` now refuses every new delegation while
// the operator is inactive.

/// ATTACK: grow a deactivated operator through `stake` by a position already
/// delegated to it. Refused (`OperatorInactive`), and its delegators can still
/// leave.
#[test]
fn refuted_a_deactivated_operator_takes_no_new_delegated_stake() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, params(10));
    let op_key = env.new_user();
    let operator = env.register_operator(&pool, &op_key, 500, "x");
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.delegate(&pool, &alice, &operator));
    ok(env.stake(&pool, &bob, 1_000));
    ok(env.set_operator_active(&pool, &operator, false));
    // A new delegation through `delegate` is refused...
    assert_staking_error(
        env.delegate(&pool, &bob, &operator),
        StakingError::OperatorInactive,
    );
    // ... and so is one through `stake` by a delegated position.
    assert_staking_error(
        env.stake(&pool, &alice, 1_000_000),
        StakingError::OperatorInactive,
    );
    assert_eq!(env.operator(&operator).delegated, 1_000);
    leave(&mut env, &pool, &bob);
    leave(&mut env, &pool, &alice);
}
