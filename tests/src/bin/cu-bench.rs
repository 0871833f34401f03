//! Compute units of every instruction, measured on the program's SBF bytecode in
//! LiteSVM, written into `BENCHMARKS.md` and `README.md` (`--check`: compared
//! with `BENCHMARKS.md` instead).
//!
//! Run by `scripts/bench-cu.sh`, which builds the bytecode first.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use anchor_lang::InstructionData;
use anchor_lang::ToAccountMetas;
use anchor_spl::token_2022::spl_token_2022;
use solana_signer::Signer;
use staking_tests::scenario::pool_params;
use staking_tests::*;

const BEGIN: &str = "<!-- compute-units:begin -->";
const END: &str = "<!-- compute-units:end -->";
/// `--check` fails when an instruction costs more than this over the committed table.
const TOLERANCE: f64 = 0.05;
const STAKE: u64 = 1_000_000_000;
const REWARDS: u64 = 1_000_000_000_000;

/// Columns of the table: which token program the pool's mints belong to.
#[derive(Clone, Copy)]
struct Column {
    title: &'static str,
    token_program: Pubkey,
    spl_token: SplTokenImplementation,
}

const COLUMNS: [Column; 3] = [
    Column {
        title: "SPL Token mint, p-token",
        token_program: SPL_TOKEN,
        spl_token: SplTokenImplementation::PToken,
    },
    Column {
        title: "SPL Token mint, legacy SPL Token",
        token_program: SPL_TOKEN,
        spl_token: SplTokenImplementation::Legacy,
    },
    Column {
        title: "Token-2022 mint",
        token_program: TOKEN_2022,
        spl_token: SplTokenImplementation::PToken,
    },
];

/// Rows in table order, with the targets as (p-token, legacy SPL Token).
const ROWS: [(&str, Option<(u64, u64)>); 32] = [
    ("initialize_pool", None),
    ("add_reward_stream", None),
    ("fund_rewards", None),
    ("stake (first: opens the position)", None),
    ("stake (repeat, 1 stream)", Some((8_000, 12_000))),
    ("stake (repeat, 4 streams running)", None),
    ("unstake (creates a ticket)", Some((12_000, 14_000))),
    ("withdraw", Some((7_000, 10_000))),
    ("cancel_unbond", None),
    ("claim_rewards (1 stream)", Some((8_000, 12_000))),
    ("claim_rewards (4 streams)", Some((20_000, 30_000))),
    ("compound", None),
    ("close_position", None),
    ("register_operator", None),
    ("delegate (creates the delegation)", None),
    ("stake (repeat, delegated)", None),
    ("unstake (delegated)", None),
    ("claim_rewards (1 stream, delegated)", None),
    ("redelegate", None),
    ("undelegate", None),
    ("claim_commission", None),
    ("set_slasher", None),
    ("slash (delegators and a ticket)", None),
    ("claim_rewards (1 stream, delegated, after a slash)", None),
    ("stake (repeat, delegated, slashed operator)", None),
    ("unstake (delegated, slashed operator)", None),
    ("withdraw (ticket slashed)", None),
    ("cancel_unbond (ticket slashed, back to its operator)", None),
    ("reference: Anchor empty instruction", None),
    ("reference: bare transfer_checked CPI", None),
    ("reference: hand-built transfer_checked CPI", None),
    ("reference: transfer_checked, top level", None),
];

/// Per column: CU of each row of [`ROWS`], and the canonical bumps below.
type Measurements = BTreeMap<&'static str, u64>;

// The canonical bumps of the measured pool's PDAs, kept beside the CU (not
// rows): creating a PDA searches down from 255, so a lower bump costs more.
const BUMP_POOL: &str = "bump: pool";
const BUMP_STAKE_VAULT: &str = "bump: stake vault";
const BUMP_REWARD_VAULT: &str = "bump: reward vault";

