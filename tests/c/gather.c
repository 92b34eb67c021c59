/* wa_gather: results in argument order, the first error, WA_RETURN_EXCEPTIONS,
 * cancellation in both directions, futures, duplicates and misuse. */
#include "check.h"

/* A child sleeps arg milliseconds and returns arg, or fails when arg < 0. */
static int child(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = sleep_ms(ms);
    LOG("%d%s", (int)ms, rc ? "!" : "");
    if (rc) return rc;
    if (ms < 0) return wa_fail(WA_EIO, "child %d failed", (int)-ms);
    return wa_return(ms);
}

static int in_argument_order(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[3] = {wa_create_task(child, (void *)3), wa_create_task(child, (void *)1),
                     wa_create_task(child, (void *)2)};
    intptr_t results[3] = {0};
    int codes[3] = {9, 9, 9};
    CHECK_INT(wa_gather(t, 3, results, codes, 0), 0);
    CHECK_LOG("1 2 3");                   /* they finished in time order... */
    CHECK_INT(results[0], 3);             /* ...and the results are in argument order */
    CHECK_INT(results[1], 1);
    CHECK_INT(results[2], 2);
    CHECK_INT(codes[0] | codes[1] | codes[2], 0);
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    CHECK_INT(wa_gather((wa_task **)NULL, 0, NULL, NULL, 0), 0);  /* nothing to wait for */
    return 0;
}

static int first_error_others_run_on(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[3] = {wa_create_task(child, (void *)40), wa_create_task(child, (void *)-1),
                     wa_create_task(child, (void *)30)};
    intptr_t results[3] = {0};
    CHECK_INT(wa_gather(t, 3, results, NULL, 0), WA_EIO);
    CHECK(strcmp(wa_errmsg(), "child 1 failed") == 0);
    CHECK_LOG("-1");
    CHECK(!wa_task_done(t[0]));           /* not cancelled: still running */
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_INT(wa_await(t[2]), 0);
    CHECK_LOG("30 40");
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    return 0;
}

static int errors_returned_in_place(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[4] = {wa_create_task(child, (void *)3), wa_create_task(child, (void *)-1),
                     wa_create_task(child, (void *)50), wa_create_task(child, (void *)2)};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t[2]), 1);
    intptr_t results[4] = {7, 7, 7, 7};
    int codes[4] = {7, 7, 7, 7};
    CHECK_INT(wa_gather(t, 4, results, codes, WA_RETURN_EXCEPTIONS), 0);
    CHECK_LOG("50! -1 2 3");
    CHECK_INT(codes[0], 0);
    CHECK_INT(results[0], 3);
    CHECK_INT(codes[1], WA_EIO);
    CHECK_INT(results[1], 0);
    CHECK_INT(codes[2], WA_ECANCELLED);
    CHECK_INT(codes[3], 0);
    CHECK_INT(results[3], 2);
    for (int i = 0; i < 4; i++) wa_task_release(t[i]);
    return 0;
}

/* Takes 5 ms to clean up once cancelled. */
static int slow_to_cancel(void *arg) {
    (void)arg;
    int rc = wa_sleep(6);
    if (rc) CHECK_INT(wa_sleep(0.005), 0);
    LOG("slow%s", rc ? "!" : "");
    return rc;
}

static wa_task *kids[3];
static int gather_flags;

static int gatherer(void *arg) {
    (void)arg;
    static int codes[3];
    int rc = wa_gather(kids, 3, NULL, codes, gather_flags);
    LOG("gather=%d", rc);
    return rc;
}

/* Cancelling the task in a gather cancels every child still running. */
static int cancel_reaches_children(void *arg) {
    (void)arg;
    for (int flags = 0; flags <= WA_RETURN_EXCEPTIONS; flags++) {
        gather_flags = flags;
        kids[0] = wa_create_task(child, (void *)1);
        kids[1] = wa_create_task(child, (void *)5000);
        kids[2] = wa_create_task(slow_to_cancel, NULL);
        wa_task *g = wa_create_task(gatherer, NULL);
        CHECK_INT(wa_sleep(0.01), 0);     /* kid 0 has finished */
        double start = wa_time();
        CHECK_INT(wa_task_cancel(g), 1);
        CHECK_INT(wa_await(g), WA_ECANCELLED);
        CHECK(wa_time() - start < 1.0);
        CHECK_INT(wa_task_state(kids[0]), WA_DONE);
        /* Without the flag the gather ends at the first cancelled child;
         * with it, once both have ended. Either way both were cancelled. */
        CHECK_INT(wa_await(kids[1]), WA_ECANCELLED);
        CHECK_INT(wa_await(kids[2]), WA_ECANCELLED);
        CHECK_LOG(flags ? "1 5000! slow! gather=-1" : "1 5000! gather=-1 slow!");
        for (int i = 0; i < 3; i++) wa_task_release(kids[i]);
        wa_task_release(g);
    }
    return 0;
}

static int shrugs_off_cancel(void *arg) {
    (void)arg;
    int rc = wa_sleep(5);
    LOG("shrug=%d", rc);
    return wa_return(1);                  /* handles the cancellation and succeeds */
}

