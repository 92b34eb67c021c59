/* wa_wait: the three return_when modes, timeouts that cancel nothing, a
 * completion racing the timeout, cancellation of the waiter, and misuse. */
#include "check.h"

/* Sleeps arg milliseconds, then returns arg, or fails when arg < 0. */
static int child(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = sleep_ms(ms);
    LOG("%d%s", (int)ms, rc ? "!" : "");
    if (rc) return rc;
    if (ms < 0) return wa_fail(WA_EIO, "child failed");
    return wa_return(ms);
}

#define SPAWN3(a, b, c) {wa_create_task(child, (void *)(a)), wa_create_task(child, (void *)(b)), \
                         wa_create_task(child, (void *)(c))}

static void release3(wa_task **t) {
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
}

static int all_completed(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[3] = SPAWN3(3, 1, 2);
    wa_task *done[3] = {NULL}, *pending[3] = {NULL};
    CHECK_INT(wa_wait(t, 3, WA_FOREVER, WA_ALL_COMPLETED, done, pending), 3);
    CHECK_LOG("1 2 3");
    for (int i = 0; i < 3; i++) CHECK(done[i] == t[i]);   /* argument order */
    CHECK(pending[0] == NULL);
    release3(t);
    return 0;
}

static int first_completed(void *arg) {
    (void)arg;
    wa_task *t[3] = SPAWN3(60, 1, 50);
    wa_task *done[3] = {NULL}, *pending[3] = {NULL};
    CHECK_INT(wa_wait(t, 3, WA_FOREVER, WA_FIRST_COMPLETED, done, pending), 1);
    CHECK_LOG("1");
    CHECK(done[0] == t[1]);
    CHECK(pending[0] == t[0] && pending[1] == t[2]);
    CHECK(!wa_task_done(t[0]) && !wa_task_done(t[2]));
    intptr_t v = 0;
    CHECK_INT(wa_task_result(t[1], &v), 0);
    CHECK_INT(v, 1);
    CHECK_INT(wa_wait(t, 3, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), 3);  /* the rest go on */
    CHECK_LOG("50 60");
    release3(t);
    return 0;
}

static int first_exception(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[3] = SPAWN3(100, 1, -5);
    wa_task *c = wa_create_task(child, (void *)5000);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(c), 1);      /* a cancellation is not an exception */
    wa_task *all[4] = {t[0], t[1], t[2], c};
    wa_task *done[4] = {NULL}, *pending[4] = {NULL};
    CHECK_INT(wa_wait(all, 4, WA_FOREVER, WA_FIRST_EXCEPTION, done, pending), 3);
    CHECK_LOG("5000! 1 -5");
    CHECK(done[0] == t[1] && done[1] == t[2] && done[2] == c);
    CHECK(pending[0] == t[0]);
    CHECK_INT(wa_task_result(t[2], NULL), WA_EIO);
    /* No exception at all: FIRST_EXCEPTION waits for everything. */
    check_base = wa_time();              /* t[0] keeps its own deadline */
    wa_task *u[2] = {wa_create_task(child, (void *)2), wa_create_task(child, (void *)1)};
    CHECK_INT(wa_wait(u, 2, WA_FOREVER, WA_FIRST_EXCEPTION, NULL, NULL), 2);
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_LOG("1 2 100");
    release3(t);
    wa_task_release(c);
    wa_task_release(u[0]);
    wa_task_release(u[1]);
    return 0;
}

/* The seeds rely on this: a timeout returns (done, pending), cancels nothing. */
static int timeout_cancels_nothing(void *arg) {
    (void)arg;
    wa_task *t[3] = SPAWN3(1, 300, 400);
    wa_task *done[3] = {NULL}, *pending[3] = {NULL};
    double start = wa_time();
    CHECK_INT(wa_wait(t, 3, 0.02, WA_ALL_COMPLETED, done, pending), 1);
    double took = wa_time() - start;
    CHECK(took >= 0.02 && took < 0.2);
    CHECK(done[0] == t[0]);
    CHECK(pending[0] == t[1] && pending[1] == t[2]);
    CHECK_INT(wa_task_state(t[1]), WA_PENDING);
    CHECK_INT(wa_await(t[2]), 0);          /* they finish normally */
    CHECK_INT(wa_task_state(t[1]), WA_DONE);
    CHECK_LOG("1 300 400");
    /* A zero timeout looks once, on the next round. */
    CHECK_INT(wa_wait(t, 3, 0, WA_ALL_COMPLETED, NULL, NULL), 3);
    wa_task *slow[1] = {wa_create_task(child, (void *)50)};
    CHECK_INT(wa_wait(slow, 1, 0, WA_FIRST_COMPLETED, NULL, pending), 0);
    CHECK(pending[0] == slow[0]);
    CHECK_INT(wa_wait(slow, 1, -1, WA_FIRST_COMPLETED, NULL, NULL), 0);
    CHECK_INT(wa_await(slow[0]), 0);
    CHECK_LOG("50");
    wa_task_release(slow[0]);
    release3(t);
    return 0;
}

