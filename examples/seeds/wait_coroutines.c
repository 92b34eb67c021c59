/*
 * Port of two programs that hand asyncio.wait bare coroutines and run the
 * wait itself as the whole program:
 *
 * 1. seed 001_ade296bdac61d605.txt, section "多任务协程 Task", "自动创建task对象"
 *    (tasks created automatically):
 *
 *        async def func():
 *            print(1)
 *            await asyncio.sleep(2)
 *            print(2)
 *            return 'value'
 *
 *        task_list = [func(), func()]
 *        done, pending = asyncio.run(asyncio.wait(task_list))
 *        print(done)
 *
 * 2. seed 002_27bfa55368f2bb5f.txt, section "Task对象", 示例3 (example 3):
 *
 *        async def fun():
 *            print('start')
 *            await asyncio.sleep(2)
 *            print('end')
 *            return '返回值'
 *
 *        task_list = [fun(), fun()]
 *        done, pending = asyncio.run(asyncio.wait(task_list, timeout=2))
 *        print(done)
 *
 * Shows: wait wraps each coroutine in a task (Task-2 and Task-3; the wait runs
 * as Task-1) and its (done, pending) is what the run returns. Without a
 * timeout both tasks are done, in 2 s (001's comment says 3 s). With a
 * timeout, wait returns before the sleeps end: done is set(). done and pending
 * are a snapshot taken when wait returned: the tasks go on, print "end" and
 * finish, yet done is still empty when it is printed afterwards.
 *
 * Differences from the seeds: C has no coroutine objects, and Python 3.11
 * refuses them in wait() (older versions wrapped them with ensure_future);
 * wait_coros creates the tasks and waits. asyncio.run is written out as what
 * it does: a new loop, run_until_complete, close; done is printed before the
 * close, while its tasks still exist (nothing prints in between). Before the
 * close, the loop runs until the pending tasks have finished: in Python they
 * finish in the run's last round because their sleeps end with the timeout
 * (otherwise asyncio.run cancels them). The timeout and the sleeps are both
 * 2 s, as in the seed: the timeout's deadline is set first, and deadlines
 * take effect in their order, so wait returns before the tasks end. Sets
 * print in creation order with the simplified repr.
 *
 * Expected output (translated):
 *     1 / 1 / 2 / 2 /
 *     {<Task finished name='Task-2' result='value'>, <Task finished name='Task-3' result='value'>}
 *     start / start / end / end / set()
 */
#include "seed_common.h"

static int func(void *arg) {
    (void)arg;
    printf("1\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("2\n");
    return wa_return((intptr_t)"value");
}

static int fun(void *arg) {
    (void)arg;
    printf("start\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("end\n");
    return wa_return((intptr_t)"return value");   /* '返回值' */
}

/* What asyncio.wait(task_list, timeout) is given; results go to static storage. */
struct wait_job {
    wa_fn coro;                      /* the coroutine function of each task */
    double timeout;                  /* seed seconds, or WA_FOREVER */
};

static wa_task *task_list[2];
static wa_task *done[2];
static wa_task *pending[2];
static size_t ndone;
static struct seed_task_list pending_list = {pending, 0};

/* asyncio.wait([coro(), coro()], timeout=...): wraps them in tasks, waits. */
static int wait_coros(void *arg) {
    const struct wait_job *job = arg;
    for (int i = 0; i < 2; i++) {
        task_list[i] = wa_create_task(job->coro, NULL);
        if (!task_list[i]) return wa_fail(WA_ENOMEM, "cannot create task");
    }
    int rc = wa_wait(task_list, 2, seed_timeout(job->timeout), WA_ALL_COMPLETED, done, pending);
    if (rc < 0) return rc;
    ndone = (size_t)rc;
    pending_list.n = 2 - ndone;
    return 0;
}

/* done, pending = asyncio.run(wait_coros(...)); print(done) */
static int run_wait(struct wait_job *job) {
    wa_loop *loop = wa_loop_new();
    if (!loop) return seed_exit(WA_ENOMEM);
    task_list[0] = task_list[1] = NULL;
    int rc = seed_run_until_complete(loop, wait_coros, job, NULL);
    if (!rc && pending_list.n)                      /* the pending tasks go on */
        rc = seed_run_until_complete(loop, seed_wait_all, &pending_list, NULL);
    if (!rc) {
        seed_print_task_set(done, ndone, 1);
        printf("\n");
    }
    for (int i = 0; i < 2; i++) wa_task_release(task_list[i]);
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}

static struct wait_job jobs[2] = {
    {func, WA_FOREVER},              /* 001: asyncio.wait(task_list) */
    {fun, 2},                        /* 002 示例3 */
};

int main(void) {
    int status = run_wait(&jobs[0]);
    if (!status) status = run_wait(&jobs[1]);
    return status;
}
