// Finds the tools a build needs: on PATH by their usual names, or where an
// environment variable says. Each lookup is made once per process.
//   WA_CC, WA_CXX        native C and C++ compilers      (cc, c++)
//   WA_CLANG             clang that targets wasm32-wasi  (clang-16 ... clang-22, clang)
//   WA_WASI_SYSROOT      the WASI libc sysroot           (wasi-sdk's, Homebrew's, Debian's /usr)
//   WA_EMCC              emscripten's emcc (em++ beside it)
//   WA_WASM_OPT          Binaryen's wasm-opt
//   WA_CHROMIUM          a Chromium or Chrome for the browser tests
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class ToolError extends Error {}

/** How to install each tool, by system. */
export const INSTALL = {
  clang: { debian: 'clang-16 lld-16', fedora: 'clang lld', brew: 'llvm lld' },
  'wasi-sysroot': { debian: 'wasi-libc libclang-rt-16-dev-wasm32 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32', fedora: 'wasi-libc-devel', brew: 'wasi-libc wasi-runtimes' },
  emcc: { debian: 'emscripten', fedora: 'emscripten', brew: 'emscripten' },
  'wasm-opt': { debian: 'binaryen', fedora: 'binaryen', brew: 'binaryen' },
  cc: { debian: 'gcc g++', fedora: 'gcc gcc-c++', brew: '(Xcode command line tools: xcode-select --install)' },
  chromium: { debian: 'chromium', fedora: 'chromium', brew: '--cask chromium' },
  cmake: { debian: 'cmake', fedora: 'cmake', brew: 'cmake' },
  aarch64: { debian: 'gcc-aarch64-linux-gnu qemu-user', fedora: 'gcc-aarch64-linux-gnu qemu-user', brew: '(an arm64 Mac runs these tests natively)' },
  redis: { debian: 'redis-server redis-tools', fedora: 'redis', brew: 'redis' },
  mariadb: { debian: 'mariadb-server mariadb-client', fedora: 'mariadb-server', brew: 'mariadb' },
  wrk: { debian: 'wrk', fedora: 'wrk', brew: 'wrk' },
};

export function installHint(tool) {
  const i = INSTALL[tool];
  if (!i) return '';
  return `install it with "sudo apt-get install ${i.debian}" (Debian, Ubuntu), "sudo dnf install ${i.fedora}" (Fedora) or "brew install ${i.brew}" (macOS)`;
}

