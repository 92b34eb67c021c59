// Instruments a linked module with Binaryen's Asyncify, exactly where a task
// can suspend, and proves the result.
//
// Which functions: those that can reach a suspension point, read off the
// module's call graph (wasm-module.mjs decodes every instruction):
//  - seeds call asyncify.start_unwind or stop_rewind: a suspension starts and
//    a resumption ends in them (Binaryen keeps them plain; their callers on);
//  - barriers call asyncify.stop_unwind or start_rewind: they catch or restart
//    one, so a suspension never passes through them;
//  - an indirect call can reach a seed when some function of the same
//    signature in a table can: calls are resolved by signature, not assumed
//    to reach everything, so libc's callbacks stay plain;
//  - in threads builds, emscripten's runners of calls proxied from other
//    threads never reach an await (they run emscripten's own calls and the
//    host's wake), but their indirect calls of every signature would make
//    every blocking wait, and so printf and malloc, look as if they could.
//
// How it is passed: linkers name functions as people read them
// ("n::body<int>(void*)", two static "helper"s), which Binaryen's list syntax
// cannot always say (it splits at commas, treats '*' as a wildcard, escapes
// and deduplicates names). So every function is first renamed to a unique
// name of plain characters, and the list speaks those names.
//
// How it is proven: the instrumented module is read back and the analysis
// run again on it; every function that can reach a suspension must now save
// its state, or the build fails naming it. Any warning from the pass fails
// the build too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parseModule, renameFunctions } from './wasm-module.mjs';
import { tools } from './tools.mjs';

export class AsyncifyError extends Error {}

const PROXIED_CALL_RUNNERS = new Set(['emscripten_current_thread_process_queued_calls', '_do_call', 'emscripten_proxy_execute_queue']);
const SEED_IMPORTS = new Set(['start_unwind', 'stop_rewind']);
const BARRIER_IMPORTS = new Set(['stop_unwind', 'start_rewind']);

/** Names Binaryen reads back as they are: letters, digits, '_', '.', '$';
 *  unique. Returns [name by function index]. */
export function plainNames(functions) {
  const taken = new Set();
  return functions.map((f) => {
    let name = f.name.replace(/[^A-Za-z0-9_.$]/g, '_') || 'f';
    if (taken.has(name)) {
      let n = f.index;
      while (taken.has(`${name}.${n}`)) n++;
      name = `${name}.${n}`;
    }
    taken.add(name);
    return name;
  });
}

/**
 * The call graph's answer: which functions must be instrumented and why.
 * isSeed(f) / isBarrier(f) say which functions start or catch a suspension.
 * Returns Map index -> { kind: 'seed' | 'call' | 'indirect', callee, signature }.
 */
export function reachSuspension(module, isSeed, isBarrier) {
  const { functions, addressable } = module;
  const callers = new Map(); // callee index -> [caller index]
  const indirectCallers = new Map(); // signature -> [caller index]
  const add = (map, key, value) => (map.get(key) ?? map.set(key, []).get(key)).push(value);
  for (const f of functions) {
    if (f.imported || isBarrier(f) || PROXIED_CALL_RUNNERS.has(f.name)) continue;
    for (const c of f.calls) add(callers, c, f.index);
    for (const t of f.indirect) add(indirectCallers, t, f.index);
  }
  const why = new Map();
  const work = [];
  const reach = (index, reason) => {
    if (why.has(index)) return;
    why.set(index, reason);
    work.push(index);
  };
  for (const f of functions) if (!f.imported && isSeed(f)) reach(f.index, { kind: 'seed' });
  const signaturesDone = new Set();
  while (work.length) {
    const g = functions[work.pop()];
    for (const c of callers.get(g.index) ?? []) reach(c, { kind: 'call', callee: g.index });
    if (addressable.has(g.index) && !signaturesDone.has(g.type)) {
      signaturesDone.add(g.type);
      for (const c of indirectCallers.get(g.type) ?? []) reach(c, { kind: 'indirect', callee: g.index, signature: g.type });
    }
  }
  return why;
}

