//! `staking`: the command-line client of the staking program. It parses
//! arguments, calls `staking_client`, and prints; every failure is one line on
//! stderr and a non-zero exit.
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use solana_keypair::Keypair;
use staking::token::AcceptedMintAuthorities;
use staking_client::amount::{parse_bps, parse_duration, AmountArg, UiAmount};
use staking_client::{ClientError, StakingClient};

mod config;
mod ops;
mod output;
mod session;
mod views;

use config::{load_keypair, Overrides};
use ops::{OperatorSettings, OperatorSettingsUpdate, Plan, SlashSettingsUpdate};
use output::{
    History, OperatorList, Outcome, PoolList, PositionList, PositionResult, Reported,
    TransactionResult,
};
use session::Session;
use views::PoolView;

#[derive(Parser)]
#[command(
    name = "staking",
    version,
    about = "Stake tokens, earn rewards and run staking pools"
)]
struct Cli {
    /// Cluster: localhost, devnet, testnet, mainnet-beta (or l, d, t, m) or an RPC URL
    #[arg(short = 'u', long, global = true, value_parser = parse_url)]
    url: Option<String>,
    /// WebSocket URL for log subscriptions [default: the config's websocket_url with its URL, else derived from the RPC URL as the Solana CLI does]
    #[arg(long = "ws", global = true, value_name = "URL", value_parser = parse_ws)]
    ws: Option<String>,
    /// Keypair that signs and pays [default: the Solana CLI config's]
    #[arg(short = 'k', long, global = true)]
    keypair: Option<String>,
    /// processed, confirmed or finalized [default: the Solana CLI config's, else confirmed]
    #[arg(long, global = true)]
    commitment: Option<String>,
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml when present]
    #[arg(short = 'C', long, global = true)]
    config: Option<String>,
    /// The staking program's address
    #[arg(long, global = true, value_parser = parse_pubkey, default_value_t = staking::ID)]
    program_id: Pubkey,
    /// Output format: display (for people), json or json-compact
    #[arg(long, global = true, value_enum, default_value_t = Output::Display)]
    output: Output,
    /// Simulate only: print the logs and compute units, send nothing
    #[arg(long, global = true)]
    dry_run: bool,
    /// Priority fee in micro-lamports per compute unit
    #[arg(long, global = true, value_name = "MICRO_LAMPORTS")]
    with_compute_unit_price: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Display,
    Json,
    JsonCompact,
}

/// Mint authorities that can block or tax the vault's transfers out; a pool
/// or stream takes a mint with one only when you accept it.
#[derive(Args, Debug, Clone, Copy)]
struct AcceptMintAuthorities {
    /// Accept a mint with a freeze authority (it could freeze the vault;
    /// shown by `staking pool` as a trust assumption)
    #[arg(long)]
    accept_freeze_authority: bool,
    /// Accept a Token-2022 mint with a transfer-fee authority (it could raise
    /// the fee on withdrawals up to 100%; shown by `staking pool`)
    #[arg(long)]
    accept_transfer_fee_authority: bool,
}

