//! End-to-end: a real validator (Agave 4.2, JSON-RPC on 127.0.0.1) with the
//! program's SBF bytecode deployed, and the real `staking` binary run as a
//! subprocess for each command. Balances are checked on chain.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{write_keypair_file, Keypair};
use solana_signer::Signer;
use staking_client::StakingClient;
use staking_localnet::mints::Funding;
use staking_localnet::validator::{launch, RunningValidator, ValidatorConfig};

const SPL_TOKEN: Pubkey = anchor_spl::token::ID;

struct Localnet {
    /// The validator this test started (dropping it stops it); `None` under
    /// `anchor test`, which starts one and deploys the program itself.
    _validator: Option<RunningValidator>,
    url: String,
    dir: PathBuf,
    /// Genesis-funded payer, used for setup.
    client: StakingClient,
}

impl Localnet {
    /// A validator on its own ports (`slot` keeps concurrent tests apart), or
    /// the cluster and wallet `anchor test` names in `ANCHOR_PROVIDER_URL` and
    /// `ANCHOR_WALLET`.
    async fn start(slot: u16) -> Localnet {
        let dir = std::env::temp_dir().join(format!("staking-e2e-{}-{slot}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if let (Ok(url), Ok(wallet)) = (
            std::env::var("ANCHOR_PROVIDER_URL"),
            std::env::var("ANCHOR_WALLET"),
        ) {
            let wallet = wallet.replacen('~', &std::env::var("HOME").unwrap_or_default(), 1);
            let payer = solana_keypair::read_keypair_file(&wallet).expect("ANCHOR_WALLET keypair");
            let client = StakingClient::new(
                &url,
                Some(Arc::new(payer)),
                staking::ID,
                CommitmentConfig::confirmed(),
            );
            return Localnet {
                _validator: None,
                url,
                dir,
                client,
            };
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let program = std::env::var_os("STAKING_SO")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/deploy/staking.so"));
        assert!(
            program.exists(),
            "{} missing: run scripts/build-sbf.sh",
            program.display()
        );
        let payer = Keypair::new();
        let rpc_port = 19_000 + slot * 1_000;
        let config = ValidatorConfig {
            rpc_port,
            dynamic_port_start: rpc_port + 5,
            ledger: dir.join("ledger"),
            program,
        };
        let validator = launch(&config, &payer).await.expect("validator starts");
        let url = validator.rpc_url();
        let client = StakingClient::new(
            &url,
            Some(Arc::new(payer)),
            staking::ID,
            CommitmentConfig::confirmed(),
        );
        Localnet {
            _validator: Some(validator),
            url,
            dir,
            client,
        }
    }

    /// A funded user with a keypair file.
    async fn user(&self, name: &str) -> (Keypair, PathBuf) {
        let user = Keypair::new();
        let path = self.dir.join(format!("{name}.json"));
        write_keypair_file(&user, &path).unwrap();
        self.client.transfer_sol(&user.pubkey(), 10).await.unwrap();
        (user, path)
    }

    /// Runs `staking -u <url> -k <keypair> <args>`.
    fn cli(&self, keypair: &Path, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_staking"))
            .args(["-u", &self.url, "-k", keypair.to_str().unwrap()])
            .args(args)
            .output()
            .expect("staking runs");
        output
    }

    /// Runs a command that must succeed, with `--output json`, and parses it.
    fn json(&self, keypair: &Path, args: &[&str]) -> Value {
        let mut all = vec!["--output", "json-compact"];
        all.extend_from_slice(args);
        let output = self.cli(keypair, &all);
        assert!(
            output.status.success(),
            "staking {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: bad JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Runs a command that must fail; returns its one-line error.
    fn fails(&self, keypair: &Path, args: &[&str]) -> String {
        let output = self.cli(keypair, args);
        assert!(!output.status.success(), "staking {args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }

    /// Waits until the cluster's clock (what the program reads) has moved
    /// `seconds` on: under load it runs slower than the wall clock, and a
    /// claim in the same clock second as the last settlement has nothing to pay.
    async fn wait_cluster_seconds(&self, seconds: i64) {
        let until = self.client.now().await.unwrap() + seconds;
        while self.client.now().await.unwrap() < until {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn balance(&self, owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> u64 {
        let account = staking_client::pda::token_account(owner, mint, token_program);
        self.client.token_balance(&account).await.unwrap()
    }
}

/// Runs a command whose reader has already gone away (`staking … | head -0`).
fn with_stdout_closed(command: &mut Command) -> Output {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn ui(value: &Value) -> String {
    value["ui"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_lifecycle_through_the_cli() {
    let net = Localnet::start(0).await;
    let (authority, authority_key) = net.user("authority").await;
    let (alice, alice_key) = net.user("alice").await;
    let stake_mint = net
        .client
        .create_mint(6, &SPL_TOKEN, &[(alice.pubkey(), 1_000_000_000)])
        .await
        .unwrap();
    let token_2022 = anchor_spl::token_2022::ID;
    let reward_mint = net
        .client
        .create_mint(9, &token_2022, &[(authority.pubkey(), 10_000_000_000_000)])
        .await
        .unwrap();

    let created = net.json(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &stake_mint.to_string(),
            "--pool-id",
            "7",
            "--unbonding-period",
            "2s",
        ],
    );
    let pool = created["pool"].as_str().unwrap().to_string();
    assert!(created["signature"].as_str().is_some());
    net.json(
        &authority_key,
        &["add-reward-stream", &pool, &reward_mint.to_string()],
    );
    net.json(
        &authority_key,
        &[
            "fund",
            &pool,
            "--stream",
            "0",
            "--amount",
            "3600",
            "--duration",
            "1h",
        ],
    );

    let staked = net.json(&alice_key, &["stake", &pool, "250.5"]);
    assert_eq!(staked["amount"], 250_500_000);
    assert_eq!(
        net.balance(&alice.pubkey(), &stake_mint, &SPL_TOKEN).await,
        749_500_000
    );

    net.wait_cluster_seconds(4).await;
    let position = net.json(&alice_key, &["position", &pool]);
    assert_eq!(ui(&position["staked"]), "250.5");
    let pending = position["pending_rewards"][0]["amount"]["base_units"]
        .as_u64()
        .unwrap();
    assert!(pending > 0, "{position}");

    // The claim says what it paid, from the landed transaction's events:
    // exactly the balance change (the token account did not exist before).
    let claim = net.json(&alice_key, &["claim", &pool]);
    let claimed = net
        .balance(&alice.pubkey(), &reward_mint, &token_2022)
        .await;
    assert!(claimed >= pending, "claimed {claimed} < pending {pending}");
    let moved = claim["moved"]
        .as_array()
        .unwrap_or_else(|| panic!("{claim}"));
    assert_eq!(moved.len(), 1, "{claim}");
    assert_eq!(moved[0]["kind"], "received");
    assert_eq!(moved[0]["stream"], 0);
    assert_eq!(moved[0]["mint"], reward_mint.to_string());
    assert_eq!(moved[0]["amount"]["base_units"], claimed, "{claim}");

    // `staking history <POOL>`: the claim and the stake, newest first, with
    // what was staked and claimed (a transaction that landed moments ago may
    // not be served yet: asked again until every one is).
    let (stake_signature, claim_signature) = (
        staked["signature"].as_str().unwrap(),
        claim["signature"].as_str().unwrap(),
    );
    let mut history = Value::Null;
    for _ in 0..30 {
        history = net.json(&alice_key, &["history", &pool]);
        let served = history["transactions"]
            .as_array()
            .unwrap_or_else(|| panic!("{history}"))
            .iter()
            .all(|tx| tx["unavailable"] != "not_served_yet");
        if served {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let transactions = history["transactions"].as_array().unwrap();
    // create-pool, add-reward-stream, fund, stake, claim.
    assert_eq!(transactions.len(), 5, "{history}");
    assert_eq!(history["older_before"], Value::Null, "{history}");
    assert_eq!(transactions[0]["signature"], claim_signature, "{history}");
    assert_eq!(transactions[1]["signature"], stake_signature, "{history}");
    assert!(
        transactions.iter().all(|tx| tx["succeeded"] == true),
        "{history}"
    );
    let event_named = |tx: &Value, name: &str| -> Value {
        tx["events"]
            .as_array()
            .unwrap_or_else(|| panic!("not served: {history}"))
            .iter()
            .find(|event| event["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {tx}"))
            .clone()
    };
    let claimed_event = event_named(&transactions[0], "RewardsClaimed");
    assert_eq!(claimed_event["amount"]["base_units"], claimed, "{history}");
    assert_eq!(claimed_event["amount"], moved[0]["amount"], "{history}");
    assert_eq!(claimed_event["mint"], reward_mint.to_string());
    let staked_event = event_named(&transactions[1], "Staked");
    assert_eq!(
        staked_event["amount"],
        serde_json::json!({"ui": "250.5", "base_units": 250_500_000})
    );
    assert_eq!(staked_event["mint"], stake_mint.to_string());
    assert_eq!(
        staked_event["description"],
        format!(
            "staked 250.5 (position 250.5, pool total 250.5) by {}",
            alice.pubkey()
        )
    );
    // Alice's position's history: her stake and claim only.
    let mine = net.json(
        &alice_key,
        &["history", &pool, "--owner", &alice.pubkey().to_string()],
    );
    let mine: Vec<_> = mine["transactions"]
        .as_array()
        .unwrap_or_else(|| panic!("{mine}"))
        .iter()
        .map(|tx| tx["signature"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(mine, [claim_signature, stake_signature]);
    // Text, for people: the same events in plain words.
    let text = net.cli(&alice_key, &["history", &pool, "--limit", "2"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "  claimed {} of {reward_mint} (stream 0) by {}",
            ui(&moved[0]["amount"]),
            alice.pubkey()
        )) && text.contains(&format!(
            "  staked 250.5 (position 250.5, pool total 250.5) by {}",
            alice.pubkey()
        )) && text.contains(&format!(
            "Older: staking history {pool} --before {stake_signature}"
        )),
        "{text}"
    );
    // `staking history <POOL> | head -1`, and a reader gone before anything
    // is written: no panic, no error.
    let piped = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; {} -u {} history {pool} | head -1",
            env!("CARGO_BIN_EXE_staking"),
            net.url
        ))
        .output()
        .unwrap();
    assert!(
        piped.status.success() && piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&piped.stdout),
        format!("Transactions of the staking program for {pool}, newest first:\n")
    );
    let closed = with_stdout_closed(
        Command::new(env!("CARGO_BIN_EXE_staking")).args(["-u", &net.url, "history", &pool]),
    );
    assert!(
        closed.status.success() && closed.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&closed.stderr)
    );

    // What the pool pays, and what the position earns, per day.
    let view = net.json(&alice_key, &["pool", &pool]);
    let stream = &view["streams"][0];
    assert!(
        stream["emission_per_day"]["base_units"].as_u64().unwrap() > 0,
        "{stream}"
    );
    assert!(
        stream["reward_per_staked_token_per_year"].as_f64().unwrap() > 0.0,
        "{stream}"
    );
    assert!(stream["seconds_left"].as_u64().unwrap() > 0, "{stream}");
    let position = net.json(&alice_key, &["position", &pool]);
    assert!(
        position["earning_per_day"][0]["amount"]["base_units"]
            .as_u64()
            .unwrap()
            > 0,
        "{position}"
    );
    let unstaked = net.json(&alice_key, &["unstake", &pool, "ALL"]);
    assert_eq!(unstaked["amount"], 250_500_000);
    let position = net.json(&alice_key, &["position", &pool]);
    assert_eq!(position["tickets"].as_array().unwrap().len(), 1);
    // `--wait` counts down by the chain's clock, then withdraws.
    let withdrawn = net.json(&alice_key, &["withdraw", &pool, "--wait"]);
    assert_eq!(withdrawn["tickets"].as_array().unwrap().len(), 1);
    assert_eq!(withdrawn["moved"][0]["ticket"], withdrawn["tickets"][0]);
    assert_eq!(
        withdrawn["moved"][0]["amount"],
        serde_json::json!({"ui": "250.5", "base_units": 250_500_000})
    );
    assert_eq!(
        net.balance(&alice.pubkey(), &stake_mint, &SPL_TOKEN).await,
        1_000_000_000
    );

    let pools = net.json(&alice_key, &["pools", "--mint", &stake_mint.to_string()]);
    assert_eq!(pools.as_array().unwrap().len(), 1);
    assert_eq!(pools[0]["pool_id"], 7);
    assert_eq!(pools[0]["creator"], authority.pubkey().to_string());
    assert_eq!(pools[0]["stake_freeze_authority_accepted"], false);
    assert_eq!(pools[0]["streams"][0]["freeze_authority_accepted"], false);
    let theirs = net.json(
        &alice_key,
        &["pools", "--creator", &authority.pubkey().to_string()],
    );
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    let mine = net.json(
        &alice_key,
        &["pools", "--creator", &alice.pubkey().to_string()],
    );
    assert_eq!(mine.as_array().unwrap().len(), 0);
    let shown = net.cli(&alice_key, &["pool", &pool]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&format!("creator:          {}", authority.pubkey()))
            && shown.contains("stake mint freeze authority: none"),
        "{shown}"
    );
    assert_eq!(ui(&pools[0]["total_staked"]), "0");
    let positions = net.json(&alice_key, &["positions"]);
    assert_eq!(positions.as_array().unwrap().len(), 1);
    // Rewards settled by the unstake (if a second passed since the claim) must
    // be claimed before the position can close.
    let position = net.json(&alice_key, &["position", &pool]);
    if position["pending_rewards"][0]["amount"]["base_units"]
        .as_u64()
        .unwrap()
        > 0
    {
        net.json(&alice_key, &["claim", &pool]);
    }
    net.json(&alice_key, &["close-position", &pool]);
    assert_eq!(
        net.json(&alice_key, &["positions"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // --dry-run simulates, reports compute units, and sends nothing.
    let dry = net.json(
        &authority_key,
        &["--dry-run", "update-pool", &pool, "--pause"],
    );
    assert_eq!(dry["dry_run"], true);
    assert!(dry["compute_units"].as_u64().unwrap() > 0);
    assert_eq!(net.json(&alice_key, &["pool", &pool])["paused"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_one_line_and_change_nothing() {
    let net = Localnet::start(1).await;
    let (authority, authority_key) = net.user("authority").await;
    let (alice, alice_key) = net.user("alice").await;
    let stake_mint = net
        .client
        .create_mint(6, &SPL_TOKEN, &[(alice.pubkey(), 5_000_000)])
        .await
        .unwrap();
    let created = net.json(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &stake_mint.to_string(),
            "--unbonding-period",
            "1h",
        ],
    );
    let pool = created["pool"].as_str().unwrap().to_string();
    net.json(&alice_key, &["stake", &pool, "2"]);
    let before = net.json(&alice_key, &["pool", &pool]);

    let error = net.fails(&alice_key, &["stake", &pool, "6"]);
    assert!(
        error.contains("cannot stake 6: token account") && error.contains("holds 3"),
        "{error}"
    );
    let error = net.fails(&alice_key, &["unstake", &pool, "5"]);
    assert_eq!(error, "error: cannot unstake 5: the position has 2 staked");
    let error = net.fails(&alice_key, &["stake", &pool, "1.0000001"]);
    assert!(
        error.contains("has 7 decimal places; the mint has 6"),
        "{error}"
    );
    // Someone else's pool or ticket: named in the user's words, before sending.
    let not_authority = format!(
        "error: you ({}) are not this pool's authority, which is {}; sign with its keypair (-k)",
        alice.pubkey(),
        authority.pubkey()
    );
    assert_eq!(
        net.fails(&alice_key, &["update-pool", &pool, "--pause"]),
        not_authority
    );
    assert_eq!(
        net.fails(
            &alice_key,
            &["transfer-authority", &pool, &alice.pubkey().to_string()]
        ),
        not_authority
    );
    // The ticket is locked for an hour.
    let unstaked = net.json(&alice_key, &["unstake", &pool, "1"]);
    let ticket = unstaked["ticket"].as_str().unwrap().to_string();
    let not_yours = format!(
        "error: ticket {ticket} belongs to {}, not to you ({})",
        alice.pubkey(),
        authority.pubkey()
    );
    for command in ["withdraw", "cancel-unbond"] {
        assert_eq!(
            net.fails(&authority_key, &[command, &pool, &ticket]),
            not_yours
        );
    }
    let error = net.fails(&alice_key, &["withdraw", &pool, &ticket]);
    assert!(
        error.contains("is still locked: it unlocks") && error.contains("UTC (in "),
        "{error}"
    );
    // No SOL for fees.
    let broke = Keypair::new();
    let broke_key = net.dir.join("broke.json");
    write_keypair_file(&broke, &broke_key).unwrap();
    let error = net.fails(&broke_key, &["claim", &pool]);
    assert!(error.starts_with("error:"), "{error}");
    // Wrong program id, unknown pool, validator down, bad input.
    let error = net.fails(
        &alice_key,
        &[
            "--program-id",
            &Pubkey::new_unique().to_string(),
            "pool",
            &pool,
        ],
    );
    assert!(error.contains("is owned by"), "{error}");
    let error = net.fails(&alice_key, &["pool", &Pubkey::new_unique().to_string()]);
    assert!(error.contains("does not exist"), "{error}");
    let down = Command::new(env!("CARGO_BIN_EXE_staking"))
        .args(["-u", "http://127.0.0.1:1", "pool", &pool])
        .output()
        .unwrap();
    assert!(!down.status.success());
    assert!(String::from_utf8_lossy(&down.stderr)
        .contains("cannot reach the cluster at http://127.0.0.1:1"));
    // An argument error is clap's whole message (exit 2), usage hint included.
    let bad = net.cli(&alice_key, &["stake", "not-a-pool", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(
        message.contains("not a valid base58 address") && message.contains("--help"),
        "{message}"
    );

    // A new user's inputs (issue 11): each one line, nothing sent.
    let huge = net.cli(&alice_key, &["stake", &pool, "99999999999999999999999"]);
    assert_eq!(huge.status.code(), Some(2));
    let message = String::from_utf8_lossy(&huge.stderr);
    assert!(message.contains("is too large"), "{message}");
    let reward_mint = net
        .client
        .create_mint(6, &SPL_TOKEN, &[(authority.pubkey(), 1_000_000)])
        .await
        .unwrap();
    net.json(
        &authority_key,
        &["add-reward-stream", &pool, &reward_mint.to_string()],
    );
    let error = net.fails(
        &authority_key,
        &[
            "fund",
            &pool,
            "--stream",
            "0",
            "--amount",
            "5",
            "--duration",
            "1h",
        ],
    );
    assert!(
        error.contains("cannot fund 5") && error.contains("holds 1"),
        "{error}"
    );
    // A program error, decoded from the logs: the stream does not pay the
    // stake mint, so it cannot be compounded.
    let error = net.fails(&alice_key, &["compound", &pool, "--stream", "0"]);
    let code = staking::errors::StakingError::CompoundMintMismatch as u32
        + anchor_lang::error::ERROR_CODE_OFFSET;
    assert!(
        error.contains(&format!("CompoundMintMismatch ({code})")),
        "{error}"
    );
    for name in ["", "  ", "bad\u{7}name", "tab\tname"] {
        let error = net.fails(
            &alice_key,
            &[
                "operator",
                "register",
                &pool,
                "--commission",
                "5%",
                "--name",
                name,
            ],
        );
        assert!(
            error.contains("operator name is empty") || error.contains("control character"),
            "{name:?}: {error}"
        );
    }
    assert!(net
        .json(&alice_key, &["operators", &pool])
        .as_array()
        .unwrap()
        .is_empty());
    // Bidirectional overrides would make the name read otherwise on screen.
    let error = net.fails(
        &alice_key,
        &[
            "operator",
            "register",
            &pool,
            "--commission",
            "5%",
            "--name",
            "evil\u{202E}1-edon",
        ],
    );
    assert!(
        error.contains("bidirectional control character '\\u{202e}'"),
        "{error}"
    );
    // No operator of one's own: said so, with what to do.
    let no_operator = format!(
        "error: you ({}) have no operator in pool {pool}; register one with staking operator register",
        alice.pubkey()
    );
    for args in [
        &["operator", "update", &pool, "--commission", "1%"][..],
        &["operator", "claim", &pool][..],
        &["operator", "show", "--pool", &pool][..],
    ] {
        assert_eq!(net.fails(&alice_key, args), no_operator, "{args:?}");
    }
    // Closing: no position at all, or one that still holds something.
    assert_eq!(
        net.fails(&authority_key, &["close-position", &pool]),
        format!(
            "error: you ({}) have no position in pool {pool}",
            authority.pubkey()
        )
    );
    let error = net.fails(&alice_key, &["close-position", &pool]);
    assert!(
        error.starts_with(&format!(
            "error: your position in pool {pool} still has 1 staked and 1 open unbond ticket: unstake ALL"
        )),
        "{error}"
    );
    // Addresses of the wrong kind say what they are.
    assert_eq!(
        net.fails(&alice_key, &["pool", &alice.pubkey().to_string()]),
        format!(
            "error: {} is a wallet (system account), not a pool",
            alice.pubkey()
        )
    );
    assert_eq!(
        net.fails(&alice_key, &["pool", &stake_mint.to_string()]),
        format!("error: {stake_mint} is a token mint, not a pool")
    );
    // `staking pool X | head`: the reader goes away; no panic, no error.
    let output = with_stdout_closed(
        Command::new(env!("CARGO_BIN_EXE_staking")).args(["-u", &net.url, "pool", &pool]),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A URL that answers HTTP but is not a Solana RPC node.
    let not_rpc = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let not_rpc_url = format!("http://{}", not_rpc.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in not_rpc.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let output = Command::new(env!("CARGO_BIN_EXE_staking"))
        .args(["-u", &not_rpc_url, "pool", &pool])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert!(!output.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("501") && stderr.contains("not a Solana JSON-RPC endpoint"),
        "{stderr}"
    );

    let after = net.json(&alice_key, &["pool", &pool]);
    assert_eq!(
        after["total_staked"],
        serde_json::json!({"ui": "1", "base_units": 1_000_000})
    );
    assert_eq!(before["authority"], after["authority"]);
    assert_eq!(after["paused"], false);

    // A mint with a freeze authority: refused in one line before sending,
    // accepted with the flag and then shown as a trust assumption.
    let frozen = net
        .client
        .create_mint_with(6, &SPL_TOKEN, Some(&authority.pubkey()), &[])
        .await
        .unwrap();
    let error = net.fails(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &frozen.to_string(),
            "--pool-id",
            "2",
        ],
    );
    assert!(
        error.contains("has a freeze authority") && error.contains("--accept-freeze-authority"),
        "{error}"
    );
    let error = net.fails(
        &authority_key,
        &["add-reward-stream", &pool, &frozen.to_string()],
    );
    assert!(error.contains("--accept-freeze-authority"), "{error}");
    // Only the stream added for the funding check above.
    assert_eq!(
        net.json(&alice_key, &["pool", &pool])["streams"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let created = net.json(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &frozen.to_string(),
            "--pool-id",
            "2",
            "--accept-freeze-authority",
        ],
    );
    let frozen_pool = created["pool"].as_str().unwrap().to_string();
    net.json(
        &authority_key,
        &[
            "add-reward-stream",
            &frozen_pool,
            &frozen.to_string(),
            "--accept-freeze-authority",
        ],
    );
    let view = net.json(&alice_key, &["pool", &frozen_pool]);
    assert_eq!(view["stake_freeze_authority_accepted"], true);
    assert_eq!(view["streams"][0]["freeze_authority_accepted"], true);
    let shown = net.cli(&alice_key, &["pool", &frozen_pool]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(
            "stake mint freeze authority: accepted (the mint's freeze authority can freeze the stake vault)"
        ) && shown.contains("reward mint freeze authority: accepted"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delegation_through_the_cli() {
    let net = Localnet::start(2).await;
    let (authority, authority_key) = net.user("authority").await;
    let (alice, alice_key) = net.user("alice").await;
    let (operator, operator_key) = net.user("operator").await;
    let stake_mint = net
        .client
        .create_mint(
            6,
            &SPL_TOKEN,
            &[
                (alice.pubkey(), 1_000_000_000),
                (authority.pubkey(), 1_000_000_000_000),
            ],
        )
        .await
        .unwrap();
    let created = net.json(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &stake_mint.to_string(),
            "--unbonding-period",
            "2s",
            "--require-operator-approval",
            "--max-commission",
            "20%",
        ],
    );
    let pool = created["pool"].as_str().unwrap().to_string();
    let view = net.json(&alice_key, &["pool", &pool]);
    assert_eq!(view["operator_approval_required"], true);
    assert_eq!(view["max_commission_bps"], 2_000);
    assert_eq!(view["max_operator_share_bps"], Value::Null);
    net.json(
        &authority_key,
        &["add-reward-stream", &pool, &stake_mint.to_string()],
    );
    net.json(
        &authority_key,
        &[
            "fund",
            &pool,
            "--stream",
            "0",
            "--amount",
            "36000",
            "--duration",
            "1h",
        ],
    );

    // Registration: above the pool's maximum is refused; at 10% it waits for approval.
    let error = net.fails(
        &operator_key,
        &[
            "operator",
            "register",
            &pool,
            "--commission",
            "25%",
            "--name",
            "op",
        ],
    );
    assert!(error.contains("above the pool's maximum"), "{error}");
    let registered = net.json(
        &operator_key,
        &[
            "operator",
            "register",
            &pool,
            "--commission",
            "10%",
            "--name",
            "validator-one",
        ],
    );
    let address = registered["operator"].as_str().unwrap().to_string();
    let shown = net.json(&alice_key, &["operator", "show", &address]);
    assert_eq!(
        (shown["active"].clone(), shown["commission_bps"].clone()),
        (false.into(), 1_000.into())
    );

    net.json(&alice_key, &["stake", &pool, "100"]);
    let error = net.fails(&alice_key, &["delegate", &pool, &address]);
    assert!(error.contains("not active"), "{error}");
    let error = net.fails(&operator_key, &["operator", "activate", &pool, &address]);
    assert!(
        error.contains("are not this pool's authority, which is")
            && error.contains(&authority.pubkey().to_string()),
        "{error}"
    );
    net.json(&authority_key, &["operator", "activate", &pool, &address]);
    let delegated = net.json(&alice_key, &["delegate", &pool, &address]);
    assert_eq!(delegated["action"], "delegate");

    let operators = net.json(&alice_key, &["operators", &pool]);
    assert_eq!(operators.as_array().unwrap().len(), 1);
    assert_eq!(operators[0]["name"], "validator-one");
    assert_eq!(ui(&operators[0]["delegated"]), "100");
    assert_eq!(operators[0]["share_of_pool_bps"], 10_000);
    let table = net.cli(&alice_key, &["operators", &pool]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("validator-one") && table.contains("10.00%"),
        "{table}"
    );

    // An increase is scheduled, visible, and not yet in force.
    let updated = net.json(
        &operator_key,
        &["operator", "update", &pool, "--commission", "15%"],
    );
    assert_eq!(updated["commission_bps"], 1_500);
    let shown = net.json(&operator_key, &["operator", "show", "--pool", &pool]);
    assert_eq!(shown["commission_bps"], 1_000);
    assert_eq!(shown["pending_commission_bps"], 1_500);
    assert!(shown["pending_commission_at"].as_i64().unwrap() > 0);

    net.wait_cluster_seconds(4).await;
    let position = net.json(&alice_key, &["position", &pool]);
    assert_eq!(position["operator"], address.as_str());
    // For people: the claim's amounts, one line per stream, in UI units.
    let before = net.balance(&alice.pubkey(), &stake_mint, &SPL_TOKEN).await;
    let claim = net.cli(&alice_key, &["claim", &pool]);
    assert!(claim.status.success());
    let after = net.balance(&alice.pubkey(), &stake_mint, &SPL_TOKEN).await;
    let text = String::from_utf8_lossy(&claim.stdout);
    let received = staking_client::amount::format_ui(after - before, 6);
    assert!(
        text.contains(&format!(
            "  received {received} of mint {stake_mint} (stream 0)\n"
        )),
        "{text}"
    );
    // A node whose WebSocket does not answer: the claim is sent all the same
    // and says the amounts were not reported (after a second has accrued
    // something to claim).
    net.wait_cluster_seconds(2).await;
    let config = net.dir.join("dead-websocket.yml");
    std::fs::write(
        &config,
        format!(
            "json_rpc_url: {}\nwebsocket_url: ws://127.0.0.1:1/\nkeypair_path: {}\naddress_labels: {{}}\ncommitment: confirmed\n",
            net.url,
            alice_key.display()
        ),
    )
    .unwrap();
    let blind = Command::new(env!("CARGO_BIN_EXE_staking"))
        .args([
            "-C",
            config.to_str().unwrap(),
            "--output",
            "json-compact",
            "claim",
            &pool,
        ])
        .output()
        .unwrap();
    assert!(
        blind.status.success(),
        "{}",
        String::from_utf8_lossy(&blind.stderr)
    );
    let blind: Value = serde_json::from_slice(&blind.stdout).unwrap();
    assert!(
        blind["signature"].is_string() && blind["moved"].is_null(),
        "{blind}"
    );
    let position = net.json(&alice_key, &["position", &pool]);
    let paid = position["commission_paid"][0]["amount"]["base_units"]
        .as_u64()
        .unwrap();
    assert!(paid > 0, "{position}");

    // The increase is due (by the chain's clock), but only the operator's own
    // instruction applies it: Alice's claim did not.
    let mut shown = Value::Null;
    for _ in 0..60 {
        shown = net.json(&alice_key, &["operator", "show", &address]);
        if shown["pending_commission_due"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(shown["pending_commission_due"], true, "{shown}");
    assert_eq!(shown["commission_bps"], 1_000);
    let text = net.cli(&alice_key, &["operator", "show", &address]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("15.00%") && text.contains("due since"),
        "{text}"
    );

    let claimed = net.json(&operator_key, &["operator", "claim", &pool]);
    assert_eq!(claimed["applied_scheduled_commission_bps"], 1_500);
    let earned = net
        .balance(&operator.pubkey(), &stake_mint, &SPL_TOKEN)
        .await;
    assert!(earned > 0);
    assert_eq!(
        claimed["moved"][0]["amount"]["base_units"], earned,
        "{claimed}"
    );
    let shown = net.json(&alice_key, &["operator", "show", &address]);
    assert_eq!(shown["commission_bps"], 1_500);
    assert_eq!(shown["pending_commission_bps"], Value::Null);

    // `operator update` with no change is allowed: it applies a due increase.
    net.json(
        &operator_key,
        &["operator", "update", &pool, "--commission", "20%"],
    );
    for _ in 0..60 {
        let shown = net.json(&alice_key, &["operator", "show", &address]);
        if shown["pending_commission_due"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let applied = net.json(&operator_key, &["operator", "update", &pool]);
    assert_eq!(applied["applied_scheduled_commission_bps"], 2_000);
    let shown = net.json(&alice_key, &["operator", "show", &address]);
    assert_eq!(shown["commission_bps"], 2_000);

    net.json(&alice_key, &["undelegate", &pool]);
    let position = net.json(&alice_key, &["position", &pool]);
    assert_eq!(position["operator"], Value::Null);
    // Commission paid is the current delegation's: none when undelegated.
    assert_eq!(position["commission_paid"], Value::Null);
    let error = net.fails(&alice_key, &["undelegate", &pool]);
    assert!(error.contains("not delegated"), "{error}");
}

/// The pool's history, asked again until every listed transaction is served
/// (one that landed moments ago may not be yet).
async fn served_history(net: &Localnet, keypair: &Path, args: &[&str]) -> Value {
    let mut history = Value::Null;
    for _ in 0..30 {
        history = net.json(keypair, args);
        let served = history["transactions"]
            .as_array()
            .unwrap_or_else(|| panic!("{history}"))
            .iter()
            .all(|tx| tx["unavailable"] != "not_served_yet");
        if served {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    history
}

#[tokio::test(flavor = "multi_thread")]
async fn slashing_through_the_cli() {
    use serde_json::json;
    let net = Localnet::start(3).await;
    let (_, authority_key) = net.user("authority").await;
    let (alice, alice_key) = net.user("alice").await;
    let (bob, bob_key) = net.user("bob").await;
    let (_, operator_key) = net.user("operator").await;
    let (slasher, slasher_key) = net.user("slasher").await;
    let stake_mint = net
        .client
        .create_mint(
            6,
            &SPL_TOKEN,
            &[
                (alice.pubkey(), 1_000_000_000),
                (bob.pubkey(), 1_000_000_000),
            ],
        )
        .await
        .unwrap();

    // A slasher from the start: nothing is staked, so it applies at once; the
    // destination defaults to the slasher's token account, created with the pool.
    let created = net.json(
        &authority_key,
        &[
            "create-pool",
            "--mint",
            &stake_mint.to_string(),
            "--unbonding-period",
            "1h",
            "--slasher",
            &slasher.pubkey().to_string(),
            "--max-slash",
            "10%",
        ],
    );
    let pool = created["pool"].as_str().unwrap().to_string();
    let destination =
        staking_client::pda::token_account(&slasher.pubkey(), &stake_mint, &SPL_TOKEN);
    assert_eq!(
        created["slash_settings"],
        json!({"slasher": slasher.pubkey().to_string(), "destination": destination.to_string(),
            "max_slash_bps": 1_000, "applies_at": null})
    );
    let view = net.json(&alice_key, &["pool", &pool]);
    assert_eq!(
        view["slashing"],
        json!({"slasher": slasher.pubkey().to_string(), "destination": destination.to_string(),
            "max_slash_bps": 1_000})
    );
    assert_eq!(view["pending_slashing"], Value::Null);

    let registered = net.json(
        &operator_key,
        &[
            "operator",
            "register",
            &pool,
            "--commission",
            "10%",
            "--name",
            "validator-one",
        ],
    );
    let operator = registered["operator"].as_str().unwrap().to_string();
    net.json(&alice_key, &["stake", &pool, "100"]);
    net.json(&alice_key, &["delegate", &pool, &operator]);
    net.json(&bob_key, &["stake", &pool, "50"]);
    // 20 of Alice's stake is on its way out: answerable to the operator until it unlocks.
    let first_ticket = net.json(&alice_key, &["unstake", &pool, "20"])["ticket"]
        .as_str()
        .unwrap()
        .to_string();

    // Refused before sending, in one line, naming who and what.
    let hex = "ab".repeat(32);
    assert_eq!(
        net.fails(
            &alice_key,
            &["slash", &pool, &operator, "5%", "--reason", &hex]
        ),
        format!(
            "error: you ({}) are not this pool's slasher, which is {}; sign with its keypair (-k)",
            alice.pubkey(),
            slasher.pubkey()
        )
    );
    assert_eq!(
        net.fails(
            &slasher_key,
            &["slash", &pool, &operator, "15%", "--reason", &hex]
        ),
        "error: a slash of 15.00% exceeds the pool's maximum slash of 10.00%"
    );
    let error = net.fails(&alice_key, &["undelegate", &pool]);
    assert!(
        error.contains("so your 80 delegated to operator")
            && error.contains("leaves it only through an unbond ticket")
            && error.contains(&format!("staking unstake {pool} ALL")),
        "{error}"
    );

    // The slash, its reason the SHA-256 of an evidence file: 10% of the 80
    // delegated and of the 20 in the ticket, reported from the event.
    let evidence = net.dir.join("evidence.txt");
    std::fs::write(&evidence, "double signed slot 1234").unwrap();
    let slashed = net.json(
        &slasher_key,
        &[
            "slash",
            &pool,
            &operator,
            "10%",
            "--reason",
            evidence.to_str().unwrap(),
        ],
    );
    use sha2::Digest;
    let reason: String = sha2::Sha256::digest(b"double signed slot 1234")
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(slashed["action"], "slash");
    assert_eq!(slashed["bps"], 1_000);
    assert_eq!(slashed["reason"], reason);
    assert_eq!(slashed["reason_file"], evidence.to_str().unwrap());
    let amount = |units: u64| json!({"ui": staking_client::amount::format_ui(units, 6), "base_units": units});
    assert_eq!(
        slashed["slashed"],
        json!({"operator": operator, "slasher": slasher.pubkey().to_string(), "bps": 1_000,
            "reason": reason, "from_delegated": amount(8_000_000),
            "from_tickets": amount(2_000_000), "dust": amount(0), "total": amount(10_000_000),
            "destination": destination.to_string(),
            "operator_delegated_after": amount(72_000_000),
            "operator_unbonding_after": amount(18_000_000)}),
        "{slashed}"
    );
    assert_eq!(
        net.client.token_balance(&destination).await.unwrap(),
        10_000_000
    );

    // The delegator lost 10% of its stake and of its ticket; Bob, undelegated, nothing.
    let position = net.json(&alice_key, &["position", &pool]);
    assert_eq!(position["staked"], amount(72_000_000), "{position}");
    assert_eq!(
        position["slashed_since_last_transaction"],
        amount(8_000_000),
        "{position}"
    );
    assert_eq!(position["tickets"][0]["amount"], amount(20_000_000));
    assert_eq!(position["tickets"][0]["value"], amount(18_000_000));
    assert_eq!(position["pool_can_slash"], true);
    let record = &position["operator_slashes"];
    assert_eq!(record["total_slashed"], amount(10_000_000));
    assert_eq!(
        (
            record["slash_count"].clone(),
            record["last_slash_bps"].clone()
        ),
        (1.into(), 1_000.into())
    );
    assert!(record["last_slash_at"].as_i64().unwrap() > 0, "{position}");
    let text = net.cli(&alice_key, &["position", &pool]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "staked: 72 (8 taken by operator {operator}'s slashes since your last transaction)\n"
        )) && text.contains("worth 18 after slashes")
            && text.contains("operator slashed: 10 in 1 slash, the last 10.00% on "),
        "{text}"
    );
    let bobs = net.json(&bob_key, &["position", &pool]);
    assert_eq!(bobs["staked"], amount(50_000_000), "{bobs}");
    assert_eq!(bobs["operator"], Value::Null);
    assert_eq!(bobs["operator_slashes"], Value::Null);

    // The operator's record, in `operator show` and `operators`.
    let shown = net.json(&alice_key, &["operator", "show", &operator]);
    let operators = net.json(&alice_key, &["operators", &pool]);
    for view in [&shown, &operators[0]] {
        assert_eq!(view["total_slashed"], amount(10_000_000), "{view}");
        assert_eq!(view["slash_count"], 1);
        assert_eq!(view["last_slash_bps"], 1_000);
        assert_eq!(view["last_slash_at"], record["last_slash_at"]);
        assert_eq!(view["delegated"], amount(72_000_000));
        assert_eq!(view["unbonding"], amount(18_000_000));
    }
    let table = net.cli(&alice_key, &["operators", &pool]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("SLASHED") && table.contains("LAST SLASH") && table.contains("10.00% "),
        "{table}"
    );

    // `staking history`: the slash in plain words with UI amounts.
    let history = served_history(&net, &alice_key, &["history", &pool, "--limit", "1"]).await;
    let event = &history["transactions"][0]["events"][0];
    assert_eq!(event["name"], "Slashed", "{history}");
    assert_eq!(event["amount"], amount(10_000_000));
    assert_eq!(event["mint"], stake_mint.to_string());
    assert_eq!(
        event["description"],
        format!(
            "slasher {} slashed operator {operator} by 10.00% (reason {reason}): took 8 from delegated stake and 2 from unbond tickets: 10 sent to {destination}; the operator has 72 delegated and 18 in unbond tickets left",
            slasher.pubkey()
        )
    );

    // Leaving the operator: unstake what the slash left, then undelegate;
    // the tickets may not go to stake elsewhere before they unlock.
    // Returning the ticket to the same operator would be allowed; its
    // summary says what the slash took.
    let cancel = net.cli(
        &alice_key,
        &["--dry-run", "cancel-unbond", &pool, &first_ticket],
    );
    let cancel = String::from_utf8_lossy(&cancel.stdout);
    assert!(
        cancel.contains(&format!(
            "ticket {first_ticket}: 20 unstaked, 2 taken by slashes of operator {operator}: it returns 18"
        )),
        "{cancel}"
    );
    let unstaked = net.cli(&alice_key, &["unstake", &pool, "ALL"]);
    let unstaked = String::from_utf8_lossy(&unstaked.stdout);
    assert!(
        unstaked.contains("Unstake 72 from pool")
            && unstaked.contains(&format!(
                "the ticket stays answerable to operator {operator}'s slashes"
            )),
        "{unstaked}"
    );
    net.json(&alice_key, &["undelegate", &pool]);
    let error = net.fails(&alice_key, &["cancel-unbond", &pool, &first_ticket]);
    assert!(
        error.contains(&format!(
            "ticket {first_ticket} was unstaked from operator {operator}: until it unlocks "
        )) && error.contains("it can return only to stake delegated to that operator")
            && error.contains("UTC (in ")
            && error.contains("your position is not delegated"),
        "{error}"
    );

    // Settings: a higher maximum waits out a notice, a lower one
    // applies at once (replacing it), and the slasher can be removed.
    let now = net.client.now().await.unwrap();
    let higher = net.json(
        &authority_key,
        &["update-pool", &pool, "--max-slash", "20%"],
    );
    let applies_at = higher["slash_settings"]["applies_at"].as_i64().unwrap();
    // At least one unbonding period's notice (the program decides how long).
    assert!(applies_at >= now + 3_600, "{higher}");
    let view = net.json(&alice_key, &["pool", &pool]);
    assert_eq!(view["slashing"]["max_slash_bps"], 1_000);
    assert_eq!(view["pending_slashing"]["max_slash_bps"], 2_000);
    // The result projects the date before sending; the program dates it
    // when the transaction runs, a few seconds later at most.
    let scheduled = view["pending_slashing"]["applies_at"].as_i64().unwrap();
    assert!(
        (applies_at..applies_at + 60).contains(&scheduled),
        "{applies_at} {view}"
    );
    let lower = net.json(&authority_key, &["update-pool", &pool, "--max-slash", "5%"]);
    assert_eq!(lower["slash_settings"]["applies_at"], Value::Null);
    let view = net.json(&alice_key, &["pool", &pool]);
    assert_eq!(view["slashing"]["max_slash_bps"], 500);
    assert_eq!(view["pending_slashing"], Value::Null);
    let off = net.json(&authority_key, &["update-pool", &pool, "--no-slasher"]);
    assert_eq!(
        off["slash_settings"],
        json!({"slasher": null, "destination": null, "max_slash_bps": 0, "applies_at": null})
    );
    assert_eq!(
        net.json(&alice_key, &["pool", &pool])["slashing"],
        Value::Null
    );
    assert_eq!(
        net.fails(
            &slasher_key,
            &["slash", &pool, &operator, "1%", "--reason", &hex]
        ),
        format!("error: slashing is off in pool {pool}: it has no slasher")
    );
    let history = served_history(&net, &alice_key, &["history", &pool, "--limit", "3"]).await;
    let described: Vec<&str> = history["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tx| tx["events"][0]["description"].as_str().unwrap())
        .collect();
    assert_eq!(described[0], "slashing turned off", "{history}");

    // A slasher announced, none in force yet; its result, written to a full
    // disk, still says the transaction landed.
    let announce = Command::new(env!("CARGO_BIN_EXE_staking"))
        .args(["-u", &net.url, "-k", authority_key.to_str().unwrap()])
        .args([
            "update-pool",
            &pool,
            "--slasher",
            &slasher.pubkey().to_string(),
            "--max-slash",
            "10%",
        ])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&announce.stderr);
    assert!(!announce.status.success());
    assert!(
        stderr.starts_with("error: transaction ")
            && stderr
                .contains(" landed, but its result could not be printed: No space left on device"),
        "{stderr}"
    );
    let shown = net.cli(&alice_key, &["pool", &pool]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&format!(
            "slashing:         none in force yet; slasher {} announced, may take up to 10.00% per slash from ",
            slasher.pubkey()
        )) && shown.contains("the pool can slash its operators")
            && !shown.contains("off (nobody can slash"),
        "{shown}"
    );
    // Turning slashing off cancels the announced change too.
    let cancel = net.cli(
        &authority_key,
        &["--dry-run", "update-pool", &pool, "--no-slasher"],
    );
    let cancel = String::from_utf8_lossy(&cancel.stdout);
    assert!(
        cancel.contains("slashing off, at once; the change announced for ")
            && cancel.contains(" is cancelled too"),
        "{cancel}"
    );
    // A program is not a pool.
    assert_eq!(
        net.fails(&alice_key, &["pool", &staking::ID.to_string()]),
        format!("error: {} is a program, not a pool", staking::ID)
    );
    assert!(
        described[1].starts_with(&format!(
            "slasher {} in force: up to 5.00% per slash",
            slasher.pubkey()
        )),
        "{history}"
    );
    assert!(
        described[2].starts_with(&format!(
            "announced slasher {} (up to 20.00% per slash, sent to {destination}) from ",
            slasher.pubkey()
        )),
        "{history}"
    );
}

/// Closed pipes and argument errors need no validator: no panic anywhere,
/// clap's whole message, and help when nothing is given.
#[test]
fn argument_errors_are_complete_and_closed_pipes_are_quiet() {
    let staking = || Command::new(env!("CARGO_BIN_EXE_staking"));
    // Nothing given: the help, on stderr, exit 2.
    let bare = staking().output().unwrap();
    assert_eq!(bare.status.code(), Some(2));
    let help = String::from_utf8_lossy(&bare.stderr);
    assert!(
        help.contains("Usage: staking")
            && help.contains("Commands:")
            && help.contains("create-pool"),
        "{help}"
    );
    // A missing argument: the whole message, usage included.
    let missing = staking().arg("stake").output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(
        message.contains("the following required arguments were not provided")
            && message.contains("<POOL>")
            && message.contains("Usage: staking stake"),
        "{message}"
    );
    // A typo: clap's suggestion survives.
    let typo = staking().arg("stke").output().unwrap();
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("similar"),
        "typo hint"
    );
    // Shell completions, no keypair or cluster needed.
    for shell in ["bash", "zsh", "fish"] {
        let script = staking().args(["completions", shell]).output().unwrap();
        assert!(script.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&script.stdout);
        assert!(
            text.contains("staking") && text.contains("withdraw"),
            "{shell}"
        );
    }
    // A closed pipe: `staking --help | head -0` exits without a panic.
    let output = with_stdout_closed(staking().arg("--help"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