static wa_future *gate;

static void open_gate(void *arg) {
    (void)arg;
    wa_future_set_result(gate, 1);
}

static void hog_loop(void *arg) {         /* holds the loop past the deadline */
    double until = *(const double *)arg;
    while (wa_time() < until) {
    }
}

/* The gate opens in a round that ends after the deadline: both are due when
 * the next round starts, and the wait reports the gate done. */
static int completion_racing_timeout(void *arg) {
    (void)arg;
    static double hog_until;
    gate = wa_future_new();
    wa_future *f[1] = {gate};
    hog_until = wa_time() + 0.03;
    CHECK_INT(wa_loop_call_later(NULL, 0.005, open_gate, NULL, NULL), 0);
    CHECK_INT(wa_loop_call_later(NULL, 0.005, hog_loop, &hog_until, NULL), 0);
    CHECK_INT(wa_wait(f, 1, 0.01, WA_ALL_COMPLETED, NULL, NULL), 1);
    wa_future_release(gate);
    return 0;
}

static void block_loop(void *arg) {       /* holds the loop, as blocking code would */
    double until = wa_time() + *(const double *)arg;
    while (wa_time() < until) {
    }
}

static int sleeps_110ms(void *arg) {
    (void)arg;
    int rc = wa_sleep(0.011);
    LOG("sleeper");
    return rc;
}

/* The wait's deadline and a later sleep both come due while the loop is
 * held: they take effect in deadline order, so the sleeper is still pending. */
static int timeout_in_deadline_order(void *arg) {
    (void)arg;
    static const double hold = 0.03;
    wa_task *s[1] = {wa_create_task(sleeps_110ms, NULL)};
    CHECK_INT(wa_loop_call_later(NULL, 0.002, block_loop, (void *)&hold, NULL), 0);
    int done = wa_wait(s, 1, 0.01, WA_ALL_COMPLETED, NULL, NULL);
    LOG("wait=%d", done);
    CHECK_INT(wa_await(s[0]), 0);
    CHECK_LOG("wait=0 sleeper");
    wa_task_release(s[0]);
    return 0;
}

static wa_task *watched[2];

static int waiter(void *arg) {
    (void)arg;
    int rc = wa_wait(watched, 2, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
    LOG("wait=%d", rc);
    return rc < 0 ? rc : 0;
}

/* Cancelling the waiting task cancels the wait only: the children go on. */
static int cancel_the_waiter(void *arg) {
    (void)arg;
    watched[0] = wa_create_task(child, (void *)50);
    watched[1] = wa_create_task(child, (void *)60);
    wa_task *w = wa_create_task(waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(w), 1);
    CHECK_INT(wa_await(w), WA_ECANCELLED);
    CHECK_LOG("wait=-1");
    CHECK(!wa_task_done(watched[0]) && !wa_task_done(watched[1]));
    CHECK_INT(wa_await(watched[1]), 0);
    CHECK_LOG("50 60");
    wa_task_release(watched[0]);
    wa_task_release(watched[1]);
    wa_task_release(w);
    return 0;
}

static int futures_and_misuse(void *arg) {
    (void)arg;
    gate = wa_future_new();
    wa_task *t = wa_create_task(child, (void *)1);
    wa_future *f[2] = {gate, wa_task_future(t)};
    wa_future *done[2] = {NULL}, *pending[2] = {NULL};
    CHECK_INT(wa_wait(f, 2, WA_FOREVER, WA_FIRST_COMPLETED, done, pending), 1);
    CHECK(done[0] == wa_task_future(t) && pending[0] == gate);
    CHECK_INT(wa_wait(f, 0, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(f, 2, NAN, WA_ALL_COMPLETED, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(f, 2, WA_FOREVER, 0, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait(f, 2, WA_FOREVER, 4, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_wait((wa_future **)NULL, 2, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), WA_EINVAL);
    wa_future *self[1] = {wa_task_future(wa_current_task())};
    CHECK_INT(wa_wait(self, 1, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), WA_EINVAL);
    CHECK_LOG("1");
    wa_future_release(gate);
    wa_task_release(t);
    return 0;
}

int main(void) {
    check_plan(8);
    run_case("ALL_COMPLETED returns everything in argument order", all_completed, NULL, 0);
    run_case("FIRST_COMPLETED returns at the first; the rest go on", first_completed, NULL, 0);
    run_case("FIRST_EXCEPTION returns at the first error, not at a cancellation", first_exception, NULL, 0);
    run_case("a timeout returns done and pending and cancels nothing", timeout_cancels_nothing, NULL, 0);
    run_case("a completion in the round the timeout passes is seen", completion_racing_timeout, NULL, 0);
    run_case("cancelling the waiter leaves the children running", cancel_the_waiter, NULL, 0);
    run_case("a timeout and a later sleep take effect in deadline order", timeout_in_deadline_order, NULL, 0);
    run_case("futures, and bad arguments fail with WA_EINVAL", futures_and_misuse, NULL, 0);
    return check_exit();
}
