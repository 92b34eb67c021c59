// node side of `npm run bench` (bench/run.mjs drives it).
//
// Usage: node --expose-gc bench/bench_node.mjs <workload> [N] [server URL]
//
// Runs the same workloads as bench/bench.c (wasyncio) and bench/bench_asyncio.py,
// with async functions and Promises as the "tasks", and prints one JSON line per
// metric to stdout: {"metric":"yield_ns","value":58.1}. A line may carry a
// "variant" when node has two ways to do the same thing (yield: await null and
// setImmediate). Errors go to stderr (first line is shown by the harness), exit 1.
// Keep the three programs in step: same N meaning, same batch size, same PRNG.
// The HTTP workloads (http_get, stream) take the URL of bench/http_server.mjs.

import http from 'node:http';
import { Pool, request } from 'undici';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const SPAWN_BATCH = 1000;       // tasks created before awaiting them; same in bench.c and bench_asyncio.py
const TIMER_SEED = 0x2545f491;  // xorshift32 seed shared with bench.c and bench_asyncio.py
const COMBINE_REPEATS = 11;     // gather / wait_first rounds per process, median reported; same in all three
const HTTP_CONCURRENCY = 64;    // requests in flight at once; same in all three
const HTTP_WARMUP = 2_000;      // untimed requests first: connections open, code warm; same in all three
const HTTP_BODY_BYTES = 100;    // the body of the server's /small; same in all three and http_server.mjs
const PATTERN_PERIOD = 251;     // byte i of every body is i % PATTERN_PERIOD; same everywhere
const MIB = 1024 * 1024;

function emit(metric, value, extra = {}) {
  process.stdout.write(JSON.stringify({ metric, value, ...extra }) + '\n');
}

// n distinct durations in (0, 1) s from xorshift32, identical in all three programs.
function timerDurations(n) {
  const out = new Float64Array(n);
  let x = TIMER_SEED;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;                   // back to uint32 after the int32 shifts
    out[i] = x / 4294967296;
  }
  return out;
}

// The middle value (lower middle for an even count), same rule in all programs.
function median(values) {
  const sorted = Float64Array.from(values).sort();   // typed-array sort is numeric
  return sorted[(sorted.length - 1) >> 1];
}

const nowNs = () => process.hrtime.bigint();
const secondsSince = (t0) => Number(nowNs() - t0) / 1e9;

// The gc() hook: the harness passes --expose-gc; running by hand works too.
function gcHook() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

async function benchYield(n) {
  // Microtask yield: the cheapest switch node has, no trip through the event loop.
  async function awaitNull() {
    for (let i = 0; i < n; i++) await null;
  }
  // Macrotask yield: each switch goes through the event loop, like asyncio.sleep(0).
  async function immediate() {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const [variant, fn] of [['await null', awaitNull], ['setImmediate', immediate]]) {
    const t0 = nowNs();
    const a = fn();
    const b = fn();
    await a;
    await b;
    emit('yield_ns', (secondsSince(t0) * 1e9) / (2 * n), { variant });
  }
}

async function benchSpawn(n) {
  async function noop() {}
  const batch = new Array(SPAWN_BATCH);
  const t0 = nowNs();
  for (let done = 0; done < n; ) {
    const count = Math.min(SPAWN_BATCH, n - done);
    for (let i = 0; i < count; i++) batch[i] = noop();
    for (let i = 0; i < count; i++) await batch[i];
    done += count;
  }
  emit('tasks_per_s', n / secondsSince(t0));
}

async function benchMemory(n) {
  const gc = gcHook();
  let openGate;
  const gate = new Promise((resolve) => { openGate = resolve; });
  let allDone;
  const finishedAll = new Promise((resolve) => { allDone = resolve; });
  let finished = 0;
  async function waiter() {
    await gate;
    if (++finished === n) allDone();
  }

  gc();
  const before = process.memoryUsage().heapUsed;
  // The returned promises are dropped: the gate's reaction list keeps each
  // suspended function alive, as the loop does for unreferenced asyncio tasks.
  for (let i = 0; i < n; i++) waiter();   // each runs synchronously up to `await gate`
  gc();
  const after = process.memoryUsage().heapUsed;
  emit('bytes_per_task', (after - before) / n);

  openGate();
  await finishedAll;
}

