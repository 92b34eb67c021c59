// Runs a WASI preview1 command module on node:wasi, the way `wasmtime run` does.
// bin/wa-run is a thin command line over runWasi; tests and embedders call it directly.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';

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
// exhaustion as a RangeError; wasmtime calls that a trap, so it is one here too.
const isTrap = (err) => err instanceof WebAssembly.RuntimeError || err instanceof RangeError;

// node:wasi prints an ExperimentalWarning when it is first loaded. For a runner that
// is noise in the program's stderr, so that one warning (and only it) is dropped.
async function loadWASI() {
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
    if (type === 'ExperimentalWarning' && String(warning).startsWith('WASI')) return;
    emitWarning.call(process, warning, ...rest);
  };
  try {
    return (await import('node:wasi')).WASI;
  } finally {
    process.emitWarning = emitWarning;
  }
}

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

// uvwasi reports a missing preopen only as "UVWASI_ENOENT, uvwasi_init"; name the directory instead.
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
 * directories. stdin/stdout/stderr are file descriptors of this process.
 * Throws WasiLoadError before running, WasiTrap if the program traps.
 */
export async function runWasi(
  wasmPathOrBytes,
  { args = [], argv0, env = {}, preopens = {}, stdin = 0, stdout = 1, stderr = 2 } = {},
) {
  const name = argv0 ?? (typeof wasmPathOrBytes === 'string' ? basename(wasmPathOrBytes) : 'main.wasm');
  const module = await compile(wasmPathOrBytes, name);
  await checkPreopens(preopens);
  const WASI = await loadWASI();
  const wasi = new WASI({
    version: 'preview1',
    args: [name, ...args],
    env,
    preopens,
    stdin,
    stdout,
    stderr,
    returnOnExit: true, // proc_exit must hand the code back, not end the embedding process
  });
  try {
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    return { code: wasi.start(instance) };
  } catch (err) {
    if (isTrap(err)) throw new WasiTrap(err.message, { cause: err });
    if (err instanceof WebAssembly.LinkError) throw new WasiLoadError(`${name}: ${err.message}`);
    throw err;
  }
}
