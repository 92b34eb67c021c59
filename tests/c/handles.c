/* Every handle a user frees is recognised once freed: freeing it again, or
 * using it, answers WA_EINVAL with a message naming the function, and
 * getters return what they document, instead of touching freed memory (the
 * ASan build would report that). A handle of the wrong type is refused too.
 * Tasks and futures are covered by misuse.c. */
#include "check.h"

#include <math.h>

/* call returned WA_EINVAL with a message containing text. */
#define CHECK_EINVAL(call, text) check_einval((call), (text), #call, __LINE__)
/* The last message contains text (after a getter, which cannot fail). */
#define CHECK_MSG(text) check_einval(WA_EINVAL, (text), "wa_errmsg()", __LINE__)

static void check_einval(long long rc, const char *text, const char *what, int line) {
    if (rc != WA_EINVAL) {
        check_failures++;
        printf("  failed handles.c:%d: %s is %lld, want WA_EINVAL\n", line, what, rc);
    } else if (!strstr(wa_errmsg(), text)) {
        check_failures++;
        printf("  failed handles.c:%d: %s said \"%s\", want \"%s\"\n", line, what, wa_errmsg(), text);
    }
}

static int always(void *arg) {
    (void)arg;
    return 1;
}

static int locks_events_conditions(void *arg) {
    (void)arg;
    wa_lock *l = wa_lock_new();
    CHECK_INT(wa_lock_acquire(l), 0);
    CHECK_INT(wa_lock_free(l), 0);
    CHECK_EINVAL(wa_lock_free(l), "wa_lock_free: the lock was freed");
    CHECK_EINVAL(wa_lock_acquire(l), "wa_lock_acquire: the lock was freed");
    CHECK_EINVAL(wa_lock_release(l), "wa_lock_release: the lock was freed");
    CHECK_INT(wa_lock_locked(l), 0);      /* it was held when freed */
    CHECK_MSG("wa_lock_locked: the lock was freed");
    CHECK(wa_condition_new(l) == NULL);
    CHECK_MSG("wa_condition_new: the lock was freed");

    wa_event *e = wa_event_new();
    CHECK_INT(wa_event_set(e), 0);
    CHECK_INT(wa_event_free(e), 0);
    CHECK_EINVAL(wa_event_free(e), "wa_event_free: the event was freed");
    CHECK_EINVAL(wa_event_wait(e), "wa_event_wait: the event was freed");
    CHECK_EINVAL(wa_event_set(e), "wa_event_set: the event was freed");
    CHECK_EINVAL(wa_event_clear(e), "wa_event_clear: the event was freed");
    CHECK_INT(wa_event_is_set(e), 0);
    CHECK_MSG("wa_event_is_set: the event was freed");

    /* A condition with a lock of its own frees that lock with it. */
    wa_condition *c = wa_condition_new(NULL);
    wa_lock *own = wa_condition_lock(c);
    CHECK_INT(wa_condition_free(c), 0);
    CHECK_EINVAL(wa_condition_free(c), "wa_condition_free: the condition was freed");
    CHECK_EINVAL(wa_condition_wait(c), "wa_condition_wait: the condition was freed");
    CHECK_EINVAL(wa_condition_wait_for(c, always, NULL), "wa_condition_wait_for: the condition was freed");
    CHECK_EINVAL(wa_condition_notify(c, 1), "wa_condition_notify: the condition was freed");
    CHECK_EINVAL(wa_condition_notify_all(c), "the condition was freed");
    CHECK(wa_condition_lock(c) == NULL);
    CHECK_MSG("wa_condition_lock: the condition was freed");
    CHECK_EINVAL(wa_lock_acquire(own), "wa_lock_acquire: the lock was freed");
    CHECK_EINVAL(wa_lock_free(own), "wa_lock_free: the lock was freed");

    /* A borrowed lock freed before its condition is noticed by the condition. */
    wa_lock *mine = wa_lock_new();
    c = wa_condition_new(mine);
    CHECK_INT(wa_lock_acquire(mine), 0);
    CHECK_INT(wa_lock_free(mine), 0);
    CHECK_EINVAL(wa_condition_notify(c, 1), "wa_condition_notify: the lock was freed");
    CHECK_EINVAL(wa_condition_wait(c), "wa_condition_wait: the lock was freed");
    CHECK_INT(wa_condition_free(c), 0);
    return 0;
}

