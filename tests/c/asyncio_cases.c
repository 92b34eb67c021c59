/* Cases from CPython's test_asyncio where a task is cancelled at an awkward
 * moment: as it returns, after a wait was satisfied but before it ran, or
 * while a barrier drains; and timeout scopes read after they are exited. */
#include "check.h"

/* ------------------------------------------------------- cancel at the end */

static int cancels_itself_then_returns(void *arg) {
    CHECK_INT(wa_task_cancel(wa_current_task()), 1);
    CHECK_INT(wa_return(12), 0);
    return (int)(intptr_t)arg;           /* 0: success, else an error code */
}

static int uncancels_then_returns(void *arg) {
    (void)arg;
    CHECK_INT(wa_task_cancel(wa_current_task()), 1);
    CHECK_INT(wa_task_uncancel(wa_current_task()), 0);
    CHECK_INT(wa_return(12), 0);
    return 0;
}

/* test_cancel_at_end: the request is not lost because no await came after. */
static int cancel_at_end(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(cancels_itself_then_returns, NULL);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_INT(wa_task_state(t), WA_CANCELLED);
    intptr_t v = 0;
    CHECK_INT(wa_task_result(t, &v), WA_ECANCELLED);
    wa_task_release(t);
    /* An error wins over the cancel, as an exception does in asyncio. */
    t = wa_create_task(cancels_itself_then_returns, (void *)(intptr_t)WA_EIO);
    CHECK_INT(wa_await(t), WA_EIO);
    CHECK_INT(wa_task_state(t), WA_DONE);
    wa_task_release(t);
    /* A withdrawn request leaves a plain success. */
    t = wa_create_task(uncancels_then_returns, NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_task_result(t, &v), 0);
    CHECK_INT(v, 12);
    wa_task_release(t);
    return 0;
}

/* ------------------------------------------ satisfied, then cancelled early */

static wa_queue *q;

static int getter(void *arg) {
    intptr_t item = -1;
    int rc = wa_queue_get(q, &item);
    if (rc == 0) CHECK_INT(wa_return(item), 0);
    (void)arg;
    return rc;
}

/* test_get_cancel_drop_many_pending_readers: the cancelled reader's item
 * goes to a reader still waiting. */
static int queue_reader_cancelled_after_get(void *arg) {
    (void)arg;
    q = wa_queue_new(0);
    wa_task *r[3];
    for (int i = 0; i < 3; i++) r[i] = wa_create_task(getter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_put_nowait(q, 1), 0);
    CHECK_INT(wa_queue_put_nowait(q, 2), 0);
    CHECK_INT(wa_task_cancel(r[0]), 1);
    CHECK_INT(wa_await(r[0]), WA_ECANCELLED);
    CHECK_INT(wa_await(r[2]), 0);
    CHECK_INT(wa_await(r[1]), 0);
    intptr_t a = 0, b = 0;
    CHECK_INT(wa_task_result(r[1], &a), 0);
    CHECK_INT(wa_task_result(r[2], &b), 0);
    CHECK((a == 1 && b == 2) || (a == 2 && b == 1));
    CHECK(wa_queue_empty(q));
    for (int i = 0; i < 3; i++) wa_task_release(r[i]);
    wa_queue_free(q);
    return 0;
}

/* With nobody else waiting the item goes back to the front; a bounded queue
 * that filled meanwhile holds it too, one over its size, and loses nothing. */
