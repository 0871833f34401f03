#!/usr/bin/env bash
# Installs what this project needs beyond Rust stable (rustup), gcc, git and
# Python, or stops at once with the exact command when it cannot. Shared by
# the README's two commands (scripts/demo.sh, scripts/test.sh) and so by CI.
# scripts/build-sbf.sh installs and caches the SBF toolchain itself.
set -euo pipefail

# The local validator crate (solana-test-validator, rocksdb) needs libclang
# for bindgen; without it the build fails minutes in.
have_libclang() {
    [ -n "${LIBCLANG_PATH:-}" ] && return 0
    command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libclang[-.0-9]*\.so' && return 0
    dpkg -s libclang-dev >/dev/null 2>&1 && return 0
    compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null && return 0
    compgen -G '/usr/lib64/libclang*.so*' >/dev/null && return 0
    compgen -G '/usr/lib/libclang*.so*' >/dev/null && return 0
    compgen -G '/Library/Developer/CommandLineTools/usr/lib/libclang.dylib' >/dev/null && return 0
    return 1
}

if ! have_libclang; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: libclang is missing: install your system's clang/libclang development package (Fedora: dnf install clang-devel; Arch: pacman -S clang; macOS: xcode-select --install), or set LIBCLANG_PATH" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    else
        echo "setup: libclang is missing and this user cannot install it; run: sudo apt-get install -y libclang-dev" >&2
        exit 1
    fi
    echo "setup: installing libclang-dev" >&2
    ${sudo[@]+"${sudo[@]}"} apt-get update -qq
    ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null
fi

# The TypeScript client's packages (clients/js), exactly as package-lock.json
# pins them; reinstalled only when the lock file changed since the last install.
if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is missing: install Node.js 20.19 or later (https://nodejs.org)" >&2
    exit 1
fi
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'; then
    echo "setup: Node.js $(node --version) is too old: the TypeScript client needs Node.js 20.19 or later" >&2
    exit 1
fi
js_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/clients/js"
if [ ! -f "$js_dir/node_modules/.package-lock.json" ] || [ "$js_dir/package-lock.json" -nt "$js_dir/node_modules/.package-lock.json" ]; then
    echo "setup: installing the TypeScript client's packages (npm ci)" >&2
    (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
