/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "4.两种方案获取返回值"
 * (two ways to get a return value), point 2: "task.result() does not block
 * when the task has not finished; it raises asyncio.InvalidStateError at
 * once" (the seed states this in words; the program is written for the port),
 * together with the rule from the seeds' README that setting a future's
 * result twice is an InvalidStateError too.
 *
 *     async def return_data():
 *         await asyncio.sleep(1)
 *         return "to be or not to be"
 *
 *     async def main():
 *         task = asyncio.create_task(return_data())
 *         task.result()        # InvalidStateError: Result is not set.
 *         await task
 *         task.result()        # 'to be or not to be'
 *         fut = loop.create_future()
 *         fut.result()         # InvalidStateError: Result is not set.
 *         fut.set_result(1)
 *         fut.set_result(2)    # InvalidStateError
 *         fut.set_exception(...)  # InvalidStateError
 *         fut.cancel()         # False: already done
 *         fut.result()         # 1
 *
 * Shows: wa_task_result / wa_future_result return WA_ESTATE while pending, and
 * resolving an already resolved future returns WA_ESTATE; the first result
 * stays. Python's exception texts are printed for the WA_ESTATE cases.
 *
 * Expected output: see invalid_state.expected (one line per step above).
 */
#include "seed_common.h"

static int return_data(void *arg) {
    (void)arg;
    int rc = seed_sleep(1);
    if (rc) return rc;
    return wa_return((intptr_t)"to be or not to be");
}

/* Python's text for an outcome code of these calls. */
static const char *py_error(int rc, const char *invalid_state_text) {
    if (rc == WA_ESTATE) return invalid_state_text;
    return wa_strerror(rc);
}

static int amain(void *arg) {
    (void)arg;
    intptr_t value = 0;
    int rc;

    wa_task *task = wa_create_task(return_data, NULL);
    if (!task) return wa_fail(WA_ENOMEM, "cannot create task");
    rc = wa_task_result(task, &value);
    printf("task.result() while pending: %s\n",
           rc ? py_error(rc, "InvalidStateError: Result is not set.") : "no error");
    rc = wa_await_task(task);
    if (!rc) rc = wa_task_result(task, &value);
    wa_task_release(task);
    if (rc) return rc;
    printf("task.result() after await: %s\n", (const char *)value);

    wa_future *fut = wa_future_new();
    if (!fut) return wa_fail(WA_ENOMEM, "cannot create future");
    rc = wa_future_result(fut, &value);
    printf("fut.result() while pending: %s\n",
           rc ? py_error(rc, "InvalidStateError: Result is not set.") : "no error");
    rc = wa_future_set_result(fut, 1);
    printf("fut.set_result(1): %s\n", rc ? py_error(rc, "InvalidStateError") : "ok");
    rc = wa_future_set_result(fut, 2);
    printf("fut.set_result(2): %s\n", rc ? py_error(rc, "InvalidStateError") : "ok");
    rc = wa_future_set_error(fut, WA_EIO, "boom");
    printf("fut.set_exception(...): %s\n", rc ? py_error(rc, "InvalidStateError") : "ok");
    printf("fut.cancel(): %s\n", wa_future_cancel(fut) ? "True" : "False");
    rc = wa_future_result(fut, &value);
    if (rc == 0) printf("fut.result(): %ld\n", (long)value);
    else printf("fut.result(): %s\n", wa_strerror(rc));
    wa_future_release(fut);
    return 0;
}

int main(void) { return seed_main(amain); }
