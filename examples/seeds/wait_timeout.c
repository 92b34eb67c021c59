/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "Task对象", 示例2
 * (example 2):
 *
 *     async def fun():
 *         print('start')
 *         await asyncio.sleep(2)
 *         print('end')
 *         return '返回值'
 *
 *     async def main():
 *         print('执行协程函数内部代码')
 *         task1 = asyncio.ensure_future(fun())
 *         task2 = asyncio.ensure_future(fun())
 *         task_list = [task1, task2]
 *         print('main finish')
 *         done, pending = await asyncio.wait(task_list, timeout=2)
 *         print('IO操作完成，结果为：', done)
 *
 *     loop = asyncio.get_event_loop()
 *     loop.run_until_complete(main())
 *
 * Shows: wait(timeout=...) returns once the timeout has passed, whether or
 * not the tasks are done: here done is empty and both tasks are pending.
 * wait cancels nothing: the tasks go on and print "end" after main has
 * printed the empty set.
 *
 * The timeout and the sleeps are both 2 s, as in the seed: the timeout's
 * deadline is set first, before the tasks start, and deadlines take effect in
 * their order, so wait returns with both tasks pending. Differences from the
 * seed: it shows one "end"; CPython 3.11 prints two, as the tasks
 * finish in the round that stops the loop. The port does not rely on that
 * either: after run_until_complete(main()) it runs the loop again until the
 * tasks wait left pending have finished (in Python:
 * loop.run_until_complete(asyncio.wait(pending))), then closes the loop.
 * done prints as Python prints an empty set.
 *
 * Expected output (translated):
 *     Executing code inside the coroutine function
 *     main finish
 *     start
 *     start
 *     IO operation done, result is: set()
 *     end
 *     end
 */
#include "seed_common.h"

/* Read by the top level after main has finished: static storage. */
static wa_task *task_list[2];
static wa_task *pending[2];
static struct seed_task_list pending_list = {pending, 0};

static int fun(void *arg) {
    (void)arg;
    printf("start\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("end\n");
    return wa_return((intptr_t)"return value");   /* '返回值' */
}

static int amain(void *arg) {
    (void)arg;
    wa_task *done[2];
    printf("Executing code inside the coroutine function\n");
    for (int i = 0; i < 2; i++) {
        task_list[i] = wa_create_task(fun, NULL);   /* asyncio.ensure_future(fun()) */
        if (!task_list[i]) return wa_fail(WA_ENOMEM, "cannot create task");
    }
    printf("main finish\n");
    int ndone = wa_wait(task_list, 2, seed_timeout(2), WA_ALL_COMPLETED, done, pending);
    if (ndone < 0) return ndone;
    pending_list.n = 2 - (size_t)ndone;
    printf("IO operation done, result is: ");
    seed_print_task_set(done, (size_t)ndone, 1);
    printf("\n");
    return 0;
}

int main(void) {
    wa_loop *loop = wa_loop_new();                  /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    int rc = seed_run_until_complete(loop, amain, NULL, NULL);
    if (!rc && pending_list.n)                      /* the pending tasks go on */
        rc = seed_run_until_complete(loop, seed_wait_all, &pending_list, NULL);
    for (int i = 0; i < 2; i++) wa_task_release(task_list[i]);
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
