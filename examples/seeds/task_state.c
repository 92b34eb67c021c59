/*
 * Port of seed 001_ade296bdac61d605.txt, section "Task对象", first example:
 *
 *     async def execute(x):
 *         print('Number:', x)
 *         return x
 *
 *     coroutine = execute(1)
 *     print('Coroutine:', coroutine)
 *     print('After calling execute')
 *     loop = asyncio.get_event_loop()
 *     task = loop.create_task(coroutine)
 *     print('Task:', task)
 *     loop.run_until_complete(task)
 *     print('Task:', task)
 *     print('After calling loop')
 *
 * plus the seed's follow-up line print('Task Result:', task.result()).
 *
 * Shows: a task carries state (pending, then finished with a result), a name
 * and a result. Creating the task does not run it ("Number: 1" comes only once
 * the loop runs it); afterwards done() is true and result() gives 1.
 *
 * Differences from the seed: C has no coroutine object (calling a C function
 * runs it), so the "Coroutine: <coroutine object ...>" line has no
 * counterpart and is left out, and the loop is closed at the end. The task's
 * repr is the simplified one of seed_print_task_repr.
 * Added lines: "Task done: False/True" (task.done()) and "Task Result: 1".
 *
 * Expected output:
 *     After calling execute
 *     Task: <Task pending name='Task-1'>
 *     Task done: False
 *     Number: 1
 *     Task: <Task finished name='Task-1' result=1>
 *     Task done: True
 *     Task Result: 1
 *     After calling loop
 */
#include "seed_common.h"

static long x_arg = 1;               /* the argument of execute(1); outlives the task */

static int execute(void *arg) {
    long x = *(const long *)arg;
    printf("Number: %ld\n", x);
    return wa_return((intptr_t)x);
}

static const char *py_bool(int b) { return b ? "True" : "False"; }

static int run(wa_loop *loop) {
    intptr_t result = 0;
    wa_task *task = wa_loop_create_task(loop, execute, &x_arg);  /* loop.create_task(coroutine) */
    if (!task) return WA_ENOMEM;
    printf("Task: ");
    seed_print_task_repr(task, 0);
    printf("\nTask done: %s\n", py_bool(wa_task_done(task)));
    int rc = wa_loop_run_until_complete(loop, wa_task_future(task));
    if (!rc) {
        printf("Task: ");
        seed_print_task_repr(task, 0);
        printf("\nTask done: %s\n", py_bool(wa_task_done(task)));
        rc = wa_task_result(task, &result);
    }
    if (!rc) {
        printf("Task Result: %ld\n", (long)result);
        printf("After calling loop\n");
    }
    wa_task_release(task);
    return rc;
}

int main(void) {
    printf("After calling execute\n");
    wa_loop *loop = wa_loop_new();                    /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    int status = seed_exit(run(loop));
    wa_loop_close(loop);
    return status;
}