static int queue_item_goes_back(void *arg) {
    intptr_t kind = (intptr_t)arg, v;
    q = kind == 0 ? wa_queue_new(2) : wa_lifo_queue_new(2);
    wa_task *r = wa_create_task(getter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_put_nowait(q, 1), 0);  /* handed to r */
    CHECK_INT(wa_queue_put_nowait(q, 2), 0);
    CHECK_INT(wa_queue_put_nowait(q, 3), 0);
    CHECK(wa_queue_full(q));
    CHECK_INT(wa_task_cancel(r), 1);
    CHECK_INT(wa_await(r), WA_ECANCELLED);
    CHECK_INT(wa_queue_qsize(q), 3);
    static const intptr_t fifo[] = {1, 2, 3}, lifo[] = {1, 3, 2};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(wa_queue_get_nowait(q, &v), 0);
        CHECK_INT(v, (kind == 0 ? fifo : lifo)[i]);
    }
    CHECK_INT(wa_queue_get_nowait(q, &v), WA_EEMPTY);
    for (int i = 0; i < 3; i++) CHECK_INT(wa_queue_task_done(q), 0);
    CHECK_INT(wa_queue_join(q), 0);      /* every item put was accounted for */
    wa_task_release(r);
    wa_queue_free(q);
    return 0;
}

static wa_semaphore *sem;
static wa_event *event;

static int acquirer(void *arg) {
    (void)arg;
    int rc = wa_semaphore_acquire(sem);
    if (rc == 0) CHECK_INT(wa_semaphore_release(sem), 0);
    return rc;
}

static int event_waiter(void *arg) {
    (void)arg;
    return wa_event_wait(event);
}

/* A semaphore unit handed to a task cancelled before it ran goes on to the
 * next waiter; an event waiter cancelled so ends cancelled. */
static int semaphore_and_event(void *arg) {
    (void)arg;
    sem = wa_bounded_semaphore_new(1);
    CHECK_INT(wa_semaphore_acquire(sem), 0);
    wa_task *a = wa_create_task(acquirer, NULL), *b = wa_create_task(acquirer, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_semaphore_release(sem), 0);  /* handed to a */
    CHECK_INT(wa_task_cancel(a), 1);
    CHECK_INT(wa_await(a), WA_ECANCELLED);
    CHECK_INT(wa_await(b), 0);
    CHECK_INT(wa_semaphore_value(sem), 1);  /* the unit came back: none lost, none made */
    wa_task_release(a);
    wa_task_release(b);
    wa_semaphore_free(sem);
    event = wa_event_new();
    wa_task *w = wa_create_task(event_waiter, NULL), *x = wa_create_task(event_waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_event_set(event), 0);
    CHECK_INT(wa_task_cancel(w), 1);
    CHECK_INT(wa_await(w), WA_ECANCELLED);
    CHECK_INT(wa_await(x), 0);
    wa_task_release(w);
    wa_task_release(x);
    wa_event_free(event);
    return 0;
}

/* ------------------------------------------------------ a draining barrier */

static wa_barrier *barrier;

static int party(void *arg) {
    size_t index = 99;
    int rc = wa_barrier_wait(barrier, &index);
    LOG("%s=%d", (const char *)arg, rc);
    if (rc == 0) CHECK_INT(wa_return((intptr_t)index), 0);
    return rc;
}

/* Aborted after the last party released the others but before they ran:
 * asyncio's released parties see the broken state and fail too. */
static int barrier_abort_while_draining(void *arg) {
    (void)arg;
    barrier = wa_barrier_new(3);
    wa_task *a = wa_create_task(party, "a"), *b = wa_create_task(party, "b");
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_barrier_n_waiting(barrier), 2);
    size_t index = 99;
    CHECK_INT(wa_barrier_wait(barrier, &index), 0);  /* the last party: released, not yet run */
    CHECK_INT(index, 2);
    CHECK_INT(wa_barrier_n_waiting(barrier), 0);     /* draining */
    CHECK_INT(wa_barrier_abort(barrier), 0);
    CHECK_INT(wa_await(a), WA_EBROKEN);
    CHECK_INT(wa_await(b), WA_EBROKEN);
    CHECK_LOG("a=-10 b=-10");
    CHECK(wa_barrier_broken(barrier));
    CHECK_INT(wa_barrier_wait(barrier, NULL), WA_EBROKEN);
    CHECK_INT(wa_barrier_reset(barrier), 0);
    CHECK(!wa_barrier_broken(barrier));
    wa_task_release(a);
    wa_task_release(b);
    wa_barrier_free(barrier);
    return 0;
}

