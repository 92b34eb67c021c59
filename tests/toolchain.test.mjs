// The build helper and the hosts: what gets instrumented, what a WASI module
// imports, how wa-cc reports errors, and that the JS host stays responsive.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build, ROOT } from '../bin/lib/compile.mjs';
import { parseModule } from '../bin/lib/wasm-module.mjs';
import { tools } from '../bin/lib/tools.mjs';
import { needs, needsTarget } from './lib/needs.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-toolchain-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const BUSY = path.join(ROOT, 'tests/c/busy.c');

for (const target of ['wasi', 'node']) {
  for (const opt of ['-O0', '-O2']) {
    test(`${target} ${opt}: only code that can reach an await is instrumented`, needsTarget(target), () => {
      const out = path.join(tmp, `busy-${target}${opt}${target === 'wasi' ? '.wasm' : '.mjs'}`);
      const { instrumented } = build([BUSY], out, target, { opt });
      for (const name of ['spin', 'busy']) assert.ok(instrumented.includes(name), `${name} missing from ${instrumented}`);
      // wa_yield is compiled into its caller (the header's): a yield unwinds spin's frame alone.
      if (opt === '-O2') assert.ok(!instrumented.includes('wa_yield') && !instrumented.includes('wa__sleep'), `a yield frame is instrumented: ${instrumented}`);
      // Computation, the scheduler (it catches the unwind and calls task bodies
      // itself, so a body is the outermost frame a suspension unwinds) and printf stay plain.
      for (const name of ['collatz_steps', 'wa__switch_run', 'wa__task_entry', 'printf', 'run_once', 'malloc']) assert.ok(!instrumented.includes(name), `${name} instrumented`);
    });
  }
}

test('node -O2 threads: the same functions are instrumented as without threads', needsTarget('node'), () => {
  const plain = build([BUSY], path.join(tmp, 'busy-plain.mjs'), 'node', { opt: '-O2' }).instrumented;
  const threaded = build([BUSY], path.join(tmp, 'busy-threads.mjs'), 'node', { opt: '-O2', threads: true }).instrumented;
  // emscripten's runner of proxied calls must not drag blocking waits (malloc, printf) in.
  assert.deepEqual([...threaded].sort(), [...plain].sort());
});

