// Declares node:test tests for the C test programs on the given variants:
// one test per program and build, one subtest per case the program reports.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { needs, needsTarget } from './needs.mjs';
import { C_TESTS, VARIANTS, buildFor, parseCases, sharedBuild, reportCases, runBuilt } from './programs.mjs';

// Extra arguments per program and build: [N, max bytes per suspended task];
// for fetch_local, a file to read (on WASI, in a directory it is given).
function argsFor(program, variant) {
  if (program === 'fetch_local' || program === 'fdio') {
    const file = `${program}.c`;
    return [variant.target === 'wasi' ? `/tests/${file}` : path.join(C_TESTS, file), ...(program === 'fdio' ? [String(STDIN_BYTES)] : [])];
  }
  if (program !== 'million') return program === 'timers' && variant.sanitize ? ['20000'] : [];
  // Sanitizers and swapcontext's larger saved stacks: a tenth as many.
  if (variant.sanitize || variant.extraFlags?.includes('-DWA_SWITCH_UCONTEXT')) return ['100000'];
  if (variant.target === 'native') return ['1000000'];
  // Unoptimised wasm: the same bytes per task, measured on a quarter as many.
  return variant.opt === '-O0' ? ['250000', '512'] : ['1000000', '256'];
}

const PROGRAMS = [
  'ordering', 'results', 'futures', 'cancel', 'misuse', 'deadlock', 'deep_stack', 'lifecycle',
  'task_api', 'gather', 'wait', 'as_completed', 'shield', 'timeouts', 'task_group', 'loop_api',
  'debug', 'sync', 'queue', 'coro', 'protocols', 'executor', 'fetch_local', 'fdio', 'timers', 'million', 'oom',
  'suspend_paths', 'cycles', 'asyncio_cases', 'handles', 'random_programs', 'cxx_tasks.cpp', 'bad_arguments', 'http_parse',
];
// Threads running loops of their own: native only (WASI has no threads, and
// JS hosts run loops on the main thread).
const NATIVE_PROGRAMS = ['loop_per_thread', 'streams'];
// fdio reads stdin as the test writes it, in chunks far enough apart to arrive apart,
// counted from when it says it reads (after a read it cancels while nothing has come).
const STDIN = [[150, 'abc\n'], [150, 'defg\n'], [150, 'hi\n']];
const STDIN_AFTER = 'reading stdin';
const STDIN_BYTES = STDIN.reduce((n, [, text]) => n + text.length, 0);
// oom runs with allocation failures injected into the runtime.
const CFLAGS = { oom: ['-DWA_FAULT_INJECTION'] };
// debug and executor run with debug mode switched on from the environment too.
const ENV = { debug: { WASYNCIO_DEBUG: '1' }, executor: { WASYNCIO_DEBUG: '1' } };
// What the debug reports on stderr must say (the program cannot read its own stderr).
const site = String.raw`\(created at [^)]*debug\.c:\d+\)`;
const STDERR = {
  debug: [
    new RegExp(String.raw`wasyncio debug: task 'slowpoke' ${site} ran \d+\.\d ms without giving the loop back`),
    /wasyncio debug: a callback ran \d+\.\d ms without giving the loop back/,
    new RegExp(String.raw`wasyncio debug: task 'unread' ${site} failed and nobody read its error: input/output error \(nobody reads this\)`),
    new RegExp(String.raw`wasyncio debug: future ${site} was never awaited and its result never read`),
    new RegExp(String.raw`wasyncio debug: task 'stuck' ${site} never finished: the loop closed while it waited on a future`),
    new RegExp(String.raw`wasyncio debug: the argument of task 'Task-\d+' ${site} points into the shared task stack`),
  ],
};

// The dump a program printed on a "json: " line must parse and hold what the docs promise.
function checkDump(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('json: '));
  assert.ok(line, 'no json: line');
  const dump = JSON.parse(line.slice(6));
  assert.equal(typeof dump.time, 'number');
  const byName = Object.fromEntries(dump.tasks.map((t) => [t.name, t]));
  assert.deepEqual(byName['mid\\dle'].waits_on, { kind: 'gather', ids: [2, 3], futures: 0 });
  assert.equal(byName['Task-2'].waits_on.kind, 'sleep');
  assert.equal(byName['Task-5'].error.message, 'a "quoted"\nmessage');
  assert.deepEqual(dump.tasks.map((t) => t.id), [1, 2, 3, 4, 5]);
  for (const t of dump.tasks.slice(1)) {
    assert.match(t.created_at, /debug\.c:\d+$/);
    assert.ok(t.created <= t.started && t.run_ms >= 0 && t.steps >= 1, JSON.stringify(t)); // timed in debug mode
  }
  const done = byName['Task-5'];
  assert.ok(done.finished >= done.started && done.finished <= dump.time, JSON.stringify(done));
  assert.equal(byName['Task-2'].finished, null);
}

const sourceOf = (program) => path.join(C_TESTS, program.includes('.') ? program : `${program}.c`);
// Programs built on their own: with flags the runtime sees too, in C++
// (which would link every program with its library), or measuring the
// memory a task costs (another program's code changes what Asyncify keeps
// of the frames between a task and its await at -O0).
const alone = (program) => CFLAGS[program] || program.endsWith('.cpp') || program === 'million';

export function cSuite(target) {
  for (const variant of VARIANTS.filter((v) => v.target === target)) {
    describe(variant.name, variant.needs ? needs(...variant.needs) : needsTarget(variant.target), () => {
      const programs = variant.only ?? [...PROGRAMS, ...(target === 'native' ? NATIVE_PROGRAMS : [])];
      const together = sharedBuild('programs', programs.filter((p) => !alone(p)).map(sourceOf), variant);
      const built = (program) => alone(program)
        ? [buildFor(sourceOf(program), variant, CFLAGS[program]), []]
        : [together(), [program.replace(/\.\w+$/, '')]];
      for (const program of programs) {
        test(program, program.endsWith('.cpp') && target === 'wasi' ? needs('wasiCxx') : {}, async (t) => {
          const [out, select] = built(program);
          const dirs = program === 'fetch_local' || program === 'fdio' ? [[C_TESTS, '/tests']] : [];
          const input = program === 'fdio' ? STDIN : [];
          const { code, stdout, stderr } = await runBuilt(out, variant, { args: [...select, ...argsFor(program, variant)], env: ENV[program], dirs, input, inputAfter: input.length ? STDIN_AFTER : null });
          const cases = parseCases(stdout);
          await reportCases(t, cases, `${stdout}\n${stderr}`);
          const notes = stdout.split('\n').filter((l) => /^  (\d|threads: )/.test(l));
          if (notes.length) t.diagnostic(notes.join('; ').trim());
          assert.equal(code, 0, `exit ${code}\n${stderr}`);
          assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
          for (const pattern of STDERR[program] ?? []) assert.match(stderr, pattern);
          if (program === 'executor' && variant.target !== 'native' && !variant.threads) {
            assert.match(stderr, /wasyncio debug: this host has no threads: executor work runs on the loop's thread/);
          }
          if (program === 'executor' && variant.threads) assert.match(stdout, /threads: \d+ ticks/);
          if (program === 'debug') {
            checkDump(stdout);
            assert.equal(stderr.match(/without giving the loop back/g).length, 2, stderr); // fast steps are not reported
          }
        });
      }
    });
  }
}
