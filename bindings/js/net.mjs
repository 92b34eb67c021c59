// The TCP side of JS hosts: node's net sockets behind small ids, which the C
// runtime watches as other hosts' descriptors (tcp_js.c). Incoming bytes wait
// here until C reads them; above HIGH the socket pauses, so a slow C reader
// holds the peer back. Sending takes bytes until node's buffer passes HIGH,
// then says "again" until it drains. Every socket event ends the driver's
// wait (wasyncioWake); the loop then asks which sockets are ready. Browsers
// have no TCP: every call there is WA_ENOTSUP.

const isNode = typeof process === 'object' && process.versions?.node !== undefined;
const WA = { EINVAL: -8, EIO: -9, ECONNECT: -15, ERESET: -16, ENOTSUP: -20 };
const AGAIN = -1000;                     // tcp_js.c's JS_AGAIN
const READ = 1, WRITE = 2;               // host.h's WA__FD_READ, WA__FD_WRITE
const HIGH = 256 * 1024;
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Installs Module.wasyncioNet, which library_wasyncio.js calls into. */
export async function installNet(mod) {
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
  const unsupported = () => fail(WA.ENOTSUP, 'TCP streams need node, the native host or WASI: a page has no sockets');

  function adopt(socket, connecting) {
    const c = { kind: 'conn', socket, chunks: [], held: 0, ended: false, error: null, connecting };
    const id = nextId++;
    sockets.set(id, c);
    socket.setNoDelay(true);
    socket.on('connect', () => { c.connecting = false; wake(); });
    socket.on('data', (chunk) => {
      c.chunks.push(chunk);
      c.held += chunk.length;
      if (c.held > HIGH) socket.pause();
      wake();
    });
    socket.on('end', () => { c.ended = true; wake(); });
    socket.on('error', (e) => { c.error = e; c.connecting = false; wake(); });
    socket.on('drain', wake);
    return id;
  }

  function conn(id) {
    const c = sockets.get(id);
    return c?.kind === 'conn' ? c : null;
  }

  return (mod.wasyncioNet = {
    connect(hostPtr, port) {
      if (!net) return unsupported();
      const host = stringAt(hostPtr);
      return adopt(net.connect({ host, port, allowHalfOpen: true }), true);
    },
    // How the connect or listen in progress on id went: 0, AGAIN, or an error.
    status(id) {
      const s = sockets.get(id);
      if (!s) return fail(WA.EINVAL, 'no such socket');
      if (s.kind === 'listener') return s.error ? fail(WA.ECONNECT, s.error.message) : s.listening ? 0 : AGAIN;
      if (s.connecting) return AGAIN;
      return s.error ? fail(WA.ECONNECT, s.error.message) : 0;
    },
    listen(hostPtr, port, backlog) {
      if (!net) return unsupported();
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
      return socket ? adopt(socket, false) : AGAIN;
    },
    recv(id, buf, cap) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      if (c.held === 0) {
        if (c.error) return fail(RESETS.has(c.error.code) ? WA.ERESET : WA.EIO, `connection lost while reading: ${c.error.message}`);
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
      if (c.held <= HIGH / 2 && c.socket.isPaused()) c.socket.resume();
      return n;
    },
    send(id, buf, len) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      if (c.error) return fail(RESETS.has(c.error.code) ? WA.ERESET : WA.EIO, `connection lost while writing: ${c.error.message}`);
      if (c.connecting || c.socket.writableLength >= HIGH) return AGAIN;
      c.socket.write(mod.HEAPU8.slice(buf, buf + len));
      return len;
    },
    shutdown(id) {
      const c = conn(id);
      if (!c) return fail(WA.EINVAL, 'no such connection');
      c.socket.end();
      return 0;
    },
    address(id, peer, buf, cap) {
      const s = sockets.get(id);
      if (!s) return fail(WA.EINVAL, 'no such socket');
      const a = s.kind === 'listener' ? s.server.address() : peer ? { address: s.socket.remoteAddress, port: s.socket.remotePort } : s.socket.address();
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
      } else if (s) {
        s.socket.end();                  // what was written still goes, as close(2) does
        s.socket.destroySoon();
      }
    },
    ready(id, events) {
      const s = sockets.get(id);
      if (!s) return 1;                  // gone: the next call says so
      if (s.kind === 'listener') return events & WRITE ? s.listening || !!s.error : s.pending.length > 0 || !!s.error;
      if (events & WRITE) return !s.connecting && (!!s.error || s.socket.writableLength < HIGH);
      return s.held > 0 || s.ended || !!s.error;
    },
  });
}