test('node threads build: exits with main\'s code while pool threads sit idle', needsTarget('node'), () => {
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
    wa_future_release(f);
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

test('a WASI build imports only wasi_snapshot_preview1', needsTarget('wasi'), () => {
  const out = path.join(tmp, 'busy-imports.wasm');
  build([BUSY], out, 'wasi', { opt: '-O2' });
  const modules = new Set(parseModule(fs.readFileSync(out)).functions.filter((f) => f.imported).map((f) => f.module));
  assert.deepEqual([...modules], ['wasi_snapshot_preview1']);
});

test('wa-cc explains bad input', needs('cc', 'clang', 'wasiSysroot', 'wasmOpt'), () => {
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
  r = cc(path.join(tmp, 'notes.txt'), '-o', path.join(tmp, 'x'), '--target=native');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /notes\.txt: not a C, C\+\+, assembly, object or archive file/);
  r = cc(BUSY, '-o', path.join(tmp, 'x'), '--target=native', '-std=cobol');
  assert.match(r.stderr, /unknown standard -std=cobol/);
  r = cc(BUSY, '-o', path.join(tmp, 'x'), '--target=native', '--frobnicate');
  assert.match(r.stderr, /unknown option --frobnicate/);
  r = cc(BUSY, '-o', path.join(tmp, 'x'), '--target=native', '-I');
  assert.match(r.stderr, /-I needs a value/);
  // A tool that is not there is named, with how to install it, and nothing is written.
  const out = path.join(tmp, 'no-tool.wasm');
  r = spawnSync(process.execPath, [path.join(ROOT, 'bin/wa-cc'), BUSY, '-o', out, '--target=wasi'], { encoding: 'utf8', env: { ...process.env, WA_WASM_OPT: path.join(tmp, 'no-such-wasm-opt') } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /WA_WASM_OPT=.*no-such-wasm-opt: no such program/);
  assert.ok(!fs.existsSync(out), 'a half-built output was left behind');
});

const waccIn = (cwd, ...args) => spawnSync(process.execPath, [path.join(ROOT, 'bin/wa-cc'), ...args], { encoding: 'utf8', cwd });
const wacc = (...args) => waccIn(tmp, ...args);

for (const [compiler, name] of [['g++', 'g++'], ['clang++', 'clang++']]) {
  test(`the header compiles as C++11, 14, 17 and 20 with ${name}, warnings as errors`, () => {
    for (const std of ['c++11', 'c++14', 'c++17', 'c++20']) {
      const r = spawnSync(compiler, [`-std=${std}`, '-Wall', '-Wextra', '-Werror', '-pedantic', '-fsyntax-only', '-x', 'c++', path.join(ROOT, 'include/wasyncio.h')], { encoding: 'utf8' });
      if (r.error?.code === 'ENOENT' && process.env.WA_REQUIRE_TOOLS !== '1') return; // reported by needs below
      assert.equal(r.status, 0, `${compiler} -std=${std}: ${r.stderr}`);
    }
  });
}

for (const target of ['native', 'wasi', 'node']) {
  test(`${target}: wa-cc compiles with -c, links objects, an archive, several sources, C and C++ together`, needsTarget(target), () => {
    const dir = fs.mkdtempSync(path.join(tmp, `multi-${target}-`));
    fs.writeFileSync(path.join(dir, 'util.h'), '#ifdef __cplusplus\nextern "C"\n#endif\nint twice(int x);\n');
    fs.writeFileSync(path.join(dir, 'util.c'), '#include "util.h"\nint twice(int x) { return x * FACTOR; }\n');
    fs.writeFileSync(path.join(dir, 'extra.c'), 'int plus_one(int x) { return x + 1; }\n');
    fs.writeFileSync(path.join(dir, 'main.cpp'), `#include "wasyncio.h"
#include "util.h"
#include <cstdio>
#include <string>
extern "C" int plus_one(int x);
static int amain(void *) {
    std::string s = "value";
    if (int rc = wa_sleep(0.001)) return rc;
    std::printf("%s %d\\n", s.c_str(), plus_one(twice(20)));
    return 0;
}
int main() { return wa_run(amain, nullptr); }
`);
    const ext = target === 'wasi' ? '.wasm' : target === 'node' ? '.mjs' : '';
    let r = waccIn(dir, '-c', 'util.c', '-DFACTOR=2', '-o', 'util.o', `--target=${target}`);
    assert.equal(r.status, 0, r.stderr);
    r = waccIn(dir, '-c', 'extra.c', `--target=${target}`); // -c without -o: extra.o in the working directory
    assert.equal(r.status, 0, r.stderr);
    const ar = spawnSync(tools.archiver(target), ['rcs', 'libextra.a', 'extra.o'], { encoding: 'utf8', cwd: dir });
    assert.equal(ar.status, 0, ar.stderr);
    r = waccIn(dir, 'main.cpp', 'util.o', '-I', '.', '-L.', '-lextra', '-std=c++20', '-g', '-o', `prog${ext}`, `--target=${target}`);
    assert.equal(r.status, 0, r.stderr);
    const prog = path.join(dir, `prog${ext}`);
    const run = target === 'native' ? spawnSync(prog, { encoding: 'utf8' })
      : target === 'wasi' ? spawnSync(process.execPath, [path.join(ROOT, 'bin/wa-run'), prog], { encoding: 'utf8' })
      : spawnSync(process.execPath, [prog], { encoding: 'utf8' });
    assert.equal(run.stdout, 'value 41\n', run.stderr);
    assert.equal(run.status, 0);
  });
}

for (const target of ['wasi', 'node']) {
  test(`${target}: a function left off the Asyncify list fails the build, naming it`, needsTarget(target), () => {
    const out = path.join(tmp, `dropped-${target}${target === 'wasi' ? '.wasm' : '.mjs'}`);
    assert.throws(() => build([BUSY], out, target, { opt: '-O2', asyncifyDrop: ['spin'] }),
      /can suspend but were not instrumented[^]*\bspin \(a suspension reaches it through spin -> wa__switch_suspend\)/);
    assert.ok(!fs.existsSync(out), 'a half-built output was left behind');
  });

  test(`${target}: --print-asyncify lists each instrumented function and why`, needsTarget(target), () => {
    const r = wacc(BUSY, '-o', path.join(tmp, `printed-${target}${target === 'wasi' ? '.wasm' : '.mjs'}`), `--target=${target}`, '--print-asyncify');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+ functions instrumented for Asyncify:/);
    assert.match(r.stdout, /^spin +calls wa__switch_suspend$/m);
    assert.match(r.stdout, /^wa__switch_suspend +suspends here/m);
    // A call through a function pointer is listed with the function it may reach.
    const src = path.join(tmp, `pointer-${target}.c`);
    fs.writeFileSync(src, `#include "wasyncio.h"
static int pass(void) { return wa_yield(); }
static int (*volatile op)(void) = pass;
static int body(void *arg) { (void)arg; return op(); }
int main(void) { return wa_run(body, 0); }
`);
    const p = wacc(src, '-o', path.join(tmp, `pointer-${target}${target === 'wasi' ? '.wasm' : '.mjs'}`), `--target=${target}`, '--print-asyncify');
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^body +calls through a function pointer of type \(\) -> \(i32\), which may be pass$/m);
  });
}

