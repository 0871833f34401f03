//! Random sequences of stake / unstake / claim / compound / fund / withdraw /
//! cancel from several users, with delegation to two operators whose
//! commission and status change along the way, on the bytecode. After every
//! step: the vaults cover every liability (stakers' and operators'), nothing is
//! paid beyond what was funded, each operator's delegated stake is the sum of
//! its delegators' stake, and each user's rewards *plus the commission taken
//! from them* match a reference model (exact shares of emission over time, in
//! floating point) within the documented rounding; what operators booked
//! matches what their delegators paid within the same rounding.
use proptest::prelude::*;
use solana_keypair::Keypair;
use solana_signer::Signer;
use staking::state::Operator;
use staking_client::rewards::{commission_owed, settled_position};
use staking_tests::scenario::pool_params;
use staking_tests::*;

const USERS: usize = 3;
const STREAMS: usize = 2;
const UNBONDING: i64 = 100;
const OPERATORS: usize = 2;
const MAX_COMMISSION_BPS: u16 = 3_000;

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
    Delegate {
        user: usize,
        operator: usize,
    },
    Undelegate {
        user: usize,
    },
    SetCommission {
        operator: usize,
        bps: u16,
    },
    SetActive {
        operator: usize,
        active: bool,
    },
    ClaimCommission {
        operator: usize,
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
        2 => (user.clone(), 0..OPERATORS).prop_map(|(user, operator)| Op::Delegate { user, operator }),
        1 => user.clone().prop_map(|user| Op::Undelegate { user }),
        1 => (0..OPERATORS, 0..=MAX_COMMISSION_BPS)
            .prop_map(|(operator, bps)| Op::SetCommission { operator, bps }),
        1 => (0..OPERATORS, any::<bool>())
            .prop_map(|(operator, active)| Op::SetActive { operator, active }),
        1 => (0..OPERATORS).prop_map(|operator| Op::ClaimCommission { operator }),
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
    /// The operator each user's position is delegated to.
    delegated_to: [Option<usize>; USERS],
    operator_active: [bool; OPERATORS],
    /// Commission claimed by each operator, per stream.
    commission_claimed: [[u64; STREAMS]; OPERATORS],
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
    let params = staking::instructions::InitializePoolParams {
        max_commission_bps: MAX_COMMISSION_BPS,
        ..pool_params(1, UNBONDING as u64)
    };
    let pool = env.create_pool(&stake_mint, params);
    env.add_stream(&pool, &stake_mint); // compoundable
    env.add_stream(&pool, &other_mint);
    let users: Vec<Keypair> = (0..USERS).map(|_| env.new_user()).collect();
    let operator_keys: Vec<Keypair> = (0..OPERATORS).map(|_| env.new_user()).collect();
    let operators: Vec<_> = operator_keys
        .iter()
        .zip([1_000, 2_500])
        .map(|(key, bps)| env.register_operator(&pool, key, bps, "op"))
        .collect();
    let mut model = Model {
        last: env.now(),
        period_end: [env.now(); STREAMS],
        operator_active: [true; OPERATORS],
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
            Op::Delegate { user, operator } => {
                let has_position = env.exists(&pool.position_address(&users[user].pubkey()));
                if !has_position || model.delegated_to[user] == Some(operator) {
                    continue;
                }
                let result = match model.delegated_to[user] {
                    None => env.delegate(&pool, &users[user], &operators[operator]),
                    Some(_) => env.redelegate(&pool, &users[user], &operators[operator]),
                };
                if model.operator_active[operator] {
                    ok(result);
                    model.delegated_to[user] = Some(operator);
                } else {
                    assert_staking_error(result, StakingError::OperatorInactive);
                }
            }
            Op::Undelegate { user } => {
                if model.delegated_to[user].is_none() {
                    continue;
                }
                ok(env.undelegate(&pool, &users[user]));
                model.delegated_to[user] = None;
            }
            Op::SetCommission { operator, bps } => {
                ok(env.update_operator(&pool, &operator_keys[operator], Some(bps), None));
            }
            Op::SetActive { operator, active } => {
                let result = env.set_operator_active(&pool, &operators[operator], active);
                if model.operator_active[operator] == active {
                    assert_staking_error(result, StakingError::OperatorStatusUnchanged);
                } else {
                    ok(result);
                    model.operator_active[operator] = active;
                }
            }
            Op::ClaimCommission { operator } => {
                for s in 0..STREAMS {
                    let authority = operator_keys[operator].pubkey();
                    let before = env.reward_balance(&pool, &authority, s as u8);
                    let result = env.claim_commission(&pool, &operator_keys[operator], s as u8);
                    if staking_tests::custom_error(&result)
                        == Some(StakingError::NothingToClaim as u32 + 6000)
                    {
                        continue;
                    }
                    ok(result);
                    model.commission_claimed[operator][s] +=
                        env.reward_balance(&pool, &authority, s as u8) - before;
                }
            }
        }
        model.advance(env.now());
        check_invariants(&env, &pool, &users, &operators, &model)?;
    }
    Ok(())
}

