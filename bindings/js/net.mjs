// The TCP side of JS hosts: connections behind small ids, which the C runtime
// watches as other hosts' descriptors (tcp_js.c). A connection is node's net
// socket or, for a ws: or wss: URL, a WebSocket (websocket.mjs); both feed
// the same record here. Incoming bytes wait in the record's ring until C
// reads them; once the ring could not take another read, the transport
// pauses (node's sockets can; a WebSocket cannot, and its ring grows), so a
// slow C reader holds the peer back. The sockets we connect read straight
// into one shared scratch buffer (node's onread), which the ring copies
// from at once: no new Buffer per read for V8 to collect later. Sending
// takes bytes while the transport's own buffer has room, then says "again"
// until it drains. Transport events end the driver's wait (wasyncioWake);
// the loop then asks once which of the ids it watches are ready (poll).
// Browsers have no TCP: there only WebSockets connect.

const isNode = typeof process === 'object' && process.versions?.node !== undefined;
const WA = { EINVAL: -8, EIO: -9, ECONNECT: -15, ERESET: -16, ENOTSUP: -20 };
const AGAIN = -1000;                     // tcp_js.c's JS_AGAIN
const READ = 1, WRITE = 2;               // host.h's WA__FD_READ, WA__FD_WRITE
const HIGH = 256 * 1024;
const READ_SIZE = 64 * 1024;             // one read's most (libuv reads 64 KiB at a time too)
const SMALL_WRITE = 4096;                // Buffer.allocUnsafe takes these from node's pool
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WS_URL = /^wss?:\/\//i;

// Bytes received and not yet read: a ring that grows by doubling to what it
// must hold (a paused socket's never passes HIGH), so a connection that
// only ever sees small replies keeps a small one.
class Ring {
  buf = new Uint8Array(4096);
  start = 0;
  held = 0;

  push(bytes) {
    const n = bytes.length;
    if (this.held + n > this.buf.length) this.grow(this.held + n);
    const cap = this.buf.length, end = (this.start + this.held) % cap, first = Math.min(n, cap - end);
    this.buf.set(first === n ? bytes : bytes.subarray(0, first), end);
    if (first < n) this.buf.set(bytes.subarray(first), 0);
    this.held += n;
  }

  grow(need) {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const buf = new Uint8Array(cap);
    this.copyTo(buf, 0, this.held);
    this.buf = buf;
    this.start = 0;
  }

  // Copies the first n bytes held (n <= held) to heap at p.
  copyTo(heap, p, n) {
    const cap = this.buf.length, first = Math.min(n, cap - this.start);
    heap.set(this.buf.subarray(this.start, this.start + first), p);
    if (first < n) heap.set(this.buf.subarray(0, n - first), p + first);
  }

  // Moves up to cap bytes to heap at p; returns how many.
  take(heap, p, cap) {
    const n = Math.min(cap, this.held);
    this.copyTo(heap, p, n);
    this.held -= n;
    this.start = this.held === 0 ? 0 : (this.start + n) % this.buf.length;
    return n;
  }
}

/** Installs Module.wasyncioNet, which library_wasyncio.js calls into;
 *  websocket is websocket.mjs (the driver loads it from beside this). */
