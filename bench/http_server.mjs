// The local HTTP server of the bench's HTTP workloads (bench/run.mjs starts it).
//
// Usage: node bench/http_server.mjs
//
// Listens on 127.0.0.1 and a random port, prints its URL as the first line of
// stdout, and serves keep-alive HTTP/1.1 until stdin closes or it is killed:
//
//   GET /small             HTTP_BODY_BYTES bytes of the pattern, with Content-Length
//   GET /stream?bytes=N    N bytes of the pattern, written as fast as the client reads
//
// Byte i of every body is i % PATTERN_PERIOD, the same in all the clients. It
// runs in a process of its own, so no client's CPU figure includes it.

import http from 'node:http';

const HTTP_BODY_BYTES = 100;   // same in bench.c, bench_asyncio.py and bench_node.mjs
const PATTERN_PERIOD = 251;    // a prime, so no power-of-two buffer size lines up with it

const pattern = (n) => Buffer.from(Array.from({ length: n }, (_, i) => i % PATTERN_PERIOD));
const SMALL = pattern(HTTP_BODY_BYTES);
// A whole number of periods (about 64 KiB): every block of a stream is this one buffer.
const BLOCK = pattern(PATTERN_PERIOD * 261);
const SMALL_HEADERS = { 'content-type': 'application/octet-stream', 'content-length': String(SMALL.length) };

async function stream(res, total) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  for (let sent = 0; sent < total && !res.destroyed;) {
    const n = Math.min(BLOCK.length, total - sent);
    sent += n;
    if (!res.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
      await new Promise((resolve) => {
        const go = () => { res.off('drain', go); res.off('close', go); resolve(); };
        res.on('drain', go);
        res.on('close', go);   // a client gone mid-body: stop, not wait forever
      });
    }
  }
  res.end();
}

const server = http.createServer((req, res) => {
  if (req.url === '/small') {
    res.writeHead(200, SMALL_HEADERS);
    res.end(SMALL);
    return;
  }
  const url = new URL(req.url, 'http://localhost');
  const bytes = Number(url.searchParams.get('bytes'));
  if (url.pathname === '/stream' && Number.isSafeInteger(bytes) && bytes >= 0) {
    stream(res, bytes);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end(`no route ${req.url}\n`);
});
// Clients keep their connections for the whole run; never close one under them.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
// The harness holds our stdin: when it goes away, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
