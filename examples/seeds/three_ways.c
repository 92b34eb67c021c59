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
 * results are collected: read from the tasks inside the coroutine (1), handed
 * back as the task list from the coroutine's return value (2), or as a list
 * of results in task order (3).
 *
 * asyncio.wait and asyncio.gather are not in this API yet. Waiting for all
 * tasks is done by awaiting each in turn: for wait() the "done" set is then
 * the whole task list (Python's set order is arbitrary; all results are equal
 * anyway); for gather() the results are collected in argument order, which is
 * what gather returns. run_until_complete(func()) is "create a task and await
 * it". The timings are printed as "perf: ~2 s" (whole unscaled seconds).
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

/* Task arguments and shared lists live in static storage (see seed_common.h). */
static struct job jobs[NJOBS];
static wa_task *tasks[NJOBS];
static const char *results[NJOBS];

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

/* Stands in for "await asyncio.wait(tasks)": returns once every task is done. */
static int await_all(void) {
    for (int i = 0; i < NJOBS; i++) {
        int rc = wa_await_task(tasks[i]);
        if (rc) return rc;
    }
    return 0;
}

/* 1. main handles the results. */
static int main1(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    rc = await_all();
    for (int i = 0; i < NJOBS && !rc; i++) {     /* for task in done */
        intptr_t value = 0;
        rc = wa_task_result(tasks[i], &value);
        if (!rc) printf("result 1: %s\n", (const char *)value);
    }
    release_all();
    return rc;
}

/* 2. return await asyncio.wait(tasks): the result is the "done" list. */
static int main2(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    rc = await_all();
    if (rc) {
        release_all();
        return rc;
    }
    return wa_return((intptr_t)tasks);           /* the caller releases them */
}

/* 3. return await asyncio.gather(*tasks): results in task order. */
static int main3(void *arg) {
    (void)arg;
    int rc = spawn_all();
    if (rc) return rc;
    for (int i = 0; i < NJOBS && !rc; i++) {
        intptr_t value = 0;
        rc = wa_await_task(tasks[i]);
        if (!rc) rc = wa_task_result(tasks[i], &value);
        if (!rc) results[i] = (const char *)value;
    }
    release_all();
    if (rc) return rc;
    return wa_return((intptr_t)results);
}

static int show_perf(wa_fn func, int way) {
    double start = seed_now();
    intptr_t value = 0;
    wa_task *t = wa_create_task(func, NULL);     /* loop.run_until_complete(func()) */
    if (!t) return wa_fail(WA_ENOMEM, "cannot create task");
    int rc = wa_await_task(t);
    if (!rc) rc = wa_task_result(t, &value);
    wa_task_release(t);
    if (rc) return rc;
    if (way == 2) {                              /* for task in done */
        wa_task **done = (wa_task **)value;
        for (int i = 0; i < NJOBS && !rc; i++) {
            intptr_t r = 0;
            rc = wa_task_result(done[i], &r);
            if (!rc) printf("result 2: %s\n", (const char *)r);
        }
        release_all();
        if (rc) return rc;
    } else if (way == 3) {                       /* for result in results */
        const char **res = (const char **)value;
        for (int i = 0; i < NJOBS; i++) printf("result 3: %s\n", res[i]);
    }
    printf("perf: ~%ld s\n", seed_whole_seconds(start));
    return 0;
}

static int amain(void *arg) {
    (void)arg;
    int rc = show_perf(main1, 1);
    if (!rc) rc = show_perf(main2, 2);
    if (!rc) rc = show_perf(main3, 3);
    return rc;
}

int main(void) { return seed_main(amain); }
