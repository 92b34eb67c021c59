// wasyncio's JavaScript API, the package's entry point: load a module built
// with `wa-cc --target=web` and run the C functions it exports
// (WA_JS_EXPORT), or run its main(). Works in node and in browsers.
//
//   import { load } from 'wasyncio';
//   const m = await load(new URL('./lib.mjs', import.meta.url), { imports: { ... } });
//   await m.run('add', 1, 2);          // a C task; an AbortSignal last cancels it
//   m.dumpTasks();                     // every task: state, parent, waits_on, timing
//   await m.close();

const isNode = typeof process === 'object' && process.versions?.node !== undefined;

// A module given as a path (node) or as a URL, for import().
async function moduleUrl(module) {
  if (module instanceof URL) return module.href;
  if (isNode && !/^[a-z][a-z0-9+.-]*:/i.test(module)) {
    const [{ pathToFileURL }, { resolve }] = await Promise.all([import('node:url'), import('node:path')]);
    return pathToFileURL(resolve(module)).href;
  }
  return module;
}

async function open(module) {
  const built = await import(await moduleUrl(module));
  if (typeof built.load !== 'function' || typeof built.start !== 'function') {
    throw new Error(`${module} is not a module built by wa-cc --target=web`);
  }
  return built;
}

/** Loads a built module as a library: its loop runs, serving run() calls.
 *  options: { print, printErr, imports } (imports: JS functions C may call). */
export async function load(module, options = {}) {
  return (await open(module)).load(options);
}

/** Runs a built module's main(args); resolves with its exit code. */
export async function start(module, args = [], options = {}) {
  return (await open(module)).start(args, options);
}