static int semaphores_barriers(void *arg) {
    (void)arg;
    wa_semaphore *sems[2] = {wa_semaphore_new(2), wa_bounded_semaphore_new(2)};
    for (int i = 0; i < 2; i++) {
        wa_semaphore *s = sems[i];
        CHECK_INT(wa_semaphore_acquire(s), 0);
        CHECK_INT(wa_semaphore_free(s), 0);
        CHECK_EINVAL(wa_semaphore_free(s), "wa_semaphore_free: the semaphore was freed");
        CHECK_EINVAL(wa_semaphore_acquire(s), "wa_semaphore_acquire: the semaphore was freed");
        CHECK_EINVAL(wa_semaphore_release(s), "wa_semaphore_release: the semaphore was freed");
        CHECK_INT(wa_semaphore_value(s), 0);
        CHECK_MSG("wa_semaphore_value: the semaphore was freed");
        CHECK_INT(wa_semaphore_locked(s), 0);
        CHECK_MSG("wa_semaphore_locked: the semaphore was freed");
    }

    wa_barrier *b = wa_barrier_new(3);
    CHECK_INT(wa_barrier_free(b), 0);
    CHECK_EINVAL(wa_barrier_free(b), "wa_barrier_free: the barrier was freed");
    size_t index = 0;
    CHECK_EINVAL(wa_barrier_wait(b, &index), "wa_barrier_wait: the barrier was freed");
    CHECK_EINVAL(wa_barrier_reset(b), "wa_barrier_reset: the barrier was freed");
    CHECK_EINVAL(wa_barrier_abort(b), "wa_barrier_abort: the barrier was freed");
    CHECK_INT(wa_barrier_parties(b), 0);
    CHECK_MSG("wa_barrier_parties: the barrier was freed");
    CHECK_INT(wa_barrier_n_waiting(b), 0);
    CHECK_MSG("wa_barrier_n_waiting: the barrier was freed");
    CHECK_INT(wa_barrier_broken(b), 0);
    CHECK_MSG("wa_barrier_broken: the barrier was freed");
    return 0;
}

static wa_condition *shared_cond;
static wa_lock *shared_lock;

static int cond_waiter(void *arg) {
    (void)arg;
    int rc = wa_lock_acquire(wa_condition_lock(shared_cond));
    if (rc) return rc;
    return wa_condition_wait(shared_cond);   /* the condition goes meanwhile */
}

static int lock_waiter(void *arg) {
    (void)arg;
    return wa_lock_acquire(shared_lock);
}

static wa_queue *shared_queue;
static wa_barrier *shared_barrier;
static intptr_t got_item;
static size_t got_index;

static int queue_getter(void *arg) {
    (void)arg;
    return wa_queue_get(shared_queue, &got_item);
}

static int barrier_party(void *arg) {
    (void)arg;
    return wa_barrier_wait(shared_barrier, &got_index);
}

/* Tasks waiting on a primitive that is freed wake with WA_ESTATE and touch
 * it no more (the condition's own lock goes with it, unlocked or not). So
 * do tasks it already woke, when it is freed before they run. */
