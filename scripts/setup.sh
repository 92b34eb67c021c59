#!/usr/bin/env bash
# Installs what wasyncio needs to build and test, where it can, and says what
# is still missing where it cannot:
#   - the toolchain (Emscripten, Binaryen, clang with WASI's libc and libc++,
#     a C/C++ compiler, CMake, Chromium for the browser tests, an AArch64
#     cross compiler and qemu to test that switch, redis-server for the Redis
#     client's tests, MariaDB for the MySQL client's, wrk for the HTTP
#     server's): with apt-get
#     on Debian and Ubuntu, as root or with sudo that needs no password;
#   - npm dependencies (undici, playwright-core), when absent.
# Elsewhere it names each missing tool and the command for Debian/Ubuntu,
# Fedora and macOS, and exits 0: tests that need a missing tool are skipped
# by name. With WA_REQUIRE_TOOLS=1 (CI) a missing tool is an error.
# Tools are found on PATH; WA_CC, WA_CXX, WA_CLANG, WA_WASI_SYSROOT, WA_EMCC,
# WA_WASM_OPT and WA_CHROMIUM point at others (see bin/lib/tools.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES="emscripten binaryen wasi-libc clang-16 lld-16 libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32
  libc++abi-16-dev-wasm32 python3 gcc g++ cmake chromium gcc-aarch64-linux-gnu qemu-user redis-server redis-tools
  mariadb-server mariadb-client wrk"

missing="$(node scripts/missing-tools.mjs)"
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "setup: installing $(echo "$missing" | cut -f1 | tr '\n' ' ')" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq $DEBIAN_PACKAGES >/dev/null
    missing="$(node scripts/missing-tools.mjs)"
  fi
fi
if [ -n "$missing" ]; then
  echo "setup: these tools are missing; the tests that need them will be skipped:" >&2
  echo "$missing" | sed 's/^\([^\t]*\)\t/  \1: /' >&2
  if [ "${WA_REQUIRE_TOOLS:-0}" = 1 ]; then exit 1; fi
fi

# npm dependencies (undici for fetch in node, playwright-core for the browser tests,
# ws for the WebSocket server the browser stream tests talk to).
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/undici ] || [ ! -d node_modules/ws ]; then
  npm ci --no-audit --no-fund >&2
fi
