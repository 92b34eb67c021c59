/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "concurrent.futures.Future对象"
 * (concurrent.futures.Future objects), first program; 003_c3bbfac469df662c.txt
 * section "3.6 concurrent中的Future对象" has the same with max_workers=1, and
 * 000_3f41389192140140.txt section "concurrent.futures.Future 对象" describes
 * it (the future of thread and process pools, also used with coroutines):
 *
 *     def func(value):
 *         time.sleep(1)
 *         print(value)
 *
 *     pool = ThreadPoolExecutor(max_workers=5)
 *     for i in range(10):
 *         fut = pool.submit(func, i)
 *         print(fut)
 *
 * Shows: submit returns a future at once and the work runs later on one of
 * the pool's threads; the pool starts at most max_workers of them, so the
 * other submissions wait their turn ("it made 10, the last ones only wait
 * for the first to finish").
 *
 * What the port prints, and why it differs: the seed's workers print their
 * values themselves, in an order that depends on the threads (0 to 4, then
 * 5 to 9, in any order within each group; lines can even run together). Here
 * the work returns its value and the submitting task prints the values once
 * it has awaited each future, in the order submitted; that order is the same
 * on every host, including hosts without threads, where the work runs on the
 * loop's thread. C has no concurrent.futures.Future: wa_run_in_executor gives
 * the asyncio future that loop.run_in_executor (submit plus
 * asyncio.wrap_future) gives, so the submitting code is a task and the
 * equivalent Python is
 *
 *     async def main():
 *         pool = ThreadPoolExecutor(max_workers=5)
 *         futs = []
 *         for i in range(10):
 *             fut = asyncio.wrap_future(pool.submit(func, i))   # func returns value
 *             print(fut)
 *             futs.append(fut)
 *         for fut in futs:
 *             print(await fut)
 *         pool.shutdown()
 *
 * print(fut) shows such a future as "<Future pending>" (Python adds its
 * callbacks; the seed's concurrent futures print "<Future at 0x...
 * state=running>" or "state=pending"). time.sleep(1) is a blocking wait of
 * the work's thread (seed_block). No elapsed time is printed: 10 jobs of 1 s
 * take 2 s on 5 threads, 10 s where the work runs on the loop's thread.
 *
 * Expected output: "<Future pending>" 10 times, then 0 to 9, one per line.
 */
#include "seed_common.h"

#define NJOBS 10

struct job {
    intptr_t value;
    double seconds;                     /* scaled on the loop's thread */
};

/* def func(value): runs on a thread of the pool. */
static int func(void *arg, intptr_t *result) {
    const struct job *j = arg;
    seed_block(j->seconds);             /* time.sleep(1) */
    *result = j->value;
    return 0;
}

/* print(fut) for an asyncio future, shortened as the task reprs are. */
static void print_future(const wa_future *f) {
    static const char *const states[] = {"pending", "finished", "cancelled"};
    printf("<Future %s>\n", states[wa_future_state(f)]);
}

/* Read by the pool's threads: static storage. */
static struct job jobs[NJOBS];

static int amain(void *arg) {
    (void)arg;
    wa_executor *pool = wa_executor_new(5);  /* ThreadPoolExecutor(max_workers=5) */
    if (!pool) return wa_fail(WA_ENOMEM, "cannot create the pool");
    wa_future *futs[NJOBS] = {NULL};
    int rc = 0;
    for (int i = 0; i < NJOBS && !rc; i++) {
        jobs[i] = (struct job){i, 1 * seed_scale()};
        futs[i] = wa_run_in_executor(pool, func, &jobs[i]);  /* pool.submit(func, i) */
        if (futs[i]) print_future(futs[i]);
        else rc = wa_fail(WA_ENOMEM, "cannot submit the work");
    }
    for (int i = 0; i < NJOBS && !rc; i++) {
        intptr_t value = 0;
        rc = wa_await(futs[i]);
        if (!rc) rc = wa_future_result(futs[i], &value);
        if (!rc) printf("%ld\n", (long)value);
    }
    wa_executor_free(pool);             /* pool.shutdown(): waits for the work */
    for (int i = 0; i < NJOBS; i++) wa_future_release(futs[i]);
    return rc;
}

int main(void) { return seed_main(amain); }
