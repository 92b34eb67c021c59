/* wa_as_completed: finishing order, a timeout over the whole iteration,
 * cancelling the iterating task, freeing early, and misuse. */
#include "check.h"

/* Sleeps arg ms and returns arg, or fails when arg < 0. */
static int child(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = sleep_ms(ms);
    if (rc) return rc;
    if (ms < 0) return wa_fail(WA_EIO, "child failed");
    return wa_return(ms);
}

static int in_finishing_order(void *arg) {
    (void)arg;
    check_base = wa_time();
    wa_task *t[4] = {wa_create_task(child, (void *)80), wa_create_task(child, (void *)40),
                     wa_create_task(child, (void *)-60), wa_create_task(child, (void *)0)};
    /* t[3] is done before the iteration starts, the others are not: a slow
     * first round (a cold JIT) must not let t[1] finish first as well. */
    CHECK_INT(wa_await(t[3]), 0);
    wa_as_completed *it = wa_as_completed(t, 4, WA_FOREVER);
    CHECK(it != NULL);
    size_t index;
    for (int rc; (rc = wa_as_completed_next(it, &index)) == 1;) {
        intptr_t v = 0;
        int outcome = wa_task_result(t[index], &v);
        LOG("%zu:%d:%d", index, outcome, (int)v);
    }
    CHECK_LOG("3:0:0 1:0:40 2:-9:0 0:0:80");
    CHECK_INT(wa_as_completed_next(it, &index), 0);   /* stays exhausted */
    wa_as_completed_free(it);
    for (int i = 0; i < 4; i++) wa_task_release(t[i]);
    return 0;
}

static int timeout_over_the_whole(void *arg) {
    (void)arg;
    /* The deadline is far from both ends, so a stalled round cannot bring it
     * level with t[2]'s finish or push t[1]'s before it. */
    check_base = wa_time();
    wa_task *t[3] = {wa_create_task(child, (void *)1), wa_create_task(child, (void *)400),
                     wa_create_task(child, (void *)3)};
    wa_as_completed *it = wa_as_completed(t, 3, 0.1);
    size_t index = 99;
    CHECK_INT(wa_as_completed_next(it, &index), 1);
    CHECK_INT(index, 0);
    CHECK_INT(wa_sleep_until(check_base + 0.15), 0);  /* t[2] arrived before the deadline */
    CHECK_INT(wa_as_completed_next(it, &index), 1);
    CHECK_INT(index, 2);
    double start = wa_time();
    CHECK_INT(wa_as_completed_next(it, &index), WA_ETIMEDOUT);
    CHECK(wa_time() - start < 0.01);
    CHECK(strstr(wa_errmsg(), "1 of 3") != NULL);
    CHECK_INT(wa_as_completed_next(it, &index), WA_ETIMEDOUT);
    wa_as_completed_free(it);
    CHECK_INT(wa_task_state(t[1]), WA_PENDING);     /* nothing was cancelled */
    CHECK_INT(wa_await(t[1]), 0);
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    return 0;
}

static void hog_loop(void *arg) {         /* holds the loop past both deadlines */
    double until = *(const double *)arg;
    while (wa_time() < until) {
    }
}

static int returns_at_once(void *arg) {
    (void)arg;
    return 0;
}

/* A child that finished before the timeout is handed out, even when the
 * loop was held until after the timeout, before the child's completion was
 * seen. The child ends and the loop is held in the same round. */
static int finished_just_before_the_timeout(void *arg) {
    (void)arg;
    static double hog_until;
    wa_task *t[2] = {wa_create_task(returns_at_once, NULL), wa_create_task(child, (void *)5000)};
    wa_as_completed *it = wa_as_completed(t, 2, 0.011);
    hog_until = wa_time() + 0.05;
    CHECK_INT(wa_loop_call_soon(NULL, hog_loop, &hog_until, NULL), 0);
    size_t index = 9;
    CHECK_INT(wa_as_completed_next(it, &index), 1);
    CHECK_INT(index, 0);
    CHECK_INT(wa_as_completed_next(it, &index), WA_ETIMEDOUT);
    wa_as_completed_free(it);
    CHECK_INT(wa_task_cancel(t[1]), 1);
    CHECK_INT(wa_await(t[1]), WA_ECANCELLED);
    wa_task_release(t[0]);
    wa_task_release(t[1]);
    return 0;
}

