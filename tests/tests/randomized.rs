//! Random sequences of stake / unstake / claim / compound / fund / withdraw /
//! cancel from several users, on the bytecode. After every step: the vaults
//! cover every liability, nothing is paid beyond what was funded, and each
//! user's rewards match a reference model (exact shares of emission over
//! time, in floating point) within the documented rounding.
use proptest::prelude::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking_client::rewards::pending_rewards;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const USERS: usize = 3;
const STREAMS: usize = 2;
const UNBONDING: i64 = 100;

#[derive(Debug, Clone)]
enum Op {
    Stake {
        user: usize,
        amount: u64,
    },
    Unstake {
        user: usize,
        percent: u64,
    },
    Claim {
        user: usize,
    },
    Compound {
        user: usize,
    },
    Fund {
        stream: usize,
        amount: u64,
        duration: u64,
    },
    Withdraw {
        user: usize,
    },
    Cancel {
        user: usize,
    },
    Warp {
        seconds: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    prop_oneof![
        3 => (user.clone(), 1u64..10_000).prop_map(|(user, amount)| Op::Stake { user, amount }),
        2 => (user.clone(), 1u64..=100).prop_map(|(user, percent)| Op::Unstake { user, percent }),
        2 => user.clone().prop_map(|user| Op::Claim { user }),
        1 => user.clone().prop_map(|user| Op::Compound { user }),
        2 => (0..STREAMS, 1u64..1_000_000, 1u64..2_000)
            .prop_map(|(stream, amount, duration)| Op::Fund { stream, amount, duration }),
        1 => user.clone().prop_map(|user| Op::Withdraw { user }),
        1 => user.clone().prop_map(|user| Op::Cancel { user }),
        4 => (0i64..400).prop_map(|seconds| Op::Warp { seconds }),
    ]
}

/// The reference: per-second emission split by stake, no fixed point.
#[derive(Default)]
struct Model {
    rate: [f64; STREAMS],
    period_end: [i64; STREAMS],
    last: i64,
    stake: [u64; USERS],
    entitled: [[f64; STREAMS]; USERS],
    paid: [[u64; STREAMS]; USERS],
    funded: [u64; STREAMS],
    /// Open tickets per user: (address, amount, unlock time).
    tickets: [Vec<(anchor_lang::prelude::Pubkey, u64, i64)>; USERS],
    /// Settlements so far (each may round away under one base unit per user).
    settlements: u64,
}

impl Model {
    fn advance(&mut self, now: i64) {
        let total: u64 = self.stake.iter().sum();
        for s in 0..STREAMS {
            let seconds = (now.min(self.period_end[s]) - self.last.min(self.period_end[s])).max(0);
            if total > 0 && seconds > 0 {
                let emitted = self.rate[s] * seconds as f64;
                for u in 0..USERS {
                    self.entitled[u][s] += emitted * self.stake[u] as f64 / total as f64;
                }
            }
        }
        self.last = now;
    }

