//! `staking-localnet`: a local validator (Agave 4.2, real JSON-RPC) with the
//! staking program deployed, built from crates.io alone — no Solana release
//! binaries needed. Plus two developer helpers that send real transactions to
//! it: `create-user` (a funded keypair) and `create-mint` (a token mint, with
//! tokens minted to owners).
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use clap::{Args, Parser, Subcommand};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, write_keypair_file, Keypair};
use solana_signer::Signer;
use staking_client::amount::UiAmount;
use staking_client::{ClientError, StakingClient};
use staking_localnet::bench;
use staking_localnet::mints::Funding;
use staking_localnet::validator::{launch, ValidatorConfig};

#[derive(Parser)]
#[command(
    name = "staking-localnet",
    version,
    about = "A local validator with the staking program deployed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the validator with the program deployed; runs until Ctrl-C
    Start {
        #[command(flatten)]
        validator: ValidatorArgs,
        /// Where to write the funded keypair (the genesis mint, and the program's upgrade authority)
        #[arg(long, default_value = "target/localnet/payer.json")]
        payer_out: PathBuf,
        /// Ledger directory (wiped at start)
        #[arg(long, default_value = "target/localnet/ledger")]
        ledger: PathBuf,
    },
    /// Measure client throughput (stake + claim vs SOL transfers) on a fresh
    /// local validator and write the table into BENCHMARKS.md
    Bench {
        #[command(flatten)]
        validator: ValidatorArgs,
        /// Ledger directory (wiped at start)
        #[arg(long, default_value = "target/localnet/bench-ledger")]
        ledger: PathBuf,
        #[arg(long, default_value_t = 32)]
        users: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
    },
    /// Create a keypair file funded with SOL from the payer
    CreateUser {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// The new keypair file (kept if it exists)
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 10)]
        sol: u64,
    },
    /// Create a mint (the payer is its authority), optionally minting to owners
    CreateMint {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// Decimal places (0-19: a u64 amount has at most 20 digits)
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(0..=19))]
        decimals: u8,
        /// Create it under Token-2022 instead of SPL Token
        #[arg(long)]
        token_2022: bool,
        /// Give the mint a freeze authority (the payer): pools and reward
        /// streams then need `--accept-freeze-authority`
        #[arg(long)]
        freeze_authority: bool,
        /// OWNER=AMOUNT (UI units) to mint into the owner's associated token account; repeatable
        #[arg(long = "mint-to", value_parser = parse_mint_to)]
        mint_to: Vec<(Pubkey, UiAmount)>,
    },
}

/// Where the validator listens and what it deploys.
#[derive(Args, Clone)]
struct ValidatorArgs {
    /// JSON-RPC port; the WebSocket port is the next one
    #[arg(long, default_value_t = 8899, value_parser = clap::value_parser!(u16).range(1..=65534))]
    rpc_port: u16,
    /// First of the ports the validator may use for gossip, TPU and the rest (200 of them)
    #[arg(long, default_value_t = 11000, value_parser = clap::value_parser!(u16).range(1024..=65335))]
    dynamic_port_start: u16,
    /// The program's bytecode
    #[arg(long, default_value = "target/deploy/staking.so")]
    program: PathBuf,
}

/// The running local validator and the keypair that pays.
#[derive(Args)]
struct ClusterArgs {
    #[arg(long, default_value = "http://127.0.0.1:8899")]
    url: String,
    #[arg(long, default_value = "target/localnet/payer.json")]
    payer: PathBuf,
}

impl ValidatorArgs {
    fn config(&self, ledger: &Path) -> ValidatorConfig {
        ValidatorConfig {
            rpc_port: self.rpc_port,
            dynamic_port_start: self.dynamic_port_start,
            ledger: ledger.to_path_buf(),
            program: self.program.clone(),
        }
    }
}

fn parse_mint_to(text: &str) -> Result<(Pubkey, UiAmount), String> {
    let (owner, amount) = text.split_once('=').ok_or("expected OWNER=AMOUNT")?;
    let owner = owner
        .parse()
        .map_err(|_| format!("{owner:?} is not a valid address"))?;
    let amount = amount.parse().map_err(|e: ClientError| e.to_string())?;
    Ok((owner, amount))
}

/// Any thread's panic ends the process in one line: a validator whose
/// broadcast or banking thread died keeps answering RPC while producing no
/// blocks, and every client would hang until its retries ran out.
fn exit_on_any_panic() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        let message = message.lines().next().unwrap_or_default().to_string();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "error: validator thread {thread} failed: {message}{location}; stopping"
        );
        std::process::exit(70);
    }));
}

