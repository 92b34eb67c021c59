/*
 * Port of seed 003_c3bbfac469df662c.txt, section "3.6 concurrent中的Future对象"
 * (concurrent's Future objects), second program, and of
 * 002_27bfa55368f2bb5f.txt section "concurrent.futures.Future对象", second
 * program (default pool, a custom thread pool, a custom process pool):
 *
 *     def func():
 *         time.sleep(1)
 *         return "result"
 *
 *     async def main():
 *         loop = asyncio.get_running_loop()
 *         # 1. run in the default executor (ThreadPoolExecutor): submit
 *         # func to a thread, wrap its concurrent.futures.Future into an
 *         # asyncio.Future (asyncio.wrap_future), which can be awaited
 *         fut = loop.run_in_executor(None, func)
 *         res = await fut
 *         print("default thread pool", res)
 *         # 2. run in a custom thread pool
 *         with concurrent.futures.ThreadPoolExecutor() as pool:
 *             res = await loop.run_in_executor(pool, func)
 *             print("custom thread pool", res)
 *         # 3. run in a custom process pool
 *         with concurrent.futures.ProcessPoolExecutor() as pool:
 *             res = await loop.run_in_executor(pool, func)
 *             print("custom process pool", res)
 *
 *     asyncio.run(main())
 *
 * Shows: blocking code (a library without async support, such as a
 * database client) runs in a pool and is awaited like any future; the
 * coroutine waits for the result while the loop serves other tasks.
 *
 * Differences from the seeds: func is 003's, which returns "result" (002's
 * func1(value) is called without its argument, a TypeError). time.sleep(1)
 * is a blocking wait of the work's thread (seed_block). C has no process
 * pools: the process pool is a thread pool like the custom one (a pool of
 * processes would only change where the work runs, not what is printed).
 * Each with block creates the pool with wa_executor_new and ends with
 * wa_executor_free, which waits for its work as shutdown(wait=True) does.
 * Where the host has no threads the work runs on the loop's thread, which it
 * blocks for that second; the output is the same.
 *
 * Added line: "to_thread result", from asyncio.to_thread(func) (Python 3.9),
 * the default pool in one call: wa_to_thread.
 *
 * Expected output: "default thread pool result", "custom thread pool
 * result", "custom process pool result", "to_thread result".
 */
#include "seed_common.h"

static double func_seconds;             /* 1 s, scaled on the loop's thread */

/* def func(): runs on a thread of the pool. */
static int func(void *arg, intptr_t *result) {
    (void)arg;
    seed_block(func_seconds);           /* time.sleep(1) */
    *result = (intptr_t)"result";
    return 0;
}

/* res = await loop.run_in_executor(pool, func); pool NULL is None. */
static int run_func_in(wa_executor *pool, const char **res) {
    wa_future *fut = wa_run_in_executor(pool, func, NULL);
    if (!fut) return wa_fail(WA_ENOMEM, "cannot submit the work");
    intptr_t value = 0;
    int rc = wa_await(fut);
    if (!rc) rc = wa_future_result(fut, &value);
    wa_future_release(fut);
    *res = (const char *)value;
    return rc;
}

/* with <a new pool> as pool: res = await loop.run_in_executor(pool, func) */
static int run_func_in_new_pool(const char *what) {
    wa_executor *pool = wa_executor_new(0);  /* as many threads as cores */
    if (!pool) return wa_fail(WA_ENOMEM, "cannot create the pool");
    const char *res = NULL;
    int rc = run_func_in(pool, &res);
    if (!rc) printf("%s %s\n", what, res);
    wa_executor_free(pool);             /* leaving with: pool.shutdown(wait=True) */
    return rc;
}

static int amain(void *arg) {
    (void)arg;
    func_seconds = 1 * seed_scale();
    const char *res = NULL;
    int rc = run_func_in(NULL, &res);   /* 1. the loop's default pool */
    if (rc) return rc;
    printf("default thread pool %s\n", res);

    rc = run_func_in_new_pool("custom thread pool");  /* 2. ThreadPoolExecutor() */
    if (rc) return rc;
    rc = run_func_in_new_pool("custom process pool"); /* 3. ProcessPoolExecutor(): threads here */
    if (rc) return rc;

    intptr_t value = 0;
    rc = wa_to_thread(func, NULL, &value);  /* await asyncio.to_thread(func) */
    if (rc) return rc;
    printf("to_thread %s\n", (const char *)value);
    return 0;
}

int main(void) { return seed_main(amain); }
