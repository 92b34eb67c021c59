#!/usr/bin/env node
// bench/run.mjs: the harness behind `npm run bench`.
//
// Builds bench/bench.c three ways with bin/wa-cc, runs every workload on
// wasyncio (wasm under node, wasm under WASI, native), Python asyncio and node,
// keeps the best of REPS runs per cell, and writes a Markdown table.
//
//   node bench/run.mjs [--quick] [--only=<workload>[,<workload>...]] [--out=<file>]
//
//   --quick   small N and one run per cell: a smoke test, not a measurement
//   --only    run just these workloads (names from WORKLOADS below)
//   --out     where to write the Markdown; by default a full run writes
//             bench/RESULTS.md and a --quick/--only run writes
//             bench/build/RESULTS-partial.md, so a smoke test never replaces the
//             committed results
//
// Each benchmark program prints one JSON line per metric on stdout,
// {"metric":"yield_ns","value":41.2}, optionally with a "variant" when one
// column measures two ways (node's yield). A cell that fails shows "error (n)"
// and note n below the table gives the first stderr line; the run goes on. A
// workload that cannot run in a column (HTTP on WASI and natively) shows
// "n/a (n)" there, the note saying why; a metric that has no meaning in a
// column (wasm memory outside wasm) shows "—".
//
// The HTTP workloads (server: true) get a third argument, the URL of
// bench/http_server.mjs, which the harness starts once for them as a process of
// its own (so no client's CPU figure includes the server) and stops at the end.
//
// The HTTP server workload (wrk: true) runs each column's HTTP server
// (bench/http_server.c built for the wasyncio columns, bench/http_server_asyncio.py,
// bench/http_server.mjs) and measures it with the same wrk command.
//
// The Redis workload (redis: true) gets the port of a redis-server the harness
// starts for it on 127.0.0.1 (no persistence), and the same server is measured
// with redis-benchmark first: the row's reference, shown in its label.
//
// The Asyncify rows run in the wasm columns only: the compute workload
// (compute: true) builds bench/compute.c with wa-cc and as a plain program
// (the same compiler and flags, no wasyncio) and times both; the code-size
// workload (size: true) builds real programs with wa-cc, with and without the
// Asyncify pass (bench/wasm_opt_no_asyncify.mjs), and compares their bytes.
//
// To add a workload: add one entry to WORKLOADS and the same workload name to
// bench.c, bench_asyncio.py and bench_node.mjs. To add a column: one entry in
// COLUMNS.
//
// WA_CC and WA_RUN (environment) replace bin/wa-cc and bin/wa-run, to try the
// harness against another driver.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tools } from '../bin/lib/tools.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WA_CC = process.env.WA_CC ?? 'bin/wa-cc';
const WA_RUN = process.env.WA_RUN ?? 'bin/wa-run';
const BUILD_DIR = 'bench/build';
const SOURCE = 'bench/bench.c';
const SOURCES = [SOURCE, 'examples/redis/redis.c'];   // the redis workload uses the example client
const HTTP_SERVER = 'bench/http_server.mjs';
const NODE = process.execPath;   // the same node the header reports

// ------------------------------------------------------------------ columns

// Every column runs every workload it can (see `skip` below). `build`
// (wasyncio only) is how bin/wa-cc makes the program; `command(args)` gives
// [executable, argv, shown-as].
const COLUMNS = [
  {
    id: 'wasm-node',
    title: 'wasyncio wasm (node)',
    wasyncio: true,
    wasm: true,
    jsHost: true,   // http: on the runtime's client over node's net
    build: { target: 'node', out: `${BUILD_DIR}/bench-node.mjs` },
    command: (args) => [NODE, [`${BUILD_DIR}/bench-node.mjs`, ...args], `node ${BUILD_DIR}/bench-node.mjs`],
  },
  {
    id: 'wasm-wasi',
    title: 'wasyncio wasm (WASI)',
    wasyncio: true,
    wasm: true,
    build: { target: 'wasi', out: `${BUILD_DIR}/bench-wasi.wasm` },
    command: (args) => [NODE, [WA_RUN, `${BUILD_DIR}/bench-wasi.wasm`, ...args], `node ${WA_RUN} ${BUILD_DIR}/bench-wasi.wasm`],
  },
  {
    id: 'native',
    title: 'wasyncio native',
    wasyncio: true,
    wasm: false,
    build: { target: 'native', out: `${BUILD_DIR}/bench-native` },
    command: (args) => [path.join(ROOT, BUILD_DIR, 'bench-native'), args, `${BUILD_DIR}/bench-native`],
  },
  {
    id: 'python',
    title: 'Python asyncio',
    command: (args) => ['python3', ['bench/bench_asyncio.py', ...args], 'python3 bench/bench_asyncio.py'],
  },
  {
    id: 'node',
    title: 'node',
    // --expose-gc: the memory workload measures the heap after a full collection.
    command: (args) => [NODE, ['--expose-gc', 'bench/bench_node.mjs', ...args], 'node --expose-gc bench/bench_node.mjs'],
  },
];

// ------------------------------------------------------------------ formats

const group = (v, digits = 0) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const FORMAT = {
  ns: (v) => group(v, Math.abs(v) < 10 ? 2 : Math.abs(v) < 1000 ? 1 : 0),
  rate: (v) => (v >= 1e6 ? `${group(v / 1e6, 2)} M` : `${group(v / 1e3, 0)} k`),
  bytes: (v) => group(v, Math.abs(v) < 100 ? 1 : 0),
  ms: (v) => group(v, 2),
  count: (v) => group(v, 0),
  us: (v) => group(v, 1),
  mib: (v) => group(v, Math.abs(v) < 100 ? 2 : 0),
};

// ---------------------------------------------------------------- workloads

// One entry per benchmark row group. n[mode][column id] overrides n[mode].default.
// Optional: server (the program gets the HTTP server's URL as a third argument),
// skip(column) (a reason the workload cannot run in that column, or null).
// Each metric: key (the JSON "metric"), label (table row), keep ('min' or 'max':
// which of the REPS runs counts), format, optional columns(column) (false: the
// metric has no meaning there, no line is expected), and an optional goal
// checked on the columns it names. goal.pass(value, peer, column) gets the cell's value and peer(id),
// the same metric's kept value in column `id` of this run (undefined if that
// cell failed); it returns true, false, or undefined for "cannot tell" (shown ?).
const wasyncioOnly = (c) => c.wasyncio;
const ECHO_BYTES = 64;      // the echo workload's message: the same constant in the three programs
const COMBINE_REPEATS = 11;   // rounds per process in gather and wait_first: the same constant in the three programs
const HTTP_CONCURRENCY = 64;   // requests in flight: the same constant in the three programs
const HTTP_WARMUP = 2_000;     // untimed requests before the timed N: the same in the three programs
const HTTP_BODY_BYTES = 100;   // the body of the server's /small: the same there and in the programs
const STREAM_BUFFER = 16 * 1024;   // wasyncio's and Python's read size in the stream workload
const wasmOnly = (c) => c.wasyncio && c.wasm;
const jsHostOnly = (c) => c.wasyncio && c.jsHost;
const NO_HTTP = 'not applicable: WASI preview1 cannot connect out, so wa_fetch of an http: URL fails with WA_ENOTSUP';
const httpSkip = (c) => (c.id === 'wasm-wasi' ? NO_HTTP : null);
const REDIS_PIPELINE = 16;   // commands in flight: the same in the three programs and redis-benchmark -P
// At least 80% of the reference's figure (the redis-benchmark run on the same server).
const nearReference = {
  text: 'within 20% of redis-benchmark',
  applies: wasyncioOnly,
  pass: (v, peer, c, reference) => (reference === undefined ? undefined : v >= 0.8 * reference),
};
// The HTTP server row: the same wrk command for every column; N is its duration in seconds.
const WRK_THREADS = 1, WRK_CONNECTIONS = 32;
const HTTP_SERVER_C = 'bench/http_server.c', HTTP_SERVER_PY = 'bench/http_server_asyncio.py';
// The Asyncify rows: C built for the wasm columns only.
const wasmRowSkip = (c) => (c.wasm ? null : c.wasyncio
  ? 'not applicable: Asyncify is a step of the wasm builds; the native build switches stacks without it'
  : 'not applicable: a property of C built with and without wasyncio');
