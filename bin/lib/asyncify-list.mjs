// Computes which functions Asyncify must instrument: exactly those that can
// reach a suspension point, read off the module's call graph.
//
//  - seeds: functions that call asyncify.start_unwind (they begin a suspension);
//  - barriers: functions that call asyncify.stop_unwind or start_rewind (they
//    catch or restart one, so a suspension never passes through them);
//  - an indirect call can reach a seed when some function of the same type in
//    the table can: indirect calls are resolved by signature, not assumed to
//    reach everything, so libc's callbacks stay uninstrumented;
//  - in threads builds, emscripten's runners of calls proxied from other
//    threads never reach an await (they run emscripten's own calls and the
//    host's wake), but their indirect calls of every signature would make
//    every blocking wait, and so printf and malloc, look as if they could.
import { execFileSync } from 'node:child_process';

const PROXIED_CALL_RUNNERS = new Set(['$emscripten_current_thread_process_queued_calls', '$_do_call', '$emscripten_proxy_execute_queue']);

export function readWat(wasmPath) {
  return execFileSync('wasm2wat', ['--enable-all', '--no-check', wasmPath], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
}

function parse(wat) {
  const imports = new Map(); // local name -> "module.field"
  const funcs = new Map(); // name -> { type, calls: Set, indirect: Set }
  const table = new Set();
  let current = null;
  for (const line of wat.split('\n')) {
    let m = line.match(/^\s*\(import "([^"]+)" "([^"]+)" \(func (\$[^\s)]+)/);
    if (m) {
      imports.set(m[3], `${m[1]}.${m[2]}`);
      continue;
    }
    m = line.match(/^\s*\(func (\$[^\s)]+) \(type (\d+)\)/);
    if (m) {
      current = { type: m[2], calls: new Set(), indirect: new Set() };
      funcs.set(m[1], current);
      continue;
    }
    m = line.match(/^\s*\(elem .* func (.*)\)\s*$/);
    if (m) {
      for (const name of m[1].split(/\s+/)) if (name.startsWith('$')) table.add(name);
      current = null;
      continue;
    }
    if (!current) continue;
    m = line.match(/^\s*(?:return_)?call (\$[^\s)]+)/);
    if (m) current.calls.add(m[1]);
    m = line.match(/^\s*(?:return_)?call_indirect (?:\d+ |\$\S+ )?\(type (\d+)\)/);
    if (m) current.indirect.add(m[1]);
  }
  return { imports, funcs, table };
}

/** Returns the names (without $) of the functions to instrument. */
export function asyncifyList(wat) {
  const { imports, funcs, table } = parse(wat);
  const importNamed = (field) => [...imports].filter(([, v]) => v === field).map(([k]) => k);
  const [startUnwind] = importNamed('asyncify.start_unwind');
  if (!startUnwind) return [];
  const stoppers = new Set([...importNamed('asyncify.stop_unwind'), ...importNamed('asyncify.start_rewind')]);
  const isBarrier = (f) => [...f.calls].some((c) => stoppers.has(c));

  const callers = new Map(); // callee -> [caller names]
  const indirectCallers = new Map(); // type -> [caller names]
  const add = (map, key, value) => (map.get(key) ?? map.set(key, []).get(key)).push(value);
  for (const [name, f] of funcs) {
    if (isBarrier(f) || PROXIED_CALL_RUNNERS.has(name)) continue;
    for (const c of f.calls) add(callers, c, name);
    for (const t of f.indirect) add(indirectCallers, t, name);
  }

  const reached = new Set();
  const typesReached = new Set();
  const work = [...(callers.get(startUnwind) ?? [])];
  while (work.length) {
    const name = work.pop();
    if (reached.has(name)) continue;
    reached.add(name);
    work.push(...(callers.get(name) ?? []));
    const type = funcs.get(name).type;
    if (table.has(name) && !typesReached.has(type)) {
      typesReached.add(type);
      work.push(...(indirectCallers.get(type) ?? []));
    }
  }
  return [...reached].map((n) => n.slice(1));
}
