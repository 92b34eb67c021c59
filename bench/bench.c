/*
 * bench/bench.c: wasyncio's side of `npm run bench` (bench/run.mjs drives it).
 *
 * Usage: bench <yield|spawn|memory|timers|gather|wait_first|handoff|lock> [N]
 *        bench <http_get|stream> N URL   (URL: what bench/http_server.mjs prints)
 *
 * Runs the same workloads as bench/bench_asyncio.py and bench/bench_node.mjs and
 * prints one JSON line per metric to stdout: {"metric":"yield_ns","value":41.2}.
 * Errors go to stderr, one line first that says what failed, and exit status 1.
 * The same source is built native, for WASI and for node by bin/wa-cc; the
 * HTTP workloads run in node (on undici) and natively (on the runtime's own
 * client); on WASI wa_fetch of http: URLs fails with WA_ENOTSUP (preview1
 * cannot connect out), and the harness does not run them there.
 *
 * Everything shared between tasks lives in static storage or on the heap, never
 * on a task's stack: a suspended task's stack may be copied away and the memory
 * reused by the next task, so pointers into it would dangle.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasyncio.h"
#include "../examples/redis/redis.h" /* the redis workload's client, built beside this file */

#if defined(__EMSCRIPTEN__)
#include <emscripten.h> /* EM_JS: node's process counters */
#endif
#if defined(__wasm__)
void *sbrk(intptr_t increment); /* by hand: strict C11 headers hide it */
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h> /* mallinfo2 */
#define BENCH_MALLINFO2 1
#endif
#if !defined(__wasm__)
#include <sys/resource.h> /* getrusage: CPU time, peak RSS */
#endif

#define SPAWN_BATCH 1000        /* tasks created before awaiting them; same in the .py and .mjs */
#define TIMER_SEED 0x2545F491u  /* xorshift32 seed shared with the .py and .mjs */
#define COMBINE_REPEATS 11      /* gather / wait_first rounds per process, median reported; same in the .py and .mjs */
#define HTTP_CONCURRENCY 64     /* requests in flight at once; same in the .py and .mjs */
#define HTTP_WARMUP 2000        /* untimed requests first: connections open, code warm; same in the .py and .mjs */
#define HTTP_BODY_BYTES 100     /* the body of the server's /small; same in the .py, .mjs and http_server.mjs */
#define PATTERN_PERIOD 251      /* byte i of every body is i % PATTERN_PERIOD; same everywhere */
#define STREAM_BUFFER (16 * 1024) /* the stream workload's read size; same in the .py */
#define MIB (1024.0 * 1024.0)

/* What main() hands to the workload (static: see the note at the top). */
static struct {
    const char *name;  /* workload name, for error lines */
    long n;            /* N from argv[2] or the workload's default */
    const char *url;   /* argv[3]: the HTTP workloads' server */
    int port;          /* argv[3]: echo_client's server */
    int reported;      /* an error line was already printed */
} bench;

/* ------------------------------------------------------------------ helpers */

static void emit(const char *metric, double value)
{
    printf("{\"metric\":\"%s\",\"value\":%.9g}\n", metric, value);
}

/* Prints the one stderr line the harness shows and returns code. code 0 is for
 * calls that return NULL without saying which error: the line then names no
 * code and the caller gets WA_EINVAL, so it still fails. */
static int report(const char *what, int code, const char *detail)
{
    if (!bench.reported)
        fprintf(stderr, "bench %s: %s: %s%s%s\n", bench.name, what,
                code ? wa_strerror(code) : "failed", detail && *detail ? ": " : "",
                detail ? detail : "");
    bench.reported = 1;
    return code ? code : WA_EINVAL;
}

/* Monotonic seconds from the OS, independent of the runtime's own clock, so a
 * runtime clock bug cannot flatter a throughput figure. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#if !defined(__wasm__)
/* This process's peak resident set, in bytes (getrusage). */
static double max_rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#if defined(__APPLE__)
    return (double)ru.ru_maxrss;          /* bytes on macOS */
#else
    return (double)ru.ru_maxrss * 1024.0; /* KiB elsewhere */
#endif
}
#endif

/* Bytes the program holds from the system, by the best probe each target has. */
static double memory_in_use(void)
{
#if defined(__wasm__)
    /* Heap top and linear memory size; the caller takes the larger growth, so
     * neither initial-memory slack nor allocations outside malloc hide bytes. */
    return (double)(uintptr_t)sbrk(0);
#elif defined(BENCH_MALLINFO2)
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd; /* heap chunks + mmapped chunks (big stacks) */
#else
    return max_rss_bytes();
#endif
}

static double linear_memory_bytes(void)
{
#if defined(__wasm__)
    return (double)__builtin_wasm_memory_size(0) * 65536.0;
#else
    return 0.0;
#endif
}