fn cu(name: &'static str, result: TxResult, into: &mut Measurements) {
    let meta = ok(result);
    // Profiling aid: the program logs of every measured transaction.
    if std::env::var_os("CU_BENCH_LOGS").is_some() {
        eprintln!("== {name}\n{}", meta.logs.join("\n"));
    }
    into.insert(name, meta.compute_units_consumed);
}

/// Rent-exempt sizes seen in the run: account type -> (bytes, lamports).
type Rents = BTreeMap<String, (usize, u64)>;

fn record_rent(env: &TestEnv, name: &str, address: &Pubkey, rents: &mut Rents) {
    let account = env.svm.get_account(address).expect("account exists");
    rents.insert(name.to_string(), (account.data.len(), account.lamports));
}

/// Every row of one column, in a fresh environment with deterministic keys.
fn measure(column: Column, rents: &mut Rents) -> Measurements {
    let mut env = TestEnv::deterministic(column.spl_token);
    let program = column.token_program;
    let mut m = Measurements::new();
    let stake_mint = env.create_mint(program, 6);

    // One stream paying the stake mint, so compound works.
    let authority = env.new_user();
    let params = pool_params(1, 3 * DAY as u64);
    let address = staking_client::pda::pool(&staking::ID, &stake_mint, &authority.pubkey(), 1);
    cu(
        "initialize_pool",
        env.try_create_pool(&authority, &stake_mint, 1, params),
        &mut m,
    );
    let pool = TestPool {
        address,
        stake_mint,
        authority,
        pool_id: 1,
    };
    cu(
        "add_reward_stream",
        env.try_add_stream(&pool, &stake_mint),
        &mut m,
    );
    cu(
        "fund_rewards",
        env.fund(&pool, 0, REWARDS, 30 * DAY as u64),
        &mut m,
    );

    let alice = env.new_user();
    cu(
        "stake (first: opens the position)",
        env.stake(&pool, &alice, STAKE),
        &mut m,
    );
    env.warp(600);
    cu(
        "stake (repeat, 1 stream)",
        env.stake(&pool, &alice, STAKE),
        &mut m,
    );
    env.warp(600);
    env.token_account(&alice.pubkey(), &stake_mint);
    cu(
        "claim_rewards (1 stream)",
        env.claim(&pool, &alice, None),
        &mut m,
    );
    env.warp(600);
    cu("compound", env.compound(&pool, &alice, 0), &mut m);
    let (ticket, result) = env.unstake(&pool, &alice, STAKE);
    cu("unstake (creates a ticket)", result, &mut m);
    cu(
        "cancel_unbond",
        env.cancel_unbond(&pool, &alice, &ticket),
        &mut m,
    );
    let staked = env.position(&pool, &alice.pubkey()).staked;
    let (ticket, result) = env.unstake(&pool, &alice, staked);
    ok(result);
    record_rent(&env, "UnbondTicket", &ticket, rents);
    env.warp(3 * DAY);
    cu("withdraw", env.withdraw(&pool, &alice, &ticket), &mut m);
    if env.position(&pool, &alice.pubkey()).has_owed_rewards() {
        ok(env.claim(&pool, &alice, None));
    }
    record_rent(&env, "Pool", &pool.address, rents);
    let state = env.pool(&pool);
    for (name, bump) in [
        (BUMP_POOL, state.bump),
        (BUMP_STAKE_VAULT, state.stake_vault_bump),
        (BUMP_REWARD_VAULT, state.reward_streams[0].vault_bump),
    ] {
        m.insert(name, bump.into());
    }
    record_rent(
        &env,
        "Position",
        &pool.position_address(&alice.pubkey()),
        rents,
    );
    let vault = env.pool(&pool).stake_vault;
    let vault_kind = if program == SPL_TOKEN {
        "stake or reward vault (SPL Token)"
    } else {
        "stake or reward vault (Token-2022)"
    };
    record_rent(&env, vault_kind, &vault, rents);
    cu("close_position", env.close_position(&pool, &alice), &mut m);

    // Four streams running.
    let four = env.create_pool_with_id(&stake_mint, 2, pool_params(2, 3 * DAY as u64));
    for _ in 0..4 {
        let reward_mint = env.create_mint(program, 6);
        let index = env.add_stream(&four, &reward_mint);
        ok(env.fund(&four, index, REWARDS, 30 * DAY as u64));
    }
    let bob = env.new_user();
    ok(env.stake(&four, &bob, STAKE));
    env.warp(600);
    cu(
        "stake (repeat, 4 streams running)",
        env.stake(&four, &bob, STAKE),
        &mut m,
    );
    env.warp(600);
    ok(env.claim(&four, &bob, Some(0))); // creates bob's reward accounts
    env.warp(600);
    cu(
        "claim_rewards (4 streams)",
        env.claim(&four, &bob, None),
        &mut m,
    );

    measure_delegation(&mut env, &pool, &mut m, rents);
    measure_slashing(&mut env, &stake_mint, &mut m);
    measure_references(&mut env, program, &stake_mint, &mut m);
    m
}

