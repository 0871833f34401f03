//! Reward streams: accrual over time, claims, compounding, funding rollover,
//! emission while nothing is staked, and recovering what nobody is owed.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use staking_client::instructions as ix;
use staking_tests::scenario::pool_params;
use staking_tests::*;

fn within(actual: u64, expected: u64, tolerance: u64) -> bool {
    actual <= expected && expected - actual <= tolerance
}

#[test]
fn rewards_are_shared_by_stake_and_time() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(TOKEN_2022, 9);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    let (alice, bob) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 300));
    ok(env.fund(&pool, stream, 4_000_000, 4_000)); // 1,000 a second
    env.warp(1_000); // alice alone: 1,000,000
    ok(env.stake(&pool, &bob, 100));
    env.warp(2_000); // 3:1 for 2,000 s: alice 1,500,000, bob 500,000
    ok(env.unstake(&pool, &alice, 300).1);
    env.warp(5_000); // bob alone for the last 1,000 s of the period, then nothing
    ok(env.claim(&pool, &alice, None));
    ok(env.claim(&pool, &bob, None));
    let alice_paid = env.reward_balance(&pool, &alice.pubkey(), stream);
    let bob_paid = env.reward_balance(&pool, &bob.pubkey(), stream);
    assert!(within(alice_paid, 2_500_000, 3), "alice {alice_paid}");
    assert!(within(bob_paid, 1_500_000, 3), "bob {bob_paid}");
    let state = env.pool(&pool).reward_streams[0];
    assert_eq!(state.total_claimed, alice_paid + bob_paid);
    assert_eq!(
        env.balance(&state.reward_vault),
        4_000_000 - alice_paid - bob_paid
    );
}

#[test]
fn claim_pays_every_stream_or_one_and_never_twice() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let mints: Vec<Pubkey> = [SPL_TOKEN, TOKEN_2022, SPL_TOKEN, TOKEN_2022]
        .iter()
        .map(|program| env.create_mint(*program, 6))
        .collect();
    for (i, mint) in mints.iter().enumerate() {
        let stream = env.add_stream(&pool, mint);
        ok(env.fund(&pool, stream, 100_000 * (i as u64 + 1), 100));
    }
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    env.warp(50);

    ok(env.claim(&pool, &alice, Some(2)));
    assert!(within(
        env.reward_balance(&pool, &alice.pubkey(), 2),
        150_000,
        1
    ));
    assert_eq!(env.reward_balance(&pool, &alice.pubkey(), 0), 0);
    assert_staking_error(
        env.claim(&pool, &alice, Some(2)),
        StakingError::NothingToClaim,
    );

    ok(env.claim(&pool, &alice, None));
    for i in 0..4u8 {
        let expected = 50_000 * (i as u64 + 1);
        assert!(
            within(env.reward_balance(&pool, &alice.pubkey(), i), expected, 1),
            "stream {i}"
        );
    }
    assert_staking_error(env.claim(&pool, &alice, None), StakingError::NothingToClaim);
    // The client refuses a stream the pool lacks; so does the program.
    let state = env.pool(&pool);
    let mut missing = ix::claim_rewards(
        &staking::ID,
        &pool.address,
        &state,
        &alice.pubkey(),
        None,
        Some(0),
    )
    .unwrap();
    missing.data[9] = 4; // Option<u8>: [1, index] after the discriminator
    assert_staking_error(
        env.send(&[missing], &[&alice]),
        StakingError::InvalidStreamIndex,
    );
    assert!(ix::claim_rewards(
        &staking::ID,
        &pool.address,
        &state,
        &alice.pubkey(),
        None,
        Some(4)
    )
    .is_err());

    // Claims work while paused: users can always leave.
    env.set_paused(&pool, true);
    env.warp(10);
    ok(env.claim(&pool, &alice, None));
}