const COMPUTE_C = 'bench/compute.c';
const COMPUTE_KERNELS = [
  ['fib', 'fib(32), recursive'],
  ['qsort', 'qsort of 1M ints'],
  ['parse', 'recursive-descent parse'],
];
const SIZE_PROGRAMS = [
  ['demo', 'examples/demo.c'],
  ['crawler', 'examples/seeds/crawler.c'],
];
const NO_ASYNCIFY_WASM_OPT = 'bench/wasm_opt_no_asyncify.mjs';
const ratio = (v) => `${v.toFixed(3)}×`;
const percent = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`;
const WORKLOADS = [
  {
    name: 'yield',
    title: 'yield round trip',
    how: 'two tasks alternately yield N times each: `wa_yield()`, `await asyncio.sleep(0)`, and for node both `await null` (microtask) and an `await new Promise(r => setImmediate(r))` ping-pong (event-loop turn). Wall time over 2N, i.e. per single task switch.',
    n: { full: { default: 1_000_000 }, quick: { default: 20_000 } },
    metrics: [
      {
        key: 'yield_ns', label: 'yield: ns per task switch', keep: 'min', format: FORMAT.ns,
        goal: { text: '≤ 50 ns (wasm)', applies: wasmOnly, pass: (v) => v <= 50 },
      },
    ],
  },
  {
    name: 'spawn',
    title: 'spawn + finish',
    how: `create tasks that return at once, ${'1,000'} at a time, then await each in order and release it (\`wa_create_task\` + \`wa_await_task\` + \`wa_task_release\`; \`asyncio.create_task\` + \`await\` each, not gather; node: async function calls, each promise awaited). N over wall time.`,
    n: { full: { default: 1_000_000 }, quick: { default: 20_000 } },
    metrics: [
      {
        key: 'tasks_per_s', label: 'spawn + finish: tasks/s', keep: 'max', format: FORMAT.rate,
        goal: { text: '≥ 2 M tasks/s', applies: wasyncioOnly, pass: (v) => v >= 2e6 },
      },
    ],
  },
  {
    name: 'memory',
    title: 'memory per suspended task',
    how: 'N tasks each await one shared future (node: one shared promise), measured once all are suspended, then the future is resolved and all finish. Growth over N of: wasm, the larger of heap top (`sbrk(0)`) and linear memory size; native, glibc `mallinfo2()` in-use bytes (heap + mmapped chunks); Python, `tracemalloc` traced bytes; node, `heapUsed` after `gc()`. The Python cell takes 40-90 s per run at N = 1,000,000 here (`tracemalloc` traces every allocation of a million tasks).',
    n: { full: { default: 1_000_000 }, quick: { default: 10_000 } },
    metrics: [
      {
        key: 'bytes_per_task', label: 'memory: bytes per suspended task', keep: 'min', format: FORMAT.bytes,
        goal: { text: '≤ 128 B/task (wasm)', applies: wasmOnly, pass: (v) => v <= 128 },
      },
    ],
  },
  {
    name: 'timers',
    title: 'timer lateness',
    how: 'N tasks each sleep a distinct duration in [0, 1) s from the same seeded xorshift32 sequence in all programs; each records wake time minus (clock before the sleep + duration) on the loop\'s clock (`wa_time()`, `loop.time()`, node `performance.now()` around `setTimeout`). Node\'s timers count from its cached millisecond loop clock, so they can wake before a `performance.now()` deadline. Python and node show a second variant measuring timer precision alone, without a task per timer: after the sleeping tasks, in the same process, the same N durations as plain callbacks (Python `loop.call_at(loop.time() + d, ...)` (call_at); node `setTimeout(cb, d)` after a `gc()` (setTimeout)), each callback recording its lateness the same way. All timers of a run are armed in one go before the loop runs them, so the shortest ones are late by at least the time it takes to arm N.',
    n: { full: { default: 100_000 }, quick: { default: 2_000 } },
    metrics: [
      {
        key: 'late_ms_max', label: 'timers: worst lateness, ms', keep: 'min', format: FORMAT.ms,
        goal: { text: '≤ +20 ms', applies: wasyncioOnly, pass: (v) => v <= 20 },
      },
      {
        key: 'late_ms_p50', label: 'timers: median lateness, ms', keep: 'min', format: FORMAT.ms,
        goal: { text: '≤ +50 ms', applies: wasyncioOnly, pass: (v) => v <= 50 },
      },
      {
        // The worst run, not the best: one early wake anywhere is a bug a lucky rerun must not hide.
        key: 'early_count', label: 'timers: woken early (count)', keep: 'max', format: FORMAT.count,
        goal: { text: '0', applies: wasyncioOnly, pass: (v) => v === 0 },
      },
    ],
  },
  {
    name: 'gather',
    title: 'gather',
    how: `create N tasks that each yield once and return their index, and gather them all, checking the results are in order (\`wa_create_task\` + \`wa_gather\` + \`wa_task_release\` each, body \`wa_yield()\`; \`await asyncio.gather(*[asyncio.create_task(...) ...])\`, body \`await asyncio.sleep(0)\`; node: \`await Promise.all(...)\` of N async function calls, body \`await null\`). Wall time per round, task creation included; the median of ${COMBINE_REPEATS} rounds in one process. Each round must leave no task alive and, after round 2 (the loop keeps the last 1,024 task records it released, to recognise stale handles, so the heap's top moves once in round 2), the heap must not grow by more than 16 bytes per task (wasyncio; a leak check). Natively, most of the time is glibc handing the freed heap back to the kernel after each round and faulting it in again (with \`MALLOC_TRIM_THRESHOLD_=100000000\` the native cell is several times lower); wasm memory is never returned, so the wasm cells do not pay it.`,
    n: { full: { default: 10_000 }, quick: { default: 10_000 } },
    metrics: [
      {
        key: 'gather_ms', label: 'gather: ms per gather of N tasks', keep: 'min', format: FORMAT.ms,
        goal: { text: '≤ 1.5 ms (wasm)', applies: wasmOnly, pass: (v) => v <= 1.5 },
      },
    ],
  },
  {
    name: 'wait_first',
    title: 'wait for the first of N',
    how: `create N tasks where task 0 returns at once and the others await one shared future (node: one shared promise), and wait for the first to finish (\`wa_wait(..., WA_FIRST_COMPLETED, ...)\`; \`asyncio.wait(..., return_when=FIRST_COMPLETED)\`; node: \`await Promise.race(...)\`), checking only task 0 is done. Wall time from creating the first task until the wait returns; the median of ${COMBINE_REPEATS} rounds in one process. Untimed, each round then resolves the future, awaits every task and gives them back; it must leave no task alive and, after round 2 (the loop keeps the last 1,024 task records it released, to recognise stale handles, so the heap's top moves once in round 2), the heap must not grow by more than 16 bytes per task (wasyncio; a leak check). The native cell pays for glibc's heap trimming as in the gather row.`,
    n: { full: { default: 10_000 }, quick: { default: 10_000 } },
    metrics: [
      {
        key: 'wait_first_ms', label: 'wait_first: ms until the first of N', keep: 'min', format: FORMAT.ms,
        goal: { text: '≤ 0.8 ms (wasm)', applies: wasmOnly, pass: (v) => v <= 0.8 },
      },
    ],
  },
  {
    name: 'handoff',
    title: 'queue hand-off',
    how: 'a producer task puts N items into a queue of size 1 and a consumer task gets them, checking the order (`wa_queue_put` / `wa_queue_get` on `wa_queue_new(1)`; `asyncio.Queue(maxsize=1)`; node: a one-slot channel on promises, put and get awaiting). Wall time over N: per item handed over, which costs each task one suspension.',
    n: { full: { default: 1_000_000 }, quick: { default: 20_000 } },
    metrics: [
      {
        key: 'handoff_ns', label: 'queue hand-off: ns per item', keep: 'min', format: FORMAT.ns,
        goal: { text: '≤ 60 ns (wasm)', applies: wasmOnly, pass: (v) => v <= 60 },
      },
    ],
  },
  {
    name: 'lock',
    title: 'uncontended lock',
    how: 'one task takes and gives back a lock N times with nobody else wanting it (`wa_lock_acquire` + `wa_lock_release`; `await lock.acquire()` + `lock.release()` on an `asyncio.Lock`; node: a promise-based mutex, `await acquire()` + `release()`). Wall time over N.',
    n: { full: { default: 10_000_000 }, quick: { default: 100_000 } },
    metrics: [
      {
        key: 'lock_ns', label: 'uncontended lock: ns per acquire + release', keep: 'min', format: FORMAT.ns,
        goal: { text: '≤ 30 ns (wasm)', applies: wasmOnly, pass: (v) => v <= 30 },
      },
    ],
  },
  {
    name: 'compute',
    title: 'Asyncify cost on code that never awaits',
    compute: true,
    skip: wasmRowSkip,
    how: `\`${COMPUTE_C}\` has three call-heavy kernels that never await: a recursive \`fib(32)\`, libc's \`qsort\` of 1,000,000 seeded ints (xorshift32) through a comparison function, and a recursive-descent parser summing a generated nested-array text of 200,000 integers (\`[12,[3,45],...]\`, ~1.3 MB). It is built two ways with the same compiler and flags: with wasyncio (\`-DCOMPUTE_WASYNCIO\`, by \`bin/wa-cc -O2\`: the kernels run inside a task of \`wa_run\`, which also awaits (\`wa_yield\`) between them, so the task switch is linked in and Asyncify instruments the program), and plain, without wasyncio or Asyncify (node: \`emcc -O2\` with its own launcher; WASI: \`clang --target=wasm32-wasi -O2\`, linked and then \`wasm-opt -O2\`, as wa-cc does minus the Asyncify pass). Each process runs each kernel N times (input prepared untimed) and reports its fastest run; the two builds run alternately, best of the runs per build. The cell is time with wasyncio over time without (1.000× = no cost), then the two times in ms. The harness builds the wasyncio one with \`--print-asyncify\`: a cell names any kernel function Asyncify instrumented (at this writing none: the precise list instruments only \`run_all\`, which awaits, and the runtime's switch path, so the kernels run the same code in both builds and a cell's distance from 1 is layout and noise).`,
    n: { full: { default: 5 }, quick: { default: 1 } },
    commands: (mode, live) => live.flatMap((c) => {
      const n = nFor(WORKLOADS.find((w) => w.name === 'compute'), mode, c);
      const b = computeBuildCommands(c), out = computeBuilds(c);
      const shown = (file, args) => [path.basename(file), ...args].join(' ').replace(/(--target=wasm32-wasi )?--sysroot=\S+( -isystem \S+| -L\S+)?/, '--target=wasm32-wasi <WASI sysroot flags>')
        .replace('--target=wasm32-wasi --target=wasm32-wasi', '--target=wasm32-wasi');
      return [
        `${c.title}, with wasyncio: ${shown(...b.with)}, run as ${shown(...computeRun(c, out.with, n))}`,
        `${c.title}, plain: ${b.plain.map(([f, a]) => shown(f, a)).join(' && ')}, run as ${shown(...computeRun(c, out.plain, n))}`,
      ];
    }),
    metrics: COMPUTE_KERNELS.map(([kernel, label]) => ({
      key: `compute_${kernel}`, label: `Asyncify cost, ${label}: time with ÷ without wasyncio (ms with / without)`, keep: 'min', format: ratio,
      detail: (values) => {
        const ms = (v) => (v / 1e6).toFixed(v < 1e7 ? 2 : 1);
        return ` (${ms(values.get(`compute_ns\0${kernel}\0with`))} / ${ms(values.get(`compute_ns\0${kernel}\0plain`))})${values.instrumented?.length ? `; instrumented: ${values.instrumented.join(', ')}` : ''}`;
      },
      goal: { text: '≤ 1.05× (wasm)', applies: wasmOnly, pass: (v) => v <= 1.05 },
    })),
  },
  {
    name: 'size',
    title: 'code size of a real program',
    size: true,
    skip: wasmRowSkip,
    how: `each program (${SIZE_PROGRAMS.map(([, file]) => `\`${file}\``).join(', ')}) built by \`bin/wa-cc -O2\` for the column's target, and again the same way with \`WA_WASM_OPT=${NO_ASYNCIFY_WASM_OPT}\`, a wrapper that runs the same wasm-opt calls without \`--asyncify\` and its list (so the build differs only by the instrumentation; the result is measured, not run). Bytes of the .wasm (node: the \`.core.wasm\` beside the launcher; the JS around it is the same either way). The cell is the growth from instrumenting, then the bytes with / without. Builds are deterministic, so one build each (N = builds). In node the host waits for events by unwinding the whole C stack to JS, so the loop's own path down to that wait (\`main\`, \`wa_run\`, \`wa_loop_run_*\`, the host wait) is instrumented too, where WASI waits in a blocking \`poll_oneoff\` and instruments only the tasks' switch path: \`bin/wa-cc --print-asyncify\` shows which functions each build instruments.`,
    n: { full: { default: 1 }, quick: { default: 1 } },
    commands: (mode, live) => live.flatMap((c) => SIZE_PROGRAMS.flatMap(([name, source]) => ['with', 'plain'].map((which) =>
      `${c.title}: ${which === 'plain' ? `WA_WASM_OPT=${NO_ASYNCIFY_WASM_OPT} WA_BENCH_WASM_OPT=wasm-opt ` : ''}node ${WA_CC} ${source} -O2 -o ${sizeBuild(c, name, which)} --target=${c.build.target} (measured: ${wasmOf(sizeBuild(c, name, which))})`))),
    metrics: SIZE_PROGRAMS.map(([name]) => ({
      key: `size_${name}`, label: `code size, ${name}: growth from Asyncify (bytes with / without)`, keep: 'min', format: percent,
      detail: (values) => ` (${group(values.get(`size_bytes\0${name}\0with`))} / ${group(values.get(`size_bytes\0${name}\0plain`))})`,
      goal: { text: '≤ +10 % (wasm)', applies: wasmOnly, pass: (v) => v <= 10 },
    })),
  },
  {
    name: 'http_get',
    title: 'HTTP GET',
    server: true,
    skip: httpSkip,
    how: `the client makes N GET requests of \`/small\` (${HTTP_BODY_BYTES} bytes of the pattern, with Content-Length) from \`${HTTP_SERVER}\`, a node \`http\` server with keep-alive on 127.0.0.1 and a random port, started by the harness as a process of its own and given to each client as a third argument. ${HTTP_CONCURRENCY} requests are in flight at once, loops sharing a count of N, after ${group(HTTP_WARMUP)} untimed warm-up requests the same way (connections opened, code warm); every status and body is checked. wasyncio: ${HTTP_CONCURRENCY} tasks looping over \`wa_session_fetch\` + \`wa_response_read_all\` on one \`wa_session\` with \`max_connections\` ${HTTP_CONCURRENCY}, on the runtime's own HTTP/1.1 client over its streams (\`runtime/http_client.c\`, keep-alive connections pooled per loop; in node the streams are node's \`net\` sockets); Python: ${HTTP_CONCURRENCY} \`asyncio.open_connection\` streams, each a loop writing a hand-made HTTP/1.1 request and reading the status line and headers (\`readuntil\`) and a Content-Length body (\`readexactly\`); node: ${HTTP_CONCURRENCY} loops of the global \`fetch\` + \`arrayBuffer()\` (fetch), and ${HTTP_CONCURRENCY} loops of \`http.request\` on an \`http.Agent({ keepAlive: true, maxSockets: ${HTTP_CONCURRENCY} })\` (http.request), and ${HTTP_CONCURRENCY} loops of undici's own dispatcher, \`undici.request(url, { dispatcher })\` on an \`undici.Pool\` with \`connections: ${HTTP_CONCURRENCY}\` + \`body.arrayBuffer()\` (undici.request: the stack wasyncio's node \`wa_fetch\` was first built on), in one process after a \`gc()\` each. Requests/s: N over the wall time of the N timed requests. CPU: the user + system CPU time of the client process (all its threads) over the same N requests, divided by N, as \`getrusage(RUSAGE_SELF)\` counts it, read by the client itself just before and after them: node \`process.cpuUsage()\`, wasyncio in node the same call through \`EM_JS\` (emscripten's own CPU clocks are wall time), wasyncio native \`getrusage\`, Python \`resource.getrusage\`. So start-up, warm-up and the server are not counted. On a machine with few cores the server competes with the client: requests/s is the pair's, CPU the client's alone. Each read of CPython's socket transport allocates a 256 KiB bytes object and shrinks it to what came, which glibc serves with \`mmap\` + \`mremap\` + \`munmap\`: most of the Python cell's CPU on some machines (with \`MALLOC_TOP_PAD_=1048576\` in its environment it can be several times lower); the harness runs Python as installed.`,
    n: { full: { default: 100_000 }, quick: { default: 2_000 } },
    metrics: [
      {
        key: 'http_rps', label: 'HTTP GET: requests/s', keep: 'max', format: FORMAT.count,
        goal: { text: '≥ 30,000 req/s (node)', applies: jsHostOnly, pass: (v) => v >= 30_000 },
      },
      {
        key: 'http_cpu_us', label: 'HTTP GET: client CPU µs per request', keep: 'min', format: FORMAT.us,
        goal: { text: '≤ 30 µs (node)', applies: jsHostOnly, pass: (v) => v <= 30 },
      },
    ],
  },
  {
    name: 'stream',
    title: 'stream 1 GiB',
    server: true,
    skip: httpSkip,
    how: `one GET of an N MiB body from the same server (\`/stream?bytes=\`, byte i is i % 251, written as fast as the client takes it), every byte checked against the pattern. wasyncio: \`wa_fetch\`, then \`wa_response_read\` into a ${STREAM_BUFFER / 1024} KiB buffer until the end; Python: an \`asyncio.open_connection\` stream, a hand-made request, \`reader.read(${STREAM_BUFFER})\`; node: the global \`fetch\`, iterating \`res.body\`. MiB/s: N over the wall time from the request to the end of the body. Growth from before the request to the end of the body of: wasm memory, the larger of heap top (\`sbrk(0)\`) and linear memory size (wasyncio only; the response's 64 KiB chunk buffer is most of it); peak RSS, the client process's \`getrusage\` \`ru_maxrss\` (node and wasyncio in node: \`process.resourceUsage().maxRSS\`). Flat memory means neither grows with N. In node every socket read arrives in a new Buffer that V8 frees only at an "external memory pressure" scavenge, tens of MiB later, so the peak RSS of a node reader grows by that much whatever N is (a bare \`net.Socket\` with 'data' events does too). wasyncio in node reads its sockets with node's \`onread\` into one scratch buffer, copied at once into a per-connection ring of at most 256 KiB, so it allocates no Buffer per read.`,
    n: { full: { default: 1024 }, quick: { default: 64 } },
    metrics: [
      { key: 'stream_mib_s', label: 'stream: MiB/s', keep: 'max', format: FORMAT.count },
      {
        key: 'stream_wasm_growth_mib', label: 'stream: wasm memory growth, MiB', keep: 'min', format: FORMAT.mib,
        columns: (c) => c.wasm,
        goal: { text: '≤ 8 MiB: flat', applies: jsHostOnly, pass: (v) => v <= 8 },
      },
      {
        key: 'stream_rss_growth_mib', label: 'stream: peak RSS growth, MiB', keep: 'min', format: FORMAT.mib,
        goal: { text: '≤ 16 MiB (node)', applies: jsHostOnly, pass: (v) => v <= 16 },
      },
    ],
  },
  {
    name: 'redis',
    title: 'Redis pipelined',
    redis: true,
    skip: (c) => (c.id === 'wasm-wasi' ? 'not applicable: WASI preview 1 cannot connect out (wa_open_connection is WA_ENOTSUP there)' : null),
    how: `the harness starts \`redis-server\` on 127.0.0.1 and a random port (\`--save '' --appendonly no\`) and gives each client its port. Over one connection, after ${group(1000)} untimed PINGs, N PINGs and then N \`SET key:bench xxx\` (3 bytes, redis-benchmark's default size), ${REDIS_PIPELINE} in flight: a batch of ${REDIS_PIPELINE} commands written, then their ${REDIS_PIPELINE} replies read and checked, and so on. wasyncio: the example client \`examples/redis\` (\`redis_append\` x ${REDIS_PIPELINE}, which queues and writes the batch in one write at the first \`redis_get_reply\`); Python: \`asyncio.open_connection\`, the batch's RESP bytes in one \`writer.write\`, replies by \`reader.readline\`; node: a \`net\` socket, the batch in one \`write\`, replies counted by line. Commands/s: N over the wall time of the N. The reference in the row's label: \`redis-benchmark -h 127.0.0.1 -p PORT -c 1 -P ${REDIS_PIPELINE} -n N -t ping,set --csv\` against the same server just before the columns, best of the same number of runs (PING_MBULK, the multi-bulk PING every client here sends, and SET).`,
    n: { full: { default: 200_000 }, quick: { default: 5_000 } },
    metrics: [
      {
        key: 'redis_ping_ops_s', label: `Redis PING, ${REDIS_PIPELINE} pipelined: commands/s`, keep: 'max', format: FORMAT.count,
        reference: 'PING_MBULK', goal: nearReference,
      },
      {
        key: 'redis_set_ops_s', label: `Redis SET, ${REDIS_PIPELINE} pipelined: commands/s`, keep: 'max', format: FORMAT.count,
        reference: 'SET', goal: nearReference,
      },
    ],
  },
  {
    name: 'http_server',
    title: 'HTTP server, keep-alive, wrk',
    wrk: true,
    how: `each column runs an HTTP server on 127.0.0.1 and a random port that answers \`GET /small\` with the ${HTTP_BODY_BYTES} bytes of the pattern and a Content-Length, keeping connections alive (wasyncio: \`${HTTP_SERVER_C}\`, \`wa_http_serve\` with a handler calling \`wa_http_respond\`, built like bench.c for each target; WASI: under \`${WA_RUN} --tcplisten=127.0.0.1:0\`; Python: \`${HTTP_SERVER_PY}\`, a hand-written HTTP/1.1 \`asyncio.Protocol\`, no third-party packages; node: \`${HTTP_SERVER}\`, node's \`http\`). The same command measures each: \`wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -dNs http://127.0.0.1:PORT/small\` (N the row's N, in seconds), after a 1 s run of the same command untimed (connections, JIT warm). Requests/s: wrk's; a run with socket errors or non-2xx answers fails the cell. Server and wrk share the machine's cores (two here).`,
    n: { full: { default: 5 }, quick: { default: 1 } },
    metrics: [
      {
        key: 'http_server_rps', label: `HTTP server, keep-alive (wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS}): requests/s`, keep: 'max', format: FORMAT.count,
        goal: {
          text: 'native ≥ node http',
          applies: (c) => c.id === 'native',
          pass: (v, peer) => (peer('node') === undefined ? undefined : v >= peer('node')),
        },
      },
    ],
  },
  {
    name: 'echo',
    title: 'TCP echo',
    serves: true,
    how: `each column runs an echo server on 127.0.0.1 and a random port (wasyncio: \`wa_start_server\` with a handler looping \`wa_stream_readexactly\` of ${ECHO_BYTES} bytes and \`wa_stream_write\`; WASI: the same program under \`${WA_RUN} --tcplisten=127.0.0.1:0\`, which preopens the socket; Python: \`asyncio.start_server\` with \`reader.readexactly\` and \`writer.write\`; node: a \`net\` server writing back each chunk). One client measures them all, the same for every column so that the servers differ only: \`bench-native echo_client N PORT\` (wasyncio natively, \`wa_open_connection\`), which sends one ${ECHO_BYTES}-byte message and waits for its echo, N times over one connection after 1,000 untimed ones, checking every byte. Round trips/s: N over the wall time of the N timed ones, client and server each on a core of their own at best (two cores here).`,
    n: { full: { default: 100_000 }, quick: { default: 5_000 } },
    metrics: [
      {
        key: 'echo_rtt_s', label: `echo, ${ECHO_BYTES} B over one connection: round trips/s`, keep: 'max', format: FORMAT.count,
        goal: {
          text: 'native ≥ 2× Python and ≥ node; node wasm ≥ node',
          applies: (c) => c.id === 'native' || c.id === 'wasm-node',
          pass: (v, peer, c) => {
            const python = peer('python'), node = peer('node');
            if (node === undefined || (c.id === 'native' && python === undefined)) return undefined;
            return c.id === 'native' ? v >= 2 * python && v >= node : v >= node;
          },
        },
      },
    ],
  },
];

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = { quick: false, only: null, out: null };
  for (const arg of argv) {
    if (arg === '--quick') opts.quick = true;
    else if (arg.startsWith('--only=')) opts.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--out=')) opts.out = arg.slice(6);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--only=<workload>[,...]] [--out=<file>]\n' +
        `workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`);
      process.exit(0);
    } else fail(`unknown argument '${arg}' (try --help)`);
  }
  for (const name of opts.only ?? []) {
    if (!WORKLOADS.some((w) => w.name === name)) {
      fail(`unknown workload '${name}'; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
    }
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const progress = (line) => process.stderr.write(`${line}\n`);

// ------------------------------------------------------------------ running

// The line to show for a failure: the first non-empty one, or for compilers the
// first that says "error" (their first line is often just "In function ...").
function firstLine(text, preferError = false) {
  const lines = String(text ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const line = (preferError && lines.find((l) => /error/i.test(l))) || lines[0] || '';
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

// Runs one process; returns { ok, stdout, message } where message is set on failure.
function runProcess(file, args, timeoutS, preferError = false, env = undefined) {
  const r = spawnSync(file, args, {
    cwd: ROOT,
    env: env ? { ...process.env, ...env } : process.env,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',        // a hung loop may ignore SIGTERM
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error?.code === 'ETIMEDOUT') return { ok: false, message: `timed out after ${timeoutS} s` };
  if (r.error?.code === 'ENOENT') return { ok: false, message: `${file}: command not found` };
  if (r.error) return { ok: false, message: r.error.message };
  if (r.status !== 0) {
    let why = firstLine(r.stderr, preferError) ||
      (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}, nothing on stderr`);
    // A crash after the figures were printed (at exit, in teardown) reads very
    // differently from one before: say what came out.
    const printed = parseMetrics(r.stdout ?? '').map((f) => `${f.metric}=${+f.value.toPrecision(4)}`);
    if (printed.length) why += ` (after printing ${printed.join(', ')})`;
    return { ok: false, message: why };
  }
  return { ok: true, stdout: r.stdout };
}