#if defined(__EMSCRIPTEN__)
/* The whole node process's counters (getrusage there; emscripten's own
 * getrusage and CPU clocks are stubs or wall time). */
EM_JS(double, process_cpu_us, (void), {
    const u = process.cpuUsage();
    return u.user + u.system;
});
EM_JS(double, peak_rss_bytes, (void), { return process.resourceUsage().maxRSS * 1024; });
#elif !defined(__wasm__)
/* This process's user + system CPU time, all threads (getrusage). */
static double process_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}
static double peak_rss_bytes(void) { return max_rss_bytes(); }
#else
/* Never read: WASI cannot connect, so the HTTP workloads fail at their first fetch. */
static double process_cpu_us(void) { return 0.0; }
static double peak_rss_bytes(void) { return 0.0; }
#endif

/* ------------------------------------------------------------- 1. yield */

static int yielder(void *arg)
{
    (void)arg;
    for (long i = 0; i < bench.n; i++) {
        int rc = wa_yield();
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Two tasks alternately yield N times each: ns per single task switch. */
static int bench_yield(void *arg)
{
    (void)arg;
    double t0 = now_s();
    wa_task *a = wa_create_task(yielder, NULL);
    wa_task *b = wa_create_task(yielder, NULL);
    if (!a || !b) {
        wa_task_release(a);
        wa_task_release(b);
        return report("wa_create_task", 0, wa_errmsg());
    }
    int rc_a = wa_await_task(a);
    int rc_b = wa_await_task(b);
    double elapsed = now_s() - t0;
    int rc = rc_a ? rc_a : rc_b;
    if (rc != 0)
        report("yielder", rc, wa_task_errmsg(rc_a ? a : b));
    wa_task_release(a);
    wa_task_release(b);
    if (rc != 0)
        return rc;
    emit("yield_ns", elapsed * 1e9 / (2.0 * (double)bench.n));
    return 0;
}

/* ------------------------------------------------------------- 2. spawn */

static int noop_task(void *arg)
{
    (void)arg;
    return 0;
}

/* Create tasks that return at once and await each, SPAWN_BATCH at a time. */
static int bench_spawn(void *arg)
{
    (void)arg;
    /* On the heap: a big array in this frame would be copied on every suspend. */
    wa_task **batch = malloc(SPAWN_BATCH * sizeof *batch);
    if (!batch)
        return report("malloc", WA_ENOMEM, NULL);
    int rc = 0;
    double t0 = now_s();
    for (long done = 0; done < bench.n && rc == 0;) {
        long count = bench.n - done < SPAWN_BATCH ? bench.n - done : SPAWN_BATCH;
        long created = 0;
        while (created < count) {
            batch[created] = wa_create_task(noop_task, NULL);
            if (!batch[created]) {
                rc = report("wa_create_task", 0, wa_errmsg());
                break;
            }
            created++;
        }
        for (long i = 0; i < created; i++) {
            int task_rc = wa_await_task(batch[i]);
            if (task_rc != 0 && rc == 0)
                rc = report("noop task", task_rc, wa_task_errmsg(batch[i]));
            wa_task_release(batch[i]);
        }
        done += count;
    }
    double elapsed = now_s() - t0;
    free(batch);
    if (rc != 0)
        return rc;
    emit("tasks_per_s", (double)bench.n / elapsed);
    return 0;
}

/* ------------------------------------------------------------ 3. memory */

static struct {
    wa_future *gate;      /* every waiter awaits this one future */
    wa_future *all_done;  /* resolved by the last waiter, or failed by the first error */
    long started;         /* waiters that reached their await */
    long finished;        /* waiters past the gate */
} memory;

static int gate_waiter(void *arg)
{
    (void)arg;
    memory.started++;
    int rc = wa_await_future(memory.gate);
    if (rc != 0) {
        /* Wake main with the cause rather than leave it to a deadlock. */
        wa_future_set_error(memory.all_done, rc, "a waiter failed at the gate");
        return rc;
    }
    if (++memory.finished == bench.n)
        wa_future_set_result(memory.all_done, 0);
    return 0;
}

/* N tasks suspended on one shared future: memory growth per task. */
static int bench_memory(void *arg)
{
    (void)arg;
    memory.gate = wa_future_new();
    memory.all_done = wa_future_new();
    if (!memory.gate || !memory.all_done)
        return report("wa_future_new", 0, wa_errmsg());

    double heap_before = memory_in_use();
    double linear_before = linear_memory_bytes();
    for (long i = 0; i < bench.n; i++) {
        wa_task *t = wa_create_task(gate_waiter, NULL);
        if (!t)
            return report("wa_create_task", 0, wa_errmsg());
        wa_task_release(t); /* the loop keeps pending tasks alive; no handle array to count */
    }
    while (memory.started < bench.n) { /* one yield runs every ready task once; loop in case */
        int rc = wa_yield();
        if (rc != 0)
            return report("wa_yield", rc, wa_errmsg());
    }
    double heap_growth = memory_in_use() - heap_before;
    double linear_growth = linear_memory_bytes() - linear_before;

    /* Check they really are suspended, not finished: n waiters plus this task. */
    wa_stats stats;
    int rc = wa_loop_get_stats(NULL, &stats);
    if (rc != 0)
        return report("wa_loop_get_stats", rc, wa_errmsg());
    if (stats.tasks_pending < (size_t)bench.n)
        return report("wa_loop_get_stats", WA_ESTATE, "fewer tasks pending than were suspended");

    double growth = heap_growth > linear_growth ? heap_growth : linear_growth;
    emit("bytes_per_task", growth / (double)bench.n);

    wa_future_set_result(memory.gate, 0);
    rc = wa_await_future(memory.all_done);
    if (rc != 0)
        report("waiters", rc, wa_future_errmsg(memory.all_done));
    wa_future_release(memory.gate);
    wa_future_release(memory.all_done);
    return rc;
}

/* ------------------------------------------------------------ 4. timers */

typedef struct sleeper {
    double seconds;  /* requested sleep */
    double late;     /* wake time minus deadline, seconds; negative = woke early */
} sleeper;

static struct {
    sleeper *sleepers;    /* one per task, heap array of N */
    long finished;        /* sleepers woken */
    wa_future *all_done;  /* resolved by the last sleeper, or failed by the first error */
} timers;

static int sleeper_task(void *arg)
{
    sleeper *s = arg;
    /* Taken before the sleep starts, so never later than the runtime's own deadline. */
    double deadline = wa_time() + s->seconds;
    int rc = wa_sleep(s->seconds);
    if (rc != 0) {
        wa_future_set_error(timers.all_done, rc, "a sleeper failed");
        return rc;
    }
    s->late = wa_time() - deadline;
    if (++timers.finished == bench.n)
        wa_future_set_result(timers.all_done, 0);
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* N tasks sleep distinct seeded durations in [0, 1) s: lateness by wa_time(). */
static int bench_timers(void *arg)
{
    (void)arg;
    long n = bench.n;
    timers.sleepers = malloc((size_t)n * sizeof *timers.sleepers);
    double *late_ms = malloc((size_t)n * sizeof *late_ms);
    timers.all_done = wa_future_new();
    if (!timers.sleepers || !late_ms || !timers.all_done) {
        free(timers.sleepers);
        free(late_ms);
        return report("allocation", WA_ENOMEM, NULL);
    }
    uint32_t x = TIMER_SEED; /* xorshift32: full period, so N < 2^32 draws are distinct */
    for (long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        timers.sleepers[i].seconds = (double)x / 4294967296.0;
        timers.sleepers[i].late = 0.0;
    }
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        wa_task *t = wa_create_task(sleeper_task, &timers.sleepers[i]);
        if (!t)
            rc = report("wa_create_task", 0, wa_errmsg());
        wa_task_release(t);
    }
    if (rc == 0) {
        rc = wa_await_future(timers.all_done);
        if (rc != 0)
            report("sleepers", rc, wa_future_errmsg(timers.all_done));
    }
    if (rc == 0) {
        long early = 0;
        for (long i = 0; i < n; i++) {
            late_ms[i] = timers.sleepers[i].late * 1e3;
            early += late_ms[i] < 0.0;
        }
        qsort(late_ms, (size_t)n, sizeof *late_ms, compare_double);
        emit("late_ms_max", late_ms[n - 1]);
        emit("late_ms_p50", late_ms[(n - 1) / 2]); /* lower median, same index rule in all programs */
        emit("early_count", (double)early);
    }
    wa_future_release(timers.all_done);
    free(timers.sleepers);
    free(late_ms);
    return rc;
}

/* ------------------------------------------- 5, 6. gather and wait_first */

/* State shared by the two workloads that combine N tasks in one await. */
static struct {
    long *index;         /* index[i] == i: each task's argument (heap, never a task's stack) */
    wa_task **tasks;     /* the N tasks of the current round */
    intptr_t *results;   /* wa_gather's results */
    wa_task **done;      /* wa_wait's done_out */
    wa_task **pending;   /* wa_wait's pending_out */
    wa_future *gate;     /* wait_first: every task but task 0 awaits it */
    double times[COMBINE_REPEATS]; /* seconds per round */
    wa_stats baseline;   /* the loop's counts before the first round */
    double heap_baseline; /* memory_in_use() after round 2's cleanup */
} combine;

static void combine_free(void)
{
    free(combine.index);
    free(combine.tasks);
    free(combine.results);
    free(combine.done);
    free(combine.pending);
    combine.index = NULL;
    combine.tasks = combine.done = combine.pending = NULL;
    combine.results = NULL;
}

/* Allocates the arrays and records the loop's counts to compare each round with. */
static int combine_setup(void)
{
    size_t n = (size_t)bench.n;
    combine.index = malloc(n * sizeof *combine.index);
    combine.tasks = malloc(n * sizeof *combine.tasks);
    combine.results = malloc(n * sizeof *combine.results);
    combine.done = malloc(n * sizeof *combine.done);
    combine.pending = malloc(n * sizeof *combine.pending);
    if (!combine.index || !combine.tasks || !combine.results || !combine.done || !combine.pending) {
        combine_free();
        return report("allocation", WA_ENOMEM, NULL);
    }
    for (long i = 0; i < bench.n; i++)
        combine.index[i] = i;
    int rc = wa_loop_get_stats(NULL, &combine.baseline);
    if (rc != 0) {
        combine_free();
        return report("wa_loop_get_stats", rc, wa_errmsg());
    }
    return 0;
}

/* After round `round` has been cleaned up: every task it created must be gone,
 * and from the third round on the heap must not keep growing. One leaked
 * 16-byte block per task per round would add n * 16 bytes every round. The
 * baseline is the heap after round 2: the loop keeps the last 1,024 records
 * it released (to recognise stale handles), so round 2 allocates while they
 * are held and the heap's top moves up once by their size. */
static int combine_check_round(int round)
{
    wa_stats now;
    int rc = wa_loop_get_stats(NULL, &now);
    if (rc != 0)
        return report("wa_loop_get_stats", rc, wa_errmsg());
    if (now.tasks_alive != combine.baseline.tasks_alive ||
        now.tasks_pending != combine.baseline.tasks_pending) {
        char detail[128];
        snprintf(detail, sizeof detail, "round %d left %zu tasks alive, %zu pending (expected %zu, %zu)",
                 round + 1, now.tasks_alive, now.tasks_pending, combine.baseline.tasks_alive,
                 combine.baseline.tasks_pending);
        return report("leak check", WA_ESTATE, detail);
    }
#if defined(__wasm__) || defined(BENCH_MALLINFO2)
    double heap = memory_in_use();
    if (round <= 1) {
        combine.heap_baseline = heap;
    } else {
        double allowed = (double)bench.n * 16.0 > 65536.0 ? (double)bench.n * 16.0 : 65536.0;
        if (heap - combine.heap_baseline > allowed) {
            char detail[128];
            snprintf(detail, sizeof detail, "heap grew %.0f bytes between round 2 and round %d",
                     heap - combine.heap_baseline, round + 1);
            return report("leak check", WA_ENOMEM, detail);
        }
    }
#endif
    return 0;
}

static double median_ms(void)
{
    double sorted[COMBINE_REPEATS];
    memcpy(sorted, combine.times, sizeof sorted);
    qsort(sorted, COMBINE_REPEATS, sizeof sorted[0], compare_double);
    return sorted[(COMBINE_REPEATS - 1) / 2] * 1e3; /* lower median, same rule in all programs */
}

/* A gather member: yields once, returns its index. */
static int gather_member(void *arg)
{
    long i = *(const long *)arg;
    int rc = wa_yield();
    if (rc != 0)
        return rc;
    return wa_return((intptr_t)i);
}

/* N tasks that yield once and return their index, gathered: ms per round with
 * task creation and release, median of COMBINE_REPEATS rounds. */
static int bench_gather(void *arg)
{
    (void)arg;
    int rc = combine_setup();
    if (rc != 0)
        return rc;
    size_t n = (size_t)bench.n;
    for (int round = 0; round < COMBINE_REPEATS && rc == 0; round++) {
        double t0 = now_s();
        size_t created = 0;
        while (created < n) {
            combine.tasks[created] = wa_create_task(gather_member, &combine.index[created]);
            if (!combine.tasks[created]) {
                rc = report("wa_create_task", 0, wa_errmsg());
                break;
            }
            created++;
        }
        if (rc == 0) {
            rc = wa_gather(combine.tasks, n, combine.results, NULL, 0);
            if (rc != 0)
                report("wa_gather", rc, wa_errmsg());
        }
        for (size_t i = 0; i < created; i++) /* timed: asyncio frees its tasks inside the await too */
            wa_task_release(combine.tasks[i]);
        combine.times[round] = now_s() - t0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (combine.results[i] != (intptr_t)i) {
                char detail[96];
                snprintf(detail, sizeof detail, "results[%zu] is %ld: out of order", i,
                         (long)combine.results[i]);
                rc = report("wa_gather", WA_ESTATE, detail);
            }
        }
        if (rc == 0)
            rc = combine_check_round(round);
    }
    combine_free();
    if (rc != 0)
        return rc;
    emit("gather_ms", median_ms());
    return 0;
}

/* A wait_first member: task 0 returns at once, the others wait for the gate. */
static int wait_member(void *arg)
{
    long i = *(const long *)arg;
    if (i != 0) {
        int rc = wa_await_future(combine.gate);
        if (rc != 0)
            return rc;
    }
    return wa_return((intptr_t)i);
}

/* One wait_first round; the time from the first wa_create_task until
 * wa_wait(FIRST_COMPLETED) returns goes to combine.times[round]. */
static int wait_first_round(int round)
{
    size_t n = (size_t)bench.n;
    combine.gate = wa_future_new();
    if (!combine.gate)
        return report("wa_future_new", 0, wa_errmsg());

    int rc = 0;
    double t0 = now_s();
    size_t created = 0;
    while (created < n) {
        combine.tasks[created] = wa_create_task(wait_member, &combine.index[created]);
        if (!combine.tasks[created]) {
            rc = report("wa_create_task", 0, wa_errmsg());
            break;
        }
        created++;
    }
    int d = 0;
    if (rc == 0) {
        d = wa_wait(combine.tasks, n, WA_FOREVER, WA_FIRST_COMPLETED, combine.done,
                    combine.pending);
        combine.times[round] = now_s() - t0;
        if (d < 0)
            rc = report("wa_wait", d, wa_errmsg());
    }
    if (rc == 0) {
        intptr_t value = -1;
        int task_rc = d == 1 && combine.done[0] == combine.tasks[0]
                          ? wa_task_result(combine.tasks[0], &value) : WA_ESTATE;
        if (task_rc != 0 || value != 0) {
            char detail[96];
            snprintf(detail, sizeof detail, "%d done, expected only task 0 (its code %d, result %ld)",
                     d, task_rc, (long)value);
            rc = report("wa_wait", WA_ESTATE, detail);
        }
        for (size_t i = 1; i < n && rc == 0; i++) {
            if (combine.pending[i - 1] != combine.tasks[i])
                rc = report("wa_wait", WA_ESTATE, "pending_out is not the other tasks in order");
        }
    }

    /* Cleanup, untimed: open the gate, let every task finish, give them back. */
    int set_rc = wa_future_set_result(combine.gate, 0);
    if (set_rc != 0 && rc == 0)
        rc = report("wa_future_set_result", set_rc, wa_errmsg());
    if (created == n) {
        int gather_rc = wa_gather(combine.tasks, n, combine.results, NULL, 0);
        if (gather_rc != 0 && rc == 0)
            rc = report("wa_gather (cleanup)", gather_rc, wa_errmsg());
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (combine.results[i] != (intptr_t)i)
                rc = report("wa_gather (cleanup)", WA_ESTATE, "a waiting task returned a wrong result");
        }
    }
    for (size_t i = 0; i < created; i++)
        wa_task_release(combine.tasks[i]);
    wa_future_release(combine.gate);
    combine.gate = NULL;
    if (rc == 0)
        rc = combine_check_round(round);
    return rc;
}

