// Declares node:test tests for the C test programs on the given variants:
// one test per program and build, one subtest per case the program reports.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { C_TESTS, VARIANTS, buildFor, parseCases, runBuilt } from './programs.mjs';

// Extra arguments per program and build: [N, max bytes per suspended task].
function argsFor(program, variant) {
  if (program !== 'million') return program === 'timers' && variant.sanitize ? ['20000'] : [];
  if (variant.sanitize) return ['100000'];
  if (variant.target === 'native') return ['1000000'];
  return ['1000000', variant.opt === '-O0' ? '512' : '256'];
}

const PROGRAMS = ['ordering', 'results', 'futures', 'cancel', 'misuse', 'deadlock', 'deep_stack', 'lifecycle', 'timers', 'million', 'oom'];
// oom runs with allocation failures injected into the runtime.
const CFLAGS = { oom: ['-DWA_FAULT_INJECTION'] };

export function cSuite(target) {
  for (const variant of VARIANTS.filter((v) => v.target === target)) {
    describe(variant.name, () => {
      for (const program of PROGRAMS) {
        test(program, async (t) => {
          const out = buildFor(path.join(C_TESTS, `${program}.c`), variant, CFLAGS[program]);
          const { code, stdout, stderr } = await runBuilt(out, variant, { args: argsFor(program, variant) });
          const cases = parseCases(stdout);
          assert.ok(cases.length > 0, `no cases reported\n${stdout}\n${stderr}`);
          for (const c of cases) await t.test(c.name, () => assert.ok(c.ok, c.detail));
          const notes = stdout.split('\n').filter((l) => /^  \d/.test(l));
          if (notes.length) t.diagnostic(notes.join('; ').trim());
          assert.equal(code, 0, `exit ${code}\n${stderr}`);
          assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
        });
      }
    });
  }
}
