// wa_fetch in node, against a local server whose routes fail on purpose
// (tests/lib/fault-server.mjs): each case of tests/js/fetch_remote.c is a
// subtest, at -O0 and -O2.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { startFaultServer } from './lib/fault-server.mjs';
import { VARIANTS, buildFor, parseCases, reportCases, runBuilt } from './lib/programs.mjs';

let server;
before(async () => { server = await startFaultServer(); });
after(() => server?.close());

for (const variant of VARIANTS.filter((v) => v.target === 'node' && ['-O0', '-O2'].includes(v.opt) && !v.threads && !v.extraFlags)) {
  describe(variant.name, () => {
    test('fetch_remote', async (t) => {
      const out = buildFor(path.join(ROOT, 'tests/js/fetch_remote.c'), variant);
      const { code, stdout, stderr } = await runBuilt(out, variant, { args: [server.url] });
      const cases = parseCases(stdout);
      await reportCases(t, cases, `${stdout}\n${stderr}`);
      const notes = stdout.split('\n').filter((l) => /^  \d/.test(l) || /^  (streamed|the server|10 requests|1,000)/.test(l));
      if (notes.length) t.diagnostic(notes.join('; ').trim());
      assert.equal(code, 0, `exit ${code}\n${stderr}`);
    });
  });
}
