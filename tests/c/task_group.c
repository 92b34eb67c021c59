/* Task groups: children awaited at the end of the scope, the first failure
 * cancels the rest and the body, every failure reported, cancellation from
 * outside in the body and in exit, nesting and misuse. */
#include "check.h"

/* Sleeps arg ms and returns arg; fails when arg < 0. Logs how it ended. */
static int child(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = sleep_ms(ms);
    LOG("%d%s", (int)ms, rc ? "!" : "");
    if (rc) return rc;
    if (ms < 0) return wa_fail(WA_EIO, "child %d broke", (int)-ms);
    return wa_return(ms);
}

static int all_succeed(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task *kept = wa_task_group_create_task(g, child, (void *)3);
    wa_task_release(wa_task_group_create_task(g, child, (void *)1));
    wa_task_release(wa_task_group_create_task(g, child, (void *)2));
    LOG("body");
    CHECK_INT(wa_task_group_exit(g, 0), 0);
    CHECK_LOG("body 1 2 3");              /* every child ended before exit returned */
    intptr_t v = 0;
    CHECK_INT(wa_task_result(kept, &v), 0);
    CHECK_INT(v, 3);
    wa_task_release(kept);
    return 0;
}

static int one_failure_cancels_the_rest(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task *slow = wa_task_group_create_task(g, child, (void *)5000);
    wa_task_release(wa_task_group_create_task(g, child, (void *)-2));
    int rc = wa_sleep(10);                /* the body is cancelled by the failure */
    LOG("body=%d", rc);
    CHECK(wa_task_group_create_task(g, child, (void *)1) == NULL);
    CHECK(strstr(wa_errmsg(), "shutting down") != NULL);
    rc = wa_task_group_exit(g, rc);
    CHECK_INT(rc, WA_EIO);
    CHECK(strstr(wa_errmsg(), ": child 2 broke") != NULL);
    CHECK_LOG("-2 5000! body=-1");
    CHECK_INT(wa_task_state(slow), WA_CANCELLED);
    CHECK_INT(wa_task_cancelling(wa_current_task()), 0);  /* the group withdrew its cancel */
    CHECK_INT(wa_sleep(0.001), 0);
    wa_task_release(slow);
    return 0;
}

static double fail_time;

/* Fails at fail_time: tasks sharing it fail in the same round. */
static int fail_at(void *arg) {
    (void)arg;
    int rc = wa_sleep_until(fail_time);
    LOG("fail%s", rc ? "!" : "");
    return rc ? rc : wa_fail(WA_EIO, "broke at the deadline");
}

static int two_failures_both_reported(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    fail_time = wa_time() + 0.003;
    wa_task *a = wa_task_group_create_task(g, fail_at, NULL);
    wa_task *b = wa_task_group_create_task(g, fail_at, NULL);
    CHECK_INT(wa_task_set_name(a, "first"), 0);
    CHECK_INT(wa_task_set_name(b, "second"), 0);
    int rc = wa_task_group_exit(g, 0);    /* failures while in exit: no body to cancel */
    CHECK_INT(rc, WA_EIO);
    CHECK(strcmp(wa_errmsg(), "first: broke at the deadline; second: broke at the deadline") == 0);
    CHECK_LOG("fail fail");
    wa_task_release(a);
    wa_task_release(b);
    return 0;
}

static int body_error(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task *t = wa_task_group_create_task(g, child, (void *)5000);
    CHECK_INT(wa_task_set_name(t, "sleeper"), 0);
    CHECK_INT(wa_yield(), 0);
    int rc = wa_fail(42, "the body gave up");
    rc = wa_task_group_exit(g, rc);       /* cancels the children, then reports */
    CHECK_INT(rc, 42);
    CHECK(strstr(wa_errmsg(), ": the body gave up") != NULL);
    CHECK(strstr(wa_errmsg(), "sleeper") == NULL);  /* a cancelled child is no failure */
    CHECK_LOG("5000!");
    wa_task_release(t);
    return 0;
}

/* A failure in a child and then in the body: the child's comes first. */
static int child_then_body(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task_release(wa_task_group_create_task(g, child, (void *)-1));
    int rc = wa_sleep(1);
    CHECK_INT(rc, WA_ECANCELLED);
    rc = wa_task_group_exit(g, wa_fail(WA_EINVAL, "body failed in cleanup"));
    CHECK_INT(rc, WA_EIO);
    CHECK(strstr(wa_errmsg(), "child 1 broke; ") != NULL);
    CHECK(strstr(wa_errmsg(), ": body failed in cleanup") != NULL);
    CHECK_LOG("-1");
    return 0;
}

static int in_body_when_cancelled(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task_release(wa_task_group_create_task(g, child, (void *)5000));
    int rc = wa_sleep(10);
    LOG("body=%d", rc);
    rc = wa_task_group_exit(g, rc);
    LOG("exit=%d", rc);
    return rc;
}

