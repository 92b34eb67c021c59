/* Locks, events, conditions, semaphores and barriers: FIFO fairness, no
 * overtaking, cancellation while waiting leaves each one consistent, and
 * misuse. */
#include "check.h"

static wa_lock *lock;

/* Takes the lock, logs, holds it over a sleep of arg ms, gives it back. */
static int locker(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = wa_lock_acquire(lock);
    if (rc) {
        LOG("L%d!", (int)ms);
        return rc;
    }
    LOG("L%d", (int)ms);
    rc = wa_sleep((double)ms / 1000.0);
    CHECK_INT(wa_lock_release(lock), 0);
    return rc;
}

static int lock_fifo_and_no_overtaking(void *arg) {
    (void)arg;
    lock = wa_lock_new();
    wa_task *t[4];
    for (intptr_t i = 0; i < 4; i++) t[i] = wa_create_task(locker, (void *)(i + 1));
    CHECK_INT(wa_yield(), 0);             /* t[0] holds it, the others wait in order */
    CHECK(wa_lock_locked(lock));
    CHECK_INT(wa_sleep(0.0015), 0);       /* t[0] releases: t[1] is handed the lock ... */
    CHECK_INT(wa_lock_acquire(lock), 0);  /* ... so this waits behind t[2] and t[3] */
    LOG("main");
    CHECK_INT(wa_lock_release(lock), 0);
    CHECK(!wa_lock_locked(lock));
    AWAIT_ALL(t, 4);
    CHECK_LOG("L1 L2 L3 L4 main");
    CHECK_INT(wa_lock_release(lock), WA_ESTATE);  /* not held */
    wa_lock_free(lock);
    return 0;
}

static int lock_cancel_while_waiting(void *arg) {
    (void)arg;
    lock = wa_lock_new();
    CHECK_INT(wa_lock_acquire(lock), 0);
    wa_task *a = wa_create_task(locker, (void *)1), *b = wa_create_task(locker, (void *)2);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(a), 1);      /* a leaves the queue: b is next */
    CHECK_INT(wa_await(a), WA_ECANCELLED);
    CHECK_INT(wa_lock_release(lock), 0);
    CHECK_INT(wa_await(b), 0);
    CHECK_LOG("L1! L2");
    CHECK(!wa_lock_locked(lock));         /* nobody holds it: nothing was lost */
    /* Cancelled after being handed the lock but before it ran: it ends
     * cancelled, as asyncio's acquire does, and the lock goes to the next
     * waiter (then to nobody), so it is never lost. */
    CHECK_INT(wa_lock_acquire(lock), 0);
    wa_task *c = wa_create_task(locker, (void *)500), *d = wa_create_task(locker, (void *)1);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_lock_release(lock), 0);  /* handed to c, which has not run yet */
    CHECK_INT(wa_task_cancel(c), 1);
    CHECK_INT(wa_await(c), WA_ECANCELLED);
    CHECK_INT(wa_await(d), 0);
    CHECK_LOG("L500! L1");
    CHECK(!wa_lock_locked(lock));
    wa_task *e = wa_create_task(locker, (void *)1);
    CHECK_INT(wa_lock_acquire(lock), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_lock_release(lock), 0);  /* handed to e, cancelled before it runs */
    CHECK_INT(wa_task_cancel(e), 1);
    CHECK_INT(wa_await(e), WA_ECANCELLED);
    CHECK(!wa_lock_locked(lock));         /* nobody else waited: unlocked */
    CHECK_INT(wa_lock_acquire(lock), 0);
    CHECK_INT(wa_lock_release(lock), 0);
    wa_task_release(a);
    wa_task_release(b);
    wa_task_release(c);
    wa_task_release(d);
    wa_task_release(e);
    wa_lock_free(lock);
    return 0;
}

static wa_event *event;

static int event_waiter(void *arg) {
    int rc = wa_event_wait(event);
    LOG("%s%s", (const char *)arg, rc ? "!" : "");
    return rc;
}

static int events(void *arg) {
    (void)arg;
    event = wa_event_new();
    wa_task *t[3] = {wa_create_task(event_waiter, "a"), wa_create_task(event_waiter, "b"),
                     wa_create_task(event_waiter, "c")};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t[1]), 1);
    CHECK(!wa_event_is_set(event));
    CHECK_INT(wa_event_set(event), 0);    /* wakes every waiter, in order */
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_INT(wa_await(t[1]), WA_ECANCELLED);
    CHECK_INT(wa_await(t[2]), 0);
    CHECK_LOG("b! a c");
    CHECK_INT(wa_event_wait(event), 0);   /* set: no waiting */
    CHECK_INT(wa_event_clear(event), 0);
    CHECK(!wa_event_is_set(event));
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    wa_event_free(event);
    return 0;
}

