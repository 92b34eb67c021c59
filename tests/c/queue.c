/* Queues: FIFO, LIFO and priority order (stable for equal priorities),
 * maxsize with waiting putters, hand-off to waiting getters in order,
 * _nowait errors, task_done/join, shutdown waking getters and putters, and
 * cancellation while waiting. */
#include "check.h"

static wa_queue *q;

static int getter(void *arg) {
    intptr_t item = 0;
    int rc = wa_queue_get(q, &item);
    LOG("%s=%d:%d", (const char *)arg, rc, (int)item);
    return rc;
}

static int putter(void *arg) {
    intptr_t item = (intptr_t)arg;
    int rc = wa_queue_put(q, item);
    LOG("put%d:%d", (int)item, rc);
    return rc;
}

static void drain_into_log(void) {
    for (intptr_t v = 0; wa_queue_get_nowait(q, &v) == 0;) LOG("%d", (int)v);
}

static int by_value(intptr_t a, intptr_t b) { return (a / 10 > b / 10) - (a / 10 < b / 10); }

static int orders(void *arg) {
    (void)arg;
    q = wa_queue_new(0);
    for (intptr_t i = 1; i <= 20; i++) CHECK_INT(wa_queue_put(q, i), 0);  /* grows past 8 and 16 */
    CHECK_INT(wa_queue_qsize(q), 20);
    for (intptr_t i = 1; i <= 5; i++) {
        intptr_t v;
        CHECK_INT(wa_queue_get(q, &v), 0);
        CHECK_INT(v, i);
    }
    for (intptr_t i = 21; i <= 30; i++) CHECK_INT(wa_queue_put_nowait(q, i), 0);  /* wraps */
    for (intptr_t i = 6; i <= 30; i++) {
        intptr_t v = 0;
        CHECK_INT(wa_queue_get_nowait(q, &v), 0);
        CHECK_INT(v, i);
    }
    CHECK(wa_queue_empty(q));
    wa_queue_free(q);
    q = wa_lifo_queue_new(0);
    for (intptr_t i = 1; i <= 3; i++) CHECK_INT(wa_queue_put(q, i), 0);
    drain_into_log();
    CHECK_LOG("3 2 1");
    wa_queue_free(q);
    /* Priority by tens; equal priorities come out in the order put. */
    q = wa_priority_queue_new(0, by_value);
    static const intptr_t puts[] = {31, 12, 33, 11, 2, 34, 13, 1};
    for (int i = 0; i < 8; i++) CHECK_INT(wa_queue_put(q, puts[i]), 0);
    drain_into_log();
    CHECK_LOG("2 1 12 11 13 31 33 34");
    wa_queue_free(q);
    CHECK(wa_priority_queue_new(0, NULL) == NULL);
    return 0;
}

static int bounded(void *arg) {
    (void)arg;
    q = wa_queue_new(2);
    CHECK_INT(wa_queue_maxsize(q), 2);
    CHECK_INT(wa_queue_put_nowait(q, 1), 0);
    CHECK_INT(wa_queue_put_nowait(q, 2), 0);
    CHECK(wa_queue_full(q));
    CHECK_INT(wa_queue_put_nowait(q, 3), WA_EFULL);
    wa_task *p[3] = {wa_create_task(putter, (void *)3), wa_create_task(putter, (void *)4),
                     wa_create_task(putter, (void *)5)};
    CHECK_INT(wa_yield(), 0);             /* all three wait, in order */
    CHECK_INT(wa_task_cancel(p[1]), 1);   /* 4 is never put */
    CHECK_INT(wa_await(p[1]), WA_ECANCELLED);
    intptr_t v;
    CHECK_INT(wa_queue_get(q, &v), 0);    /* frees a slot: 3 goes in */
    CHECK_INT(v, 1);
    CHECK_INT(wa_queue_qsize(q), 2);
    CHECK_INT(wa_await(p[0]), 0);
    CHECK_INT(wa_queue_get(q, &v), 0);
    CHECK_INT(wa_await(p[2]), 0);
    drain_into_log();
    CHECK_LOG("put4:-1 put3:0 put5:0 3 5");
    CHECK_INT(v, 2);
    for (int i = 0; i < 3; i++) wa_task_release(p[i]);
    wa_queue_free(q);
    return 0;
}

static int getters_in_order(void *arg) {
    (void)arg;
    q = wa_queue_new(0);
    wa_task *g[3] = {wa_create_task(getter, "a"), wa_create_task(getter, "b"), wa_create_task(getter, "c")};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(g[1]), 1);
    CHECK_INT(wa_queue_put(q, 10), 0);    /* handed straight to a */
    CHECK_INT(wa_queue_put(q, 20), 0);    /* b left: c gets it */
    CHECK(wa_queue_empty(q));
    intptr_t v;
    CHECK_INT(wa_queue_get_nowait(q, &v), WA_EEMPTY);  /* nobody can overtake a waiter */
    for (int i = 0; i < 3; i++) CHECK_INT(wa_await(g[i]), i == 1 ? WA_ECANCELLED : 0);
    CHECK_LOG("b=-1:0 a=0:10 c=0:20");
    /* A getter cancelled after being handed an item, before it ran, ends
     * cancelled and the item goes back to the front of the queue. */
    wa_task *late = wa_create_task(getter, "d");
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_put(q, 30), 0);    /* handed to d */
    CHECK_INT(wa_queue_put(q, 31), 0);    /* into the queue */
    CHECK_INT(wa_task_cancel(late), 1);
    CHECK_INT(wa_await(late), WA_ECANCELLED);
    CHECK_LOG("d=-1:0");
    CHECK_INT(wa_queue_qsize(q), 2);
    CHECK_INT(wa_queue_get_nowait(q, &v), 0);
    CHECK_INT(v, 30);
    CHECK_INT(wa_queue_get_nowait(q, &v), 0);
    CHECK_INT(v, 31);
    for (int i = 0; i < 3; i++) wa_task_release(g[i]);
    wa_task_release(late);
    wa_queue_free(q);
    return 0;
}

