// Builds C and C++ programs against the wasyncio runtime for one target:
//   native  an executable (cc / c++)
//   wasi    a WASI preview1 module (clang --target=wasm32-wasi + wasm-opt --asyncify)
//   node    a node launcher + emscripten module (emcc + wasm-opt --asyncify)
//   web     an ES module for browsers (emcc + wasm-opt --asyncify)
// Asyncify runs after linking, on the exact call graph, and is checked
// (asyncify.mjs). Tools are found by tools.mjs.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AsyncifyError, instrument } from './asyncify.mjs';
import { ToolError, tools } from './tools.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const R = (p) => path.join(ROOT, p);

const CORE = ['errors', 'timer_heap', 'future', 'result', 'cancel', 'retire', 'task', 'loop', 'saved_stack', 'handle', 'combine', 'timeout', 'task_group', 'debug', 'waitq', 'sync', 'queue', 'coro', 'executor', 'fetch', 'session', 'http_client', 'fdio', 'stream', 'server', 'http_parse', 'http_server', 'http_response', 'protocols'].map((n) => R(`runtime/${n}.c`));
const WASM_CORE = [...CORE, R('runtime/switch_asyncify.c'), R('runtime/wasm_stack_pointer.s')];
const JS_HOST = [R('bindings/js/host_js.c'), R('bindings/js/bridge.c'), R('bindings/js/fetch_js.c'), R('bindings/js/tcp_js.c')];
const SOURCES = {
  native: [...CORE, R('runtime/switch_native.c'), R('bindings/native/host_native.c'), R('bindings/native/wait_native.c'), R('bindings/native/tcp_native.c')],
  wasi: [...WASM_CORE, R('bindings/wasi/host_wasi.c'), R('bindings/wasi/tcp_wasi.c')],
  node: [...WASM_CORE, ...JS_HOST],
  web: [...WASM_CORE, ...JS_HOST],
};
const TARGETS = Object.keys(SOURCES);
const RUNTIME_WARN = ['-std=c11', '-Wall', '-Wextra', '-Werror'];
const OPT_LEVELS = new Set(['-O0', '-O1', '-O2', '-O3', '-Os', '-Oz']);
const JS_EXPORTS = ['_main', '_malloc', '_free', '_fflush', '_wa__js_unwound', '_wa__js_wait_ms', '_wa__js_rewind', '_wa__js_foreign_frames', '_wa_loop_dump_tasks'];

/** What a file is, from its name. */
export function kindOf(file) {
  if (/\.c$/.test(file)) return 'c';
  if (/\.(cpp|cc|cxx|c\+\+|C)$/.test(file)) return 'c++';
  if (/\.[sS]$/.test(file)) return 'asm';
  if (/\.(o|obj)$/.test(file)) return 'object';
  if (/\.a$/.test(file)) return 'archive';
  return null;
}

export class BuildError extends Error {}

function run(cmd, args, env, cwd) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
  } catch (e) {
    if (e.code === 'ENOENT') throw new BuildError(`${cmd} not found`);
    throw new BuildError(`${path.basename(cmd)} failed:\n${e.stderr || e.message}`);
  }
}

/** Instruments wasmPath with Asyncify; BuildError on any doubt. */
function asyncify(wasmPath, opt, o, features = []) {
  try {
    const names = (o.cflags ?? []).some((f) => /^-g/.test(f)); // -g: function names stay, for profiles
    const { instrumented, report } = instrument(wasmPath, opt, { features, drop: o.asyncifyDrop ?? [], names });
    if (o.printAsyncify) o.printAsyncify(report, instrumented);
    return instrumented;
  } catch (e) {
    if (e instanceof AsyncifyError) throw new BuildError(`asyncify: ${e.message}`);
    throw e;
  }
}

