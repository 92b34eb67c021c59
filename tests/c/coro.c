/* Coroutine objects and generators: values in and out, states, send,
 * nesting, symmetric switching built on them, use from tasks, and misuse. */
#include "check.h"

static intptr_t echo(void *arg, intptr_t in) {
    (void)arg;
    LOG("start:%d", (int)in);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(wa_coro_status(wa_coro_running()), WA_CORO_RUNNING);
        CHECK_INT(wa_coro_yield(in * 10, &in), 0);
        LOG("got:%d", (int)in);
    }
    return in + 1000;
}

static int values_in_and_out(void) {
    int before = check_failures;
    wa_coro *co = wa_coro_new(echo, NULL);
    CHECK_INT(wa_coro_status(co), WA_CORO_SUSPENDED);
    intptr_t out = 0;
    CHECK_INT(wa_coro_resume(co, 1, &out), 1);
    CHECK_INT(out, 10);
    CHECK_INT(wa_coro_resume(co, 2, &out), 1);
    CHECK_INT(out, 20);
    CHECK_INT(wa_coro_resume(co, 3, &out), 0);   /* returned */
    CHECK_INT(out, 1003);
    CHECK_INT(wa_coro_status(co), WA_CORO_DEAD);
    CHECK_INT(wa_coro_resume(co, 4, &out), WA_ESTATE);
    CHECK_LOG("start:1 got:2 got:3");
    CHECK(wa_coro_running() == NULL);
    wa_coro_free(co);
    return check_failures == before;
}

/* Fibonacci numbers below a limit, and a running total fed by send. */
static intptr_t fibonacci(void *arg, intptr_t in) {
    (void)in;
    intptr_t limit = (intptr_t)arg, a = 0, b = 1;
    while (a < limit) {
        wa_gen_yield(a, NULL);
        intptr_t next = a + b;
        a = b;
        b = next;
    }
    return -1;
}

static intptr_t averager(void *arg, intptr_t in) {
    (void)arg, (void)in;
    intptr_t total = 0, count = 0, value = 0;
    for (;;) {
        CHECK_INT(wa_gen_yield(count ? total / count : 0, &value), 0);
        if (value < 0) return count;
        total += value;
        count++;
    }
}

static int generators(void) {
    int before = check_failures;
    wa_gen *g = wa_gen_new(fibonacci, (void *)50);
    for (intptr_t v = 0; wa_gen_next(g, &v) == 1;) LOG("%d", (int)v);
    CHECK_LOG("0 1 1 2 3 5 8 13 21 34");
    wa_gen_free(g);
    g = wa_gen_new(averager, NULL);
    intptr_t avg;
    CHECK_INT(wa_gen_next(g, &avg), 1);  /* primes it, as next(gen) before send */
    CHECK_INT(wa_gen_send(g, 10, &avg), 1);
    CHECK_INT(avg, 10);
    CHECK_INT(wa_gen_send(g, 20, &avg), 1);
    CHECK_INT(avg, 15);
    CHECK_INT(wa_gen_send(g, 60, &avg), 1);
    CHECK_INT(avg, 30);
    CHECK_INT(wa_gen_send(g, -1, &avg), 0);
    CHECK_INT(avg, 3);                    /* the return value: how many */
    wa_gen_free(g);
    return check_failures == before;
}

/* Symmetric switching (greenlet) on asymmetric coroutines: each yields the
 * coroutine to switch to, and a driver resumes it. */
static wa_coro *gr1, *gr2;

static intptr_t func1(void *arg, intptr_t in) {
    (void)arg, (void)in;
    LOG("1");
    wa_coro_yield((intptr_t)gr2, NULL);
    LOG("2");
    wa_coro_yield((intptr_t)gr2, NULL);
    return 0;
}

static intptr_t func2(void *arg, intptr_t in) {
    (void)arg, (void)in;
    LOG("3");
    wa_coro_yield((intptr_t)gr1, NULL);
    LOG("4");
    return 0;
}

static int symmetric(void) {
    int before = check_failures;
    gr1 = wa_coro_new(func1, NULL);
    gr2 = wa_coro_new(func2, NULL);
    wa_coro *next = gr1;
    intptr_t target;
    while (next && wa_coro_resume(next, 0, &target) == 1) next = (wa_coro *)target;
    CHECK_LOG("1 3 2 4");
    CHECK_INT(wa_coro_status(gr2), WA_CORO_DEAD);
    CHECK_INT(wa_coro_status(gr1), WA_CORO_SUSPENDED);  /* func1 never resumed after its last yield */
    wa_coro_free(gr1);
    wa_coro_free(gr2);
    return check_failures == before;
}

static wa_coro *outer_co, *inner_co;