const callsImport = (module, f, field) => [...f.calls].some((c) => {
  const callee = module.functions[c];
  return callee.imported && callee.module === 'asyncify' && field.has(callee.field);
});

/** Reads the linked (not yet instrumented) module: returns { module, why }. */
export function analyse(bytes) {
  const module = parseModule(bytes);
  const why = reachSuspension(module, (f) => callsImport(module, f, SEED_IMPORTS), (f) => callsImport(module, f, BARRIER_IMPORTS));
  return { module, why };
}

/** One line per instrumented function: its name and why it is on the list. */
export function describe({ module, why }) {
  const name = (i) => module.functions[i].name;
  const lines = [...why].map(([i, r]) => {
    const reason = r.kind === 'seed' ? 'suspends here: calls asyncify.start_unwind (the runtime; kept plain, its callers are instrumented)'
      : r.kind === 'call' ? `calls ${name(r.callee)}`
      : `calls through a function pointer of type ${r.signature}, which may be ${name(r.callee)}`;
    return [name(i), reason];
  }).sort((a, b) => a[0].localeCompare(b[0]));
  const width = Math.min(48, Math.max(...lines.map(([n]) => n.length)));
  return lines.map(([n, reason]) => `${n.padEnd(width)}  ${reason}`).join('\n');
}

/** Runs wasm-opt; returns what it printed on stdout and stderr (the pass
 *  warns on stderr). */
