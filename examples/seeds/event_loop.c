/*
 * Port of the explicit event loop of seed 000_3f41389192140140.txt, section
 * "事件循环" (event loop), "生成或获取一个事件循环" (create or get a loop):
 *
 *     event_loop = asyncio.get_event_loop()
 *     loop.run_until_complete(asyncio.wait(tasks))   # give the loop the task list
 *     loop.close()
 *
 * and of 004_f2c75e1c5c0e34a1.txt section "6.其他说明" (other notes) 2:
 * in the main thread get_event_loop creates a loop and returns that same loop
 * on every call; in another thread one must use loop = asyncio.new_event_loop()
 * and asyncio.set_event_loop(loop).
 *
 * The seeds leave the tasks out; this program fills them in:
 *
 *     async def func(name, seconds):
 *         print(name, 'start')
 *         await asyncio.sleep(seconds)
 *         print(name, 'end')
 *         return name
 *
 *     event_loop = asyncio.get_event_loop()
 *     tasks = [event_loop.create_task(func('task1', 1)),
 *              event_loop.create_task(func('task2', 2))]
 *     print('loop running:', event_loop.is_running(), '- task1 done:', tasks[0].done())
 *     done, pending = event_loop.run_until_complete(asyncio.wait(tasks))
 *     print('done:', len(done), 'pending:', len(pending), '- elapsed ~2 s')
 *     print('results:', [t.result() for t in tasks])
 *     print('run again:', event_loop.run_until_complete(func('task3', 1)))
 *     event_loop.close()
 *     print('loop closed')
 *
 *     loop = asyncio.new_event_loop()
 *     asyncio.set_event_loop(loop)
 *     print('new loop:', loop.run_until_complete(func('task4', 1)))
 *     loop.close()
 *
 * Shows: a loop is an object the program drives from plain code. Tasks
 * created on it before it runs wait for it; run_until_complete runs the loop
 * (both tasks together, 2 s) until the given coroutine is done and returns
 * its result; the same loop runs again until it is closed; after that a new
 * loop takes its place.
 *
 * In C the loop is wa_loop_new() and is passed around: there is no implicit
 * current loop to get, so get_event_loop and new_event_loop are the same
 * call, and set_event_loop has no counterpart. Only one loop runs at a time
 * (threads serve executors only), so the other-thread case is left out.
 * asyncio.wait(tasks), the coroutine given to run_until_complete, is the task
 * body seed_wait_all. The elapsed time is printed in whole seed seconds.
 *
 * Expected output: see event_loop.expected.
 */
#include "seed_common.h"

struct job {
    const char *name;
    double seconds;
};

static int func(void *arg) {
    const struct job *j = arg;
    printf("%s start\n", j->name);
    int rc = seed_sleep(j->seconds);
    if (rc) return rc;
    printf("%s end\n", j->name);
    return wa_return((intptr_t)j->name);
}

/* Task arguments and the task list, read by tasks: static storage. */
static struct job jobs[4] = {{"task1", 1}, {"task2", 2}, {"task3", 1}, {"task4", 1}};
static wa_task *tasks[2];
static struct seed_task_list task_list = {tasks, 2};

static const char *py_bool(int b) { return b ? "True" : "False"; }

/* Everything done with the first loop; returns the code of what failed. */
static int use_loop(wa_loop *event_loop) {
    for (int i = 0; i < 2; i++) {
        tasks[i] = wa_loop_create_task(event_loop, func, &jobs[i]);
        if (!tasks[i]) return WA_ENOMEM;
    }
    printf("loop running: %s - task1 done: %s\n", py_bool(wa_loop_is_running(event_loop)),
           py_bool(wa_task_done(tasks[0])));

    double t0 = seed_now();
    intptr_t ndone = 0;                             /* run_until_complete(asyncio.wait(tasks)) */
    int rc = seed_run_until_complete(event_loop, seed_wait_all, &task_list, &ndone);
    if (rc) return rc;
    printf("done: %ld pending: %ld - elapsed ~%ld s\n", (long)ndone, 2 - (long)ndone,
           seed_whole_seconds(t0));

    intptr_t r1 = 0, r2 = 0;
    rc = wa_task_result(tasks[0], &r1);
    if (!rc) rc = wa_task_result(tasks[1], &r2);
    if (rc) return rc;
    printf("results: ['%s', '%s']\n", (const char *)r1, (const char *)r2);

    intptr_t r3 = 0;                                /* the same loop, once more */
    rc = seed_run_until_complete(event_loop, func, &jobs[2], &r3);
    if (rc) return rc;
    printf("run again: %s\n", (const char *)r3);
    return 0;
}

int main(void) {
    wa_loop *event_loop = wa_loop_new();            /* asyncio.get_event_loop() */
    if (!event_loop) return seed_exit(WA_ENOMEM);
    int rc = use_loop(event_loop);
    for (int i = 0; i < 2; i++) wa_task_release(tasks[i]);
    int status = seed_exit(rc);
    wa_loop_close(event_loop);                      /* event_loop.close() */
    if (status) return status;
    printf("loop closed\n");

    wa_loop *loop = wa_loop_new();                  /* asyncio.new_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    intptr_t r4 = 0;
    rc = seed_run_until_complete(loop, func, &jobs[3], &r4);
    if (!rc) printf("new loop: %s\n", (const char *)r4);
    status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