/* N tasks, one finishing first: ms until wa_wait(FIRST_COMPLETED) returns,
 * task creation included, median of COMBINE_REPEATS rounds. */
static int bench_wait_first(void *arg)
{
    (void)arg;
    int rc = combine_setup();
    for (int round = 0; round < COMBINE_REPEATS && rc == 0; round++)
        rc = wait_first_round(round);
    combine_free();
    if (rc != 0)
        return rc;
    emit("wait_first_ms", median_ms());
    return 0;
}

/* ------------------------------------------------ 7, 8. queue hand-off, lock */

static wa_queue *handoff_queue;   /* maxsize 1: every item waits for the consumer */

static int producer(void *arg)
{
    (void)arg;
    for (long i = 1; i <= bench.n; i++) {
        int rc = wa_queue_put(handoff_queue, (intptr_t)i);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int consumer(void *arg)
{
    (void)arg;
    for (long i = 1; i <= bench.n; i++) {
        intptr_t item = 0;
        int rc = wa_queue_get(handoff_queue, &item);
        if (rc != 0)
            return rc;
        if (item != (intptr_t)i)
            return wa_fail(WA_ESTATE, "item %ld arrived as %ld", i, (long)item);
    }
    return 0;
}

/* A producer and a consumer pass N items through a queue of size 1: ns per item. */
static int bench_handoff(void *arg)
{
    (void)arg;
    handoff_queue = wa_queue_new(1);
    if (!handoff_queue)
        return report("wa_queue_new", WA_ENOMEM, NULL);
    double t0 = now_s();
    wa_task *p = wa_create_task(producer, NULL);
    wa_task *c = wa_create_task(consumer, NULL);
    int rc = p && c ? 0 : report("wa_create_task", 0, wa_errmsg());
    int rc_p = p ? wa_await_task(p) : 0;
    int rc_c = c ? wa_await_task(c) : 0;
    double elapsed = now_s() - t0;
    if (rc == 0 && (rc_p || rc_c))
        rc = report(rc_p ? "producer" : "consumer", rc_p ? rc_p : rc_c, wa_task_errmsg(rc_p ? p : c));
    wa_task_release(p);
    wa_task_release(c);
    wa_queue_free(handoff_queue);
    if (rc != 0)
        return rc;
    emit("handoff_ns", elapsed * 1e9 / (double)bench.n);
    return 0;
}

/* One task takes and gives back an uncontended lock N times: ns per pair. */
static int bench_lock(void *arg)
{
    (void)arg;
    wa_lock *lock = wa_lock_new();
    if (!lock)
        return report("wa_lock_new", WA_ENOMEM, NULL);
    int rc = 0;
    double t0 = now_s();
    for (long i = 0; i < bench.n && rc == 0; i++) {
        rc = wa_lock_acquire(lock);
        if (rc == 0)
            rc = wa_lock_release(lock);
    }
    double elapsed = now_s() - t0;
    wa_lock_free(lock);
    if (rc != 0)
        return report("wa_lock_acquire/release", rc, wa_errmsg());
    emit("lock_ns", elapsed * 1e9 / (double)bench.n);
    return 0;
}

/* ------------------------------------------------------ 9, 10. HTTP client */

static struct {
    wa_session *session;
    long target;       /* requests in the current round */
    long issued;       /* requests started in it */
    int failed;        /* the first loop's error: the others stop */
    wa_task *loops[HTTP_CONCURRENCY];
    unsigned char pattern[PATTERN_PERIOD + STREAM_BUFFER]; /* any read at any phase is a slice */
    unsigned char buf[STREAM_BUFFER];                      /* static: a task's stack may move */
    char url[256];
} http;

static void fill_pattern(void)
{
    for (size_t i = 0; i < sizeof http.pattern; i++)
        http.pattern[i] = (unsigned char)(i % PATTERN_PERIOD);
}

/* Whether n bytes at p are the pattern from body offset at. Eight bytes at a
 * time: wasm's memcmp goes byte by byte unless both sides are aligned alike. */
static int is_pattern(const unsigned char *p, size_t n, unsigned long long at)
{
    const unsigned char *q = http.pattern + at % PATTERN_PERIOD;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, p + i, 8);
        memcpy(&b, q + i, 8);
        if (a != b)
            return 0;
    }
    return memcmp(p + i, q + i, n - i) == 0;
}