/**
 * Builds `inputs` (C, C++ and assembly sources, objects, archives) into
 * `output` for `target`, or with compileOnly each source into an object.
 * options: {
 *   opt: '-O2', cflags: [] (-I -D -U -f -W -g, for the program's sources),
 *   ldflags: [] (-L -l -Wl,), std: 'c11' (C), cxxstd: 'c++17' (C++),
 *   sanitize: false, threads: false, compileOnly: false,
 *   cc, cxx: native compilers other than the ones found (a cross compiler),
 *   printAsyncify: (report, names) => {} (called with the instrumented list),
 * }
 * Returns { output, files: [every file written], instrumented: [function names] }.
 * On failure nothing is left half-written.
 */
export function build(inputs, output, target, options = {}) {
  const o = { opt: '-O2', cflags: [], ldflags: [], std: 'c11', cxxstd: 'c++17', sanitize: false, threads: false, compileOnly: false, ...options };
  if (!SOURCES[target]) throw new BuildError(`unknown target "${target}" (${TARGETS.join(', ')})`);
  if (!OPT_LEVELS.has(o.opt)) throw new BuildError(`unknown optimisation level "${o.opt}"`);
  if (!inputs.length) throw new BuildError('no input files');
  for (const f of inputs) {
    if (!kindOf(f)) throw new BuildError(`${f}: not a C, C++, assembly, object or archive file (.c .cpp .cc .cxx .s .o .a)`);
    if (!fs.existsSync(f)) throw new BuildError(`${f}: no such file`);
  }
  if (o.sanitize && target !== 'native') throw new BuildError('--sanitize is for the native target');
  if (o.threads && target !== 'node' && target !== 'web') throw new BuildError('--threads is for the node and web targets (native builds always have threads; WASI has none)');
  try {
    const toolchain = toolchainFor(target, o);
    if (o.compileOnly) return compileOnly(toolchain, inputs, output, o);
    fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
    const written = target === 'node' || target === 'web' ? jsFiles(output, o.threads) : [output];
    try {
      return link(toolchain, inputs, output, target, o);
    } catch (e) {
      for (const f of written) fs.rmSync(f, { force: true });
      throw e;
    }
  } catch (e) {
    if (e instanceof ToolError) throw new BuildError(e.message);
    throw e;
  }
}

