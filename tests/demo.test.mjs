// The browser demo (web/): web/serve.mjs serves it, Chromium runs it, and
// the task dump the page draws from says what happened. The scenario's
// tasks end as they should, timers fire in order, fetches reach the local
// server through a session's connection limit, the Cancel button aborts the
// long download, and the page keeps drawing frames while C computes. A
// screenshot goes to build/test-output/demo.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { testNeeding } from './lib/needs.mjs';
import { tools } from '../bin/lib/tools.mjs';
import { chromium } from 'playwright-core';
import { ROOT } from '../bin/lib/compile.mjs';
import { buildWebDemo } from '../web/build.mjs';

const test = testNeeding('chromium', 'emcc', 'wasmOpt'); // skipped, by name, where one is missing

const SHOT = path.join(ROOT, 'build/test-output/demo.png');
const errors = [];                       // uncaught errors in the page
let server, browser, page, scenario, dump;
let serverOutput = '';

// Starts web/serve.mjs on a free port (PORT=0); resolves with the URL it prints.
function startServer() {
  const child = spawn(process.execPath, [path.join(ROOT, 'web/serve.mjs')], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web/serve.mjs printed no URL:\n${serverOutput}`)), 10000);
    child.on('exit', (code) => reject(new Error(`web/serve.mjs exited (${code}):\n${serverOutput}`)));
    child.stdout.on('data', (data) => {
      serverOutput += data;
      const url = serverOutput.match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
  });
}

const stats = async () => (await fetch(new URL('/api/stats', server.url))).json();

// Polls check() until it returns something truthy, failing after ms.
async function until(what, check, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const tasksByName = (d) => new Map(d.tasks.filter((t) => t.created !== undefined).map((t) => [t.name, t]));
const readDump = () => page.evaluate(() => window.demo.rt.dumpTasks());

before(async () => {
  if (test.skipped) return;
  buildWebDemo();
  server = await startServer();
  browser = await chromium.launch({
    executablePath: tools.chromium(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => window.demo?.ready, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.child.kill();
});

test('the scenario runs every task to the end it should have', async () => {
  await page.click('#run');
  await page.waitForFunction(() => window.demo.scenario, null, { timeout: 30000 });
  scenario = await page.evaluate(() => window.demo.scenario);
  assert.equal(scenario.state, 'done', scenario.error);
  dump = await readDump();
  const tasks = tasksByName(dump);
  const expect = (name, state, code = null) => {
    const t = tasks.get(name);
    assert.ok(t, `no task "${name}" in the dump: ${[...tasks.keys()].join(', ')}`);
    assert.equal(t.state, state, `${name}: ${JSON.stringify(t)}`);
    assert.equal(t.error?.code ?? null, code, `${name}: ${JSON.stringify(t.error)}`);
    assert.ok(t.created <= t.started && (t.finished === null || t.started <= t.finished), `${name}'s times: ${JSON.stringify(t)}`);
    return t;
  };
  for (const name of ['sleep 0.3 s', 'sleep 0.6 s', 'sleep 1.0 s', 'sleep 1.5 s', 'GET index.html', 'GET 384 KiB, streamed', 'crawler: gather']) expect(name, 'done');
  const crawler = tasks.get('crawler: gather');
  for (let i = 1; i <= 6; i++) assert.equal(expect(`session page ${i}`, 'done').parent, crawler.id);
  const impatient = expect('impatient: wait_for', 'done', -2);        // WA_ETIMEDOUT
  assert.equal(expect('slow reply (3 s)', 'cancelled').parent, impatient.id);
  assert.match(expect('flaky', 'done', -19).error.message, /HTTP 503/);  // WA_EHTTP
  assert.equal(crawler.parent, impatient.parent);                      // both children of scenario()
  assert.equal(expect('long download', 'pending').finished, null);      // streams until cancelled
  // The page drew a row for each of them.
  const rows = await page.$$eval('#rows .row .name', (els) => els.map((e) => e.textContent.replace(/^└ /, '')));
  for (const name of tasks.keys()) assert.ok(rows.includes(name), `no row for ${name}: ${rows}`);
});