static int freed_under_waiters(void *arg) {
    (void)arg;
    shared_cond = wa_condition_new(NULL);
    shared_lock = wa_lock_new();
    CHECK_INT(wa_lock_acquire(shared_lock), 0);
    wa_task *t[2] = {wa_create_task(cond_waiter, NULL), wa_create_task(lock_waiter, NULL)};
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_condition_free(shared_cond), 0);
    CHECK_INT(wa_await(t[0]), WA_ESTATE);
    CHECK(strstr(wa_task_errmsg(t[0]), "condition was freed") != NULL);
    CHECK_INT(wa_lock_free(shared_lock), 0);
    CHECK_INT(wa_await(t[1]), WA_ESTATE);
    CHECK(strstr(wa_task_errmsg(t[1]), "lock was freed") != NULL);
    for (int i = 0; i < 2; i++) CHECK_INT(wa_task_release(t[i]), 0);

    /* A lock handed to a waiter that is cancelled before it runs would be
     * passed on: the lock is gone by then. */
    shared_lock = wa_lock_new();
    CHECK_INT(wa_lock_acquire(shared_lock), 0);
    t[0] = wa_create_task(lock_waiter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_lock_release(shared_lock), 0);   /* handed over */
    CHECK_INT(wa_task_cancel(t[0]), 1);
    CHECK_INT(wa_lock_free(shared_lock), 0);
    CHECK_INT(wa_await(t[0]), WA_ECANCELLED);
    CHECK_INT(wa_task_release(t[0]), 0);

    /* An item handed to a getter cancelled before it runs would go back
     * into the queue: the getter keeps it, the cancel comes after. */
    shared_queue = wa_queue_new(0);
    t[0] = wa_create_task(queue_getter, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_queue_put_nowait(shared_queue, 42), 0);
    CHECK_INT(wa_task_cancel(t[0]), 1);
    CHECK_INT(wa_queue_free(shared_queue), 0);
    CHECK_INT(wa_await(t[0]), WA_ECANCELLED);
    CHECK_INT(got_item, 42);
    CHECK_INT(wa_task_release(t[0]), 0);

    /* A barrier freed after it released a party that has not run yet. */
    shared_barrier = wa_barrier_new(2);
    t[0] = wa_create_task(barrier_party, NULL);
    CHECK_INT(wa_yield(), 0);
    size_t index = 9;
    CHECK_INT(wa_barrier_wait(shared_barrier, &index), 0);
    CHECK_INT(index, 1);
    CHECK_INT(wa_barrier_free(shared_barrier), 0);
    got_index = 9;
    CHECK_INT(wa_await(t[0]), 0);
    CHECK_INT(got_index, 0);
    CHECK_INT(wa_task_release(t[0]), 0);
    return 0;
}

static int before(intptr_t a, intptr_t b) { return a < b ? -1 : a > b; }

static int queues(void *arg) {
    (void)arg;
    wa_queue *qs[3] = {wa_queue_new(4), wa_lifo_queue_new(0), wa_priority_queue_new(2, before)};
    for (int i = 0; i < 3; i++) {
        wa_queue *q = qs[i];
        CHECK_INT(wa_queue_put_nowait(q, 7), 0);
        CHECK_INT(wa_queue_free(q), 0);
        CHECK_EINVAL(wa_queue_free(q), "wa_queue_free: the queue was freed");
        intptr_t item = 0;
        CHECK_EINVAL(wa_queue_put(q, 1), "wa_queue_put: the queue was freed");
        CHECK_EINVAL(wa_queue_put_nowait(q, 1), "wa_queue_put_nowait: the queue was freed");
        CHECK_EINVAL(wa_queue_get(q, &item), "wa_queue_get: the queue was freed");
        CHECK_EINVAL(wa_queue_get_nowait(q, &item), "wa_queue_get_nowait: the queue was freed");
        CHECK_EINVAL(wa_queue_task_done(q), "wa_queue_task_done: the queue was freed");
        CHECK_EINVAL(wa_queue_join(q), "wa_queue_join: the queue was freed");
        CHECK_EINVAL(wa_queue_shutdown(q, 1), "wa_queue_shutdown: the queue was freed");
        CHECK_INT(item, 0);
        /* Read as empty, unbounded, shut down: a drain loop ends. */
        CHECK_INT(wa_queue_qsize(q), 0);
        CHECK_MSG("wa_queue_qsize: the queue was freed");
        CHECK_INT(wa_queue_maxsize(q), 0);
        CHECK_INT(wa_queue_empty(q), 1);
        CHECK_MSG("wa_queue_empty: the queue was freed");
        CHECK_INT(wa_queue_full(q), 0);
        CHECK_INT(wa_queue_is_shut_down(q), 1);
        CHECK_MSG("wa_queue_is_shut_down: the queue was freed");
    }
    return 0;
}

static intptr_t counter(void *arg, intptr_t in) {
    (void)arg;
    for (intptr_t i = in;; i++) wa_coro_yield(i, NULL);
    return 0;
}

static int self_free_rc;