#[tokio::main]
async fn main() -> ExitCode {
    exit_on_any_panic();
    let result = match Cli::parse().command {
        Command::Start {
            validator,
            payer_out,
            ledger,
        } => start(&validator, &payer_out, &ledger).await,
        Command::Bench {
            validator,
            ledger,
            users,
            rounds,
            out,
        } => run_bench(&validator, &ledger, users, rounds, &out).await,
        Command::CreateUser { cluster, out, sol } => create_user(&cluster, &out, sol).await,
        Command::CreateMint {
            cluster,
            decimals,
            token_2022,
            freeze_authority,
            mint_to,
        } => create_mint(&cluster, decimals, token_2022, freeze_authority, &mint_to).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn start(
    validator_args: &ValidatorArgs,
    payer_out: &Path,
    ledger: &Path,
) -> Result<(), String> {
    let payer = Keypair::new();
    let started = std::time::Instant::now();
    // The payer file is written only once this validator runs: a second
    // `start` beside a running one must not replace the keypair its users pay with.
    let validator = launch(&validator_args.config(ledger), &payer).await?;
    if let Some(dir) = payer_out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_keypair_file(&payer, payer_out)
        .map_err(|e| format!("cannot write {}: {e}", payer_out.display()))?;
    println!(
        "Local validator ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("  RPC URL:        {}", validator.rpc_url());
    println!(
        "  program:        {} ({})",
        staking::ID,
        validator_args.program.display()
    );
    println!("  funded keypair: {}", payer_out.display());
    println!("Press Ctrl-C to stop.");
    // Ctrl-C from a terminal, SIGTERM from scripts (background jobs of a
    // non-interactive shell start with SIGINT ignored).
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot wait for SIGTERM: {e}"))?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => {
            result.map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
        }
        _ = terminate.recv() => {}
    }
    println!("Stopping the validator");
    drop(validator);
    Ok(())
}

async fn run_bench(
    validator_args: &ValidatorArgs,
    ledger: &Path,
    users: usize,
    rounds: usize,
    out: &Path,
) -> Result<(), String> {
    let payer = Arc::new(Keypair::new());
    let validator = launch(&validator_args.config(ledger), &payer).await?;
    let client = StakingClient::new(
        &validator.rpc_url(),
        Some(payer),
        staking::ID,
        CommitmentConfig::confirmed(),
    );
    let phases = bench::run(&client, users, rounds).await?;
    let notes = format!(
        "Client and validator are this workspace's `dev` builds (the validator is the `solana-test-validator` {} crate in process), so absolute figures are far below a release validator's; the ratio is the point.",
        "4.2.2"
    );
    let table = bench::write(out, &phases, users, rounds, &notes)?;
    println!("{table}");
    drop(validator);
    Ok(())
}

fn client(cluster: &ClusterArgs) -> Result<StakingClient, String> {
    let payer = read_keypair_file(&cluster.payer)
        .map_err(|e| format!("cannot read {}: {e}", cluster.payer.display()))?;
    Ok(StakingClient::new(
        &cluster.url,
        Some(Arc::new(payer)),
        staking::ID,
        CommitmentConfig::confirmed(),
    ))
}

async fn create_user(cluster: &ClusterArgs, out: &Path, sol: u64) -> Result<(), String> {
    let client = client(cluster)?;
    let user = match read_keypair_file(out) {
        Ok(existing) => existing,
        Err(_) => {
            let user = Keypair::new();
            write_keypair_file(&user, out)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            user
        }
    };
    client
        .transfer_sol(&user.pubkey(), sol)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", user.pubkey());
    Ok(())
}

async fn create_mint(
    cluster: &ClusterArgs,
    decimals: u8,
    token_2022: bool,
    freeze_authority: bool,
    mint_to: &[(Pubkey, UiAmount)],
) -> Result<(), String> {
    let client = client(cluster)?;
    let token_program = if token_2022 {
        anchor_spl::token_2022::ID
    } else {
        anchor_spl::token::ID
    };
    let mint_to = mint_to
        .iter()
        .map(|(owner, amount)| amount.to_base_units(decimals).map(|base| (*owner, base)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let freezer = if freeze_authority {
        Some(client.me().map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mint = client
        .create_mint_with(decimals, &token_program, freezer.as_ref(), &mint_to)
        .await
        .map_err(|e| e.to_string())?;
    println!("{mint}");
    Ok(())
}