async function benchTimers(n) {
  const durations = timerDurations(n);
  const late = new Float64Array(n);
  let finished = 0;
  let allDone;
  const finishedAll = new Promise((resolve) => { allDone = resolve; });

  async function sleeper(i) {
    const ms = durations[i] * 1e3;
    const deadline = performance.now() + ms;
    await new Promise((resolve) => setTimeout(resolve, ms));
    late[i] = performance.now() - deadline;
    if (++finished === n) allDone();
  }

  for (let i = 0; i < n; i++) sleeper(i);
  await finishedAll;
  emitLateness(late, 'sleeping tasks');

  // Timer precision alone: the same durations as plain setTimeout callbacks.
  gcHook()();
  const lateCb = new Float64Array(n);
  let fired = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < n; i++) {
      const ms = durations[i] * 1e3;
      const deadline = performance.now() + ms;
      setTimeout(() => {
        lateCb[i] = performance.now() - deadline;
        if (++fired === n) resolve();
      }, ms);
    }
  });
  emitLateness(lateCb, 'setTimeout');
}

function emitLateness(late, variant) {
  const n = late.length;
  const sorted = late.slice().sort();   // typed-array sort is numeric
  let early = 0;
  for (const x of sorted) if (x < 0) early++;
  emit('late_ms_max', sorted[n - 1], { variant });
  emit('late_ms_p50', sorted[(n - 1) >> 1], { variant });   // lower median, same index rule in all programs
  emit('early_count', early, { variant });
}

// n async function calls that each yield once (await null) and return their
// index, combined with Promise.all; ms per round, creation included.
async function benchGather(n) {
  async function member(i) {
    await null;
    return i;
  }
  const times = [];
  for (let round = 0; round < COMBINE_REPEATS; round++) {
    const t0 = nowNs();
    const promises = new Array(n);
    for (let i = 0; i < n; i++) promises[i] = member(i);
    const results = await Promise.all(promises);
    times.push(secondsSince(t0) * 1e3);
    for (let i = 0; i < n; i++) {
      if (results[i] !== i) throw new Error(`Promise.all result ${i} is ${results[i]}: out of order`);
    }
  }
  emit('gather_ms', median(times));
}

// n async function calls: call 0 returns at once, the others await one shared
// promise. Time from the first call until Promise.race settles; the shared
// promise is then resolved and the rest awaited, untimed.
async function benchWaitFirst(n) {
  const times = [];
  for (let round = 0; round < COMBINE_REPEATS; round++) {
    let openGate;
    const gate = new Promise((resolve) => { openGate = resolve; });
    async function member(i) {
      if (i === 0) return 0;
      await gate;
      return i;
    }
    const t0 = nowNs();
    const promises = new Array(n);
    for (let i = 0; i < n; i++) promises[i] = member(i);
    const first = await Promise.race(promises);
    times.push(secondsSince(t0) * 1e3);
    if (first !== 0) throw new Error(`Promise.race settled with ${first}, expected call 0`);

    // Cleanup, outside the timed region: release the others and let them finish.
    openGate();
    const results = await Promise.all(promises);
    for (let i = 0; i < n; i++) {
      if (results[i] !== i) throw new Error(`waiting call ${i} returned ${results[i]}`);
    }
  }
  emit('wait_first_ms', median(times));
}

// A channel of one slot built on promises, the usual node hand-off: put
// waits while the slot is full, get while it is empty.
class Channel {
  constructor() { this.full = false; this.item = undefined; this.getter = null; this.putter = null; }
  async put(item) {
    while (this.full) await new Promise((resolve) => { this.putter = resolve; });
    this.item = item;
    this.full = true;
    if (this.getter) { const wake = this.getter; this.getter = null; wake(); }
  }
  async get() {
    while (!this.full) await new Promise((resolve) => { this.getter = resolve; });
    const item = this.item;
    this.full = false;
    if (this.putter) { const wake = this.putter; this.putter = null; wake(); }
    return item;
  }
}

// A producer and a consumer pass n items through a one-slot channel; ns per item.
async function benchHandoff(n) {
  const channel = new Channel();
  const t0 = nowNs();
  const producer = (async () => { for (let i = 1; i <= n; i++) await channel.put(i); })();
  const consumer = (async () => {
    for (let i = 1; i <= n; i++) {
      const item = await channel.get();
      if (item !== i) throw new Error(`item ${i} arrived as ${item}`);
    }
  })();
  await Promise.all([producer, consumer]);
  emit('handoff_ns', (secondsSince(t0) * 1e9) / n);
}

