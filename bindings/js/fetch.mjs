// The HTTP side of JS hosts: the exchanges fetch.c asks for, on fetch in
// browsers, and in node those of https: and file: URLs, https: on undici
// (keep-alive agents, per-chunk backpressure, far less CPU per request than
// http.request or the global fetch). node's http: URLs go to the runtime's
// own client over node's net (takes says no), which measured faster still. At most
// one chunk is held here while C is not reading: in node the transfer pauses
// until C asks; a browser's network stack buffers ahead on its own.

const isNode = typeof process === 'object' && process.versions?.node !== undefined;
const WA = { ECANCELLED: -1, ETIMEDOUT: -2, EINVAL: -8, EIO: -9, ECONNECT: -15, ERESET: -16, ETRUNCATED: -17, ETOOBIG: -18, EHTTP: -19, ENOTSUP: -20 };
const REDIRECT_ERROR = 1, REDIRECT_MANUAL = 2;
const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Where wa-cc found undici when it built this module (a build beside no
// node_modules still finds it); the bare name is tried after it.
const UNDICI = 'undici';

/** Installs Module.wasyncioFetch, which library_wasyncio.js calls into. */
export async function installFetch(mod) {
  const undici = isNode ? await import(UNDICI).catch(() => import('undici')).catch(() => null) : null;
  const fs = isNode ? await import('node:fs') : null;
  const { fileURLToPath } = isNode ? await import('node:url') : {};
  const defaultAgent = undici && new undici.Agent({ keepAliveTimeout: 10_000 });
  const sessions = new Map(); // id -> a keep-alive agent of its own
  let nextSession = 1;
  const exchanges = new Map(); // the C response -> its exchange, until it ends or is aborted

  const bytesAt = (p, n) => mod.HEAPU8.slice(p, p + n);
  // A view to decode in place; shared memory (threads builds) must be copied first.
  const decodable = (p, end) => (mod.HEAPU8.buffer instanceof ArrayBuffer ? mod.HEAPU8.subarray(p, end) : mod.HEAPU8.slice(p, end));
  const stringAt = (p) => decoder.decode(decodable(p, mod.HEAPU8.indexOf(0, p)));
  function copyIn(bytes) {
    const p = mod._malloc(bytes.length + 1);
    mod.HEAPU8.set(bytes, p);
    mod.HEAPU8[p + bytes.length] = 0;
    return p;
  }
  const copyString = (s) => copyIn(encoder.encode(s));

  // Headers as fetch.c takes them: one malloc'd block of "name\0value\0" pairs.
  function reportHeaders(ex, status, url, pairs) {
    const block = encoder.encode(pairs.map(([name, value]) => `${name}\0${value}\0`).join(''));
    reportBlock(ex, status, url, copyIn(block), pairs.length);
  }
  function reportBlock(ex, status, url, block, count) {
    mod._wa__js_fetch_headers(ex.r, status, copyString(url), block, count);
    mod.wasyncioWake();
  }
  // undici's raw headers (Buffers: name, value, ...) copied into such a block as
  // they are, without strings in between.
  function rawBlock(raw) {
    let size = 1;
    for (const b of raw) size += b.length + 1;
    const p = mod._malloc(size);
    let at = p;
    for (const b of raw) {
      mod.HEAPU8.set(b, at);
      at += b.length;
      mod.HEAPU8[at++] = 0;
    }
    mod.HEAPU8[at] = 0;
    return p;
  }
  // The value of the header named lower (lower case) in raw, or undefined.
  function rawHeader(raw, lower) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].length === lower.length && raw[i].toString('latin1').toLowerCase() === lower) return raw[i + 1].toString('latin1');
    }
    return undefined;
  }
  // Reports the end now; nothing is reported for this exchange afterwards.
  function finish(ex, code, msg) {
    if (ex.finished) return;
    ex.finished = true;
    clearTimeout(ex.timer);
    exchanges.delete(ex.r);
    mod._wa__js_fetch_end(ex.r, code, msg ? copyString(msg) : 0);
    mod.wasyncioWake();
  }
  // The transfer is over: C hears of it once it has read what is held.
  function end(ex, code, msg = null) {
    if (ex.finished) return;
    ex.outcome = { code, msg };
    if (!ex.held) finish(ex, code, msg);
  }
  // Stops the transfer at once (a timeout, a refused redirect), dropping what is held.
  function fail(ex, code, msg) {
    ex.held = null;
    const stop = ex.stop;
    finish(ex, code, msg);                // first: the transfer's own error then finds it finished
    stop?.();
  }
  // A chunk arrived: into C's buffer if it is waiting, else held. Returns
  // whether the transfer may go on (false: pause until C asks).
  function deliver(ex, chunk) {
    if (ex.finished) return false;
    if (!chunk.length) return true;      // undici may hand over an empty chunk on resume
    ex.received += chunk.length;
    if (!ex.want) {
      ex.held = chunk;
      return false;
    }
    const { buf, cap } = ex.want;
    ex.want = null;
    const n = Math.min(cap, chunk.length);
    mod.HEAPU8.set(chunk.subarray(0, n), buf);
    if (n < chunk.length) ex.held = chunk.subarray(n);
    mod._wa__js_fetch_data(ex.r, n);
    mod.wasyncioWake();
    return !ex.held;
  }

  function mapError(ex, err, origin) {
    const code = err?.code ?? err?.cause?.code;
    if (code === 'UND_ERR_HEADERS_OVERFLOW') return [WA.ETOOBIG, `the response headers from ${origin} are too large`];
    if (CONNECT_ERRORS.has(code)) return [WA.ECONNECT, `cannot connect to ${origin}: ${err.cause?.message ?? err.message}`];
    if (ex.expected >= 0 && ex.received < ex.expected) {
      return [WA.ETRUNCATED, `the body from ${origin} ended after ${ex.received} of ${ex.expected} bytes`];
    }
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED' || code === 'EPIPE') {
      return [WA.ERESET, `the connection to ${origin} was reset: ${err.message}`];
    }
    return [WA.EIO, `fetch from ${origin} failed: ${err?.message ?? err}`];
  }

  function redirectTarget(ex, status, location, base, method, redirect) {
    if (redirect === REDIRECT_MANUAL || !REDIRECTS.has(status) || !location) return null;
    if (redirect === REDIRECT_ERROR) return fail(ex, WA.EHTTP, `refused redirect (${status}) to ${location}`) ?? false;
    if (++ex.hops > MAX_REDIRECTS) return fail(ex, WA.EHTTP, `more than ${MAX_REDIRECTS} redirects from ${ex.url}`) ?? false;
    const toGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
    return { url: new URL(location, base), method: toGet ? 'GET' : method, dropBody: toGet };
  }

  // node: one attempt over undici's dispatch; a redirect starts the next.
  function viaUndici(ex, url, method, headers, body, redirect, agent) {
    const attempt = ++ex.attempts; // a redirect's abort must not end the exchange
    const current = () => attempt === ex.attempts && !ex.finished;
    agent.dispatch({ origin: url.origin, path: url.pathname + url.search, method, headers, body }, {
      onConnect(abort) {
        if (!current()) return abort();
        ex.stop = () => abort(new Error('aborted'));
      },
      onHeaders(status, raw, resume) {
        if (!current()) return false;
        const next = redirectTarget(ex, status, REDIRECTS.has(status) ? rawHeader(raw, 'location') : undefined, url, method, redirect);
        if (next === false) return false;
        if (next) {
          const stop = ex.stop;           // after the next attempt counts, so its error is ignored
          viaUndici(ex, next.url, next.method, headers, next.dropBody ? undefined : body, redirect, agent);
          stop?.();
          return false;
        }
        const length = rawHeader(raw, 'content-length');
        ex.expected = length === undefined ? -1 : Number(length);
        ex.resume = resume;
        reportBlock(ex, status, url.href, rawBlock(raw), raw.length >> 1);
        return true;
      },
      onData(chunk) {
        return current() && deliver(ex, chunk);
      },
      onComplete() {
        if (current()) end(ex, 0);
      },
      onError(err) {
        if (current()) end(ex, ...mapError(ex, err, url.origin));
      },
    });
  }

  // Browsers: the page's fetch, its body read one chunk per request from C.
  async function viaFetch(ex, url, method, headers, body, redirect) {
    const controller = new AbortController();
    ex.stop = () => controller.abort();
    let res;
    try {
      res = await fetch(url, { method, headers, body, signal: controller.signal, redirect: ['follow', 'error', 'manual'][redirect] });
    } catch (e) {
      if (!ex.finished) end(ex, redirect === REDIRECT_ERROR ? WA.EHTTP : WA.ECONNECT, `fetch ${url.href} failed: ${e.message}`);
      return;
    }
    if (ex.finished) return;
    const length = res.headers.get('content-length');
    ex.expected = length === null ? -1 : Number(length);
    reportHeaders(ex, res.status, res.url || url.href, [...res.headers]);
    const reader = res.body?.getReader();
    if (!reader) return end(ex, 0);
    let reading = false;
    ex.resume = () => {
      if (reading || ex.finished) return;
      reading = true;
      reader.read().then(({ done, value }) => {
        reading = false;
        if (ex.finished) return;
        if (done) return end(ex, 0);
        if (deliver(ex, value)) ex.resume();
      }, (e) => {
        reading = false;                  // a page is told "network error" alone: short or reset
        if (ex.finished) return;
        if (ex.expected >= 0 && ex.received < ex.expected) end(ex, ...mapError(ex, e, url.origin));
        else end(ex, WA.ERESET, `the connection to ${url.origin} was reset: ${e.message}`);
      });
    };
  }

  // node: file: URLs, a read stream paused whenever C is not reading.
  function viaFile(ex, url) {
    let path;
    try {
      path = fileURLToPath(url);
    } catch (e) {
      return end(ex, WA.EINVAL, `${url.href}: ${e.message}`);
    }
    const stream = fs.createReadStream(path, { highWaterMark: 64 * 1024 });
    ex.stop = () => stream.destroy();
    ex.resume = () => stream.resume();
    stream.on('data', (chunk) => {
      if (!deliver(ex, chunk)) stream.pause();
    });
    stream.pause();
    stream.on('open', () => reportHeaders(ex, 200, url.href, [['content-type', 'application/octet-stream']]));
    stream.on('error', (e) => end(ex, WA.EIO, `cannot read ${path}: ${e.message}`));
    stream.on('end', () => end(ex, 0));
  }

  function start(r, urlPtr, methodPtr, headersPtr, headersLen, bodyPtr, bodyLen, timeoutMs, redirect, session) {
    const ex = { r, url: stringAt(urlPtr), held: null, want: null, received: 0, expected: -1, hops: 0, attempts: 0 };
    exchanges.set(r, ex);
    const method = stringAt(methodPtr);
    const parts = decoder.decode(decodable(headersPtr, headersPtr + headersLen)).split('\0');
    const headers = {};
    for (let i = 0; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
    const body = bodyLen ? bytesAt(bodyPtr, bodyLen) : undefined;
    if (timeoutMs > 0) ex.timer = setTimeout(() => fail(ex, WA.ETIMEDOUT, `${ex.url} timed out after ${timeoutMs / 1000} s`), timeoutMs);
    queueMicrotask(() => { // C goes on to wait for the headers first
      let url;
      try {
        url = new URL(ex.url);
      } catch {
        return end(ex, WA.EINVAL, `bad URL: ${ex.url}`);
      }
      if (url.protocol === 'file:') return isNode ? viaFile(ex, url) : end(ex, WA.ENOTSUP, 'a page cannot read file: URLs');
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return end(ex, WA.EINVAL, `cannot fetch ${url.protocol} URLs`);
      if (!isNode) return viaFetch(ex, url, method, headers, body, redirect);
      if (!undici) return end(ex, WA.ENOTSUP, 'network fetch in node needs the undici package (npm install undici)');
      viaUndici(ex, url, method, headers, body, redirect, sessions.get(session) ?? defaultAgent);
    });
    return 0;
  }

  function read(r, buf, cap) {
    const ex = exchanges.get(r);
    if (!ex) return 0;
    if (!ex.held) {
      ex.want = { buf, cap };
      ex.resume?.();
      return 0;
    }
    const n = Math.min(cap, ex.held.length);
    mod.HEAPU8.set(ex.held.subarray(0, n), buf);
    ex.held = n < ex.held.length ? ex.held.subarray(n) : null;
    if (!ex.held && ex.outcome) finish(ex, ex.outcome.code, ex.outcome.msg);
    else if (!ex.held) ex.resume?.();
    return n;
  }

  function abort(r) {
    const ex = exchanges.get(r);
    if (!ex) return;
    ex.finished = true;
    clearTimeout(ex.timer);
    exchanges.delete(r);
    ex.stop?.();
  }

  mod.wasyncioFetch = {
    // Which URLs this side fetches: in node all but http: ones.
    takes: (urlPtr, urlLen) => (isNode && /^http:/i.test(decoder.decode(decodable(urlPtr, urlPtr + urlLen))) ? 0 : 1),
    start,
    read,
    abort,
    sessionNew(max) {
      if (!undici) return 0;
      sessions.set(nextSession, new undici.Agent({ connections: max, keepAliveTimeout: 10_000 }));
      return nextSession++;
    },
    sessionFree(id) {
      sessions.get(id)?.close();
      sessions.delete(id);
    },
  };
}
