// Streams over WebSockets: tests/js/websocket.c built for the web target runs
// in Chromium (driven by playwright-core, as in browser.test.mjs) against
// WebSocket servers (the npm ws package) this file starts on 127.0.0.1 with
// random ports. In node without WebSocket (node 20), natively and on WASI,
// ws: URLs are a clear WA_ENOTSUP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { build, ROOT } from '../bin/lib/compile.mjs';
import { tools } from '../bin/lib/tools.mjs';
import { testNeeding } from './lib/needs.mjs';
import { parseCases, reportCases } from './lib/programs.mjs';
import { serve } from './lib/static-server.mjs';

const SOURCE = path.join(ROOT, 'tests', 'js', 'websocket.c');
const BROWSER_HIGH = 256 * 1024;         // net.mjs: what the browser may hold unsent
const test = testNeeding('chromium', 'emcc', 'wasmOpt');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasyncio-ws-'));

// The page runs the program and keeps the largest bufferedAmount any send left.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wasyncio websocket test</title>
<script type="module">
  const send = WebSocket.prototype.send;
  window.maxBuffered = 0;
  WebSocket.prototype.send = function (data) {
    send.call(this, data);
    window.maxBuffered = Math.max(window.maxBuffered, this.bufferedAmount);
  };
  const { start } = await import('./websocket.mjs');
  const out = [];
  try {
    const code = await start(new URLSearchParams(location.search).getAll('arg'), { print: (s) => out.push(s), printErr: (s) => out.push(s) });
    window.result = { code, output: out.join('\\n') + '\\n' };
  } catch (e) {
    window.result = { error: e.message, output: out.join('\\n') };
  }
