//! The client throughput benchmark: N users stake and claim concurrently
//! through the library's pipelined sender against a local validator, beside
//! plain SOL transfers sent the same way to the same validator in the same
//! run. Writes its table into BENCHMARKS.md between its own markers.
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use staking::instructions::InitializePoolParams;
use staking_client::{instructions as ix, pda, StakingClient};

use crate::batch::{send_batch, BatchOutcome};
use crate::mints::{mint_to_owner, Funding};

const BEGIN: &str = "<!-- client-throughput:begin -->";
const END: &str = "<!-- client-throughput:end -->";

/// One measured phase.
pub struct Phase {
    pub name: &'static str,
    pub sent: usize,
    pub confirmed: usize,
    /// Landed, but refused by the program (not counted as confirmed).
    pub refused: usize,
    pub seconds: f64,
    pub latencies: Vec<Duration>,
}

impl Phase {
    fn tps(&self) -> f64 {
        self.confirmed as f64 / self.seconds
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64()
    }
}

fn sign(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    blockhash: solana_transaction::Hash,
) -> Transaction {
    let mut all = vec![payer];
    all.extend_from_slice(signers);
    Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &all, blockhash)
}

/// Sends one batch and fails unless every transaction confirmed.
async fn must_confirm(
    client: &StakingClient,
    build: impl Fn(solana_transaction::Hash) -> Vec<Transaction>,
) -> Result<(), String> {
    let (blockhash, last_valid) = client.latest_blockhash().await.map_err(|e| e.to_string())?;
    let outcomes = send_batch(client, &build(blockhash), last_valid).await;
    match outcomes.iter().find_map(|o| o.error.clone()) {
        Some(error) => Err(format!("setup transaction failed: {error}")),
        None => Ok(()),
    }
}

