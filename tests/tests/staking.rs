//! Staking, unbonding, withdrawing, cancelling and closing positions: happy
//! paths with balances, and the attacks that apply to each instruction.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::instructions::{InitializePoolParams, UpdatePoolParams};
use staking_client::instructions as ix;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const WEEK: u64 = 7 * DAY as u64;

fn setup(token_program: Pubkey) -> (TestEnv, TestPool) {
    let mut env = TestEnv::new();
    let mint = env.create_mint(token_program, 6);
    let pool = env.create_pool(&mint, pool_params(1, WEEK));
    (env, pool)
}

#[test]
fn stake_opens_then_tops_up_a_position() {
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let (mut env, pool) = setup(token_program);
        let alice = env.new_user();
        let lamports_before = env.lamports(&alice.pubkey());
        ok(env.stake(&pool, &alice, 1_000));
        let position = env.position(&pool, &alice.pubkey());
        assert_eq!(
            (position.owner, position.pool, position.staked),
            (alice.pubkey(), pool.address, 1_000)
        );
        assert_eq!((position.next_ticket_id, position.open_tickets), (0, 0));
        // The owner paid the position's rent.
        let rent = env.lamports(&pool.position_address(&alice.pubkey()));
        assert_eq!(lamports_before - env.lamports(&alice.pubkey()), rent);

        ok(env.stake(&pool, &alice, 500));
        assert_eq!(env.position(&pool, &alice.pubkey()).staked, 1_500);
        let state = env.pool(&pool);
        assert_eq!(state.total_staked, 1_500);
        assert_eq!(env.balance(&state.stake_vault), 1_500);
        let alice_tokens = env.token_account(&alice.pubkey(), &pool.stake_mint);
        assert_eq!(env.balance(&alice_tokens), 0);
    }
}

#[test]
fn stake_is_refused_when_paused_capped_below_minimum_or_zero() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &mint,
        InitializePoolParams {
            unbonding_period: 0,
            min_stake: 100,
            max_total_stake: Some(1_000),
            ..pool_params(1, 0)
        },
    );
    let alice = env.new_user();
    assert_staking_error(env.stake(&pool, &alice, 0), StakingError::ZeroAmount);
    assert_staking_error(
        env.stake(&pool, &alice, 99),
        StakingError::BelowMinimumStake,
    );
    ok(env.stake(&pool, &alice, 100));
    ok(env.stake(&pool, &alice, 1)); // the minimum applies to the position, not each top-up
    assert_staking_error(
        env.stake(&pool, &alice, 900),
        StakingError::StakeCapExceeded,
    );
    ok(env.stake(&pool, &alice, 899));
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            paused: Some(true),
            max_total_stake: Some(u64::MAX),
            ..Default::default()
        },
    ));
    assert_staking_error(env.stake(&pool, &alice, 10), StakingError::PoolPaused);
    assert_eq!(env.pool(&pool).total_staked, 1_000);
}

