/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "3.正确使用姿势" (the right
 * way to use it): concurrent versus sequential awaits, with timing.
 *
 *     async def do1():
 *         print("do1:Starting"); await asyncio.sleep(1); print("do1:Ending")
 *         return "do1"
 *     async def do3():
 *         print("do3:Starting"); await asyncio.sleep(3); print("do3:Ending")
 *         return "do3"
 *
 *     async def main():
 *         # way 1: concurrency with wait/gather
 *         return_1, return_3 = await asyncio.gather(do1(), do3())
 *         # way 2: create tasks with ensure_future/create_task, then await
 *         task1 = asyncio.ensure_future(do1())
 *         task3 = asyncio.ensure_future(do3())
 *         await task1
 *         await task3
 *         # way 3: awaiting coroutines directly is not concurrent
 *         await do1()
 *         await do3()
 *
 *     def perf_(func):
 *         start = time.perf_counter()
 *         asyncio.run(func())
 *         print(f"{func.__name__} cost: {time.perf_counter() - start}")
 *
 * (The seed's perf_ has typos; the intent is the line above. Its commented
 * alternative for way 1, asyncio.wait(do1(), do3()), passes the coroutines
 * wrongly and is left out.)
 *
 * Shows: gather runs the coroutines as tasks that overlap their waits and
 * returns their results in argument order (way 1: 1 s and 3 s take about
 * 3 s); tasks created first and awaited in turn overlap the same way (way 2);
 * awaiting coroutines one after the other adds them up (way 3: about 4 s).
 * Awaiting a coroutine directly is a plain C call inside the task; gather's
 * coroutines become tasks, which C creates explicitly.
 *
 * Added lines: the time of each way (and gather's results), so the test can
 * check each claim; the final "main cost" is 3 + 3 + 4 = 10 s.
 *
 * Expected output:
 *     do1:Starting / do3:Starting / do1:Ending / do3:Ending
 *     way 1, gather: do1 do3, elapsed ~3 s
 *     do1:Starting / do3:Starting / do1:Ending / do3:Ending
 *     way 2, tasks then await: elapsed ~3 s
 *     do1:Starting / do1:Ending / do3:Starting / do3:Ending
 *     way 3, direct await: elapsed ~4 s
 *     main cost: ~10 s
 */
#include "seed_common.h"

/* The coroutines, called directly (await do1()) or as task bodies below. */
static int do1(const char **result) {
    printf("do1:Starting\n");
    int rc = seed_sleep(1);
    if (rc) return rc;
    printf("do1:Ending\n");
    *result = "do1";
    return 0;
}

static int do3(const char **result) {
    printf("do3:Starting\n");
    int rc = seed_sleep(3);
    if (rc) return rc;
    printf("do3:Ending\n");
    *result = "do3";
    return 0;
}

/* Task bodies: run the coroutine, make its value the task's result. */
static int do1_task(void *arg) {
    (void)arg;
    const char *r = NULL;
    int rc = do1(&r);
    return rc ? rc : wa_return((intptr_t)r);
}

static int do3_task(void *arg) {
    (void)arg;
    const char *r = NULL;
    int rc = do3(&r);
    return rc ? rc : wa_return((intptr_t)r);
}

static int amain(void *arg) {
    (void)arg;
    const char *r1 = NULL, *r3 = NULL;
    double start = seed_now();

    /* way 1: return_1, return_3 = await asyncio.gather(do1(), do3()) */
    double t0 = seed_now();
    wa_task *both[2];
    both[0] = wa_create_task(do1_task, NULL);
    both[1] = wa_create_task(do3_task, NULL);
    intptr_t returns[2] = {0, 0};
    int rc = (both[0] && both[1]) ? 0 : wa_fail(WA_ENOMEM, "cannot create tasks");
    if (!rc) rc = wa_gather(both, 2, returns, NULL, 0);
    wa_task_release(both[0]);
    wa_task_release(both[1]);
    if (rc) return rc;
    printf("way 1, gather: %s %s, elapsed ~%ld s\n", (const char *)returns[0],
           (const char *)returns[1], seed_whole_seconds(t0));

    /* way 2 */
    t0 = seed_now();
    wa_task *task1 = wa_create_task(do1_task, NULL);   /* asyncio.ensure_future(do1()) */
    wa_task *task3 = wa_create_task(do3_task, NULL);   /* asyncio.ensure_future(do3()) */
    rc = (task1 && task3) ? 0 : wa_fail(WA_ENOMEM, "cannot create tasks");
    if (!rc) rc = wa_await_task(task1);                /* await task1 */
    if (!rc) rc = wa_await_task(task3);                /* await task3 */
    wa_task_release(task1);
    wa_task_release(task3);
    if (rc) return rc;
    printf("way 2, tasks then await: elapsed ~%ld s\n", seed_whole_seconds(t0));

    /* way 3 */
    t0 = seed_now();
    rc = do1(&r1);                                     /* await do1() */
    if (!rc) rc = do3(&r3);                            /* await do3() */
    if (rc) return rc;
    printf("way 3, direct await: elapsed ~%ld s\n", seed_whole_seconds(t0));

    printf("main cost: ~%ld s\n", seed_whole_seconds(start));
    return 0;
}

int main(void) { return seed_main(amain); }