fn check_invariants(
    env: &TestEnv,
    pool: &TestPool,
    users: &[Keypair],
    operators: &[anchor_lang::prelude::Pubkey],
    model: &Model,
) -> Result<(), TestCaseError> {
    let state = env.pool(pool);
    let now = env.now();
    let unbonding: u64 = model.tickets.iter().flatten().map(|t| t.1).sum();
    prop_assert_eq!(state.total_staked, model.stake.iter().sum::<u64>());
    prop_assert_eq!(state.total_unbonding, unbonding);
    prop_assert!(env.balance(&state.stake_vault) >= state.total_staked + state.total_unbonding);

    let operator_states: Vec<Operator> = operators.iter().map(|o| env.operator(o)).collect();
    for (o, operator) in operator_states.iter().enumerate() {
        let delegated: u64 = (0..USERS)
            .filter(|u| model.delegated_to[*u] == Some(o))
            .map(|u| model.stake[u])
            .sum();
        prop_assert_eq!(operator.delegated, delegated);
        prop_assert_eq!(operator.is_active(), model.operator_active[o]);
    }

    let mut owed_total = [0u64; STREAMS];
    let mut commission_paid_total = [0u64; STREAMS];
    for (u, user) in users.iter().enumerate() {
        let position = env.position_or_default(pool, &user.pubkey());
        prop_assert_eq!(position.staked, model.stake[u]);
        let delegated = model.delegated_to[u].map(|o| {
            prop_assert_eq!(position.operator, operators[o]);
            Ok((operator_states[o], env.delegation(pool, &user.pubkey())))
        });
        let delegated = delegated.transpose()?;
        let settled = settled_position(
            &state,
            &position,
            delegated.as_ref().map(|(o, d)| (o, d)),
            now,
        )
        .expect("projection");
        for s in 0..STREAMS {
            let pending = settled.rewards[s].owed;
            let commission = settled.rewards[s].commission_paid;
            owed_total[s] += pending;
            commission_paid_total[s] += commission;
            // The staker's share plus what commission took is what the
            // position earned.
            let earned = (model.paid[u][s] + pending + commission) as f64;
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
    // What operators booked is what their delegators paid, within one unit
    // per settlement and per operator sync.
    let mut booked_total = [0u64; STREAMS];
    for (o, operator) in operator_states.iter().enumerate() {
        let owed = commission_owed(&state, operator, now).expect("projection");
        for s in 0..STREAMS {
            owed_total[s] += owed[s];
            booked_total[s] += owed[s] + model.commission_claimed[o][s];
            prop_assert_eq!(
                operator.streams[s].commission_claimed,
                model.commission_claimed[o][s]
            );
        }
    }
    let tolerance = 3 * model.settlements + 2;
    for s in 0..STREAMS {
        prop_assert!(
            booked_total[s] <= commission_paid_total[s] + tolerance
                && commission_paid_total[s] <= booked_total[s] + tolerance,
            "stream {}: operators booked {}, delegators paid {}",
            s,
            booked_total[s],
            commission_paid_total[s]
        );
    }
    for (s, (stream, owed)) in state.reward_streams.iter().zip(owed_total).enumerate() {
        prop_assert!(stream.total_claimed <= stream.total_funded);
        prop_assert_eq!(stream.total_funded, model.funded[s]);
        // Everything owed to stakers and operators, now, is in the vault.
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
