#!/usr/bin/env bash
# Installs what wasyncio needs to build and test, if it is missing:
# Debian packages (Emscripten, Binaryen, clang-16 for wasm32-wasi, wabt) and npm
# dependencies. Quick when everything is present. Run as root to install.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="emscripten binaryen wasi-libc clang-16 lld-16 libclang-rt-16-dev-wasm32 wabt python3 gcc"
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have emcc || missing+=(emscripten)
have wasm-opt || missing+=(binaryen)
have clang-16 || missing+=(clang-16)
have wasm-ld-16 || missing+=(lld-16)
have wasm2wat || missing+=(wabt)
have python3 || missing+=(python3)
have cc || missing+=(gcc)
[ -f /usr/include/wasm32-wasi/stdio.h ] || missing+=(wasi-libc)
ls /usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || missing+=(libclang-rt-16-dev-wasm32)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "wasyncio needs: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y $PACKAGES" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $PACKAGES >/dev/null
fi

# npm dependencies, only when package-lock.json lists some and they are absent.
if grep -q '"node_modules/' package-lock.json 2>/dev/null && [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund >&2
fi