// Builds the wasyncio programs; returns Map column id -> error message (or none).
function buildAll(columns) {
  const errors = new Map();
  const wantBuild = columns.filter((c) => c.build);
  if (wantBuild.length === 0) return errors;
  fs.mkdirSync(path.join(ROOT, BUILD_DIR), { recursive: true });
  const driverMissing = !fs.existsSync(path.resolve(ROOT, WA_CC));
  for (const column of wantBuild) {
    const { target, out } = column.build;
    fs.rmSync(path.join(ROOT, out), { force: true });   // never run a stale build
    if (driverMissing) {
      errors.set(column.id, `build failed: ${WA_CC} not found (the compiler driver is not there yet)`);
      continue;
    }
    const args = [WA_CC, ...SOURCES, '-o', out, `--target=${target}`, '-O2'];
    progress(`build  ${column.title}: node ${args.join(' ')}`);
    const r = runProcess(NODE, args, 600, true);
    if (!r.ok) errors.set(column.id, `build failed: ${r.message}`);
    else if (!fs.existsSync(path.join(ROOT, out))) errors.set(column.id, `build failed: ${WA_CC} made no ${out}`);
  }
  return errors;
}

// Parses the JSON metric lines; non-JSON lines (a runtime's own chatter) are skipped.
function parseMetrics(stdout) {
  const found = [];
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    let obj;
    try { obj = JSON.parse(text); } catch { continue; }
    if (typeof obj.metric === 'string' && typeof obj.value === 'number' && Number.isFinite(obj.value)) {
      found.push({ metric: obj.metric, variant: typeof obj.variant === 'string' ? obj.variant : '', value: obj.value });
    }
  }
  return found;
}

