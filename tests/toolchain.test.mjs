// The build helper and the hosts: what gets instrumented, what a WASI module
// imports, how wa-cc reports errors, and that the JS host stays responsive.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { build, ROOT } from '../bin/lib/compile.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-toolchain-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const BUSY = path.join(ROOT, 'tests/c/busy.c');

for (const target of ['wasi', 'node']) {
  for (const opt of ['-O0', '-O2']) {
    test(`${target} ${opt}: only code that can reach an await is instrumented`, () => {
      const out = path.join(tmp, `busy-${target}${opt}${target === 'wasi' ? '.wasm' : '.mjs'}`);
      const { instrumented } = build([BUSY], out, target, { opt });
      for (const name of ['spin', 'busy', 'wa__task_entry', 'wa_yield']) assert.ok(instrumented.includes(name), `${name} missing from ${instrumented}`);
      // Computation, the scheduler (it catches the unwind) and printf stay plain.
      for (const name of ['collatz_steps', 'wa__switch_run', 'printf', 'run_once', 'malloc']) assert.ok(!instrumented.includes(name), `${name} instrumented`);
    });
  }
}

test('node -O2 threads: the same functions are instrumented as without threads', () => {
  const plain = build([BUSY], path.join(tmp, 'busy-plain.mjs'), 'node', { opt: '-O2' }).instrumented;
  const threaded = build([BUSY], path.join(tmp, 'busy-threads.mjs'), 'node', { opt: '-O2', threads: true }).instrumented;
  // emscripten's runner of proxied calls must not drag blocking waits (malloc, printf) in.
  assert.deepEqual([...threaded].sort(), [...plain].sort());
});

test('node threads build: exits with main\'s code while pool threads sit idle', () => {
  const src = path.join(tmp, 'leak.c');
  fs.writeFileSync(src, `#include "wasyncio.h"
static int work(void *arg, intptr_t *result) { *result = (intptr_t)arg; return 0; }
static int amain(void *arg) {
    (void)arg;
    wa_executor *ex = wa_executor_new(2);  /* never freed: its thread stays */
    wa_future *f = wa_run_in_executor(ex, work, (void *)7);
    intptr_t v = 0;
    int rc = wa_await(f);
    if (rc == 0) wa_future_result(f, &v);
    wa_future_free(f);
    return rc ? rc : v != 7;
}
int main(void) { return wa_executor_has_threads() && wa_run(amain, NULL) == 0 ? 3 : 1; }
`);
  const out = path.join(tmp, 'leak.mjs');
  build([src], out, 'node', { opt: '-O2', threads: true });
  assert.ok(fs.existsSync(path.join(tmp, 'leak.core.worker.js')));
  const r = spawnSync(process.execPath, [out], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 3, r.stderr);
});

test('a WASI build imports only wasi_snapshot_preview1', () => {
  const out = path.join(tmp, 'busy-imports.wasm');
  build([BUSY], out, 'wasi', { opt: '-O2' });
  const dump = execFileSync('wasm-objdump', ['-x', '-j', 'Import', out], { encoding: 'utf8' });
  const modules = new Set([...dump.matchAll(/<- ([\w]+)\./g)].map((m) => m[1]));
  assert.deepEqual([...modules], ['wasi_snapshot_preview1']);
});

test('wa-cc explains bad input', () => {
  const cc = (...args) => spawnSync(process.execPath, [path.join(ROOT, 'bin/wa-cc'), ...args], { encoding: 'utf8' });
  let r = cc(BUSY, '-o', path.join(tmp, 'x'), '--target=mars');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown target "mars"/);
  r = cc(path.join(tmp, 'missing.c'), '-o', path.join(tmp, 'x'), '--target=wasi');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing\.c: no such file/);
  r = cc(BUSY, '--target=wasi');
  assert.match(r.stderr, /missing -o OUT/);
  fs.writeFileSync(path.join(tmp, 'bad.c'), 'int main(void) { return undefined_thing; }\n');
  r = cc(path.join(tmp, 'bad.c'), '-o', path.join(tmp, 'bad'), '--target=native');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /undefined_thing/);
  r = cc(BUSY, '-o', path.join(tmp, 'x.wasm'), '--target=wasi', '--threads');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--threads is for the node and web targets/);
  assert.match(cc('--help').stdout, /--target=node\|web\|wasi\|native/);
  assert.match(cc('--help').stdout, /--threads/);
});

test('node host: the JS event loop keeps running while C tasks are busy', async () => {
  const out = path.join(tmp, 'busy-responsive.mjs');
  build([BUSY], out, 'node', { opt: '-O2' });
  const { runMain } = await import(path.join(tmp, 'busy-responsive.driver.mjs'));
  const factory = (await import(path.join(tmp, 'busy-responsive.core.mjs'))).default;
  const printed = [];
  const mod = await factory({ wasmBinary: fs.readFileSync(path.join(tmp, 'busy-responsive.core.wasm')), print: (s) => printed.push(s) });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const start = performance.now();
  const code = await runMain(mod, ['busy', '0.4']);
  const elapsed = performance.now() - start;
  clearInterval(timer);
  assert.equal(code, 0, printed.join('\n'));
  assert.ok(elapsed >= 400, `ran ${elapsed} ms`);
  // A 5 ms interval over 400 ms: it fires ~80 times if the loop yields; 0 if not.
  assert.ok(ticks >= 20, `interval ran ${ticks} times in ${elapsed.toFixed(0)} ms`);
  assert.match(printed.join('\n'), /ok - two tasks yielding/);
});

test('CMake builds the native library, tests and examples, and ctest passes', () => {
  const dir = path.join(tmp, 'cmake');
  const sh = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  sh('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Debug']);
  sh('cmake', ['--build', dir, '-j2']);
  assert.match(sh('ctest', ['--test-dir', dir]), /100% tests passed/);
  assert.ok(fs.existsSync(path.join(dir, 'example_demo')));
});