test('a C++ template task body is instrumented under its own name', needsTarget('wasi'), () => {
  const { instrumented } = build([path.join(ROOT, 'tests/c/cxx_tasks.cpp')], path.join(tmp, 'cxx.wasm'), 'wasi', { opt: '-O2' });
  // The linker names it as people read it; Binaryen gets a plain name for it.
  assert.ok(instrumented.some((n) => /^int n::body<int>\(void\*\)$/.test(n)), instrumented.join('\n'));
  assert.ok(instrumented.some((n) => /Sleeper::step\(int\)/.test(n)), instrumented.join('\n'));
});

test('node host: the JS event loop keeps running while C tasks are busy', needsTarget('node'), async () => {
  const out = path.join(tmp, 'busy-responsive.mjs');
  build([BUSY], out, 'node', { opt: '-O2' });
  const { runWeb } = await import(path.join(tmp, 'busy-responsive.driver.mjs'));
  const printed = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const start = performance.now();
  const code = await runWeb(pathToFileURL(path.join(tmp, 'busy-responsive.core.mjs')).href, ['0.4'], { print: (s) => printed.push(s) });
  const elapsed = performance.now() - start;
  clearInterval(timer);
  assert.equal(code, 0, printed.join('\n'));
  assert.ok(elapsed >= 400, `ran ${elapsed} ms`);
  // A 5 ms interval over 400 ms: it fires ~80 times if the loop yields; 0 if not.
  assert.ok(ticks >= 20, `interval ran ${ticks} times in ${elapsed.toFixed(0)} ms`);
  assert.match(printed.join('\n'), /ok - two tasks yielding/);
});

test('CMake builds the native library, tests and examples, and ctest passes', needs('cmake', 'cc', 'cxx'), () => {
  const dir = path.join(tmp, 'cmake');
  const sh = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  sh('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Debug']);
  sh('cmake', ['--build', dir, '-j2']);
  assert.match(sh('ctest', ['--test-dir', dir, '-j2']), /100% tests passed/);
  assert.ok(fs.existsSync(path.join(dir, 'example_demo')));
});