// Runs one cell REPS times. Returns { values: Map "metric\0variant" -> best } or { error }.
function runCell(workload, column, n, reps, timeoutS, serverUrl, redisPort) {
  const third = workload.server ? [serverUrl] : workload.redis ? [String(redisPort)] : [];
  const [file, args, shown] = column.command([workload.name, String(n), ...third]);
  const best = new Map();
  for (let rep = 1; rep <= reps; rep++) {
    const r = runProcess(file, args, timeoutS);
    if (!r.ok) {
      progress(`  ${column.title}: run ${rep}/${reps}: error: ${r.message}`);
      return { error: r.message };   // failures repeat; don't spend the remaining runs on them
    }
    const found = parseMetrics(r.stdout);
    for (const metric of workload.metrics) {
      if (metric.columns && !metric.columns(column)) continue;
      if (!found.some((f) => f.metric === metric.key)) {
        const message = `no ${metric.key} line on stdout of \`${shown} ${workload.name} ${n}${workload.server ? ' <server URL>' : workload.redis ? ' <port>' : ''}\``;
        progress(`  ${column.title}: run ${rep}/${reps}: error: ${message}`);
        return { error: message };
      }
    }
    for (const f of found) {
      const metric = workload.metrics.find((m) => m.key === f.metric);
      if (!metric) continue;   // extra metrics are allowed and ignored
      const key = `${f.metric}\0${f.variant}`;
      const prev = best.get(key);
      const better = prev === undefined || (metric.keep === 'max' ? f.value > prev : f.value < prev);
      if (better) best.set(key, f.value);
    }
    const summary = found.map((f) => `${f.metric}${f.variant ? ` (${f.variant})` : ''}=${+f.value.toPrecision(4)}`);
    progress(`  ${column.title}: run ${rep}/${reps}: ${summary.join(', ')}`);
  }
  return { values: best };
}