#[test]
fn stake_refuses_substituted_accounts() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let other_mint = env.create_mint(SPL_TOKEN, 6);
    let other = env.create_pool(&other_mint, pool_params(1, 0));
    let alice = env.new_user();
    let bob = env.new_user();
    ok(env.stake(&pool, &bob, 10));
    let open = ix::open_position(&staking::ID, &pool.address, &alice.pubkey());
    ok(env.send(&[open], &[&alice]));
    let source = env.fund_user(&alice.pubkey(), &pool.stake_mint, 1_000);
    let state = env.pool(&pool);
    let stake_ix = || {
        ix::stake(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            None,
            &source,
            100,
        )
    };
    let other_state = env.pool(&other);

    // Another pool's vault or mint.
    assert_staking_error(
        env.send(
            &[substitute(
                stake_ix(),
                &state.stake_vault,
                &other_state.stake_vault,
            )],
            &[&alice],
        ),
        StakingError::InvalidStakeVault,
    );
    assert_staking_error(
        env.send(
            &[substitute(stake_ix(), &state.stake_mint, &other_mint)],
            &[&alice],
        ),
        StakingError::InvalidStakeMint,
    );
    // Bob's position, signed by Alice: `has_one = owner` binds a position to its owner.
    let bob_position = pool.position_address(&bob.pubkey());
    assert_staking_error(
        env.send(
            &[substitute(
                stake_ix(),
                &pool.position_address(&alice.pubkey()),
                &bob_position,
            )],
            &[&alice],
        ),
        StakingError::NotPositionOwner,
    );
    // The other token program, and a program that is no token program at all.
    assert_staking_error(
        env.send(
            &[substitute(stake_ix(), &SPL_TOKEN, &TOKEN_2022)],
            &[&alice],
        ),
        StakingError::InvalidTokenProgram,
    );
    let fake_program = staking::ID;
    assert_fails(env.send(
        &[substitute(stake_ix(), &SPL_TOKEN, &fake_program)],
        &[&alice],
    ));
    // Another pool altogether (its PDA of another mint).
    assert_fails(env.send(
        &[substitute(stake_ix(), &pool.address, &other.address)],
        &[&alice],
    ));
    // Unsigned.
    assert_anchor_error(
        env.send(&[unsigned(stake_ix(), &alice.pubkey())], &[]),
        AnchorError::AccountNotSigner,
    );
    // Staking from someone else's token account needs their signature.
    let bob_tokens = env.fund_user(&bob.pubkey(), &pool.stake_mint, 100);
    assert_fails(env.send(&[substitute(stake_ix(), &source, &bob_tokens)], &[&alice]));

    assert_eq!(env.pool(&pool).total_staked, 10);
    assert_eq!(env.position(&pool, &bob.pubkey()).staked, 10);
    assert_eq!(env.position(&pool, &alice.pubkey()).staked, 0);
}

#[test]
fn type_cosplay_and_foreign_owned_accounts_are_refused() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 100));
    let position = pool.position_address(&alice.pubkey());
    // A position passed where the pool goes: wrong discriminator.
    let claim = ix::claim_rewards(
        &staking::ID,
        &pool.address,
        &env.pool(&pool),
        &alice.pubkey(),
        None,
        None,
    )
    .unwrap();
    let mut cosplay = claim.clone();
    cosplay.accounts[1].pubkey = position;
    assert_anchor_error(
        env.send(&[cosplay], &[&alice]),
        AnchorError::AccountDiscriminatorMismatch,
    );
    // A byte-for-byte copy of the pool owned by another program.
    let fake_pool = Pubkey::new_unique();
    let mut account = env.svm.get_account(&pool.address).unwrap();
    account.owner = Pubkey::new_unique();
    env.svm.set_account(fake_pool, account).unwrap();
    assert_anchor_error(
        env.send(&[substitute(claim, &pool.address, &fake_pool)], &[&alice]),
        AnchorError::AccountOwnedByWrongProgram,
    );
}

#[test]
fn unstake_creates_a_ticket_and_stops_earning_at_once() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let stream = env.add_stream(&pool, &reward_mint);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.fund(&pool, stream, 1_000_000, 1_000));

    env.warp(100);
    let (ticket, result) = env.unstake(&pool, &alice, 400);
    ok(result);
    let state = env.pool(&pool);
    assert_eq!((state.total_staked, state.total_unbonding), (600, 400));
    let t = env.ticket(&ticket);
    assert_eq!(
        (t.owner, t.pool, t.position, t.operator, t.id, t.amount),
        (
            alice.pubkey(),
            pool.address,
            pool.position_address(&alice.pubkey()),
            Pubkey::default(),
            0,
            400
        )
    );
    assert_eq!(t.unlock_at, env.now() + WEEK as i64);
    let position = env.position(&pool, &alice.pubkey());
    assert_eq!(
        (
            position.staked,
            position.next_ticket_id,
            position.open_tickets
        ),
        (600, 1, 1)
    );
    // Settled before the change: 100 seconds at 1,000/s for the only staker.
    assert!((99_999..=100_000).contains(&position.rewards[0].owed));

    // Unstake everything else: a second ticket; the stake earns nothing after.
    let (second, result) = env.unstake(&pool, &alice, 600);
    ok(result);
    assert_eq!(env.ticket(&second).id, 1);
    let owed = env.position(&pool, &alice.pubkey()).rewards[0].owed;
    env.warp(500);
    ok(env.claim(&pool, &alice, None));
    assert_eq!(env.reward_balance(&pool, &alice.pubkey(), stream), owed);
}

