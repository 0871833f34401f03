#!/usr/bin/env bash
# Builds programs/staking to SBPF v3 bytecode at target/deploy/staking.so (and the
# compute-unit benchmark's baseline program, tests/cu-reference, beside it) without
# Solana's platform-tools: a pinned nightly rustc, sbpf-linker from crates.io, and
# std rebuilt from a copy of its sources carrying scripts/sbf-std.patch.
# Everything it installs is cached under $STAKING_SBF_CACHE (default ~/.cache/staking-sbf).
# `anchor build` with the official toolchain does not use any of this.
set -euo pipefail

NIGHTLY="nightly-2026-10-30"
SBPF_LINKER_VERSION="0.2.6"
TARGET_NAME="bpfel-solana-v3"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${STAKING_SBF_CACHE:-$HOME/.cache/staking-sbf}"
PATCH="$ROOT/scripts/sbf-std.patch"

die() { echo "build-sbf: error: $*" >&2; exit 1; }
step() { echo "build-sbf: $*" >&2; }

command -v rustup >/dev/null || die "rustup not found; install Rust with rustup first"
command -v git >/dev/null || die "git not found (it applies the std patch)"
command -v python3 >/dev/null || die "python3 not found (it writes the target spec)"
mkdir -p "$CACHE"

# 1. The pinned nightly with std's sources (rustup's distribution server).
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1 \
    || [ ! -d "$(rustup run "$NIGHTLY" rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
    step "installing toolchain $NIGHTLY with rust-src"
    rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src >&2 \
        || die "could not install toolchain $NIGHTLY (is rustup's distribution server reachable?)"
fi
SYSROOT="$(rustup run "$NIGHTLY" rustc --print sysroot)"
TOOLCHAIN_BIN="$SYSROOT/bin"

# 2. The linker. Its default `rust-llvm` feature loads the toolchain's libLLVM at run
#    time, so the toolchain's bin directory must come first in PATH.
LINKER="$CACHE/sbpf-linker-$SBPF_LINKER_VERSION/bin/sbpf-linker"
if [ ! -x "$LINKER" ]; then
    step "installing sbpf-linker $SBPF_LINKER_VERSION (once, about 2 minutes)"
    cargo install sbpf-linker --version "$SBPF_LINKER_VERSION" --locked \
        --root "$CACHE/sbpf-linker-$SBPF_LINKER_VERSION" >&2 \
        || die "could not install sbpf-linker $SBPF_LINKER_VERSION from crates.io"
fi

# 3. A patched copy of std's sources, keyed by toolchain and patch content, so an
#    edited patch gets a fresh copy and a fresh target directory.
PATCH_ID="$(sha256sum "$PATCH" | cut -c1-12)"
STD_COPY="$CACHE/std-$NIGHTLY-$PATCH_ID"
if [ ! -f "$STD_COPY/.patched" ]; then
    step "copying and patching std sources ($PATCH_ID)"
    rm -rf "$STD_COPY"
    mkdir -p "$STD_COPY"
    cp -r "$SYSROOT/lib/rustlib/src/rust/library" "$STD_COPY/library"
    git -C "$STD_COPY/library" apply -p1 "$PATCH" \
        || die "scripts/sbf-std.patch does not apply to $NIGHTLY's std"
    touch "$STD_COPY/.patched"
fi

# 4. A target spec: bpfel-unknown-none with os=solana (Solana crates gate their
#    syscalls on target_os = "solana") and std enabled.
SPEC="$CACHE/$TARGET_NAME.json"
if [ ! -f "$SPEC" ]; then
    RUSTC_BOOTSTRAP=1 "$TOOLCHAIN_BIN/rustc" -Z unstable-options --print target-spec-json \
        --target bpfel-unknown-none > "$SPEC.base" || die "could not read the bpfel-unknown-none target spec"
    python3 - "$SPEC.base" "$SPEC" <<'PY' || die "could not write the target spec"
import json, sys
spec = json.load(open(sys.argv[1]))
spec["os"] = "solana"
spec["atomic-cas"] = True
spec["min-atomic-width"] = 8
spec.setdefault("metadata", {})["std"] = True
json.dump(spec, open(sys.argv[2], "w"), indent=2)
PY
    rm -f "$SPEC.base"
fi

# 5. Build the programs' cdylibs. SBF loads and stores at any alignment (as the
#    official toolchain's sbf target assumes); without `allows-misaligned-mem-access`
#    LLVM splits every possibly-unaligned access into byte operations, which
#    measured 1.6x the compute units and 1.8x the code size. (one cargo invocation, so they share every dependency).
TARGET_DIR="$ROOT/target/sbf-$PATCH_ID"
step "building programs/staking and tests/cu-reference for SBPF v3"
export RUSTC_BOOTSTRAP=1
export RUSTC="$TOOLCHAIN_BIN/rustc"
export PATH="$TOOLCHAIN_BIN:$PATH"
export __CARGO_TESTS_ONLY_SRC_ROOT="$STD_COPY/library"
export CARGO_TARGET_DIR="$TARGET_DIR"
export RUSTFLAGS="-C linker=$LINKER -C panic=abort -C relocation-model=static -C target-cpu=v3 \
-C passes=lower-atomic -C link-arg=--arch=v3 -C link-arg=--llvm-args=--bpf-stack-size=4096 \
-C target-feature=+allows-misaligned-mem-access -C link-arg=-O2 ${SBF_EXTRA_RUSTFLAGS:-}"
unset RUSTC_WRAPPER
log="$TARGET_DIR/build.log"
mkdir -p "$TARGET_DIR"
if ! "$TOOLCHAIN_BIN/cargo" build --manifest-path "$ROOT/Cargo.toml" -p staking -p cu-reference --lib --release \
        -Zbuild-std=std,panic_abort -Zjson-target-spec --target "$SPEC" "$@" \
        > "$log" 2>&1; then
    grep -vE "unable to read dir|dlopen failed" "$log" | tail -40 >&2
    die "cargo build for SBF failed (full log: $log)"
fi

mkdir -p "$ROOT/target/deploy"
for lib in staking cu_reference; do
    SO="$TARGET_DIR/$TARGET_NAME/release/lib$lib.so"
    [ -f "$SO" ] || die "the build finished but $SO is missing"
    [ "$(head -c 4 "$SO" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ] || die "$SO is not an ELF file"
    cp "$SO" "$ROOT/target/deploy/$lib.so"
    step "wrote target/deploy/$lib.so ($(stat -c %s "$ROOT/target/deploy/$lib.so") bytes)"
done
# Where `anchor build` leaves the IDL, so the official CLI (`anchor deploy`,
# `anchor idl init`) finds it beside the bytecode. The committed IDL is the
# source's (the test command checks it with `staking-idl --check`).
mkdir -p "$ROOT/target/idl"
cp "$ROOT/idl/staking.json" "$ROOT/target/idl/staking.json"
step "wrote target/idl/staking.json (from idl/staking.json)"
# What produced the bytecode, for the compute-unit benchmark's table.
{
    echo "rustc: $("$TOOLCHAIN_BIN/rustc" --version)"
    echo "linker: sbpf-linker $SBPF_LINKER_VERSION"
    echo "target: $TARGET_NAME (SBPF v3), std patched with scripts/sbf-std.patch ($PATCH_ID)"
    echo "profile: release, opt-level ${CARGO_PROFILE_RELEASE_OPT_LEVEL:-from Cargo.toml}"
} > "$ROOT/target/deploy/build-info.txt"