// ------------------------------------------------------------------ report

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch { /* not Linux: fall through to node's view */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

// What the first write to a fresh page of memory costs here, in µs: the
// kernel's (and, in a virtual machine, the hypervisor's) page-fault path.
// Rows that create many tasks at once touch tens of MiB of new memory, so on
// machines where this is slow their times are mostly page faults.
function pageFaultMicros() {
  const bytes = 64 << 20, page = 4096;
  const buffer = Buffer.allocUnsafeSlow(bytes);     // not zero-filled: its pages are still untouched
  const start = process.hrtime.bigint();
  for (let i = 0; i < bytes; i += page) buffer[i] = 1;
  return Number(process.hrtime.bigint() - start) / 1e3 / (bytes / page);
}

function pythonVersion() {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? firstLine(r.stdout || r.stderr) : 'python3 not found';
}

const escapeCell = (text) => String(text).replace(/\|/g, '\\|');

function nFor(workload, mode, column) {
  return workload.n[mode][column.id] ?? workload.n[mode].default;
}

function render({ opts, reps, workloads, results, notes, references }) {
  const mode = opts.quick ? 'quick' : 'full';
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const date = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const lines = [];
  lines.push('# wasyncio benchmarks', '');
  lines.push(`${date} · ${cpuModel()} (${os.cpus().length} logical CPUs) · node ${process.version} · ` +
    `${pythonVersion()} · ${os.type()} ${os.release()} ${os.arch()} · \`${command}\``);
  lines.push('');
  lines.push(`First write to a fresh page of memory: ${pageFaultMicros().toFixed(2)} µs (commonly well under 1 µs). ` +
    'The timers row creates all its sleeping tasks at once, tens of MiB of new memory: where page faults are slow they ' +
    'make most of its worst lateness, which is set in the first round, where every sleeper takes its first step.');
  lines.push('');
  if (opts.quick) lines.push('**Quick smoke run (small N, one run per cell): not a measurement.**', '');
  lines.push(`Best of ${reps} run${reps > 1 ? 's' : ''} per cell (least time or CPU, most throughput, least memory; ` +
    'for the early-wake count the worst run). ✓/✗ mark wasyncio cells against the goal.', '');

  lines.push(`| metric | goal | ${COLUMNS.map((c) => c.title).join(' | ')} |`);
  lines.push(`|---|---|${COLUMNS.map(() => '---:').join('|')}|`);
  let unknownVerdict = false;
  for (const workload of workloads) {
    for (const metric of workload.metrics) {
      const cells = COLUMNS.map((column) => {
        const cell = results.get(`${workload.name}\0${column.id}`);
        if (cell.skipped) return `n/a (${notes.indexOf(cell.skipped) + 1})`;
        if (cell.error) return `error (${notes.indexOf(cell.error) + 1})`;
        if (metric.columns && !metric.columns(column)) return '—';
        const variants = [...cell.values].filter(([key]) => key.startsWith(`${metric.key}\0`));
        const goal = metric.goal && metric.goal.applies(column) ? metric.goal : null;
        const peer = (id) => results.get(`${workload.name}\0${id}`)?.values?.get(`${metric.key}\0`);
        return variants.map(([key, value]) => {
          const variant = key.slice(metric.key.length + 1);
          const verdict = goal ? goal.pass(value, peer, column, references.get(metric.key)) : null;
          const mark = verdict === true ? ' ✓' : verdict === false ? ' ✗' : goal ? ' ?' : '';
          return `${metric.format(value)}${mark}${variant ? ` (${variant})` : ''}`;
        }).join(' / ') + (metric.detail ? metric.detail(cell.values) : '');
      });
      if (cells.some((cell) => / \?/.test(cell))) unknownVerdict = true;
      const reference = metric.reference
        ? `; redis-benchmark: ${references.has(metric.key) ? metric.format(references.get(metric.key)) : 'failed (see the notes)'}` : '';
      lines.push(`| ${escapeCell(metric.label + reference)} | ${escapeCell(metric.goal?.text ?? '')} | ${cells.map(escapeCell).join(' | ')} |`);
    }
  }
  lines.push('');
  if (unknownVerdict) lines.push('? marks a cell whose goal compares with another column of this run, where that cell failed.', '');
  if (notes.length > 0) {
    lines.push('Notes (for an error, the first line of its stderr):', '');
    notes.forEach((note, i) => lines.push(`${i + 1}. ${note}`));
    lines.push('');
  }

  lines.push('## How each row is measured', '');
  for (const workload of workloads) {
    const counts = COLUMNS.map((c) => nFor(workload, mode, c));
    const common = workload.n[mode].default;
    const exceptions = COLUMNS.filter((c, i) => counts[i] !== common)
      .map((c) => `${c.title} ${group(nFor(workload, mode, c))}`);
    const nText = `N = ${group(common)}${exceptions.length ? `; ${exceptions.join(', ')} to keep its run time down` : ''}`;
    lines.push(`- **${workload.title}** (\`${workload.name}\`; ${nText}): ${workload.how}`);
    lines.push(`  Commands: ${rowCommands(workload, mode).map((c) => `\`${c}\``).join('; ')}.`);
  }
  lines.push('');
  lines.push('Programs: `bench/bench.c` (wasyncio, built by ' +
    `\`node ${WA_CC} ${SOURCES.join(' ')} -o <out> --target=node|wasi|native -O2\`), ` +
    '`bench/bench_asyncio.py`, `bench/bench_node.mjs`; each prints one JSON line per metric. Commands:', '');
  for (const column of COLUMNS) lines.push(`- ${column.title}: \`${column.command([])[2]} <workload> <N>\``);
  lines.push('');
  if (workloads.some((w) => w.wrk)) {
    lines.push(`The HTTP server row's servers: \`${HTTP_SERVER_C}\` (built as bench.c is, for each target), ` +
      `\`python3 ${HTTP_SERVER_PY}\`, \`node ${HTTP_SERVER}\`; each prints its port or URL and serves until killed.`, '');
  }
  if (workloads.some((w) => w.server)) {
    lines.push(`The HTTP workloads take a third argument, the server's URL: \`node ${HTTP_SERVER}\` prints it ` +
      '(on 127.0.0.1 and a random port) and serves until its stdin closes.', '');
  }
  return lines.join('\n');
}