function wasmOpt(args) {
  const tool = tools.wasmOpt();
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new AsyncifyError(`${tool} failed:\n${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return `${r.stdout}\n${r.stderr}`;
}

const LEVELS = { '-O0': [0, 0], '-O1': [1, 0], '-O2': [2, 0], '-O3': [3, 0], '-Os': [2, 1], '-Oz': [2, 2] };

/**
 * Instruments wasmPath in place and optimises it at opt.
 * options: { features: [wasm-opt feature flags], drop: [names to leave off the
 * list, to prove the check catches it], asserts: Binaryen's runtime asserts
 * (default: at -O0), names: keep function names in the optimised module }.
 * Returns { instrumented: [names], report: describe() text }.
 */
export function instrument(wasmPath, opt, { features = [], drop = [], asserts = opt === '-O0', names = false } = {}) {
  const bytes = fs.readFileSync(wasmPath);
  const analysis = analyse(bytes);
  const { module, why } = analysis;
  const plain = plainNames(module.functions);
  const listed = [...why.keys()].filter((i) => !drop.includes(module.functions[i].name));
  const renamed = `${wasmPath}.plain.wasm`;
  const listFile = `${wasmPath}.asyncify-list`;
  const instrumented = `${wasmPath}.asyncify.wasm`;
  try {
    fs.writeFileSync(renamed, renameFunctions(bytes, module, plain));
    fs.writeFileSync(listFile, listed.map((i) => plain[i]).join(','));
    const [level, shrink] = LEVELS[opt];
    const args = [renamed, ...features, '-g', `--optimize-level=${level}`, `--shrink-level=${shrink}`, '--asyncify', `--pass-arg=asyncify-onlylist@@${listFile}`];
    if (asserts) args.push('--pass-arg=asyncify-asserts');
    if (listed.length === 0) args.splice(args.indexOf('--asyncify') + 1, 1); // nothing suspends: no list
    checkWarnings(wasmOpt([...args, '-o', instrumented]), plain, module);
    const result = fs.readFileSync(instrumented);
    verify(result, module, plain, asserts); // may edit result (asserts)
    if (opt === '-O0') fs.writeFileSync(wasmPath, result);
    else {
      fs.writeFileSync(instrumented, result);
      wasmOpt([instrumented, ...features, ...(names ? ['-g'] : []), opt, '-o', wasmPath]);
    }
  } finally {
    for (const f of [renamed, listFile, instrumented]) fs.rmSync(f, { force: true });
  }
  return { instrumented: listed.map((i) => module.functions[i].name), report: describe(analysis) };
}

function checkWarnings(text, plain, module) {
  const original = new Map(plain.map((p, i) => [p, module.functions[i].name]));
  const lines = text.split('\n').filter((l) => /asyncify/i.test(l) && /warning|error/i.test(l));
  if (lines.length) throw new AsyncifyError(lines.map((l) => l.replace(/[A-Za-z0-9_.$]+/g, (w) => original.get(w) ?? w)).join('\n'));
}

/**
 * Reads the instrumented module back: every function that can reach a
 * suspension (the same analysis, on the pass's output) must save its state,
 * that is read Asyncify's data pointer. With asserts, the runtime's own
 * functions (which move the state on purpose) have theirs removed.
 */
function verify(bytes, before, plain, asserts) {
  const module = parseModule(bytes);
  const byPlain = new Map(plain.map((p, i) => [p, before.functions[i].name]));
  const fn = (name) => module.exports.get(name);
  const runtime = ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_stop_rewind', 'asyncify_get_state'].map(fn);
  if (runtime.some((i) => i === undefined)) return; // nothing suspends: the pass added nothing
  const [startUnwind, stopUnwind, startRewind, stopRewind, getState] = runtime;
  const state = [...module.functions[getState].globalsRead][0];
  const data = [...module.functions[startUnwind].globalsRead].find((g) => g !== state);
  const calls = (f, targets) => targets.some((t) => f.calls.has(t));
  const isSeed = (f) => calls(f, [startUnwind, stopRewind]);
  const isBarrier = (f) => calls(f, [stopUnwind, startRewind]);
  const why = reachSuspension(module, isSeed, isBarrier);
  const original = (f) => byPlain.get(f.name) ?? f.name;
  const missing = [];
  for (const [i, reason] of why) {
    const f = module.functions[i];
    if (reason.kind === 'seed' || runtime.includes(i) || f.globalsRead.has(data)) continue;
    const path = [original(f)];
    for (let r = reason, n = 0; r.kind !== 'seed' && n < 6; r = why.get(r.callee), n++) path.push(original(module.functions[r.callee]));
    missing.push(`${original(f)} (a suspension reaches it through ${path.join(' -> ')})`);
  }
  if (missing.length) {
    throw new AsyncifyError(`these functions can suspend but were not instrumented, so a task would run them again when resumed:\n  ${missing.join('\n  ')}`);
  }
  if (asserts) {
    for (const f of module.functions) if (!f.imported && (isSeed(f) || isBarrier(f))) removeAsserts(bytes, f, state);
  }
}

/** Binaryen's asserts check, after each call of a plain function, that the
 *  state did not change: `if (global.get state != local.get old) unreachable`.
 *  The runtime's switch functions change it by design: their checks become
 *  nops, in place (same length, so nothing else moves). */
function removeAsserts(bytes, f, state) {
  const [start, end] = f.body;
  const stateLeb = [];
  for (let n = state; ; ) {
    const b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) stateLeb.push(b | 0x80);
    else { stateLeb.push(b); break; }
  }
  for (let p = start; p < end; p++) {
    if (bytes[p] !== 0x23 || !stateLeb.every((b, k) => bytes[p + 1 + k] === b)) continue;
    let q = p + 1 + stateLeb.length;
    if (bytes[q] !== 0x20) continue;
    q++;
    while (bytes[q] & 0x80) q++;
    q++;
    if (bytes[q] === 0x47 && bytes[q + 1] === 0x04 && bytes[q + 2] === 0x40 && bytes[q + 3] === 0x00 && bytes[q + 4] === 0x0b) {
      bytes.fill(0x01, p, q + 5);
      p = q + 4;
    }
  }
}
