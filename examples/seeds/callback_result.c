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
 * Tasks exist only inside wa_run, so the top-level code runs as the main task
 * and run_until_complete(task) becomes await task; the callback was added
 * before the main task started waiting, so it runs before main resumes.
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

static int amain(void *arg) {
    (void)arg;
    wa_task *task = wa_create_task(return_data, NULL);   /* loop.create_task(return_data()) */
    if (!task) return wa_fail(WA_ENOMEM, "cannot create task");
    int rc = wa_future_add_done_callback(wa_task_future(task), callback, NULL);
    if (!rc) rc = wa_await_task(task);                   /* loop.run_until_complete(task) */
    wa_task_release(task);
    return rc;
}

int main(void) { return seed_main(amain); }
