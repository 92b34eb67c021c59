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
 *     loop = asyncio.get_event_loop()
 *     loop.run_until_complete(asyncio.wait(tasks))
 *
 * Shows: when a task hits an I/O wait the loop switches to the other task.
 * func1 prints 1 and sleeps, func2 prints 3 and sleeps, then both wake 2 s
 * later in the order they went to sleep: 1 3 2 4, in about 2 s, not 4.
 *
 * The loop that ensure_future and get_event_loop fetch implicitly is created
 * first with wa_loop_new; asyncio.wait(tasks), the coroutine given to
 * run_until_complete, is the task body seed_wait_all; the loop is closed at
 * the end.
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

/* The task list, read by the waiting task: static storage. */
static wa_task *tasks[2];
static struct seed_task_list task_list = {tasks, 2};

int main(void) {
    wa_loop *loop = wa_loop_new();                    /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    double t0 = seed_now();
    tasks[0] = wa_loop_create_task(loop, func1, NULL);   /* asyncio.ensure_future(func1()) */
    tasks[1] = wa_loop_create_task(loop, func2, NULL);   /* asyncio.ensure_future(func2()) */
    int rc = (tasks[0] && tasks[1]) ? 0 : WA_ENOMEM;
    if (!rc) rc = seed_run_until_complete(loop, seed_wait_all, &task_list, NULL);
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    for (int i = 0; i < 2; i++) wa_task_release(tasks[i]);
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
