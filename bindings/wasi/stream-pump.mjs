// Readiness for a host stream (stdin, a pipe): node has no synchronous
// poll, so a worker thread reads the stream into a ring of shared memory,
// and the runner's thread can ask how much is there, or wait for more with
// a timeout (Atomics.wait), as poll_oneoff must. Started on first poll.
import { Worker } from 'node:worker_threads';

const CAPACITY = 1 << 20;                // bytes the worker may read ahead
const WRITTEN = 0, TAKEN = 1, ENDED = 2; // cells: bytes written and taken so far (wrapping), end of stream

const WORKER = `
const fs = require('node:fs');
const { workerData: { shared, fd } } = require('node:worker_threads');
const cells = new Int32Array(shared, 0, 4), ring = new Uint8Array(shared, 16);
const chunk = Buffer.alloc(64 * 1024), pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  let n;
  try {
    n = fs.readSync(fd, chunk, 0, chunk.length, null);
  } catch (e) {
    if (e.code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 2); continue; }
    n = 0;                               // an error ends the stream as the guest sees it
  }
  if (n === 0) break;
  for (let done = 0; done < n;) {
    const written = Atomics.load(cells, ${WRITTEN}), taken = Atomics.load(cells, ${TAKEN});
    const room = ${CAPACITY} - ((written - taken) | 0);
    if (room === 0) { Atomics.wait(cells, ${TAKEN}, taken); continue; }
    const k = Math.min(room, n - done), at = (written >>> 0) % ${CAPACITY};
    const first = Math.min(k, ${CAPACITY} - at);
    ring.set(chunk.subarray(done, done + first), at);
    ring.set(chunk.subarray(done + first, done + k), 0);
    Atomics.store(cells, ${WRITTEN}, (written + k) | 0);
    Atomics.notify(cells, ${WRITTEN});
    done += k;
  }
}
Atomics.store(cells, ${ENDED}, 1);
Atomics.notify(cells, ${WRITTEN});
`;

export class StreamPump {
  #cells;
  #ring;

  /** Starts reading host fd in a worker. */
  constructor(fd) {
    const shared = new SharedArrayBuffer(16 + CAPACITY);
    this.#cells = new Int32Array(shared, 0, 4);
    this.#ring = new Uint8Array(shared, 16);
    const worker = new Worker(WORKER, { eval: true, workerData: { shared, fd } });
    worker.unref();                      // a guest that stops reading must not keep the process alive
  }

  /** Bytes ready to read now. */
  available() {
    return (Atomics.load(this.#cells, WRITTEN) - Atomics.load(this.#cells, TAKEN)) | 0;
  }

  /** Whether a read would not block: data, or the end of the stream. */
  ready() {
    return this.available() > 0 || Atomics.load(this.#cells, ENDED) === 1;
  }

  /** Waits up to ms (Infinity: without limit) until ready(). */
  wait(ms) {
    const written = Atomics.load(this.#cells, WRITTEN);
    if (!this.ready()) Atomics.wait(this.#cells, WRITTEN, written, ms);
  }

  /** Fills buffers from the ring, blocking until some data or the end; returns bytes read. */
  read(buffers) {
    while (!this.ready()) this.wait(Infinity);
    let copied = 0;
    const taken = Atomics.load(this.#cells, TAKEN);
    let left = this.available();
    for (const buffer of buffers) {
      for (let off = 0; off < buffer.length && left > 0;) {
        const at = ((taken + copied) >>> 0) % CAPACITY;
        const k = Math.min(buffer.length - off, left, CAPACITY - at);
        buffer.set(this.#ring.subarray(at, at + k), off);
        off += k;
        copied += k;
        left -= k;
      }
    }
    Atomics.store(this.#cells, TAKEN, (taken + copied) | 0);
    Atomics.notify(this.#cells, TAKEN);
    return copied;
  }
}