static wa_condition *cond;
static int items;

static int has_item(void *arg) {
    (void)arg;
    return items > 0;
}

static int consumer(void *arg) {
    wa_lock *l = wa_condition_lock(cond);
    CHECK_INT(wa_lock_acquire(l), 0);
    int rc = wa_condition_wait_for(cond, has_item, NULL);
    CHECK(wa_lock_locked(l));             /* always back with the lock held */
    if (rc == 0) items--;
    LOG("%s%s", (const char *)arg, rc ? "!" : "");
    CHECK_INT(wa_lock_release(l), 0);
    return rc;
}

static int conditions(void *arg) {
    (void)arg;
    cond = wa_condition_new(NULL);
    wa_lock *l = wa_condition_lock(cond);
    items = 0;
    wa_task *t[3] = {wa_create_task(consumer, "x"), wa_create_task(consumer, "y"),
                     wa_create_task(consumer, "z")};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_condition_notify(cond, 1), WA_ESTATE);   /* the lock is not held */
    CHECK_INT(wa_condition_wait(cond), WA_ESTATE);
    CHECK_INT(wa_lock_acquire(l), 0);
    items = 1;
    CHECK_INT(wa_condition_notify(cond, 1), 0);           /* only the first wakes */
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_LOG("x");
    /* y is cancelled while waiting; it still comes back holding the lock. */
    CHECK_INT(wa_task_cancel(t[1]), 1);
    CHECK_INT(wa_await(t[1]), WA_ECANCELLED);
    CHECK_LOG("y!");
    CHECK_INT(wa_lock_acquire(l), 0);
    items = 5;
    CHECK_INT(wa_condition_notify_all(cond), 0);
    CHECK_INT(wa_lock_release(l), 0);
    CHECK_INT(wa_await(t[2]), 0);
    CHECK_LOG("z");
    CHECK_INT(items, 4);
    for (int i = 0; i < 3; i++) wa_task_release(t[i]);
    wa_condition_free(cond);
    /* A condition over a lock of the caller's. */
    wa_lock *mine = wa_lock_new();
    cond = wa_condition_new(mine);
    CHECK(wa_condition_lock(cond) == mine);
    wa_condition_free(cond);
    CHECK_INT(wa_lock_acquire(mine), 0);  /* still usable: the condition did not own it */
    CHECK_INT(wa_lock_release(mine), 0);
    wa_lock_free(mine);
    return 0;
}

static wa_semaphore *sem;
static int inside, most_inside;

static int limited(void *arg) {
    int rc = wa_semaphore_acquire(sem);
    if (rc) {
        LOG("%s!", (const char *)arg);
        return rc;
    }
    if (++inside > most_inside) most_inside = inside;
    LOG("%s", (const char *)arg);
    rc = wa_sleep(0.002);
    inside--;
    CHECK_INT(wa_semaphore_release(sem), 0);
    return rc;
}

static int semaphores(void *arg) {
    (void)arg;
    sem = wa_semaphore_new(2);
    inside = most_inside = 0;
    static const char *names[5] = {"a", "b", "c", "d", "e"};
    wa_task *t[5];
    for (int i = 0; i < 5; i++) t[i] = wa_create_task(limited, (void *)names[i]);
    CHECK_INT(wa_yield(), 0);
    CHECK(wa_semaphore_locked(sem));
    CHECK_INT(wa_task_cancel(t[3]), 1);   /* d leaves the queue */
    for (int i = 0; i < 5; i++) {
        CHECK_INT(wa_await(t[i]), i == 3 ? WA_ECANCELLED : 0);
        wa_task_release(t[i]);
    }
    CHECK_LOG("a b d! c e");
    CHECK_INT(most_inside, 2);
    CHECK_INT(wa_semaphore_value(sem), 2);
    CHECK_INT(wa_semaphore_release(sem), 0);   /* unbounded: may go above */
    CHECK_INT(wa_semaphore_value(sem), 3);
    wa_semaphore_free(sem);
    sem = wa_bounded_semaphore_new(1);
    CHECK_INT(wa_semaphore_release(sem), WA_ESTATE);
    CHECK_INT(wa_semaphore_acquire(sem), 0);
    CHECK_INT(wa_semaphore_release(sem), 0);
    CHECK_INT(wa_semaphore_value(sem), 1);
    wa_semaphore_free(sem);
    return 0;
}

static wa_barrier *barrier;