/* Parties arriving while the last cycle drains wait for it to end, so two
 * cycles never mix: c and d start after a was released, before it ran. */
static int barrier_cycles_do_not_mix(void *arg) {
    (void)arg;
    barrier = wa_barrier_new(2);
    wa_task *a = wa_create_task(party, "a");
    CHECK_INT(wa_yield(), 0);
    wa_task *c = wa_create_task(party, "c"), *d = wa_create_task(party, "d");
    CHECK_INT(wa_barrier_wait(barrier, NULL), 0);    /* releases a, queued after c and d */
    CHECK_INT(wa_await(a), 0);
    CHECK_INT(wa_await(c), 0);
    CHECK_INT(wa_await(d), 0);
    CHECK_LOG("a=0 d=0 c=0");            /* c and d waited for a, then formed the next cycle */
    intptr_t ic = 9, id = 9;
    CHECK_INT(wa_task_result(c, &ic), 0);
    CHECK_INT(wa_task_result(d, &id), 0);
    CHECK(ic == 0 && id == 1);           /* the second cycle counts from 0 */
    /* A reset while a released party has not resumed breaks it, and the
     * arrivals meanwhile wait until it has left. */
    wa_task *e = wa_create_task(party, "e");
    CHECK_INT(wa_yield(), 0);
    wa_task *f = wa_create_task(party, "f"), *g = wa_create_task(party, "g");
    CHECK_INT(wa_barrier_wait(barrier, NULL), 0);
    CHECK_INT(wa_barrier_reset(barrier), 0);
    CHECK_INT(wa_await(e), WA_EBROKEN);
    CHECK_INT(wa_await(f), 0);
    CHECK_INT(wa_await(g), 0);
    CHECK_LOG("e=-10 g=0 f=0");
    wa_task *tasks[] = {a, c, d, e, f, g};
    for (int i = 0; i < 6; i++) wa_task_release(tasks[i]);
    wa_barrier_free(barrier);
    return 0;
}

/* A party cancelled while it waits leaves the count; freeing the barrier
 * wakes the waiters without their touching it again. */
static int barrier_cancel_and_free(void *arg) {
    (void)arg;
    barrier = wa_barrier_new(3);
    wa_task *a = wa_create_task(party, "a"), *b = wa_create_task(party, "b");
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(a), 1);
    CHECK_INT(wa_await(a), WA_ECANCELLED);
    CHECK_INT(wa_barrier_n_waiting(barrier), 1);
    wa_barrier_free(barrier);
    CHECK_INT(wa_await(b), WA_ESTATE);
    CHECK_LOG("a=-1 b=-3");
    wa_task_release(a);
    wa_task_release(b);
    return 0;
}

int main(void) {
    check_plan(8);
    run_case("a task that cancels itself and then returns ends cancelled", cancel_at_end, NULL, 0);
    run_case("a queue reader cancelled after its get leaves the item to the others",
             queue_reader_cancelled_after_get, NULL, 0);
    run_case("the item of a cancelled reader goes back to the front (FIFO)", queue_item_goes_back, (void *)0, 0);
    run_case("the item of a cancelled reader goes back to the top (LIFO)", queue_item_goes_back, (void *)1, 0);
    run_case("semaphore units and event wake-ups of cancelled waiters are not lost", semaphore_and_event, NULL, 0);
    run_case("abort while a barrier drains breaks the released parties", barrier_abort_while_draining, NULL, 0);
    run_case("barrier cycles never mix, and a reset while draining breaks the released",
             barrier_cycles_do_not_mix, NULL, 0);
    run_case("a barrier party cancelled while waiting leaves the count", barrier_cancel_and_free, NULL, 0);
    return check_exit();
}
