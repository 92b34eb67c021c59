// Tests for bin/wa-run (run as a child process, as users run it) and for runWasi.
// Run: node --test tests/wa-run.test.mjs   (needs clang and WASI's libc: see the README's toolchain section)
import { before, after } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { tools } from '../bin/lib/tools.mjs';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWasi, WasiLoadError } from '../bindings/wasi/runner.mjs';

const test = testNeeding('clang', 'wasiSysroot', 'wasmOpt'); // skipped, by name, where one is missing

const WA_RUN = fileURLToPath(new URL('../bin/wa-run', import.meta.url));
const SOURCES = fileURLToPath(new URL('./wa-run/', import.meta.url));
const CLANG = () => [...tools.wasiSysroot().cflags, ...tools.wasiSysroot().ldflags.slice(2), '-O2']; // found on this machine

let dir;
const wasm = (name) => join(dir, `${name}.wasm`);

// Every tests/wa-run/NAME.c becomes NAME.wasm in a fresh temp dir.
before(() => {
  if (test.skipped) return;
  dir = mkdtempSync(join(tmpdir(), 'wa-run-test-'));
  for (const file of readdirSync(SOURCES).filter((f) => f.endsWith('.c'))) {
    const name = file.slice(0, -2);
    // foreign.c keeps a non-WASI import on purpose, which the linker would reject.
    const extra = name === 'foreign' ? ['-Wl,--allow-undefined'] : [];
    execFileSync(tools.clang(), [...CLANG(), ...extra, join(SOURCES, file), '-o', wasm(name)]);
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

// Runs `node bin/wa-run ...args` and returns its exit status and both streams.
function waRun(args, input = '') {
  const r = spawnSync(process.execPath, [WA_RUN, ...args], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('passes args, with the wasm basename as argv[0]', () => {
  const r = waRun([wasm('args'), 'one', 'two words', '--env=not-an-option']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'arg:args.wasm\narg:one\narg:two words\narg:--env=not-an-option\n');
  assert.equal(r.stderr, '');
});

test('passes no environment unless asked', () => {
  assert.equal(waRun([wasm('args')]).stdout, 'arg:args.wasm\n');
  const given = waRun(['--env=A=1', '--env', 'B=x=y', '--', wasm('args')]);
  assert.equal(given.stdout, 'arg:args.wasm\nenv:A=1\nenv:B=x=y\n');
  const inherited = waRun(['--inherit-env', wasm('args')]);
  assert.ok(inherited.stdout.split('\n').includes(`env:PATH=${process.env.PATH}`));
});

test('exit status: returned from main and given to exit()', () => {
  assert.equal(waRun([wasm('status'), '0']).code, 0);
  assert.equal(waRun([wasm('status'), '3']).code, 3);
  assert.equal(waRun([wasm('status'), '7', 'exit']).code, 7);
});

test('stdin, stdout and stderr are separate streams', () => {
  const r = waRun([wasm('stdio')], 'hello\n');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'out:hello\n');
  assert.equal(r.stderr, 'to stderr\n');
});

test('--dir preopens a host directory, under its own name or a guest name', () => {
  const data = mkdtempSync(join(dir, 'data-'));
  writeFileSync(join(data, 'hello.txt'), 'file contents\n');
  assert.deepEqual(waRun([`--dir=${data}::/data`, wasm('cat'), '/data/hello.txt']), {
    code: 0,
    stdout: 'file contents\n',
    stderr: '',
  });
  assert.equal(waRun(['--dir', data, wasm('cat'), join(data, 'hello.txt')]).stdout, 'file contents\n');
  const closed = waRun([wasm('cat'), '/data/hello.txt']);
  assert.equal(closed.code, 1, 'without --dir the file is out of reach');
  assert.match(closed.stderr, /^\/data\/hello\.txt: /);
});

test('a trap exits 134 with the message, after the output so far', () => {
  const r = waRun([wasm('trap')]);
  assert.equal(r.code, 134);
  assert.equal(r.stdout, 'before trap\n');
  assert.equal(r.stderr, `wa-run: ${wasm('trap')}: wasm trap: unreachable\n`);
});

test('a missing, invalid or non-WASI module exits 2 with one line', () => {
  const missing = waRun([join(dir, 'missing.wasm')]);
  assert.deepEqual(missing, { code: 2, stdout: '', stderr: `wa-run: ${join(dir, 'missing.wasm')}: no such file\n` });

  const notWasm = waRun([join(SOURCES, 'args.c')]);
  assert.equal(notWasm.code, 2);
  assert.match(notWasm.stderr, /^wa-run: args\.c: not a valid WebAssembly module \(.*\)\n$/);

  const foreign = waRun([wasm('foreign')]);
  assert.equal(foreign.code, 2);
  assert.equal(foreign.stderr, 'wa-run: foreign.wasm: imports that are not WASI preview1: asyncify.start_unwind\n');

  const noDir = waRun([`--dir=${join(dir, 'nowhere')}`, wasm('args')]);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /^wa-run: cannot preopen .*nowhere: not a directory\n$/);
});

test('usage errors exit 2; --help and --version exit 0', () => {
  assert.equal(waRun([]).code, 2);
  const bad = waRun(['--bogus', wasm('args')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^wa-run: unknown option --bogus\nusage: wa-run/);
  assert.match(waRun(['--help']).stdout, /^usage: wa-run /);
  assert.match(waRun(['--version']).stdout, /^wa-run \S+\n$/);
});

test('runWasi runs bytes in-process, writing to the fds it is given', async () => {
  const outPath = join(dir, 'runWasi.out');
  const out = openSync(outPath, 'w');
  try {
    const bytes = readFileSync(wasm('args'));
    const result = await runWasi(bytes, { argv0: 'prog', args: ['a'], env: { K: 'v' }, stdout: out });
    assert.deepEqual(result, { code: 0 });
  } finally {
    closeSync(out);
  }
  assert.equal(readFileSync(outPath, 'utf8'), 'arg:prog\narg:a\nenv:K=v\n');
  assert.deepEqual(await runWasi(wasm('status'), { args: ['9', 'exit'] }), { code: 9 });
  await assert.rejects(runWasi(wasm('foreign')), WasiLoadError);
});
