// A wasyncio TCP server (tests/streams/echo_server.c) natively, in node (net)
// and on WASI (bin/wa-run --tcplisten, which preopens the listening socket), driven by
// node's net as the client: many connections at once, a large answer read
// slowly (the server's drain holds it back), a half-close, and a clean end.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../bin/lib/compile.mjs';
import { needsTarget } from './lib/needs.mjs';
import { VARIANTS, buildFor } from './lib/programs.mjs';
import { startServer } from './lib/servers.mjs';

const SERVER = path.join(ROOT, 'tests', 'streams', 'echo_server.c');

// Sends text, then reads until the answer has want bytes (or until the end when
// endAfter); optionally pausing the socket at first, as a slow reader.
function exchange(port, text, { want = null, endAfter = false, pauseMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let got = 0;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(text);
      if (endAfter) socket.end();
      if (pauseMs) {
        socket.pause();
        setTimeout(() => socket.resume(), pauseMs);
      }
    });
    socket.on('data', (d) => {
      chunks.push(d);
      got += d.length;
      if (want !== null && got >= want) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

for (const name of ['native -O2', 'wasi -O0', 'wasi -O2', 'node -O0', 'node -O2']) {
  const variant = VARIANTS.find((v) => v.name === name);
  describe(`a TCP server on ${name}`, needsTarget(variant.target), () => {
    test('echoes many connections at once, answers a slow reader in full, half-closes, ends cleanly', async () => {
      const { port, child, done } = await startServer(buildFor(SERVER, variant), variant);
      try {
        // 20 connections at once, 50 lines each.
        const lines = (c) => Array.from({ length: 50 }, (_, i) => `connection ${c} line ${i}\n`).join('');
        const echoes = await Promise.all(Array.from({ length: 20 }, (_, c) => exchange(port, lines(c), { want: lines(c).length })));
        echoes.forEach((e, c) => assert.equal(e.toString(), lines(c)));
        // 4 MB asked for and read after a 300 ms pause: every byte comes.
        const big = await exchange(port, 'big 4000000\n', { want: 4000000, pauseMs: 300 });
        assert.equal(big.length, 4000000);
        assert.ok(big.every((b) => b === 0x78));
        // A half-close: the server reads to our end, then answers.
        const counted = await exchange(port, `count\n${'y'.repeat(1 << 20)}`, { endAfter: true });
        assert.equal(counted.toString(), `${1 << 20}\n`);
        assert.equal((await exchange(port, 'quit\n', { endAfter: true })).toString(), 'bye\n');
        const { code, stdout, stderr } = await done;
        assert.equal(code, 0, stderr);
        assert.match(stdout, /served 23 connections, 0 failed/);
      } finally {
        child.kill();                    // a failed check must not leave the server running
      }
    });
  });
}
