// Runs an emscripten-built wasyncio module on a JS event loop: a program's
// main(), or (load) a loop serving calls from JS. The C side unwinds back
// here whenever its loop would wait (see host_js.c); we wait with one timer,
// a yield, or until a host event, then rewind it.

const yieldToHost =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : (() => {
        // Browsers clamp nested setTimeout(0) to 4 ms; a message is immediate.
        const channel = new MessageChannel();
        const pending = [];
        channel.port1.onmessage = () => pending.shift()();
        return () => new Promise((resolve) => { pending.push(resolve); channel.port2.postMessage(0); });
      })();

const MAX_TIMEOUT_MS = 2 ** 31 - 1; // setTimeout's limit

// A wake in node resumes C after the rest of this turn's I/O callbacks
// (setImmediate runs once they are done), so one rewind of the C program
// sees every socket that became ready meanwhile, not one rewind each.
const afterEvents = typeof setImmediate === 'function' ? setImmediate : (f) => f();
const ignore = () => {};

function wait(ms, wakeSignal) {
  if (ms === 0) return yieldToHost();
  return new Promise((resolve) => {
    let timer = null;
    const done = () => {
      wakeSignal.wake = ignore;
      if (timer) clearTimeout(timer);
      resolve();
    };
    if (ms > 0) timer = setTimeout(done, Math.min(Math.ceil(ms), MAX_TIMEOUT_MS));
    wakeSignal.wake = () => {
      wakeSignal.wake = ignore;
      afterEvents(done);
    };
  });
}

function allocArgs(mod, args) {
  const strings = args.map((a) => {
    const bytes = new TextEncoder().encode(a + '\0');
    const p = mod._malloc(bytes.length);
    mod.HEAPU8.set(bytes, p);
    return p;
  });
  const argv = mod._malloc(4 * (strings.length + 1));
  strings.forEach((p, i) => (mod.HEAPU32[(argv >> 2) + i] = p));
  mod.HEAPU32[(argv >> 2) + strings.length] = 0;
  return { argc: strings.length, argv, free: () => [...strings, argv].forEach((p) => mod._free(p)) };
}

/** Calls entry(exports) until it returns without having unwound to wait,
 *  waiting in between; resolves with what it returned. The driver's own
 *  calls use the module's exports as they are (see guard below). */
async function drive(mod, entry) {
  const wakeSignal = { wake: () => {} };
  const raw = mod.wasyncioExports ?? mod.asm; // a module emscripten instantiated itself is unguarded
  mod.wasyncioWake = () => wakeSignal.wake(); // host completions and calls from JS end a wait
  for (;;) {
    let code;
    try {
      code = entry(raw);
    } catch (e) {
      throw explainTrap(e, raw);
    }
    if (!raw.wa__js_unwound()) {
      raw.fflush(0);
      return code;
    }
    await wait(raw.wa__js_wait_ms(), wakeSignal);
    raw.wa__js_rewind();
  }
}

// A trap while C unwinds or rewinds says nothing by itself: name the cause.
function explainTrap(e, raw) {
  const state = raw.asyncify_get_state?.() ?? 0;
  if (state === 0 || !(e instanceof WebAssembly.RuntimeError || e instanceof RangeError)) return e;
  const what = state === 1 ? 'suspending' : 'resuming';
  const err = new WebAssembly.RuntimeError(`${e.message} while ${what} the C stack: a frame on it was not instrumented ` +
    `for Asyncify (a call through JS, or code the build could not see), or it was too deep to keep`);
  err.cause = e;
  return err;
}

// Asyncify cannot unwind JS frames. The module counts them in
// wa__host_foreign_frames: each call C makes into JS and each call JS makes
// into C (but the driver's own) adds one while it runs, so a task refuses to
// suspend with JS beneath it (WA_ENOSUSPEND) and the loop refuses to wait.
// After each call from JS the Asyncify state must be normal again; if not,
// C unwound into JS anyway, and we stop with an error saying so.
// Imports that never call C that could suspend (net.mjs's hot ones call only
// malloc, free and wa__js_tcp_error, itself guarded) skip the count.
const LEAF_IMPORTS = new Set(['wa__js_now', 'wa__js_release', 'wa__js_held', 'emscripten_get_now', 'emscripten_memcpy_big',
  'fd_write', 'fd_seek', 'fd_close', 'clock_time_get', 'wa__js_tcp_recv', 'wa__js_tcp_send', 'wa__js_tcp_poll']);
