// Builds C programs for every host and level the tests cover, and runs them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, ROOT } from '../../bin/lib/compile.mjs';
import { tools } from '../../bin/lib/tools.mjs';

/** The programs that exercise the task switch itself. */
export const SWITCH_PROGRAMS = ['ordering', 'results', 'futures', 'cancel', 'deep_stack', 'suspend_paths', 'coro',
  'cycles', 'million', 'random_programs', 'cxx_tasks.cpp'];

/** Every build the C tests run on; `only` limits a build to some programs. */
export const VARIANTS = [
  { name: 'native -O0', target: 'native', opt: '-O0' },
  { name: 'native -O2', target: 'native', opt: '-O2' },
  { name: 'native ASan+UBSan', target: 'native', opt: '-O1', sanitize: true },
  // The portable switch (swapcontext), which other architectures use.
  { name: 'native -O2 ucontext', target: 'native', opt: '-O2', extraFlags: ['-DWA_SWITCH_UCONTEXT'] },
  // The AArch64 switch, cross-compiled and run under qemu.
  ...[[], ['-DWA_SWITCH_UCONTEXT']].map((flags) => ({
    name: `native aarch64 -O2${flags.length ? ' ucontext' : ''}`, target: 'native', opt: '-O2', extraFlags: flags, needs: ['aarch64Cc', 'qemuAarch64'],
    cross: 'aarch64', only: ['ordering', 'futures', 'cancel', 'gather', 'timeouts', 'task_group', 'sync', 'queue', 'coro', 'deep_stack', 'suspend_paths'],
  })),
  // Every program at -O0 and -O2 on each wasm host; at -O3 and -Oz, where
  // the optimiser changes only what Asyncify saves and restores, the programs
  // that exercise the switch (awaits at every depth and through every kind
  // of call, a million suspended tasks, random programs).
  ...['wasi', 'node'].flatMap((target) => ['-O0', '-O2', '-O3', '-Oz'].map((opt) => ({
    name: `${target} ${opt}`, target, opt, ...(['-O3', '-Oz'].includes(opt) ? { only: SWITCH_PROGRAMS } : {}),
  }))),
  ...['-O0', '-O2'].map((opt) => ({ name: `node ${opt} threads`, target: 'node', opt, threads: true, only: ['executor'] })),
  // emscripten's C++ exceptions run calls through JS: awaits there are refused
  { name: 'node -O2 -fexceptions', target: 'node', opt: '-O2', extraFlags: ['-fexceptions', '-DWA_TEST_EXCEPTIONS'], only: ['cxx_tasks.cpp'] },
];

const OUT = path.join(ROOT, 'build', 'tests');

/** Builds src for variant, with extra C flags; returns the output path. */
export function buildFor(src, variant, cflags = []) {
  const dir = path.join(OUT, variant.name.replace(/[^\w-]+/g, '_'));
  const ext = variant.target === 'wasi' ? '.wasm' : variant.target === 'node' ? '.mjs' : '';
  const output = path.join(dir, path.basename(src).replace(/\.\w+$/, '') + ext);
  const cross = variant.cross === 'aarch64' ? { cc: tools.aarch64Cc(), cxx: tools.aarch64Cc() } : {};
  build([src], output, variant.target, { ...variant, ...cross, cflags: ['-Wall', '-Wextra', '-Werror', ...(variant.extraFlags ?? []), ...cflags] });
  return output;
}

/**
 * Builds many test programs into one executable, name, for variant, which runs the
 * one its first argument names with the arguments after it (each program's
 * main, renamed, sees that name as argv[0]). One link and one Asyncify pass
 * for the lot instead of one per program: most of a build's time. Returns
 * the output path.
 */