// The compilers of a target: { cc(src, obj, flags), flags for C, C++ and the runtime, link }.
function toolchainFor(target, o) {
  const include = `-I${R('include')}`;
  const defines = o.cflags.filter((f) => /^-[DU]/.test(f)); // the runtime sees the program's defines (fault injection)
  const san = o.sanitize ? ['-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '--param=asan-use-after-return=0'] : [];
  const threads = o.threads ? ['-pthread'] : [];
  const user = [o.opt, include, ...o.cflags, ...san, ...threads];
  if (target === 'native') {
    const cc = o.cc ?? tools.cc(), cxx = o.cxx ?? tools.cxx();
    return {
      compile: (lang) => (lang === 'c++' ? cxx : cc),
      lang: { c: [`-std=${o.std}`, ...user], 'c++': [`-std=${o.cxxstd}`, ...user], asm: [o.opt] },
      // The runtime is a library: it is built optimised even for a -O0 program
      // (a -O0 runtime nearly doubles the stack each suspended task keeps).
      runtime: [...RUNTIME_WARN, o.sanitize ? '-O1' : '-O2', include, ...defines, ...san],
      linker: (cxxLink) => (cxxLink ? cxx : cc),
      link: [...san, '-pthread'],
      libs: ['-lm'],
    };
  }
  if (target === 'wasi') {
    const clang = tools.clang(), sys = tools.wasiSysroot();
    return {
      compile: (lang) => clang,
      lang: {
        c: [...sys.cflags, `-std=${o.std}`, ...user],
        // WASI's libc++ is built without exceptions.
        get 'c++'() { return ['--driver-mode=g++', ...sys.cflags.slice(0, 2), ...tools.wasiCxx(), ...sys.cflags.slice(2), `-std=${o.cxxstd}`, '-fno-exceptions', ...user]; }, // libc++'s headers before libc's
        asm: [...sys.cflags],
      },
      runtime: [...sys.cflags, ...RUNTIME_WARN, o.opt, include, ...defines],
      linker: () => clang,
      link: sys.ldflags,
      cxxLink: ['--driver-mode=g++'],
      libs: ['-lm'],
    };
  }
  const emcc = tools.emcc(), emxx = tools.emxx();
  return {
    compile: (lang) => (lang === 'c++' ? emxx : emcc),
    lang: { c: [`-std=${o.std}`, ...user], 'c++': [`-std=${o.cxxstd}`, ...user], asm: [] },
    runtime: [...RUNTIME_WARN, o.opt, include, ...defines, ...threads],
    linker: (cxxLink) => (cxxLink ? emxx : emcc),
    env: tools.emccEnv(),
  };
}

function compileSource(tc, src, obj, extra = []) {
  const lang = kindOf(src);
  run(tc.compile(lang), [...tc.lang[lang], ...extra, '-c', src, '-o', obj], tc.env);
}

function compileOnly(tc, inputs, output, o) {
  const sources = inputs.filter((f) => ['c', 'c++', 'asm'].includes(kindOf(f)));
  if (sources.length !== inputs.length) throw new BuildError('-c compiles sources: objects and archives are for linking');
  if (output && sources.length > 1) throw new BuildError('-c with -o takes one source');
  const files = sources.map((src) => {
    const obj = output ?? path.basename(src).replace(/\.[^.]+$/, '.o');
    fs.mkdirSync(path.dirname(path.resolve(obj)), { recursive: true });
    compileSource(tc, src, obj);
    return obj;
  });
  return { output: files[0], files, instrumented: [] };
}

// Compiles the sources among inputs into work; returns inputs with each
// source replaced by its object. Sources of one language whose names differ
// compile in one compiler call (emcc starts Python anew on each), which
// writes its objects into the current directory: work, with the paths in
// the flags made absolute.
function compileSources(tc, inputs, work) {
  const objects = [...inputs];
  const groups = new Map();
  inputs.forEach((f, i) => {
    const lang = kindOf(f);
    if (lang === 'object' || lang === 'archive') return;
    if (!groups.has(lang)) groups.set(lang, []);
    groups.get(lang).push(i);
  });
  for (const [lang, group] of groups) {
    const names = group.map((i) => path.basename(inputs[i]).replace(/\.[^.]+$/, '.o'));
    if (group.length > 1 && new Set(names).size === names.length) {
      run(tc.compile(lang), [...absolutePaths(tc.lang[lang]), '-c', ...group.map((i) => path.resolve(inputs[i]))], tc.env, work);
      group.forEach((i, k) => (objects[i] = path.join(work, names[k])));
    } else {
      for (const i of group) {
        objects[i] = path.join(work, `${i}-${path.basename(inputs[i])}.o`);
        compileSource(tc, inputs[i], objects[i]);
      }
    }
  }
  return objects;
}

// Flags with the directories and files they name made absolute.
function absolutePaths(flags) {
  const out = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (['-I', '-isystem', '-iquote', '-include', '-idirafter'].includes(f) && i + 1 < flags.length) out.push(f, path.resolve(flags[++i]));
    else if (/^-I./.test(f)) out.push(`-I${path.resolve(f.slice(2))}`);
    else out.push(f);
  }
  return out;
}

