#!/usr/bin/env bash
# The compute-unit benchmark: builds the SBF bytecode, runs every instruction in
# LiteSVM and writes the table into BENCHMARKS.md. With --check it compares with
# the committed table instead and fails on a rise of more than 5%.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/build-sbf.sh
cargo run --quiet --locked -p staking-tests --bin cu-bench -- "$@"
