/* Scheduling order: tasks start only when the creator yields, FIFO rounds,
 * timers firing while tasks keep yielding, callbacks through the loop. */
#include "check.h"

static int log_name(void *arg) {
    LOG("%s", (const char *)arg);
    return 0;
}

static int start_order(void *arg) {
    (void)arg;
    wa_task *t[3] = {wa_create_task(log_name, "A"), wa_create_task(log_name, "B"),
                     wa_create_task(log_name, "C")};
    LOG("created");
    CHECK_INT(wa_yield(), 0);
    LOG("main");
    CHECK_LOG("created A B C main");
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    return 0;
}

static int ping(void *arg) {
    for (int i = 0; i < 3; i++) {
        LOG("%s%d", (const char *)arg, i);
        if (wa_yield()) return WA_ECANCELLED;
    }
    return 0;
}

static int round_robin(void *arg) {
    (void)arg;
    wa_task *a = wa_create_task(ping, "a"), *b = wa_create_task(ping, "b");
    CHECK_INT(wa_await(a), 0);
    CHECK_INT(wa_await(b), 0);
    CHECK_LOG("a0 b0 a1 b1 a2 b2");
    wa_task_release(a);
    wa_task_release(b);
    return 0;
}

static int woke;

static int sleeper(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(0.002), 0);
    woke = 1;
    return 0;
}

static int busy(void *arg) {
    long *spins = arg;
    while (!woke) {
        if (wa_yield()) return WA_ECANCELLED;
        ++*spins;
    }
    return 0;
}

/* A task that yields forever must not starve timers. */
static int timers_not_starved(void *arg) {
    (void)arg;
    static long spins;                   /* read by another task: not on this stack */
    spins = 0;
    woke = 0;
    wa_task *s = wa_create_task(sleeper, NULL), *b = wa_create_task(busy, &spins);
    CHECK_INT(wa_await(b), 0);
    CHECK(woke);
    CHECK(spins > 0);
    wa_task_release(s);
    wa_task_release(b);
    return 0;
}

static int callback_ran;

static void on_done(wa_future *f, void *arg) {
    intptr_t v = 0;
    CHECK_INT(wa_future_result(f, &v), 0);
    LOG("cb%s=%d", (const char *)arg, (int)v);
    callback_ran++;
}

static int callbacks_through_loop(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    callback_ran = 0;
    CHECK_INT(wa_future_add_done_callback(f, on_done, "1"), 0);
    CHECK_INT(wa_future_add_done_callback(f, on_done, "2"), 0);
    CHECK_INT(wa_future_set_result(f, 7), 0);
    LOG("set");
    CHECK_INT(callback_ran, 0);              /* never inline */
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(callback_ran, 2);
    /* On a future that is already done, the callback is still scheduled. */
    CHECK_INT(wa_future_add_done_callback(f, on_done, "3"), 0);
    LOG("added");
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("set cb1=7 cb2=7 added cb3=7");
    wa_future_release(f);
    return 0;
}

static int await_and_log(void *arg) {
    wa_future *f = arg;
    CHECK_INT(wa_await(f), 0);
    LOG("w%d", (int)(intptr_t)wa_task_name(wa_current_task())[5] - '0');
    return 0;
}

/* Awaiters wake in the order they started waiting. */
static int waiters_fifo(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    wa_task *t[4];
    for (int i = 0; i < 4; i++) t[i] = wa_create_task(await_and_log, f);
    CHECK_INT(wa_yield(), 0);
    wa_future_set_result(f, 1);
    AWAIT_ALL(t, 4);
    CHECK_LOG("w2 w3 w4 w5");
    wa_future_release(f);
    return 0;
}

static int nap(void *arg) {
    CHECK_INT(wa_sleep(0.005), 0);
    LOG("%d", (int)(intptr_t)arg);
    return 0;
}

static int sleeps_in_deadline_order(void *arg) {
    (void)arg;
    wa_task *t[5];
    for (int i = 0; i < 5; i++) t[i] = wa_create_task(nap, (void *)(intptr_t)i);
    AWAIT_ALL(t, 5);
    CHECK_LOG("0 1 2 3 4");
    return 0;
}

static int nap_until(void *arg) {
    static double base;
    int i = (int)(intptr_t)arg;
    if (i == 0) base = wa_time();         /* JS clocks start near 0: stay just behind it */
    CHECK_INT(wa_sleep_until(base - 1e-5 * (i + 1)), 0);  /* all past: the latest task first */
    LOG("%d", i);
    return 0;
}

static int past_deadlines_in_order(void *arg) {
    (void)arg;
    wa_task *t[5];
    for (int i = 0; i < 5; i++) t[i] = wa_create_task(nap_until, (void *)(intptr_t)i);
    AWAIT_ALL(t, 5);
    CHECK_LOG("4 3 2 1 0");
    double start = wa_time();
    CHECK_INT(wa_sleep_until(start + 0.003), 0);
    CHECK(wa_time() >= start + 0.003);
    return 0;
}

int main(void) {
    check_plan(7);
    run_case("tasks start when the creator yields, in creation order", start_order, NULL, 0);
    run_case("yield interleaves tasks round-robin", round_robin, NULL, 0);
    run_case("a task yielding in a loop does not starve timers", timers_not_starved, NULL, 0);
    run_case("done callbacks run through the loop in the order added", callbacks_through_loop, NULL, 0);
    run_case("awaiters of a future wake in the order they waited", waiters_fifo, NULL, 0);
    run_case("sleeps wake in deadline order", sleeps_in_deadline_order, NULL, 0);
    run_case("sleep_until: past deadlines wake in deadline order, future ones not early", past_deadlines_in_order, NULL, 0);
    return check_exit();
}