function link(tc, inputs, output, target, o) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cc-'));
  try {
    const objects = compileSources(tc, inputs, work);
    const cxxLink = inputs.some((f) => kindOf(f) === 'c++') || o.ldflags.some((f) => /^-l(stdc|c)\+\+$/.test(f));
    const runtime = runtimeObjects(tc, target);
    if (target === 'native') {
      run(tc.linker(cxxLink), [o.opt, ...tc.link, ...objects, ...runtime, ...o.ldflags, ...tc.libs, '-o', output]);
      return { output, files: [output], instrumented: [] };
    }
    if (target === 'wasi') {
      // Link without a level: clang would run wasm-opt, inlining before Asyncify.
      run(tc.linker(), [...tc.link, ...(cxxLink ? tc.cxxLink : []), ...objects, ...runtime, ...o.ldflags, ...tc.libs, '-o', output]);
      return { output, files: [output], instrumented: asyncify(output, o.opt, o) };
    }
    return linkJs(tc, [...objects, ...runtime], output, target, o, cxxLink);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// The runtime's objects, compiled once per target, flags and source contents.
function runtimeObjects(tc, target) {
  const hash = crypto.createHash('sha256').update(JSON.stringify([target, tc.runtime, tc.compile('c')]));
  for (const src of SOURCES[target]) hash.update(fs.readFileSync(src));
  for (const h of fs.readdirSync(R('runtime')).filter((f) => f.endsWith('.h'))) hash.update(fs.readFileSync(R(`runtime/${h}`)));
  hash.update(fs.readFileSync(R('include/wasyncio.h'))).update(fs.readFileSync(R('runtime/host.h')));
  const dir = path.join(cacheDir(), `${target}-${hash.digest('hex').slice(0, 16)}`);
  const done = path.join(dir, 'complete');
  if (!fs.existsSync(done)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    fs.mkdirSync(tmp, { recursive: true });
    // One compiler call for all the C and one for the assembly (whose flags
    // would trip -Werror on .s): each call of emcc starts Python anew. The
    // objects land in tmp under their sources' names, then take their
    // places in the link order.
    const sources = SOURCES[target];
    for (const asm of [false, true]) {
      const group = sources.filter((src) => src.endsWith('.s') === asm);
      if (group.length) run(tc.compile('c'), [...(asm ? tc.lang.asm : tc.runtime), '-c', ...group], tc.env, tmp);
    }
    sources.forEach((src, i) => {
      const made = path.join(tmp, path.basename(src).replace(/\.[cs]$/, '.o'));
      fs.renameSync(made, path.join(tmp, `${String(i).padStart(2, '0')}-${path.basename(src)}.o`));
    });
    fs.writeFileSync(path.join(tmp, 'complete'), '');
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another build got there first
    }
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, f));
}

// The runtime's objects are cached per user; a home without a writable
// cache (a service account) falls back to a directory of its own in tmp.
let cacheRoot;
function cacheDir() {
  if (cacheRoot) return cacheRoot;
  const wanted = process.env.WASYNCIO_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'wasyncio');
  for (const dir of [wanted, path.join(os.tmpdir(), `wasyncio-cache-${os.userInfo().uid}`)]) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return (cacheRoot = dir);
    } catch {}
  }
  throw new BuildError(`no writable cache for the runtime's objects: ${wanted} (set WASYNCIO_CACHE)`);
}

// The files a node or web build writes beside OUT.
function jsFiles(output, threads) {
  const base = output.replace(/\.(mjs|js)$/, '');
  return [output, ...['core.mjs', 'core.wasm', 'driver.mjs', 'bridge.mjs', 'fetch.mjs', 'net.mjs', 'websocket.mjs', ...(threads ? ['core.worker.js'] : [])].map((s) => `${base}.${s}`)];
}

// Threads builds: shared memory, a worker script beside the core, and a pool
// of workers loaded before main (each costs ~90 ms and ~9 MB in node, hence
// the cap). STRICT=2 makes pthread_create fail when the pool is used up (an
// executor then runs on the threads it has) rather than wait for a worker
// that only the main thread's event loop could load: joining it would hang.
const THREADS_LINK = ['-pthread', '-sPTHREAD_POOL_SIZE=Math.min(navigator.hardwareConcurrency,4)+2', '-sPTHREAD_POOL_SIZE_STRICT=2',
  '--js-library', R('bindings/js/library_wasyncio_threads.js')];
const THREADS_FEATURES = ['--enable-threads', '--enable-bulk-memory'];