// A promise-based mutex taken and given back n times without contention; ns per pair.
class Mutex {
  constructor() { this.locked = false; this.waiters = []; }
  async acquire() {
    if (!this.locked) { this.locked = true; return; }
    await new Promise((resolve) => this.waiters.push(resolve));
  }
  release() {
    const next = this.waiters.shift();
    if (next) next(); else this.locked = false;
  }
}

async function benchLock(n) {
  const mutex = new Mutex();
  const t0 = nowNs();
  for (let i = 0; i < n; i++) {
    await mutex.acquire();
    mutex.release();
  }
  emit('lock_ns', (secondsSince(t0) * 1e9) / n);
}

// ------------------------------------------------------------------ HTTP

// The period pattern, long enough that any piece of up to PATTERN_SPAN bytes
// starting at any phase is a slice of it: bodies are checked with one compare.
const PATTERN_SPAN = 64 * 1024;
const PATTERN = Buffer.from(Array.from({ length: PATTERN_PERIOD + PATTERN_SPAN }, (_, i) => i % PATTERN_PERIOD));
const SMALL = PATTERN.subarray(0, HTTP_BODY_BYTES);

// Checks bytes against the pattern from body offset `at`; throws on the first mismatch.
function checkPattern(bytes, at) {
  for (let done = 0; done < bytes.length; done += PATTERN_SPAN) {
    const piece = bytes.subarray(done, done + PATTERN_SPAN);
    const phase = (at + done) % PATTERN_PERIOD;
    if (Buffer.compare(piece, PATTERN.subarray(phase, phase + piece.length)) !== 0) {
      throw new Error(`body bytes ${at + done}..${at + done + piece.length} do not match the pattern`);
    }
  }
}

// user + system CPU of this process in µs, all its threads (getrusage).
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

// HTTP_CONCURRENCY loops share `count` requests, each made by get(); the
// first failure stops them all.
async function requestLoops(count, get) {
  let issued = 0;
  const loop = async () => {
    while (issued < count) {
      issued++;
      await get();
    }
  };
  await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, loop));
}

// Warm-up, then n timed requests: requests/s by wall time and CPU µs per request.
async function measureGets(n, variant, get) {
  gcHook()();                 // the previous variant's garbage is not this one's
  await requestLoops(HTTP_WARMUP, get);
  const cpu0 = cpuMicros();
  const t0 = nowNs();
  await requestLoops(n, get);
  const seconds = secondsSince(t0);
  const cpu = cpuMicros() - cpu0;
  emit('http_rps', n / seconds, { variant });
  emit('http_cpu_us', cpu / n, { variant });
}

function checkSmall(status, body) {
  if (status !== 200) throw new Error(`GET /small: HTTP ${status}`);
  if (!SMALL.equals(body)) throw new Error(`GET /small: a body of ${body.length} bytes that is not the pattern`);
}

async function benchHttpGet(n, base) {
  // The global fetch, whose own undici agent keeps connections alive.
  const smallUrl = `${base}/small`;
  await measureGets(n, 'fetch', async () => {
    const res = await fetch(smallUrl);
    checkSmall(res.status, Buffer.from(await res.arrayBuffer()));
  });

  // http.request on a keep-alive agent with one socket per loop.
  const { hostname, port } = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY });
  const options = { hostname, port, path: '/small', agent };
  const get = () => new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        try {
          checkSmall(res.statusCode, Buffer.concat(chunks));
          resolve();
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  await measureGets(n, 'http.request', get);
  agent.destroy();

  // undici's own dispatcher: undici.request on a Pool of HTTP_CONCURRENCY connections.
  const pool = new Pool(base, { connections: HTTP_CONCURRENCY });
  await measureGets(n, 'undici.request', async () => {
    const { statusCode, body } = await request(smallUrl, { dispatcher: pool });
    checkSmall(statusCode, Buffer.from(await body.arrayBuffer()));
  });
  await pool.close();
}

