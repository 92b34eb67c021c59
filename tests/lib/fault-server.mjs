// An HTTP server on 127.0.0.1 and a random port whose routes misbehave on
// purpose, for the fetch tests. It also serves files under /static/ from a
// directory (so a page and the server share an origin), and counts what it
// saw at /stats.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whole responses that /raw?kind=cut sends the first bytes of. */
export const CUT_LENGTH = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 11\r\nx-a: 1\r\n\r\nhello world');
export const CUT_CHUNKED = Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-t: 2\r\n\r\n');

/** Byte i of every generated body: a pattern a reader can check. */
export const patternByte = (i) => i % 251;

/** Starts the server; resolves { url, close, stats }. */
export function startFaultServer({ staticDir, headers = {} } = {}) {
  const stats = { requests: 0, connections: 0, open: 0, mostOpen: 0, inFlight: 0, mostInFlight: 0, closedEarly: 0, sent: {} };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const q = (name, fallback) => Number(url.searchParams.get(name) ?? fallback);
    stats.requests++;
    stats.inFlight++;
    stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
    res.on('close', () => {
      stats.inFlight--;
      if (!res.writableFinished) stats.closedEarly++;
    });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const route = url.pathname;
    const socket = req.socket;
    if (socket.dropNext) return socket.destroy(); // armed by /arm-drop: a kept-alive connection closed as a request came
    if (route === '/hello') return res.end('hello');
    if (route === '/stats') return res.end(JSON.stringify(stats));
    if (route === '/conn') return res.end(String(socket.serial)); // which connection carried the request
    if (route === '/close') {
      res.setHeader('connection', 'close');
      return res.end(String(socket.serial));
    }
    if (route === '/arm-drop') {
      res.on('finish', () => { socket.dropNext = true; });
      return res.end(String(socket.serial));
    }
    if (route === '/close-idle') { // answers, then closes the idle connection
      res.on('finish', () => setTimeout(() => socket.destroy(), q('ms', 10)));
      return res.end(String(socket.serial));
    }
    if (route === '/trailers') { // chunked, in pieces, with a trailer
      const total = q('bytes', 100_000);
      res.writeHead(200, { trailer: 'x-sum', 'x-conn': String(socket.serial) });
      let sum = 0;
      for (let at = 0; at < total;) {
        const n = Math.min(7_000, total - at);
        const chunk = Buffer.alloc(n);
        for (let i = 0; i < n; i++) sum += (chunk[i] = patternByte(at + i));
        res.write(chunk);
        at += n;
        await sleep(1);
      }
      res.addTrailers({ 'x-sum': String(sum) });
      return res.end();
    }
    if (route === '/huge-header') {
      res.setHeader('x-huge', 'z'.repeat(q('bytes', 1 << 20)));
      return res.end('never read');
    }
    if (route === '/raw') { // bytes no HTTP library would send, then the end of the connection
      const kind = url.searchParams.get('kind');
      const raw = {
        status: 'HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok',
        chunk: 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n',
        'to-close': 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nthe body runs to the end',
        interim: 'HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      }[kind];
      if (kind === 'cut') { // a whole response cut after its first `at` bytes
        const whole = url.searchParams.get('chunked') ? CUT_CHUNKED : CUT_LENGTH;
        socket.end(whole.subarray(0, q('at', whole.length)));
        return;
      }
      socket.end(raw ?? 'HTTP/1.1 500 no such kind\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    if (route === '/echo') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ method: req.method, test: req.headers['x-test'] ?? null, agent: req.headers['x-agent'] ?? null, body: Buffer.concat(chunks).toString() }));
    }
    if (route.startsWith('/status/')) {
      res.statusCode = Number(route.slice(8));
      return res.end(`status ${res.statusCode}`);
    }
    if (route === '/redirect') {
      const n = q('n', 1);
      if (n <= 0) return res.end('landed');
      res.writeHead(302, { location: `/redirect?n=${n - 1}` });
      return res.end();
    }
    if (route === '/redirect-slow-body') { // a redirect whose short body takes its time
      res.writeHead(302, { location: '/hello', 'content-length': '10' });
      for (let i = 0; i < 10 && !res.destroyed; i++) {
        res.write('x');
        await sleep(q('ms', 2000) / 10);
      }
      return res.end();
    }
    if (route === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (route === '/see-other') {
      res.writeHead(303, { location: '/echo' });
      return res.end();
    }
    if (route === '/slow-headers') {
      await sleep(q('ms', 1000));
      if (!res.destroyed) res.end('late');
      return;
    }
    if (route === '/slow-body') {
      res.writeHead(200, { 'content-length': '10' });
      for (let i = 0; i < 10 && !res.destroyed; i++) {
        res.write('x');
        await sleep(q('ms', 1000) / 10);
      }
      return res.end();
    }
    if (route === '/reset') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial body ');
      await sleep(20);
      return req.socket.destroy();
    }
    if (route === '/truncated') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(50));
      await sleep(20);
      return req.socket.destroy();
    }
    if (route === '/big-headers') {
      res.setHeader('x-big', 'y'.repeat(64 * 1024));
      return res.end('never read');
    }
    if (route === '/stream') {
      // bytes of the pattern, written as fast as the client takes them;
      // stats.sent[id] says how far the server got.
      const total = q('bytes', 1 << 20), id = url.searchParams.get('id') ?? 'stream';
      res.writeHead(200, { 'content-length': String(total) });
      const block = Buffer.alloc(64 * 1024);
      stats.sent[id] = 0;
      while (stats.sent[id] < total && !res.destroyed) {
        const n = Math.min(block.length, total - stats.sent[id]);
        for (let i = 0; i < n; i++) block[i] = patternByte(stats.sent[id] + i);
        stats.sent[id] += n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) await new Promise((r) => res.once('drain', r));
      }
      return res.end();
    }
    if (route.startsWith('/static/') && staticDir) {
      const file = path.join(staticDir, route.slice(8));
      if (file.startsWith(staticDir) && fs.existsSync(file)) {
        res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
        return fs.createReadStream(file).pipe(res);
      }
    }
    res.statusCode = 404;
    res.end('no such route');
  });
  server.on('connection', (socket) => {
    socket.serial = ++stats.connections;
    stats.open++;
    stats.mostOpen = Math.max(stats.mostOpen, stats.open);
    socket.on('close', () => stats.open--);
  });
  server.keepAliveTimeout = 20_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        stats,
        close: () => new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
      });
    });
  });
}