/// The delegated paths, on the one-stream pool.
fn measure_delegation(env: &mut TestEnv, pool: &TestPool, m: &mut Measurements, rents: &mut Rents) {
    let (first_key, second_key) = (env.new_user(), env.new_user());
    cu(
        "register_operator",
        env.try_register_operator(pool, &first_key, 500, "validator-1"),
        m,
    );
    let first = staking_client::pda::operator(&staking::ID, &pool.address, &first_key.pubkey());
    let second = env.register_operator(pool, &second_key, 300, "validator-2");
    let carol = env.new_user();
    ok(env.stake(pool, &carol, STAKE));
    cu(
        "delegate (creates the delegation)",
        env.delegate(pool, &carol, &first),
        m,
    );
    env.warp(600);
    cu(
        "stake (repeat, delegated)",
        env.stake(pool, &carol, STAKE),
        m,
    );
    env.warp(600);
    cu(
        "claim_rewards (1 stream, delegated)",
        env.claim(pool, &carol, None),
        m,
    );
    env.warp(600);
    let (_, result) = env.unstake(pool, &carol, STAKE);
    cu("unstake (delegated)", result, m);
    env.warp(600);
    cu("redelegate", env.redelegate(pool, &carol, &second), m);
    record_rent(env, "Operator", &first, rents);
    let position = pool.position_address(&carol.pubkey());
    let delegation = staking_client::pda::delegation(&staking::ID, &position);
    record_rent(env, "Delegation", &delegation, rents);
    env.warp(600);
    cu("undelegate", env.undelegate(pool, &carol), m);
    cu(
        "claim_commission",
        env.claim_commission(pool, &first_key, 0),
        m,
    );
}