static intptr_t frees_itself(void *arg, intptr_t in) {
    (void)arg;
    (void)in;
    self_free_rc = wa_coro_free(wa_coro_running());   /* its own stack is in use */
    return 5;
}

static int coroutines(void *arg) {
    (void)arg;
    wa_coro *co = wa_coro_new(counter, NULL);
    intptr_t v = 0;
    CHECK_INT(wa_coro_resume(co, 3, &v), 1);
    CHECK_INT(wa_coro_free(co), 0);       /* suspended in its body: dropped there */
    CHECK_EINVAL(wa_coro_free(co), "wa_coro_free: the coroutine was freed");
    CHECK_EINVAL(wa_coro_resume(co, 0, &v), "wa_coro_resume: the coroutine was freed");
    CHECK_INT(wa_coro_status(co), WA_CORO_DEAD);
    CHECK_MSG("wa_coro_status: the coroutine was freed");
    CHECK_INT(v, 3);

    wa_gen *g = wa_gen_new(counter, NULL);
    CHECK_INT(wa_gen_next(g, &v), 1);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_EINVAL(wa_gen_free(g), "the coroutine was freed");
    CHECK_EINVAL(wa_gen_next(g, &v), "wa_coro_resume: the coroutine was freed");
    CHECK_EINVAL(wa_gen_send(g, 1, &v), "the coroutine was freed");

    co = wa_coro_new(frees_itself, NULL);
    CHECK_INT(wa_coro_resume(co, 0, &v), 0);
    CHECK_INT(self_free_rc, WA_EINVAL);
    CHECK_INT(v, 5);
    CHECK_INT(wa_coro_status(co), WA_CORO_DEAD);
    CHECK_INT(wa_coro_free(co), 0);       /* dead now: it may go */
    return 0;
}

static int calls;

static void count_call(void *arg) {
    (void)arg;
    calls++;
}

static int call_handles(void *arg) {
    (void)arg;
    calls = 0;
    wa_handle *pending, *ran;
    CHECK_INT(wa_loop_call_later(NULL, 0.001, count_call, NULL, &pending), 0);
    CHECK_INT(wa_loop_call_soon(NULL, count_call, NULL, &ran), 0);
    /* Released while the loop still holds the call: it runs, the handle is
     * the caller's no more. */
    CHECK_INT(wa_handle_release(pending), 0);
    CHECK_EINVAL(wa_handle_release(pending), "wa_handle_release: the handle was released");
    CHECK_EINVAL(wa_handle_cancel(pending), "wa_handle_cancel: the handle was released");
    CHECK_INT(wa_handle_cancelled(pending), 0);
    CHECK_MSG("wa_handle_cancelled: the handle was released");
    CHECK(isnan(wa_handle_when(pending)));
    CHECK_MSG("wa_handle_when: the handle was released");
    CHECK_INT(wa_sleep(0.005), 0);
    CHECK_INT(calls, 2);
    /* Released after it ran: its record is gone, and still recognised. */
    CHECK_INT(wa_handle_release(ran), 0);
    CHECK_EINVAL(wa_handle_release(ran), "wa_handle_release: the handle was released");
    CHECK_EINVAL(wa_handle_cancel(ran), "wa_handle_cancel: the handle was released");
    CHECK_EINVAL(wa_handle_release(pending), "wa_handle_release: the handle was released");
    return 0;
}

static int timeout_scopes(void *arg) {
    (void)arg;
    wa_timeout *tm;
    CHECK_INT(wa_timeout_enter(10, &tm), 0);
    CHECK_INT(wa_timeout_exit(tm, 0), 0);
    CHECK_INT(wa_timeout_free(tm), 0);
    CHECK_EINVAL(wa_timeout_free(tm), "wa_timeout_free: the timeout scope was freed");
    CHECK_EINVAL(wa_timeout_exit(tm, 0), "wa_timeout_exit: the timeout scope was freed");
    CHECK_EINVAL(wa_timeout_reschedule(tm, 1), "wa_timeout_reschedule: the timeout scope was freed");
    CHECK(isnan(wa_timeout_when(tm)));
    CHECK_MSG("wa_timeout_when: the timeout scope was freed");
    CHECK_INT(wa_timeout_expired(tm), 0);
    CHECK_MSG("wa_timeout_expired: the timeout scope was freed");
    /* Freed while open (its task closes it first). */
    CHECK_INT(wa_timeout_enter(10, &tm), 0);
    CHECK_INT(wa_timeout_free(tm), 0);
    CHECK_EINVAL(wa_timeout_free(tm), "the timeout scope was freed");
    CHECK_INT(wa_sleep(0), 0);            /* no deadline of it is left to fire */
    return 0;
}

