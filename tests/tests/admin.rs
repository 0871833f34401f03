//! Pool creation, the Token-2022 mint policy, reward streams, pool settings
//! and the two-step authority transfer.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use staking::constants::{MAX_REWARD_DURATION, MAX_UNBONDING_PERIOD, NO_STAKE_CAP};
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking_client::{instructions as ix, pda};
use staking_tests::scenario::pool_params;
use staking_tests::*;

#[test]
fn initialize_pool_with_spl_token_and_token_2022() {
    let mut env = TestEnv::new();
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let mint = env.create_mint(token_program, 9);
        let params = InitializePoolParams {
            unbonding_period: 3 * DAY as u64,
            min_stake: 10,
            max_total_stake: Some(1_000_000),
            ..pool_params(7, 0)
        };
        let pool = env.create_pool_with_id(&mint, 7, params);
        let state = env.pool(&pool);
        assert_eq!(state.authority, pool.authority.pubkey());
        // The creator is recorded, and is a seed of the pool's address.
        assert_eq!(state.creator, pool.authority.pubkey());
        assert_eq!(
            pool.address,
            pda::pool(&staking::ID, &mint, &pool.authority.pubkey(), 7)
        );
        // No freeze authority on the mint, so none was accepted.
        assert_eq!(state.stake_freeze_authority_accepted, 0);
        assert_eq!(state.pending_authority(), None);
        assert_eq!(state.stake_mint, mint);
        assert_eq!(
            state.stake_vault,
            pda::stake_vault(&staking::ID, &pool.address)
        );
        assert_eq!(state.stake_token_program, token_program);
        assert_eq!(
            (state.pool_id, state.unbonding_period, state.min_stake),
            (7, 3 * DAY as u64, 10)
        );
        assert_eq!(state.max_total_stake, 1_000_000);
        assert_eq!(
            (
                state.total_staked,
                state.total_unbonding,
                state.reward_stream_count
            ),
            (0, 0, 0)
        );
        assert_eq!(state.stake_decimals, 9);
        assert!(!state.is_paused());
        // The vault is a token account of the mint's program, owned by the pool.
        let vault: anchor_spl::token_interface::TokenAccount = env.account(&state.stake_vault);
        assert_eq!(
            (vault.mint, vault.owner, vault.amount),
            (mint, pool.address, 0)
        );
        assert_eq!(env.owner_program(&state.stake_vault), token_program);
        // Bumps are the canonical ones.
        let (_, bump) = Pubkey::find_program_address(
            &[
                b"pool",
                mint.as_ref(),
                pool.authority.pubkey().as_ref(),
                &7u64.to_le_bytes(),
            ],
            &staking::ID,
        );
        assert_eq!(state.bump, bump);
    }
}

#[test]
fn one_mint_many_pools_but_no_reinitialisation() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let first = env.create_pool_with_id(&mint, 1, pool_params(1, 0));
    let second = env.create_pool_by(
        first.authority.insecure_clone(),
        &mint,
        2,
        pool_params(2, 0),
    );
    assert_ne!(first.address, second.address);
    let before = env.data(&first.address);
    // Same mint, creator and id again: the account exists.
    assert_fails(env.try_create_pool(&first.authority, &mint, 1, pool_params(1, 0)));
    // Another key's pool 1 for the same mint is another account (the creator
    // is a seed), so it can neither take nor re-initialise the first.
    let other = env.create_pool_with_id(&mint, 1, pool_params(1, 99));
    assert_ne!(other.address, first.address);
    assert_eq!(env.data(&first.address), before);
}

#[test]
fn unbonding_period_is_bounded() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let authority = env.new_user();
    assert_staking_error(
        env.try_create_pool(
            &authority,
            &mint,
            1,
            pool_params(1, MAX_UNBONDING_PERIOD + 1),
        ),
        StakingError::UnbondingPeriodTooLong,
    );
    ok(env.try_create_pool(&authority, &mint, 1, pool_params(1, MAX_UNBONDING_PERIOD)));
}

