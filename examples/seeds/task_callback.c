/*
 * Port of seed 001_ade296bdac61d605.txt, section "Task对象", "绑定回调"
 * (binding a callback to a task):
 *
 *     async def request():
 *         url = 'https://www.baidu.com'
 *         status = requests.get(url).status_code
 *         return status
 *
 *     def callback(task):
 *         print('Status:', task.result())
 *
 *     task = asyncio.ensure_future(request())
 *     task.add_done_callback(callback)
 *     print('Task:', task)
 *     loop.run_until_complete(task)
 *     print('Task:', task)
 *
 * plus the seed's follow-up print('Task Result:', task.result()).
 *
 * Shows: a done callback runs through the loop once the task has finished,
 * and can read the result. It was added before the main task started waiting,
 * so (as in asyncio, where callbacks are scheduled in the order they were
 * added and the waiter's wake-up is one of them) it runs before the main task
 * resumes: "Status: 200" comes before the second "Task:" line.
 *
 * Differences from the seed: a 1 s sleep stands in for the HTTP request, which
 * returns status 200 (the seed's printed "<Response [200]>" does not match its
 * own code, which returns status_code). The task's repr is the simplified
 * one of seed_print_task_repr (Python adds the coroutine and
 * "cb=[callback()]"). The top-level code is main() on an explicit loop, as
 * in the seed; wa_loop_run_until_complete, like asyncio's, stops the loop
 * from a done callback of the task, so the callback added before it has run
 * when it returns.
 *
 * Expected output:
 *     Task: <Task pending name='Task-1'>
 *     Status: 200
 *     Task: <Task finished name='Task-1' result=200>
 *     Task Result: 200
 */
#include "seed_common.h"

static int request(void *arg) {
    (void)arg;
    int rc = seed_sleep(1);          /* stands in for requests.get(url) */
    if (rc) return rc;
    return wa_return(200);           /* status_code */
}

static void callback(wa_future *task, void *arg) {
    (void)arg;
    intptr_t status = 0;
    if (wa_future_result(task, &status) == 0)
        printf("Status: %ld\n", (long)status);
    else
        printf("Status: error %s\n", wa_strerror(wa_future_result(task, NULL)));
}

int main(void) {
    wa_loop *loop = wa_loop_new();                    /* the default event loop */
    if (!loop) return seed_exit(WA_ENOMEM);
    intptr_t result = 0;
    wa_task *task = wa_loop_create_task(loop, request, NULL);  /* asyncio.ensure_future(request()) */
    int rc = task ? wa_future_add_done_callback(wa_task_future(task), callback, NULL) : WA_ENOMEM;
    if (!rc) {
        printf("Task: ");
        seed_print_task_repr(task, 0);
        printf("\n");
        rc = wa_loop_run_until_complete(loop, wa_task_future(task));
    }
    if (!rc) {
        printf("Task: ");
        seed_print_task_repr(task, 0);
        printf("\n");
        rc = wa_task_result(task, &result);
    }
    if (!rc) printf("Task Result: %ld\n", (long)result);
    wa_task_release(task);
    rc = seed_exit(rc);
    wa_loop_close(loop);
    return rc;
}