#[test]
fn unstake_checks_amounts_minimum_and_ownership() {
    let mut env = TestEnv::new();
    let mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(
        &mint,
        InitializePoolParams {
            unbonding_period: 10,
            min_stake: 100,
            max_total_stake: None,
            ..pool_params(1, 0)
        },
    );
    let alice = env.new_user();
    let bob = env.new_user();
    ok(env.stake(&pool, &alice, 300));
    ok(env.stake(&pool, &bob, 300));
    assert_staking_error(env.unstake(&pool, &alice, 0).1, StakingError::ZeroAmount);
    assert_staking_error(
        env.unstake(&pool, &alice, 301).1,
        StakingError::InsufficientStake,
    );
    assert_staking_error(
        env.unstake(&pool, &alice, u64::MAX).1,
        StakingError::InsufficientStake,
    );
    assert_staking_error(
        env.unstake(&pool, &alice, 250).1,
        StakingError::BelowMinimumStake,
    );
    ok(env.unstake(&pool, &alice, 200).1);

    // Alice cannot unstake from Bob's position.
    let bob_position = pool.position_address(&bob.pubkey());
    let ticket = env.new_keypair();
    let mut forged = ix::unstake(
        &staking::ID,
        &pool.address,
        &alice.pubkey(),
        None,
        &ticket.pubkey(),
        100,
    );
    forged.accounts[2].pubkey = bob_position;
    assert_staking_error(
        env.send(&[forged], &[&alice, &ticket]),
        StakingError::NotPositionOwner,
    );
    let unsigned_by_bob = unsigned(
        ix::unstake(
            &staking::ID,
            &pool.address,
            &bob.pubkey(),
            None,
            &ticket.pubkey(),
            100,
        ),
        &bob.pubkey(),
    );
    assert_anchor_error(
        env.send(&[unsigned_by_bob], &[&ticket]),
        AnchorError::AccountNotSigner,
    );
    assert!(!env.exists(&ticket.pubkey()));
    assert_eq!(env.position(&pool, &bob.pubkey()).staked, 300);

    // Users can always leave: unstake works while paused.
    env.set_paused(&pool, true);
    ok(env.unstake(&pool, &bob, 300).1);
}

#[test]
fn withdraw_pays_after_unlock_once_and_only_to_the_owner() {
    for token_program in [SPL_TOKEN, TOKEN_2022] {
        let (mut env, pool) = setup(token_program);
        let alice = env.new_user();
        let mallory = env.new_user();
        ok(env.stake(&pool, &alice, 1_000));
        ok(env.stake(&pool, &mallory, 1_000));
        let (ticket, result) = env.unstake(&pool, &alice, 700);
        ok(result);
        assert_staking_error(
            env.withdraw(&pool, &alice, &ticket),
            StakingError::TicketLocked,
        );
        env.warp(WEEK as i64 - 1);
        assert_staking_error(
            env.withdraw(&pool, &alice, &ticket),
            StakingError::TicketLocked,
        );
        env.warp(1);

        // Mallory cannot take Alice's ticket, to her own account or to Alice's.
        let state = env.pool(&pool);
        let mallory_tokens = env.token_account(&mallory.pubkey(), &pool.stake_mint);
        let alice_tokens = env.token_account(&alice.pubkey(), &pool.stake_mint);
        let mut steal = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &mallory.pubkey(),
            &ticket,
            &env.ticket(&ticket),
            &mallory_tokens,
        );
        // Her own position with Alice's ticket: the ticket names its owner.
        assert_staking_error(
            env.send(&[steal.clone()], &[&mallory]),
            StakingError::NotTicketOwner,
        );
        // Alice's position too: the position names its owner.
        steal.accounts[2].pubkey = pool.position_address(&alice.pubkey());
        assert_staking_error(
            env.send(&[steal], &[&mallory]),
            StakingError::NotPositionOwner,
        );
        // Alice's withdrawal cannot be pointed at someone else's account or at the vault itself.
        let to_mallory = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            &ticket,
            &env.ticket(&ticket),
            &mallory_tokens,
        );
        assert_staking_error(
            env.send(&[to_mallory], &[&alice]),
            StakingError::InvalidDestination,
        );
        // The vault as its own destination: not the owner's token account.
        let to_vault = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            &ticket,
            &env.ticket(&ticket),
            &state.stake_vault,
        );
        assert_staking_error(
            env.send(&[to_vault], &[&alice]),
            StakingError::InvalidDestination,
        );

        let lamports_before = env.lamports(&alice.pubkey());
        let ticket_rent = env.lamports(&ticket);
        ok(env.withdraw(&pool, &alice, &ticket));
        assert_eq!(env.balance(&alice_tokens), 700);
        assert_eq!(env.lamports(&alice.pubkey()), lamports_before + ticket_rent);
        assert!(!env.exists(&ticket));
        let state = env.pool(&pool);
        assert_eq!((state.total_staked, state.total_unbonding), (1_300, 0));
        assert_eq!(env.balance(&state.stake_vault), 1_300);
        assert_eq!(env.position(&pool, &alice.pubkey()).open_tickets, 0);

        // Twice: the ticket is gone. Twice in one transaction: refused as a whole.
        assert_anchor_error(
            env.withdraw(&pool, &alice, &ticket),
            AnchorError::AccountOwnedByWrongProgram,
        );
        let (second, result) = env.unstake(&pool, &alice, 300);
        ok(result);
        env.warp(WEEK as i64);
        let withdraw = ix::withdraw(
            &staking::ID,
            &pool.address,
            &state,
            &alice.pubkey(),
            &second,
            &env.ticket(&second),
            &alice_tokens,
        );
        assert_fails(env.send(&[withdraw.clone(), withdraw], &[&alice]));
        assert_eq!(env.balance(&alice_tokens), 700);
        // Withdrawing works while the pool is paused.
        env.set_paused(&pool, true);
        ok(env.withdraw(&pool, &alice, &second));
        assert_eq!(env.balance(&alice_tokens), 1_000);
    }
}