impl From<AcceptMintAuthorities> for AcceptedMintAuthorities {
    fn from(flags: AcceptMintAuthorities) -> Self {
        AcceptedMintAuthorities {
            freeze: flags.accept_freeze_authority,
            transfer_fee: flags.accept_transfer_fee_authority,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create a pool for a stake mint (you become its creator and authority)
    CreatePool {
        /// Stake mint
        #[arg(long, value_parser = parse_pubkey)]
        mint: Pubkey,
        /// Your number for this pool; you can have many pools for one mint
        /// (the pool's address derives from the mint, you and this number)
        #[arg(long, default_value_t = 0)]
        pool_id: u64,
        #[command(flatten)]
        accept: AcceptMintAuthorities,
        /// Unbonding period: seconds or 30s, 90m, 12h, 7d
        #[arg(long, value_parser = parse_unbonding_period, default_value = "0")]
        unbonding_period: u64,
        /// Smallest position (UI units)
        #[arg(long, value_parser = parse_ui)]
        min_stake: Option<UiAmount>,
        /// Cap on the pool's total stake (UI units)
        #[arg(long, value_parser = parse_ui)]
        max_total_stake: Option<UiAmount>,
        /// New operators stay inactive until you approve them (`operator activate`)
        #[arg(long)]
        require_operator_approval: bool,
        /// Highest commission an operator may charge: 10% or 1000bps
        #[arg(long, value_parser = parse_rate, default_value = "100%")]
        max_commission: u16,
        /// Largest share of the pool's stake one operator may hold: 25% or 2500bps [default: no cap]
        #[arg(long, value_parser = parse_rate)]
        max_operator_share: Option<u16>,
        /// Who may slash operators (a multisig, or a program judging evidence);
        /// applies at once, as nothing is staked yet [default: nobody: slashing off]
        #[arg(long, value_parser = parse_pubkey, requires = "max_slash")]
        slasher: Option<Pubkey>,
        /// Token account of the stake mint that slashed stake goes to [default:
        /// the slasher's associated token account, created if missing]
        #[arg(long, value_parser = parse_pubkey, requires = "slasher")]
        slash_destination: Option<Pubkey>,
        /// The most one slash may take: 10% or 1000bps (0.01% to 100%)
        #[arg(long, value_parser = parse_slash_rate, requires = "slasher")]
        max_slash: Option<u16>,
    },
    /// Add a reward stream paying REWARD_MINT (pool authority)
    AddRewardStream {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The mint the stream pays its rewards in
        #[arg(value_parser = parse_pubkey)]
        reward_mint: Pubkey,
        #[command(flatten)]
        accept: AcceptMintAuthorities,
    },
    /// Fund a reward stream for a period from your token account (pool authority)
    Fund {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// Reward stream index
        #[arg(long)]
        stream: u8,
        /// Amount in UI units
        #[arg(long, value_parser = parse_ui)]
        amount: UiAmount,
        /// Period: seconds or 30s, 90m, 12h, 7d
        #[arg(long, value_parser = parse_reward_duration)]
        duration: u64,
    },
    /// Stake AMOUNT (UI units) or ALL of your tokens
    Stake(PoolAmount),
    /// Start unbonding AMOUNT (UI units) or ALL of your stake
    Unstake(PoolAmount),
    /// Withdraw an unlocked unbond ticket (default: every unlocked ticket in the pool)
    Withdraw {
        /// The pool
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// One ticket (see `staking position`)
        #[arg(value_parser = parse_pubkey)]
        ticket: Option<Pubkey>,
        /// Wait for the ticket (or your next ticket in the pool) to unlock,
        /// with a countdown, then withdraw
        #[arg(long)]
        wait: bool,
    },
    /// The staking program's transactions of an address, newest first, with
    /// what each did in plain words (from the program's events)
    History {
        /// A pool, position, unbond ticket, operator or wallet (with --owner: the pool)
        #[arg(value_parser = parse_pubkey)]
        address: Pubkey,
        /// The transactions of this wallet's position in the pool ADDRESS
        #[arg(long, value_parser = parse_pubkey)]
        owner: Option<Pubkey>,
        /// Look at this many of the address's latest transactions (1 to 100)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=staking_client::rpc::MAX_HISTORY_LIMIT as i64))]
        limit: u16,
        /// Only transactions older than this one (the `Older:` line gives it)
        #[arg(long, value_parser = parse_signature)]
        before: Option<solana_signature::Signature>,
    },
    /// Print a shell completion script: `staking completions bash > /etc/bash_completion.d/staking`
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Return an unbond ticket to stake
    CancelUnbond {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The unbond ticket's address (listed by `staking position`)
        #[arg(value_parser = parse_pubkey)]
        ticket: Pubkey,
    },
    /// Claim your rewards (every stream, or one)
    Claim {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// Only this reward stream (index, see `staking pool`) [default: every stream]
        #[arg(long)]
        stream: Option<u8>,
    },
    /// Restake the rewards of a stream that pays the stake mint
    Compound {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The reward stream that pays the stake mint (index, see `staking pool`)
        #[arg(long)]
        stream: u8,
    },
    /// Change pool settings (pool authority)
    UpdatePool {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// For tickets created from now on
        #[arg(long, value_parser = parse_unbonding_period)]
        unbonding_period: Option<u64>,
        /// Smallest position (UI units)
        #[arg(long, value_parser = parse_ui)]
        min_stake: Option<UiAmount>,
        /// Cap on the pool's total stake (UI units)
        #[arg(long, value_parser = parse_ui, conflicts_with = "no_cap")]
        max_total_stake: Option<UiAmount>,
        /// Remove the stake cap
        #[arg(long)]
        no_cap: bool,
        /// Pause staking, compounding and funding (unstake, withdraw and claim always work)
        #[arg(long, conflicts_with = "resume")]
        pause: bool,
        /// Resume a paused pool
        #[arg(long)]
        resume: bool,
        /// New operators stay inactive until approved
        #[arg(long, conflicts_with = "open_operator_registration")]
        require_operator_approval: bool,
        /// Anyone may register an active operator
        #[arg(long)]
        open_operator_registration: bool,
        /// Highest commission for operators' later changes: 10% or 1000bps
        #[arg(long, value_parser = parse_rate)]
        max_commission: Option<u16>,
        /// Largest share of stake one operator may hold, for later delegations
        #[arg(long, value_parser = parse_rate, conflicts_with = "no_operator_share_cap")]
        max_operator_share: Option<u16>,
        /// Remove the operator share cap
        #[arg(long)]
        no_operator_share_cap: bool,
        /// New slasher; with anything staked it applies only after the
        /// program's notice (the date is shown), so delegators can leave first
        #[arg(long, value_parser = parse_pubkey)]
        slasher: Option<Pubkey>,
        /// New slash destination, a token account of the stake mint [default:
        /// kept; with a new --slasher, its associated token account]
        #[arg(long, value_parser = parse_pubkey)]
        slash_destination: Option<Pubkey>,
        /// New maximum per slash: 10% or 1000bps (a lower one applies at once,
        /// a higher one after the program's notice, like a new slasher)
        #[arg(long, value_parser = parse_slash_rate)]
        max_slash: Option<u16>,
        /// Turn slashing off (applies at once)
        #[arg(long, conflicts_with_all = ["slasher", "slash_destination", "max_slash"])]
        no_slasher: bool,
    },
    /// Propose a new pool authority (they must accept)
    TransferAuthority {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// Who may accept the pool's authority (`accept-authority`)
        #[arg(value_parser = parse_pubkey)]
        new_authority: Pubkey,
    },
    /// Accept the authority of a pool proposed to you
    AcceptAuthority {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// Take back rewards nobody is owed (pool authority)
    RecoverUndistributed {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The reward stream to recover from (index, see `staking pool`)
        #[arg(long)]
        stream: u8,
        /// UI units or ALL
        #[arg(long, value_parser = parse_amount, default_value = "ALL")]
        amount: AmountArg,
        /// Token account to receive them [default: your associated token account]
        #[arg(long, value_parser = parse_pubkey)]
        destination: Option<Pubkey>,
    },
    /// Close your empty position and reclaim its rent
    ClosePosition {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// Show a pool, with its trust assumptions (accepted freeze authorities)
    Pool {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// List pools, optionally of one stake mint and/or one creator
    Pools {
        /// Only pools of this stake mint
        #[arg(long, value_parser = parse_pubkey)]
        mint: Option<Pubkey>,
        /// Only pools this address created
        #[arg(long, value_parser = parse_pubkey)]
        creator: Option<Pubkey>,
    },
    /// Show a position: stake, what a claim would pay now, unbond tickets
    Position {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// [default: your keypair's address]
        #[arg(long, value_parser = parse_pubkey)]
        owner: Option<Pubkey>,
    },
    /// List an owner's positions across pools
    Positions {
        /// [default: your keypair's address]
        #[arg(long, value_parser = parse_pubkey)]
        owner: Option<Pubkey>,
    },
    /// Run an operator: register, update, claim commission, show (and, for the
    /// pool authority, activate or deactivate one)
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// List a pool's operators, most delegated stake first
    Operators {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// Delegate your stake in POOL to OPERATOR (or move it there)
    Delegate {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The operator's address (listed by `staking operators`)
        #[arg(value_parser = parse_pubkey)]
        operator: Pubkey,
    },
    /// End your position's delegation
    Undelegate {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// Take RATE of an operator's delegated stake and of its open unbond
    /// tickets, sent to the pool's slash destination (the pool's slasher)
    Slash {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The operator's address (listed by `staking operators`)
        #[arg(value_parser = parse_pubkey)]
        operator: Pubkey,
        /// How much to take: 5% or 500bps (0.01% to the pool's maximum slash)
        #[arg(value_parser = parse_slash_rate)]
        rate: u16,
        /// Why, carried in the Slashed event: 64 hex characters (32 bytes,
        /// e.g. the evidence's hash), or a file whose SHA-256 is used
        #[arg(long, value_name = "HEX|FILE", value_parser = parse_reason)]
        reason: ops::SlashReason,
    },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Register yourself as an operator of POOL
    Register {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// Commission on your delegators' rewards: 5% or 500bps
        #[arg(long, value_parser = parse_rate)]
        commission: u16,
        /// Display name (up to 32 bytes)
        #[arg(long)]
        name: String,
    },
    /// Change your commission (an increase can be applied one unbonding period
    /// later) or name; with neither, applies a scheduled increase that is due
    /// (only your own `update` or `claim` applies it)
    Update {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// New commission: 5% or 500bps (an increase waits one unbonding period)
        #[arg(long, value_parser = parse_rate)]
        commission: Option<u16>,
        /// New display name
        #[arg(long)]
        name: Option<String>,
    },
    /// Claim your commission on every stream
    Claim {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
    },
    /// Show an operator: by address, or POOL's operator run by --authority [default: you]
    Show {
        /// The operator's address (listed by `staking operators`)
        #[arg(value_parser = parse_pubkey, required_unless_present = "pool")]
        operator: Option<Pubkey>,
        /// The pool's address
        #[arg(long, value_parser = parse_pubkey, conflicts_with = "operator")]
        pool: Option<Pubkey>,
        /// The operator's authority (default: your keypair's)
        #[arg(long, value_parser = parse_pubkey, requires = "pool")]
        authority: Option<Pubkey>,
    },
    /// Approve (activate) an operator (pool authority)
    Activate {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The operator's address (listed by `staking operators`)
        #[arg(value_parser = parse_pubkey)]
        operator: Pubkey,
    },
    /// Deactivate an operator: no new delegations, no commission (pool authority)
    Deactivate {
        /// The pool's address
        #[arg(value_parser = parse_pubkey)]
        pool: Pubkey,
        /// The operator's address (listed by `staking operators`)
        #[arg(value_parser = parse_pubkey)]
        operator: Pubkey,
    },
}

#[derive(Args)]
struct PoolAmount {
    /// The pool's address
    #[arg(value_parser = parse_pubkey)]
    pool: Pubkey,
    /// UI units or ALL
    #[arg(value_parser = parse_amount)]
    amount: AmountArg,
}

/// `-u`: checked here, so that `-u http://` fails before anything runs.
fn parse_url(text: &str) -> Result<String, String> {
    config::resolve_url(text)
        .map(|_| text.to_string())
        .map_err(without_the_value)
}

fn parse_ws(text: &str) -> Result<String, String> {
    config::check_websocket_url(text).map_err(without_the_value)
}

/// `invalid --url "X": why` without its first part, which clap's own
/// `invalid value 'X' for '--url <URL>':` already says.
fn without_the_value(error: ClientError) -> String {
    let text = error.to_string();
    match text.split_once("\": ") {
        Some((_, why)) => why.to_string(),
        None => text,
    }
}

fn parse_pubkey(text: &str) -> Result<Pubkey, String> {
    Pubkey::from_str(text).map_err(|_| format!("{text:?} is not a valid base58 address"))
}

fn parse_signature(text: &str) -> Result<solana_signature::Signature, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a transaction signature (base58)"))
}

fn parse_ui(text: &str) -> Result<UiAmount, String> {
    text.parse().map_err(|e: ClientError| e.to_string())
}

fn parse_amount(text: &str) -> Result<AmountArg, String> {
    text.parse().map_err(|e: ClientError| e.to_string())
}

fn parse_rate(text: &str) -> Result<u16, String> {
    parse_bps(text).map_err(|e| e.to_string())
}

/// A slash, or a pool's maximum slash: 0.01% to 100% (the program refuses 0).
fn parse_slash_rate(text: &str) -> Result<u16, String> {
    match parse_rate(text)? {
        0 => Err(format!(
            "invalid rate {text:?}: a slash takes at least 0.01% (1 basis point)"
        )),
        bps => Ok(bps),
    }
}

/// `--reason`: 64 hex characters, or a file whose SHA-256 is the reason.
fn parse_reason(text: &str) -> Result<ops::SlashReason, String> {
    let is_hex = !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit());
    if is_hex && text.len() == 64 {
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|e| e.to_string())?;
        }
        return Ok(ops::SlashReason { bytes, file: None });
    }
    let hash_file = || -> std::io::Result<[u8; 32]> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        std::io::copy(&mut std::fs::File::open(text)?, &mut hasher)?;
        Ok(hasher.finalize().into())
    };
    match hash_file() {
        Ok(bytes) => Ok(ops::SlashReason {
            bytes,
            file: Some(text.to_string()),
        }),
        Err(_) if is_hex => Err(format!(
            "{} hex characters: a reason is 64 (32 bytes), or a file to hash",
            text.len()
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(
            "neither 64 hex characters nor an existing file (a file's SHA-256 is the reason)"
                .to_string(),
        ),
        Err(error) => Err(format!("cannot read the reason file: {error}")),
    }
}

/// A reward period (`fund --duration`): at least 1 second, at most the
/// program's `MAX_REWARD_DURATION`.
fn parse_reward_duration(text: &str) -> Result<u64, String> {
    parse_bounded_duration(
        text,
        1,
        staking::constants::MAX_REWARD_DURATION,
        "reward period",
    )
}

/// An unbonding period: 0 (none) up to the program's `MAX_UNBONDING_PERIOD`.
fn parse_unbonding_period(text: &str) -> Result<u64, String> {
    parse_bounded_duration(
        text,
        0,
        staking::constants::MAX_UNBONDING_PERIOD,
        "unbonding period",
    )
}

fn parse_bounded_duration(text: &str, min: u64, max: u64, what: &str) -> Result<u64, String> {
    let too_long = || {
        format!(
            "{text:?} is too long: the program's maximum {what} is {} ({max} seconds)",
            staking_client::amount::format_duration(max)
        )
    };
    let seconds = match parse_duration(text) {
        Ok(seconds) => seconds,
        Err(error) if error.to_string().contains("is too large") => return Err(too_long()),
        Err(error) => return Err(error.to_string()),
    };
    if seconds < min {
        return Err(format!("the {what} must be at least {min} second"));
    }
    if seconds > max {
        return Err(too_long());
    }
    Ok(seconds)
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args_os().len() <= 1 {
        // Nothing typed: the help, as clap prints it for `--help`, on stderr.
        use clap::CommandFactory;
        eprint_line(&Cli::command().render_help().to_string());
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap's whole message: usage, possible values, "did you mean",
            // the `--` hint; --help and --version go to stdout with success.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprint_line(&format!("error: {error}"));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ClientError> {
    if let Command::Completions { shell } = cli.command {
        use clap::CommandFactory;
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "staking", &mut script);
        return write_stdout(&String::from_utf8_lossy(&script));
    }
    let settings = config::resolve(&Overrides {
        config_file: cli.config.clone(),
        url: cli.url.clone(),
        websocket_url: cli.ws.clone(),
        keypair: cli.keypair.clone(),
        commitment: cli.commitment.clone(),
    })?;
    // Reads need no keypair unless they default to its address; an explicit
    // --keypair that cannot be read is always an error.
    let payer = match load_keypair(&settings.keypair_path) {
        Ok(keypair) => Some(Arc::new(keypair)),
        Err(error) if cli.keypair.is_some() || needs_signer(&cli.command) => return Err(error),
        Err(_) => None,
    };
    let mut client = Session(StakingClient::new(
        &settings.url,
        payer,
        cli.program_id,
        settings.commitment,
    ));
    client.compute_unit_price = cli.with_compute_unit_price;
    if let Some(websocket_url) = settings.websocket_url {
        client.websocket_url = websocket_url;
    }
    let out = Printer { format: cli.output };

    let plan = match cli.command {
        Command::Pool { pool } => return out.print(&client.pool_view(&pool).await?),
        Command::Pools { mint, creator } => {
            let now = client.now().await?;
            let pools = client
                .pools(mint.as_ref(), creator.as_ref())
                .await?
                .iter()
                .map(|(address, pool)| PoolView::new(address, pool, now))
                .collect();
            return out.print(&PoolList(pools));
        }
        Command::Position { pool, owner } => {
            let owner = match owner {
                Some(owner) => owner,
                None => client.me()?,
            };
            let position = client.position_view(&pool, &owner).await?;
            return out.print(&PositionResult {
                owner,
                pool,
                position,
            });
        }
        Command::Positions { owner } => {
            let owner = match owner {
                Some(owner) => owner,
                None => client.me()?,
            };
            let positions = client.position_views(&owner).await?;
            return out.print(&PositionList { owner, positions });
        }
        Command::History {
            address,
            owner,
            limit,
            before,
        } => {
            let address = match owner {
                Some(owner) => {
                    // Says what ADDRESS is when it is not a pool.
                    client.pool(&address).await?;
                    staking_client::pda::position(&client.program_id, &address, &owner)
                }
                None => address,
            };
            let limit = usize::from(limit);
            let entries = client.history(&address, limit, before.as_ref()).await?;
            let mut mints = std::collections::HashMap::new();
            for entry in &entries {
                let events = entry.details.iter().flat_map(|details| &details.events);
                for pool in events.filter_map(|event| event.pubkey("pool")) {
                    if let std::collections::hash_map::Entry::Vacant(slot) = mints.entry(pool) {
                        // A pool that cannot be read leaves its amounts in base units.
                        if let Ok(account) = client.pool(&pool).await {
                            slot.insert(output::PoolMints::of(&account));
                        }
                    }
                }
            }
            let now = client.now().await?;
            return out.print(&History::new(&address, entries, limit, &mints, now));
        }
        Command::Operators { pool } => {
            let operators = client.operator_views(&pool).await?;
            return out.print(&OperatorList { pool, operators });
        }
        Command::Operator {
            command:
                OperatorCommand::Show {
                    operator,
                    pool,
                    authority,
                },
        } => {
            let address = match (operator, pool) {
                (Some(operator), _) => operator,
                (None, Some(pool)) => {
                    let is_me = authority.is_none();
                    let authority = match authority {
                        Some(authority) => authority,
                        None => client.me()?,
                    };
                    let address =
                        staking_client::pda::operator(&client.program_id, &pool, &authority);
                    if !client.exists(&address).await? {
                        return Err(ops::no_operator(&authority, &pool, is_me));
                    }
                    address
                }
                (None, None) => unreachable!("clap requires the operator or --pool"),
            };
            return out.print(&client.operator_view(&address).await?);
        }
        Command::Operator { command } => match command {
            OperatorCommand::Register {
                pool,
                commission,
                name,
            } => {
                client
                    .plan_register_operator(&pool, commission, &name)
                    .await?
            }
            OperatorCommand::Update {
                pool,
                commission,
                name,
            } => client.plan_update_operator(&pool, commission, name).await?,
            OperatorCommand::Claim { pool } => client.plan_claim_commission(&pool).await?,
            OperatorCommand::Activate { pool, operator } => {
                client
                    .plan_set_operator_active(&pool, &operator, true)
                    .await?
            }
            OperatorCommand::Deactivate { pool, operator } => {
                client
                    .plan_set_operator_active(&pool, &operator, false)
                    .await?
            }
            OperatorCommand::Show { .. } => unreachable!("handled above"),
        },
        Command::Delegate { pool, operator } => client.plan_delegate(&pool, &operator).await?,
        Command::Undelegate { pool } => client.plan_undelegate(&pool).await?,
        Command::Slash {
            pool,
            operator,
            rate,
            reason,
        } => client.plan_slash(&pool, &operator, rate, reason).await?,
        Command::CreatePool {
            mint,
            pool_id,
            unbonding_period,
            min_stake,
            max_total_stake,
            require_operator_approval,
            max_commission,
            max_operator_share,
            accept,
            slasher,
            slash_destination,
            max_slash,
        } => {
            let operators = OperatorSettings {
                approval_required: require_operator_approval,
                max_commission_bps: max_commission,
                max_share_bps: max_operator_share,
            };
            let slashing = SlashSettingsUpdate {
                slasher,
                destination: slash_destination,
                max_slash_bps: max_slash,
                off: false,
            };
            client
                .plan_create_pool(
                    &mint,
                    pool_id,
                    unbonding_period,
                    min_stake,
                    max_total_stake,
                    operators,
                    accept.into(),
                    slashing,
                )
                .await?
        }
        Command::AddRewardStream {
            pool,
            reward_mint,
            accept,
        } => {
            client
                .plan_add_reward_stream(&pool, &reward_mint, accept.into())
                .await?
        }
        Command::Fund {
            pool,
            stream,
            amount,
            duration,
        } => client.plan_fund(&pool, stream, amount, duration).await?,
        Command::Stake(PoolAmount { pool, amount }) => client.plan_stake(&pool, amount).await?,
        Command::Unstake(PoolAmount { pool, amount }) => client.plan_unstake(&pool, amount).await?,
        Command::Withdraw { pool, ticket, wait } => {
            if wait {
                wait_for_unlock(&client, &out, &pool, ticket).await?;
            }
            client.plan_withdraw(&pool, ticket).await?
        }
        Command::CancelUnbond { pool, ticket } => client.plan_cancel_unbond(&pool, &ticket).await?,
        Command::Claim { pool, stream } => client.plan_claim(&pool, stream).await?,
        Command::Compound { pool, stream } => client.plan_compound(&pool, stream).await?,
        Command::UpdatePool {
            pool,
            unbonding_period,
            min_stake,
            max_total_stake,
            no_cap,
            pause,
            resume,
            require_operator_approval,
            open_operator_registration,
            max_commission,
            max_operator_share,
            no_operator_share_cap,
            slasher,
            slash_destination,
            max_slash,
            no_slasher,
        } => {
            let cap = if no_cap {
                Some(None)
            } else {
                max_total_stake.map(Some)
            };
            let paused = match (pause, resume) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let operators = OperatorSettingsUpdate {
                approval_required: match (require_operator_approval, open_operator_registration) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                max_commission_bps: max_commission,
                max_share_bps: if no_operator_share_cap {
                    Some(staking::constants::NO_SHARE_CAP)
                } else {
                    max_operator_share
                },
            };
            let slashing = SlashSettingsUpdate {
                slasher,
                destination: slash_destination,
                max_slash_bps: max_slash,
                off: no_slasher,
            };
            client
                .plan_update_pool(
                    &pool,
                    unbonding_period,
                    min_stake,
                    cap,
                    paused,
                    operators,
                    slashing,
                )
                .await?
        }
        Command::TransferAuthority {
            pool,
            new_authority,
        } => {
            client
                .plan_transfer_authority(&pool, &new_authority)
                .await?
        }
        Command::AcceptAuthority { pool } => client.plan_accept_authority(&pool).await?,
        Command::RecoverUndistributed {
            pool,
            stream,
            amount,
            destination,
        } => {
            client
                .plan_recover(&pool, stream, amount, destination)
                .await?
        }
        Command::ClosePosition { pool } => client.plan_close_position(&pool).await?,
        Command::Completions { .. } => unreachable!("handled before connecting"),
    };
    if cli.dry_run {
        dry_run(&client, &out, plan).await
    } else {
        send(&client, &out, plan).await
    }
}

/// Counts down to the unlock on stderr (on the cluster's clock, which decides),
/// so that the withdrawal is sent as soon as it can succeed.
async fn wait_for_unlock(
    client: &Session,
    out: &Printer,
    pool: &Pubkey,
    ticket: Option<Pubkey>,
) -> Result<(), ClientError> {
    let Some(unlock_at) = client.next_unlock(pool, ticket).await? else {
        return Ok(());
    };
    let spinner = out.spinner(String::new());
    loop {
        let now = client.now().await?;
        if now >= unlock_at {
            break;
        }
        let left = (unlock_at - now) as u64;
        if let Some(spinner) = &spinner {
            spinner.set_message(format!(
                "waiting for the unlock at {}: {} left",
                staking_client::amount::format_date(unlock_at),
                staking_client::amount::format_duration(left)
            ));
        }
        // Ctrl-C keeps its default here (nothing is sent while waiting): a
        // handler installed now would outlive the wait and swallow a later one.
        tokio::time::sleep(Duration::from_secs(left.clamp(1, 5))).await;
    }
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    Ok(())
}

fn needs_signer(command: &Command) -> bool {
    !matches!(
        command,
        Command::Completions { .. }
            | Command::Pool { .. }
            | Command::Pools { .. }
            | Command::Position { owner: Some(_), .. }
            | Command::Positions { owner: Some(_) }
            | Command::Operators { .. }
            | Command::History { .. }
            | Command::Operator {
                command: OperatorCommand::Show {
                    operator: Some(_),
                    ..
                } | OperatorCommand::Show {
                    authority: Some(_),
                    ..
                }
            }
    )
}

async fn send(client: &Session, out: &Printer, plan: Plan) -> Result<(), ClientError> {
    let spinner = out.spinner(format!("{} — confirming…", plan.summary));
    let signers: Vec<&Keypair> = plan.signers.iter().map(AsRef::as_ref).collect();
    // Each signature the node accepted, shown at once: if the user
    // interrupts, the transaction may still land.
    let sent_signatures = std::sync::Mutex::new(Vec::<String>::new());
    let on_sent = |signature: &solana_signature::Signature| {
        let signature = signature.to_string();
        match &spinner {
            Some(spinner) => {
                spinner.set_message(format!("{} — sent {signature}, confirming…", plan.summary))
            }
            None => eprint_line(&format!("sending {signature}, confirming…")),
        }
        if let Ok(mut all) = sent_signatures.lock() {
            all.push(signature);
        }
    };
    // Commands that pay, restake or slash report the amounts from the landed
    // transaction's events, which takes a log subscription.
    let sending = async {
        if plan.report.is_some() {
            client
                .send_collecting_events(&plan.instructions, &signers, &on_sent)
                .await
        } else {
            client
                .send_reporting(&plan.instructions, &signers, &on_sent)
                .await
        }
    };
    let result = tokio::select! {
        result = sending => result,
        _ = tokio::signal::ctrl_c() => {
            if let Some(spinner) = &spinner {
                spinner.finish_and_clear();
            }
            let sent = sent_signatures.lock().map(|all| all.clone()).unwrap_or_default();
            return Err(ClientError::invalid(match sent.last() {
                Some(signature) => format!(
                    "interrupted: transaction {signature} may have been sent and may still land; check with `solana confirm -u {} {signature}`",
                    client.url
                ),
                None => "interrupted before anything was sent: nothing changed".to_string(),
            }));
        }
    };
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let sent = result?;
    let signature = sent.signature.to_string();
    out.print(&TransactionResult {
        action: plan.action,
        pool: plan.pool.to_string(),
        outcome: Outcome::Sent {
            signature: signature.clone(),
            compute_units: sent.compute_units,
            reported: Reported::new(plan.report.as_ref(), sent.events.as_deref()),
        },
        summary: plan.summary,
    })
    .map_err(|error| landed_but_unprinted(&signature, &error))
}

/// An output error after the transaction landed: the change is made, so the
/// message says so and names the transaction, rather than a bare failure.
fn landed_but_unprinted(signature: &str, error: &ClientError) -> ClientError {
    let why = error.to_string();
    let why = why
        .strip_prefix("cannot write the output: ")
        .unwrap_or(&why);
    ClientError::invalid(format!(
        "transaction {signature} landed, but its result could not be printed: {why}"
    ))
}

async fn dry_run(client: &Session, out: &Printer, plan: Plan) -> Result<(), ClientError> {
    let signers: Vec<&Keypair> = plan.signers.iter().map(AsRef::as_ref).collect();
    let simulation = client
        .simulate_with_signers(&plan.instructions, &signers)
        .await?;
    out.print(&TransactionResult {
        action: plan.action,
        pool: plan.pool.to_string(),
        outcome: Outcome::Simulated {
            dry_run: true,
            compute_units: simulation.compute_units,
            logs: simulation.logs,
            error: simulation.error.as_ref().map(|e| e.to_string()),
        },
        summary: plan.summary,
    })?;
    match simulation.error {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

struct Printer {
    format: Output,
}

impl Printer {
    /// A spinner on stderr showing `message`, for people only (`None` when the
    /// output is JSON).
    fn spinner(&self, message: String) -> Option<ProgressBar> {
        (self.format == Output::Display).then(|| {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("static template"),
            );
            spinner.set_message(message);
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        })
    }

    /// A command's result: its `Display` for people, its JSON otherwise.
    fn print<T: serde::Serialize + std::fmt::Display>(&self, value: &T) -> Result<(), ClientError> {
        let json = |pretty: bool| -> Result<String, ClientError> {
            let value: Value =
                serde_json::to_value(value).map_err(|e| ClientError::invalid(e.to_string()))?;
            let rendered = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            rendered.map_err(|e| ClientError::invalid(e.to_string()))
        };
        let rendered = match self.format {
            Output::Display => value.to_string(),
            Output::Json => json(true)? + "\n",
            Output::JsonCompact => json(false)? + "\n",
        };
        write_stdout(&rendered)
    }
}

/// One line on stderr; a closed stderr is ignored rather than a panic.
fn eprint_line(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Writes to stdout; a reader that went away (`staking pools | head`) is not
/// an error: there is nobody left to tell.
fn write_stdout(text: &str) -> Result<(), ClientError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ClientError::invalid(format!(
            "cannot write the output: {e}"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every argument of every command explains itself in `--help`.
    #[test]
    fn every_argument_has_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                check(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "staking", &mut missing);
        assert!(missing.is_empty(), "no help for: {missing:#?}");
    }

    #[test]
    fn arguments_parse_like_the_solana_cli() {
        let cli = Cli::try_parse_from([
            "staking",
            "-u",
            "devnet",
            "-k",
            "/tmp/id.json",
            "--output",
            "json-compact",
            "stake",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
            "1.5",
        ])
        .unwrap();
        assert_eq!(cli.url.as_deref(), Some("devnet"));
        assert!(cli.output == Output::JsonCompact);
        assert!(matches!(
            cli.command,
            Command::Stake(PoolAmount {
                amount: AmountArg::Ui(_),
                ..
            })
        ));
        let all = Cli::try_parse_from([
            "staking",
            "unstake",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
            "ALL",
        ])
        .unwrap();
        assert!(matches!(
            all.command,
            Command::Unstake(PoolAmount {
                amount: AmountArg::All,
                ..
            })
        ));
    }

    #[test]
    fn bad_arguments_name_the_problem() {
        let error = Cli::try_parse_from(["staking", "stake", "not-a-key", "1"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("\"not-a-key\" is not a valid base58 address"),
            "{error}"
        );
        let error = Cli::try_parse_from([
            "staking",
            "stake",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
            "-3",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(error.contains("-3"), "{error}");
        let error = Cli::try_parse_from([
            "staking",
            "stake",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
            "0",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(error.contains("greater than zero"), "{error}");
        assert!(Cli::try_parse_from([
            "staking",
            "update-pool",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
            "--pause",
            "--resume"
        ])
        .is_err());
        let pool = "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr";
        let fund = |duration: &str| {
            Cli::try_parse_from([
                "staking",
                "fund",
                pool,
                "--stream",
                "0",
                "--amount",
                "1",
                "--duration",
                duration,
            ])
            .err()
            .map(|e| e.to_string())
        };
        let error = fund("0").unwrap();
        assert!(
            error.contains("the reward period must be at least 1 second"),
            "{error}"
        );
        for long in ["99999999999999999999", "3651d"] {
            let error = fund(long).unwrap();
            assert!(
                error.contains(&format!("\"{long}\" is too long: the program's maximum reward period is 3650d (315360000 seconds)")),
                "{error}"
            );
        }
        assert_eq!(fund("3650d"), None);
        let error = Cli::try_parse_from([
            "staking",
            "create-pool",
            "--mint",
            pool,
            "--unbonding-period",
            "366d",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.contains("the program's maximum unbonding period is 365d"),
            "{error}"
        );
        let error = Cli::try_parse_from(["staking", "-u", "http://", "pools"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("invalid value 'http://' for '--url <URL>': it has no host"),
            "{error}"
        );
        let error = Cli::try_parse_from([
            "staking",
            "create-pool",
            "--mint",
            pool,
            "--max-commission",
            "12.345%",
        ])
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.contains("rates have a finest step of 0.01% (1 basis point)"),
            "{error}"
        );
    }

    #[test]
    fn mint_authorities_are_opt_in_and_update_may_change_nothing() {
        let mint = "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr";
        let create = Cli::try_parse_from(["staking", "create-pool", "--mint", mint]).unwrap();
        assert!(matches!(
            create.command,
            Command::CreatePool {
                accept: AcceptMintAuthorities {
                    accept_freeze_authority: false,
                    accept_transfer_fee_authority: false,
                },
                ..
            }
        ));
        let create = Cli::try_parse_from([
            "staking",
            "create-pool",
            "--mint",
            mint,
            "--accept-freeze-authority",
        ])
        .unwrap();
        assert!(matches!(
            create.command,
            Command::CreatePool {
                accept: AcceptMintAuthorities {
                    accept_freeze_authority: true,
                    accept_transfer_fee_authority: false,
                },
                ..
            }
        ));
        let add = Cli::try_parse_from([
            "staking",
            "add-reward-stream",
            mint,
            mint,
            "--accept-transfer-fee-authority",
        ])
        .unwrap();
        assert!(matches!(
            add.command,
            Command::AddRewardStream {
                accept: AcceptMintAuthorities {
                    accept_freeze_authority: false,
                    accept_transfer_fee_authority: true,
                },
                ..
            }
        ));
        let update = Cli::try_parse_from(["staking", "operator", "update", mint]).unwrap();
        assert!(matches!(
            update.command,
            Command::Operator {
                command: OperatorCommand::Update {
                    commission: None,
                    name: None,
                    ..
                }
            }
        ));
        assert!(Cli::try_parse_from(["staking", "pools", "--creator", mint]).is_ok());
    }

    #[test]
    fn slash_reasons_are_hex_or_a_files_sha256() {
        let hex = "aB".repeat(32);
        assert_eq!(
            parse_reason(&hex).unwrap(),
            ops::SlashReason {
                bytes: [0xab; 32],
                file: None
            }
        );
        let file = std::env::temp_dir().join(format!("staking-reason-{}.txt", std::process::id()));
        std::fs::write(&file, b"abc").unwrap();
        let path = file.to_str().unwrap();
        let reason = parse_reason(path).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            output::to_hex(&reason.bytes),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "SHA-256 of \"abc\""
        );
        assert_eq!(reason.file.as_deref(), Some(path));
        assert_eq!(
            parse_reason("abcd").unwrap_err(),
            "4 hex characters: a reason is 64 (32 bytes), or a file to hash"
        );
        assert_eq!(
            parse_reason("no-such-evidence.txt").unwrap_err(),
            "neither 64 hex characters nor an existing file (a file's SHA-256 is the reason)"
        );
        assert_eq!(parse_slash_rate("12.5%"), Ok(1_250));
        assert!(parse_slash_rate("0%")
            .unwrap_err()
            .contains("a slash takes at least 0.01%"));
        assert!(parse_slash_rate("150%")
            .unwrap_err()
            .contains("at most 100%"));
    }

    #[test]
    fn slasher_settings_come_together() {
        let key = "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr";
        let create = |extra: &[&str]| {
            let mut args = vec!["staking", "create-pool", "--mint", key];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(create(&["--slasher", key, "--max-slash", "10%"]).is_ok());
        // A slasher without a maximum, or a maximum without a slasher.
        assert!(create(&["--slasher", key]).is_err());
        assert!(create(&["--max-slash", "10%"]).is_err());
        assert!(create(&["--slash-destination", key, "--max-slash", "1%"]).is_err());
        let update = |extra: &[&str]| {
            let mut args = vec!["staking", "update-pool", key];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(update(&["--max-slash", "5%"]).is_ok());
        assert!(update(&["--no-slasher"]).is_ok());
        assert!(update(&["--no-slasher", "--slasher", key]).is_err());
        let slash = Cli::try_parse_from([
            "staking",
            "slash",
            key,
            key,
            "5%",
            "--reason",
            &"00".repeat(32),
        ])
        .unwrap();
        assert!(matches!(
            slash.command,
            Command::Slash {
                rate: 500,
                reason: ops::SlashReason { file: None, .. },
                ..
            }
        ));
        assert!(needs_signer(&slash.command));
    }

    #[test]
    fn an_unprintable_result_still_names_the_landed_transaction() {
        let error = landed_but_unprinted(
            "5xSig",
            &ClientError::invalid("cannot write the output: No space left on device (os error 28)"),
        );
        assert_eq!(
            error.to_string(),
            "transaction 5xSig landed, but its result could not be printed: No space left on device (os error 28)"
        );
    }

    #[test]
    fn reads_with_an_owner_need_no_keypair() {
        let read = Cli::try_parse_from([
            "staking",
            "positions",
            "--owner",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
        ])
        .unwrap();
        assert!(!needs_signer(&read.command));
        let write = Cli::try_parse_from([
            "staking",
            "claim",
            "HXxvzGo3BTM8UZ7dsv1SkTSCfJ4h8RdpoJbFMGX8pAKr",
        ])
        .unwrap();
        assert!(needs_signer(&write.command));
    }
}
