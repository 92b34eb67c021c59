// Runs a WASI preview1 command module on our own host (wasi.mjs), the way `wasmtime run` does.
// bin/wa-run is a thin command line over runWasi; tests and embedders call it directly.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SocketHost } from './sockets.mjs';
import { WasiHost } from './wasi.mjs';

/** The module could not be loaded: unreadable file, not wasm, foreign imports, not a command. */
export class WasiLoadError extends Error {
  name = 'WasiLoadError';
}

/** The program trapped while running; `cause` holds the engine's error. */
export class WasiTrap extends Error {
  name = 'WasiTrap';
}

// Traps are rethrown as WasiTrap so callers can tell them apart from bad options,
// which node reports with RangeError/TypeError too. V8 reports wasm stack
// exhaustion as a RangeError; wasmtime calls that a trap, so it is one here too,
// as is a WASI call writing through a pointer outside memory (a RangeError from
// WasiHost's DataView).
const isTrap = (err) => err instanceof WebAssembly.RuntimeError || err instanceof RangeError;

async function compile(wasmPathOrBytes, name) {
  let bytes = wasmPathOrBytes;
  if (typeof wasmPathOrBytes === 'string') {
    try {
      bytes = await readFile(wasmPathOrBytes);
    } catch (err) {
      throw new WasiLoadError(`${wasmPathOrBytes}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    }
  }
  let module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (err) {
    throw new WasiLoadError(`${name}: not a valid WebAssembly module (${err.message})`);
  }
  // Only WASI is provided, as wasmtime would: a module needing anything else
  // (for instance asyncify.* imports that wasm-opt --asyncify did not replace)
  // would not run elsewhere either, so it is refused up front with the full list.
  const foreign = WebAssembly.Module.imports(module)
    .filter((imp) => imp.module !== 'wasi_snapshot_preview1')
    .map((imp) => `${imp.module}.${imp.name}`);
  if (foreign.length > 0) {
    throw new WasiLoadError(`${name}: imports that are not WASI preview1: ${foreign.join(', ')}`);
  }
  const exports = WebAssembly.Module.exports(module).map((exp) => exp.name);
  if (!exports.includes('_start')) {
    throw new WasiLoadError(`${name}: no _start export (not a WASI command module)`);
  }
  return module;
}

// Checked up front so that a bad --dir is a load error naming the directory.
async function checkPreopens(preopens) {
  for (const host of Object.values(preopens)) {
    const info = await stat(host).catch(() => null);
    if (!info?.isDirectory()) throw new WasiLoadError(`cannot preopen ${host}: not a directory`);
  }
}

/**
 * Runs the module's _start and resolves to { code }, the program's exit status
 * (from proc_exit, or main's return value). args are the arguments after argv[0],
 * which is the file's basename unless argv0 is given. env holds the whole
 * environment (nothing is inherited); preopens maps guest paths to host
 * directories. listen: [{ host, port }] sockets to listen on, preopened after the
 * directories for the program to accept on (onListening(host, port) tells the
 * port bound). stdin/stdout/stderr are file descriptors of this process.
 * Throws WasiLoadError before running, WasiTrap if the program traps.
 */
export async function runWasi(
  wasmPathOrBytes,
  { args = [], argv0, env = {}, preopens = {}, listen = [], onListening = () => {}, stdin = 0, stdout = 1, stderr = 2 } = {},
) {
  const name = argv0 ?? (typeof wasmPathOrBytes === 'string' ? basename(wasmPathOrBytes) : 'main.wasm');
  const module = await compile(wasmPathOrBytes, name);
  await checkPreopens(preopens);
  const sockets = listen.length ? new SocketHost() : null;
  const listeners = listen.map(({ host, port }) => {
    try {
      const l = sockets.listen(host, port);
      onListening(host, l.port);
      return l.id;
    } catch (err) {
      sockets.stop();
      throw new WasiLoadError(err.message);
    }
  });
  const wasi = new WasiHost({ args: [name, ...args], env, preopens, stdin, stdout, stderr, sockets, listeners });
  try {
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.imports });
    return { code: wasi.start(instance) };
  } catch (err) {
    if (isTrap(err)) throw new WasiTrap(err.message, { cause: err });
    if (err instanceof WebAssembly.LinkError) throw new WasiLoadError(`${name}: ${err.message}`);
    throw err;
  } finally {
    sockets?.stop();
  }
}