static int in_exit_when_cancelled(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task_release(wa_task_group_create_task(g, child, (void *)5000));
    int rc = wa_task_group_exit(g, 0);
    LOG("exit=%d", rc);
    return rc;
}

static int cancelled_from_outside(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(in_body_when_cancelled, NULL);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("body=-1 5000! exit=-1");
    wa_task_release(t);

    t = wa_create_task(in_exit_when_cancelled, NULL);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("5000! exit=-1");
    wa_task_release(t);
    return 0;
}

static wa_task_group *shared_group;

static int spawns_sibling(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(0.002), 0);
    wa_task *t = wa_task_group_create_task(shared_group, child, (void *)3);
    CHECK(t != NULL);
    wa_task_release(t);
    LOG("spawned");
    return 0;
}

/* A child may add tasks to its group while the parent waits in exit. */
static int children_add_siblings(void *arg) {
    (void)arg;
    CHECK_INT(wa_task_group_enter(&shared_group), 0);
    wa_task_release(wa_task_group_create_task(shared_group, spawns_sibling, NULL));
    CHECK_INT(wa_task_group_exit(shared_group, 0), 0);
    CHECK_LOG("spawned 3");
    return 0;
}

/* Waits until the test opens the gate (not a timer: a loaded machine could
 * let a long sleep end in the same round as a short one). */
static wa_event *gate;
static int gated_child(void *arg) {
    (void)arg;
    int rc = wa_event_wait(gate);
    LOG("gated%s", rc ? "!" : "");
    return rc;
}

static int nested(void *arg) {
    (void)arg;
    wa_task_group *outer, *inner;
    gate = wa_event_new();
    CHECK_INT(wa_task_group_enter(&outer), 0);
    wa_task_release(wa_task_group_create_task(outer, gated_child, NULL));
    CHECK_INT(wa_task_group_enter(&inner), 0);
    wa_task_release(wa_task_group_create_task(inner, child, (void *)1));
    CHECK_INT(wa_task_group_exit(outer, 0), WA_EINVAL);  /* inner first */
    CHECK_INT(wa_task_group_exit(inner, 0), 0);
    CHECK_LOG("1");                                     /* the outer child still waits */
    wa_event_set(gate);
    CHECK_INT(wa_task_group_exit(outer, 0), 0);
    CHECK_LOG("gated");
    wa_event_free(gate);
    return 0;
}

static wa_task_group *foreign;
static int foreign_rc;

static int exits_anothers(void *arg) {
    (void)arg;
    foreign_rc = wa_task_group_exit(foreign, 0);
    return 0;
}

static int opens_and_leaves(void *arg) {
    (void)arg;
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    wa_task_release(wa_task_group_create_task(g, child, (void *)2));
    wa_task_release(wa_task_group_create_task(g, child, (void *)0));
    CHECK_INT(wa_sleep(0.001), 0);        /* one child has ended, one has not */
    return 0;                             /* never exits: the children finish alone */
}

static int misuse(void *arg) {
    (void)arg;
    CHECK_INT(wa_task_group_enter(NULL), WA_EINVAL);
    CHECK_INT(wa_task_group_exit(NULL, 0), WA_EINVAL);
    CHECK(wa_task_group_create_task(NULL, child, NULL) == NULL);
    CHECK_INT(wa_task_group_enter(&foreign), 0);
    CHECK(wa_task_group_create_task(foreign, NULL, NULL) == NULL);
    wa_task *t = wa_create_task(exits_anothers, NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(foreign_rc, WA_EINVAL);
    wa_task_release(t);
    CHECK_INT(wa_task_group_exit(foreign, 0), 0);
    t = wa_create_task(opens_and_leaves, NULL);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    CHECK_INT(wa_sleep(0.005), 0);
    CHECK_LOG("0 2");
    return 0;
}

int main(void) {
    check_plan(9);
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), WA_ENOTASK);
    run_case("children are awaited at the end of the scope", all_succeed, NULL, 0);
    run_case("a failure cancels the other children and the body", one_failure_cancels_the_rest, NULL, 0);
    run_case("two failures are both reported, in order", two_failures_both_reported, NULL, 0);
    run_case("an error in the body cancels the children", body_error, NULL, 0);
    run_case("a child's failure comes before the body's", child_then_body, NULL, 0);
    run_case("cancelled from outside, in the body and in exit", cancelled_from_outside, NULL, 0);
    run_case("children add siblings while the parent waits", children_add_siblings, NULL, 0);
    run_case("nested groups exit innermost first", nested, NULL, 0);
    run_case("bad arguments, another task's group, a group never exited", misuse, NULL, 0);
    return check_exit();
}
