// wasyncio's HTTP server (tests/http/server.c) natively, in node and on WASI
// (bin/wa-run --tcplisten), driven by node's http and net: keep-alive,
// pipelining, chunked request bodies, 100-continue, HTTP/1.0, refusals (400,
// 431, 413), a failing handler (500, then the connection goes on), many
// connections at once, a large streamed answer, the idle timeout, and a
// second of real wrk load with no errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { runWrk, startServer } from './lib/servers.mjs';
import { needs, needsTarget } from './lib/needs.mjs';
import { VARIANTS, buildFor } from './lib/programs.mjs';

const SERVER = path.join(ROOT, 'tests', 'http', 'server.c');
const IDLE = 1;                          // seconds
const MAX_HEAD = 4096;
const MAX_BODY = 100000;

// Sends bytes on a raw connection and collects what comes back until the
// server closes, or until enough(text) holds (then we close).
function raw(port, chunks, { enough = null, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    let closedByServer = true;
    const socket = net.connect(port, '127.0.0.1', async () => {
      for (const c of [].concat(chunks)) {
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else socket.write(c);
      }
    });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no end after ${timeoutMs} ms: ${Buffer.concat(got)}`)); }, timeoutMs);
    socket.on('data', (d) => {
      got.push(d);
      if (enough && enough(Buffer.concat(got).toString('latin1'))) {
        closedByServer = false;
        socket.end();
      }
    });
    socket.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(got).toString('latin1'), closedByServer });
    });
  });
}

// Splits a run of responses (Content-Length or chunked bodies).
function responses(text) {
  const out = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [line, ...fields] = text.slice(at, end).split('\r\n');
    const headers = Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]));
    let body = '', next = end + 4;
    if (headers['content-length'] !== undefined) {
      body = text.slice(next, next + Number(headers['content-length']));
      next += body.length;
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const eol = text.indexOf('\r\n', next);
        if (eol < 0) return out;
        const size = parseInt(text.slice(next, eol), 16);
        next = eol + 2 + size + 2;
        if (!size) break;
        body += text.slice(eol + 2, eol + 2 + size);
      }
    }
    out.push({ status: Number(line.split(' ')[1]), line, headers, body });
    at = next;
  }
  return out;
}

const count = (n) => (text) => responses(text).length >= n;

function request(port, { method = 'GET', path: p = '/', headers = {}, body = null, agent = undefined, chunks = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
      const got = [];
      res.on('data', (d) => got.push(d));
      const localPort = res.socket.localPort;
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(got), localPort }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunks) {
      (async () => {
        for (const c of chunks) {
          req.write(c);
          await new Promise((r) => setTimeout(r, 5));
        }
        req.end();
      })();
    } else {
      req.end(body ?? undefined);
    }
  });
}

function letters(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 97 + (i % 26);
  return b;
}

for (const name of ['native -O2', 'native ASan+UBSan', 'node -O0', 'node -O2', 'wasi -O0', 'wasi -O2']) {
  const variant = VARIANTS.find((v) => v.name === name);
  describe(`the HTTP server on ${name}`, needsTarget(variant.target), () => {
    let server;
    const port = () => server.port;

    test('starts', async () => {
      server = await startServer(buildFor(SERVER, variant), variant, ['0', String(IDLE), String(MAX_HEAD), String(MAX_BODY)]);
    });

    test('answers over keep-alive: one connection for many requests', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const ports = new Set();
      for (let i = 0; i < 20; i++) {
        const r = await request(port(), { path: `/info?i=${i}`, headers: { 'X-Test': `v${i}` }, agent });
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), `GET\n/info\ni=${i}\n11\nv${i}\n`);
        assert.equal(r.headers['x-served-by'], 'wasyncio');
        assert.match(r.headers.date, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
        ports.add(r.localPort);
      }
      agent.destroy();
      assert.equal(ports.size, 1);
    });

    test('answers pipelined requests sent in one write, in order', async () => {
      const reqs = ['/info?1', '/', '/info?3', '/nowhere', '/info?5'].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
      const { text } = await raw(port(), [reqs], { enough: count(5) });
      const rs = responses(text);
      assert.deepEqual(rs.map((r) => r.status), [200, 200, 200, 404, 200]);
      assert.deepEqual([rs[0].body, rs[1].body, rs[2].body, rs[4].body], ['GET\n/info\n1\n11\n(none)\n', 'hello\n', 'GET\n/info\n3\n11\n(none)\n', 'GET\n/info\n5\n11\n(none)\n']);
      // A head split over writes, and a body split from its head.
      const split = await raw(port(), ['GET / HT', 20, 'TP/1.1\r\nHo', 20, 'st: x\r\n\r', 20, '\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n', 20, 'ab', 20, 'cde'], { enough: count(2) });
      assert.deepEqual(responses(split.text).map((r) => r.body), ['hello\n', 'abcde']);
    });

    test('reads chunked request bodies, in full and streamed; 100-continue', async () => {
      const echoed = await request(port(), { method: 'POST', path: '/echo', chunks: ['abc', 'defgh', letters(5000)] });
      assert.equal(echoed.status, 200);
      assert.equal(echoed.body.toString(), `abcdefgh${letters(5000)}`);
      const counted = await request(port(), { method: 'POST', path: '/count', chunks: Array.from({ length: 30 }, () => letters(3333)) });
      assert.equal(counted.body.toString(), `${30 * 3333}\n`);
      // Chunk extensions and a trailer, then another request on the connection.
      const chunked = 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n';
      assert.deepEqual(responses((await raw(port(), [chunked], { enough: count(2) })).text).map((r) => r.body), ['abc', 'hello\n']);
      // Expect: 100-continue: the server asks for the body when it reads it.
      const continued = await new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: port(), method: 'POST', path: '/echo', headers: { Expect: '100-continue', 'Content-Length': 4 } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body, asked }));
        });
        let asked = false;
        req.on('continue', () => { asked = true; req.end('wxyz'); });
        req.on('error', reject);
      });
      assert.deepEqual(continued, { status: 200, body: 'wxyz', asked: true });
      // A malformed chunk: 400, and the connection closes.
      const bad = await raw(port(), ['POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']);
      assert.match(bad.text, /^HTTP\/1\.1 400 /);
      assert.ok(bad.closedByServer);
    });

    test('HTTP/1.0: closes after the answer unless asked to keep alive; HEAD has no body', async () => {
      const plain = await raw(port(), ['GET / HTTP/1.0\r\n\r\n']);
      assert.ok(plain.closedByServer);
      assert.match(plain.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(plain.text, /\r\nConnection: close\r\n\r\nhello\n$/);
      const kept = await raw(port(), ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /info HTTP/1.0\r\n\r\n']);
      const rs = responses(kept.text);
      assert.equal(rs.length, 2);
      assert.equal(rs[0].headers.connection, 'keep-alive');
      assert.equal(rs[1].body, 'GET\n/info\n\n10\n(none)\n');
      assert.ok(kept.closedByServer);
      const head = await raw(port(), ['HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
      assert.match(head.text, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 6\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello\n$/);
    });

    test('refuses: 400 for garbage, 431 for a head too large, 413 for a body too large', async () => {
      for (const garbage of ['garbage\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00', 'GET / HTTP/1.1\nHost: x\n\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']) {
        const r = await raw(port(), [garbage]);
        assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(garbage));
        assert.match(r.text, /Connection: close\r\n/);
        assert.match(r.text, /malformed HTTP/);
        assert.ok(r.closedByServer);
      }
      const tooLarge = await raw(port(), [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(MAX_HEAD)}\r\n\r\n`]);
      assert.match(tooLarge.text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      assert.ok(tooLarge.closedByServer);
      const body = await request(port(), { method: 'POST', path: '/echo', body: letters(MAX_BODY + 1) });
      assert.equal(body.status, 413);
      const chunkedBody = await request(port(), { method: 'POST', path: '/echo', chunks: [letters(MAX_BODY / 2), letters(MAX_BODY / 2 + 1)] });
      assert.equal(chunkedBody.status, 413);
      const fits = await request(port(), { method: 'POST', path: '/echo', body: letters(MAX_BODY) });
      assert.equal(fits.status, 200);
      assert.ok(fits.body.equals(letters(MAX_BODY)));
    });

    test('a failing handler gets a 500 and the connection goes on; a failure mid-body cuts it short', async () => {
      const { text, closedByServer } = await raw(port(), ['GET /fail HTTP/1.1\r\nHost: x\r\n\r\n', 50, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'], { enough: count(2) });
      const rs = responses(text);
      assert.deepEqual(rs.map((r) => r.status), [500, 200]);
      assert.equal(rs[1].body, 'hello\n');
      assert.equal(closedByServer, false);
      const late = await raw(port(), ['GET /fail-late HTTP/1.1\r\nHost: x\r\n\r\n']);
      assert.ok(late.closedByServer);
      assert.match(late.text, /\r\n7\r\npartial\r\n$/);   // no last chunk
    });

    test('serves many connections at once and a large streamed answer', async () => {
      const started = Date.now();
      const all = await Promise.all(Array.from({ length: 40 }, () => request(port(), { path: '/slow', agent: false })));
      assert.ok(all.every((r) => r.status === 200 && r.body.toString() === 'slow\n'));
      assert.ok(Date.now() - started < 40 * 50, `${Date.now() - started} ms: not concurrent`);
      const n = 5_000_000;
      const big = await request(port(), { path: `/big?${n}` });
      assert.equal(big.headers['transfer-encoding'], 'chunked');
      assert.equal(big.body.length, n);
      assert.ok(big.body.equals(letters(n)));
    });

    test('closes a connection idle for longer than the idle timeout', async () => {
      const started = Date.now();
      const r = await raw(port(), [], { timeoutMs: 10000 });
      const waited = (Date.now() - started) / 1000;
      assert.ok(r.closedByServer);
      assert.equal(r.text, '');
      assert.ok(waited >= IDLE * 0.9 && waited < IDLE + 4, `closed after ${waited} s`);
    });

    test('under wrk -t1 -c32 -d1s: every answer a 200, no socket errors', needs('wrk'), async (t) => {
      const r = await runWrk(`http://127.0.0.1:${port()}/`);
      t.diagnostic(`${r.requests} requests, ${r.perSecond} requests/s`);
      assert.equal(r.code, 0, r.out);
      assert.ok(r.requests > 0, r.out);
      assert.ok(!r.socketErrors && !r.non2xx, r.out);
    });

    test('ends cleanly: closing closes idle keep-alive connections at once', async () => {
      // A kept-alive connection, idle after its answer, when the server closes.
      let answered;
      const gotAnswer = new Promise((r) => (answered = r));
      const idle = raw(port(), ['GET / HTTP/1.1\r\nHost: x\r\n\r\n'], { enough: (text) => { if (count(1)(text)) answered(); return false; } });
      await gotAnswer;
      const started = Date.now();
      const bye = await request(port(), { path: '/quit', agent: false });
      assert.equal(bye.body.toString(), 'bye\n');
      const closed = await idle;
      assert.ok(closed.closedByServer);
      assert.ok(Date.now() - started < IDLE * 1000 / 2, `closed after ${Date.now() - started} ms, not at once`);
      const { code, stdout, stderr } = await server.done;
      assert.equal(code, 0, stderr);
      assert.match(stdout, /served \d+ requests, 2 failed on purpose, 0 connections left/);
      assert.doesNotMatch(stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
    });

    // A failed check must not leave the server running.
    test('(stops the server)', () => { server?.child.kill(); });
  });
}

// The bench's server (bench/http_server.c) keeps building and answering.
describe('the bench\'s HTTP server', needsTarget('native'), () => {
  test('builds natively and answers GET /small with the pattern', async () => {
    const variant = VARIANTS.find((v) => v.name === 'native -O2');
    const server = await startServer(buildFor(path.join(ROOT, 'bench', 'http_server.c'), variant), variant);
    try {
      const r = await request(server.port, { path: '/small' });
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(Buffer.from(Array.from({ length: 100 }, (_, i) => i % 251))));
      assert.equal((await request(server.port, { path: '/other' })).status, 404);
    } finally {
      server.child.kill();
    }
  });
});