#[test]
fn mints_that_can_drain_or_block_a_vault_are_refused() {
    let mut env = TestEnv::new();
    let refused = [
        (
            MintExtension::PermanentDelegate,
            StakingError::MintHasPermanentDelegate,
        ),
        (
            MintExtension::TransferHook,
            StakingError::MintHasTransferHook,
        ),
        (
            MintExtension::NonTransferable,
            StakingError::MintNonTransferable,
        ),
        (
            MintExtension::DefaultFrozen,
            StakingError::MintDefaultFrozen,
        ),
        (MintExtension::Pausable, StakingError::MintPausable),
        // A close authority can close the mint at zero supply and re-create
        // it at the same address with any extension.
        (
            MintExtension::MintCloseAuthority,
            StakingError::MintHasCloseAuthority,
        ),
    ];
    let good_stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&good_stake_mint, pool_params(1, 0));
    // Refused even when the creator accepts every authority the program lets
    // it accept: the opt-ins cover those authorities only.
    let accepting = InitializePoolParams {
        accepted_mint_authorities: ACCEPT_ALL,
        ..pool_params(1, 0)
    };
    for (extension, error) in refused {
        let mint = env.create_mint_with(TOKEN_2022, 6, &[extension]);
        let authority = env.new_user();
        assert_staking_error(
            env.try_create_pool(&authority, &mint, 0, accepting.clone()),
            error,
        );
        assert_staking_error(
            env.try_add_stream_accepting(&pool, &mint, ACCEPT_ALL),
            error,
        );
    }
    // Extensions that cannot move tokens out of a vault are accepted.
    for extension in [
        MintExtension::TransferFee(100),
        MintExtension::MintCloseAuthorityWithoutAuthority,
    ] {
        let mint = env.create_mint_with(TOKEN_2022, 6, &[extension]);
        env.create_pool(&mint, pool_params(1, 0));
        env.add_stream(&pool, &mint);
    }
}

#[test]
fn reward_streams_are_capped_unique_and_authority_only() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let mints: Vec<Pubkey> = (0..5)
        .map(|i| env.create_mint(if i % 2 == 0 { SPL_TOKEN } else { TOKEN_2022 }, 6))
        .collect();

    // Someone else cannot add a stream, signed or not.
    let intruder = env.new_user();
    let forged = ix::add_reward_stream(
        &staking::ID,
        &intruder.pubkey(),
        &pool.address,
        &mints[0],
        &SPL_TOKEN,
        AcceptedMintAuthorities::default(),
    );
    assert_staking_error(
        env.send(&[forged], &[&intruder]),
        StakingError::NotPoolAuthority,
    );
    let unsigned_ix = unsigned(
        ix::add_reward_stream(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            &mints[0],
            &SPL_TOKEN,
            AcceptedMintAuthorities::default(),
        ),
        &pool.authority.pubkey(),
    );
    assert_anchor_error(env.send(&[unsigned_ix], &[]), AnchorError::AccountNotSigner);
    // The token program must be the mint's.
    let wrong_program = ix::add_reward_stream(
        &staking::ID,
        &pool.authority.pubkey(),
        &pool.address,
        &mints[0],
        &TOKEN_2022,
        AcceptedMintAuthorities::default(),
    );
    assert_fails(env.send(&[wrong_program], &[&pool.authority]));

    for (index, mint) in mints[..4].iter().enumerate() {
        assert_eq!(env.add_stream(&pool, mint), index as u8);
    }
    assert_staking_error(
        env.try_add_stream(&pool, &mints[4]),
        StakingError::TooManyRewardStreams,
    );
    assert_staking_error(
        env.try_add_stream(&pool, &mints[0]),
        StakingError::TooManyRewardStreams,
    );
    let state = env.pool(&pool);
    for (stream, mint) in state.streams().iter().zip(&mints) {
        assert_eq!(stream.reward_mint, *mint);
        assert_eq!(
            stream.reward_vault,
            pda::reward_vault(&staking::ID, &pool.address, mint)
        );
        assert_eq!(stream.reward_token_program, env.owner_program(mint));
        assert_eq!(
            (stream.rate_q.get(), stream.reward_per_token_q.get()),
            (0, 0)
        );
    }

    let other = env.create_pool_with_id(&stake_mint, 2, pool_params(2, 0));
    env.add_stream(&other, &mints[0]);
    assert_staking_error(
        env.try_add_stream(&other, &mints[0]),
        StakingError::DuplicateRewardMint,
    );
}