    fn fund(&mut self, now: i64, stream: usize, amount: u64, duration: u64) {
        let leftover = self.rate[stream] * (self.period_end[stream] - now).max(0) as f64;
        self.rate[stream] = (amount as f64 + leftover) / duration as f64;
        self.period_end[stream] = now + duration as i64;
        self.funded[stream] += amount;
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut env = TestEnv::new();
    let stake_mint = env.create_mint(SPL_TOKEN, 6);
    let other_mint = env.create_mint(TOKEN_2022, 9);
    let pool = env.create_pool(&stake_mint, pool_params(1, UNBONDING as u64));
    env.add_stream(&pool, &stake_mint); // compoundable
    env.add_stream(&pool, &other_mint);
    let users: Vec<Keypair> = (0..USERS).map(|_| env.new_user()).collect();
    let mut model = Model {
        last: env.now(),
        period_end: [env.now(); STREAMS],
        ..Model::default()
    };

    for op in ops {
        let now = env.now();
        model.advance(now);
        model.settlements += 1;
        match op {
            Op::Warp { seconds } => env.warp(seconds),
            Op::Stake { user, amount } => {
                ok(env.stake(&pool, &users[user], amount));
                model.stake[user] += amount;
            }
            Op::Unstake { user, percent } => {
                let amount = model.stake[user] * percent / 100;
                if amount == 0 {
                    continue;
                }
                let (ticket, result) = env.unstake(&pool, &users[user], amount);
                ok(result);
                model.stake[user] -= amount;
                model.tickets[user].push((ticket, amount, now + UNBONDING));
            }
            Op::Claim { user } if !env.exists(&pool.position_address(&users[user].pubkey())) => {
                assert_anchor_error(
                    env.claim(&pool, &users[user], None),
                    anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram,
                );
            }
            Op::Claim { user } => {
                let before: Vec<u64> = (0..STREAMS)
                    .map(|s| env.reward_balance(&pool, &users[user].pubkey(), s as u8))
                    .collect();
                let result = env.claim(&pool, &users[user], None);
                if staking_tests::custom_error(&result)
                    == Some(StakingError::NothingToClaim as u32 + 6000)
                {
                    continue;
                }
                ok(result);
                for (s, before) in before.into_iter().enumerate() {
                    model.paid[user][s] +=
                        env.reward_balance(&pool, &users[user].pubkey(), s as u8) - before;
                }
            }
            Op::Compound { user } => {
                let before = env.position_or_default(&pool, &users[user].pubkey()).staked;
                let result = env.compound(&pool, &users[user], 0);
                let code = staking_tests::custom_error(&result);
                if code == Some(StakingError::NothingToClaim as u32 + 6000) {
                    continue;
                }
                if code == Some(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram as u32) {
                    prop_assert_eq!(model.stake[user], 0);
                    prop_assert!(model.tickets[user].is_empty());
                    continue;
                }
                ok(result);
                let compounded = env.position(&pool, &users[user].pubkey()).staked - before;
                model.paid[user][0] += compounded;
                model.stake[user] += compounded;
            }
            Op::Fund {
                stream,
                amount,
                duration,
            } => {
                ok(env.fund(&pool, stream as u8, amount, duration));
                model.fund(now, stream, amount, duration);
            }
            Op::Withdraw { user } => {
                let Some(index) = model.tickets[user].iter().position(|t| t.2 <= now) else {
                    continue;
                };
                let (ticket, amount, _) = model.tickets[user].remove(index);
                let account = env.token_account(&users[user].pubkey(), &stake_mint);
                let before = env.balance(&account);
                ok(env.withdraw(&pool, &users[user], &ticket));
                prop_assert_eq!(env.balance(&account) - before, amount);
            }
            Op::Cancel { user } => {
                let Some((ticket, amount, _)) = model.tickets[user].pop() else {
                    continue;
                };
                ok(env.cancel_unbond(&pool, &users[user], &ticket));
                model.stake[user] += amount;
            }
        }
        model.advance(env.now());
        check_invariants(&env, &pool, &users, &model)?;
    }
    Ok(())
}

fn check_invariants(
    env: &TestEnv,
    pool: &TestPool,
    users: &[Keypair],
    model: &Model,
) -> Result<(), TestCaseError> {
    let state = env.pool(pool);
    let now = env.now();
    let unbonding: u64 = model.tickets.iter().flatten().map(|t| t.1).sum();
    prop_assert_eq!(state.total_staked, model.stake.iter().sum::<u64>());
    prop_assert_eq!(state.total_unbonding, unbonding);
    prop_assert!(env.balance(&state.stake_vault) >= state.total_staked + state.total_unbonding);

    let mut owed_total = [0u64; STREAMS];
    for (u, user) in users.iter().enumerate() {
        let position = env.position_or_default(pool, &user.pubkey());
        prop_assert_eq!(position.staked, model.stake[u]);
        let pending = pending_rewards(&state, &position, now).expect("pending");
        for s in 0..STREAMS {
            owed_total[s] += pending[s];
            let earned = (model.paid[u][s] + pending[s]) as f64;
            let entitled = model.entitled[u][s];
            // Never more than the exact share; at most one unit per settlement less.
            prop_assert!(
                earned <= entitled * (1.0 + 1e-9) + 1e-6,
                "user {} stream {}: {} > {}",
                u,
                s,
                earned,
                entitled
            );
            prop_assert!(
                entitled - earned <= model.settlements as f64 + 2.0,
                "user {} stream {}: {} << {}",
                u,
                s,
                earned,
                entitled
            );
        }
    }
    for (s, (stream, owed)) in state.reward_streams.iter().zip(owed_total).enumerate() {
        prop_assert!(stream.total_claimed <= stream.total_funded);
        prop_assert_eq!(stream.total_funded, model.funded[s]);
        // Everything owed to stakers, now, is in the vault.
        prop_assert!(
            env.balance(&stream.reward_vault) >= owed,
            "stream {} vault short",
            s
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_conserve_funds_and_match_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
