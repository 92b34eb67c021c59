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
 * counterpart and is left out; tasks exist only inside wa_run, so the
 * top-level code runs as the main task and run_until_complete(task) becomes
 * await task. The task is named 'execute' explicitly (Python would call it
 * 'Task-1') and its repr is the simplified one of seed_print_task_repr.
 * Added lines: "Task done: False/True" (task.done()) and "Task Result: 1".
 *
 * Expected output:
 *     After calling execute
 *     Task: <Task pending name='execute'>
 *     Task done: False
 *     Number: 1
 *     Task: <Task finished name='execute' result=1>
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

static int amain(void *arg) {
    (void)arg;
    intptr_t result = 0;
    printf("After calling execute\n");
    wa_task *task = wa_create_task(execute, &x_arg);  /* loop.create_task(coroutine) */
    if (!task) return wa_fail(WA_ENOMEM, "cannot create task");
    int rc = wa_task_set_name(task, "execute");
    if (!rc) {
        printf("Task: ");
        seed_print_task_repr(task, 0);
        printf("\nTask done: %s\n", py_bool(wa_task_done(task)));
        rc = wa_await_task(task);                     /* loop.run_until_complete(task) */
    }
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

int main(void) { return seed_main(amain); }