static int party(void *arg) {
    size_t index = 99;
    int rc = wa_barrier_wait(barrier, &index);
    LOG("%s%d:%d", (const char *)arg, (int)index, rc);
    return rc == WA_EBROKEN ? 0 : rc;
}

static int barriers(void *arg) {
    (void)arg;
    barrier = wa_barrier_new(3);
    static const char *names[6] = {"a", "b", "c", "d", "e", "f"};
    wa_task *t[6];
    /* A party cancelled while waiting no longer counts. */
    t[0] = wa_create_task(party, (void *)names[0]);
    t[1] = wa_create_task(party, (void *)names[1]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_barrier_n_waiting(barrier), 2);
    CHECK_INT(wa_task_cancel(t[1]), 1);
    CHECK_INT(wa_await(t[1]), WA_ECANCELLED);
    CHECK_INT(wa_barrier_n_waiting(barrier), 1);
    t[2] = wa_create_task(party, (void *)names[2]);
    t[3] = wa_create_task(party, (void *)names[3]);   /* the third party: releases */
    CHECK_INT(wa_await(t[3]), 0);
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_INT(wa_await(t[2]), 0);
    CHECK_LOG("b99:-1 d2:0 a0:0 c1:0");
    CHECK_INT(wa_barrier_n_waiting(barrier), 0);      /* ready for the next round */
    /* Abort breaks it for waiters and later arrivals; reset mends it. */
    t[4] = wa_create_task(party, (void *)names[4]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_barrier_abort(barrier), 0);
    CHECK(wa_barrier_broken(barrier));
    CHECK_INT(wa_await(t[4]), 0);
    CHECK_INT(wa_barrier_wait(barrier, NULL), WA_EBROKEN);
    CHECK_INT(wa_barrier_reset(barrier), 0);
    CHECK(!wa_barrier_broken(barrier));
    t[5] = wa_create_task(party, (void *)names[5]);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_barrier_reset(barrier), 0);           /* a reset wakes the waiters too */
    CHECK_INT(wa_await(t[5]), 0);
    CHECK_LOG("e99:-10 f99:-10");
    CHECK_INT(wa_barrier_parties(barrier), 3);
    for (int i = 0; i < 6; i++) wa_task_release(t[i]);
    wa_barrier_free(barrier);
    CHECK(wa_barrier_new(0) == NULL);
    return 0;
}

static int freed_under_waiters(void *arg) {
    (void)arg;
    lock = wa_lock_new();
    CHECK_INT(wa_lock_acquire(lock), 0);
    wa_task *t = wa_create_task(locker, (void *)1);
    CHECK_INT(wa_yield(), 0);
    wa_lock_free(lock);                   /* the waiter wakes with an error */
    CHECK_INT(wa_await(t), WA_ESTATE);
    CHECK_LOG("L1!");
    wa_task_release(t);
    return 0;
}

static void in_callback(void *arg) {
    (void)arg;
    LOG("%d", wa_lock_acquire(lock));
}

static int misuse(void *arg) {
    (void)arg;
    CHECK_INT(wa_lock_acquire(NULL), WA_EINVAL);
    CHECK_INT(wa_lock_release(NULL), WA_EINVAL);
    CHECK_INT(wa_event_wait(NULL), WA_EINVAL);
    CHECK_INT(wa_semaphore_acquire(NULL), WA_EINVAL);
    CHECK_INT(wa_barrier_wait(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_condition_wait_for(NULL, has_item, NULL), WA_EINVAL);
    lock = wa_lock_new();
    CHECK_INT(wa_loop_call_soon(NULL, in_callback, NULL, NULL), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_LOG("-5");                      /* a callback cannot take a lock */
    wa_lock_free(lock);
    wa_lock_free(NULL);
    wa_event_free(NULL);
    wa_condition_free(NULL);
    wa_semaphore_free(NULL);
    wa_barrier_free(NULL);
    return 0;
}

int main(void) {
    check_plan(8);
    run_case("a lock serves waiters in order; a newcomer cannot overtake", lock_fifo_and_no_overtaking, NULL, 0);
    run_case("a lock stays consistent when waiters are cancelled", lock_cancel_while_waiting, NULL, 0);
    run_case("an event wakes every waiter", events, NULL, 0);
    run_case("conditions: notify one, notify all, cancelled waiters", conditions, NULL, 0);
    run_case("semaphores limit concurrency; bounded ones refuse extra releases", semaphores, NULL, 0);
    run_case("barriers: a cancelled party, abort, reset", barriers, NULL, 0);
    run_case("freeing a primitive wakes its waiters with an error", freed_under_waiters, NULL, 0);
    run_case("bad arguments, and no waiting outside tasks", misuse, NULL, 0);
    return check_exit();
}
