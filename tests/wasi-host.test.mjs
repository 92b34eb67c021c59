// Tests for WasiHost (bindings/wasi/wasi.mjs, wasi-fs.mjs): C programs from tests/wa-run/
// run through bin/wa-run, and a few calls made directly on a bare memory.
// Run: node --test tests/wasi-host.test.mjs   (needs clang and WASI's libc: see the README's toolchain section)
import { before, after } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { tools } from '../bin/lib/tools.mjs';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasiHost } from '../bindings/wasi/wasi.mjs';

const test = testNeeding('clang', 'wasiSysroot', 'wasmOpt'); // skipped, by name, where one is missing

const WA_RUN = fileURLToPath(new URL('../bin/wa-run', import.meta.url));
const SOURCES = fileURLToPath(new URL('./wa-run/', import.meta.url));
const CLANG = () => [...tools.wasiSysroot().cflags, ...tools.wasiSysroot().ldflags.slice(2), '-O2']; // found on this machine
const PROGRAMS = ['grow', 'files', 'escape', 'clock', 'stdio'];

let dir;
const wasm = (name) => join(dir, `${name}.wasm`);

before(() => {
  if (test.skipped) return;
  dir = mkdtempSync(join(tmpdir(), 'wasi-host-test-'));
  for (const name of PROGRAMS) {
    execFileSync(tools.clang(), [...CLANG(), join(SOURCES, `${name}.c`), '-o', wasm(name)]);
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

function waRun(args, input = '') {
  const r = spawnSync(process.execPath, [WA_RUN, ...args], { input, encoding: 'utf8', maxBuffer: 16 << 20 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// Runs `body(host, memory)` as the _start of a module with one page of memory.
function runBare(body, options) {
  const host = new WasiHost(options);
  const memory = new WebAssembly.Memory({ initial: 1 });
  return host.start({ exports: { memory, _start: () => body(host, memory) } });
}

test('a program that grows memory many times runs to the end, every time', () => {
  for (let run = 0; run < 3; run++) {  // ~1,000 grows of 64 KiB each time
    assert.deepEqual(waRun([wasm('grow'), '400000']), {
      code: 0,
      signal: null,
      stdout: 'allocated 400000\nfreed\n',
      stderr: '',
    });
  }
});

test('files: create, write, read, seek, stat, readdir, rename, unlink in a preopen', () => {
  const sandbox = mkdtempSync(join(dir, 'files-'));
  const r = waRun([`--dir=${sandbox}::/sandbox`, wasm('files'), '/sandbox']);
  assert.equal(r.stderr, '');
  assert.equal(
    r.stdout,
    [
      'read at 7: wasi, now at 11',
      'whole file: 17 bytes: hello, wasi',
      'more',
      'pread at 17: end',
      'stat: file, 21 bytes',
      'truncated to 5 bytes',
      'ls .: a.txt sub',
      'ls sub: b.txt',
      'renamed: hello',
      'ls .:',
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 0);
  assert.deepEqual(readdirSync(sandbox), [], 'the program removed what it made');
});

test('paths cannot leave the preopen, by .., symlinks or absolute paths', () => {
  const root = mkdtempSync(join(dir, 'escape-'));
  const sandbox = join(root, 'sandbox');
  const outside = join(root, 'outside');
  mkdirSync(join(sandbox, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'secret\n');
  writeFileSync(join(sandbox, 'in.txt'), 'in\n');
  symlinkSync('../outside', join(sandbox, 'link'));
  symlinkSync('../outside/new.txt', join(sandbox, 'dangling'));
  const paths = [
    '/sandbox/in.txt',
    '/sandbox/sub/../in.txt',
    '/sandbox/../outside/secret',
    '/sandbox/sub/../../outside/secret',
    '/sandbox/link/secret',
    'w:/sandbox/link/new.txt',
    'w:/sandbox/dangling',
    '/etc/passwd',
  ];
  const r = waRun([`--dir=${sandbox}::/sandbox`, wasm('escape'), ...paths]);
  const refused = 'Capabilities insufficient'; // strerror(ENOTCAPABLE)
  assert.equal(
    r.stdout,
    [
      '/sandbox/in.txt: ok',
      '/sandbox/sub/../in.txt: ok',
      ...paths.slice(2).map((p) => `${p}: ${refused}`),
      `path_open /etc/passwd: ${refused}`,
      `path_symlink /etc: ${refused}`,
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 0);
  assert.deepEqual(readdirSync(outside), ['secret'], 'nothing was created outside');
  assert.ok(!existsSync(join(sandbox, 'abs-link')));
});

test('clocks: monotonic never goes back; sleeps (poll_oneoff) last long enough', () => {
  const started = Date.now();
  const r = waRun([wasm('clock')]);
  const elapsed = Date.now() - started;
  assert.equal(r.code, 0, r.stdout);
  const [monotonic, relative, absolute, realtime] = r.stdout.trimEnd().split('\n');
  assert.equal(monotonic, 'monotonic ok');
  assert.ok(Number(/took (\d+) us/.exec(relative)[1]) >= 50_000, relative);
  assert.ok(Number(/took (\d+) us/.exec(absolute)[1]) >= 30_000, absolute);
  assert.ok(elapsed >= 80, `the whole run took ${elapsed} ms`);
  const guestNow = Number(/realtime (\d+) ms/.exec(realtime)[1]);
  assert.ok(guestNow >= started - 1 && guestNow <= Date.now() + 1, realtime);
});

test('random_get fills exactly the bytes asked for, differently each time', () => {
  runBare((host, memory) => {
    const bytes = new Uint8Array(memory.buffer);
    assert.equal(host.imports.random_get(64, 256), 0);
    assert.equal(host.imports.random_get(512, 256), 0);
    const first = bytes.slice(64, 320);
    assert.ok(first.some((b) => b !== 0));
    assert.notDeepEqual(first, bytes.slice(512, 768));
    assert.ok(bytes.slice(0, 64).every((b) => b === 0) && bytes.slice(320, 512).every((b) => b === 0));
  });
});

test('poll_oneoff returns ready fds at once and clocks only when due', () => {
  // One 48-byte subscription: userdata, tag, then a clock (id, timeout) or an fd.
  const subscribe = (view, at, userdata, tag, idOrFd, timeoutNs = 0n) => {
    view.setBigUint64(at, userdata, true);
    view.setUint8(at + 8, tag);
    view.setUint32(at + 16, idOrFd, true);
    view.setBigUint64(at + 24, timeoutNs, true);
  };
  // Events are 32 bytes from 1024, their count at 2048.
  const poll = (host, view, count) => {
    assert.equal(host.imports.poll_oneoff(0, 1024, count, 2048), 0);
    return Array.from({ length: view.getUint32(2048, true) }, (_, i) => ({
      userdata: view.getBigUint64(1024 + 32 * i, true),
      error: view.getUint16(1024 + 32 * i + 8, true),
      type: view.getUint8(1024 + 32 * i + 10),
    }));
  };
  runBare((host, memory) => {
    const view = new DataView(memory.buffer);
    subscribe(view, 0, 1n, 0, 1, 10_000_000_000n); // monotonic clock, 10 s
    subscribe(view, 48, 2n, 2, 1); // fd_write on stdout
    subscribe(view, 96, 3n, 1, 99); // fd_read on a closed fd
    let started = performance.now();
    assert.deepEqual(poll(host, view, 3), [
      { userdata: 2n, error: 0, type: 2 },
      { userdata: 3n, error: 8, type: 1 }, // EBADF
    ]);
    assert.ok(performance.now() - started < 1000, 'fds did not wait for the clock');

    subscribe(view, 48, 4n, 0, 1, 20_000_000n); // and a 20 ms clock
    started = performance.now();
    assert.deepEqual(poll(host, view, 2), [{ userdata: 4n, error: 0, type: 0 }]);
    assert.ok(performance.now() - started >= 20);
  });
});

test('stdin piped in is read to the end', () => {
  const input = 'line of input\n'.repeat(40_000); // 560 kB, well over a pipe's buffer
  const r = waRun([wasm('stdio')], input);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.length, 4 + input.length);
  assert.ok(r.stdout === `out:${input}`, 'stdout is stdin after "out:"'); // no 560 kB diff on failure
});

test('preview1 functions without support answer ENOSYS', () => {
  runBare((host) => {
    assert.equal(host.imports.fd_renumber(3, 4), 52);
    assert.equal(host.imports.sock_accept(3, 0, 0), 8); // sockets are supported: fd 3 is not one (BADF)
    assert.equal(host.imports.path_link(3, 0, 0, 0, 3, 0, 0), 52);
    assert.equal(Object.keys(host.imports).length, 46, 'all 46 functions of the preview1 witx');
  });
});