#[test]
fn claim_refuses_wrong_reward_accounts() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let (mint_a, mint_b) = (
        env.create_mint(SPL_TOKEN, 6),
        env.create_mint(TOKEN_2022, 6),
    );
    let a = env.add_stream(&pool, &mint_a);
    let b = env.add_stream(&pool, &mint_b);
    ok(env.fund(&pool, a, 1_000, 10));
    ok(env.fund(&pool, b, 1_000, 10));
    let (alice, mallory) = (env.new_user(), env.new_user());
    ok(env.stake(&pool, &alice, 10));
    ok(env.stake(&pool, &mallory, 10));
    env.warp(10);
    let state = env.pool(&pool);
    for user in [&alice, &mallory] {
        env.token_account(&user.pubkey(), &mint_a);
        env.token_account(&user.pubkey(), &mint_b);
    }
    let claim = || {
        ix::claim_rewards(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            None,
            None,
        )
        .unwrap()
    };
    let (vault_a, vault_b) = (
        state.reward_streams[0].reward_vault,
        state.reward_streams[1].reward_vault,
    );

    let mut short = claim();
    short.accounts.pop();
    assert_staking_error(
        env.send(&[short], &[&alice]),
        StakingError::RewardAccountsMismatch,
    );
    // Stream A's accounts in stream B's place (and vice versa): the order is checked.
    let mut swapped = claim();
    swapped.accounts.swap(5, 9);
    assert_staking_error(
        env.send(&[swapped], &[&alice]),
        StakingError::InvalidRewardMint,
    );
    assert_staking_error(
        env.send(&[substitute(claim(), &vault_b, &vault_a)], &[&alice]),
        StakingError::InvalidRewardVault,
    );
    assert_staking_error(
        env.send(&[substitute(claim(), &TOKEN_2022, &SPL_TOKEN)], &[&alice]),
        StakingError::InvalidTokenProgram,
    );
    // Paying Alice's rewards to Mallory's account.
    let alice_b = staking_client::pda::token_account(&alice.pubkey(), &mint_b, &TOKEN_2022);
    let mallory_b = staking_client::pda::token_account(&mallory.pubkey(), &mint_b, &TOKEN_2022);
    assert_staking_error(
        env.send(&[substitute(claim(), &alice_b, &mallory_b)], &[&alice]),
        StakingError::InvalidDestination,
    );
    // Mallory claiming Alice's position.
    let mut forged = ix::claim_rewards(
        &staking::ID,
        &pool.address,
        &state,
        &mallory.pubkey(),
        None,
        None,
    )
    .unwrap();
    forged.accounts[2].pubkey = pool.position_address(&alice.pubkey());
    assert_staking_error(
        env.send(&[forged], &[&mallory]),
        StakingError::NotPositionOwner,
    );
    assert_anchor_error(
        env.send(&[unsigned(claim(), &alice.pubkey())], &[]),
        AnchorError::AccountNotSigner,
    );

    assert_eq!(env.reward_balance(&pool, &alice.pubkey(), a), 0);
    ok(env.send(&[claim()], &[&alice]));
    assert!(within(
        env.reward_balance(&pool, &alice.pubkey(), b),
        500,
        1
    ));
}

#[test]
fn compound_restakes_stake_mint_rewards() {
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let mut env = TestEnv::new();
        let stake_mint = env.create_mint(token_program, 6);
        let other_mint = env.create_mint(SPL_TOKEN, 6);
        let pool = env.create_pool(&stake_mint, pool_params(1, 0));
        let own = env.add_stream(&pool, &stake_mint);
        let other = env.add_stream(&pool, &other_mint);
        ok(env.fund(&pool, own, 10_000, 100));
        ok(env.fund(&pool, other, 10_000, 100));
        let alice = env.new_user();
        ok(env.stake(&pool, &alice, 1_000));
        env.warp(40);

        assert_staking_error(
            env.compound(&pool, &alice, other),
            StakingError::CompoundMintMismatch,
        );
        ok(env.compound(&pool, &alice, own));
        let position = env.position(&pool, &alice.pubkey());
        assert!(
            within(position.staked - 1_000, 4_000, 1),
            "staked {}",
            position.staked
        );
        assert_eq!(position.rewards[own as usize].owed, 0);
        let state = env.pool(&pool);
        assert_eq!(state.total_staked, position.staked);
        assert_eq!(env.balance(&state.stake_vault), position.staked);
        assert_eq!(
            env.balance(&state.reward_streams[0].reward_vault),
            10_000 - (position.staked - 1_000)
        );
        assert_staking_error(
            env.compound(&pool, &alice, own),
            StakingError::NothingToClaim,
        );

        // The stake vault cannot stand in for the reward vault.
        let mut same = ix::compound(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            None,
            own,
        )
        .unwrap();
        same.accounts[7].pubkey = state.stake_vault;
        env.warp(10);
        assert_fails(env.send(&[same], &[&alice]));
        env.set_paused(&pool, true);
        assert_staking_error(env.compound(&pool, &alice, own), StakingError::PoolPaused);
    }
}

