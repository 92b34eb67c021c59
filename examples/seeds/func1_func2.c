/*
 * Port of seed 001_ade296bdac61d605.txt, section "4、async & await" (and the
 * identical @asyncio.coroutine / yield from version in section "3、asyncio";
 * also 003_c3bbfac469df662c.txt sections 1.1 and 1.2):
 *
 *     async def func1():
 *         print(1)
 *         await asyncio.sleep(2)   # network I/O: download a picture
 *         print(2)
 *
 *     async def func2():
 *         print(3)
 *         await asyncio.sleep(2)
 *         print(4)
 *
 *     tasks = [asyncio.ensure_future(func1()), asyncio.ensure_future(func2())]
 *     loop.run_until_complete(asyncio.wait(tasks))
 *
 * Shows: when a task hits an I/O wait the loop switches to the other task.
 * func1 prints 1 and sleeps, func2 prints 3 and sleeps, then both wake 2 s
 * later in the order they went to sleep: 1 3 2 4, in about 2 s, not 4.
 *
 * asyncio.wait(tasks) is not in this API yet; waiting for all tasks is done
 * by awaiting each task in turn, which ends at the same moment (when the last
 * one has finished) and prints the same.
 *
 * Expected output: 1, 3, 2, 4 on separate lines, then one added line
 * "elapsed ~2 s" that checks the two sleeps overlapped.
 */
#include "seed_common.h"

static int func1(void *arg) {
    (void)arg;
    printf("1\n");
    int rc = seed_sleep(2);          /* network I/O: download a picture */
    if (rc) return rc;
    printf("2\n");
    return 0;
}

static int func2(void *arg) {
    (void)arg;
    printf("3\n");
    int rc = seed_sleep(2);          /* network I/O: download a picture */
    if (rc) return rc;
    printf("4\n");
    return 0;
}

static int amain(void *arg) {
    (void)arg;
    double t0 = seed_now();
    wa_task *tasks[2];
    tasks[0] = wa_create_task(func1, NULL);   /* asyncio.ensure_future(func1()) */
    tasks[1] = wa_create_task(func2, NULL);   /* asyncio.ensure_future(func2()) */
    int rc = 0;
    if (!tasks[0] || !tasks[1]) rc = wa_fail(WA_ENOMEM, "cannot create tasks");
    for (int i = 0; i < 2 && !rc; i++)        /* asyncio.wait(tasks) */
        rc = wa_await_task(tasks[i]);
    for (int i = 0; i < 2; i++) wa_task_release(tasks[i]);
    if (rc) return rc;
    printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return 0;
}

int main(void) { return seed_main(amain); }