test('timers fire in order: the shorter sleeps finish first, none early', () => {
  const sleepers = dump.tasks.filter((t) => /^sleep /.test(t.name)).map((t) => ({ ...t, seconds: parseFloat(t.name.slice(6)) }));
  assert.equal(sleepers.length, 4);
  const byFinish = [...sleepers].sort((a, b) => a.finished - b.finished).map((t) => t.name);
  const byLength = [...sleepers].sort((a, b) => a.seconds - b.seconds).map((t) => t.name);
  assert.deepEqual(byFinish, byLength);
  assert.notDeepEqual(sleepers.map((t) => t.name), byLength, 'made in another order than they finish');
  for (const t of sleepers) {
    assert.ok(t.finished - t.created >= t.seconds - 0.002, `${t.name} finished after ${t.finished - t.created} s`);
    assert.equal(t.steps, Math.round(t.seconds * 10) + 1, `${t.name} wakes every 100 ms`);
  }
});

test('fetch from C reaches the local server, two session requests at a time', async () => {
  const { bytes, session_max_inflight: most } = scenario.summary;
  assert.equal(bytes[0], fs.statSync(path.join(ROOT, 'web/index.html')).size);
  assert.equal(bytes[1], 393216);
  const s = await until('the timed-out request to be aborted at the server', async () => {
    const now = await stats();
    return now.aborted.timeout === 1 && now;
  });
  assert.equal(s.requests.session, 6);
  assert.equal(s.maxInflight.session, 2, 'the session allows 2 connections');
  assert.equal(most, 2, 'the server told the C tasks 2 were in flight');
  const pages = dump.tasks.filter((t) => t.name.startsWith('session page')).map((t) => t.finished).sort((a, b) => a - b);
  assert.ok(pages[5] - pages[0] >= 0.7, `6 requests of 0.4 s, 2 at a time, took ${pages[5] - pages[0] + 0.4} s`);
});

test('the Cancel button cancels the long download through an AbortSignal', async () => {
  await page.waitForFunction(() => window.demo.rt.dumpTasks().tasks.find((t) => t.name === 'long download')?.steps >= 3,
    null, { timeout: 10000 });
  assert.equal((await stats()).inflight.long, 1);
  await page.click('#cancel');
  await page.waitForFunction(() => window.demo.download, null, { timeout: 10000 });
  const call = await page.evaluate(() => window.demo.download);
  assert.equal(call.state, 'cancelled', JSON.stringify(call));   // run() rejected with the AbortError
  const long = tasksByName(await readDump()).get('long download');
  assert.equal(long.state, 'cancelled');
  assert.ok(long.finished >= long.started);
  const s = await until('the server to see the stream aborted', async () => {
    const now = await stats();
    return now.aborted.long === 1 && now;
  });
  assert.equal(s.inflight.long, 0);
  await until('the server to report the abort', () => /aborted \/api\/stream/.test(serverOutput));
  const badge = await page.$$eval('#rows .row', (rows) =>
    rows.find((r) => r.querySelector('.name').textContent.endsWith('long download'))?.querySelector('.badge').textContent);
  assert.equal(badge, 'cancelled');
});

test('the page keeps drawing frames while C computes for 0.5 s', async (t) => {
  await page.click('#crunch');
  await page.waitForFunction(() => window.demo.crunch, null, { timeout: 15000 });
  const crunch = await page.evaluate(() => window.demo.crunch);
  assert.equal(crunch.state, 'done', crunch.error);
  assert.ok(crunch.result > 1000, `${crunch.result} primes`);
  assert.ok(crunch.ms >= 450, `the call took ${crunch.ms} ms`);
  // ~30 frames at 60 frames/s if the loop gives the browser its turns, 1 or 2
  // and a gap of the whole 0.5 s if not; a loaded machine draws fewer.
  const seen = `${crunch.frames} frames in ${crunch.ms.toFixed(0)} ms of C work, at most ${crunch.longestGap.toFixed(0)} ms apart`;
  assert.ok(crunch.frames >= 5 && crunch.longestGap < 250, seen);
  t.diagnostic(seen);
  const task = tasksByName(await readDump()).get('crunch: primes');
  assert.ok(task.state === 'done' && task.steps > crunch.frames, JSON.stringify(task));
});

test('a screenshot of the demo, and no errors in the page', async (t) => {
  fs.mkdirSync(path.dirname(SHOT), { recursive: true });
  await page.waitForFunction(() => !document.querySelector('#rows .badge.pending'), null, { timeout: 10000 });
  await page.screenshot({ path: SHOT, fullPage: true });
  assert.ok(fs.statSync(SHOT).size > 10000);
  t.diagnostic(`screenshot: ${path.relative(ROOT, SHOT)}`);
  assert.deepEqual(errors, []);
});
