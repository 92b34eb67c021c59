/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "4.两种方案获取返回值"
 * (two ways to get a return value), "one:回调" (by callback):
 *
 *     def callback(future):
 *         print("返回值:", future.result())
 *
 *     async def return_data():
 *         await asyncio.sleep(1)
 *         return "to be or not to be"
 *
 *     loop = asyncio.get_event_loop()
 *     task = loop.create_task(return_data())
 *     task.add_done_callback(callback)
 *     loop.run_until_complete(task)
 *     loop.close()
 *
 * Shows: add_done_callback registers a plain function that the loop calls
 * (through the loop, never inline) with the finished task, a future; it reads
 * the result there. In C a task's future is wa_task_future(task).
 * The top-level code is main() on an explicit loop, as in the seed: the
 * callback is added before the loop runs, and wa_loop_run_until_complete,
 * like asyncio's, stops the loop from a done callback of the task, so the
 * callbacks added before it have run when it returns.
 *
 * Expected output (translated): "return value: to be or not to be".
 */
#include "seed_common.h"

static void callback(wa_future *future, void *arg) {
    (void)arg;
    intptr_t value = 0;
    int rc = wa_future_result(future, &value);
    if (rc == 0) printf("return value: %s\n", (const char *)value);
    else printf("return value: error %s\n", wa_strerror(rc));
}

static int return_data(void *arg) {
    (void)arg;
    int rc = seed_sleep(1);
    if (rc) return rc;
    return wa_return((intptr_t)"to be or not to be");
}

int main(void) {
    wa_loop *loop = wa_loop_new();                       /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    wa_task *task = wa_loop_create_task(loop, return_data, NULL);  /* loop.create_task(...) */
    int rc = task ? wa_future_add_done_callback(wa_task_future(task), callback, NULL) : WA_ENOMEM;
    if (!rc) rc = wa_loop_run_until_complete(loop, wa_task_future(task));
    wa_task_release(task);
    rc = seed_exit(rc);
    wa_loop_close(loop);                                 /* loop.close() */
    return rc;
}
