//! `cargo run -p staking-idl` writes `idl/staking.json` from the program's
//! source (Anchor's `idl-build` feature, the same builder `anchor idl build`
//! uses); `--check` fails when the committed file differs from a fresh build.
use std::path::PathBuf;
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

fn main() -> ExitCode {
    let check = std::env::args().any(|arg| arg == "--check");
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let root = root.canonicalize().unwrap_or(root);
    let committed = root.join("idl/staking.json");
    // The builder turns a set RUSTUP_TOOLCHAIN into a `cargo +toolchain`
    // argument it does not format; the active toolchain is the right one.
    // SAFETY: single-threaded, before anything reads the environment.
    unsafe { std::env::remove_var("RUSTUP_TOOLCHAIN") };
    let idl = match IdlBuilder::new()
        .program_path(root.join("programs/staking"))
        .build()
    {
        Ok(idl) => idl,
        Err(error) => {
            eprintln!("error: building the IDL failed: {error}");
            return ExitCode::FAILURE;
        }
    };
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