export function buildProgramsFor(name, sources, variant) {
  const dir = path.join(OUT, variant.name.replace(/[^\w-]+/g, '_'));
  const gen = path.join(dir, `${name}-src`);
  fs.mkdirSync(gen, { recursive: true });
  const names = sources.map((src) => path.basename(src).replace(/\.\w+$/, ''));
  const wrappers = sources.map((src, i) => {
    const file = path.join(gen, `${names[i]}${path.extname(src)}`);
    writeIfChanged(file, `#define main wa_test_main_${names[i]}\n#include "${src}"\n`);
    return file;
  });
  // A program's main takes (void) or (argc, argv): it is called as declared.
  const takesArgs = sources.map((src) => /\bint\s+main\s*\(\s*int\b/.test(fs.readFileSync(src, 'utf8')));
  const dispatch = path.join(gen, 'programs_main.c');
  writeIfChanged(dispatch, `#include <stdio.h>
#include <string.h>
${names.map((n, i) => `int wa_test_main_${n}(${takesArgs[i] ? 'int argc, char **argv' : 'void'});`).join('\n')}
int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARG...]\\nprograms: ${names.join(' ')}\\n", argv[0]);
        return 2;
    }
${names.map((n, i) => `    if (!strcmp(argv[1], "${n}")) return wa_test_main_${n}(${takesArgs[i] ? 'argc - 1, argv + 1' : ''});`).join('\n')}
    fprintf(stderr, "%s: no program %s\\n", argv[0], argv[1]);
    return 2;
}
`);
  const ext = variant.target === 'wasi' ? '.wasm' : variant.target === 'node' ? '.mjs' : '';
  const output = path.join(dir, `${name}${ext}`);
  const cross = variant.cross === 'aarch64' ? { cc: tools.aarch64Cc(), cxx: tools.aarch64Cc() } : {};
  build([...wrappers, dispatch], output, variant.target, {
    ...variant, ...cross, cflags: ['-Wall', '-Wextra', '-Werror', ...(variant.extraFlags ?? [])],
  });
  return output;
}

/** buildProgramsFor, made the first time the returned function is called
 *  (by the first test that needs it); later calls return the same output or
 *  throw the same error. */
export function sharedBuild(name, sources, variant) {
  let made;
  return () => {
    if (!made) {
      try {
        made = { output: buildProgramsFor(name, sources, variant) };
      } catch (error) {
        made = { error };
      }
    }
    if (made.error) throw made.error;
    return made.output;
  };
}

// Leaves an unchanged file's time alone.
function writeIfChanged(file, text) {
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
}

/** Runs a built program; resolves { code, stdout, stderr }. */
/** input: [[delay in ms, text], ...] written to stdin in turn, then stdin is closed.
 *  inputAfter: a text the program prints on stdout when it starts to read; the
 *  delays count from it, so a slow start-up cannot let the chunks pile up. */
export function runBuilt(output, variant, { args = [], env = {}, dirs = [], input = [], inputAfter = null, timeoutMs = 120000 } = {}) {
  const wasiFlags = [...Object.entries(env).map(([k, v]) => `--env=${k}=${v}`), ...dirs.map(([host, guest]) => `--dir=${host}::${guest}`)];
  const [cmd, argv] =
    variant.cross === 'aarch64' ? [tools.qemuAarch64(), ['-L', '/usr/aarch64-linux-gnu', output, ...args]]
    : variant.target === 'native' ? [output, args]
    : variant.target === 'wasi' ? [process.execPath, [path.join(ROOT, 'bin/wa-run'), ...wasiFlags, output, ...args]]
    : [process.execPath, [output, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      env: { ...process.env, ...env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
      timeout: timeoutMs,
    });
    let stdout = '', stderr = '', ready;
    const readyToRead = new Promise((r) => (ready = r));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (inputAfter === null || stdout.includes(inputAfter)) ready();
    });
    if (inputAfter === null) ready();
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    (async () => {
      await readyToRead;                 // never, if the program does not read: it ends without stdin
      for (const [delay, text] of input) {
        await new Promise((r) => setTimeout(r, delay));
        child.stdin.write(text);
      }
      child.stdin.end();
    })().catch(() => {}); // a program that exits early closes its stdin: nothing to report
    child.on('close', (code, signal) => resolve({ code: code ?? signal, stdout, stderr }));
  });
}

/** Parses "ok - name" / "not ok - name" lines with the detail lines before
 *  each; the array's plan is the count the program declared ("1..n"), or null. */
export function parseCases(stdout) {
  const cases = [];
  cases.plan = null;
  let detail = [];
  for (const line of stdout.split('\n')) {
    const m = line.match(/^(ok|not ok) - (.*)$/);
    const plan = line.match(/^1\.\.(\d+)$/);
    if (plan) cases.plan = Number(plan[1]);
    else if (m) {
      cases.push({ ok: m[1] === 'ok', name: m[2], detail: detail.join('\n') });
      detail = [];
    } else if (line.trim()) {
      detail.push(line);
    }
  }
  return cases;
}

/** Reports a program's cases as subtests of t, and checks their count
 *  against the program's plan. */
export async function reportCases(t, cases, output = '') {
  assert.ok(cases.length > 0, `no cases reported\n${output}`);
  for (const c of cases) await t.test(c.name, () => assert.ok(c.ok, c.detail));
  assert.equal(cases.length, cases.plan, `the program declared ${cases.plan} cases and reported ${cases.length}\n${output}`);
}

export const C_TESTS = path.join(ROOT, 'tests', 'c');
export const exists = (p) => fs.existsSync(p);
