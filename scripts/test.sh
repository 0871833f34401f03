#!/usr/bin/env bash
# The project's test command: builds the program's SBF bytecode, checks the
# committed IDL against a fresh build, then runs every test (math unit and
# property tests on the host, program tests on the bytecode in LiteSVM, CLI
# tests against local validators running the bytecode, the TypeScript client's
# tests against a local validator).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build-sbf.sh
cargo run --quiet --locked -p staking-idl -- --check
# The SDK crate stays free of the CLI's dependencies.
sdk_tree="$(cargo tree --locked -p staking-client -e normal --prefix none)"
if grep -E '^(clap|indicatif|solana-cli-config) ' <<<"$sdk_tree"; then
    echo "test: staking-client depends on a CLI crate (above)" >&2
    exit 1
fi
cargo test --workspace --locked "$@"
# The TypeScript client: generated code matches the IDL, then its tests
# against a local validator (the binaries below; a no-op after cargo test).
cargo build --quiet --locked -p staking-localnet -p staking-cli --bins
(cd clients/js && npm run --silent check-generated && npm test --silent)
cargo run --quiet --locked -p staking-tests --bin cu-bench -- --check