#[test]
fn funding_mid_period_rolls_the_leftover_into_the_new_rate() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 10));
    ok(env.fund(&pool, stream, 1_000, 100)); // 10/s
    env.warp(60); // 600 emitted, 400 left
    ok(env.fund(&pool, stream, 2_000, 100)); // (400 + 2,000) / 100 = 24/s
    let state = env.pool(&pool).reward_streams[0];
    assert_eq!(state.rate_q.get() >> 64, 24);
    assert_eq!(state.period_end, env.now() + 100);
    env.warp(100);
    ok(env.claim(&pool, &alice, None));
    assert!(within(
        env.reward_balance(&pool, &alice.pubkey(), stream),
        3_000,
        2
    ));
}

#[test]
fn emission_while_nobody_stakes_is_recoverable_and_owed_rewards_are_not() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 10_000, 100));
    // Nothing can be recovered while everything is still scheduled.
    assert_staking_error(
        env.recover(&pool, stream, 1).1,
        StakingError::InsufficientRecoverable,
    );
    env.warp(30); // 3,000 emitted to nobody
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 5));
    env.warp(20); // 2,000 to alice

    // The authority can take exactly the 3,000 nobody earned, not a unit more.
    assert_staking_error(
        env.recover(&pool, stream, 3_001).1,
        StakingError::InsufficientRecoverable,
    );
    let (destination, result) = env.recover(&pool, stream, 3_000);
    ok(result);
    assert_eq!(env.balance(&destination), 3_000);
    assert_staking_error(
        env.recover(&pool, stream, 1).1,
        StakingError::InsufficientRecoverable,
    );

    // Alice still gets everything she earns, to the end of the period: 100 a
    // second over 5 staked units divides exactly, so nothing is lost at all.
    env.warp(100);
    ok(env.claim(&pool, &alice, None));
    assert_eq!(env.reward_balance(&pool, &alice.pubkey(), stream), 7_000);
    // Once she leaves and closes her position, no liability is left, and the
    // vault is empty: nothing was stranded.
    let (ticket, result) = env.unstake(&pool, &alice, 5);
    ok(result);
    ok(env.withdraw(&pool, &alice, &ticket));
    ok(env.close_position(&pool, &alice));
    let state = env.pool(&pool).reward_streams[0];
    assert_eq!(state.unclaimed_q.get(), 0);
    assert_eq!(env.balance(&state.reward_vault), 0);

    // Only the authority recovers.
    let state = env.pool(&pool);
    let mallory = env.new_user();
    let mallory_tokens = env.token_account(&mallory.pubkey(), &reward_mint);
    let forged = ix::recover_undistributed(
        &staking::ID,
        &mallory.pubkey(),
        &pool.address,
        &state,
        stream,
        &mallory_tokens,
        1,
    )
    .unwrap();
    assert_staking_error(
        env.send(&[forged], &[&mallory]),
        StakingError::NotPoolAuthority,
    );
    assert_staking_error(env.recover(&pool, stream, 0).1, StakingError::ZeroAmount);
}

#[test]
fn tokens_sent_straight_to_a_reward_vault_are_recoverable() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    let vault = env.pool(&pool).reward_streams[0].reward_vault;
    let donor = env.new_user();
    let tokens = env.fund_user(&donor.pubkey(), &reward_mint, 777);
    let transfer = anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked(
        &SPL_TOKEN,
        &tokens,
        &reward_mint,
        &vault,
        &donor.pubkey(),
        &[],
        777,
        6,
    )
    .unwrap();
    ok(env.send(&[transfer], &[&donor]));
    let (destination, result) = env.recover(&pool, stream, 777);
    ok(result);
    assert_eq!(env.balance(&destination), 777);
}

#[test]
fn a_stream_added_later_pays_only_from_its_start() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 100));
    env.warp(1_000);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 500, 50));
    env.warp(100);
    ok(env.claim(&pool, &alice, None));
    assert!(within(
        env.reward_balance(&pool, &alice.pubkey(), stream),
        500,
        1
    ));
}

#[test]
fn transfer_fee_reward_mints_schedule_only_what_arrived() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFee(500)]);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 10_000, 100)); // 5% fee: 9,500 arrive
    let state = env.pool(&pool).reward_streams[0];
    assert_eq!(state.total_funded, 9_500);
    assert_eq!(state.rate_q.get() >> 64, 95);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1));
    env.warp(100);
    ok(env.claim(&pool, &alice, None));
    // The vault pays out 9,500 less rounding; the fee on the way out is Alice's.
    let vault_left = env.balance(&state.reward_vault);
    assert!(vault_left <= 1, "vault keeps {vault_left}");
    let received = env.reward_balance(&pool, &alice.pubkey(), stream);
    assert!(within(received, 9_025, 1), "received {received}");
}
