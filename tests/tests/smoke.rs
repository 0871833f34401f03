use solana_signer::Signer;
use staking_tests::*;

#[test]
fn stake_earn_claim_unstake_withdraw() {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let reward_mint = env.create_mint(SPL_TOKEN, 6);
    let pool = env.create_pool(&stake_mint, scenario::pool_params(1, 7 * DAY as u64));
    let stream = env.add_stream(&pool, &reward_mint);
    ok(env.fund(&pool, stream, 1_000_000, 1_000));

    let alice = env.new_user();
    ok(env.stake(&pool, &alice, 500));
    env.warp(1_000);
    ok(env.claim(&pool, &alice, None));
    let paid = env.reward_balance(&pool, &alice.pubkey(), stream);
    assert!((999_990..=1_000_000).contains(&paid), "paid {paid}");

    let (ticket, result) = env.unstake(&pool, &alice, 500);
    ok(result);
    assert_staking_error(
        env.withdraw(&pool, &alice, &ticket),
        StakingError::TicketLocked,
    );
    env.warp(7 * DAY);
    ok(env.withdraw(&pool, &alice, &ticket));
    let account = env.token_account(&alice.pubkey(), &stake_mint);
    assert_eq!(env.balance(&account), 500);
    assert!(!env.exists(&ticket));
}