static int napper(void *arg) { return wa_sleep((double)(intptr_t)arg / 1000); }

static wa_as_completed_iter *shared_it;

static int iterates(void *arg) {
    (void)arg;
    size_t index;
    return wa_as_completed_next(shared_it, &index);
}

static int as_completed_iterators(void *arg) {
    (void)arg;
    wa_task *t[2] = {wa_create_task(napper, (void *)1), wa_create_task(napper, (void *)50)};
    wa_as_completed_iter *it = wa_as_completed(t, 2, WA_FOREVER);
    size_t index = 9;
    CHECK_INT(wa_as_completed_next(it, &index), 1);
    CHECK_INT(wa_as_completed_free(it), 0);
    CHECK_EINVAL(wa_as_completed_free(it), "wa_as_completed_free: the as_completed iterator was freed");
    CHECK_EINVAL(wa_as_completed_next(it, &index), "wa_as_completed_next: the as_completed iterator was freed");
    /* Freed while another task waits in next: that task still holds the
     * record, and a second free is still refused. */
    shared_it = wa_as_completed(&t[1], 1, WA_FOREVER);   /* t[1] is still running */
    wa_task *iterator = wa_create_task(iterates, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_as_completed_free(shared_it), 0);
    CHECK_EINVAL(wa_as_completed_free(shared_it), "wa_as_completed_free: the as_completed iterator was freed");
    CHECK_EINVAL(wa_as_completed_next(shared_it, &index), "the as_completed iterator was freed");
    CHECK_INT(wa_await(iterator), WA_ECANCELLED);
    CHECK_EINVAL(wa_as_completed_free(shared_it), "the as_completed iterator was freed");
    CHECK_INT(wa_task_release(iterator), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(wa_await(t[i]), 0);
        CHECK_INT(wa_task_release(t[i]), 0);
    }
    return 0;
}

static int responses_sessions(void *arg) {
    (void)arg;
    wa_response *r;
    CHECK_INT(wa_fetch("data:,hello", NULL, &r), 0);
    CHECK_INT(wa_response_free(r), 0);
    CHECK_EINVAL(wa_response_free(r), "wa_response_free: the response was freed");
    char buf[8], *body = NULL;
    size_t got = 0;
    CHECK_EINVAL(wa_response_read(r, buf, sizeof buf, &got), "wa_response_read: the response was freed");
    CHECK_EINVAL(wa_response_read_all(r, &body, &got), "wa_response_read_all: the response was freed");
    CHECK(body == NULL);
    const char *name = NULL, *value = NULL;
    CHECK_EINVAL(wa_response_header_at(r, 0, &name, &value), "wa_response_header_at: the response was freed");
    CHECK_INT(wa_response_status(r), 0);
    CHECK_MSG("wa_response_status: the response was freed");
    CHECK(wa_response_url(r) == NULL);
    CHECK(wa_response_header(r, "content-type") == NULL);
    CHECK_MSG("wa_response_header: the response was freed");
    CHECK_INT(wa_response_header_count(r), 0);

    wa_session_options opts = {"data:", NULL, 2};
    wa_session *s = wa_session_new(&opts);
    CHECK(s != NULL);
    CHECK_INT(wa_session_fetch(s, "data:,x", NULL, &r), 0);
    CHECK_INT(wa_session_free(s), 0);
    CHECK_EINVAL(wa_session_free(s), "wa_session_free: the session was freed");
    CHECK_EINVAL(wa_session_fetch(s, "data:,y", NULL, &r), "wa_session_fetch: the session was freed");
    CHECK_INT(wa_response_read_all(r, &body, &got), 0);   /* the response outlives its session */
    CHECK(body && strcmp(body, "x") == 0);
    free(body);
    CHECK_INT(wa_response_free(r), 0);
    return 0;
}

