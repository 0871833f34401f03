//! Slashing on the bytecode: who may slash and how much, what a slash takes
//! from delegators and tickets, and that nobody escapes it by moving first.
use solana_signer::Signer;
use staking::errors::StakingError;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const DAY: u64 = 86_400;

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