#[test]
fn update_pool_changes_only_given_fields_and_only_by_authority() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(1, DAY as u64));
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            min_stake: Some(5),
            max_total_stake: Some(100),
            ..Default::default()
        },
    ));
    let state = env.pool(&pool);
    assert_eq!(
        (
            state.unbonding_period,
            state.min_stake,
            state.max_total_stake,
            state.is_paused()
        ),
        (DAY as u64, 5, 100, false)
    );
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            unbonding_period: Some(0),
            max_total_stake: Some(NO_STAKE_CAP),
            paused: Some(true),
            ..Default::default()
        },
    ));
    let state = env.pool(&pool);
    assert_eq!(
        (
            state.unbonding_period,
            state.min_stake,
            state.max_total_stake,
            state.is_paused()
        ),
        (0, 5, NO_STAKE_CAP, true)
    );

    assert_staking_error(
        env.update_pool(
            &pool,
            UpdatePoolParams {
                unbonding_period: Some(u64::MAX),
                ..Default::default()
            },
        ),
        StakingError::UnbondingPeriodTooLong,
    );
    let intruder = env.new_user();
    let forged = ix::update_pool(
        &staking::ID,
        &intruder.pubkey(),
        &pool.address,
        UpdatePoolParams {
            paused: Some(false),
            ..Default::default()
        },
    );
    assert_staking_error(
        env.send(&[forged], &[&intruder]),
        StakingError::NotPoolAuthority,
    );
    let unsigned_ix = unsigned(
        ix::update_pool(
            &staking::ID,
            &pool.authority.pubkey(),
            &pool.address,
            UpdatePoolParams::default(),
        ),
        &pool.authority.pubkey(),
    );
    assert_anchor_error(env.send(&[unsigned_ix], &[]), AnchorError::AccountNotSigner);
    assert!(env.pool(&pool).is_paused());
}

#[test]
fn authority_transfer_takes_two_steps() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&mint, pool_params(1, 0));
    let successor = env.new_user();
    let intruder = env.new_user();

    let accept = |who: &Pubkey| ix::accept_authority(&staking::ID, who, &pool.address);
    assert_staking_error(
        env.send(&[accept(&successor.pubkey())], &[&successor]),
        StakingError::NoPendingAuthority,
    );

    let propose = ix::transfer_authority(
        &staking::ID,
        &pool.authority.pubkey(),
        &pool.address,
        &successor.pubkey(),
    );
    ok(env.send(&[propose], &[&pool.authority]));
    assert_eq!(
        env.pool(&pool).pending_authority(),
        Some(successor.pubkey())
    );
    // Only the proposed key can accept, and only by signing.
    assert_staking_error(
        env.send(&[accept(&intruder.pubkey())], &[&intruder]),
        StakingError::NotPendingAuthority,
    );
    assert_anchor_error(
        env.send(
            &[unsigned(accept(&successor.pubkey()), &successor.pubkey())],
            &[],
        ),
        AnchorError::AccountNotSigner,
    );
    // Nobody but the authority can propose.
    let hijack = ix::transfer_authority(
        &staking::ID,
        &intruder.pubkey(),
        &pool.address,
        &intruder.pubkey(),
    );
    assert_staking_error(
        env.send(&[hijack], &[&intruder]),
        StakingError::NotPoolAuthority,
    );

    ok(env.send(&[accept(&successor.pubkey())], &[&successor]));
    let state = env.pool(&pool);
    assert_eq!(
        (state.authority, state.pending_authority()),
        (successor.pubkey(), None)
    );
    // The old authority has no rights left.
    let stale = ix::update_pool(
        &staking::ID,
        &pool.authority.pubkey(),
        &pool.address,
        UpdatePoolParams::default(),
    );
    assert_staking_error(
        env.send(&[stale], &[&pool.authority]),
        StakingError::NotPoolAuthority,
    );

    // Proposing oneself withdraws a pending proposal.
    ok(env.send(
        &[ix::transfer_authority(
            &staking::ID,
            &successor.pubkey(),
            &pool.address,
            &intruder.pubkey(),
        )],
        &[&successor],
    ));
    ok(env.send(
        &[ix::transfer_authority(
            &staking::ID,
            &successor.pubkey(),
            &pool.address,
            &successor.pubkey(),
        )],
        &[&successor],
    ));
    assert_eq!(env.pool(&pool).pending_authority(), None);
}

