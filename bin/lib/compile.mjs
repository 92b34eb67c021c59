// Builds a C program against the wasyncio runtime for one target:
//   native  an executable (cc)
//   wasi    a WASI preview1 module (clang-16 --target=wasm32-wasi + wasm-opt --asyncify)
//   node    a node launcher + emscripten module (emcc + wasm-opt --asyncify)
//   web     an ES module for browsers (emcc + wasm-opt --asyncify)
// Asyncify runs after linking, on the exact call graph (asyncify-list.mjs).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { asyncifyList, readWat } from './asyncify-list.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const R = (p) => path.join(ROOT, p);

const CORE = ['errors', 'timer_heap', 'future', 'task', 'loop', 'saved_stack', 'handle', 'combine', 'timeout', 'task_group', 'debug', 'waitq', 'sync', 'queue', 'coro', 'executor', 'fetch', 'session', 'fdio'].map((n) => R(`runtime/${n}.c`));
const WASM_CORE = [...CORE, R('runtime/switch_asyncify.c'), R('runtime/wasm_stack_pointer.s')];
const JS_HOST = [R('bindings/js/host_js.c'), R('bindings/js/bridge.c'), R('bindings/js/fetch_js.c')];
const SOURCES = {
  native: [...CORE, R('runtime/switch_native.c'), R('bindings/native/host_native.c'), R('bindings/no_http.c')],
  wasi: [...WASM_CORE, R('bindings/wasi/host_wasi.c'), R('bindings/no_http.c')],
  node: [...WASM_CORE, ...JS_HOST],
  web: [...WASM_CORE, ...JS_HOST],
};
const WARN = ['-std=c11', '-Wall', '-Wextra', '-Werror'];
const OPT_LEVELS = new Set(['-O0', '-O1', '-O2', '-O3', '-Os', '-Oz']);
const WASI_LD = ['--target=wasm32-wasi', '--sysroot=/usr'];
const WASI_CC = [...WASI_LD, '-isystem', '/usr/include/wasm32-wasi'];
const JS_EXPORTS = ['_main', '_malloc', '_free', '_fflush', '_wa__js_unwound', '_wa__js_wait_ms', '_wa__js_rewind', '_wa_dump_tasks'];

export class BuildError extends Error {}

function run(cmd, args, env) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  } catch (e) {
    if (e.code === 'ENOENT') throw new BuildError(`${cmd} not found: run "npm run setup" to install the toolchain`);
    throw new BuildError(`${cmd} failed:\n${e.stderr || e.message}`);
  }
}

/** Instruments wasmPath in place with Asyncify and optimises it. */
function asyncify(wasmPath, opt, features = []) {
  const names = asyncifyList(readWat(wasmPath));
  const listFile = `${wasmPath}.asyncify-list`;
  fs.writeFileSync(listFile, names.join(','));
  const args = [wasmPath, ...features, '--asyncify', `--pass-arg=asyncify-onlylist@@${listFile}`];
  if (opt !== '-O0') args.push(opt);
  const out = run('wasm-opt', [...args, '-o', wasmPath]);
  fs.rmSync(listFile);
  // A name the pass cannot find means something would not suspend: fail now.
  if (/non-existing function name/.test(out)) throw new BuildError(`asyncify: ${out.trim()}`);
  return names;
}

/**
 * Builds `inputs` (C files) into `output` for `target`.
 * options: { opt: '-O2', cflags: [], sanitize: false, threads: false }
 * Returns { output, files: [every file written], instrumented: [function names] }.
 */
