#!/usr/bin/env python3
"""Python asyncio side of `npm run bench` (bench/run.mjs drives it).

Usage: python3 bench/bench_asyncio.py <workload> [N] [server URL]

Runs the same workloads as bench/bench.c (wasyncio) and bench/bench_node.mjs,
written the plain asyncio way, and prints one JSON line per metric to stdout:
    {"metric": "yield_ns", "value": 2603.1}
Errors go to stderr (first line is what the harness shows) with exit status 1.
Keep the three programs in step: same N meaning, same batch size, same PRNG.
The HTTP workloads (http_get, stream) take the URL of bench/http_server.mjs.
"""

import asyncio
import gc
import json
import resource
import sys
import time
import tracemalloc
import urllib.parse

SPAWN_BATCH = 1000          # tasks created before awaiting them; same in bench.c and bench_node.mjs
TIMER_SEED = 0x2545F491     # xorshift32 seed shared with bench.c and bench_node.mjs
COMBINE_REPEATS = 11        # gather / wait_first rounds per process, median reported; same in all three
HTTP_CONCURRENCY = 64       # requests in flight at once; same in all three
HTTP_WARMUP = 2_000         # untimed requests first: connections open, code warm; same in all three
HTTP_BODY_BYTES = 100       # the body of the server's /small; same in all three and http_server.mjs
PATTERN_PERIOD = 251        # byte i of every body is i % PATTERN_PERIOD; same everywhere
STREAM_BUFFER = 16 * 1024   # the stream workload's read size; same in bench.c
MIB = 1024 * 1024


def emit(metric, value, **extra):
    print(json.dumps({"metric": metric, "value": value, **extra}), flush=True)