// The exact command lines of a row, as its cells run them (the wasyncio
// programs built first, as the Programs paragraph says).
function rowCommands(workload, mode) {
  const shown = (file, args) => [file === NODE ? 'node' : path.isAbsolute(file) ? path.relative(ROOT, file) : file, ...args].join(' ');
  const live = COLUMNS.filter((c) => !workload.skip?.(c));
  if (workload.commands) return workload.commands(mode, live);
  if (workload.serves) {
    const n = nFor(workload, mode, {});
    return [
      ...live.map((c) => {
        const [file, args] = c.command(['echo_server']);
        const argv = c.id === 'wasm-wasi' ? [args[0], '--tcplisten=127.0.0.1:0', ...args.slice(1)] : args;
        return `${c.title}: ${shown(file, argv)}`;
      }),
      `client, for each: ${BUILD_DIR}/bench-native echo_client ${n} PORT`,
    ];
  }
  if (workload.wrk) {
    const n = nFor(workload, mode, {});
    return [
      ...live.map((c) => `${c.title}: ${shown(...httpServerCommand(c))}`),
      `each measured by: wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -d1s http://127.0.0.1:PORT/small (untimed), then wrk -t${WRK_THREADS} -c${WRK_CONNECTIONS} -d${n}s http://127.0.0.1:PORT/small`,
    ];
  }
  const third = workload.server ? ['URL'] : workload.redis ? ['PORT'] : [];
  const lines = [];
  if (workload.server) lines.push(`server: node ${HTTP_SERVER} (prints URL)`);
  if (workload.redis) {
    const n = nFor(workload, mode, {});
    lines.push('server: redis-server --port PORT --bind 127.0.0.1 --save \'\' --appendonly no',
      `reference: redis-benchmark -h 127.0.0.1 -p PORT -c 1 -P ${REDIS_PIPELINE} -n ${n} -t ping,set --csv`);
  }
  for (const c of live) lines.push(`${c.title}: ${c.command([workload.name, String(nFor(workload, mode, c)), ...third])[2]} ${workload.name} ${nFor(workload, mode, c)}${third.length ? ` ${third[0]}` : ''}`);
  return lines;
}

// ----------------------------------------------------------------- served

// A workload where the column is the server: each run starts it
// (`<command> echo_server`), reads its port (from its stdout, or from
// wa-run's stderr on WASI), runs the native client against it, and stops it.
async function runServedCell(workload, column, n, reps, timeoutS) {
  const [file, args, shown] = column.command(['echo_server']);
  const argv = column.id === 'wasm-wasi' ? [args[0], '--tcplisten=127.0.0.1:0', ...args.slice(1)] : args;
  const best = new Map();
  for (let rep = 1; rep <= reps; rep++) {
    const server = spawn(file, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise((resolve, reject) => {
        let out = '', err = '';
        const check = () => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err) ?? /^listening ([1-9]\d*)$/m.exec(out);
          if (m) resolve(Number(m[1]));
        };
        server.stdout.on('data', (d) => { out += d; check(); });
        server.stderr.on('data', (d) => { err += d; check(); });
        server.once('exit', (code) => reject(new Error(`\`${shown} echo_server\` exited (${code}) before listening: ${firstLine(err)}`)));
        setTimeout(() => reject(new Error(`\`${shown} echo_server\` did not listen within 30 s`)), 30000).unref();
      });
      const r = runProcess(path.join(ROOT, BUILD_DIR, 'bench-native'), ['echo_client', String(n), String(port)], timeoutS);
      if (!r.ok) return { error: `the client: ${r.message}` };
      for (const f of parseMetrics(r.stdout)) {
        if (f.metric !== 'echo_rtt_s') continue;
        const prev = best.get(`${f.metric}\0`);
        if (prev === undefined || f.value > prev) best.set(`${f.metric}\0`, f.value);
        progress(`  ${column.title}: run ${rep}/${reps}: ${f.metric}=${+f.value.toPrecision(4)}`);
      }
    } catch (e) {
      return { error: e.message };
    } finally {
      server.kill('SIGKILL');
    }
  }
  return best.size ? { values: best } : { error: 'the client printed no echo_rtt_s line' };
}

// ----------------------------------------------------- Asyncify's cost rows

// The builds of the compute row, per wasm column: with wasyncio (wa-cc) and
// plain (the same compiler and flags, no wasyncio, no Asyncify).
const computeBuilds = (column) => {
  const ext = column.build.target === 'node' ? '.mjs' : '.wasm';
  const base = `${BUILD_DIR}/compute-${column.build.target}`;
  // emcc's own launcher, CommonJS (.cjs: this package's .js files are ES modules).
  return { with: `${base}${ext}`, plain: `${base}-plain${ext === '.mjs' ? '.cjs' : ext}` };
};

// The command lines that make them: [[file, argv, env], ...] per build.
function computeBuildCommands(column) {
  const out = computeBuilds(column);
  const withArgs = [WA_CC, COMPUTE_C, '-DCOMPUTE_WASYNCIO', '-O2', '-o', out.with, `--target=${column.build.target}`, '--print-asyncify'];
  if (column.build.target === 'node') {
    return {
      with: [NODE, withArgs],
      // Node only, compiled synchronously: this emcc's default loader would fetch() a file path on node 18+.
      plain: [[tools.emcc(), ['-std=c11', '-O2', COMPUTE_C, '-sALLOW_MEMORY_GROWTH', '-sENVIRONMENT=node', '-sWASM_ASYNC_COMPILATION=0', '-o', out.plain], tools.emccEnv()]],
    };
  }
  const sys = tools.wasiSysroot();
  return {
    with: [NODE, withArgs],
    plain: [
      [tools.clang(), [...sys.cflags, '-std=c11', '-O2', '-c', COMPUTE_C, '-o', `${out.plain}.o`]],
      [tools.clang(), [...sys.ldflags, `${out.plain}.o`, '-o', out.plain]],
      [tools.wasmOpt(), [out.plain, '-O2', '-o', out.plain]],
    ],
  };
}