// The core sits below the hosts: runtime/ includes nothing of bindings/, and
// a host includes only the contract the core publishes for it.
test('the include graph runs from the hosts down to the core, never back up', () => {
  const includes = (dir) => fs.readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((f) => /\.[ch]$/.test(f))
    .flatMap((f) => [...fs.readFileSync(path.join(ROOT, dir, f), 'utf8').matchAll(/^#include "([^"]+)"/gm)]
      .map((m) => [path.join(dir, f), path.normalize(path.join(dir, path.dirname(f), m[1]))]));
  for (const [file, included] of includes('runtime')) {
    assert.ok(included.startsWith('runtime/'), `${file} includes ${included}`);
  }
  const published = new Set(['runtime/host.h', 'runtime/asyncify.h']);
  for (const [file, included] of includes('bindings')) {
    if (included.startsWith('runtime/')) assert.ok(published.has(included), `${file} reaches into the core: ${included}`);
    else assert.ok(included.startsWith('bindings/'), `${file} includes ${included}`);
  }
  const runtimeSources = fs.readdirSync(path.join(ROOT, 'runtime')).filter((f) => f.endsWith('.c'));
  for (const f of runtimeSources) {
    assert.doesNotMatch(fs.readFileSync(path.join(ROOT, 'runtime', f), 'utf8'), /#\s*if.*(EMSCRIPTEN|__wasi__)/, `${f} has a host #if`);
  }
});

// The previous release's names compile, warn that they are deprecated and
// do what the new ones do.
test('deprecated names compile with a warning and still work', needsTarget('native'), () => {
  const src = path.join(ROOT, 'tests/deprecated/old_names.c');
  const out = path.join(tmp, 'old_names');
  assert.throws(() => build([src], out, 'native', { cflags: ['-Werror'] }), /is deprecated: use wa_loop_get_stats/);
  build([src], out, 'native', { cflags: ['-Wno-deprecated-declarations'] });
  assert.equal(execFileSync(out, { encoding: 'utf8' }), 'rc=0\n');
});

// The benchmark programs are not run by the tests (npm run bench does), but
// they must keep building as the API changes.
test('bench/bench.c builds natively with warnings as errors, and its served workloads answer', needsTarget('native'), () => {
  const out = path.join(tmp, 'bench-native');
  build([path.join(ROOT, 'bench/bench.c'), path.join(ROOT, 'examples/redis/redis.c')], out, 'native',
    { opt: '-O1', cflags: ['-Wall', '-Wextra', '-Werror'] });
  for (const workload of ['echo_client', 'redis']) {
    const r = spawnSync(out, [workload, '10'], { encoding: 'utf8' });
    assert.equal(r.status, 2);               // no port: a usage error, not a crash
    assert.match(r.stderr, /needs the server's port/);
  }
});

// The Asyncify cost row's program: built with wasyncio and as a plain C
// program, the kernels must do the same work (the harness compares the two).
test('bench/compute.c builds with and without wasyncio, and both builds compute the same results', needsTarget('native'), () => {
  const src = path.join(ROOT, 'bench/compute.c');
  const withOut = path.join(tmp, 'compute-wasyncio'), plainOut = path.join(tmp, 'compute-plain');
  build([src], withOut, 'native', { opt: '-O1', cflags: ['-Wall', '-Wextra', '-Werror', '-DCOMPUTE_WASYNCIO'] });
  execFileSync(tools.cc(), ['-std=c11', '-O1', '-Wall', '-Wextra', '-Werror', src, '-o', plainOut]);
  const results = (out) => {
    const lines = execFileSync(out, ['1'], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
    return Object.fromEntries(lines.filter((l) => l.metric === 'compute_result').map((l) => [l.variant, l.value]));
  };
  const withResults = results(withOut);
  assert.deepEqual(Object.keys(withResults), ['fib', 'qsort', 'parse']);
  assert.equal(withResults.fib, 2178309);   // fib(32)
  assert.deepEqual(results(plainOut), withResults);
  assert.equal(spawnSync(plainOut, ['0'], { encoding: 'utf8' }).status, 2);   // a usage error
});
