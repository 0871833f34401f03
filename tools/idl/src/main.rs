//! `cargo run -p staking-idl` writes `idl/staking.json` from the program's
//! source (Anchor's `idl-build` feature, the same builder `anchor idl build`
//! uses); `--check` fails when the committed file differs from a fresh build.
use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;
use anchor_lang_idl::types::{
    Idl, IdlInstruction, IdlInstructionAccount, IdlInstructionAccountItem, IdlSeed,
};

fn main() -> ExitCode {
    let check = std::env::args().any(|arg| arg == "--check");
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let root = root.canonicalize().unwrap_or(root);
    let committed = root.join("idl/staking.json");
    // The builder turns a set RUSTUP_TOOLCHAIN into a `cargo +toolchain`
    // argument it does not format; the active toolchain is the right one.
    // SAFETY: single-threaded, before anything reads the environment.
    unsafe { std::env::remove_var("RUSTUP_TOOLCHAIN") };
    let mut idl = match IdlBuilder::new()
        .program_path(root.join("programs/staking"))
        .build()
    {
        Ok(idl) => idl,
        Err(error) => {
            eprintln!("error: building the IDL failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = declare_pinned_pdas(&mut idl) {
        eprintln!("error: declaring the pinned accounts' seeds: {error}");
        return ExitCode::FAILURE;
    }
    let fresh = match serde_json::to_string_pretty(&idl) {
        Ok(json) => json + "\n",
        Err(error) => {
            eprintln!("error: cannot serialise the IDL: {error}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        if current != fresh {
            eprintln!(
                "error: {} is out of date with the program; regenerate it with `cargo run -p staking-idl`",
                committed.display()
            );
            return ExitCode::FAILURE;
        }
        println!("{} is up to date", committed.display());
    } else if let Err(error) = std::fs::write(&committed, fresh) {
        eprintln!("error: cannot write {}: {error}", committed.display());
        return ExitCode::FAILURE;
    } else {
        println!("wrote {}", committed.display());
    }
    ExitCode::SUCCESS
}

/// An account the program pins by what it stores (`has_one`, the pool's stream
/// table, a delegation's recorded position) rather than by re-deriving its
/// address, which would cost a `create_program_address` (1,500 CU) per account
/// per instruction. It is a PDA all the same, created at the seeds of the
/// instruction that opens it from fields that never change afterwards, so the
/// IDL declares those seeds wherever the account appears and generated
/// clients (Codama, Anchor's TS `Program`) derive it instead of asking for it.
struct Pinned {
    account: &'static str,
    /// The instruction whose `init` declares the seeds.
    created_by: &'static str,
    /// The instructions that pin it, each with the seeds' accounts under the
    /// same names. (`compound`'s reward vault is left to the caller: its mint
    /// seed is the stake mint there, and generators key a PDA by its seeds'
    /// names.)
    pinned_in: &'static [&'static str],
}

const PINNED: &[Pinned] = &[
    // `has_one = owner` and `has_one = pool`; both fields are set at opening.
    Pinned {
        account: "position",
        created_by: "open_position",
        pinned_in: &[
            "stake",
            "unstake",
            "withdraw",
            "cancel_unbond",
            "claim_rewards",
            "compound",
            "close_position",
            "delegate",
            "redelegate",
            "undelegate",
        ],
    },
    // The pool's `has_one = stake_vault`, recorded at creation.
    Pinned {
        account: "stake_vault",
        created_by: "initialize_pool",
        pinned_in: &["stake", "withdraw", "compound", "slash"],
    },
    // The pool's stream `stream_index` records both the mint and the vault.
    Pinned {
        account: "reward_vault",
        created_by: "add_reward_stream",
        pinned_in: &["fund_rewards", "recover_undistributed", "claim_commission"],
    },
    // `has_one = authority` and `has_one = pool`; an operator's authority
    // never changes. (Elsewhere `authority` is the pool's, so not there.)
    Pinned {
        account: "operator",
        created_by: "register_operator",
        pinned_in: &["claim_commission", "update_operator"],
    },
    // The delegation's recorded position, checked before any change.
    Pinned {
        account: "delegation",
        created_by: "delegate",
        pinned_in: &["redelegate", "undelegate"],
    },
];

/// Copies each pinned account's seeds into the instructions that pin it.
/// Fails when a listed instruction lacks the account or a seed's account, so
/// the table cannot drift from the program unnoticed.
fn declare_pinned_pdas(idl: &mut Idl) -> Result<(), String> {
    for pinned in PINNED {
        let pda = idl
            .instructions
            .iter()
            .find(|ix| ix.name == pinned.created_by)
            .and_then(|ix| account(ix, pinned.account))
            .and_then(|account| account.pda.clone())
            .ok_or_else(|| {
                format!(
                    "{} declares no seeds for {}",
                    pinned.created_by, pinned.account
                )
            })?;
        for name in pinned.pinned_in {
            let ix = idl
                .instructions
                .iter_mut()
                .find(|ix| ix.name == *name)
                .ok_or_else(|| format!("no instruction {name}"))?;
            for seed in &pda.seeds {
                let IdlSeed::Account(seed) = seed else {
                    continue;
                };
                if account(ix, &seed.path).is_none() {
                    return Err(format!(
                        "{name} has no account {} for the seeds of {}",
                        seed.path, pinned.account
                    ));
                }
            }
            let target = ix
                .accounts
                .iter_mut()
                .find_map(|item| match item {
                    IdlInstructionAccountItem::Single(a) if a.name == pinned.account => Some(a),
                    _ => None,
                })
                .ok_or_else(|| format!("{name} has no account {}", pinned.account))?;
            if target.pda.is_some() || target.optional {
                return Err(format!(
                    "{name}'s {} already has seeds or is optional",
                    pinned.account
                ));
            }
            target.pda = Some(pda.clone());
        }
    }
    Ok(())
}

/// An instruction's top-level account by name.
fn account<'a>(ix: &'a IdlInstruction, name: &str) -> Option<&'a IdlInstructionAccount> {
    ix.accounts.iter().find_map(|item| match item {
        IdlInstructionAccountItem::Single(a) if a.name == name => Some(a),
        _ => None,
    })
}
