// TCP sockets for WASI programs, as `wasmtime run --tcplisten` offers them: the
// runner listens, and the program accepts, receives, sends and shuts down
// (sock_accept, sock_recv, sock_send, sock_shutdown; preview1 has no connect).
// node's sockets are asynchronous and the guest's calls are not, so a worker
// thread owns the sockets and the runner's thread calls it synchronously:
// a request goes by postMessage, the runner waits on a shared cell (Atomics)
// for the answer, and bytes travel through a shared buffer.
import { Worker } from 'node:worker_threads';

const DATA = 1 << 20;                    // bytes one recv or send moves at most
// Answers of recv, send and accept beside a count or an id.
export const AGAIN = -1, RESET = -2, GONE = -3;

const WORKER = `
const net = require('node:net');
const { parentPort, workerData: { cells, data } } = require('node:worker_threads');
const ctl = new Int32Array(cells), bytes = new Uint8Array(data);
const HIGH = 256 * 1024;                 // held unread: the socket is paused above this
const sockets = new Map();               // id: { kind: 'listener', server, pending } | { kind: 'conn', socket, chunks, held, ended, error }
let nextId = 1, polling = null;

function answer(...values) {
  values.forEach((v, i) => (ctl[1 + i] = v));
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}

function ready(id, writing) {
  const s = sockets.get(id);
  if (!s) return true;                   // gone: the call will say so
  if (s.kind === 'listener') return s.pending.length > 0;
  if (writing) return s.error !== null || s.socket.writableLength < HIGH;
  return s.held > 0 || s.ended || s.error !== null;
}

// A poll waiting for one of its sockets: answered by the first event that
// readies one, with the count of ready items and their indices in data.
const indices = new Int32Array(data);
function checkPoll() {
  if (!polling) return;
  let count = 0;
  polling.items.forEach(([id, writing], i) => {
    if (ready(id, writing)) indices[count++] = i;
  });
  if (!count) return;
  clearTimeout(polling.timer);
  polling = null;
  answer(count);
}

function adopt(socket) {
  const id = nextId++;
  const c = { kind: 'conn', socket, chunks: [], held: 0, ended: false, error: null };
  sockets.set(id, c);
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    c.chunks.push(chunk);
    c.held += chunk.length;
    if (c.held > HIGH) socket.pause();   // the guest reads slowly: TCP holds the rest back
    checkPoll();
  });
  socket.on('end', () => { c.ended = true; checkPoll(); });
  socket.on('error', (e) => { c.error = e.code || 'EIO'; checkPoll(); });
  socket.on('drain', checkPoll);
  return id;
}

const ops = {
  listen({ host, port }) {
    const server = net.createServer({ allowHalfOpen: true }); // the guest may answer after the peer's end
    const l = { kind: 'listener', server, pending: [] };
    server.on('connection', (socket) => { l.pending.push(socket); checkPoll(); });
    server.on('error', (e) => answer(-1, 0, e.code === 'EADDRINUSE' ? 1 : 2));
    server.listen({ host, port, backlog: 511 }, () => {
      const id = nextId++;
      sockets.set(id, l);
      answer(id, server.address().port);
    });
  },
  accept({ id }) {
    const l = sockets.get(id);
    if (!l || l.kind !== 'listener') return answer(${GONE});
    const socket = l.pending.shift();
    answer(socket ? adopt(socket) : ${AGAIN});
  },
  recv({ id, max }) {
    const c = sockets.get(id);
    if (!c || c.kind !== 'conn') return answer(${GONE});
    if (c.held === 0) return answer(c.error ? ${RESET} : c.ended ? 0 : ${AGAIN});
    let n = 0;
    while (n < max && c.chunks.length) {
      const chunk = c.chunks[0], k = Math.min(max - n, chunk.length);
      bytes.set(chunk.subarray(0, k), n);
      n += k;
      if (k === chunk.length) c.chunks.shift();
      else c.chunks[0] = chunk.subarray(k);
    }
    c.held -= n;
    if (c.held <= HIGH / 2 && c.socket.isPaused()) c.socket.resume();
    answer(n);
  },
  send({ id, n }) {
    const c = sockets.get(id);
    if (!c || c.kind !== 'conn') return answer(${GONE});
    if (c.error) return answer(${RESET});
    if (c.socket.writableLength >= HIGH) return answer(${AGAIN});
    c.socket.write(Buffer.from(bytes.subarray(0, n)));
    answer(n);
  },
  shutdown({ id }) {
    const c = sockets.get(id);
    if (!c || c.kind !== 'conn') return answer(${GONE});
    c.socket.end();
    answer(0);
  },
  close({ id }) {
    const s = sockets.get(id);
    sockets.delete(id);
    if (s?.kind === 'listener') {
      s.server.close();
      for (const socket of s.pending) socket.destroy();
    } else if (s) {
      s.socket.end();                    // what was sent still goes, as close(2) does
      s.socket.destroySoon();
    }
    answer(0);
  },
  poll({ items, ms }) {
    polling = { items, timer: null };
    if (items.some(([id, writing]) => ready(id, writing))) return checkPoll();
    if (ms === 0) { polling = null; return answer(0); }
    if (Number.isFinite(ms)) polling.timer = setTimeout(() => { polling = null; answer(0); }, ms);
  },
  stop() {
    for (const s of sockets.values()) {
      if (s.kind === 'listener') s.server.close();
      else s.socket.destroy();
    }
    answer(0);
    parentPort.close();
  },
};

parentPort.on('message', (m) => ops[m.op](m));
`;

