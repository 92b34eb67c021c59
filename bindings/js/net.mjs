// The TCP side of JS hosts: connections behind small ids, which the C runtime
// watches as other hosts' descriptors (tcp_js.c). A connection is node's net
// socket or, for a ws: or wss: URL, a WebSocket (websocket.mjs); both feed
// the same record here. Incoming bytes wait here until C reads them; above
// HIGH the transport pauses (node's sockets can; a WebSocket cannot), so a
// slow C reader holds the peer back. Sending takes bytes while the
// transport's own buffer has room, then says "again" until it drains. Every
// transport event ends the driver's wait (wasyncioWake); the loop then asks
// which ids are ready. Browsers have no TCP: there only WebSockets connect.

const isNode = typeof process === 'object' && process.versions?.node !== undefined;
const WA = { EINVAL: -8, EIO: -9, ECONNECT: -15, ERESET: -16, ENOTSUP: -20 };
const AGAIN = -1000;                     // tcp_js.c's JS_AGAIN
const READ = 1, WRITE = 2;               // host.h's WA__FD_READ, WA__FD_WRITE
const HIGH = 256 * 1024;
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const WS_URL = /^wss?:\/\//i;

/** Installs Module.wasyncioNet, which library_wasyncio.js calls into;
 *  websocket is websocket.mjs (the driver loads it from beside this). */
export async function installNet(mod, websocket) {
  const net = isNode ? await import('node:net') : null;
  const sockets = new Map();             // id: a connection or a listener
  let nextId = 1;
  const wake = () => mod.wasyncioWake();

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
      kind: 'conn', t, chunks: [], held: 0, connecting, opened: !connecting,
      ended: false, error: null, connectError: null, sendError: null,
      open() { c.connecting = false; c.opened = true; wake(); },
      data(chunk) {
        c.chunks.push(chunk);
        c.held += chunk.length;
        if (c.held > HIGH) t.pause();
        wake();
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

  // node's net socket as a transport.
  function tcp(socket, connecting) {
    const { id, c } = adopt({
      pause: () => socket.pause(),
      resume: () => socket.isPaused() && socket.resume(),
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
    socket.on('data', (chunk) => c.data(chunk));
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
      return tcp(net.connect({ host, port, allowHalfOpen: true }), true);
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
      return socket ? tcp(socket, false) : AGAIN;
    },
    recv(id, buf, cap) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      if (c.held === 0) {
        if (c.error) return fail(c.error.code, `connection lost while reading: ${c.error.message}`);
        return c.ended ? 0 : AGAIN;
      }
      let n = 0;
      while (n < cap && c.chunks.length) {
        const chunk = c.chunks[0], k = Math.min(cap - n, chunk.length);
        mod.HEAPU8.set(chunk.subarray(0, k), buf + n);
        n += k;
        if (k === chunk.length) c.chunks.shift();
        else c.chunks[0] = chunk.subarray(k);
      }
      c.held -= n;
      if (c.held <= HIGH / 2) c.t.resume();
      return n;
    },
    send(id, buf, len) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      const e = c.error ?? c.sendError;
      if (e) return fail(e.code, `connection lost while writing: ${e.message}`);
      const n = c.connecting ? 0 : Math.min(len, c.t.room());
      if (n === 0) return AGAIN;
      c.t.write(mod.HEAPU8.slice(buf, buf + n));
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
    ready(id, events) {
      const s = sockets.get(id);
      if (!s) return 1;                  // gone: the next call says so
      if (s.kind === 'listener') return events & WRITE ? s.listening || !!s.error : s.pending.length > 0 || !!s.error;
      if (events & WRITE) return !s.connecting && (!s.opened || !!s.error || !!s.sendError || s.t.room() > 0);
      return s.held > 0 || s.ended || !!s.error;
    },
  });
}