static int worker(void *arg) {
    (void)arg;
    for (;;) {
        intptr_t v;
        int rc = wa_queue_get(q, &v);
        if (rc) return rc == WA_ESHUTDOWN ? 0 : rc;
        CHECK_INT(wa_sleep(0.001), 0);
        LOG("w%d", (int)v);
        CHECK_INT(wa_queue_task_done(q), 0);
    }
}

static int task_done_and_join(void *arg) {
    (void)arg;
    q = wa_queue_new(0);
    CHECK_INT(wa_queue_join(q), 0);       /* nothing put: nothing to wait for */
    CHECK_INT(wa_queue_task_done(q), WA_ESTATE);
    wa_task *w[2] = {wa_create_task(worker, NULL), wa_create_task(worker, NULL)};
    for (intptr_t i = 1; i <= 4; i++) CHECK_INT(wa_queue_put(q, i), 0);
    CHECK_INT(wa_queue_join(q), 0);       /* every item processed */
    CHECK_LOG("w1 w2 w3 w4");
    CHECK_INT(wa_queue_shutdown(q, 0), 0);  /* the idle workers wake and stop */
    AWAIT_ALL(w, 2);
    wa_queue_free(q);
    return 0;
}

static int shutdown(void *arg) {
    (void)arg;
    /* Getters waiting on an empty queue wake with WA_ESHUTDOWN. */
    q = wa_queue_new(1);
    wa_task *g = wa_create_task(getter, "g");
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_shutdown(q, 0), 0);
    CHECK_INT(wa_await(g), WA_ESHUTDOWN);
    CHECK_LOG("g=-13:0");
    CHECK(wa_queue_is_shut_down(q));
    CHECK_INT(wa_queue_put(q, 1), WA_ESHUTDOWN);
    CHECK_INT(wa_queue_put_nowait(q, 1), WA_ESHUTDOWN);
    wa_task_release(g);
    wa_queue_free(q);
    /* Putters waiting on a full queue wake too; what is queued still drains. */
    q = wa_queue_new(1);
    CHECK_INT(wa_queue_put(q, 7), 0);
    wa_task *p = wa_create_task(putter, (void *)8);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_shutdown(q, 0), 0);
    CHECK_INT(wa_await(p), WA_ESHUTDOWN);
    intptr_t v;
    CHECK_INT(wa_queue_get(q, &v), 0);
    CHECK_INT(v, 7);
    CHECK_INT(wa_queue_get(q, &v), WA_ESHUTDOWN);
    CHECK_INT(wa_queue_get_nowait(q, &v), WA_ESHUTDOWN);
    CHECK_LOG("put8:-13");
    wa_task_release(p);
    wa_queue_free(q);
    /* Immediate: the items go, and join stops waiting for them. */
    q = wa_queue_new(0);
    CHECK_INT(wa_queue_put(q, 1), 0);
    CHECK_INT(wa_queue_put(q, 2), 0);
    CHECK_INT(wa_queue_shutdown(q, 1), 0);
    CHECK(wa_queue_empty(q));
    CHECK_INT(wa_queue_join(q), 0);
    wa_queue_free(q);
    return 0;
}

static int misuse(void *arg) {
    (void)arg;
    intptr_t v;
    CHECK_INT(wa_queue_put(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_queue_get(NULL, &v), WA_EINVAL);
    CHECK_INT(wa_queue_join(NULL), WA_EINVAL);
    CHECK_INT(wa_queue_shutdown(NULL, 0), WA_EINVAL);
    q = wa_queue_new(0);
    CHECK_INT(wa_queue_get(q, NULL), WA_EINVAL);
    /* Freed while a getter waits: it wakes with an error. */
    wa_task *g = wa_create_task(getter, "g");
    CHECK_INT(wa_yield(), 0);
    wa_queue_free(q);
    CHECK_INT(wa_await(g), WA_ESTATE);
    wa_task_release(g);
    wa_queue_free(NULL);
    return 0;
}

int main(void) {
    check_plan(6);
    run_case("FIFO, LIFO and stable priority order", orders, NULL, 0);
    run_case("a full queue makes putters wait in order; cancelled ones put nothing", bounded, NULL, 0);
    run_case("waiting getters get items in order, straight from put", getters_in_order, NULL, 0);
    run_case("task_done and join", task_done_and_join, NULL, 0);
    run_case("shutdown wakes getters and putters; immediate drops the items", shutdown, NULL, 0);
    run_case("bad arguments, a queue freed under a waiter", misuse, NULL, 0);
    return check_exit();
}
