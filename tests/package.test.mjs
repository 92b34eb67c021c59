// The npm package as users get it: `npm pack`, the tarball installed in an
// empty project, then its wa-cc and wa-run, and its JS API from ESM and
// CommonJS, used there against C compiled there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { ROOT } from '../bin/lib/compile.mjs';

const test = testNeeding('cc', 'clang', 'wasiSysroot', 'emcc', 'wasmOpt'); // skipped, by name, where one is missing

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-package-'));
const sh = (cmd, args, cwd = dir) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let tarball, listed;

const LIB = `#include "wasyncio.h"
static int add(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    if (nargs != 2) return wa_fail(WA_EINVAL, "add takes two numbers");
    int rc = wa_sleep(0.001);
    if (rc == 0) *result = wa_js_number(args[0].number + args[1].number);
    return rc;
}
WA_JS_EXPORT(add)
`;
const PROG = `#include "wasyncio.h"
#include <stdio.h>
static int hello(void *arg) { (void)arg; printf("hello from a task\\n"); return wa_sleep(0.001); }
static int amain(void *arg) { (void)arg; wa_task *t = wa_create_task(hello, NULL); int rc = wa_await(t); wa_task_release(t); return rc; }
int main(void) { return wa_run(amain, NULL) ? 1 : 0; }
`;

before(() => {
  if (test.skipped) return;
  const out = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], ROOT));
  tarball = path.join(dir, out[0].filename);
  listed = out[0].files.map((f) => f.path);
  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-wasyncio', private: true, type: 'module' }));
  sh('npm', ['install', '--no-audit', '--no-fund', tarball], project);
  fs.writeFileSync(path.join(project, 'lib.c'), LIB);
  fs.writeFileSync(path.join(project, 'prog.c'), PROG);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the tarball holds what ships and nothing else', () => {
  for (const f of ['include/wasyncio.h', 'runtime/loop.c', 'bin/wa-cc', 'bin/wa-run', 'bin/lib/compile.mjs', 'bin/lib/asyncify.mjs', 'bin/lib/wasm-module.mjs', 'bin/lib/tools.mjs',
    'bindings/js/index.mjs', 'bindings/js/index.cjs', 'bindings/js/index.d.ts', 'bindings/js/driver.mjs',
    'bindings/wasi/wasi.mjs', 'README.md', 'LICENSE', 'package.json']) assert.ok(listed.includes(f), `${f} is missing`);
  const stray = listed.filter((f) => /^(tests|bench|build|examples|web|scripts|node_modules)\//.test(f));
  assert.deepEqual(stray, []);
  assert.ok(fs.statSync(tarball).size < 400_000, `the tarball is ${fs.statSync(tarball).size} bytes`);
});

test('the installed wa-cc and wa-run build and run programs', () => {
  const project = path.join(dir, 'project');
  sh('npx', ['wa-cc', 'prog.c', '-o', 'prog.mjs', '--target=node'], project);
  assert.equal(sh('node', ['prog.mjs'], project), 'hello from a task\n');
  sh('npx', ['wa-cc', 'prog.c', '-o', 'prog.wasm', '--target=wasi'], project);
  assert.equal(sh('npx', ['wa-run', 'prog.wasm'], project), 'hello from a task\n');
});

test('the JS API loads a library from ESM and CommonJS, with types', () => {
  const project = path.join(dir, 'project');
  sh('npx', ['wa-cc', 'lib.c', '-o', 'lib.mjs', '--target=web'], project);
  fs.writeFileSync(path.join(project, 'use.mjs'), `import { load, start } from 'wasyncio';
const m = await load('./lib.mjs');
const sum = await m.run('add', 2, 40);
const tasks = m.dumpTasks().tasks.length;
await m.close();
await start('./lib.mjs').catch((e) => console.log('start:', e.message));
console.log(sum, tasks);
`);
  assert.equal(sh('node', ['use.mjs'], project), 'start: this module has no main(): load() it and run() the functions it exports\n42 0\n');
  fs.writeFileSync(path.join(project, 'use.cjs'), `const { load } = require('wasyncio');
load(require('node:path').resolve('lib.mjs')).then(async (m) => { console.log(await m.run('add', 1, 1)); await m.close(); });
`);
  assert.equal(sh('node', ['use.cjs'], project), '2\n');
  const types = fs.readFileSync(path.join(project, 'node_modules/wasyncio/bindings/js/index.d.ts'), 'utf8');
  assert.match(types, /export function load\(module: string \| URL, options\?: Options\): Promise<Module>;/);
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'node_modules/wasyncio/package.json'), 'utf8'));
  assert.equal(pkg.exports['.'].types, './bindings/js/index.d.ts');
});