// Builds both for each wasm column; Map column id -> { error } or { instrumented: [names] }.
function buildCompute() {
  const state = new Map();
  for (const column of COLUMNS.filter((c) => c.build && c.wasm)) {
    const out = computeBuilds(column);
    for (const f of Object.values(out)) fs.rmSync(path.join(ROOT, f), { force: true });
    const commands = computeBuildCommands(column);
    progress(`build  ${column.title}: node ${commands.with[1].join(' ')}`);
    const r = runProcess(...commands.with, 600, true);
    if (!r.ok) {
      state.set(column.id, { error: `build failed: ${r.message}` });
      continue;
    }
    // --print-asyncify: "name  reason" lines after a count line.
    const instrumented = r.stdout.split('\n').map((l) => /^(\S+)\s{2,}/.exec(l)?.[1]).filter(Boolean);
    let error = null;
    for (const [file, args, env] of commands.plain) {
      progress(`build  ${column.title} (plain): ${path.basename(file)} ${args.join(' ')}`);
      const p = runProcess(file, args, 600, true, env);
      if (!p.ok) {
        error = `plain build failed: ${p.message}`;
        break;
      }
    }
    fs.rmSync(path.join(ROOT, `${out.plain}.o`), { force: true });
    state.set(column.id, error ? { error } : { instrumented });
  }
  return state;
}

// The kernel functions of compute.c: a cell names those Asyncify instrumented.
const COMPUTE_FUNCTIONS = ['fib', 'run_fib', 'compare_ints', 'run_qsort', 'qsort', 'fill_sort_data',
  'parse_value', 'parse_array', 'parse_number', 'run_parse', 'measure'];

const computeRun = (column, file, n) => (column.build.target === 'node'
  ? [NODE, [file, String(n)]]
  : [NODE, [WA_RUN, file, String(n)]]);

// Each rep runs the wasyncio build, then the plain one; per kernel and build
// the fastest; the cell's value is their ratio.
function runComputeCell(workload, column, n, reps, timeoutS, built) {
  const out = computeBuilds(column);
  const best = new Map();
  for (let rep = 1; rep <= reps; rep++) {
    const results = {};
    for (const which of ['with', 'plain']) {
      const r = runProcess(...computeRun(column, out[which], n), timeoutS);
      if (!r.ok) return { error: `${which === 'plain' ? 'the plain build: ' : ''}${r.message}` };
      const found = parseMetrics(r.stdout);
      for (const [kernel] of COMPUTE_KERNELS) {
        const ns = found.find((f) => f.metric === 'compute_ns' && f.variant === kernel)?.value;
        const result = found.find((f) => f.metric === 'compute_result' && f.variant === kernel)?.value;
        if (ns === undefined || result === undefined) return { error: `no compute_ns or compute_result line for ${kernel} from ${out[which]}` };
        (results[kernel] ??= []).push(result);
        const key = `compute_ns\0${kernel}\0${which}`;
        if (!(best.get(key) <= ns)) best.set(key, ns);
      }
    }
    for (const [kernel, [a, b]] of Object.entries(results)) {
      if (a !== b) return { error: `${kernel} gave ${a} with wasyncio and ${b} without: not the same work` };
    }
    progress(`  ${column.title}: run ${rep}/${reps}: ${COMPUTE_KERNELS.map(([k]) =>
      `${k} ${(best.get(`compute_ns\0${k}\0with`) / 1e6).toFixed(2)} / ${(best.get(`compute_ns\0${k}\0plain`) / 1e6).toFixed(2)} ms`).join(', ')}`);
  }
  for (const [kernel] of COMPUTE_KERNELS) {
    best.set(`compute_${kernel}\0`, best.get(`compute_ns\0${kernel}\0with`) / best.get(`compute_ns\0${kernel}\0plain`));
  }
  best.instrumented = built.instrumented.filter((name) => COMPUTE_FUNCTIONS.includes(name));
  return { values: best };
}

// The .wasm a wa-cc output keeps its code in.
const wasmOf = (out) => (out.endsWith('.mjs') ? out.replace(/\.mjs$/, '.core.wasm') : out);
const sizeBuild = (column, name, which) =>
  `${BUILD_DIR}/size-${name}-${column.build.target}${which === 'plain' ? '-plain' : ''}${column.build.target === 'node' ? '.mjs' : '.wasm'}`;
const sizeEnv = () => ({ WA_WASM_OPT: path.join(ROOT, NO_ASYNCIFY_WASM_OPT), WA_BENCH_WASM_OPT: tools.wasmOpt() });

// Builds each program with and without the Asyncify pass; the bytes of each.
function runSizeCell(workload, column) {
  const values = new Map();
  for (const [name, source] of SIZE_PROGRAMS) {
    for (const which of ['with', 'plain']) {
      const out = sizeBuild(column, name, which);
      fs.rmSync(path.join(ROOT, wasmOf(out)), { force: true });
      const args = [WA_CC, source, '-O2', '-o', out, `--target=${column.build.target}`];
      progress(`  build ${column.title}: ${which === 'plain' ? `WA_WASM_OPT=${NO_ASYNCIFY_WASM_OPT} ` : ''}node ${args.join(' ')}`);
      const r = runProcess(NODE, args, 600, true, which === 'plain' ? sizeEnv() : undefined);
      if (!r.ok) return { error: `${which === 'plain' ? 'without Asyncify, ' : ''}${source}: build failed: ${r.message}` };
      values.set(`size_bytes\0${name}\0${which}`, fs.statSync(path.join(ROOT, wasmOf(out))).size);
    }
    const grown = values.get(`size_bytes\0${name}\0with`), plain = values.get(`size_bytes\0${name}\0plain`);
    values.set(`size_${name}\0`, (grown / plain - 1) * 100);
    progress(`  ${column.title}: ${name}: ${grown} / ${plain} bytes`);
  }
  return { values };
}

// ------------------------------------------------------- HTTP server and wrk

// Builds bench/http_server.c for each wasyncio column; Map column id -> error.
function buildHttpServers() {
  const errors = new Map();
  for (const column of COLUMNS.filter((c) => c.build)) {
    const out = httpServerBuild(column);
    fs.rmSync(path.join(ROOT, out), { force: true });
    const args = [WA_CC, HTTP_SERVER_C, '-o', out, `--target=${column.build.target}`, '-O2'];
    progress(`build  ${column.title}: node ${args.join(' ')}`);
    const r = runProcess(NODE, args, 600, true);
    if (!r.ok) errors.set(column.id, `build failed: ${r.message}`);
  }
  return errors;
}

const httpServerBuild = (column) => `${BUILD_DIR}/http-server-${column.build.target}${{ node: '.mjs', wasi: '.wasm', native: '' }[column.build.target]}`;

// [file, argv] of a column's HTTP server.
function httpServerCommand(column) {
  if (column.id === 'python') return ['python3', [HTTP_SERVER_PY]];
  if (column.id === 'node') return [NODE, [HTTP_SERVER]];
  const out = httpServerBuild(column);
  if (column.build.target === 'wasi') return [NODE, [WA_RUN, '--tcplisten=127.0.0.1:0', out]];
  if (column.build.target === 'node') return [NODE, [out]];
  return [path.join(ROOT, out), []];
}

// One wrk run; resolves its requests/s, or rejects with what went wrong.
function wrk(port, seconds) {
  return new Promise((resolve, reject) => {
    const args = [`-t${WRK_THREADS}`, `-c${WRK_CONNECTIONS}`, `-d${seconds}s`, `http://127.0.0.1:${port}/small`];
    const child = spawn(tools.wrk(), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const trouble = /Socket errors[^\n]*|Non-2xx[^\n]*/.exec(out)?.[0];
      if (code !== 0 || !(rps > 0)) reject(new Error(`wrk ${args.join(' ')}: ${firstLine(out) || `exit status ${code}`}`));
      else if (trouble) reject(new Error(`wrk: ${trouble.trim()}`));
      else resolve(rps);
    });
  });
}

