/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "4.两种方案获取返回值"
 * (two ways to get a return value), "two:task": three ways to collect the
 * results of 99 tasks that each sleep 2 s:
 *
 *     async def do_something(t:int):
 *         print("嵌套waiting:", t)
 *         await asyncio.sleep(t)
 *         return f"嵌套Cose {t}s"
 *
 *     async def main1():          # 1. main handles the results
 *         tasks = [asyncio.ensure_future(do_something(2)) for t in range(1,100)]
 *         done, pending = await asyncio.wait(tasks)
 *         for task in done:
 *             print("返回结果1:", task.result())
 *
 *     async def main2():          # 2. the results come back from await
 *         tasks = [...same...]
 *         return await asyncio.wait(tasks)
 *
 *     async def main3():          # 3. gather
 *         tasks = [...same...]
 *         return await asyncio.gather(*tasks)
 *
 *     def show_perf(func):
 *         start_ = now()
 *         loop = asyncio.get_event_loop()
 *         # 1. loop.run_until_complete(func())
 *         # 2. done, pending = loop.run_until_complete(func())
 *         #    for task in done: print("返回结果2:", task.result())
 *         # 3. results = loop.run_until_complete(func())
 *         #    for result in results: print("返回结果3:", result)
 *         print("perf:", now() - start_)
 *
 *     show_perf(main1); show_perf(main2); show_perf(main3)
 *
 * (The seed runs one show_perf at a time, uncommenting the matching branch;
 * the port runs all three in sequence, each with its own branch.)
 *
 * Shows: 99 tasks sleeping 2 s each finish together in about 2 s, however the
 * results are collected: read from the done tasks inside the coroutine (1),
 * handed back as wait's (done, pending) from the coroutine's return value
 * (2), or as gather's list of results in task order (3).
 *
 * get_event_loop returns the same loop on every call: the port creates it
 * once, runs the three coroutines on it and closes it at the end. Python's
 * done set is in arbitrary order; the port reads it in creation order (all
 * results are equal anyway). The timings are printed as "perf: ~2 s" (whole
 * unscaled seconds).
 *
 * Expected output (translated), three times, for 1, 2 and 3:
 *     nested waiting: 2          (99 lines)
 *     result N: nested cost 2s   (99 lines)
 *     perf: ~2 s
 */
#include "seed_common.h"

#define NJOBS 99                     /* range(1, 100) */

struct job {
    int t;                           /* seconds to sleep */
    char result[32];                 /* the returned string, owned here */
};

/* (done, pending) as asyncio.wait returns them. */
struct wait_result {
    wa_task *done[NJOBS];
    size_t ndone;
    wa_task *pending[NJOBS];
    size_t npending;
};

/* Task arguments and shared lists live in static storage (see seed_common.h). */
static struct job jobs[NJOBS];
static wa_task *tasks[NJOBS];
static struct wait_result waited;
static intptr_t results[NJOBS];

static int do_something(void *arg) {
    struct job *j = arg;
    printf("nested waiting: %d\n", j->t);
    int rc = seed_sleep(j->t);
    if (rc) return rc;
    snprintf(j->result, sizeof j->result, "nested cost %ds", j->t);
    return wa_return((intptr_t)j->result);
}

static void release_all(void) {
    for (int i = 0; i < NJOBS; i++) {
        wa_task_release(tasks[i]);
        tasks[i] = NULL;
    }
}

/* tasks = [asyncio.ensure_future(do_something(2)) for t in range(1, 100)] */
static int spawn_all(void) {
    for (int i = 0; i < NJOBS; i++) {
        jobs[i].t = 2;
        jobs[i].result[0] = '\0';
        tasks[i] = wa_create_task(do_something, &jobs[i]);
        if (!tasks[i]) {
            release_all();
            return wa_fail(WA_ENOMEM, "cannot create task %d", i + 1);
        }
    }
    return 0;
}

/* done, pending = await asyncio.wait(tasks) */
static int wait_all(void) {
    int ndone = wa_wait(tasks, NJOBS, WA_FOREVER, WA_ALL_COMPLETED, waited.done, waited.pending);
    if (ndone < 0) return ndone;
    waited.ndone = (size_t)ndone;
    waited.npending = NJOBS - waited.ndone;
    return 0;
}

/* 1. main handles the results. */
static int main1(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    rc = wait_all();
    for (size_t i = 0; i < waited.ndone && !rc; i++) {   /* for task in done */
        intptr_t value = 0;
        rc = wa_task_result(waited.done[i], &value);
        if (!rc) printf("result 1: %s\n", (const char *)value);
    }
    release_all();
    return rc;
}

/* 2. return await asyncio.wait(tasks): the result is (done, pending). */
static int main2(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    rc = wait_all();
    if (rc) {
        release_all();
        return rc;
    }
    return wa_return((intptr_t)&waited);         /* the caller releases the tasks */
}

/* 3. return await asyncio.gather(*tasks): results in task order. */
static int main3(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    rc = wa_gather(tasks, NJOBS, results, NULL, 0);
    release_all();
    if (rc) return rc;
    return wa_return((intptr_t)results);
}

static int show_perf(wa_loop *loop, wa_fn func, int way) {
    double start = seed_now();
    intptr_t value = 0;
    int rc = seed_run_until_complete(loop, func, NULL, &value);  /* run_until_complete(func()) */
    if (rc) return rc;
    if (way == 2) {                              /* done, pending = ...; for task in done */
        const struct wait_result *w = (const struct wait_result *)value;
        for (size_t i = 0; i < w->ndone && !rc; i++) {
            intptr_t r = 0;
            rc = wa_task_result(w->done[i], &r);
            if (!rc) printf("result 2: %s\n", (const char *)r);
        }
        release_all();
        if (rc) return rc;
    } else if (way == 3) {                       /* for result in results */
        const intptr_t *res = (const intptr_t *)value;
        for (int i = 0; i < NJOBS; i++) printf("result 3: %s\n", (const char *)res[i]);
    }
    printf("perf: ~%ld s\n", seed_whole_seconds(start));
    return 0;
}

int main(void) {
    wa_loop *loop = wa_loop_new();               /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    int rc = show_perf(loop, main1, 1);
    if (!rc) rc = show_perf(loop, main2, 2);
    if (!rc) rc = show_perf(loop, main3, 3);
    if (rc) release_all();
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