/// The slashing paths, on a pool of their own (one stream) whose slasher is
/// set at creation: delegated stake and tickets of a slashed operator.
fn measure_slashing(env: &mut TestEnv, stake_mint: &Pubkey, m: &mut Measurements) {
    let pool = env.create_pool_with_id(stake_mint, 3, pool_params(3, 3 * DAY as u64));
    let index = env.add_stream(&pool, stake_mint);
    ok(env.fund(&pool, index, REWARDS, 30 * DAY as u64));
    let slasher = env.new_keypair();
    let destination = env.new_slash_destination(&pool);
    cu(
        "set_slasher",
        env.set_slasher(&pool, Some((&slasher.pubkey(), &destination)), 5_000),
        m,
    );
    let operator_key = env.new_user();
    let operator = env.register_operator(&pool, &operator_key, 500, "validator-3");
    let (dave, erin) = (env.new_user(), env.new_user());
    for user in [&dave, &erin] {
        ok(env.stake(&pool, user, STAKE));
        ok(env.delegate(&pool, user, &operator));
    }
    let (ticket, result) = env.unstake(&pool, &erin, STAKE / 2);
    ok(result);
    let (returning, result) = env.unstake(&pool, &erin, STAKE / 4);
    ok(result);
    env.warp(600);
    cu(
        "slash (delegators and a ticket)",
        env.slash(&pool, &slasher, &operator, 1_000, [1; 32]),
        m,
    );
    env.warp(600);
    env.token_account(&dave.pubkey(), stake_mint);
    cu(
        "claim_rewards (1 stream, delegated, after a slash)",
        env.claim(&pool, &dave, None),
        m,
    );
    env.warp(600);
    cu(
        "stake (repeat, delegated, slashed operator)",
        env.stake(&pool, &dave, STAKE),
        m,
    );
    env.warp(600);
    let (_, result) = env.unstake(&pool, &dave, STAKE);
    cu("unstake (delegated, slashed operator)", result, m);
    cu(
        "cancel_unbond (ticket slashed, back to its operator)",
        env.cancel_unbond(&pool, &erin, &returning),
        m,
    );
    env.warp(3 * DAY);
    cu(
        "withdraw (ticket slashed)",
        env.withdraw(&pool, &erin, &ticket),
        m,
    );
}