static intptr_t inner_body(void *arg, intptr_t in) {
    (void)arg;
    CHECK_INT(wa_coro_status(outer_co), WA_CORO_NORMAL);
    CHECK_INT(wa_coro_resume(outer_co, 0, NULL), WA_EINVAL);  /* it is not suspended */
    CHECK_INT(wa_coro_resume(inner_co, 0, NULL), WA_EINVAL);  /* nor is this one */
    wa_coro_yield(in + 1, &in);
    return in + 1;
}

static intptr_t outer_body(void *arg, intptr_t in) {
    (void)arg;
    intptr_t v = 0;
    CHECK_INT(wa_coro_resume(inner_co, in, &v), 1);
    CHECK(wa_coro_running() == outer_co);
    wa_coro_yield(v, &in);
    CHECK_INT(wa_coro_resume(inner_co, in, &v), 0);
    return v * 2;
}

static int nested(void) {
    int before = check_failures;
    outer_co = wa_coro_new(outer_body, NULL);
    inner_co = wa_coro_new(inner_body, NULL);
    intptr_t v = 0;
    CHECK_INT(wa_coro_resume(outer_co, 5, &v), 1);
    CHECK_INT(v, 6);
    CHECK_INT(wa_coro_resume(outer_co, 7, &v), 0);
    CHECK_INT(v, 16);
    wa_coro_free(outer_co);
    wa_coro_free(inner_co);
    return check_failures == before;
}

/* Deep frames inside a coroutine survive its yields. */
static int __attribute__((noinline)) deep(int depth) {
    volatile char frame[256];
    frame[0] = (char)depth;
    int rc = depth ? deep(depth - 1) : wa_coro_yield(depth, NULL);
    return rc ? rc : frame[0] == (char)depth ? 0 : -100;
}

static intptr_t deep_body(void *arg, intptr_t in) {
    (void)arg, (void)in;
    for (int i = 0; i < 3; i++) CHECK_INT(deep(100), 0);
    return 7;
}

static wa_coro *from_task;

static intptr_t tries_to_await(void *arg, intptr_t in) {
    (void)arg, (void)in;
    CHECK(wa_current_task() == NULL);
    CHECK_INT(wa_sleep(0.001), WA_ENOTASK);
    CHECK(strstr(wa_errmsg(), "coroutine") != NULL);
    wa_coro_yield(1, NULL);
    return 2;
}

static int other_task(void *arg) {
    (void)arg;
    LOG("other");
    return 0;
}

static int resumed_from_a_task(void *arg) {
    (void)arg;
    from_task = wa_coro_new(tries_to_await, NULL);
    wa_task *t = wa_create_task(other_task, NULL);
    intptr_t v = 0;
    CHECK_INT(wa_coro_resume(from_task, 0, &v), 1);
    wa_task *self = wa_current_task();
    CHECK(self != NULL);                  /* the task is back once the coroutine yields */
    CHECK_INT(wa_sleep(0.001), 0);        /* the task suspends with the coroutine suspended */
    CHECK_LOG("other");
    CHECK_INT(wa_coro_resume(from_task, 0, &v), 0);
    CHECK_INT(v, 2);
    wa_coro_free(from_task);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    return 0;
}

static int misuse_and_many(void) {
    int before = check_failures;
    CHECK_INT(wa_coro_yield(1, NULL), WA_ESTATE);  /* not in a coroutine */
    CHECK(wa_coro_new(NULL, NULL) == NULL);
    CHECK_INT(wa_coro_resume(NULL, 0, NULL), WA_EINVAL);
    wa_coro_free(NULL);
    wa_coro *co = wa_coro_new(deep_body, NULL);
    intptr_t v = 0;
    int rounds = 0;
    while (wa_coro_resume(co, 0, &v) == 1) rounds++;
    CHECK_INT(rounds, 3);
    CHECK_INT(v, 7);
    wa_coro_free(co);
    /* Many alive at once, some freed while suspended. */
    enum { MANY = 200 };
    static wa_coro *many[MANY];
    for (int i = 0; i < MANY; i++) {
        many[i] = wa_coro_new(echo, NULL);
        CHECK(many[i] != NULL);
        CHECK_INT(wa_coro_resume(many[i], i, &v), 1);
        CHECK_INT(v, i * 10);
    }
    for (int i = 0; i < MANY; i++) {
        if (i % 2) CHECK_INT(wa_coro_resume(many[i], 0, NULL), 1);
        wa_coro_free(many[i]);
    }
    event_log[0] = 0;
    return check_failures == before;
}

int main(void) {
    check_plan(6);
    CASE("values go in and out; states follow", values_in_and_out);
    CASE("generators: a for-style loop, and send", generators);
    CASE("greenlet-style switching prints 1 3 2 4", symmetric);
    CASE("a coroutine resumes another", nested);
    CASE("misuse, deep frames, many coroutines", misuse_and_many);
    run_case("a coroutine resumed from a task cannot await", resumed_from_a_task, NULL, 0);
    return check_exit();
}