#[test]
fn tickets_keep_the_unbonding_period_in_force_when_created() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 100));
    let (early, result) = env.unstake(&pool, &alice, 50);
    ok(result);
    ok(env.update_pool(
        &pool,
        UpdatePoolParams {
            unbonding_period: Some(DAY as u64),
            ..Default::default()
        },
    ));
    let (late, result) = env.unstake(&pool, &alice, 50);
    ok(result);
    assert_eq!(env.ticket(&early).unlock_at, env.now() + WEEK as i64);
    assert_eq!(env.ticket(&late).unlock_at, env.now() + DAY);
    env.warp(DAY);
    ok(env.withdraw(&pool, &alice, &late));
    assert_staking_error(
        env.withdraw(&pool, &alice, &early),
        StakingError::TicketLocked,
    );
}

#[test]
fn cancel_unbond_returns_the_ticket_to_stake() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let alice = env.new_user();
    let mallory = env.new_user();
    ok(env.stake(&pool, &alice, 1_000));
    ok(env.stake(&pool, &mallory, 1));
    let (ticket, result) = env.unstake(&pool, &alice, 600);
    ok(result);

    let steal = substitute(
        ix::cancel_unbond(
            &staking::ID,
            &pool.address,
            &mallory.pubkey(),
            None,
            &ticket,
            &env.ticket(&ticket),
        ),
        &pool.position_address(&mallory.pubkey()),
        &pool.position_address(&alice.pubkey()),
    );
    assert_staking_error(
        env.send(&[steal], &[&mallory]),
        StakingError::NotPositionOwner,
    );
    // Her own position with Alice's ticket.
    let steal_ticket = ix::cancel_unbond(
        &staking::ID,
        &pool.address,
        &mallory.pubkey(),
        None,
        &ticket,
        &env.ticket(&ticket),
    );
    assert_staking_error(
        env.send(&[steal_ticket], &[&mallory]),
        StakingError::NotTicketOwner,
    );
    env.set_paused(&pool, true);
    assert_staking_error(
        env.cancel_unbond(&pool, &alice, &ticket),
        StakingError::PoolPaused,
    );
    env.set_paused(&pool, false);

    let lamports_before = env.lamports(&alice.pubkey());
    let ticket_rent = env.lamports(&ticket);
    ok(env.cancel_unbond(&pool, &alice, &ticket));
    assert!(!env.exists(&ticket));
    assert_eq!(env.lamports(&alice.pubkey()), lamports_before + ticket_rent);
    let state = env.pool(&pool);
    assert_eq!((state.total_staked, state.total_unbonding), (1_001, 0));
    let position = env.position(&pool, &alice.pubkey());
    assert_eq!((position.staked, position.open_tickets), (1_000, 0));
    assert_anchor_error(
        env.cancel_unbond(&pool, &alice, &ticket),
        AnchorError::AccountOwnedByWrongProgram,
    );
}