export async function installNet(mod, websocket) {
  const net = isNode ? await import('node:net') : null;
  const sockets = new Map();             // id: a connection or a listener
  let nextId = 1;
  const wake = () => mod.wasyncioWake();
  const scratch = isNode ? new Uint8Array(READ_SIZE) : null;  // where connected sockets read (onread)

  const stringAt = (p) => decoder.decode(mod.HEAPU8.slice(p, mod.HEAPU8.indexOf(0, p)));
  // Sets wa_errmsg in C and returns code.
  function fail(code, message) {
    const bytes = encoder.encode(`${message}\0`);
    const p = mod._malloc(bytes.length);
    mod.HEAPU8.set(bytes, p);
    mod._wa__js_tcp_error(code, p);
    mod._free(p);
    return code;
  }
  const noTcp = 'a page has no TCP sockets (it connects with WebSockets: ws:// and wss:// URLs)';

  // A connection's record, whatever carries it. The transport t has
  // pause(), resume(), room() (bytes it takes now), write(bytes), end(),
  // close() and address(peer); it reports through the record's methods.
  function adopt(t, connecting) {
    const c = {
      kind: 'conn', t, ring: new Ring(), paused: false, connecting, opened: !connecting,
      ended: false, error: null, connectError: null, sendError: null,
      open() { c.connecting = false; c.opened = true; wake(); },
      // Takes bytes the transport received (valid only during the call);
      // false once it paused the transport, which the ring could not take
      // another read's worth.
      data(bytes) {
        c.ring.push(bytes);
        wake();
        if (HIGH - c.ring.held >= READ_SIZE) return true;
        c.paused = true;
        t.pause();
        return false;
      },
      end() { c.ended = true; wake(); },
      // The connection failed: before it opened (connecting), or after,
      // with code for reads and writes past what is held.
      fail(code, message) {
        if (c.connecting) {
          c.connecting = false;
          c.connectError = message;
        } else c.error ??= { code, message };
        wake();
      },
      writable: wake,
    };
    const id = nextId++;
    sockets.set(id, c);
    return { id, c };
  }

  // node's net socket as a transport. Sockets we connect read into scratch
  // (onread; c.data returning false pauses them); accepted ones (net's
  // server cannot read that way) hand over data events, copied the same.
  function tcp(socket, connecting, readsIntoScratch) {
    const { id, c } = adopt({
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      room: () => (socket.writableLength < HIGH ? Infinity : 0),
      write: (bytes) => socket.write(bytes),
      end: () => (socket.end(), 0),
      close() {
        socket.end();                    // what was written still goes, as close(2) does
        socket.destroySoon();
      },
      address: (peer) => (peer ? { address: socket.remoteAddress, port: socket.remotePort } : socket.address()),
    }, connecting);
    socket.setNoDelay(true);
    socket.on('connect', () => c.open());
    if (readsIntoScratch) readsIntoScratch(c);
    else socket.on('data', (chunk) => c.data(chunk));
    socket.on('end', () => c.end());
    socket.on('error', (e) => c.fail(RESETS.has(e.code) ? WA.ERESET : WA.EIO, e.message));
    socket.on('drain', () => c.writable());
    return id;
  }

  function conn(id) {
    const c = sockets.get(id);
    return c?.kind === 'conn' ? c : null;
  }

  return (mod.wasyncioNet = {
    connect(hostPtr, port) {
      const host = stringAt(hostPtr);
      if (WS_URL.test(host)) {
        const r = websocket.connect(host, port, adopt, HIGH);
        return typeof r === 'number' ? r : fail(r.code, r.message);
      }
      if (!net) return fail(WA.ENOTSUP, `TCP streams need node, the native host or WASI: ${noTcp}`);
      let c = null;                      // node takes the callback before tcp() makes the record
      const onread = { buffer: scratch, callback: (n) => c.data(scratch.subarray(0, n)) };
      return tcp(net.connect({ host, port, allowHalfOpen: true, onread }), true, (record) => (c = record));
    },
    // How the connect or listen in progress on id went: 0, AGAIN, or an error.
    status(id) {
      const s = sockets.get(id);
      if (!s) return fail(WA.EINVAL, 'no such socket');
      if (s.kind === 'listener') return s.error ? fail(WA.ECONNECT, s.error.message) : s.listening ? 0 : AGAIN;
      if (s.connecting) return AGAIN;
      return s.opened ? 0 : fail(WA.ECONNECT, s.connectError);
    },
    listen(hostPtr, port, backlog) {
      if (!net) return fail(WA.ENOTSUP, `a page cannot accept connections: servers run natively, in node or on WASI (${noTcp})`);
      const host = stringAt(hostPtr) || undefined;
      const l = { kind: 'listener', pending: [], listening: false, error: null };
      l.server = net.createServer({ allowHalfOpen: true }, (socket) => { l.pending.push(socket); wake(); });
      l.server.on('error', (e) => { l.error = e; wake(); });
      l.server.listen({ host, port, backlog: backlog > 0 ? backlog : 100 }, () => { l.listening = true; wake(); });
      const id = nextId++;
      sockets.set(id, l);
      return id;
    },
    accept(id) {
      const l = sockets.get(id);
      if (l?.kind !== 'listener') return fail(WA.EINVAL, 'not a listening socket');
      if (l.error && !l.pending.length) return fail(WA.EIO, `the listening socket failed: ${l.error.message}`);
      const socket = l.pending.shift();
      return socket ? tcp(socket, false, null) : AGAIN;
    },
    recv(id, buf, cap) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      if (c.ring.held === 0) {
        if (c.error) return fail(c.error.code, `connection lost while reading: ${c.error.message}`);
        return c.ended ? 0 : AGAIN;
      }
      const n = c.ring.take(mod.HEAPU8, buf, cap);
      if (c.paused && c.ring.held <= HIGH / 2) {
        c.paused = false;
        c.t.resume();
      }
      return n;
    },
    send(id, buf, len) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      const e = c.error ?? c.sendError;
      if (e) return fail(e.code, `connection lost while writing: ${e.message}`);
      const n = c.connecting ? 0 : Math.min(len, c.t.room());
      if (n === 0) return AGAIN;
      // A copy: node may keep what it is given until written, and C reuses
      // its buffer. Small ones come from node's pool, not an allocation each.
      if (n < SMALL_WRITE && isNode) {
        const copy = Buffer.allocUnsafe(n);
        copy.set(mod.HEAPU8.subarray(buf, buf + n));
        c.t.write(copy);
      } else c.t.write(mod.HEAPU8.slice(buf, buf + n));
      return n;
    },
    shutdown(id) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      const r = c.t.end();
      return r === 0 ? 0 : fail(r.code, r.message);
    },
    address(id, peer, buf, cap) {
      const s = sockets.get(id);
      if (!s) return fail(WA.EINVAL, 'no such socket');
      const a = s.kind === 'listener' ? s.server.address() : s.t.address(peer);
      if (a?.code) return fail(a.code, a.message);
      if (!a?.address) return fail(peer ? WA.ERESET : WA.EIO, `no ${peer ? 'peer' : 'local'} address`);
      const bytes = encoder.encode(`${a.address}\0`);
      if (bytes.length > cap) return fail(WA.EINVAL, 'address buffer too small');
      mod.HEAPU8.set(bytes, buf);
      return a.port;
    },
    close(id) {
      const s = sockets.get(id);
      sockets.delete(id);
      if (s?.kind === 'listener') {
        s.server.close();
        for (const socket of s.pending) socket.destroy();
      } else if (s) s.t.close();
    },
    // Marks which of the count watches (host.h's wa__fd_watch: int fd,
    // uint8 events, uint8 ready; 8 bytes each) at p are ready; 1 if any is.
    poll(p, count) {
      const heap = mod.HEAPU8, ids = mod.HEAP32;
      let any = 0;
      for (let w = p, end = p + 8 * count; w < end; w += 8) {
        if (ready(ids[w >> 2], heap[w + 4])) any = heap[w + 5] = 1;
      }
      return any;
    },
  });

  function ready(id, events) {
    const s = sockets.get(id);
    if (!s) return true;                 // gone: the next call says so
    if (s.kind === 'listener') return events & WRITE ? s.listening || !!s.error : s.pending.length > 0 || !!s.error;
    if (events & WRITE) return !s.connecting && (!s.opened || !!s.error || !!s.sendError || s.t.room() > 0);
    return s.ring.held > 0 || s.ended || !!s.error;
  }
}
