/* The task and future API around the core: done callbacks added and
 * removed, wa_all_tasks, cancellation with a message, cancelling/uncancel,
 * names and the current task. */
#include "check.h"

static void on_done(wa_future *f, void *arg) {
    intptr_t v = 0;
    int rc = wa_future_result(f, &v);
    LOG("%s:%d:%d", (const char *)arg, rc, (int)v);
}

static int sleeper(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = wa_sleep((double)ms / 1000.0);
    if (rc) return rc;
    return wa_return(ms);
}

static int done_callbacks(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(sleeper, (void *)2);
    wa_future *f = wa_task_future(t);
    CHECK_INT(wa_future_add_done_callback(f, on_done, "a"), 0);
    CHECK_INT(wa_future_add_done_callback(f, on_done, "b"), 0);
    CHECK_INT(wa_future_add_done_callback(f, on_done, "a"), 0);
    CHECK_INT(wa_future_add_done_callback(f, on_done, "c"), 0);
    CHECK_INT(wa_future_remove_done_callback(f, on_done, "a"), 2);   /* both of them */
    CHECK_INT(wa_future_remove_done_callback(f, on_done, "zzz"), 0);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("b:0:2 c:0:2");
    CHECK_INT(wa_future_remove_done_callback(f, on_done, "b"), 0);   /* done: nothing to remove */
    CHECK_INT(wa_future_add_done_callback(f, on_done, "late"), 0);   /* done: scheduled at once */
    CHECK_LOG("");
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("late:0:2");
    CHECK_INT(wa_future_remove_done_callback(NULL, on_done, NULL), WA_EINVAL);
    CHECK_INT(wa_future_add_done_callback(f, NULL, NULL), WA_EINVAL);
    wa_task_release(t);
    return 0;
}

static int all_tasks(void *arg) {
    (void)arg;
    wa_task *t[3];
    for (int i = 0; i < 3; i++) t[i] = wa_create_task(sleeper, (void *)(intptr_t)(1 + 50 * i));
    wa_task *seen[8] = {NULL};
    CHECK_INT(wa_all_tasks(seen, 8), 4);  /* main and the three, in creation order */
    CHECK(seen[0] == wa_current_task());
    for (int i = 0; i < 3; i++) CHECK(seen[i + 1] == t[i]);
    CHECK_INT(wa_all_tasks(seen, 2), 4);  /* a short array: the count says how many */
    CHECK_INT(wa_all_tasks(NULL, 0), 4);
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_INT(wa_all_tasks(seen, 8), 3);  /* finished ones are not listed */
    CHECK(seen[1] == t[1]);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(wa_await(t[i]), 0);
        wa_task_release(t[i]);
    }
    return 0;
}

static int cancel_with_message(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(sleeper, (void *)5000);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel_msg(t, "shutting down for maintenance"), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK(strcmp(wa_errmsg(), "shutting down for maintenance") == 0);
    CHECK(strcmp(wa_task_errmsg(t), "shutting down for maintenance") == 0);
    CHECK_INT(wa_task_result(t, NULL), WA_ECANCELLED);
    CHECK_INT(wa_task_cancel_msg(t, "again"), 0);
    CHECK_INT(wa_task_cancel_msg(NULL, "x"), WA_EINVAL);
    wa_task_release(t);
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_cancel_msg(f, "no longer wanted"), 1);
    CHECK_INT(wa_await(f), WA_ECANCELLED);
    CHECK(strcmp(wa_errmsg(), "no longer wanted") == 0);
    CHECK(strcmp(wa_future_errmsg(f), "no longer wanted") == 0);
    CHECK_INT(wa_future_cancel_msg(f, "again"), 0);
    CHECK_INT(wa_future_cancel_msg(NULL, "x"), WA_EINVAL);
    wa_future_release(f);
    return 0;
}

static int catches_one(void *arg) {
    (void)arg;
    int rc = wa_sleep(5);
    LOG("first=%d cancelling=%d", rc, wa_task_cancelling(wa_current_task()));
    CHECK_INT(wa_task_uncancel(wa_current_task()), 0);
    rc = wa_sleep(0.001);                 /* withdrawn: this sleep is not cancelled */
    LOG("second=%d", rc);
    return wa_return(3);
}

static int withdrawn_before_delivery(void *arg) {
    (void)arg;
    wa_task *self = wa_current_task();
    CHECK_INT(wa_task_cancel(self), 1);
    CHECK_INT(wa_task_cancel(self), 1);
    CHECK_INT(wa_task_cancelling(self), 2);
    CHECK_INT(wa_task_uncancel(self), 1);
    CHECK_INT(wa_task_uncancel(self), 0);  /* none left: the pending one is dropped */
    CHECK_INT(wa_task_uncancel(self), 0);
    LOG("sleep=%d", wa_sleep(0.001));
    return 0;
}

static int cancelling_and_uncancel(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(catches_one, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancelling(t), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), 0);
    CHECK_LOG("first=-1 cancelling=1 second=0");
    wa_task_release(t);
    t = wa_create_task(withdrawn_before_delivery, NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_LOG("sleep=0");
    wa_task_release(t);
    CHECK_INT(wa_task_uncancel(NULL), WA_EINVAL);
    return 0;
}

static wa_task *seen_current;

static int records_current(void *arg) {
    (void)arg;
    seen_current = wa_current_task();
    return 0;
}

static void current_in_callback(void *arg) {
    (void)arg;
    LOG("callback current=%s", wa_current_task() ? "task" : "none");
}

static int names_and_current(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(records_current, NULL);
    CHECK(strncmp(wa_task_name(t), "Task-", 5) == 0);
    CHECK_INT(wa_task_set_name(t, "worker"), 0);
    CHECK(strcmp(wa_task_name(t), "worker") == 0);
    CHECK_INT(wa_task_set_name(t, NULL), WA_EINVAL);
    CHECK_INT(wa_await(t), 0);
    CHECK(seen_current == t);
    CHECK(strcmp(wa_task_name(wa_current_task()), "Task-1") == 0);  /* main is the first */
    CHECK_INT(wa_loop_call_soon(NULL, current_in_callback, NULL, NULL), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("callback current=none");
    wa_task_release(t);
    return 0;
}

int main(void) {
    check_plan(5);
    CHECK_INT(wa_all_tasks(NULL, 0), 0);  /* no loop */
    run_case("done callbacks: added, removed, run in order, late ones", done_callbacks, NULL, 0);
    run_case("wa_all_tasks lists the pending tasks in creation order", all_tasks, NULL, 0);
    run_case("cancellation with a message", cancel_with_message, NULL, 0);
    run_case("cancelling and uncancel", cancelling_and_uncancel, NULL, 0);
    run_case("names and the current task", names_and_current, NULL, 0);
    return check_exit();
}
