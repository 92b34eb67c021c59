/*
 * Port of seed 001_ade296bdac61d605.txt, section "多任务协程 Task",
 * "asyncio.ensure_future()" example:
 *
 *     async def request():
 *         url = 'https://www.baidu.com'
 *         status = requests.get(url).status_code
 *         return status
 *
 *     tasks = [asyncio.ensure_future(request()) for _ in range(5)]
 *     print('Tasks:', tasks)
 *     loop = asyncio.get_event_loop()
 *     loop.run_until_complete(asyncio.wait(tasks))
 *     for task in tasks:
 *         print('Task Result:', task.result())
 *
 * Shows: a list of tasks, created on the loop before it runs and so all
 * pending when printed; run_until_complete(asyncio.wait(tasks)) runs them
 * together; afterwards each task's result is read from the task object.
 *
 * Differences from the seed: a 1 s sleep stands in for the HTTP request, which
 * returns status 200. The loop that ensure_future and get_event_loop fetch
 * implicitly is created first with wa_loop_new; asyncio.wait(tasks), the
 * coroutine given to run_until_complete, is the task body seed_wait_all; the
 * loop is closed at the end. The tasks print with the simplified repr of
 * seed_print_task_repr. Added line: "elapsed ~1 s", checking the five
 * requests overlapped.
 *
 * Expected output:
 *     Tasks: [<Task pending name='Task-1'>, ..., <Task pending name='Task-5'>]
 *     Task Result: 200      (five times)
 *     elapsed ~1 s
 */
#include "seed_common.h"

#define NTASKS 5

static int request(void *arg) {
    (void)arg;
    int rc = seed_sleep(1);          /* stands in for requests.get(url) */
    if (rc) return rc;
    return wa_return(200);           /* status_code */
}

/* The task list, read by the waiting task: static storage. */
static wa_task *tasks[NTASKS];
static struct seed_task_list task_list = {tasks, NTASKS};

static int run(wa_loop *loop) {
    for (int i = 0; i < NTASKS; i++) {          /* asyncio.ensure_future(request()) */
        tasks[i] = wa_loop_create_task(loop, request, NULL);
        if (!tasks[i]) return WA_ENOMEM;
    }
    printf("Tasks: [");                         /* print('Tasks:', tasks) */
    for (int i = 0; i < NTASKS; i++) {
        if (i) printf(", ");
        seed_print_task_repr(tasks[i], 0);
    }
    printf("]\n");
    double t0 = seed_now();                     /* loop.run_until_complete(asyncio.wait(tasks)) */
    int rc = seed_run_until_complete(loop, seed_wait_all, &task_list, NULL);
    for (int i = 0; i < NTASKS && !rc; i++) {
        intptr_t status = 0;
        rc = wa_task_result(tasks[i], &status);
        if (!rc) printf("Task Result: %ld\n", (long)status);
    }
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return rc;
}

int main(void) {
    wa_loop *loop = wa_loop_new();              /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    int rc = run(loop);
    for (int i = 0; i < NTASKS; i++) wa_task_release(tasks[i]);
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
