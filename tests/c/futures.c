/* Futures: resolved by another task, many awaiters, set twice, cancel, free. */
#include "check.h"

static wa_future *shared;

static int waiter(void *arg) {
    (void)arg;
    int rc = wa_await(shared);
    intptr_t v = 0;
    if (rc == 0) CHECK_INT(wa_future_result(shared, &v), 0);
    LOG("%d:%d", rc, (int)v);
    return rc;
}

static int setter(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(0.002), 0);
    LOG("set");
    CHECK_INT(wa_future_set_result(shared, 99), 0);
    return 0;
}

static int resolved_by_another_task(void *arg) {
    (void)arg;
    shared = wa_future_new();
    wa_task *w[3];
    for (int i = 0; i < 3; i++) w[i] = wa_create_task(waiter, NULL);
    wa_task *s = wa_create_task(setter, NULL);
    AWAIT_ALL(w, 3);
    CHECK_LOG("set 0:99 0:99 0:99");
    CHECK_INT(wa_await(s), 0);
    wa_task_release(s);
    wa_future_release(shared);
    return 0;
}

static int invalid_states(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    intptr_t v = 0;
    CHECK_INT(wa_future_result(f, &v), WA_ESTATE);
    CHECK(!wa_future_done(f));
    CHECK_INT(wa_future_state(f), WA_PENDING);
    CHECK_INT(wa_future_set_error(f, 0, "no"), WA_EINVAL);
    CHECK_INT(wa_future_set_result(f, 1), 0);
    CHECK_INT(wa_future_set_result(f, 2), WA_ESTATE);   /* set twice */
    CHECK_INT(wa_future_set_error(f, WA_EIO, "late"), WA_ESTATE);
    CHECK_INT(wa_future_cancel(f), 0);
    CHECK_INT(wa_future_result(f, &v), 0);
    CHECK_INT(v, 1);
    CHECK_INT(wa_await(f), 0);                          /* done: no suspension */
    wa_future_release(f);
    return 0;
}

static int errors_and_cancel(void *arg) {
    (void)arg;
    shared = wa_future_new();
    wa_task *w = wa_create_task(waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_future_set_error(shared, WA_EIO, "disk on fire"), 0);
    CHECK_INT(wa_await(w), WA_EIO);
    CHECK(strcmp(wa_errmsg(), "disk on fire") == 0);
    CHECK(strcmp(wa_future_errmsg(shared), "disk on fire") == 0);
    wa_task_release(w);
    wa_future_release(shared);

    shared = wa_future_new();
    w = wa_create_task(waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_future_cancel(shared), 1);
    CHECK_INT(wa_future_cancel(shared), 0);
    CHECK_INT(wa_future_state(shared), WA_CANCELLED);
    CHECK_INT(wa_await(w), WA_ECANCELLED);
    CHECK_INT(wa_task_state(w), WA_CANCELLED);
    wa_task_release(w);
    wa_future_release(shared);

    /* Freed while pending: its awaiters wake cancelled, nothing dangles. */
    shared = wa_future_new();
    w = wa_create_task(waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_future_release(shared);
    CHECK_INT(wa_await(w), WA_ECANCELLED);
    wa_task_release(w);
    CHECK_LOG("-9:0 -1:0 -1:0");
    return 0;
}

static int log_b(void *arg) {
    (void)arg;
    LOG("B");
    return 0;
}

static int done_future_does_not_suspend(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    wa_future_set_result(f, 3);
    wa_task *b = wa_create_task(log_b, NULL);
    CHECK_INT(wa_await(f), 0);
    LOG("main");
    CHECK_INT(wa_await(b), 0);
    CHECK_LOG("main B");
    wa_task_release(b);
    wa_future_release(f);
    return 0;
}

int main(void) {
    check_plan(4);
    run_case("a future set by another task wakes every awaiter", resolved_by_another_task, NULL, 0);
    run_case("result of a pending future and setting twice are invalid", invalid_states, NULL, 0);
    run_case("errors, cancellation and freeing reach awaiters", errors_and_cancel, NULL, 0);
    run_case("awaiting a done future does not suspend", done_future_does_not_suspend, NULL, 0);
    return check_exit();
}