static wa_as_completed_iter *shared_it;
static wa_task *slow[2];

static int iterator_task(void *arg) {
    (void)arg;
    size_t index;
    int rc = wa_as_completed_next(shared_it, &index);
    LOG("next=%d", rc);
    return rc < 0 ? rc : 0;
}

/* Cancelling a task in next() cancels that call only: the children go on,
 * and iterating again picks up where it was. */
static int cancel_the_iterating_task(void *arg) {
    (void)arg;
    slow[0] = wa_create_task(child, (void *)60);
    slow[1] = wa_create_task(child, (void *)40);
    shared_it = wa_as_completed(slow, 2, WA_FOREVER);
    wa_task *t = wa_create_task(iterator_task, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("next=-1");
    wa_task_release(t);
    size_t index;
    CHECK_INT(wa_as_completed_next(shared_it, &index), 1);
    CHECK_INT(index, 1);
    CHECK_INT(wa_as_completed_next(shared_it, &index), 1);
    CHECK_INT(index, 0);
    CHECK_INT(wa_as_completed_next(shared_it, &index), 0);
    wa_as_completed_free(shared_it);
    wa_task_release(slow[0]);
    wa_task_release(slow[1]);
    return 0;
}

static int freed_under_a_waiter(void *arg) {
    (void)arg;
    slow[0] = wa_create_task(child, (void *)10);
    shared_it = wa_as_completed(slow, 1, 1.0);
    wa_task *t = wa_create_task(iterator_task, NULL);
    CHECK_INT(wa_yield(), 0);
    wa_as_completed_free(shared_it);      /* the waiting next() ends, cancelled */
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("next=-1");
    CHECK_INT(wa_await(slow[0]), 0);
    wa_task_release(t);
    wa_task_release(slow[0]);
    return 0;
}

static int futures_and_misuse(void *arg) {
    (void)arg;
    wa_future *f[2] = {wa_future_new(), wa_future_new()};
    wa_as_completed *it = wa_as_completed(f, 2, WA_FOREVER);
    CHECK_INT(wa_future_set_result(f[1], 1), 0);
    size_t index;
    CHECK_INT(wa_as_completed_next(it, &index), 1);
    CHECK_INT(index, 1);
    wa_as_completed_free(it);             /* f[0] is still pending: nothing happens to it */
    CHECK_INT(wa_future_state(f[0]), WA_PENDING);
    wa_future_release(f[0]);
    wa_future_release(f[1]);
    it = wa_as_completed((wa_future **)NULL, 0, WA_FOREVER);
    CHECK(it != NULL);
    CHECK_INT(wa_as_completed_next(it, &index), 0);
    wa_as_completed_free(it);
    CHECK(wa_as_completed((wa_future **)NULL, 1, WA_FOREVER) == NULL);
    CHECK(wa_as_completed(f, 2, NAN) == NULL);
    CHECK_INT(wa_as_completed_next(NULL, &index), WA_EINVAL);
    wa_as_completed_free(NULL);
    return 0;
}

int main(void) {
    check_plan(6);
    wa_task *none[1] = {NULL};
    CHECK(wa_as_completed(none, 1, WA_FOREVER) == NULL);  /* no running loop */
    run_case("awaitables come in finishing order", in_finishing_order, NULL, 0);
    run_case("a timeout bounds the whole iteration and cancels nothing", timeout_over_the_whole, NULL, 0);
    run_case("what finished before the timeout is still handed out", finished_just_before_the_timeout, NULL, 0);
    run_case("cancelling the iterating task cancels one next()", cancel_the_iterating_task, NULL, 0);
    run_case("freeing the iterator wakes a waiting next()", freed_under_a_waiter, NULL, 0);
    run_case("futures, an empty iteration, bad arguments", futures_and_misuse, NULL, 0);
    return check_exit();
}