#[test]
fn funding_checks_its_accounts_and_inputs() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(TOKEN_2022, 6);
    let other_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    let other_stream = env.add_stream(&pool, &other_mint);
    let state = env.pool(&pool);
    let authority = pool.authority.pubkey();
    let source = env.fund_user(&authority, &reward_mint, 1_000_000);
    let fund = |amount, duration| {
        ix::fund_rewards(
            &staking::ID,
            &authority,
            &pool.address,
            &state,
            stream,
            &source,
            amount,
            duration,
        )
        .unwrap()
    };

    assert_staking_error(
        env.send(&[fund(0, 100)], &[&pool.authority]),
        StakingError::ZeroAmount,
    );
    assert_staking_error(
        env.send(&[fund(10, 0)], &[&pool.authority]),
        StakingError::InvalidRewardDuration,
    );
    assert_staking_error(
        env.send(&[fund(10, MAX_REWARD_DURATION + 1)], &[&pool.authority]),
        StakingError::InvalidRewardDuration,
    );
    // Another stream's vault, mint or token program.
    let other_vault = state.reward_streams[other_stream as usize].reward_vault;
    let vault = state.reward_streams[stream as usize].reward_vault;
    assert_staking_error(
        env.send(
            &[substitute(fund(10, 100), &vault, &other_vault)],
            &[&pool.authority],
        ),
        StakingError::InvalidRewardVault,
    );
    assert_staking_error(
        env.send(
            &[substitute(fund(10, 100), &reward_mint, &other_mint)],
            &[&pool.authority],
        ),
        StakingError::InvalidRewardMint,
    );
    assert_staking_error(
        env.send(
            &[substitute(fund(10, 100), &TOKEN_2022, &SPL_TOKEN)],
            &[&pool.authority],
        ),
        StakingError::InvalidTokenProgram,
    );
    // A stream index the pool does not have.
    let mut bad_index = fund(10, 100);
    bad_index.data[8] = 3;
    assert_staking_error(
        env.send(&[bad_index], &[&pool.authority]),
        StakingError::InvalidStreamIndex,
    );
    // Not the authority.
    let intruder = env.new_user();
    let intruder_source = env.fund_user(&intruder.pubkey(), &reward_mint, 10);
    let forged = ix::fund_rewards(
        &staking::ID,
        &intruder.pubkey(),
        &pool.address,
        &state,
        stream,
        &intruder_source,
        10,
        100,
    )
    .unwrap();
    assert_staking_error(
        env.send(&[forged], &[&intruder]),
        StakingError::NotPoolAuthority,
    );

    // Paused pools take no funding.
    env.set_paused(&pool, true);
    assert_staking_error(
        env.send(&[fund(10, 100)], &[&pool.authority]),
        StakingError::PoolPaused,
    );
    env.set_paused(&pool, false);

    let before = env.pool(&pool);
    ok(env.send(&[fund(1_000, 100)], &[&pool.authority]));
    let after = env.pool(&pool).reward_streams[stream as usize];
    assert_eq!(after.total_funded, 1_000);
    assert_eq!(after.rate_q.get() >> 64, 10);
    assert_eq!(after.period_end, env.now() + 100);
    assert_eq!(env.balance(&vault), 1_000);
    assert_ne!(before.reward_streams[stream as usize], after);
}

#[test]
fn funding_beyond_the_math_bounds_is_refused() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 0);
    let reward_mint = env.create_mint(SPL_TOKEN, 0);
    let pool = env.create_pool(&stake_mint, pool_params(1, 0));
    let stream = env.add_stream(&pool, &reward_mint);
    assert_staking_error(
        env.fund(&pool, stream, u64::MAX, 1),
        StakingError::RewardScheduleTooLarge,
    );
    assert_eq!(env.pool(&pool).reward_streams[0].total_funded, 0);
    // The smallest schedule, one base unit over the longest period, is representable.
    let small_mint = env.create_mint(SPL_TOKEN, 0);
    let small = env.add_stream(&pool, &small_mint);
    ok(env.fund(&pool, small, 1, MAX_REWARD_DURATION));
}