def median(values):
    """The middle value (lower middle for an even count), same rule in all programs."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def timer_durations(n):
    """n distinct durations in (0, 1) s from xorshift32, identical in all three programs."""
    x = TIMER_SEED
    out = []
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(x / 4294967296.0)   # a full-period xorshift32 never repeats within 2^32-1 draws
    return out


async def bench_yield(n):
    """Two tasks alternately yield n times each; ns per single task switch."""
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)

    t0 = time.perf_counter_ns()
    a = asyncio.create_task(yielder())
    b = asyncio.create_task(yielder())
    await a
    await b
    elapsed = time.perf_counter_ns() - t0
    emit("yield_ns", elapsed / (2 * n))


async def bench_spawn(n):
    """Create tasks that return at once and await each one (not gather, like wa_await_task)."""
    async def noop():
        return None

    t0 = time.perf_counter_ns()
    done = 0
    while done < n:
        count = min(SPAWN_BATCH, n - done)
        tasks = [asyncio.create_task(noop()) for _ in range(count)]
        for t in tasks:
            await t
        done += count
    elapsed = time.perf_counter_ns() - t0
    emit("tasks_per_s", n / (elapsed / 1e9))


async def bench_memory(n):
    """n tasks suspended on one shared future; traced bytes grown per task."""
    loop = asyncio.get_running_loop()
    gate = loop.create_future()
    all_done = loop.create_future()
    started = 0
    finished = 0

    async def waiter():
        nonlocal started, finished
        started += 1
        await gate
        finished += 1
        if finished == n:
            all_done.set_result(None)

    gc.collect()
    # tracemalloc counts every Python allocation exactly (not its own bookkeeping);
    # RSS would also count arena slack and be noisy at this size.
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        # Not kept: until a task starts the loop's ready queue holds it, then the
        # gate's callback list does, so none can be collected while pending.
        asyncio.create_task(waiter())
    while started < n:          # one sleep(0) runs every ready task once; loop in case
        await asyncio.sleep(0)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    emit("bytes_per_task", (after - before) / n)

    gate.set_result(None)
    await all_done


async def bench_timers(n):
    """n tasks sleep distinct seeded durations in [0, 1) s; lateness against loop.time()."""
    loop = asyncio.get_running_loop()
    durations = timer_durations(n)
    late = [0.0] * n
    all_done = loop.create_future()
    finished = 0

    async def sleeper(i):
        nonlocal finished
        seconds = durations[i]
        deadline = loop.time() + seconds   # taken before the sleep starts: never later than asyncio's own
        await asyncio.sleep(seconds)
        late[i] = loop.time() - deadline
        finished += 1
        if finished == n:
            all_done.set_result(None)

    tasks = [asyncio.create_task(sleeper(i)) for i in range(n)]
    await all_done
    for t in tasks:             # surface a failed sleeper instead of a silent partial result
        t.result()

    emit_lateness(late, "sleeping tasks")
    del tasks

    # Timer precision alone: the same durations as loop.call_at callbacks, no tasks.
    late = [0.0] * n
    all_done = loop.create_future()
    finished = 0

    def fired(i, deadline):
        nonlocal finished
        late[i] = loop.time() - deadline
        finished += 1
        if finished == n:
            all_done.set_result(None)

    for i in range(n):
        deadline = loop.time() + durations[i]
        loop.call_at(deadline, fired, i, deadline)
    await all_done
    emit_lateness(late, "call_at")


def emit_lateness(late, variant):
    late_ms = sorted(x * 1e3 for x in late)
    n = len(late_ms)
    emit("late_ms_max", late_ms[-1], variant=variant)
    emit("late_ms_p50", late_ms[(n - 1) // 2], variant=variant)   # lower median, same index rule in all programs
    emit("early_count", sum(1 for x in late_ms if x < 0), variant=variant)


async def bench_gather(n):
    """Create n tasks that each yield once and return their index, and gather them
    all; milliseconds per round, task creation included, median of COMBINE_REPEATS."""
    async def member(i):
        await asyncio.sleep(0)
        return i

    expected = list(range(n))
    times = []
    for _ in range(COMBINE_REPEATS):
        t0 = time.perf_counter_ns()
        results = await asyncio.gather(*[asyncio.create_task(member(i)) for i in range(n)])
        times.append(time.perf_counter_ns() - t0)
        if results != expected:
            raise RuntimeError("gather returned results out of order")
        if len(asyncio.all_tasks()) != 1:
            raise RuntimeError("tasks left over after a gather round")
    emit("gather_ms", median(times) / 1e6)


async def bench_wait_first(n):
    """Create n tasks: task 0 returns at once, the others wait on one shared future.
    Time from creating them until asyncio.wait(FIRST_COMPLETED) returns, median of
    COMBINE_REPEATS; the future is then resolved and the rest awaited, untimed."""
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(COMBINE_REPEATS):
        gate = loop.create_future()

        async def member(i):
            if i == 0:
                return 0
            await gate
            return i

        t0 = time.perf_counter_ns()
        tasks = [asyncio.create_task(member(i)) for i in range(n)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        times.append(time.perf_counter_ns() - t0)
        if len(done) != 1 or tasks[0] not in done or tasks[0].result() != 0:
            raise RuntimeError(f"wait returned {len(done)} done tasks, expected only task 0")
        if len(pending) != n - 1:
            raise RuntimeError(f"wait returned {len(pending)} pending tasks, expected {n - 1}")

        # Cleanup, outside the timed region: release the others and let them finish.
        gate.set_result(None)
        results = await asyncio.gather(*tasks)
        if results != list(range(n)):
            raise RuntimeError("the waiting tasks returned wrong results")
        del tasks, done, pending, results
        if len(asyncio.all_tasks()) != 1:
            raise RuntimeError("tasks left over after a wait_first round")
    emit("wait_first_ms", median(times) / 1e6)


async def bench_handoff(n):
    """A producer and a consumer pass n items through a Queue(maxsize=1); ns per item."""
    queue = asyncio.Queue(maxsize=1)

    async def producer():
        for i in range(1, n + 1):
            await queue.put(i)

    async def consumer():
        for i in range(1, n + 1):
            item = await queue.get()
            if item != i:
                raise RuntimeError(f"item {i} arrived as {item}")

    t0 = time.perf_counter_ns()
    p = asyncio.create_task(producer())
    c = asyncio.create_task(consumer())
    await p
    await c
    emit("handoff_ns", (time.perf_counter_ns() - t0) / n)


async def bench_lock(n):
    """One task takes and gives back an uncontended asyncio.Lock n times; ns per pair."""
    lock = asyncio.Lock()
    t0 = time.perf_counter_ns()
    for _ in range(n):
        await lock.acquire()
        lock.release()
    emit("lock_ns", (time.perf_counter_ns() - t0) / n)


# ------------------------------------------------------------------- HTTP

# The period pattern, long enough that a read of up to STREAM_BUFFER bytes at
# any phase is a slice of it: each piece is checked with one compare.
PATTERN = bytes(i % PATTERN_PERIOD for i in range(PATTERN_PERIOD + STREAM_BUFFER))
SMALL = PATTERN[:HTTP_BODY_BYTES]


def cpu_micros():
    """user + system CPU of this process in µs, all its threads (getrusage)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def peak_rss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024   # bytes on macOS, KiB elsewhere