// Reads an N MiB body through the global fetch's body stream, checking every
// byte: MiB/s and peak RSS growth (wasm memory has no node counterpart).
async function benchStream(n, base) {
  const total = n * MIB;
  const rss0 = process.resourceUsage().maxRSS * 1024;
  const t0 = nowNs();
  const res = await fetch(`${base}/stream?bytes=${total}`);
  if (res.status !== 200) throw new Error(`GET /stream: HTTP ${res.status}`);
  let got = 0;
  for await (const chunk of res.body) {
    checkPattern(chunk, got);
    got += chunk.length;
  }
  const seconds = secondsSince(t0);
  if (got !== total) throw new Error(`GET /stream: ${got} bytes of ${total}`);
  emit('stream_mib_s', n / seconds);
  emit('stream_rss_growth_mib', (process.resourceUsage().maxRSS * 1024 - rss0) / MIB);
}


// node's net echoes each chunk as it comes: the client sends one 64-byte
// message at a time (ECHO_BYTES in the .c and .py).
async function benchEchoServer() {
  const net = await import('node:net');
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening ${server.address().port}\n`);
  await new Promise(() => {}); // serves until killed
}

// Redis PING and SET over one connection, REDIS_PIPELINE commands in flight
// (the same in the .c, .py and redis-benchmark -P); every reply is a status
// line, counted and checked.
const REDIS_PIPELINE = 16;
const REDIS_WARMUP = 1000;
function respCommand(...args) {
  return Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
}
async function benchRedis(n, port) {
  const net = await import('node:net');
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const rounds = (command, expect, count) => new Promise((resolve, reject) => {
    const full = Buffer.concat(Array(REDIS_PIPELINE).fill(command));
    let done = 0, waiting = 0, held = '';
    const send = () => {
      if (done === count) { socket.off('data', onData); resolve(); return; }
      waiting = Math.min(REDIS_PIPELINE, count - done);
      socket.write(waiting === REDIS_PIPELINE ? full : Buffer.concat(Array(waiting).fill(command)));
    };
    const onData = (chunk) => {
      held += chunk.toString('latin1');
      let end;
      while ((end = held.indexOf('\n')) >= 0) {
        const line = held.slice(0, end + 1);
        held = held.slice(end + 1);
        if (line !== expect) { reject(new Error(`unexpected reply ${JSON.stringify(line)}`)); return; }
        done++;
        if (--waiting === 0) send();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    send();
  });
  const ping = respCommand('PING');
  await rounds(ping, '+PONG\r\n', REDIS_WARMUP);
  let start = process.hrtime.bigint();
  await rounds(ping, '+PONG\r\n', n);
  const pingS = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  await rounds(respCommand('SET', 'key:bench', 'xxx'), '+OK\r\n', n);
  const setS = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  emit('redis_ping_ops_s', n / pingS);
  emit('redis_set_ops_s', n / setS);
}

const WORKLOADS = {
  yield: [benchYield, 1_000_000],
  spawn: [benchSpawn, 1_000_000],
  memory: [benchMemory, 1_000_000],
  timers: [benchTimers, 100_000],
  gather: [benchGather, 10_000],
  wait_first: [benchWaitFirst, 10_000],
  handoff: [benchHandoff, 1_000_000],
  lock: [benchLock, 10_000_000],
  http_get: [benchHttpGet, 100_000],
  stream: [benchStream, 1024],
  echo_server: [benchEchoServer, 1],
  redis: [benchRedis, 200_000],
};
const NEEDS_SERVER = new Set(['http_get', 'stream', 'redis']);

async function main(argv) {
  const entry = WORKLOADS[argv[0]];
  if (!entry) {
    process.stderr.write(`usage: bench_node.mjs <${Object.keys(WORKLOADS).join('|')}> [N] [server URL]\n`);
    return 2;
  }
  let [fn, n] = entry;
  if (argv.length > 1) {
    n = Number(argv[1]);
    if (!Number.isInteger(n) || n <= 0) {
      process.stderr.write(`bench_node: N must be a positive integer, got '${argv[1]}'\n`);
      return 2;
    }
  }
  if (NEEDS_SERVER.has(argv[0]) && !argv[2]) {
    process.stderr.write(`bench_node: ${argv[0]} needs the server's URL or port (bench/run.mjs gives it)\n`);
    return 2;
  }
  await fn(n, argv[2]);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`bench_node: ${process.argv[2]}: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
