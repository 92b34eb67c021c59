// WebSockets as stream transports (net.mjs keeps the connection's record):
// wa_open_connection of a ws: or wss: URL where the JS environment has
// WebSocket (browsers; node from 22). Each write goes as binary messages;
// every message received, binary or text (as UTF-8), appends its bytes to
// the stream in order. The WebSocket API cannot pause receiving: what the
// peer sends is held in JS until C reads it, however much that is. Sending
// takes bytes while the browser holds at most net.mjs's 256 KiB unsent
// (bufferedAmount); nothing signals when that drains, so a short timer
// watches it meanwhile.

const WA = { EINVAL: -8, ECONNECT: -15, ERESET: -16, ENOTSUP: -20 };
const CLEAN = new Set([1000, 1001, 1005]); // normal, going away, no status: the peer's end
const POLL_MS = 4;
const encoder = new TextEncoder();

/** Opens a WebSocket to url (port, unless 0, replaces the URL's) as a
 *  connection adopt() records, sending while the browser holds at most
 *  high bytes; returns its id, or { code, message }. */
export function connect(url, port, adopt, high) {
  const WebSocket = globalThis.WebSocket;
  if (typeof WebSocket !== 'function') {
    return { code: WA.ENOTSUP, message: 'this JS environment has no WebSocket (node has it from version 22; browsers do)' };
  }
  let ws, where;
  try {
    where = new URL(url);
    if (port) where.port = String(port);
    ws = new WebSocket(where.href);
  } catch (e) {
    return { code: e.name === 'SecurityError' ? WA.ECONNECT : WA.EINVAL, message: e.message };
  }
  ws.binaryType = 'arraybuffer';
  let timer = null, closed = false;
  // Wakes the loop once the browser's buffer has drained to half.
  const watch = () => {
    timer = null;
    if (closed) return;
    if (ws.bufferedAmount <= high / 2) c.writable();
    else timer = setTimeout(watch, POLL_MS);
  };
  const { id, c } = adopt({
    pause() {},                           // the API has no way to
    resume() {},
    room() {
      if (ws.readyState !== WebSocket.OPEN) return 0;
      if (ws.bufferedAmount <= high / 2) return high - ws.bufferedAmount;
      timer ??= setTimeout(watch, POLL_MS);
      return 0;
    },
    write: (bytes) => ws.send(bytes),
    end: () => ({ code: WA.ENOTSUP, message: 'a WebSocket has no half-close' }),
    close() {
      closed = true;
      clearTimeout(timer);
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000); // sends what the browser holds first
    },
    // The URL's: a page cannot know its own end's address.
    address: (peer) => (peer
      ? { address: where.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(where.port) || (where.protocol === 'wss:' ? 443 : 80) }
      : { code: WA.ENOTSUP, message: 'a WebSocket\'s local address is not known to the page' }),
  }, true);
  ws.onopen = () => c.open();
  ws.onmessage = (e) => c.data(typeof e.data === 'string' ? encoder.encode(e.data) : new Uint8Array(e.data));
  ws.onclose = (e) => {
    closed = true;
    clearTimeout(timer);
    const why = `the WebSocket closed with code ${e.code}${e.reason ? ` (${e.reason})` : ''}`;
    c.sendError = { code: WA.ERESET, message: why };
    if (c.connecting) c.fail(WA.ECONNECT, e.code === 1006 ? 'no WebSocket connection (refused, unreachable, or the handshake failed)' : why);
    else if (CLEAN.has(e.code)) c.end();
    else c.fail(WA.ERESET, why);
  };
  return id;
}