static int twice(void *arg, intptr_t *result) {
    *result = 2 * (intptr_t)arg;
    return 0;
}

static int executors(void *arg) {
    (void)arg;
    wa_executor *ex = wa_executor_new(1);
    wa_future *f = wa_run_in_executor(ex, twice, (void *)21);
    CHECK_INT(wa_executor_free(ex), 0);   /* waits for the work */
    CHECK_EINVAL(wa_executor_free(ex), "wa_executor_free: the executor was freed");
    CHECK(wa_run_in_executor(ex, twice, NULL) == NULL);
    CHECK_MSG("wa_run_in_executor: the executor was freed");
    intptr_t v = 0;
    CHECK_INT(wa_await(f), 0);
    CHECK_INT(wa_future_result(f, &v), 0);
    CHECK_INT(v, 42);
    CHECK_INT(wa_future_release(f), 0);
    return 0;
}

/* A live object passed where another type is expected: one byte tells. */
static int wrong_types(void *arg) {
    (void)arg;
    wa_lock *l = wa_lock_new();
    wa_queue *q = wa_queue_new(0);
    wa_future *f = wa_future_new();
    wa_task *self = wa_current_task();
    intptr_t item;
    CHECK_EINVAL(wa_queue_get((wa_queue *)l, &item), "wa_queue_get: not a queue (it is a lock)");
    CHECK_EINVAL(wa_queue_free((wa_queue *)l), "wa_queue_free: not a queue (it is a lock)");
    CHECK_EINVAL(wa_lock_acquire((wa_lock *)q), "wa_lock_acquire: not a lock (it is a queue)");
    CHECK_EINVAL(wa_lock_release((wa_lock *)f), "wa_lock_release: not a lock (it is a future)");
    CHECK_EINVAL(wa_event_set((wa_event *)self), "wa_event_set: not an event (it is a task)");
    CHECK_EINVAL(wa_semaphore_release((wa_semaphore *)l), "not a semaphore (it is a lock)");
    CHECK_EINVAL(wa_barrier_abort((wa_barrier *)q), "not a barrier (it is a queue)");
    CHECK_EINVAL(wa_condition_notify((wa_condition *)l, 1), "not a condition (it is a lock)");
    CHECK_EINVAL(wa_coro_resume((wa_coro *)q, 0, NULL), "wa_coro_resume: not a coroutine (it is a queue)");
    CHECK_EINVAL(wa_handle_cancel((wa_handle *)l), "wa_handle_cancel: not a handle (it is a lock)");
    CHECK_EINVAL(wa_timeout_free((wa_timeout *)q), "wa_timeout_free: not a timeout scope (it is a queue)");
    CHECK_EINVAL(wa_response_free((wa_response *)l), "wa_response_free: not a response (it is a lock)");
    CHECK_EINVAL(wa_session_free((wa_session *)l), "wa_session_free: not a session (it is a lock)");
    CHECK_EINVAL(wa_executor_free((wa_executor *)q), "wa_executor_free: not an executor (it is a queue)");
    CHECK_EINVAL(wa_as_completed_free((wa_as_completed_iter *)l),
                 "wa_as_completed_free: not an as_completed iterator (it is a lock)");
    wa_future *shield = wa_shield(f);     /* a combiner, of another mode */
    CHECK_EINVAL(wa_as_completed_free((wa_as_completed_iter *)shield), "not an as_completed iterator");
    CHECK_INT(wa_queue_qsize((const wa_queue *)l), 0);
    CHECK_MSG("wa_queue_qsize: not a queue (it is a lock)");
    /* None of them was touched. */
    CHECK_INT(wa_lock_locked(l), 0);
    CHECK_INT(wa_queue_put_nowait(q, 1), 0);
    CHECK_INT(wa_queue_qsize(q), 1);
    CHECK_INT(wa_future_done(f), 0);
    CHECK_INT(wa_future_release(shield), 0);
    CHECK_INT(wa_future_release(f), 0);
    CHECK_INT(wa_queue_free(q), 0);
    CHECK_INT(wa_lock_free(l), 0);
    /* NULL is named as such, and freeing NULL stays a no-op. */
    CHECK_EINVAL(wa_lock_acquire(NULL), "wa_lock_acquire: the lock is NULL");
    CHECK_EINVAL(wa_queue_put_nowait(NULL, 1), "wa_queue_put_nowait: the queue is NULL");
    CHECK_INT(wa_lock_free(NULL), 0);
    CHECK_INT(wa_event_free(NULL), 0);
    CHECK_INT(wa_condition_free(NULL), 0);
    CHECK_INT(wa_semaphore_free(NULL), 0);
    CHECK_INT(wa_barrier_free(NULL), 0);
    CHECK_INT(wa_queue_free(NULL), 0);
    CHECK_INT(wa_coro_free(NULL), 0);
    CHECK_INT(wa_handle_release(NULL), 0);
    CHECK_INT(wa_timeout_free(NULL), 0);
    CHECK_INT(wa_as_completed_free(NULL), 0);
    CHECK_INT(wa_response_free(NULL), 0);
    CHECK_INT(wa_session_free(NULL), 0);
    CHECK_INT(wa_executor_free(NULL), 0);
    return 0;
}

