/* Misuse gets a clear error, never a crash: awaits outside a task, nested
 * runs, NULL arguments, awaiting oneself, stack pointers as task arguments. */
#include "check.h"

#include <math.h>

static int from_callback;

static void callback_tries_to_wait(wa_future *f, void *arg) {
    (void)f;
    (void)arg;
    from_callback = wa_sleep(0.001);
}

static int outside_tasks(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    from_callback = 1;
    wa_future_add_done_callback(f, callback_tries_to_wait, NULL);
    wa_future_set_result(f, 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(from_callback, WA_ENOTASK);
    CHECK(strstr(wa_errmsg(), "outside a task") != NULL);
    wa_future_release(f);
    return 0;
}

static int noop(void *arg) {
    (void)arg;
    return 0;
}

static int bad_arguments(void *arg) {
    (void)arg;
    CHECK_INT(wa_run(noop, NULL), WA_EINVAL);           /* nested */
    CHECK(strstr(wa_errmsg(), "already running") != NULL);
    CHECK(wa_create_task(NULL, NULL) == NULL);
    CHECK_INT(wa_await_task(NULL), WA_EINVAL);
    CHECK_INT(wa_await_future(NULL), WA_EINVAL);
    CHECK_INT(wa_await(wa_current_task()), WA_EINVAL);  /* awaiting oneself */
    CHECK(strstr(wa_errmsg(), "awaits itself") != NULL);
    CHECK_INT(wa_sleep(NAN), WA_EINVAL);
    CHECK_INT(wa_future_set_result(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_future_add_done_callback(NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_loop_get_stats(NULL, NULL), WA_EINVAL);
    int local = 0;               /* on this task's stack: a mistake, but warned of in debug mode only */
    wa_task *on_stack = wa_create_task(noop, &local);
    CHECK(on_stack != NULL);
    CHECK_INT(wa_await(on_stack), 0);
    wa_task_release(on_stack);
    wa_task *ok = wa_create_task(noop, NULL);
    CHECK(ok != NULL);
    CHECK_INT(wa_await(ok), 0);
    wa_task_release(ok);
    wa_task_release(NULL);
    wa_future_release(NULL);
    return 0;
}

static intptr_t echoed_sum;

static int echo_arg(void *arg) {
    echoed_sum += (intptr_t)arg;
    return 0;
}

/* The common C idiom: an integer as the argument. Whatever range the shared
 * task stack occupies, no such task is refused. */
static int integer_arguments(void *arg) {
    (void)arg;
    enum { N = 200000 };
    echoed_sum = 0;
    intptr_t created = 0, want = 0;
    for (intptr_t i = 0; i < N; i++) {
        wa_task *t = wa_create_task(echo_arg, (void *)i);
        if (!t) continue;
        created++;
        want += i;
        wa_task_release(t);
    }
    CHECK_INT(created, N);
    CHECK_INT(wa_sleep(0), 0);
    CHECK_INT(echoed_sum, want);
    return 0;
}

static int awaits_future(void *f) { return wa_await_future(f); }

static int sleeper(void *arg) {
    (void)arg;
    return wa_sleep(0.01);
}

/* A handle given back twice, or used after it was given back, answers
 * WA_EINVAL with a message: while what it names still lives (a task still
 * running) and after it is gone. */
static int released_handles(void *arg) {
    (void)arg;
    wa_task *running = wa_create_task(sleeper, NULL);
    CHECK_INT(wa_task_release(running), 0);
    CHECK_INT(wa_task_release(running), WA_EINVAL);      /* it still runs */
    CHECK(strstr(wa_errmsg(), "already released") != NULL);
    wa_task *done = wa_create_task(noop, NULL);
    CHECK_INT(wa_await(done), 0);
    CHECK_INT(wa_task_release(done), 0);                 /* gone now */
    CHECK_INT(wa_task_release(done), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "released") != NULL);
    CHECK_INT(wa_await(done), WA_EINVAL);
    CHECK_INT(wa_task_cancel(done), WA_EINVAL);
    intptr_t v = 0;
    CHECK_INT(wa_task_result(done, &v), WA_EINVAL);
    CHECK_INT(wa_task_set_name(done, "x"), WA_EINVAL);
    wa_task *both[2] = {running, done};
    CHECK_INT(wa_gather_tasks(both, 2, NULL, NULL, 0), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "element 1 was released") != NULL);
    CHECK_INT(wa_wait_tasks(both, 2, 1, WA_ALL_COMPLETED, NULL, NULL), WA_EINVAL);
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_release(f), 0);
    CHECK_INT(wa_future_release(f), WA_EINVAL);
    CHECK_INT(wa_future_set_result(f, 1), WA_EINVAL);
    CHECK_INT(wa_future_cancel(f), WA_EINVAL);
    CHECK_INT(wa_await_future(f), WA_EINVAL);
    CHECK_INT(wa_future_result(f, &v), WA_EINVAL);
    /* A future another task still awaits lives on after its release. */
    wa_future *awaited = wa_future_new();
    wa_task *waiter = wa_create_task(awaits_future, awaited);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_future_release(awaited), 0);               /* cancels it: the waiter wakes */
    CHECK_INT(wa_future_release(awaited), WA_EINVAL);
    CHECK_INT(wa_await(waiter), WA_ECANCELLED);
    CHECK_INT(wa_task_release(waiter), 0);
    CHECK_INT(wa_sleep(0.02), 0);                        /* the released sleeper ends unharmed */
    return 0;
}

int main(void) {
    check_plan(5);
    /* Before any loop runs. */
    CHECK_INT(wa_sleep(1), WA_ENOTASK);
    CHECK(strstr(wa_errmsg(), "outside a task") != NULL);
    CHECK_INT(wa_yield(), WA_ENOTASK);
    CHECK_INT(wa_return(1), WA_ENOTASK);
    CHECK(wa_create_task(noop, NULL) == NULL);
    CHECK(strstr(wa_errmsg(), "outside wa_run") != NULL);
    CHECK(wa_future_new() == NULL);
    CHECK(wa_current_task() == NULL);
    CHECK_INT(wa_run(NULL, NULL), WA_EINVAL);
    printf("%s - calls outside wa_run fail cleanly\n", check_failures ? "not ok" : "ok");
    run_case("waiting from a callback fails with WA_ENOTASK", outside_tasks, NULL, 0);
    run_case("bad arguments fail with WA_EINVAL", bad_arguments, NULL, 0);
    run_case("integer task arguments are never refused", integer_arguments, NULL, 0);
    run_case("released handles answer WA_EINVAL, never touch freed memory", released_handles, NULL, 0);
    return check_exit();
}
