#!/usr/bin/env bash
# The project's test command: builds the program's SBF bytecode, then runs every
# test (math unit and property tests on the host, program tests on the bytecode
# in LiteSVM).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/build-sbf.sh
cargo test --workspace --locked "$@"