export function build(inputs, output, target, { opt = '-O2', cflags = [], sanitize = false, threads = false } = {}) {
  if (!SOURCES[target]) throw new BuildError(`unknown target "${target}" (native, wasi, node or web)`);
  if (!OPT_LEVELS.has(opt)) throw new BuildError(`unknown optimisation level "${opt}"`);
  if (!inputs.length) throw new BuildError('no input files');
  for (const f of inputs) if (!fs.existsSync(f)) throw new BuildError(`${f}: no such file`);
  if (sanitize && target !== 'native') throw new BuildError('--sanitize is for the native target');
  if (threads && target !== 'node' && target !== 'web') throw new BuildError('--threads is for the node and web targets (native builds always have threads; WASI has none)');
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const common = [...WARN, opt, `-I${R('include')}`, ...cflags, ...(threads ? ['-pthread'] : [])];

  if (target === 'native') {
    // The runtime is a library: it is built optimised even for a -O0 program
    // (a -O0 runtime nearly doubles the stack each suspended task keeps).
    const san = sanitize ? ['-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '--param=asan-use-after-return=0'] : [];
    const runtimeFlags = [...WARN, sanitize ? '-O1' : '-O2', `-I${R('include')}`, ...cflags, ...san];
    const objects = runtimeObjects(nativeCompiler, target, runtimeFlags);
    run('cc', [...common, ...san, '-pthread', ...inputs, ...objects, '-lm', '-o', output]);
    return { output, files: [output], instrumented: [] };
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cc-'));
  try {
    const compiler = target === 'wasi' ? wasiCompiler : emccCompiler;
    const objects = [...compileAll(compiler, inputs, common, work), ...runtimeObjects(compiler, target, common)];
    if (target === 'wasi') {
      // Link without a level: clang would run wasm-opt, inlining before Asyncify.
      run('clang-16', [...WASI_LD, ...objects, '-lm', '-o', output]);
      return { output, files: [output], instrumented: asyncify(output, opt) };
    }
    return linkJs(objects, output, target, opt, threads);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const nativeCompiler = (src, obj, flags) => run('cc', [...flags, '-c', src, '-o', obj]);
const wasiCompiler = (src, obj, flags) => run('clang-16', [...WASI_CC, ...flags, '-c', src, '-o', obj]);
const emccCompiler = (src, obj, flags) => run('emcc', [...flags, '-c', src, '-o', obj], { NODE_PATH: '/usr/share/nodejs' });

function compileAll(compiler, sources, flags, dir) {
  return sources.map((src, i) => {
    const obj = path.join(dir, `${i}-${path.basename(src)}.o`);
    compiler(src, obj, src.endsWith('.s') ? [] : flags); // the C flags would trip -Werror on .s
    return obj;
  });
}

// The runtime's objects, compiled once per target, flags and source contents.
function runtimeObjects(compiler, target, flags) {
  const hash = crypto.createHash('sha256').update(JSON.stringify([target, flags]));
  for (const src of SOURCES[target]) hash.update(fs.readFileSync(src));
  for (const h of fs.readdirSync(R('runtime')).filter((f) => f.endsWith('.h'))) hash.update(fs.readFileSync(R(`runtime/${h}`)));
  hash.update(fs.readFileSync(R('include/wasyncio.h'))).update(fs.readFileSync(R('bindings/host.h')));
  const dir = path.join(cacheDir(), `${target}-${hash.digest('hex').slice(0, 16)}`);
  const done = path.join(dir, 'complete');
  if (!fs.existsSync(done)) {
    const tmp = `${dir}.${process.pid}.tmp`;
    fs.mkdirSync(tmp, { recursive: true });
    compileAll(compiler, SOURCES[target], flags, tmp);
    fs.writeFileSync(path.join(tmp, 'complete'), '');
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another build got there first
    }
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, f));
}

function cacheDir() {
  return process.env.WASYNCIO_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'wasyncio');
}

// Threads builds: shared memory, a worker script beside the core, and a pool
// of workers loaded before main (each costs ~90 ms and ~9 MB in node, hence
// the cap). STRICT=2 makes pthread_create fail when the pool is used up (an
// executor then runs on the threads it has) rather than wait for a worker
// that only the main thread's event loop could load: joining it would hang.
const THREADS_LINK = ['-pthread', '-sPTHREAD_POOL_SIZE=Math.min(navigator.hardwareConcurrency,4)+2', '-sPTHREAD_POOL_SIZE_STRICT=2',
  '--js-library', R('bindings/js/library_wasyncio_threads.js')];
const THREADS_FEATURES = ['--enable-threads', '--enable-bulk-memory'];

function linkJs(objects, output, target, opt, threads) {
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
    '-o', core,
  ];
  // Debian splits emscripten's JS dependencies (acorn) out to /usr/share/nodejs.
  run('emcc', args, { NODE_PATH: '/usr/share/nodejs' });
  const wasm = `${base}.core.wasm`;
  const instrumented = asyncify(wasm, opt, threads ? THREADS_FEATURES : []);
  const driver = `${base}.driver.mjs`;
  fs.copyFileSync(R('bindings/js/driver.mjs'), driver);
  const beside = ['bridge', 'fetch'].map((name) => { // the driver loads them from beside itself
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
