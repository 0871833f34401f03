#!/usr/bin/env bash
# Installs what this project needs beyond Rust stable (rustup), gcc, git and
# Python, or stops at once with the exact command when it cannot. Shared by
# the README's two commands (scripts/demo.sh, scripts/test.sh) and CI.
# scripts/build-sbf.sh installs and caches the SBF toolchain itself.
set -euo pipefail

# The local validator crate (solana-test-validator, rocksdb) needs libclang
# for bindgen; without it the build fails minutes in.
need_apt=()
if ! { dpkg -s libclang-dev >/dev/null 2>&1 || ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1; }; then
    need_apt+=(libclang-dev)
fi
if ((${#need_apt[@]})); then
    install=(apt-get install -y -qq "${need_apt[@]}")
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    else
        echo "setup: ${need_apt[*]} is missing and this user cannot install it; run: sudo apt-get install -y ${need_apt[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${need_apt[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" "${install[@]}" >/dev/null
fi