function linkJs(tc, objects, output, target, o, cxxLink) {
  const { opt, threads } = o;
  const base = output.replace(/\.(mjs|js)$/, '');
  const core = `${base}.core.mjs`;
  const args = [
    // At -O2 and up emcc's link step inlines with Binaryen (moving the call of
    // asyncify.start_unwind into its callers) and minifies import names, both
    // before Asyncify could see them: link at -O1 at most, optimise after.
    opt === '-O0' ? '-O0' : '-O1',
    ...objects,
    '--js-library', R('bindings/js/library_wasyncio.js'),
    '--profiling-funcs', // names for the call graph; without them nothing would suspend
    '-sERROR_ON_UNDEFINED_SYMBOLS=0', // asyncify.* stay imports until wasm-opt
    '-sMODULARIZE', '-sEXPORT_ES6', threads ? '-sENVIRONMENT=web,worker' : '-sENVIRONMENT=web', '-sINVOKE_RUN=0',
    ...(threads ? THREADS_LINK : []),
    '-sALLOW_MEMORY_GROWTH', '-sEXIT_RUNTIME=0',
    '-sASSERTIONS=0', // its environment check rejects node, which we run it on with wasmBinary
    `-sEXPORTED_FUNCTIONS=${JS_EXPORTS.join(',')}`,
    '-Wno-undefined', // a library has no main: load() serves its exported functions instead
    '-sEXPORTED_RUNTIME_METHODS=ENV', // the driver fills it from the host environment
    ...o.ldflags,
    '-o', core,
  ];
  run(tc.linker(cxxLink), args, tc.env);
  const wasm = `${base}.core.wasm`;
  const instrumented = asyncify(wasm, opt, o, threads ? THREADS_FEATURES : []);
  const driver = `${base}.driver.mjs`;
  fs.copyFileSync(R('bindings/js/driver.mjs'), driver);
  const beside = ['bridge', 'fetch', 'net', 'websocket'].map((name) => { // the driver loads them from beside itself
    const file = `${base}.${name}.mjs`;
    fs.writeFileSync(file, fs.readFileSync(R(`bindings/js/${name}.mjs`), 'utf8').replace("const UNDICI = 'undici';", `const UNDICI = '${undiciUrl()}';`));
    return file;
  });
  const launcher = target === 'node' ? nodeLauncher(base, output, threads) : webModule(base, threads);
  fs.writeFileSync(output, launcher, { mode: 0o755 });
  const worker = `${base}.core.worker.js`; // emcc writes it beside the core, whose name it knows
  return { output, files: [output, core, wasm, driver, ...beside, ...(threads ? [worker] : [])], instrumented };
}
// undici as this package resolves it, for built modules to import.
function undiciUrl() {
  try {
    return pathToFileURL(createRequire(R('package.json')).resolve('undici')).href;
  } catch {
    return 'undici';
  }
}

function nodeLauncher(base, output, threads) {
  const name = path.basename(base);
  const body = (dir) => `
const { runNode } = await import(new URL('./${name}.driver.mjs', ${dir}).href);
await runNode(new URL('./${name}.core.mjs', ${dir}).href, process.argv.slice(2)${threads ? ', { threads: true }' : ''});
`;
  if (output.endsWith('.mjs')) return `#!/usr/bin/env node\n// Built by wa-cc: runs ${name} on node.${body('import.meta.url')}`;
  // Without an .mjs name node may load this as CommonJS: wrap in an async function.
  return `#!/usr/bin/env node\n// Built by wa-cc: runs ${name} on node.\n(async () => {${body(
    "require('node:url').pathToFileURL(__filename)",
  )}})();\n`;
}

function webModule(base, threads) {
  const name = path.basename(base);
  const core = `new URL('./${name}.core.mjs', import.meta.url).href`;
  const extra = threads ? ', { threads: true }' : '';
  return `// Built by wa-cc: ${name} for browsers and node.
//   start(args, { print, printErr, imports }) runs main(args) -> its exit code;
//   load({ print, printErr, imports }) -> { run(name, ...args), dumpTasks(), close() }.
import { load as loadModule, runWeb } from './${name}.driver.mjs';
export function start(args = [], options = {}) {
  return runWeb(${core}, args, options${extra});
}
export function load(options = {}) {
  return loadModule(${core}, options${extra});
}
`;
}