/* One of HTTP_CONCURRENCY loops sharing the round's requests. */
static int get_loop(void *arg)
{
    (void)arg;
    while (http.issued < http.target && !http.failed) {
        http.issued++;
        wa_response *r = NULL;
        char *body = NULL;
        size_t len = 0;
        int rc = wa_session_fetch(http.session, "/small", NULL, &r);
        if (rc == 0)
            rc = wa_response_read_all(r, &body, &len);
        if (rc == 0 && (wa_response_status(r) != 200 || len != HTTP_BODY_BYTES ||
                        !is_pattern((const unsigned char *)body, len, 0)))
            rc = wa_fail(WA_ESTATE, "HTTP %d, a body of %zu bytes that is not the pattern",
                         wa_response_status(r), len);
        if (rc != 0 && !http.failed) {
            http.failed = rc;
            report("GET /small", rc, wa_errmsg());
        }
        free(body);
        wa_response_free(r);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* count requests by HTTP_CONCURRENCY tasks on the session. */
static int get_round(long count)
{
    wa_task **loops = http.loops;
    http.target = count;
    http.issued = 0;
    int rc = 0;
    size_t created = 0;
    while (created < HTTP_CONCURRENCY) {
        loops[created] = wa_create_task(get_loop, NULL);
        if (!loops[created]) {
            rc = report("wa_create_task", 0, wa_errmsg());
            http.failed = rc;
            break;
        }
        created++;
    }
    for (size_t i = 0; i < created; i++) {
        int loop_rc = wa_await_task(loops[i]);
        if (loop_rc != 0 && rc == 0)
            rc = loop_rc; /* the loop reported it */
        wa_task_release(loops[i]);
    }
    return rc;
}

/* GET /small N times, HTTP_CONCURRENCY at once on one session of as many
 * connections: requests/s, and this process's CPU per request. */
static int bench_http_get(void *arg)
{
    (void)arg;
    fill_pattern();
    wa_session_options opts = {.base_url = bench.url, .max_connections = HTTP_CONCURRENCY};
    http.session = wa_session_new(&opts);
    if (!http.session)
        return report("wa_session_new", 0, wa_errmsg());
    int rc = get_round(HTTP_WARMUP);
    double cpu0 = process_cpu_us();
    double t0 = now_s();
    if (rc == 0)
        rc = get_round(bench.n);
    double elapsed = now_s() - t0;
    double cpu = process_cpu_us() - cpu0;
    wa_session_free(http.session);
    if (rc != 0)
        return rc;
    emit("http_rps", (double)bench.n / elapsed);
    emit("http_cpu_us", cpu / (double)bench.n);
    return 0;
}

/* Reads an N MiB body in STREAM_BUFFER reads, checking every byte: MiB/s, and
 * how much wasm memory and the process's peak RSS grew meanwhile. */
static int bench_stream(void *arg)
{
    (void)arg;
    fill_pattern();
    unsigned long long total = (unsigned long long)bench.n << 20;
    snprintf(http.url, sizeof http.url, "%s/stream?bytes=%llu", bench.url, total);
    double heap_before = memory_in_use();
    double linear_before = linear_memory_bytes();
    double rss_before = peak_rss_bytes();
    double t0 = now_s();
    wa_response *r = NULL;
    int rc = wa_fetch(http.url, NULL, &r);
    if (rc != 0)
        return report("wa_fetch", rc, wa_errmsg());
    if (wa_response_status(r) != 200) {
        wa_response_free(r);
        return report("GET /stream", WA_EHTTP, "not HTTP 200");
    }
    unsigned long long got = 0;
    for (;;) {
        size_t n = 0;
        rc = wa_response_read(r, http.buf, sizeof http.buf, &n);
        if (rc != 0) {
            report("wa_response_read", rc, wa_errmsg());
            break;
        }
        if (n == 0)
            break;
        if (!is_pattern(http.buf, n, got)) {
            char detail[96];
            snprintf(detail, sizeof detail, "body bytes %llu..%llu do not match the pattern", got, got + n);
            rc = report("GET /stream", WA_ESTATE, detail);
            break;
        }
        got += n;
    }
    double elapsed = now_s() - t0;
    double heap_growth = memory_in_use() - heap_before;
    double linear_growth = linear_memory_bytes() - linear_before;
    double rss_growth = peak_rss_bytes() - rss_before;
    wa_response_free(r);
    if (rc != 0)
        return rc;
    if (got != total) {
        char detail[96];
        snprintf(detail, sizeof detail, "%llu bytes of %llu", got, total);
        return report("GET /stream", WA_ETRUNCATED, detail);
    }
    emit("stream_mib_s", (double)bench.n / elapsed);
    emit("stream_wasm_growth_mib", (heap_growth > linear_growth ? heap_growth : linear_growth) / MIB);
    emit("stream_rss_growth_mib", rss_growth / MIB);
    return 0;
}

/* ------------------------------------------------------------------ echo */

#define ECHO_BYTES 64           /* one message; same in the .py and .mjs */

/* The echo server: each connection's messages come back as they are. */
static int echo_back(wa_stream *s, void *arg)
{
    (void)arg;
    char message[ECHO_BYTES];
    int rc;
    while ((rc = wa_stream_readexactly(s, message, sizeof message)) == 0)
        if ((rc = wa_stream_write(s, message, sizeof message)) != 0)
            return rc;
    return rc == WA_ETRUNCATED ? 0 : rc;   /* the client went */
}

static int bench_echo_server(void *arg)
{
    (void)arg;
    wa_server *srv = NULL;
    int rc = wa_start_server(echo_back, NULL, "127.0.0.1", 0, 0, &srv);
    if (rc != 0)
        return report("wa_start_server", rc, wa_errmsg());
    printf("listening %d\n", wa_server_port(srv));   /* 0 on WASI: the runner says */
    fflush(stdout);
    return wa_server_serve_forever(srv);
}

/* The client every server is measured with (built natively): N round trips
 * of one message over one connection, each waiting for its echo. */
static int bench_echo_client(void *arg)
{
    (void)arg;
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", bench.port, 10.0, &s);
    if (rc != 0)
        return report("wa_open_connection", rc, wa_errmsg());
    char message[ECHO_BYTES], echo[ECHO_BYTES];
    for (size_t i = 0; i < sizeof message; i++)
        message[i] = (char)(i % PATTERN_PERIOD);
    double start = 0;
    for (long i = -1000; i < bench.n && rc == 0; i++) {   /* 1,000 untimed first */
        if (i == 0)
            start = wa_time();
        if ((rc = wa_stream_write(s, message, sizeof message)) == 0)
            rc = wa_stream_readexactly(s, echo, sizeof echo);
        if (rc == 0 && memcmp(echo, message, sizeof echo) != 0)
            rc = report("echo", WA_EIO, "the echo differs from the message");
    }
    double elapsed = wa_time() - start;
    wa_stream_free(s);
    if (rc != 0)
        return report("echo round trip", rc, wa_errmsg());
    emit("echo_rtt_s", (double)bench.n / elapsed);
    return 0;
}

/* ------------------------------------------------------------------ redis */

#define REDIS_PIPELINE 16       /* commands in flight on the connection; same in the .py, .mjs and redis-benchmark -P */
#define REDIS_WARMUP 1000       /* untimed PINGs first; same in the .py and .mjs */

/* n commands, REDIS_PIPELINE at a time: queued in one go, then every reply
 * read and checked to be the status `expect`. */
static int redis_rounds(redis *r, int argc, const char *const *argv, const char *expect, long n)
{
    for (long done = 0; done < n;) {
        long batch = n - done < REDIS_PIPELINE ? n - done : REDIS_PIPELINE;
        for (long i = 0; i < batch; i++) {
            int rc = redis_append(r, argc, argv, NULL);
            if (rc != 0)
                return report("redis_append", rc, wa_errmsg());
        }
        for (long i = 0; i < batch; i++) {
            redis_reply *reply = NULL;
            int rc = redis_get_reply(r, &reply);
            if (rc != 0)
                return report("redis_get_reply", rc, wa_errmsg());
            int ok = reply->type == REDIS_STATUS && strcmp(reply->str, expect) == 0;
            redis_reply_free(reply);
            if (!ok)
                return report("redis reply", WA_EIO, expect);
        }
        done += batch;
    }
    return 0;
}

/* PING, then SET of a 3-byte value (redis-benchmark's default size), N each,
 * pipelined over one connection to the harness's redis-server. */
static int bench_redis(void *arg)
{
    (void)arg;
    redis *r = NULL;
    int rc = redis_connect("127.0.0.1", bench.port, NULL, 10.0, &r);
    if (rc != 0)
        return report("redis_connect", rc, wa_errmsg());
    static const char *const ping[] = {"PING"}, *const set[] = {"SET", "key:bench", "xxx"};
    rc = redis_rounds(r, 1, ping, "PONG", REDIS_WARMUP);
    double start = wa_time();
    if (rc == 0)
        rc = redis_rounds(r, 1, ping, "PONG", bench.n);
    double ping_s = wa_time() - start;
    start = wa_time();
    if (rc == 0)
        rc = redis_rounds(r, 3, set, "OK", bench.n);
    double set_s = wa_time() - start;
    redis_free(r);
    if (rc != 0)
        return rc;
    emit("redis_ping_ops_s", (double)bench.n / ping_s);
    emit("redis_set_ops_s", (double)bench.n / set_s);
    return 0;
}

/* ------------------------------------------------------------------ main */

static const struct {
    const char *name;   /* argv[1] */
    wa_fn main;         /* runs as the loop's first task */
    long default_n;     /* N when argv[2] is absent */
    int needs_url;      /* argv[3] is the server's URL (1) or port (2) */
} workloads[] = {
    {"yield", bench_yield, 1000000, 0},
    {"spawn", bench_spawn, 1000000, 0},
    {"memory", bench_memory, 1000000, 0},
    {"timers", bench_timers, 100000, 0},
    {"gather", bench_gather, 10000, 0},
    {"wait_first", bench_wait_first, 10000, 0},
    {"handoff", bench_handoff, 1000000, 0},
    {"lock", bench_lock, 10000000, 0},
    {"http_get", bench_http_get, 100000, 1},
    {"stream", bench_stream, 1024, 1},
    {"echo_server", bench_echo_server, 1, 0},
    {"echo_client", bench_echo_client, 100000, 2},
    {"redis", bench_redis, 200000, 2},
};

#define WORKLOAD_COUNT (sizeof workloads / sizeof workloads[0])

int main(int argc, char **argv)
{
    size_t w = 0;
    while (argc > 1 && w < WORKLOAD_COUNT && strcmp(argv[1], workloads[w].name) != 0)
        w++;
    if (argc < 2 || w == WORKLOAD_COUNT) {
        fprintf(stderr, "usage: bench <yield|spawn|memory|timers|gather|wait_first|handoff|lock> [N]\n"
                        "       bench <http_get|stream> N URL\n"
                        "       bench echo_server | bench echo_client N PORT | bench redis N PORT\n");
        return 2;
    }
    bench.name = workloads[w].name;
    bench.n = workloads[w].default_n;
    if (argc > 2) {
        char *end = NULL;
        bench.n = strtol(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || bench.n <= 0) {
            fprintf(stderr, "bench: N must be a positive integer, got '%s'\n", argv[2]);
            return 2;
        }
    }
    if (workloads[w].needs_url == 2) {
        bench.port = argc > 3 ? atoi(argv[3]) : 0;
        if (bench.port <= 0) {
            fprintf(stderr, "bench %s: needs the server's port\n", bench.name);
            return 2;
        }
    } else if (workloads[w].needs_url) {
        if (argc < 4 || strncmp(argv[3], "http", 4) != 0) {
            fprintf(stderr, "bench %s: needs the server's URL (node bench/http_server.mjs prints it)\n",
                    bench.name);
            return 2;
        }
        bench.url = argv[3];
    }
    int rc = wa_run(workloads[w].main, NULL);
    fflush(stdout);
    if (rc != 0) {
        report("wa_run", rc, wa_errmsg()); /* prints only if the workload did not */
        return 1;
    }
    return 0;
}