/* Many more frees than the window keeps: the oldest records really go
 * (ASan's leak check sees the rest freed when the loop closes), and the
 * latest are still recognised. */
static int window_stays_bounded(void *arg) {
    (void)arg;
    enum { N = 3000 };
    void *last[4] = {0};
    for (int i = 0; i < N; i++) {
        switch (i % 4) {
        case 0: CHECK_INT(wa_lock_free(last[0] = wa_lock_new()), 0); break;
        case 1: CHECK_INT(wa_queue_free(last[1] = wa_queue_new(0)), 0); break;
        case 2: CHECK_INT(wa_coro_free(last[2] = wa_coro_new(counter, NULL)), 0); break;
        default: CHECK_INT(wa_future_release(last[3] = wa_future_new()), 0); break;
        }
    }
    CHECK_EINVAL(wa_lock_free(last[0]), "the lock was freed");
    CHECK_EINVAL(wa_queue_free(last[1]), "the queue was freed");
    CHECK_EINVAL(wa_coro_free(last[2]), "the coroutine was freed");
    CHECK_INT(wa_future_release(last[3]), WA_EINVAL);
    return 0;
}

/* With no loop running there is no window: objects are freed at once. */
static int outside_a_loop(void) {
    int failures = check_failures;
    wa_lock *l = wa_lock_new();
    wa_queue *q = wa_queue_new(0);
    wa_coro *co = wa_coro_new(counter, NULL);
    wa_executor *ex = wa_executor_new(1);
    CHECK_INT(wa_lock_free(l), 0);
    CHECK_INT(wa_queue_free(q), 0);
    CHECK_INT(wa_coro_free(co), 0);
    CHECK_INT(wa_executor_free(ex), 0);
    return check_failures == failures;
}

int main(void) {
    check_plan(13);
    run_case("locks, events, conditions: freed twice or used after free", locks_events_conditions, NULL, 0);
    run_case("semaphores, bounded semaphores, barriers: freed twice or used after free", semaphores_barriers, NULL, 0);
    run_case("tasks waiting on a freed primitive wake and touch it no more", freed_under_waiters, NULL, 0);
    run_case("queues (FIFO, LIFO, priority): freed twice or used after free", queues, NULL, 0);
    run_case("coroutines and generators: freed twice, used after free, freed while running", coroutines, NULL, 0);
    run_case("call handles: released twice or used after release", call_handles, NULL, 0);
    run_case("timeout scopes: freed twice or used after free", timeout_scopes, NULL, 0);
    run_case("as_completed iterators: freed twice or used after free", as_completed_iterators, NULL, 0);
    run_case("responses and sessions: freed twice or used after free", responses_sessions, NULL, 0);
    run_case("executors: freed twice or used after free", executors, NULL, 0);
    run_case("a handle of another type is refused, naming both types", wrong_types, NULL, 0);
    run_case("the window of freed records stays bounded", window_stays_bounded, NULL, 0);
    CASE("objects freed outside a running loop are freed at once", outside_a_loop);
    return check_exit();
}