/* A cancelled gather is cancelled even if its children swallowed it. */
static int cancel_swallowed_by_children(void *arg) {
    (void)arg;
    gather_flags = WA_RETURN_EXCEPTIONS;
    for (int i = 0; i < 3; i++) kids[i] = wa_create_task(shrugs_off_cancel, NULL);
    wa_task *g = wa_create_task(gatherer, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(g), 1);
    CHECK_INT(wa_await(g), WA_ECANCELLED);
    CHECK_LOG("shrug=-1 shrug=-1 shrug=-1 gather=-1");
    for (int i = 0; i < 3; i++) {
        CHECK_INT(wa_task_state(kids[i]), WA_DONE);
        wa_task_release(kids[i]);
    }
    wa_task_release(g);
    return 0;
}

static wa_future *shared;

static void resolve_later(void *arg) {
    (void)arg;
    wa_future_set_result(shared, 42);
}

/* A cancelled child fails a gather without WA_RETURN_EXCEPTIONS. */
static int cancelled_child_fails_it(void *arg) {
    (void)arg;
    shared = wa_future_new();
    wa_task *t = wa_create_task(child, (void *)5000);
    wa_future *f[2] = {shared, wa_task_future(t)};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_gather(f, 2, NULL, NULL, 0), WA_ECANCELLED);
    CHECK_LOG("5000!");
    CHECK_INT(wa_future_state(shared), WA_PENDING);  /* the failure left it alone */
    CHECK_INT(wa_loop_call_soon(NULL, resolve_later, NULL, NULL), 0);
    CHECK_INT(wa_yield(), 0);             /* so it is set later all the same */
    intptr_t v = 0;
    CHECK_INT(wa_future_result(shared, &v), 0);
    CHECK_INT(v, 42);
    wa_future_release(shared);
    wa_task_release(t);
    return 0;
}

/* Futures and tasks mixed, the same one twice, a handle released mid-way. */
static int futures_and_duplicates(void *arg) {
    (void)arg;
    shared = wa_future_new();
    wa_task *t = wa_create_task(child, (void *)2);
    wa_future *f[4] = {shared, wa_task_future(t), shared, wa_task_future(t)};
    CHECK_INT(wa_loop_call_later(NULL, 0.001, resolve_later, NULL, NULL), 0);
    wa_task_release(t);                   /* the gather keeps what it reads */
    intptr_t results[4] = {0};
    CHECK_INT(wa_gather(f, 4, results, NULL, 0), 0);
    CHECK_INT(results[0], 42);
    CHECK_INT(results[1], 2);
    CHECK_INT(results[2], 42);
    CHECK_INT(results[3], 2);
    CHECK_LOG("2");
    wa_future_release(shared);
    return 0;
}

static int already_done(void *arg) {
    (void)arg;
    wa_task *t[2] = {wa_create_task(child, (void *)0), wa_create_task(child, (void *)0)};
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK(wa_task_done(t[0]) && wa_task_done(t[1]));
    intptr_t results[2] = {5, 5};
    CHECK_INT(wa_gather(t, 2, results, NULL, 0), 0);
    CHECK_INT(results[0] + results[1], 0);
    wa_task_release(t[0]);
    wa_task_release(t[1]);
    return 0;
}

static int misuse(void *arg) {
    (void)arg;
    wa_task *t[2] = {wa_create_task(child, (void *)0), NULL};
    int codes[2];
    CHECK_INT(wa_gather((wa_task **)NULL, 2, NULL, NULL, 0), WA_EINVAL);
    CHECK_INT(wa_gather(t, 2, NULL, NULL, 0), WA_EINVAL);           /* NULL element */
    CHECK(strstr(wa_errmsg(), "element 1") != NULL);
    CHECK_INT(wa_gather(t, 1, NULL, NULL, 4), WA_EINVAL);           /* unknown flag */
    CHECK_INT(wa_gather(t, 1, NULL, NULL, WA_RETURN_EXCEPTIONS), WA_EINVAL);
    t[1] = wa_current_task();
    CHECK_INT(wa_gather(t, 2, NULL, codes, 0), WA_EINVAL);          /* itself */
    CHECK(strstr(wa_errmsg(), "itself") != NULL);
    CHECK_INT(wa_gather(t, 1, NULL, codes, 0), 0);
    wa_task_release(t[0]);
    return 0;
}

static void gather_in_callback(void *arg) {
    (void)arg;
    wa_task *none[1] = {NULL};
    LOG("cb=%d", wa_gather(none, 1, NULL, NULL, 0));
}

static int outside_a_task(void *arg) {
    (void)arg;
    CHECK_INT(wa_loop_call_soon(NULL, gather_in_callback, NULL, NULL), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("cb=-5");
    return 0;
}

int main(void) {
    check_plan(10);
    run_case("results come in argument order", in_argument_order, NULL, 0);
    run_case("the first error fails the gather; the others run on", first_error_others_run_on, NULL, 0);
    run_case("WA_RETURN_EXCEPTIONS returns errors in place", errors_returned_in_place, NULL, 0);
    run_case("cancelling the gather cancels its children", cancel_reaches_children, NULL, 0);
    run_case("a cancelled gather stays cancelled if children swallow it", cancel_swallowed_by_children, NULL, 0);
    run_case("a cancelled child fails the gather", cancelled_child_fails_it, NULL, 0);
    run_case("futures, duplicates, a released handle", futures_and_duplicates, NULL, 0);
    run_case("children already done", already_done, NULL, 0);
    run_case("bad arguments fail with WA_EINVAL", misuse, NULL, 0);
    run_case("gather outside a task fails with WA_ENOTASK", outside_a_task, NULL, 0);
    return check_exit();
}