#[test]
fn close_position_only_when_empty_and_it_can_reopen() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let stream = env.add_stream(&pool, &reward_mint);
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 100));
    ok(env.fund(&pool, stream, 10_000, 100));
    assert_staking_error(
        env.close_position(&pool, &alice),
        StakingError::PositionNotEmpty,
    );
    env.warp(100);
    let (ticket, result) = env.unstake(&pool, &alice, 100);
    ok(result);
    // Stake is gone, but a ticket is open and rewards are owed.
    assert_staking_error(
        env.close_position(&pool, &alice),
        StakingError::PositionNotEmpty,
    );
    env.warp(WEEK as i64);
    ok(env.withdraw(&pool, &alice, &ticket));
    assert_staking_error(
        env.close_position(&pool, &alice),
        StakingError::PositionNotEmpty,
    );
    ok(env.claim(&pool, &alice, None));

    let mallory = env.new_user();
    let mut forged = ix::close_position(&staking::ID, &pool.address, &mallory.pubkey());
    forged.accounts[2].pubkey = pool.position_address(&alice.pubkey());
    assert_staking_error(
        env.send(&[forged], &[&mallory]),
        StakingError::NotPositionOwner,
    );

    let position = pool.position_address(&alice.pubkey());
    let rent = env.lamports(&position);
    let before = env.lamports(&alice.pubkey());
    ok(env.close_position(&pool, &alice));
    assert!(!env.exists(&position));
    assert_eq!(env.lamports(&alice.pubkey()), before + rent);
    // A closed position is a fresh one when the owner stakes again.
    ok(env.stake(&pool, &alice, 50));
    let reopened = env.position(&pool, &alice.pubkey());
    assert_eq!(
        (
            reopened.staked,
            reopened.next_ticket_id,
            reopened.rewards[0].owed
        ),
        (50, 0, 0)
    );
}

#[test]
fn transfer_fee_mints_credit_what_the_vault_received() {
    let mut env = TestEnv::new();
    // 1% fee on the stake mint.
    let mint = env.create_mint_with(TOKEN_2022, 6, &[MintExtension::TransferFee(100)]);
    let pool = env.create_pool(&mint, pool_params(1, 0));
    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 10_000));
    let state = env.pool(&pool);
    assert_eq!(state.total_staked, 9_900);
    assert_eq!(env.position(&pool, &alice.pubkey()).staked, 9_900);
    assert_eq!(env.balance(&state.stake_vault), 9_900);
    // What leaves the vault is what was credited; the fee comes out of the payout.
    let (ticket, result) = env.unstake(&pool, &alice, 9_900);
    ok(result);
    ok(env.withdraw(&pool, &alice, &ticket));
    assert_eq!(env.balance(&env.pool(&pool).stake_vault), 0);
    let alice_tokens = env.token_account(&alice.pubkey(), &mint);
    assert_eq!(env.balance(&alice_tokens), 9_801);
    // A stake the fee swallows whole credits nothing and is refused.
    assert_staking_error(env.stake(&pool, &alice, 1), StakingError::NothingReceived);
}

#[test]
fn direct_transfers_into_the_vault_do_not_break_accounting() {
    let (mut env, pool) = setup(SPL_TOKEN);
    let alice = env.new_user();
    let griefer: Keypair = env.new_user();
    ok(env.stake(&pool, &alice, 100));
    let state = env.pool(&pool);
    let griefer_tokens = env.fund_user(&griefer.pubkey(), &pool.stake_mint, 5_000);
    let transfer = anchor_spl::token_2022::spl_token_2022::instruction::transfer_checked(
        &SPL_TOKEN,
        &griefer_tokens,
        &pool.stake_mint,
        &state.stake_vault,
        &griefer.pubkey(),
        &[],
        5_000,
        6,
    )
    .unwrap();
    ok(env.send(&[transfer], &[&griefer]));
    ok(env.stake(&pool, &alice, 100));
    let (ticket, result) = env.unstake(&pool, &alice, 200);
    ok(result);
    env.warp(WEEK as i64);
    ok(env.withdraw(&pool, &alice, &ticket));
    let alice_tokens = env.token_account(&alice.pubkey(), &pool.stake_mint);
    assert_eq!(env.balance(&alice_tokens), 200);
    assert_eq!(env.pool(&pool).total_staked, 0);
}
