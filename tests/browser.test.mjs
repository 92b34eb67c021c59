// The web target in a real browser (Debian's Chromium driven by playwright-core):
// C test programs run in a page, timers fire through setTimeout, and the page
// keeps rendering frames while C tasks are busy; a threads build runs its
// executors on workers in a cross-origin isolated page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { tools } from '../bin/lib/tools.mjs';
import { chromium } from 'playwright-core';
import { build, ROOT } from '../bin/lib/compile.mjs';
import { parseCases, reportCases } from './lib/programs.mjs';
import { startFaultServer } from './lib/fault-server.mjs';
import { serve } from './lib/static-server.mjs';

const test = testNeeding('chromium', 'emcc', 'wasmOpt'); // skipped, by name, where one is missing

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-web-'));
const PAGE = `<!doctype html><meta charset="utf-8"><title>wasyncio test</title>
<script type="module">
  const params = new URLSearchParams(location.search);
  const { start } = await import('./' + params.get('program') + '.mjs');
  const out = [];
  window.frames_ = 0;
  const frame = () => { window.frames_++; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  try {
    const code = await start(params.getAll('arg'), { print: (s) => out.push(s), printErr: (s) => out.push(s) });
    window.result = { code, output: out.join('\\n') + '\\n' };
  } catch (e) {
    window.result = { error: e.message, output: out.join('\\n') };
  }
</script>`;
// What makes a page cross-origin isolated, as shared memory needs.
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
let browser, server, isolatedServer, faultServer;

before(async () => {
  if (test.skipped) return;
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  server = await serve(dir);
  isolatedServer = await serve(dir, ISOLATION);
  faultServer = await startFaultServer({ staticDir: dir });  // pages from it fetch it same-origin
  browser = await chromium.launch({
    executablePath: tools.chromium(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await isolatedServer?.close();
  await faultServer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const built = new Set();

async function runInPage(program, args = [], { threads = false, isolated = false, fromFaultServer = false, source = 'tests/c' } = {}) {
  const name = threads ? `${program}-threads` : program;
  if (!built.has(name)) build([path.join(ROOT, source, `${program}.c`)], path.join(dir, `${name}.mjs`), 'web', { opt: '-O2', threads });
  built.add(name);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = new URLSearchParams([['program', name], ...args.map((a) => ['arg', a])]);
  const origin = fromFaultServer ? `${faultServer.url}/static` : (isolated ? isolatedServer : server).url;
  await page.goto(`${origin}/index.html?${query}`);
  await page.waitForFunction(() => window.result, null, { timeout: 60000 });
  const result = await page.evaluate(() => ({ ...window.result, frames: window.frames_ }));
  await page.close();
  assert.deepEqual(errors, []);
  return result;
}

for (const [program, args] of [['ordering', []], ['futures', []], ['cancel', []], ['deadlock', []], ['timers', ['20000']]]) {
  test(`${program} passes in Chromium`, async (t) => {
    const { code, output } = await runInPage(program, args);
    const cases = parseCases(output);
    await reportCases(t, cases, output);
    assert.equal(code, 0, output);
  });
}

test('the page keeps rendering while C tasks are busy', async () => {
  const { code, output, frames } = await runInPage('busy', ['0.5']);
  assert.equal(code, 0, output);
  // 0.5 s of C work at 60 frames/s: ~30 frames if the loop yields, ~1 if not.
  assert.ok(frames >= 10, `${frames} frames rendered during 0.5 s of C work`);
});

test('fetch from C uses the page\'s fetch: every fault, timeout, stream and session', async (t) => {
  const { code, output, error } = await runInPage('fetch_remote', [faultServer.url, 'browser'], { fromFaultServer: true, source: 'tests/js' });
  assert.equal(error, undefined, output);
  const cases = parseCases(output);
  await reportCases(t, cases, output);
  assert.equal(code, 0, output);
});

test('executor built with --threads runs its work on threads in a cross-origin isolated page', async (t) => {
  const { code, output, error } = await runInPage('executor', [], { threads: true, isolated: true });
  assert.equal(error, undefined, output);
  const cases = parseCases(output);
  await reportCases(t, cases, output);
  assert.equal(code, 0, output);
  const ticks = output.match(/threads: \d+ ticks.*/);
  assert.ok(ticks, `no threads in the page:\n${output}`);
  t.diagnostic(ticks[0]);
});

test('a --threads build fails with a clear message in a page without cross-origin isolation', async () => {
  const { error } = await runInPage('executor', [], { threads: true, isolated: false });
  assert.match(error ?? '', /built with --threads and needs a cross-origin isolated page/);
});
