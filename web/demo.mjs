// The browser demo's page: loads the C module (build/web/demo-c.mjs, built
// from web/demo.c), runs its exported functions, and draws the task dump
// every frame: the task tree and a timeline of each task's life.
import { load } from '../build/web/demo-c.mjs';

const $ = (id) => document.getElementById(id);
const ROW_H = 26, BAR_H = 12;
const AWAITING_TASKS = new Set(['task', 'gather', 'wait', 'as_completed', 'shield']);
const ERRORS = { '-1': 'cancelled', '-2': 'timed out', '-9': 'I/O error', '-15': 'cannot connect', '-19': 'HTTP error' };

// What the page knows of each task: the latest dump entry, plus what only
// sampling can tell (the frames where it ran, what it waited on over time).
const view = { since: 0, t0: null, records: new Map() };
const demo = (window.demo = { ready: false, frames: 0, view, scenario: null, download: null, crunch: null });

function clearView() {
  view.since = performance.now() / 1000;  // the loop clock is performance.now() in seconds
  view.t0 = null;
  view.records.clear();
  for (const el of rowEls.values()) el.remove();
  rowEls.clear();
  $('log').replaceChildren();
}

function log(text, kind = 'c') {
  const li = document.createElement('li');
  li.className = kind;
  const at = view.t0 === null ? '' : `+${(performance.now() / 1000 - view.t0).toFixed(2)} s`;
  li.innerHTML = '<time></time> <span></span>';
  li.firstChild.textContent = at;
  li.lastChild.textContent = text;
  const list = $('log');
  list.append(li);
  while (list.children.length > 200) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

// The colour class of what a pending task waits on.
function kindOf(t) {
  if (t.state !== 'pending' || t.started === null) return null;
  const on = t.waits_on?.kind;
  if (on === 'sleep') return 'sleep';
  if (on === 'future') return 'io';
  return AWAITING_TASKS.has(on) ? 'task' : 'ready';
}

// Folds one dump into the records; tasks that left it (freed once done)
// keep their last entry.
function sample(dump) {
  const seen = new Set();
  for (const t of dump.tasks) {
    if (t.created == null || t.created < view.since) continue; // made before debug mode, or an earlier run
    seen.add(t.id);
    let rec = view.records.get(t.id);
    if (!rec) {
      rec = { id: t.id, steps: 0, marks: [], segments: [] };
      view.records.set(t.id, rec);
      view.t0 = view.t0 === null ? t.created : Math.min(view.t0, t.created);
    }
    if (t.steps > rec.steps) {             // drawn at this frame, or where it is known exactly
      rec.marks.push(rec.steps === 0 && t.started !== null ? t.started : Math.min(dump.time, t.finished ?? Infinity));
      rec.steps = t.steps;
    }
    const kind = kindOf(t);
    const last = rec.segments.at(-1);
    if (kind && last?.kind !== kind) rec.segments.push({ kind, from: last ? dump.time : t.started });
    Object.assign(rec, {
      name: t.name, parent: t.parent, state: t.state, waits: t.waits_on, error: t.error,
      created: t.created, started: t.started, finished: t.finished, runMs: t.run_ms, site: t.created_at, gone: false,
    });
  }
  for (const rec of view.records.values()) {
    if (seen.has(rec.id) || rec.gone) continue;
    rec.gone = true;
    if (rec.state === 'pending') {
      rec.finished ??= dump.time;
      rec.state = rec.settled?.state === 'cancelled' ? 'cancelled' : 'done'; // a failure is done with an error
    }
  }
}

// An exported call's own task is freed once it ends: its outcome comes
// from the promise.
function settleRoot(name, out) {
  const roots = [...view.records.values()].filter((r) => r.name === name && !r.parent);
  const rec = roots.at(-1);
  if (!rec) return;
  rec.settled = out;
  if (rec.gone && out.state === 'cancelled') rec.state = 'cancelled';
  if (out.state === 'failed') rec.error ??= { code: 0, message: out.error };
}

async function call(name, ...args) {
  const out = { name };
  try {
    out.result = await demo.rt.run(name, ...args);
    out.state = 'done';
  } catch (e) {
    out.state = e.name === 'AbortError' ? 'cancelled' : 'failed';
    out.error = e.message;
  }
  settleRoot(`${name}()`, out);
  return out;
}

// --------------------------------------------------------------- drawing

// Records in tree order (children under their parent, by id), with depths.
function treeOrder() {
  const children = new Map();
  for (const rec of view.records.values()) {
    const parent = view.records.has(rec.parent) ? rec.parent : 0;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(rec);
  }
  const out = [];
  const visit = (id, depth) => {
    for (const rec of (children.get(id) ?? []).sort((a, b) => a.id - b.id)) {
      out.push({ rec, depth });
      visit(rec.id, depth + 1);
    }
  };
  visit(0, 0);
  return out;
}

function stateOf(rec) {
  if (rec.state === 'pending' && rec.settled) return rec.settled.state; // its promise knows first
  if (rec.state === 'done' && rec.error) return 'failed';
  if (rec.state !== 'pending') return rec.state;
  return rec.started === null ? 'queued' : 'pending';
}

function waitsText(rec, now) {
  const on = rec.waits;
  if (rec.state === 'cancelled') return rec.error?.message ?? 'cancelled';
  if (rec.state === 'done') {
    if (!rec.error) return `done, ran ${rec.runMs?.toFixed(1) ?? '?'} ms in ${rec.steps} step${rec.steps === 1 ? '' : 's'}`;
    return `${ERRORS[rec.error.code] ?? (rec.error.code ? `error ${rec.error.code}` : 'failed')}: ${rec.error.message}`;
  }
  if (!on) return rec.started === null ? 'not started yet' : 'ready to run';
  if (on.kind === 'wait_queue') return 'a wait queue: a lock, semaphore, queue or body read';
  if (on.kind === 'sleep') return `sleep, ${Math.max(0, on.until - now).toFixed(2)} s left`;
  if (on.kind === 'task') return `task #${on.id} ${view.records.get(on.id)?.name ?? ''}`;
  if (on.kind === 'future') return 'a future: I/O or a JS promise';
  const futures = on.futures ? ` and ${on.futures} futures` : '';
  return `${on.kind} of ${on.ids.length} tasks${futures}`;
}

const rowEls = new Map();

function rowFor(rec) {
  let el = rowEls.get(rec.id);
  if (!el) {
    el = document.createElement('div');
    el.className = 'row';
    el.dataset.id = rec.id;
    el.innerHTML = `<div class="name"></div><div><span class="badge"></span></div><div class="waits"></div>
      <div class="timeline"><svg height="${ROW_H}"></svg></div>`;
    rowEls.set(rec.id, el);
  }
  return el;
}

const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

function rect(x0, x1, cls, h = BAR_H) {
  const w = Math.max(x1 - x0, 1.5);
  return `<rect class="${cls}" x="${x0.toFixed(1)}" y="${(ROW_H - h) / 2}" width="${w.toFixed(1)}" height="${h}" rx="2"/>`;
}

function barSvg(rec, x, now) {
  const end = rec.finished ?? now;
  let s = '';
  if (rec.created !== null) s += rect(x(rec.created), x(rec.started ?? end), 'queued', 6);
  rec.segments.forEach((seg, i) => { s += rect(x(seg.from), x(rec.segments[i + 1]?.from ?? end), seg.kind); });
  for (const m of rec.marks) {
    const mx = x(m).toFixed(1);
    s += `<line class="tick" x1="${mx}" x2="${mx}" y1="${(ROW_H - BAR_H) / 2 - 3}" y2="${(ROW_H + BAR_H) / 2 + 3}"/>`;
  }
  if (rec.finished !== null && rec.finished !== undefined) s += rect(x(rec.finished) - 2, x(rec.finished) + 2, `end ${stateOf(rec)}`, BAR_H + 6);
  return s;
}

function niceStep(span) {
  return [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => span / s <= 8) ?? 600;
}

function axisSvg(x, span, width) {
  const step = niceStep(span);
  let s = '';
  for (let t = 0; t <= span + 1e-9; t += step) {
    const px = x(view.t0 + t);
    if (px > width - 20) break;
    s += `<line x1="${px}" x2="${px}" y1="18" y2="26"/><text x="${px + 3}" y="15">${+t.toFixed(2)} s</text>`;
  }
  return s;
}

function render(now) {
  const order = treeOrder();
  $('empty').hidden = order.length > 0;
  const width = $('axis-cell').clientWidth - 8;
  const pending = order.some(({ rec }) => rec.state === 'pending');
  const last = Math.max(...order.map(({ rec }) => rec.finished ?? now));
  const t1 = pending ? now : last;
  const span = Math.max(t1 - (view.t0 ?? now), 1) * 1.04;
  const x = (t) => 4 + ((t - view.t0) / span) * width;
  const axis = $('axis');
  axis.setAttribute('width', width + 8);
  axis.innerHTML = view.t0 === null ? '' : axisSvg(x, span, width);
  const rows = $('rows');
  order.forEach(({ rec, depth }, i) => {
    const el = rowFor(rec);
    if (rows.children[i] !== el) rows.insertBefore(el, rows.children[i] ?? null);
    const [name, state, waits, timeline] = el.children;
    name.style.paddingLeft = `${depth * 1.2 + 0.4}rem`;
    setText(name, `${depth ? '└ ' : ''}${rec.name}`);
    name.title = `task #${rec.id}${rec.site ? `, created at ${rec.site.split('/').pop()}` : ''}`;
    const st = stateOf(rec);
    state.firstChild.className = `badge ${st}`;
    setText(state.firstChild, st);
    setText(waits, waitsText(rec, now));
    waits.title = waits.textContent;
    const svg = timeline.firstChild;
    svg.setAttribute('width', width + 8);
    svg.innerHTML = barSvg(rec, x, now);
  });
  const running = order.filter(({ rec }) => rec.state === 'pending').length;
  setText($('status'), running ? `${running} of ${order.length} tasks pending` : idleStatus);
}

// ---------------------------------------------------------------- frames

let fpsFrom = { t: performance.now(), frames: 0 };
let lastFrame = performance.now(), longestGap = 0; // between two frames: how long the page froze at most
function frame() {
  demo.frames++;
  const now = performance.now();
  longestGap = Math.max(longestGap, now - lastFrame);
  lastFrame = now;
  if (now - fpsFrom.t > 500) {
    const fps = ((demo.frames - fpsFrom.frames) * 1000) / (now - fpsFrom.t);
    setText($('fps'), `frame ${demo.frames} · ${fps.toFixed(0)} fps`);
    fpsFrom = { t: now, frames: demo.frames };
  }
  const dump = demo.rt.dumpTasks();
  sample(dump);
  render(dump.time);
  requestAnimationFrame(frame);
}

// --------------------------------------------------------------- buttons

let longCall = null, controller = null;
let idleStatus = 'ready';                // the status line once nothing is pending

async function runScenario() {
  $('run').disabled = true;
  if (longCall) {                        // one long download at a time: stop the last one first
    controller.abort(new DOMException('a new run started', 'AbortError'));
    await longCall;
  }
  clearView();
  demo.scenario = demo.download = null;
  const scenario = call('scenario', location.origin);
  controller = new AbortController();
  longCall = call('download', location.origin, controller.signal).then((out) => {
    demo.download = out;
    $('cancel').disabled = true;
    longCall = null;
    log(`download() ${out.state}${out.error ? `: ${out.error}` : ''}`, 'page');
  });
  $('cancel').disabled = false;
  const out = await scenario;
  sample(demo.rt.dumpTasks());           // the frames may lag behind the end
  if (out.state === 'done') out.summary = JSON.parse(out.result);
  demo.scenario = out;
  $('run').disabled = false;
  idleStatus = out.summary ? summaryText(out.summary) : `scenario() ${out.state}: ${out.error}`;
}

// The scenario's own tasks: its call's task and every task under it.
function scenarioTasks() {
  const root = [...view.records.values()].filter((r) => r.name === 'scenario()' && !r.parent).at(-1);
  const ids = new Set(root ? [root.id] : []);
  for (const rec of [...view.records.values()].sort((a, b) => a.id - b.id)) if (ids.has(rec.parent)) ids.add(rec.id);
  return [...ids].map((id) => view.records.get(id));
}

function summaryText(summary) {
  const counts = {};
  for (const rec of scenarioTasks()) counts[stateOf(rec)] = (counts[stateOf(rec)] ?? 0) + 1;
  const states = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  const most = summary.session_max_inflight;
  return `scenario done in ${summary.seconds.toFixed(2)} s: ${states}; ` + (most
    ? `at most ${most} session requests were in flight at once`
    : 'the /api routes it fetches come with node web/serve.mjs');
}

async function crunch() {
  $('crunch').disabled = true;
  const frames = demo.frames, began = performance.now();
  longestGap = 0;
  lastFrame = began;
  const out = await call('crunch', 500);
  const ms = performance.now() - began;
  const gap = Math.max(longestGap, performance.now() - lastFrame);
  demo.crunch = { ...out, frames: demo.frames - frames, ms, longestGap: gap };
  log(`the page drew ${demo.crunch.frames} frames while C computed for ${ms.toFixed(0)} ms ` +
    `(at most ${gap.toFixed(0)} ms between two)`, 'page');
  $('crunch').disabled = false;
}

try {
  demo.rt = await load({ imports: { log: (s) => log(s) }, print: (s) => log(s), printErr: (s) => log(s, 'warn') });
  await demo.rt.run('setup');            // debug mode on: the dump then has timings
} catch (e) {
  setText($('status'), `cannot load the C module (${e.message}): build it with npm start`);
  throw e;
}
$('run').onclick = runScenario;
$('cancel').onclick = () => controller?.abort(new DOMException('cancelled with the button', 'AbortError'));
$('crunch').onclick = crunch;
$('run').disabled = $('crunch').disabled = false;
demo.ready = true;
requestAnimationFrame(frame);