const UNGUARDED_EXPORTS = /^(asyncify_|stack|emscripten_stack_|__|malloc$|free$|fflush$|wa__js_(unwound|wait_ms|rewind|foreign_frames)$)/;

function guard(info) {
  let cell = -1, memory = null, view = null;
  const frames = () => {
    if (view === null || view.buffer !== memory.buffer) view = new Int32Array(memory.buffer);
    return view;
  };
  const imports = {};
  for (const [module, fields] of Object.entries(info)) {
    imports[module] = { ...fields };
    for (const [name, fn] of Object.entries(fields)) {
      if (typeof fn !== 'function' || LEAF_IMPORTS.has(name)) continue;
      imports[module][name] = (...args) => {
        if (cell < 0) return fn(...args);
        frames()[cell]++;
        try {
          return fn(...args);
        } finally {
          frames()[cell]--;
        }
      };
    }
  }
  const exportsOf = (raw) => {
    // Exported, or imported in threads builds (shared memory).
    memory = raw.memory ?? Object.values(info).flatMap(Object.values).find((v) => v instanceof WebAssembly.Memory);
    cell = raw.wa__js_foreign_frames() >> 2;
    const guarded = {};
    for (const [name, fn] of Object.entries(raw)) {
      if (typeof fn !== 'function' || UNGUARDED_EXPORTS.test(name)) {
        guarded[name] = fn;
        continue;
      }
      guarded[name] = (...args) => {
        frames()[cell]++;
        let result;
        try {
          result = fn(...args);
        } finally {
          frames()[cell]--;
        }
        if (raw.asyncify_get_state() !== 0) {
          throw new Error(`wasyncio: ${name}() was called from JS and tried to suspend: C called from JS outside ` +
            'wasyncio\'s driver cannot await or run a loop; export it with WA_JS_EXPORT and call it through load().run()');
        }
        return result;
      };
    }
    return guarded;
  };
  return { imports, exportsOf };
}

/** Runs main(args) to completion; resolves with its exit code. */
export async function runMain(mod, args) {
  if (!mod._main) throw new Error('this module has no main(): load() it and run() the functions it exports');
  const { argc, argv, free } = allocArgs(mod, args);
  try {
    return await drive(mod, (raw) => raw.main(argc, argv));
  } finally {
    free();
  }
}

const isNode = typeof process === 'object' && process.versions?.node !== undefined;

// Loads the module and gives it the bridge, fetch and sockets (bridge.mjs,
// fetch.mjs, net.mjs and websocket.mjs, beside this file).
async function instantiate(coreUrl, options, imports) {
  const factory = (await import(coreUrl)).default;
  if (isNode && !options.wasmBinary) {
    const fs = await import('node:fs'); // node's fetch cannot read files: hand the binary over
    options = { ...options, wasmBinary: fs.readFileSync(new URL(coreUrl.replace(/\.mjs$/, '.wasm'))) };
  }
  // Instantiate it ourselves, to guard the calls between JS and C.
  const wasmUrl = coreUrl.replace(/\.mjs$/, '.wasm');
  let failed, raw;
  const instantiateFailed = new Promise((_, reject) => (failed = reject));
  options = {
    ...options,
    instantiateWasm(info, receive) {
      const { imports, exportsOf } = guard(info);
      (async () => {
        const bytes = options.wasmBinary ?? (await (await fetch(wasmUrl)).arrayBuffer());
        const { instance, module } = await WebAssembly.instantiate(bytes, imports);
        raw = instance.exports;
        receive({ exports: exportsOf(instance.exports) }, module);
      })().catch(failed);
      return {};
    },
  };
  const mod = await Promise.race([factory(options), instantiateFailed]);
  mod.wasyncioExports = raw;
  const beside = (name) => import(import.meta.url.replace(/driver\.mjs$/, name));
  const [{ installBridge }, { installFetch }, { installNet }, websocket] = await Promise.all(
    ['bridge.mjs', 'fetch.mjs', 'net.mjs', 'websocket.mjs'].map(beside));
  mod.wasyncioRun = installBridge(mod, imports);
  await Promise.all([installFetch(mod), installNet(mod, websocket)]);
  return mod;
}