fn measure_references(env: &mut TestEnv, program: Pubkey, mint: &Pubkey, m: &mut Measurements) {
    let reference = program_path().with_file_name("cu_reference.so");
    env.svm
        .add_program_from_file(cu_reference::ID, &reference)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", reference.display()));
    let payer = env.payer.pubkey();
    let empty = anchor_lang::solana_program::instruction::Instruction {
        program_id: cu_reference::ID,
        accounts: cu_reference::accounts::Empty {}.to_account_metas(None),
        data: cu_reference::instruction::Empty {}.data(),
    };
    cu(
        "reference: Anchor empty instruction",
        env.send(&[empty], &[]),
        m,
    );

    let from = env.fund_user(&payer, mint, 3_000);
    let to_owner = env.new_keypair();
    let to = env.token_account(&to_owner.pubkey(), mint);
    let decimals = env.mint_decimals(mint);
    let cpi = anchor_lang::solana_program::instruction::Instruction {
        program_id: cu_reference::ID,
        accounts: cu_reference::accounts::BareTransferChecked {
            from,
            mint: *mint,
            to,
            authority: payer,
            token_program: program,
        }
        .to_account_metas(None),
        data: cu_reference::instruction::BareTransferChecked {
            amount: 1_000,
            decimals,
        }
        .data(),
    };
    cu(
        "reference: bare transfer_checked CPI",
        env.send(&[cpi], &[]),
        m,
    );
    let mut raw = anchor_lang::solana_program::instruction::Instruction {
        program_id: cu_reference::ID,
        accounts: cu_reference::accounts::Raw {}.to_account_metas(None),
        data: cu_reference::instruction::RawTransferChecked {
            amount: 1_000,
            decimals,
        }
        .data(),
    };
    raw.accounts.extend([
        AccountMeta::new(from, false),
        AccountMeta::new_readonly(*mint, false),
        AccountMeta::new(to, false),
        AccountMeta::new_readonly(payer, true),
        AccountMeta::new_readonly(program, false),
    ]);
    cu(
        "reference: hand-built transfer_checked CPI",
        env.send(&[raw], &[]),
        m,
    );
    let direct = spl_token_2022::instruction::transfer_checked(
        &program,
        &from,
        mint,
        &to,
        &payer,
        &[],
        1_000,
        decimals,
    )
    .expect("transfer_checked");
    cu(
        "reference: transfer_checked, top level",
        env.send(&[direct], &[]),
        m,
    );
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The newest version of `name` that Cargo.lock pins (the runtime the figures
/// come from; older Agave crates are there for the client's RPC types).
fn locked_version(name: &str) -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let marker = format!("name = \"{name}\"\nversion = \"");
    lock.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &lock[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .max_by_key(|version| {
            version
                .split('.')
                .map(|part| part.parse::<u64>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn with_commas(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn target_cell(target: Option<(u64, u64)>, measured: &[u64]) -> String {
    let Some((p_token, legacy)) = target else {
        return String::new();
    };
    let verdict = |value: u64, target: u64| {
        if value <= target {
            "met"
        } else {
            "**missed**"
        }
    };
    format!(
        "≤ {}: {} (legacy ≤ {}: {})",
        with_commas(p_token),
        verdict(measured[0], p_token),
        with_commas(legacy),
        verdict(measured[1], legacy)
    )
}

fn render(columns: &[Measurements], rents: &Rents, program_size: u64) -> String {
    let build_info = std::fs::read_to_string(root().join("target/deploy/build-info.txt"))
        .unwrap_or_else(|_| "build-info.txt missing: built by another route\n".to_string());
    let mut out = format!(
        "{BEGIN}\n## Compute units\n\n\
         Measured by `./scripts/bench-cu.sh` on the program's SBF bytecode (`target/deploy/staking.so`) in LiteSVM {} \
         (the Agave {} program runtime), mainnet's feature set, one instruction per transaction, keys fixed so bump \
         searches repeat. The test command (`scripts/test.sh`, which CI runs) ends with `cu-bench --check`: it fails when any figure rises more than {}% over this table.\n\n\
         Mainnet runs p-token at SPL Token's address (feature `replace_spl_token_with_p_token`); the legacy column runs \
         `spl_token-3.5.0.so` at the same address. Reward mints belong to the same token program as the stake mint. \
         The reference rows come from `tests/cu-reference`, an Anchor program built with the same compiler and flags.\n\n\
         Bytecode built by this repository's route (`scripts/build-sbf.sh`):\n\n",
        locked_version("litesvm"),
        locked_version("agave-feature-set"),
        (TOLERANCE * 100.0) as u32,
    );
    for line in build_info.lines() {
        out += &format!("- {line}\n");
    }
    out += "\nThe official toolchain (`anchor build`, platform-tools) compiles with a different LLVM and linker, so its figures can differ slightly.\n\n";
    out += "| instruction |";
    for column in COLUMNS {
        out += &format!(" {} |", column.title);
    }
    out += " target |\n|---|";
    for _ in COLUMNS {
        out += "---:|";
    }
    out += "---|\n";
    for (name, target) in ROWS {
        let measured: Vec<u64> = columns.iter().map(|c| c[name]).collect();
        out += &format!("| {name} |");
        for value in &measured {
            out += &format!(" {} |", with_commas(*value));
        }
        out += &format!(" {} |\n", target_cell(target, &measured));
    }
    let bumps = &columns[0];
    out += &format!(
        "\nCreating a PDA searches for its canonical bump from 255 down, one more \
         `create_program_address` (1,500 CU) a step, so the creating instructions' figures depend on the \
         addresses: here the pool's bump is {}, the stake vault's {} (`initialize_pool`) and the reward \
         vault's {} (`add_reward_stream`, {} steps below 255: about {} CU of its figure).\n",
        bumps[BUMP_POOL],
        bumps[BUMP_STAKE_VAULT],
        bumps[BUMP_REWARD_VAULT],
        255 - bumps[BUMP_REWARD_VAULT],
        with_commas((255 - bumps[BUMP_REWARD_VAULT]) * 1_500),
    );
    let position_size = rents.get("Position").map_or(0, |(bytes, _)| *bytes);
    out += &format!(
        "\nProgram size: **{} bytes** ({:.1} KiB; target ≤ 400 KiB: {}). \
         Position account: **{} bytes** (target ≤ 250: {}).\n\n\
         | account | bytes | rent-exempt lamports |\n|---|---:|---:|\n",
        with_commas(program_size),
        program_size as f64 / 1024.0,
        if program_size <= 400 * 1024 {
            "met"
        } else {
            "**missed**"
        },
        position_size,
        if position_size <= 250 {
            "met"
        } else {
            "**missed**"
        },
    );
    for (name, (bytes, lamports)) in rents {
        out += &format!(
            "| {name} | {} | {} |\n",
            with_commas(*bytes as u64),
            with_commas(*lamports)
        );
    }
    out += END;
    out
}

/// The committed table's figures: (instruction, column) -> CU.
fn parse_committed(section: &str) -> BTreeMap<(String, usize), u64> {
    let mut figures = BTreeMap::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "| name | a | b | c | target |" splits into 7 cells.
        if cells.len() != COLUMNS.len() + 4 {
            continue;
        }
        for (column, cell) in cells[2..2 + COLUMNS.len()].iter().enumerate() {
            if let Ok(value) = cell.replace(',', "").parse::<u64>() {
                figures.insert((cells[1].to_string(), column), value);
            }
        }
    }
    figures
}

fn section(text: &str) -> Option<(usize, usize)> {
    let start = text.find(BEGIN)?;
    let end = text[start..].find(END)? + start + END.len();
    Some((start, end))
}

fn check(committed: &str, columns: &[Measurements]) -> Result<(), String> {
    let (start, end) = section(committed).ok_or("BENCHMARKS.md has no compute-unit table")?;
    let figures = parse_committed(&committed[start..end]);
    let mut regressions = Vec::new();
    for (name, _) in ROWS {
        for (index, column) in COLUMNS.iter().enumerate() {
            let now = columns[index][name];
            match figures.get(&(name.to_string(), index)) {
                None => regressions.push(format!(
                    "{name} [{}]: {now} CU, not in the committed table (regenerate it)",
                    column.title
                )),
                Some(&before) if now as f64 > before as f64 * (1.0 + TOLERANCE) => regressions
                    .push(format!(
                        "{name} [{}]: {now} CU, committed {before} (+{:.1}%)",
                        column.title,
                        (now as f64 / before as f64 - 1.0) * 100.0
                    )),
                Some(_) => {}
            }
        }
    }
    if regressions.is_empty() {
        Ok(())
    } else {
        Err(regressions.join("\n"))
    }
}

fn write(path: &Path, table: &str) -> std::io::Result<()> {
    let current = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_string());
    let updated = match section(&current) {
        Some((start, end)) => format!("{}{table}{}", &current[..start], &current[end..]),
        None => format!("{}\n{table}\n", current.trim_end()),
    };
    std::fs::write(path, updated)
}

fn main() -> ExitCode {
    let check_mode = std::env::args().any(|arg| arg == "--check");
    let program_size = match std::fs::metadata(program_path()) {
        Ok(meta) => meta.len(),
        Err(e) => {
            eprintln!(
                "cu-bench: error: {}: {e}; build it with scripts/build-sbf.sh",
                program_path().display()
            );
            return ExitCode::FAILURE;
        }
    };
    let mut rents = Rents::new();
    let columns: Vec<Measurements> = COLUMNS
        .iter()
        .map(|column| measure(*column, &mut rents))
        .collect();
    let table = render(&columns, &rents, program_size);
    let path = root().join("BENCHMARKS.md");
    if check_mode {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        return match check(&committed, &columns) {
            Ok(()) => {
                println!(
                    "cu-bench: every instruction within {}% of BENCHMARKS.md",
                    (TOLERANCE * 100.0) as u32
                );
                ExitCode::SUCCESS
            }
            Err(regressions) => {
                eprintln!("cu-bench: compute units rose over the committed table:\n{regressions}");
                eprintln!("\nThis run's table:\n{table}");
                ExitCode::FAILURE
            }
        };
    }
    // The README shows the same table; both copies come from this run.
    for path in [path, root().join("README.md")] {
        if let Err(e) = write(&path, &table) {
            eprintln!("cu-bench: error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{table}");
    ExitCode::SUCCESS
}
