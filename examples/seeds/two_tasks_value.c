/*
 * Port of seed 000_3f41389192140140.txt, section
 * "★ Task 对象 与 asyncio.wait、asyncio.create_task", first example:
 *
 *     async def func():
 *         await asyncio.sleep(3)
 *         return "value"
 *
 *     async def main():
 *         task1 = asyncio.create_task(func())
 *         task2 = asyncio.create_task(func())
 *         ret1 = await task1
 *         ret2 = await task2
 *         print(ret1, ret2)
 *
 *     asyncio.run(main())
 *
 * Shows: create_task schedules both coroutines at once; awaiting task1 and
 * then task2 gives each one's return value. Both sleeps overlap, so the
 * program takes about 3 s, not 6. A task's return value is set with
 * wa_return and read with wa_task_result once it is done.
 *
 * Expected output: "value value", then one added line "elapsed ~3 s" that
 * checks the two tasks ran concurrently.
 */
#include "seed_common.h"

static int func(void *arg) {
    (void)arg;
    int rc = seed_sleep(3);
    if (rc) return rc;
    return wa_return((intptr_t)"value");
}

static int amain(void *arg) {
    (void)arg;
    double t0 = seed_now();
    intptr_t ret1 = 0, ret2 = 0;
    wa_task *task1 = wa_create_task(func, NULL);
    wa_task *task2 = wa_create_task(func, NULL);
    int rc = (task1 && task2) ? 0 : wa_fail(WA_ENOMEM, "cannot create tasks");
    if (!rc) rc = wa_await_task(task1);           /* ret1 = await task1 */
    if (!rc) rc = wa_task_result(task1, &ret1);
    if (!rc) rc = wa_await_task(task2);           /* ret2 = await task2 */
    if (!rc) rc = wa_task_result(task2, &ret2);
    wa_task_release(task1);
    wa_task_release(task2);
    if (rc) return rc;
    printf("%s %s\n", (const char *)ret1, (const char *)ret2);
    printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return 0;
}

int main(void) { return seed_main(amain); }