// A pthread worker in node: the browser globals emscripten's worker script
// (built for web,worker) expects, importScripts among them only so that it
// knows it is a worker, then that script itself.
const NODE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
Object.assign(globalThis, { self: globalThis, location: { href: workerData }, importScripts() {},
  postMessage: (message, transfer) => parentPort.postMessage(message, transfer) });
parentPort.on('message', (data) => self.onmessage({ data }));
(0, eval)(require('node:fs').readFileSync(new URL(workerData), 'utf8'));
`;

// Gives node the browser's Worker and navigator.hardwareConcurrency for
// emscripten's pthreads; returns what lets node exit once main has returned.
async function nodeThreads() {
  const { Worker } = await import('node:worker_threads');
  const os = await import('node:os');
  globalThis.navigator ??= { hardwareConcurrency: os.availableParallelism() };
  const workers = [];
  globalThis.Worker = class extends Worker {
    constructor(url) {
      super(NODE_WORKER, { eval: true, workerData: String(url) });
      this.on('message', (data) => this.onmessage({ data }));
      this.on('error', (e) => this.onerror(e));
      workers.push(this); // they keep node alive while C waits for their work
    }
  };
  return () => workers.forEach((w) => w.unref()); // main returned: pool threads must not hold the exit
}

/** node: loads the module beside coreUrl and runs it as the process. */
export async function runNode(coreUrl, args, { threads = false } = {}) {
  const name = new URL(coreUrl).pathname.split('/').pop().replace(/\.core\.mjs$/, '');
  const release = threads ? await nodeThreads() : () => {};
  const mod = await instantiate(coreUrl, {
    ...(threads && { mainScriptUrlOrBlob: coreUrl }), // what workers import; the compiled module comes by message
    preRun: [(m) => Object.assign(m.ENV, process.env)], // C's getenv sees node's environment
    print: (s) => process.stdout.write(s + '\n'),
    printErr: (s) => process.stderr.write(s + '\n'),
  });
  try {
    process.exitCode = (await runMain(mod, [name, ...args])) & 255;
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof WebAssembly.RuntimeError ? 'wasm trap: ' : ''}${e.message}\n`);
    process.exitCode = 134;
  } finally {
    release();
  }
}

function checkIsolation(threads) {
  if (threads && !isNode && !globalThis.crossOriginIsolated) {
    // Without isolation there is no shared memory: fail now rather than hang.
    throw new Error('this program was built with --threads and needs a cross-origin isolated page: serve it with ' +
      'the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"');
  }
}

/** Browsers (and node): loads the module and runs main(args); resolves with
 *  its exit code. imports are the JS functions C may call (wa_js_call). */
export async function runWeb(coreUrl, args, { print = console.log, printErr = console.error, imports } = {}, { threads = false } = {}) {
  checkIsolation(threads);
  const mod = await instantiate(coreUrl, { print, printErr }, imports);
  return runMain(mod, ['main', ...args]);
}

/** Loads the module as a library: its loop runs, serving run() calls of the
 *  C functions it exports (WA_JS_EXPORT), until close(). */
export async function load(coreUrl, { print = console.log, printErr = console.error, imports } = {}, { threads = false } = {}) {
  checkIsolation(threads);
  const mod = await instantiate(coreUrl, { print, printErr }, imports);
  const serving = drive(mod, (raw) => raw.wa__js_serve());
  return {
    /** Runs the exported C function name(...args) as a task; an AbortSignal
     *  as the last argument cancels it. Resolves with its result. */
    run(name, ...args) {
      const signal = args.at(-1) instanceof AbortSignal ? args.pop() : undefined;
      return mod.wasyncioRun(name, args, signal);
    },
    /** Every task of the serving loop: wa_loop_dump_tasks's JSON, parsed. */
    dumpTasks() {
      const p = mod._wa_loop_dump_tasks(0);
      if (!p) throw new Error('wasyncio: no memory for the task dump');
      let end = p;
      while (mod.HEAPU8[end]) end++;
      const text = new TextDecoder().decode(mod.HEAPU8.slice(p, end));
      mod._free(p);
      return JSON.parse(text);
    },
    /** Stops serving: tasks still running are cancelled and cleaned up. */
    async close() {
      mod._wa__js_stop();
      mod.wasyncioWake();
      await serving;
    },
  };
}
