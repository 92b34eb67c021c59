// The Promise bridge in node: JavaScript runs exported C functions as tasks
// and awaits them, C awaits JavaScript promises, AbortSignal cancels, and the
// JS event loop keeps running while C works.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { build, ROOT } from '../bin/lib/compile.mjs';

const test = testNeeding('emcc', 'wasmOpt'); // skipped, by name, where one is missing

const OUT = path.join(ROOT, 'build', 'tests', 'bridge');
const ended = [];
const IMPORTS = {
  later: (v) => new Promise((resolve) => setTimeout(() => resolve(v), 5)),
  now: (v) => v,
  bytes: (n) => new Uint8Array(n),
  fails: async (why) => { throw new Error(`refused: ${why}`); },
  throws: () => { throw new TypeError('thrown at once'); },
  ended: (rc) => ended.push(rc),
};
let rt;

before(async () => {
  if (test.skipped) return;
  build([path.join(ROOT, 'tests/js/bridge_lib.c')], path.join(OUT, 'bridge_lib.mjs'), 'web', { opt: '-O2' });
  const { load } = await import(path.join(OUT, 'bridge_lib.mjs'));
  rt = await load({ imports: IMPORTS });
});
after(() => rt?.close());

test('run returns numbers, strings and bytes', async () => {
  assert.equal(await rt.run('sleep_add', 1, 2, 3), 5);
  assert.equal(await rt.run('echo', 'héllo, wörld'), 'héllo, wörld');
  assert.deepEqual(await rt.run('echo', new Uint8Array([1, 2, 255])), new Uint8Array([1, 2, 255]));
  assert.equal(await rt.run('echo', true), 1);
  assert.equal(await rt.run('echo', null), undefined);
  assert.equal(await rt.run('echo', { a: 1 }), '{"a":1}');
});

test('calls in flight at once run as tasks side by side', async () => {
  const start = performance.now();
  const results = await Promise.all([1, 2, 3, 4].map((i) => rt.run('sleep_add', 100, i, i)));
  const took = performance.now() - start;
  assert.deepEqual(results, [2, 4, 6, 8]);
  assert.ok(took >= 100 && took < 350, `four 100 ms calls took ${took} ms`);
});

test('C awaits JavaScript promises and values', async () => {
  assert.equal(await rt.run('ask', 'later', 42), 'number:42');
  assert.equal(await rt.run('ask', 'later', 'text'), 'string:text');
  assert.equal(await rt.run('ask', 'now', 7.5), 'number:7.5');
  assert.equal(await rt.run('ask', 'bytes', 9), 'bytes:9');
  assert.equal(await rt.run('ask', 'now', undefined), 'undefined');
});

test('a rejected promise or a throw is a WA_EJS error with its message', async () => {
  await assert.rejects(rt.run('ask', 'fails', 'no'), { message: 'refused: no', code: 'EJS' });
  await assert.rejects(rt.run('ask', 'throws', 0), { message: 'thrown at once', code: 'EJS' });
  await assert.rejects(rt.run('ask', 'missing', 0), { message: /no JavaScript function 'missing'/, code: 'EJS' });
  await assert.rejects(rt.run('sleep_add', 1), { message: 'sleep_add takes 3 numbers, got 1', code: 'EINVAL' });
  await assert.rejects(rt.run('nope'), /no C function "nope" is exported/);
});

test('an AbortSignal cancels the task', async () => {
  const controller = new AbortController();
  const call = rt.run('forever', controller.signal);
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(call, { name: 'AbortError' });
  assert.deepEqual(ended, [-1]);          /* the task saw WA_ECANCELLED and cleaned up */
  await assert.rejects(rt.run('forever', AbortSignal.abort()), { name: 'AbortError' });  /* never started */
  assert.deepEqual(ended, [-1]);
});

test('the JS event loop keeps running during long C work', async () => {
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  const steps = await rt.run('busy', 300);
  clearInterval(interval);
  assert.ok(steps > 1000, `only ${steps} steps`);
  assert.ok(ticks >= 20, `the interval fired ${ticks} times in 300 ms`);
});

test('dumpTasks shows the calls in flight', async () => {
  const calls = [rt.run('named', 'first', 50), rt.run('named', 'second', 50)];
  await new Promise((resolve) => setTimeout(resolve, 10));
  const dump = rt.dumpTasks();
  const names = dump.tasks.filter((t) => t.state === 'pending').map((t) => t.name);
  assert.deepEqual(names, ['first', 'second']);
  assert.equal(dump.tasks.find((t) => t.name === 'first').waits_on.kind, 'sleep');
  await Promise.all(calls);
});

test('close cancels what is still running; a library has no main', async () => {
  const { load, start } = await import(path.join(OUT, 'bridge_lib.mjs'));
  const other = await load({ imports: IMPORTS });
  const call = other.run('forever');
  await new Promise((resolve) => setTimeout(resolve, 10));
  await other.close();
  await assert.rejects(call, { code: 'ECANCELLED' });
  await assert.rejects(start([]), /has no main\(\)/);
});
