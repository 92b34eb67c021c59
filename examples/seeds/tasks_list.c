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
 *     loop.run_until_complete(asyncio.wait(tasks))
 *     for task in tasks:
 *         print('Task Result:', task.result())
 *
 * Shows: a list of tasks, all pending when printed, run together by the loop;
 * afterwards each task's result is read from the task object.
 *
 * Differences from the seed: a 1 s sleep stands in for the HTTP request, which
 * returns status 200. asyncio.wait is not in this API yet; waiting for all
 * tasks is done by awaiting each in turn (same end time, same output). Tasks
 * exist only inside wa_run, so the top-level code runs as the main task. The
 * tasks are named request-1 .. request-5 (Python would show Task-1 ..
 * Task-5) and printed with the simplified repr of seed_print_task_repr.
 * Added line: "elapsed ~1 s", checking the five requests overlapped.
 *
 * Expected output:
 *     Tasks: [<Task pending name='request-1'>, ..., <Task pending name='request-5'>]
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

static int amain(void *arg) {
    (void)arg;
    wa_task *tasks[NTASKS] = {NULL};
    char name[32];
    int rc = 0;
    double t0 = seed_now();
    for (int i = 0; i < NTASKS && !rc; i++) {
        tasks[i] = wa_create_task(request, NULL);
        if (!tasks[i]) {
            rc = wa_fail(WA_ENOMEM, "cannot create task");
            break;
        }
        snprintf(name, sizeof name, "request-%d", i + 1);
        rc = wa_task_set_name(tasks[i], name);
    }
    if (!rc) {                                   /* print('Tasks:', tasks) */
        printf("Tasks: [");
        for (int i = 0; i < NTASKS; i++) {
            if (i) printf(", ");
            seed_print_task_repr(tasks[i], 0);
        }
        printf("]\n");
    }
    for (int i = 0; i < NTASKS && !rc; i++)      /* asyncio.wait(tasks) */
        rc = wa_await_task(tasks[i]);
    for (int i = 0; i < NTASKS && !rc; i++) {
        intptr_t status = 0;
        rc = wa_task_result(tasks[i], &status);
        if (!rc) printf("Task Result: %ld\n", (long)status);
    }
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    for (int i = 0; i < NTASKS; i++) wa_task_release(tasks[i]);
    return rc;
}

int main(void) { return seed_main(amain); }
