// Runs an emscripten-built wasyncio program's main() on a JS event loop.
// main() unwinds back here whenever the C loop would wait (see host_js.c);
// we wait with one timer, a yield, or until a host event, then rewind it.

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

function wait(ms, wakeSignal) {
  if (ms === 0) return yieldToHost();
  return new Promise((resolve) => {
    const timer = ms > 0 ? setTimeout(resolve, Math.min(Math.ceil(ms), MAX_TIMEOUT_MS)) : null;
    wakeSignal.wake = () => {
      if (timer) clearTimeout(timer);
      resolve();
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

/** Runs main(args) to completion; resolves with its exit code. */
export async function runMain(mod, args) {
  const { argc, argv, free } = allocArgs(mod, args);
  const wakeSignal = { wake: () => {} };
  mod.wasyncioWake = () => wakeSignal.wake(); // host I/O completions call this
  try {
    for (;;) {
      const code = mod._main(argc, argv);
      if (!mod._wa__js_unwound()) {
        mod._fflush(0);
        return code;
      }
      await wait(mod._wa__js_wait_ms(), wakeSignal);
      mod._wa__js_rewind();
    }
  } finally {
    free();
  }
}

async function instantiate(coreUrl, options) {
  const factory = (await import(coreUrl)).default;
  return factory(options);
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
  const fs = await import('node:fs');
  const wasmBinary = fs.readFileSync(new URL(coreUrl.replace(/\.mjs$/, '.wasm')));
  const name = new URL(coreUrl).pathname.split('/').pop().replace(/\.core\.mjs$/, '');
  const release = threads ? await nodeThreads() : () => {};
  const mod = await instantiate(coreUrl, {
    wasmBinary,
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

/** Browsers: fetches and runs the module; resolves with main's exit code. */
export async function runWeb(coreUrl, args, { print = console.log, printErr = console.error } = {}, { threads = false } = {}) {
  if (threads && !globalThis.crossOriginIsolated) {
    // Without isolation there is no shared memory: fail now rather than hang.
    throw new Error('this program was built with --threads and needs a cross-origin isolated page: serve it with ' +
      'the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"');
  }
  const mod = await instantiate(coreUrl, { print, printErr });
  return runMain(mod, ['main', ...args]);
}