// Each run starts the column's server, reads its port (its stdout's
// "listening PORT" or URL, or wa-run's stderr on WASI), warms it with a
// second of wrk, measures it with n seconds, and stops it.
async function runWrkCell(workload, column, n, reps) {
  const [file, argv] = httpServerCommand(column);
  const best = new Map();
  for (let rep = 1; rep <= reps; rep++) {
    const server = spawn(file, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const port = await new Promise((resolve, reject) => {
        let out = '', err = '';
        const check = () => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err) ?? /^listening ([1-9]\d*)$/m.exec(out) ?? /^http:\/\/127\.0\.0\.1:(\d+)$/m.exec(out);
          if (m) resolve(Number(m[1]));
        };
        server.stdout.on('data', (d) => { out += d; check(); });
        server.stderr.on('data', (d) => { err += d; check(); });
        server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${firstLine(err)}`)));
        setTimeout(() => reject(new Error('the server did not listen within 30 s')), 30000).unref();
      });
      await wrk(port, 1);
      const rps = await wrk(port, n);
      const prev = best.get('http_server_rps\0');
      if (prev === undefined || rps > prev) best.set('http_server_rps\0', rps);
      progress(`  ${column.title}: run ${rep}/${reps}: http_server_rps=${+rps.toPrecision(4)}`);
    } catch (e) {
      return { error: e.message };
    } finally {
      server.kill('SIGKILL');
    }
  }
  return { values: best };
}

// --------------------------------------------------------------- HTTP server

// Starts bench/http_server.mjs; resolves { url, stop } once it listens. A
// process of its own, apart from the clients, which each measure only their
// own CPU. Its stdin is our pipe, so it also ends if we die.
function startHttpServer() {
  const child = spawn(NODE, [HTTP_SERVER], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code, signal) => reject(new Error(`${HTTP_SERVER} exited (${signal ?? `status ${code}`}) before it listened`));
    child.once('error', reject);
    child.once('exit', onExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', function onData(text) {
      out += text;
      const line = out.split('\n')[0];
      if (!out.includes('\n')) return;
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(line)) {
        child.kill();
        reject(new Error(`${HTTP_SERVER} printed '${line}', not its URL`));
        return;
      }
      resolve({ url: line, stop: () => child.kill() });
    });
  });
}

// --------------------------------------------------------------------- redis

// Starts redis-server on 127.0.0.1 and a free port; resolves { port, stop }
// once it answers.
async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
    probe.once('error', reject);
  });
  const child = spawn(tools.redisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: ROOT, stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`it did not listen on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => child.kill('SIGKILL') };
}

// redis-benchmark against the same server, the same N and pipeline: the
// reference of each metric that names one of its tests.
function measureRedisBenchmark(workload, n, reps, port, references, noteFor) {
  const bin = path.join(path.dirname(tools.redisServer()), 'redis-benchmark');
  for (let rep = 1; rep <= reps; rep++) {
    const r = runProcess(bin, ['-h', '127.0.0.1', '-p', String(port), '-c', '1', '-P', String(REDIS_PIPELINE),
      '-n', String(n), '-t', 'ping,set', '--csv'], 600);
    if (!r.ok) {
      noteFor(`redis-benchmark: ${r.message}`);
      return;
    }
    for (const metric of workload.metrics) {
      const m = new RegExp(`^"${metric.reference}","([\\d.]+)"`, 'm').exec(r.stdout);
      if (!m) continue;
      const value = Number(m[1]);
      if (!(references.get(metric.key) >= value)) references.set(metric.key, value);
      progress(`  redis-benchmark: run ${rep}/${reps}: ${metric.reference}=${value}`);
    }
  }
}

// --------------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.quick ? 'quick' : 'full';
  const reps = opts.quick ? 1 : 3;
  const timeoutS = opts.quick ? 120 : 600;
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.includes(w.name));

  const buildErrors = workloads.some((w) => !w.compute && !w.size) ? buildAll(COLUMNS) : new Map();
  const serverBuildErrors = workloads.some((w) => w.wrk) ? buildHttpServers() : new Map();
  const computeBuilt = workloads.some((w) => w.compute) ? buildCompute() : new Map();
  const results = new Map();
  const notes = [];   // distinct error notes, numbered in order of first use
  const noteFor = (text) => {
    if (!notes.includes(text)) notes.push(text);
    return text;
  };

  let server = null, serverError = null;
  if (workloads.some((w) => w.server)) {
    try {
      server = await startHttpServer();
      progress(`server ${HTTP_SERVER}: ${server.url}`);
    } catch (e) {
      serverError = `the HTTP server did not start: ${e.message}`;
      progress(`server ${serverError}`);
    }
  }
  const references = new Map();   // metric key -> the reference tool's figure
  try {
    for (const workload of workloads) {
      progress(`\n== ${workload.title} (${workload.name})`);
      let redis = null, redisError = null;
      if (workload.redis) {
        try {
          redis = await startRedis();
          progress(`redis-server on port ${redis.port}`);
          measureRedisBenchmark(workload, nFor(workload, mode, {}), reps, redis.port, references, noteFor);
        } catch (e) {
          redisError = noteFor(`redis-server did not start: ${e.message}`);
        }
      }
      for (const column of COLUMNS) {
        const key = `${workload.name}\0${column.id}`;
        const skipped = workload.skip?.(column);
        if (skipped) {
          results.set(key, { skipped: noteFor(skipped) });
          continue;
        }
        const buildError = buildErrors.get(column.id);
        if (buildError) {
          results.set(key, { error: noteFor(`${column.title}: ${buildError}`) });
          continue;
        }
        if (workload.server && serverError) {
          results.set(key, { error: noteFor(serverError) });
          continue;
        }
        if (workload.redis && redisError) {
          results.set(key, { error: redisError });
          continue;
        }
        if (workload.serves && buildErrors.get('native')) {
          results.set(key, { error: noteFor(`the echo client (wasyncio native): ${buildErrors.get('native')}`) });
          continue;
        }
        if (workload.wrk && serverBuildErrors.get(column.id)) {
          results.set(key, { error: noteFor(`${column.title}, ${HTTP_SERVER_C}: ${serverBuildErrors.get(column.id)}`) });
          continue;
        }
        if (workload.compute && computeBuilt.get(column.id)?.error) {
          results.set(key, { error: noteFor(`${column.title}, ${COMPUTE_C}: ${computeBuilt.get(column.id).error}`) });
          continue;
        }
        const cell = workload.compute
          ? runComputeCell(workload, column, nFor(workload, mode, column), reps, timeoutS, computeBuilt.get(column.id))
          : workload.size ? runSizeCell(workload, column)
          : workload.serves
          ? await runServedCell(workload, column, nFor(workload, mode, column), reps, timeoutS)
          : workload.wrk ? await runWrkCell(workload, column, nFor(workload, mode, column), reps)
          : runCell(workload, column, nFor(workload, mode, column), reps, timeoutS, server?.url, redis?.port);
        if (cell.error) cell.error = noteFor(`${column.title}, ${workload.name}: ${cell.error}`);
        results.set(key, cell);
      }
      redis?.stop();
    }
  } finally {
    server?.stop();
  }

  const markdown = render({ opts, reps, workloads, results, notes, references });
  const partial = opts.quick || opts.only;
  const out = opts.out ?? (partial ? `${BUILD_DIR}/RESULTS-partial.md` : 'bench/RESULTS.md');
  fs.mkdirSync(path.dirname(path.resolve(ROOT, out)), { recursive: true });
  fs.writeFileSync(path.resolve(ROOT, out), markdown);
  if (!partial && !opts.out) updateReadme(markdown);
  process.stdout.write(`${markdown}\n`);
  progress(`wrote ${out}`);
}

// A full run also refreshes the README's copy of the table (between its
// bench markers), so the README always shows the last full measurement.
function updateReadme(markdown) {
  const readme = path.join(ROOT, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->', end = '<!-- bench:end -->';
  const i = text.indexOf(start), j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const table = markdown.split('\n').filter((l) => !l.startsWith('# ')).join('\n').split('\n## ')[0].trim();
  const body = `${table}\n\nHow each row is measured, and the commands: [bench/RESULTS.md](bench/RESULTS.md).`;
  fs.writeFileSync(readme, `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`);
  progress('updated the table in README.md');
}

await main();