export class SocketHost {
  #ctl = new Int32Array(new SharedArrayBuffer(16));
  #data = new Uint8Array(new SharedArrayBuffer(DATA));
  #worker = new Worker(WORKER, { eval: true, workerData: { cells: this.#ctl.buffer, data: this.#data.buffer } });

  constructor() {
    this.#worker.unref();                // a guest that stops must not keep the runner alive
  }

  // A synchronous call: the worker answers through the cells.
  #call(message) {
    Atomics.store(this.#ctl, 0, 0);
    this.#worker.postMessage(message);
    Atomics.wait(this.#ctl, 0, 0);
    return [this.#ctl[1], this.#ctl[2], this.#ctl[3]];
  }

  /** Listens on host:port; returns { id, port }, or throws naming the address. */
  listen(host, port) {
    const [id, bound, why] = this.#call({ op: 'listen', host, port });
    if (id < 0) throw new Error(`cannot listen on ${host}:${port}: ${why === 1 ? 'address in use' : 'failed'}`);
    return { id, port: bound };
  }

  /** A connection's id, or AGAIN or GONE. */
  accept(id) {
    return this.#call({ op: 'accept', id })[0];
  }

  /** Fills buffer with received bytes: the count (0 at the end), or AGAIN, RESET, GONE. */
  recv(id, buffer) {
    const [n] = this.#call({ op: 'recv', id, max: Math.min(buffer.length, DATA) });
    if (n > 0) buffer.set(this.#data.subarray(0, n));
    return n;
  }

  /** Sends bytes (as much as one call moves): the count taken, or AGAIN, RESET, GONE. */
  send(id, bytes) {
    const n = Math.min(bytes.length, DATA);
    this.#data.set(bytes.subarray(0, n));
    return this.#call({ op: 'send', id, n })[0];
  }

  shutdown(id) {
    return this.#call({ op: 'shutdown', id })[0];
  }

  close(id) {
    this.#call({ op: 'close', id });
  }

  /** Waits up to ms (Infinity: no limit) until one of items ([id, writing]) is
   *  ready; returns the indices of the ready ones. */
  poll(items, ms) {
    const [count] = this.#call({ op: 'poll', items, ms: ms === Infinity ? Infinity : Math.max(0, Math.ceil(ms)) });
    return Array.from(new Int32Array(this.#data.buffer, 0, count));
  }

  stop() {
    this.#call({ op: 'stop' });
  }
}