async def read_head(reader, what):
    """Reads a response's status line and headers; returns (status, content length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise RuntimeError(f"{what}: bad status line {lines[0]!r}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            raise RuntimeError(f"{what}: the server closes the connection")
    if length is None:
        raise RuntimeError(f"{what}: no Content-Length")
    return int(parts[1]), length


async def bench_http_get(n, base):
    """HTTP_CONCURRENCY keep-alive connections on raw streams, each a loop of GET
    /small with the request and response handled by hand; requests/s and CPU µs
    per request over n requests after HTTP_WARMUP untimed ones."""
    url = urllib.parse.urlsplit(base)
    request = f"GET /small HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()
    conns = [await asyncio.open_connection(url.hostname, url.port) for _ in range(HTTP_CONCURRENCY)]
    issued = 0

    async def loop(reader, writer, count):
        nonlocal issued
        while issued < count:
            issued += 1
            writer.write(request)
            status, length = await read_head(reader, "GET /small")
            body = await reader.readexactly(length)
            if status != 200 or body != SMALL:
                raise RuntimeError(f"GET /small: HTTP {status}, {len(body)} bytes not the pattern")

    async def round_of(count):
        nonlocal issued
        issued = 0
        await asyncio.gather(*(loop(r, w, count) for r, w in conns))

    await round_of(HTTP_WARMUP)
    cpu0 = cpu_micros()
    t0 = time.perf_counter_ns()
    await round_of(n)
    seconds = (time.perf_counter_ns() - t0) / 1e9
    cpu = cpu_micros() - cpu0
    for _, writer in conns:
        writer.close()
    emit("http_rps", n / seconds)
    emit("http_cpu_us", cpu / n)


async def bench_stream(n, base):
    """Reads an n MiB body on a raw stream in STREAM_BUFFER reads, checking every
    byte; MiB/s and peak RSS growth."""
    url = urllib.parse.urlsplit(base)
    total = n * MIB
    rss0 = peak_rss_bytes()
    t0 = time.perf_counter_ns()
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(f"GET /stream?bytes={total} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
    status, length = await read_head(reader, "GET /stream")
    if status != 200 or length != total:
        raise RuntimeError(f"GET /stream: HTTP {status}, Content-Length {length}")
    got = 0
    while got < total:
        chunk = await reader.read(min(STREAM_BUFFER, total - got))
        if not chunk:
            raise RuntimeError(f"GET /stream: the body ended after {got} of {total} bytes")
        phase = got % PATTERN_PERIOD
        if chunk != PATTERN[phase:phase + len(chunk)]:
            raise RuntimeError(f"GET /stream: body bytes {got}..{got + len(chunk)} do not match the pattern")
        got += len(chunk)
    seconds = (time.perf_counter_ns() - t0) / 1e9
    writer.close()
    emit("stream_mib_s", n / seconds)
    emit("stream_rss_growth_mib", (peak_rss_bytes() - rss0) / MIB)


ECHO_BYTES = 64  # one message; same in the .c and .mjs


async def bench_echo_server(n):
    async def handle(reader, writer):
        try:
            while True:
                writer.write(await reader.readexactly(ECHO_BYTES))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


REDIS_PIPELINE = 16  # commands in flight; same in the .c, .mjs and redis-benchmark -P
REDIS_WARMUP = 1000  # untimed PINGs first; same in the .c and .mjs


def resp_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


async def bench_redis(n, port):
    reader, writer = await asyncio.open_connection("127.0.0.1", int(port))

    async def rounds(command, expect, count):
        batch_bytes = command * REDIS_PIPELINE
        done = 0
        while done < count:
            batch = min(REDIS_PIPELINE, count - done)
            writer.write(batch_bytes if batch == REDIS_PIPELINE else command * batch)
            for _ in range(batch):   # status replies: one line each
                if await reader.readline() != expect:
                    raise RuntimeError(f"unexpected reply, wanted {expect!r}")
            done += batch

    ping, pong = resp_command(b"PING"), b"+PONG\r\n"
    await rounds(ping, pong, REDIS_WARMUP)
    start = time.perf_counter()
    await rounds(ping, pong, n)
    ping_s = time.perf_counter() - start
    start = time.perf_counter()
    await rounds(resp_command(b"SET", b"key:bench", b"xxx"), b"+OK\r\n", n)
    set_s = time.perf_counter() - start
    writer.close()
    emit("redis_ping_ops_s", n / ping_s)
    emit("redis_set_ops_s", n / set_s)


WORKLOADS = {
    "yield": (bench_yield, 1_000_000),
    "spawn": (bench_spawn, 1_000_000),
    "memory": (bench_memory, 1_000_000),
    "timers": (bench_timers, 100_000),
    "gather": (bench_gather, 10_000),
    "wait_first": (bench_wait_first, 10_000),
    "handoff": (bench_handoff, 1_000_000),
    "lock": (bench_lock, 1_000_000),
    "http_get": (bench_http_get, 100_000),
    "stream": (bench_stream, 1024),
    "echo_server": (bench_echo_server, 1),
    "redis": (bench_redis, 200_000),
}
NEEDS_SERVER = {"http_get", "stream", "redis"}


def main(argv):
    if len(argv) < 2 or argv[1] not in WORKLOADS:
        print(f"usage: {argv[0]} <{'|'.join(WORKLOADS)}> [N] [server URL]", file=sys.stderr)
        return 2
    fn, n = WORKLOADS[argv[1]]
    if len(argv) > 2:
        try:
            n = int(argv[2])
        except ValueError:
            n = 0
        if n <= 0:
            print(f"bench_asyncio: N must be a positive integer, got {argv[2]!r}", file=sys.stderr)
            return 2
    args = (n,)
    if argv[1] in NEEDS_SERVER:
        if len(argv) < 4:
            print(f"bench_asyncio: {argv[1]} needs the server's URL or port (bench/run.mjs gives it)",
                  file=sys.stderr)
            return 2
        args = (n, argv[3])
    try:
        asyncio.run(fn(*args))
    except Exception as e:      # one line on stderr for the harness's note
        print(f"bench_asyncio: {argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
