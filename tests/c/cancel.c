/* Cancellation: delivered at the await, with cleanup; before start; passed on
 * to what is awaited; swallowed; self-cancel; after wake-up. */
#include "check.h"

static int cleaned;

static int long_sleeper(void *arg) {
    (void)arg;
    int rc = wa_sleep(10);
    LOG("sleep=%d", rc);
    cleaned = 1;                          /* cleanup runs after cancellation */
    return rc;
}

static int cancel_at_sleep(void *arg) {
    (void)arg;
    cleaned = 0;
    double start = wa_time();
    wa_task *t = wa_create_task(long_sleeper, NULL);
    CHECK_INT(wa_sleep(0.001), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK(cleaned);
    CHECK(wa_time() - start < 1.0);       /* woken at once, not after 10 s */
    CHECK_INT(wa_task_state(t), WA_CANCELLED);
    CHECK_INT(wa_task_result(t, NULL), WA_ECANCELLED);
    CHECK_INT(wa_task_cancel(t), 0);      /* already finished */
    CHECK_LOG("sleep=-1");
    wa_task_release(t);
    return 0;
}

static int never_runs(void *arg) {
    (void)arg;
    LOG("ran");
    return 0;
}

static int cancel_before_start(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(never_runs, NULL);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_INT(wa_task_state(t), WA_CANCELLED);
    CHECK_LOG("");
    wa_task_release(t);
    return 0;
}

static wa_task *inner;

static int outer_body(void *arg) {
    (void)arg;
    int rc = wa_await(inner);
    LOG("outer=%d", rc);
    return rc;
}

static int cancel_passes_to_awaited(void *arg) {
    (void)arg;
    inner = wa_create_task(long_sleeper, NULL);
    wa_task *outer = wa_create_task(outer_body, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(outer), 1);
    CHECK_INT(wa_await(outer), WA_ECANCELLED);
    CHECK_INT(wa_task_state(inner), WA_CANCELLED);
    CHECK_LOG("sleep=-1 outer=-1");
    wa_task_release(inner);
    wa_task_release(outer);
    return 0;
}

static wa_future *pending;

static int await_pending(void *arg) {
    (void)arg;
    return wa_await(pending);
}

static int cancel_cancels_awaited_future(void *arg) {
    (void)arg;
    pending = wa_future_new();
    wa_task *t = wa_create_task(await_pending, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_task_cancel(t);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_INT(wa_future_state(pending), WA_CANCELLED);
    wa_task_release(t);
    wa_future_release(pending);
    return 0;
}

static int stubborn(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(10), WA_ECANCELLED);
    CHECK_INT(wa_sleep(0.001), 0);        /* later awaits work normally */
    return wa_return(5);                  /* swallowed: finishes as done */
}

static int swallowed_cancellation(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(stubborn, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_task_cancel(t);
    CHECK_INT(wa_await(t), 0);
    intptr_t v = 0;
    CHECK_INT(wa_task_result(t, &v), 0);
    CHECK_INT(v, 5);
    CHECK_INT(wa_task_state(t), WA_DONE);
    /* Awaiting a task that swallows the cancellation: the awaiter gets its result. */
    inner = wa_create_task(stubborn, NULL);
    wa_task *outer = wa_create_task(outer_body, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_task_cancel(outer);
    CHECK_INT(wa_await(outer), 0);
    CHECK_LOG("outer=0");
    wa_task_release(t);
    wa_task_release(inner);
    wa_task_release(outer);
    return 0;
}

static int self_cancel(void *arg) {
    (void)arg;
    CHECK_INT(wa_task_cancel(wa_current_task()), 1);
    CHECK_INT(wa_yield(), WA_ECANCELLED);
    CHECK_INT(wa_yield(), 0);             /* delivered once */
    return 0;
}

static int cancel_after_wakeup(void *arg) {
    (void)arg;
    pending = wa_future_new();
    wa_task *t = wa_create_task(await_pending, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_future_set_result(pending, 1);     /* t is woken, but has not run yet */
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    wa_task_release(t);
    wa_future_release(pending);
    return 0;
}

int main(void) {
    check_plan(7);
    run_case("cancel wakes a sleeping task at its await and lets it clean up", cancel_at_sleep, NULL, 0);
    run_case("a task cancelled before it starts never runs", cancel_before_start, NULL, 0);
    run_case("cancelling a task cancels the task it awaits", cancel_passes_to_awaited, NULL, 0);
    run_case("cancelling a task cancels the future it awaits", cancel_cancels_awaited_future, NULL, 0);
    run_case("a task may swallow its cancellation", swallowed_cancellation, NULL, 0);
    run_case("a task can cancel itself", self_cancel, NULL, 0);
    run_case("cancel after wake-up still reaches the await", cancel_after_wakeup, NULL, 0);
    return check_exit();
}