</script>`;

// The patterned payload: byte i is i % 251 (websocket.c checks it).
const PATTERN = new Uint8Array((4 << 20) + 251).map((_, i) => i % 251);
const pattern = (n, from) => PATTERN.subarray(from % 251, (from % 251) + n);

// The servers, one per path.
function startServers() {
  const sinks = [], sinkTotals = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (info) => info.req.url !== '/reject' });
  wss.on('connection', (ws, req) => {
    switch (req.url) {
      case '/echo':
        ws.on('message', (data, binary) => ws.send(data, { binary }));
        break;
      case '/lines': {
        // A few bytes a message, text and binary by turns.
        const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
        for (let i = 0, k = 0; i < text.length; k++) {
          const n = 1 + (k % 7), part = text.slice(i, i + n);
          ws.send(k % 2 ? Buffer.from(part) : part);
          i += n;
        }
        for (const ch of 'héllo ✓\n') ws.send(ch);
        for (const ch of 'one\r\ntwo\r\n') ws.send(Buffer.from(ch));
        ws.send('x'.repeat(100) + '\n');
        ws.send('tail');
        ws.close(1000);
        break;
      }
      case '/big': {
        const sizes = [1, 100, 65536, 7, 4096, 30000, 200000];
        let sent = 0;
        for (let k = 0; sent < 4 << 20; k++) {
          const n = Math.min(sizes[k % sizes.length], (4 << 20) - sent);
          ws.send(pattern(n, sent));
          sent += n;
        }
        ws.close(1000);
        break;
      }
      case '/sink': {
        ws.pause();                      // reads nothing until /resume
        let total = 0;
        ws.on('message', (data) => (total += data.length));
        ws.on('close', () => sinkTotals.push(total));
        sinks.push(ws);
        break;
      }
      case '/resume':
        for (const s of sinks) s.resume();
        ws.close(1000);
        break;
      case '/fail':
        ws.send('partial\n');
        ws.send(Buffer.alloc(5000, 'r'));
        ws.close(1011, 'server exploded');
        break;
      default:
        ws.close(1008, 'no such path');
    }
  });
  return new Promise((resolve) => wss.on('listening', () => resolve({ wss, port: wss.address().port, sinkTotals })));
}

// A TCP server that takes connections and never answers the handshake.
function startHangServer() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.resume();                          // reads the handshake (and sees the close), answers nothing
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, sockets })));
}

// A port nothing listens on now: the kernel picks it, we free it.
function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond, ms) {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

let browser, page, servers, hang;

before(async () => {
  if (test.skipped) return;
  build([SOURCE], path.join(dir, 'websocket.mjs'), 'web', { opt: '-O2', cflags: ['-Wall', '-Wextra', '-Werror'] });
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  [page, servers, hang] = await Promise.all([serve(dir), startServers(), startHangServer()]);
  browser = await chromium.launch({
    executablePath: tools.chromium(),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await page?.close();
  servers?.wss.close();
  for (const s of hang?.sockets ?? []) s.destroy();
  hang?.server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('streams over WebSockets in Chromium: echo, split lines, 4 MB, backpressure, resets, connect faults', async (t) => {
  const base = `ws://127.0.0.1:${servers.port}`;
  const args = [base, `ws://127.0.0.1:${await freePort()}/`, `ws://127.0.0.1:${hang.port}/`];
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.goto(`${page.url}/index.html?${new URLSearchParams(args.map((a) => ['arg', a]))}`);
  await tab.waitForFunction(() => window.result, null, { timeout: 120000 });
  const { code, output, error, maxBuffered } = await tab.evaluate(() => ({ ...window.result, maxBuffered: window.maxBuffered }));
  // The timed-out and the cancelled connect closed their sockets while the page still runs.
  const hangClosed = await until(() => hang.sockets.size === 0, 5000);
  await tab.close();
  assert.equal(error, undefined, output);
  assert.deepEqual(errors, []);
  const cases = parseCases(output);
  await reportCases(t, cases, output);
  assert.equal(code, 0, output);
  assert.ok(hangClosed, `${hang.sockets.size} connections of the hanging server still open`);
  // What the browser held unsent stayed under the mark, however much was written.
  assert.ok(maxBuffered > 0 && maxBuffered <= BROWSER_HIGH, `bufferedAmount reached ${maxBuffered}`);
  // Every byte written to the peer that did not read arrived once it read.
  const wrote = Number(output.match(/sink: wrote (\d+)/)?.[1]);
  assert.ok(await until(() => servers.sinkTotals.length === 1, 10000), 'the sink never closed');
  assert.equal(servers.sinkTotals[0], wrote);
  for (const line of output.split('\n').filter((l) => /^(throughput|big|sink|refused):/.test(l))) t.diagnostic(line);
  t.diagnostic(`most the browser held unsent: ${maxBuffered} bytes`);
});

// Hosts without WebSocket answer ws: URLs with WA_ENOTSUP and say why.
const unsupportedIn = (target) => async (t) => {
  const out = path.join(dir, target, `websocket${{ node: '.mjs', wasi: '.wasm' }[target] ?? ''}`);
  build([SOURCE], out, target, { opt: '-O1', cflags: ['-Wall', '-Wextra', '-Werror'] });
  const [cmd, ...first] = { node: [process.execPath, out], wasi: [process.execPath, path.join(ROOT, 'bin', 'wa-run'), out] }[target] ?? [out];
  const stdout = execFileSync(cmd, [...first, 'unsupported', 'ws://127.0.0.1:1/'], { encoding: 'utf8', timeout: 60000 });
  await reportCases(t, parseCases(stdout), stdout);
  t.diagnostic(stdout.match(/ws: URL here: .*/)?.[0] ?? '');
};
testNeeding('cc')('ws: URLs natively: WA_ENOTSUP', unsupportedIn('native'));
testNeeding('clang', 'wasiSysroot', 'wasmOpt')('ws: URLs on WASI: WA_ENOTSUP', unsupportedIn('wasi'));
testNeeding('emcc', 'wasmOpt')('ws: URLs in node without WebSocket: WA_ENOTSUP', { skip: typeof globalThis.WebSocket === 'function' && 'this node has WebSocket' }, unsupportedIn('node'));
