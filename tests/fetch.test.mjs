// wa_fetch against a local server whose routes fail on purpose
// (tests/lib/fault-server.mjs): each case of tests/js/fetch_remote.c is a
// subtest, on the runtime's own client in node (over node's net) at -O0 and
// -O2 and natively at -O0, -O2 and under ASan+UBSan, and on WASI, which
// cannot connect out (WA_ENOTSUP); tests/browser.test.mjs runs it on a
// page's fetch. Natively, tests/fetch/http_client.c adds what
// is the C client's own: keep-alive, stale connections, framing, malformed
// responses, cancellation mid-body, 200 fetches through 8 slots.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { startFaultServer } from './lib/fault-server.mjs';
import { VARIANTS, buildFor, parseCases, reportCases, runBuilt } from './lib/programs.mjs';

let server;
before(async () => { server = await startFaultServer(); });
after(() => server?.close());

const HERE = ['node -O0', 'node -O2', 'native -O0', 'native -O2', 'native ASan+UBSan', 'wasi -O0'];
// glibc's per-thread cache keeps freed blocks counted as in use: off, so the
// leak check counts what the program holds.
const ENV = { GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' };

async function runCases(t, src, variant) {
  const out = buildFor(path.join(ROOT, src), variant);
  const { code, stdout, stderr } = await runBuilt(out, variant, { args: [server.url], env: variant.target === 'native' ? ENV : {} });
  const cases = parseCases(stdout);
  await reportCases(t, cases, `${stdout}\n${stderr}`);
  const notes = stdout.split('\n').filter((l) => /^  \d/.test(l) || /^  (streamed|the server|10 requests|1,000|200 fetches)/.test(l));
  if (notes.length) t.diagnostic(notes.join('; ').trim());
  assert.equal(code, 0, `exit ${code}\n${stderr}`);
}

for (const variant of VARIANTS.filter((v) => HERE.includes(v.name))) {
  describe(variant.name, () => {
    test('fetch_remote', (t) => runCases(t, 'tests/js/fetch_remote.c', variant));
    if (variant.target === 'native') test('http_client', (t) => runCases(t, 'tests/fetch/http_client.c', variant));
  });
}
