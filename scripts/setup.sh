#!/usr/bin/env bash
# Installs what wasyncio needs to build and test, if it is missing:
# Debian packages (Emscripten, Binaryen, clang-16 for wasm32-wasi, wabt, cmake,
# Chromium for browser tests) and npm dependencies. Quick when everything is
# present. Installing packages needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="emscripten binaryen wasi-libc clang-16 lld-16 libclang-rt-16-dev-wasm32 wabt python3 gcc cmake chromium"
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have emcc || missing+=(emscripten)
have wasm-opt || missing+=(binaryen)
have clang-16 || missing+=(clang-16)
have wasm-ld-16 || missing+=(lld-16)
have wasm2wat || missing+=(wabt)
have python3 || missing+=(python3)
have cc || missing+=(gcc)
have cmake || missing+=(cmake)
[ -x /usr/bin/chromium ] || missing+=(chromium)  # browser tests drive it with playwright-core
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

# npm dependencies (undici for fetch in node, playwright-core for the browser
# tests), when absent.
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/undici ]; then
  npm ci --no-audit --no-fund >&2
fi