/// Runs `rounds` pipelined batches built by `build` and measures them.
async fn measure(
    client: &StakingClient,
    name: &'static str,
    rounds: usize,
    build: impl Fn(usize, solana_transaction::Hash) -> Vec<Transaction>,
) -> Result<Phase, String> {
    let mut phase = Phase {
        name,
        sent: 0,
        confirmed: 0,
        refused: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for round in 0..rounds {
        let (blockhash, last_valid) = client.latest_blockhash().await.map_err(|e| e.to_string())?;
        let transactions = build(round, blockhash);
        let started = Instant::now();
        let outcomes: Vec<BatchOutcome> = send_batch(client, &transactions, last_valid).await;
        phase.seconds += started.elapsed().as_secs_f64();
        phase.sent += outcomes.len();
        for outcome in outcomes {
            match (outcome.latency, outcome.error) {
                (Some(latency), None) => {
                    phase.confirmed += 1;
                    phase.latencies.push(latency);
                }
                (_, Some(error)) if error.starts_with("program error") => {
                    phase.refused += 1;
                    eprintln!("{name}: {} refused: {error}", outcome.signature);
                }
                (_, Some(error)) => eprintln!("{name}: {} failed: {error}", outcome.signature),
                _ => {}
            }
        }
    }
    Ok(phase)
}

pub async fn run(
    client: &StakingClient,
    users: usize,
    rounds: usize,
) -> Result<Vec<Phase>, String> {
    let payer = client.signer().map_err(|e| e.to_string())?;
    let users: Vec<Arc<Keypair>> = (0..users).map(|_| Arc::new(Keypair::new())).collect();
    eprintln!(
        "setup: {} users with SOL and stake tokens, a pool with a funded stream",
        users.len()
    );
    must_confirm(client, |hash| {
        users
            .chunks(8)
            .map(|chunk| {
                let transfers: Vec<Instruction> = chunk
                    .iter()
                    .map(|u| {
                        system_instruction::transfer(&payer.pubkey(), &u.pubkey(), 1_000_000_000)
                    })
                    .collect();
                sign(&transfers, payer, &[], hash)
            })
            .collect()
    })
    .await?;
    let token = anchor_spl::token::ID;
    let stake_mint = client
        .create_mint(6, &token, &[])
        .await
        .map_err(|e| e.to_string())?;
    let reward_mint = client
        .create_mint(6, &token, &[(payer.pubkey(), u64::MAX / 4)])
        .await
        .map_err(|e| e.to_string())?;
    must_confirm(client, |hash| {
        users
            .chunks(4)
            .map(|chunk| {
                let instructions: Vec<Instruction> = chunk
                    .iter()
                    .flat_map(|user| {
                        mint_to_owner(
                            &payer.pubkey(),
                            &stake_mint,
                            &token,
                            6,
                            &user.pubkey(),
                            1_000_000_000,
                        )
                        .expect("mint_to instruction")
                    })
                    .collect();
                sign(&instructions, payer, &[], hash)
            })
            .collect()
    })
    .await?;
    // The pool, its stream and a day of rewards, through the SDK's builders.
    let program = client.program_id;
    let creator = payer.pubkey();
    let pool_address = pda::pool(&program, &stake_mint, &creator, 0);
    let params = InitializePoolParams {
        unbonding_period: 0,
        min_stake: 0,
        max_total_stake: None,
        operator_approval_required: false,
        max_commission_bps: staking::math::BPS_DENOMINATOR,
        max_operator_share_bps: None,
        accepted_mint_authorities: Default::default(),
    };
    let create = ix::initialize_pool(&program, &creator, &stake_mint, &token, 0, params);
    let add = ix::add_reward_stream(
        &program,
        &creator,
        &pool_address,
        &reward_mint,
        &token,
        Default::default(),
    );
    client
        .send(&[create, add])
        .await
        .map_err(|e| e.to_string())?;
    let pool = client
        .pool(&pool_address)
        .await
        .map_err(|e| e.to_string())?;
    let funder = pda::token_account(&creator, &reward_mint, &token);
    let fund = ix::fund_rewards(
        &program,
        &creator,
        &pool_address,
        &pool,
        0,
        &funder,
        1_000_000_000_000,
        86_400,
    )
    .map_err(|e| e.to_string())?;
    client.send(&[fund]).await.map_err(|e| e.to_string())?;
    let pool = client
        .pool(&pool_address)
        .await
        .map_err(|e| e.to_string())?;
    let stake_tx = |user: &Keypair, amount: u64, hash| {
        let source = pda::token_account(&user.pubkey(), &stake_mint, &token);
        let stake = ix::stake(
            &program,
            &pool_address,
            &pool,
            &user.pubkey(),
            None,
            &source,
            amount,
        );
        sign(&[stake], user, &[], hash)
    };
    let open_and_stake_tx = |user: &Keypair, hash| {
        let source = pda::token_account(&user.pubkey(), &stake_mint, &token);
        sign(
            &[
                ix::open_position(&program, &pool_address, &user.pubkey()),
                ix::stake(
                    &program,
                    &pool_address,
                    &pool,
                    &user.pubkey(),
                    None,
                    &source,
                    1,
                ),
            ],
            user,
            &[],
            hash,
        )
    };
    // Open every position (and reward token account) before measuring.
    must_confirm(client, |hash| {
        users.iter().map(|u| open_and_stake_tx(u, hash)).collect()
    })
    .await?;
    must_confirm(client, |hash| {
        users
            .iter()
            .map(|u| {
                sign(
                    &[create_associated_token_account_idempotent(
                        &u.pubkey(),
                        &u.pubkey(),
                        &reward_mint,
                        &token,
                    )],
                    u,
                    &[],
                    hash,
                )
            })
            .collect()
    })
    .await?;

    eprintln!(
        "measuring: {rounds} rounds of {} stakes and {} claims",
        users.len(),
        users.len()
    );
    let staking = measure(client, "stake + claim", rounds, |round, hash| {
        let mut transactions: Vec<Transaction> = users
            .iter()
            .map(|u| stake_tx(u, 2 + round as u64, hash))
            .collect();
        transactions.extend(users.iter().map(|u| {
            let claim = ix::claim_rewards(&program, &pool_address, &pool, &u.pubkey(), None, None)
                .expect("stream 0 exists");
            sign(&[claim], u, &[], hash)
        }));
        transactions
    })
    .await?;
    eprintln!(
        "measuring: {rounds} rounds of {} SOL transfers",
        2 * users.len()
    );
    let transfers = measure(client, "SOL transfer", rounds, |round, hash| {
        (0..2)
            .flat_map(|k| {
                users.iter().map(move |u| {
                    let lamports = 1 + (round * 2 + k) as u64;
                    sign(
                        &[system_instruction::transfer(
                            &u.pubkey(),
                            &payer.pubkey(),
                            lamports,
                        )],
                        u,
                        &[],
                        hash,
                    )
                })
            })
            .collect()
    })
    .await?;
    Ok(vec![staking, transfers])
}

/// Renders the table and writes it into `path` between this benchmark's markers.
pub fn write(
    path: &Path,
    phases: &[Phase],
    users: usize,
    rounds: usize,
    notes: &str,
) -> Result<String, String> {
    let mut table = format!(
        "{BEGIN}\n## Client throughput\n\nMeasured by `{}` on {} cores: {users} users, {rounds} rounds; each round sends every transaction at once with one blockhash \
         and polls signature statuses in batches (`staking_localnet::batch::send_batch`), confirmation at `confirmed`. {notes}\n\n\
         tx/s counts confirmed successes only; \"refused\" are transactions that landed but the program refused \
         (a claim in the same clock second as that user's previous settlement: `NothingToClaim`).\n\n\
         | workload | sent | confirmed | refused | tx/s | p50 confirm (s) | p99 confirm (s) |\n|---|---|---|---|---|---|---|\n",
        "cargo run -p staking-localnet -- bench",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    );
    for phase in phases {
        table += &format!(
            "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} |\n",
            phase.name,
            phase.sent,
            phase.confirmed,
            phase.refused,
            phase.tps(),
            phase.percentile(0.5),
            phase.percentile(0.99)
        );
    }
    if let [staking, transfers, ..] = phases {
        table += &format!(
            "\nStaking tx/s ÷ transfer tx/s: **{:.2}** (target ≥ 0.8).\n",
            staking.tps() / transfers.tps()
        );
    }
    table += END;
    let current = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_string());
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(start), Some(end)) if end > start => format!(
            "{}{table}{}",
            &current[..start],
            &current[end + END.len()..]
        ),
        _ => format!("{}\n{table}\n", current.trim_end()),
    };
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(table)
}