function onPath(name) {
  if (name.includes('/')) return fs.existsSync(name) ? name : null;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

const cache = new Map();
function once(key, find) {
  if (!cache.has(key)) cache.set(key, find());
  return cache.get(key);
}

function first(envVar, candidates) {
  return once(envVar, () => {
    const set = process.env[envVar];
    if (set) {
      const found = onPath(set);
      if (!found) throw new ToolError(`${envVar}=${set}: no such program`);
      return found;
    }
    for (const c of candidates) {
      const found = onPath(c);
      if (found) return found;
    }
    return null;
  });
}

/** The tool's path, or throws a ToolError naming it and how to install it. */
function need(envVar, candidates, tool) {
  const found = first(envVar, candidates);
  if (!found) throw new ToolError(`${candidates[0]} not found (or set ${envVar}): ${installHint(tool)}`);
  return found;
}

const CLANGS = ['clang-16', 'clang-22', 'clang-21', 'clang-20', 'clang-19', 'clang-18', 'clang-17', 'clang'];
const HOMEBREW = ['/opt/homebrew', '/usr/local'];

export const tools = {
  cc: () => need('WA_CC', ['cc', 'gcc', 'clang'], 'cc'),
  cxx: () => need('WA_CXX', ['c++', 'g++', 'clang++'], 'cc'),
  clang: () => need('WA_CLANG', [...CLANGS, ...HOMEBREW.map((p) => `${p}/opt/llvm/bin/clang`)], 'clang'),
  emcc: () => need('WA_EMCC', ['emcc'], 'emcc'),
  emxx: () => {
    const emcc = tools.emcc();
    const emxx = path.join(path.dirname(emcc), path.basename(emcc).replace(/emcc/, 'em++'));
    return fs.existsSync(emxx) ? emxx : emcc;
  },
  wasmOpt: () => need('WA_WASM_OPT', ['wasm-opt'], 'wasm-opt'),
  chromium: () => need('WA_CHROMIUM', ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable',
    '/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'], 'chromium'),
  cmake: () => need('WA_CMAKE', ['cmake'], 'cmake'),
  /** A cross compiler and an emulator, to test the AArch64 switch on other machines. */
  aarch64Cc: () => need('WA_AARCH64_CC', ['aarch64-linux-gnu-gcc'], 'aarch64'),
  qemuAarch64: () => need('WA_QEMU_AARCH64', ['qemu-aarch64', 'qemu-aarch64-static'], 'aarch64'),
  /** A Redis server, for the tests of the Redis client and seed ports. */
  redisServer: () => need('WA_REDIS_SERVER', ['redis-server'], 'redis'),
  /** MariaDB's server and its data-directory initialiser, for the MySQL client's tests. */
  mariadbd: () => need('WA_MARIADBD', ['mariadbd', '/usr/sbin/mariadbd', 'mysqld', '/usr/sbin/mysqld'], 'mariadb'),
  mariadbInstallDb: () => need('WA_MARIADB_INSTALL_DB', ['mariadb-install-db', 'mysql_install_db'], 'mariadb'),
  /** An HTTP load generator, for the HTTP server's tests and bench row. */
  wrk: () => need('WA_WRK', ['wrk'], 'wrk'),
  /** The WASI sysroot: { root, cflags (includes for C), cxxflags (and for C++), ldflags }. */
  wasiSysroot: () => once('wasi-sysroot', () => {
    const clangVersion = (() => {
      const m = /clang-(\d+)$/.exec(tools.clang()) || /version (\d+)/.exec(spawnSync(tools.clang(), ['--version'], { encoding: 'utf8' }).stdout || '');
      return m ? m[1] : '';
    })();
    const set = process.env.WA_WASI_SYSROOT;
    const candidates = set ? [set] : ['/opt/wasi-sdk/share/wasi-sysroot', ...HOMEBREW.map((p) => `${p}/share/wasi-sysroot`), '/usr/share/wasi-sysroot', '/usr/wasm32-wasi', '/usr'];
    for (const root of candidates) {
      // A plain layout (wasi-sdk, Homebrew) or Debian's multiarch one under /usr.
      const multiarch = fs.existsSync(path.join(root, 'include/wasm32-wasi/stdio.h'));
      if (!multiarch && !fs.existsSync(path.join(root, 'include/stdio.h'))) continue;
      if (!multiarch && root === '/usr') continue; // the machine's own libc, not WASI's
      const include = multiarch ? path.join(root, 'include/wasm32-wasi') : path.join(root, 'include');
      const cxxIncludes = [path.join(include, 'c++/v1'), `/usr/lib/llvm-${clangVersion}/include/wasm32-wasi/c++/v1`];
      const cxx = cxxIncludes.find((d) => fs.existsSync(path.join(d, 'iostream')));
      const lib = multiarch ? path.join(root, 'lib/wasm32-wasi') : path.join(root, 'lib/wasm32-wasi');
      return {
        root,
        cflags: ['--target=wasm32-wasi', `--sysroot=${root}`, '-isystem', include],
        cxxflags: cxx ? ['-isystem', cxx] : null,
        ldflags: ['--target=wasm32-wasi', `--sysroot=${root}`, ...(fs.existsSync(lib) ? [`-L${lib}`] : [])],
      };
    }
    if (set) throw new ToolError(`WA_WASI_SYSROOT=${set}: no WASI libc there (include/stdio.h)`);
    throw new ToolError(`no WASI sysroot found (or set WA_WASI_SYSROOT): ${installHint('wasi-sysroot')}`);
  }),
  /** The archiver for a target's objects (wasm archives need an index that
   *  only LLVM's archiver writes). */
  archiver: (target) => {
    if (target === 'native') return need('WA_AR', ['ar'], 'cc');
    if (target !== 'wasi') return path.join(path.dirname(tools.emcc()), 'emar');
    const version = /clang-(\d+)$/.exec(tools.clang())?.[1];
    return need('WA_LLVM_AR', [...(version ? [`llvm-ar-${version}`] : []), 'llvm-ar', ...CLANGS.map((c) => c.replace('clang', 'llvm-ar'))], 'clang');
  },
  /** The C++ library's include flags for wasm32-wasi. */
  wasiCxx: () => {
    const sys = tools.wasiSysroot();
    if (!sys.cxxflags) throw new ToolError(`no C++ library for wasm32-wasi (libc++) beside ${sys.root}: ${installHint('wasi-sysroot')}`);
    return sys.cxxflags;
  },
  /** The environment emcc needs: Debian keeps its JS dependencies apart; and
   *  the Python it runs on, named once, since a version manager's shim in
   *  front of python3 (pyenv's) costs ~0.4 s on each of emcc's calls. */
  emccEnv: () => once('emcc-env', () => ({
    ...(fs.existsSync('/usr/share/nodejs/acorn') ? { NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(path.delimiter) } : {}),
    ...(process.env.EMSDK_PYTHON ? {} : pythonForEmcc()),
  })),
};

// The interpreter python3 stands for, resolved once: {} when there is none.
function pythonForEmcc() {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  return exe && fs.existsSync(exe) ? { EMSDK_PYTHON: exe } : {};
}

/** Which of the named tools are missing: [{ tool, message }]. Never throws. */
export function missingTools(names) {
  const out = [];
  for (const name of names) {
    try {
      tools[name]();
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      out.push({ tool: name, message: e.message });
    }
  }
  return out;
}

/** The tools each build target needs. */
export const TARGET_TOOLS = {
  native: ['cc', 'cxx'],
  wasi: ['clang', 'wasiSysroot', 'wasmOpt'],
  node: ['emcc', 'wasmOpt'],
  web: ['emcc', 'wasmOpt'],
};
