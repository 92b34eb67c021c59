/* One rule for bad arguments, checked on every function of the header: a
 * NULL handle or pointer, a handle whose object is gone (freed, or released
 * and its record retired), and an object of another type make a function
 * that returns an error code fail with WA_EINVAL, a constructor return NULL
 * and a getter return its documented neutral value, each with a message in
 * wa_errmsg() naming the function; nothing crashes (the ASan build would
 * report any read of freed memory). The JS bridge is checked on JS hosts. */
#include "check.h"

#include <math.h>

/* Sets a message that names none of the functions checked, so a check sees
 * the message of the call it makes, not one left over. */
static void reset(void) { (void)wa_coro_yield(0, NULL); }

static void expect(long long got, long long want, const char *fn, const char *expr, int line) {
    if (got != want) {
        check_failures++;
        printf("  failed bad_arguments.c:%d: %s is %lld, want %lld (wa_errmsg: \"%s\")\n", line, expr, got,
               want, wa_errmsg());
    } else if (fn && !strstr(wa_errmsg(), fn)) {
        check_failures++;
        printf("  failed bad_arguments.c:%d: %s said \"%s\", want a message naming %s\n", line, expr, wa_errmsg(),
               fn);
    }
}

/* call returns want; fn (or NULL: no message is promised) is named in wa_errmsg. */
#define GIVES(call, want, fn)                                                   \
    do {                                                                        \
        reset();                                                                \
        long long got_ = (long long)(call);                                     \
        expect(got_, (long long)(want), fn, #call, __LINE__);                   \
    } while (0)
#define EINVAL(call, fn) GIVES(call, WA_EINVAL, fn)
#define GIVES_NULL(call, fn)                                                    \
    do {                                                                        \
        reset();                                                                \
        const void *got_ = (const void *)(call);                                \
        expect(got_ != NULL, 0, fn, #call " != NULL", __LINE__);                \
    } while (0)
#define GIVES_STR(call, want, fn)                                               \
    do {                                                                        \
        reset();                                                                \
        const char *got_ = (call);                                              \
        expect(!got_ || strcmp(got_, want) != 0, 0, fn, #call " != \"" want "\"", __LINE__); \
    } while (0)
#define GIVES_NAN(call, fn)                                                     \
    do {                                                                        \
        reset();                                                                \
        double got_ = (call);                                                   \
        expect(!isnan(got_), 0, fn, "!isnan(" #call ")", __LINE__);             \
    } while (0)

/* An object of another type, cast as a compiler would not allow. */
#define AS(type, p) ((type *)(void *)(p))

static int noop(void *arg) {
    (void)arg;
    return 0;
}

static int sleeps(void *arg) {
    (void)arg;
    return wa_sleep(0.001);
}

static void callback(void *arg) { (void)arg; }

static void done_callback(wa_future *f, void *arg) {
    (void)f;
    (void)arg;
}

static int always(void *arg) {
    (void)arg;
    return 1;
}

static int work(void *arg, intptr_t *result) {
    (void)arg;
    *result = 7;
    return 0;
}

/* A task that ran, was released, and is gone: its record is in the loop's
 * window of retired ones. */
static wa_task *gone_task(void) {
    wa_task *t = wa_create_task(noop, NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_task_release(t), 0);
    return t;
}

static wa_future *gone_future(void) {
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_set_result(f, 1), 0);
    CHECK_INT(wa_future_release(f), 0);
    return f;
}

/* ------------------------------------------------------------------ tasks */

/* wa_fail through a pointer, which carries no format attribute: a NULL
 * format is what is checked. */
static int (*const fail_fn)(int, const char *, ...) = wa_fail;

static int fails_without_format(void *arg) {
    (void)arg;
    return fail_fn(WA_EIO, NULL);
}

static void drop_ptr(void *p) { (void)p; }

static int returns_each_kind(void *arg) {
    (void)arg;
    CHECK_INT(wa_return(1), 0);
    CHECK_INT(wa_return_i64(2), 0);
    CHECK_INT(wa_return_double(0.5), 0);
    CHECK_INT(wa_return_owned(NULL, NULL), 0);   /* NULL is a value like any other */
    CHECK_INT(wa_return_owned(NULL, drop_ptr), 0);
    return 0;
}

static int tasks(void *arg) {
    (void)arg;
    wa_lock *lock = wa_lock_new();
    wa_future *plain = wa_future_new();
    wa_task *bad[] = {NULL, gone_task(), AS(wa_task, lock), AS(wa_task, plain)};
    intptr_t v = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wa_task *t = bad[i];
        if (t) EINVAL(wa_task_release(t), "wa_task_release");
        EINVAL(wa_await_task(t), "wa_await_task");
        GIVES(wa_task_state(t), WA_PENDING, "wa_task_state");
        GIVES(wa_task_done(t), 0, "wa_task_done");
        GIVES_STR(wa_task_errmsg(t), "", "wa_task_errmsg");
        EINVAL(wa_task_cancel(t), "wa_task_cancel");
        GIVES_STR(wa_task_name(t), "", "wa_task_name");
        EINVAL(wa_task_set_name(t, "x"), "wa_task_set_name");
        EINVAL(wa_task_cancel_msg(t, "x"), "wa_task_cancel_msg");
        GIVES(wa_task_cancelling(t), 0, "wa_task_cancelling");
        EINVAL(wa_task_uncancel(t), "wa_task_uncancel");
        GIVES_NULL(wa_task_future(t), "wa_task_future");
        EINVAL(wa_task_result(t, &v), "wa_task_result");
        int64_t i64 = 0;
        double d = 0;
        void *p = NULL;
        EINVAL(wa_task_result_i64(t, &i64), "wa_task_result_i64");
        EINVAL(wa_task_result_double(t, &d), "wa_task_result_double");
        EINVAL(wa_task_take_result(t, &p), "wa_task_take_result");
    }
    CHECK_INT(wa_task_release(NULL), 0);

    /* A released task still running is only refused a second release. */
    wa_task *running = wa_create_task(sleeps, NULL);
    CHECK_INT(wa_task_release(running), 0);
    EINVAL(wa_task_release(running), "wa_task_release");
    CHECK(strstr(wa_errmsg(), "already released") != NULL);
    CHECK_INT(wa_task_state(running), WA_PENDING);   /* borrowed, as wa_all_tasks would give it */

    /* NULL arguments beside a good task. */
    wa_task *t = wa_create_task(noop, NULL);
    EINVAL(wa_task_set_name(t, NULL), "wa_task_set_name");
    EINVAL(wa_task_take_result(t, NULL), "wa_task_take_result");
    CHECK_INT(wa_task_cancel_msg(t, NULL), 1);       /* a NULL message is allowed */
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_INT(wa_task_release(t), 0);
    GIVES_NULL(wa_create_task(NULL, NULL), "wa_create_task");
    GIVES_NULL(wa_loop_create_task(NULL, NULL, NULL), "wa_loop_create_task");
    GIVES_NULL(wa_loop_create_task(AS(wa_loop, lock), noop, NULL), "wa_loop_create_task");
    CHECK(strstr(wa_errmsg(), "not a loop (it is a lock)") != NULL);
    EINVAL(wa_run(NULL, NULL), "wa_run");
    EINVAL(wa_run(noop, NULL), "wa_run");            /* a loop already runs */
    CHECK(wa_all_tasks(NULL, 0) >= 2);               /* this task and the sleeper */
    GIVES(wa_all_tasks(NULL, 4), 0, "wa_all_tasks");
    CHECK(wa_current_task() != NULL);

    /* No pointers, or pointers that may be NULL. */
    CHECK(strcmp(wa_strerror(12345), "unknown error") == 0);
    CHECK(wa_errmsg() != NULL);
    wa_task *failing = wa_create_task(fails_without_format, NULL);
    CHECK_INT(wa_await(failing), WA_EIO);
    CHECK(strcmp(wa_task_errmsg(failing), wa_strerror(WA_EIO)) == 0);
    CHECK_INT(wa_task_release(failing), 0);
    wa_task *returner = wa_create_task(returns_each_kind, NULL);
    CHECK_INT(wa_await(returner), 0);
    void *taken = &taken;
    CHECK_INT(wa_task_take_result(returner, &taken), 0);
    CHECK(taken == NULL);
    CHECK_INT(wa_task_release(returner), 0);
    EINVAL(wa_sleep(NAN), "wa_sleep");
    EINVAL(wa_sleep_until(NAN), "wa_sleep_until");
    CHECK_INT(wa_yield(), 0);
    CHECK(wa_time() >= 0);
    CHECK_INT(wa_lock_free(lock), 0);
    CHECK_INT(wa_future_release(plain), 0);
    return 0;
}

/* ---------------------------------------------------------------- futures */

static int futures(void *arg) {
    (void)arg;
    wa_lock *lock = wa_lock_new();
    wa_future *bad[] = {NULL, gone_future(), AS(wa_future, lock)};
    intptr_t v = 0;
    int64_t i64 = 0;
    double d = 0;
    void *p = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wa_future *f = bad[i];
        if (f) EINVAL(wa_future_release(f), "wa_future_release");
        EINVAL(wa_future_set_result(f, 1), "wa_future_set_result");
        EINVAL(wa_future_result(f, &v), "wa_future_result");
        EINVAL(wa_future_set_result_i64(f, 1), "wa_future_set_result_i64");
        EINVAL(wa_future_set_result_double(f, 1), "wa_future_set_result_double");
        EINVAL(wa_future_set_result_owned(f, NULL, NULL), "wa_future_set_result_owned");
        EINVAL(wa_future_set_error(f, WA_EIO, "x"), "wa_future_set_error");
        EINVAL(wa_future_cancel(f), "wa_future_cancel");
        EINVAL(wa_future_cancel_msg(f, "x"), "wa_future_cancel_msg");
        GIVES(wa_future_done(f), 0, "wa_future_done");
        GIVES(wa_future_state(f), WA_PENDING, "wa_future_state");
        EINVAL(wa_future_result_i64(f, &i64), "wa_future_result_i64");
        EINVAL(wa_future_result_double(f, &d), "wa_future_result_double");
        EINVAL(wa_future_take_result(f, &p), "wa_future_take_result");
        GIVES_STR(wa_future_errmsg(f), "", "wa_future_errmsg");
        EINVAL(wa_await_future(f), "wa_await_future");
        EINVAL(wa_future_add_done_callback(f, done_callback, NULL), "wa_future_add_done_callback");
        EINVAL(wa_future_remove_done_callback(f, done_callback, NULL), "wa_future_remove_done_callback");
    }
    CHECK(strstr(wa_errmsg(), "not a future (it is a lock)") != NULL);
    CHECK_INT(wa_future_release(NULL), 0);

    /* NULL arguments beside a good future. */
    wa_future *f = wa_future_new();
    EINVAL(wa_future_add_done_callback(f, NULL, NULL), "wa_future_add_done_callback");
    EINVAL(wa_future_remove_done_callback(f, NULL, NULL), "wa_future_remove_done_callback");
    EINVAL(wa_future_set_error(f, 0, NULL), "wa_future_set_error");
    EINVAL(wa_future_take_result(f, NULL), "wa_future_take_result");
    CHECK_INT(wa_future_set_error(f, WA_EIO, NULL), 0);  /* a NULL message is allowed */
    CHECK_INT(wa_future_result(f, NULL), WA_EIO);        /* and so is a NULL value */
    CHECK_INT(wa_future_release(f), 0);
    f = wa_future_new();
    CHECK_INT(wa_future_cancel_msg(f, NULL), 1);
    CHECK_INT(wa_future_release(f), 0);
    f = wa_future_new();
    CHECK_INT(wa_future_set_result_owned(f, NULL, NULL), 0);
    CHECK_INT(wa_future_release(f), 0);
    EINVAL(wa_await_future(wa_task_future(wa_current_task())), "wa_await_future");
    CHECK(strstr(wa_errmsg(), "awaits itself") != NULL);
    CHECK_INT(wa_lock_free(lock), 0);
    return 0;
}

/* ------------------------------------------------------- combining awaits */

static int combining(void *arg) {
    (void)arg;
    wa_lock *lock = wa_lock_new();
    wa_task *good = wa_create_task(noop, NULL);
    wa_future *plain = wa_future_new();
    wa_task *bad_tasks[] = {NULL, gone_task(), AS(wa_task, lock), AS(wa_task, plain)};
    wa_future *bad_futures[] = {NULL, gone_future(), AS(wa_future, lock)};
    int codes[2];
    size_t index;
    EINVAL(wa_gather_tasks(NULL, 2, NULL, NULL, 0), "wa_gather_tasks");
    EINVAL(wa_gather_futures(NULL, 2, NULL, NULL, 0), "wa_gather_futures");
    EINVAL(wa_gather_tasks(&good, 1, NULL, NULL, WA_RETURN_EXCEPTIONS), "wa_gather_tasks");
    EINVAL(wa_wait_tasks(NULL, 0, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_tasks");
    EINVAL(wa_wait_tasks(NULL, 1, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_tasks");
    EINVAL(wa_wait_futures(NULL, 1, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_futures");
    GIVES_NULL(wa_as_completed_tasks(NULL, 1, WA_FOREVER), "wa_as_completed_tasks");
    GIVES_NULL(wa_as_completed_futures(NULL, 1, WA_FOREVER), "wa_as_completed_futures");
    wa_task **no_tasks = NULL;           /* the macros pick the function by the array's type */
    wa_future **no_futures = NULL;
    EINVAL(wa_gather(no_tasks, 1, NULL, NULL, 0), "wa_gather_tasks");
    EINVAL(wa_wait(no_futures, 1, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_futures");
    GIVES_NULL(wa_as_completed(no_tasks, 1, WA_FOREVER), "wa_as_completed_tasks");
    for (size_t i = 0; i < sizeof bad_tasks / sizeof *bad_tasks; i++) {
        wa_task *two[2] = {good, bad_tasks[i]};
        EINVAL(wa_gather_tasks(two, 2, NULL, codes, WA_RETURN_EXCEPTIONS), "wa_gather_tasks");
        CHECK(strstr(wa_errmsg(), "element 1") != NULL);
        EINVAL(wa_wait_tasks(two, 2, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_tasks");
        GIVES_NULL(wa_as_completed_tasks(two, 2, WA_FOREVER), "wa_as_completed_tasks");
    }
    for (size_t i = 0; i < sizeof bad_futures / sizeof *bad_futures; i++) {
        wa_future *two[2] = {plain, bad_futures[i]};
        EINVAL(wa_gather_futures(two, 2, NULL, NULL, 0), "wa_gather_futures");
        CHECK(strstr(wa_errmsg(), "element 1") != NULL);
        EINVAL(wa_wait_futures(two, 2, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL), "wa_wait_futures");
        GIVES_NULL(wa_as_completed_futures(two, 2, WA_FOREVER), "wa_as_completed_futures");
        EINVAL(wa_wait_for(bad_futures[i], WA_FOREVER), "wa_wait_for");
        EINVAL(wa_wait_for(bad_futures[i], 1), "wa_wait_for");
        GIVES_NULL(wa_shield(bad_futures[i]), "wa_shield");
    }

    /* Iterators: NULL, freed, another object, a NULL index. */
    wa_as_completed_iter *it = wa_as_completed_tasks(&good, 1, WA_FOREVER);
    EINVAL(wa_as_completed_next(it, NULL), "wa_as_completed_next");
    CHECK_INT(wa_as_completed_free(it), 0);
    wa_future *shield = wa_shield(plain);
    wa_as_completed_iter *bad_its[] = {NULL, it, AS(wa_as_completed_iter, lock), AS(wa_as_completed_iter, shield)};
    for (size_t i = 0; i < sizeof bad_its / sizeof *bad_its; i++) {
        EINVAL(wa_as_completed_next(bad_its[i], &index), "wa_as_completed_next");
        if (bad_its[i]) EINVAL(wa_as_completed_free(bad_its[i]), "wa_as_completed_free");
    }
    CHECK_INT(wa_as_completed_free(NULL), 0);
    CHECK_INT(wa_future_release(shield), 0);
    CHECK_INT(wa_await(good), 0);
    CHECK_INT(wa_task_release(good), 0);
    CHECK_INT(wa_future_release(plain), 0);
    CHECK_INT(wa_lock_free(lock), 0);
    return 0;
}

/* ------------------------------------------------ timeouts and task groups */

static int scopes(void *arg) {
    (void)arg;
    wa_lock *lock = wa_lock_new();
    EINVAL(wa_timeout_enter(1, NULL), "wa_timeout_enter");
    EINVAL(wa_timeout_enter_at(1, NULL), "wa_timeout_enter_at");
    wa_timeout *gone;
    CHECK_INT(wa_timeout_enter(WA_FOREVER, &gone), 0);
    CHECK_INT(wa_timeout_exit(gone, 0), 0);
    CHECK_INT(wa_timeout_free(gone), 0);
    wa_timeout *bad[] = {NULL, gone, AS(wa_timeout, lock)};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        EINVAL(wa_timeout_reschedule(bad[i], 1), "wa_timeout_reschedule");
        GIVES_NAN(wa_timeout_when(bad[i]), "wa_timeout_when");
        GIVES(wa_timeout_expired(bad[i]), 0, "wa_timeout_expired");
        EINVAL(wa_timeout_exit(bad[i], 0), "wa_timeout_exit");
        if (bad[i]) EINVAL(wa_timeout_free(bad[i]), "wa_timeout_free");
    }
    CHECK_INT(wa_timeout_free(NULL), 0);

    EINVAL(wa_task_group_enter(NULL), "wa_task_group_enter");
    wa_task_group *g;
    CHECK_INT(wa_task_group_enter(&g), 0);
    GIVES_NULL(wa_task_group_create_task(g, NULL, NULL), "wa_task_group_create_task");
    CHECK_INT(wa_task_group_exit(g, 0), 0);          /* g is freed */
    wa_task_group *bad_groups[] = {NULL, g, AS(wa_task_group, lock)};
    for (size_t i = 0; i < sizeof bad_groups / sizeof *bad_groups; i++) {
        GIVES_NULL(wa_task_group_create_task(bad_groups[i], noop, NULL), "wa_task_group_create_task");
        EINVAL(wa_task_group_exit(bad_groups[i], 0), "wa_task_group_exit");
    }
    CHECK(strstr(wa_errmsg(), "not a task group (it is a lock)") != NULL);
    EINVAL(wa_lock_acquire(AS(wa_lock, g)), "wa_lock_acquire");   /* a freed group read as a lock */
    CHECK_INT(wa_lock_free(lock), 0);
    return 0;
}

/* -------------------------------------------------------- synchronisation */

static int synchronisation(void *arg) {
    (void)arg;
    wa_queue *other = wa_queue_new(0);
    wa_lock *gone_lock = wa_lock_new();
    CHECK_INT(wa_lock_free(gone_lock), 0);
    wa_lock *bad_locks[] = {NULL, gone_lock, AS(wa_lock, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_lock *l = bad_locks[i];
        if (l) EINVAL(wa_lock_free(l), "wa_lock_free");
        EINVAL(wa_lock_acquire(l), "wa_lock_acquire");
        EINVAL(wa_lock_release(l), "wa_lock_release");
        GIVES(wa_lock_locked(l), 0, "wa_lock_locked");
        if (l) GIVES_NULL(wa_condition_new(l), "wa_condition_new");   /* NULL: a lock of its own */
    }
    CHECK_INT(wa_lock_free(NULL), 0);

    wa_event *gone_event = wa_event_new();
    CHECK_INT(wa_event_free(gone_event), 0);
    wa_event *bad_events[] = {NULL, gone_event, AS(wa_event, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_event *e = bad_events[i];
        if (e) EINVAL(wa_event_free(e), "wa_event_free");
        EINVAL(wa_event_wait(e), "wa_event_wait");
        EINVAL(wa_event_set(e), "wa_event_set");
        EINVAL(wa_event_clear(e), "wa_event_clear");
        GIVES(wa_event_is_set(e), 0, "wa_event_is_set");
    }
    CHECK_INT(wa_event_free(NULL), 0);

    wa_condition *c = wa_condition_new(NULL);
    EINVAL(wa_condition_wait_for(c, NULL, NULL), "wa_condition_wait_for");
    CHECK_INT(wa_condition_free(c), 0);
    wa_condition *bad_conditions[] = {NULL, c, AS(wa_condition, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_condition *b = bad_conditions[i];
        if (b) EINVAL(wa_condition_free(b), "wa_condition_free");
        GIVES_NULL(wa_condition_lock(b), "wa_condition_lock");
        EINVAL(wa_condition_wait(b), "wa_condition_wait");
        EINVAL(wa_condition_wait_for(b, always, NULL), "wa_condition_wait_for");
        EINVAL(wa_condition_notify(b, 1), "wa_condition_notify");
        EINVAL(wa_condition_notify_all(b), "wa_condition_notify");
    }
    CHECK_INT(wa_condition_free(NULL), 0);

    wa_semaphore *s = wa_semaphore_new(1), *bounded = wa_bounded_semaphore_new(1);
    CHECK_INT(wa_semaphore_free(s), 0);
    wa_semaphore *bad_semaphores[] = {NULL, s, AS(wa_semaphore, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_semaphore *b = bad_semaphores[i];
        if (b) EINVAL(wa_semaphore_free(b), "wa_semaphore_free");
        EINVAL(wa_semaphore_acquire(b), "wa_semaphore_acquire");
        EINVAL(wa_semaphore_release(b), "wa_semaphore_release");
        GIVES(wa_semaphore_locked(b), 0, "wa_semaphore_locked");
        GIVES(wa_semaphore_value(b), 0, "wa_semaphore_value");
    }
    CHECK_INT(wa_semaphore_free(NULL), 0);
    CHECK_INT(wa_semaphore_free(bounded), 0);

    GIVES_NULL(wa_barrier_new(0), "wa_barrier_new");
    wa_barrier *b = wa_barrier_new(2);
    CHECK_INT(wa_barrier_free(b), 0);
    wa_barrier *bad_barriers[] = {NULL, b, AS(wa_barrier, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_barrier *x = bad_barriers[i];
        if (x) EINVAL(wa_barrier_free(x), "wa_barrier_free");
        EINVAL(wa_barrier_wait(x, NULL), "wa_barrier_wait");
        EINVAL(wa_barrier_reset(x), "wa_barrier_reset");
        EINVAL(wa_barrier_abort(x), "wa_barrier_abort");
        GIVES(wa_barrier_parties(x), 0, "wa_barrier_parties");
        GIVES(wa_barrier_n_waiting(x), 0, "wa_barrier_n_waiting");
        GIVES(wa_barrier_broken(x), 0, "wa_barrier_broken");
    }
    CHECK_INT(wa_barrier_free(NULL), 0);
    CHECK_INT(wa_queue_free(other), 0);
    return 0;
}

/* ----------------------------------------------------------------- queues */

static int queues(void *arg) {
    (void)arg;
    wa_lock *other = wa_lock_new();
    GIVES_NULL(wa_priority_queue_new(0, NULL), "wa_priority_queue_new");
    wa_queue *q = wa_queue_new(1), *lifo = wa_lifo_queue_new(0);
    intptr_t item;
    EINVAL(wa_queue_get(q, NULL), "wa_queue_get");
    EINVAL(wa_queue_get_nowait(q, NULL), "wa_queue_get_nowait");
    CHECK_INT(wa_queue_free(q), 0);
    wa_queue *bad[] = {NULL, q, AS(wa_queue, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_queue *x = bad[i];
        if (x) EINVAL(wa_queue_free(x), "wa_queue_free");
        EINVAL(wa_queue_put(x, 1), "wa_queue_put");
        EINVAL(wa_queue_put_nowait(x, 1), "wa_queue_put_nowait");
        EINVAL(wa_queue_get(x, &item), "wa_queue_get");
        EINVAL(wa_queue_get_nowait(x, &item), "wa_queue_get_nowait");
        EINVAL(wa_queue_task_done(x), "wa_queue_task_done");
        EINVAL(wa_queue_join(x), "wa_queue_join");
        EINVAL(wa_queue_shutdown(x, 1), "wa_queue_shutdown");
        GIVES(wa_queue_qsize(x), 0, "wa_queue_qsize");
        GIVES(wa_queue_maxsize(x), 0, "wa_queue_maxsize");
        GIVES(wa_queue_empty(x), 1, "wa_queue_empty");   /* a bad queue reads empty and shut down */
        GIVES(wa_queue_full(x), 0, "wa_queue_full");
        GIVES(wa_queue_is_shut_down(x), 1, "wa_queue_is_shut_down");
    }
    CHECK_INT(wa_queue_free(NULL), 0);
    CHECK_INT(wa_queue_free(lifo), 0);
    CHECK_INT(wa_lock_free(other), 0);
    return 0;
}

/* ---------------------------------------------- coroutines and generators */

static intptr_t yields_twice(void *arg, intptr_t in) {
    (void)arg;
    CHECK_INT(wa_coro_yield(in, NULL), 0);     /* in may be NULL */
    CHECK_INT(wa_gen_yield(in + 1, NULL), 0);  /* and so may sent */
    CHECK(wa_coro_running() != NULL);
    return in + 2;
}

static int coroutines(void *arg) {
    (void)arg;
    wa_lock *other = wa_lock_new();
    GIVES_NULL(wa_coro_new(NULL, NULL), "wa_coro_new");
    GIVES_NULL(wa_gen_new(NULL, NULL), "wa_coro_new");
    wa_coro *co = wa_coro_new(yields_twice, NULL);
    CHECK_INT(wa_coro_resume(co, 5, NULL), 1);  /* out may be NULL */
    wa_gen *g = wa_gen_new(yields_twice, NULL);
    intptr_t v = 0;
    CHECK_INT(wa_gen_next(g, &v), 1);
    CHECK_INT(wa_gen_send(g, 9, NULL), 1);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK_INT(wa_coro_free(co), 0);
    CHECK(wa_coro_running() == NULL);
    wa_coro *bad[] = {NULL, co, AS(wa_coro, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_coro *x = bad[i];
        if (x) EINVAL(wa_coro_free(x), "wa_coro_free");
        if (x) EINVAL(wa_gen_free(x), "wa_coro_free");
        EINVAL(wa_coro_resume(x, 0, &v), "wa_coro_resume");
        EINVAL(wa_gen_next(x, &v), "wa_coro_resume");
        EINVAL(wa_gen_send(x, 0, &v), "wa_coro_resume");
        GIVES(wa_coro_status(x), WA_CORO_DEAD, "wa_coro_status");
    }
    CHECK_INT(wa_coro_free(NULL), 0);
    CHECK_INT(wa_gen_free(NULL), 0);
    CHECK_INT(wa_lock_free(other), 0);
    return 0;
}

/* ------------------------------------------- executors, descriptors, HTTP */

static int io(void *arg) {
    (void)arg;
    wa_lock *other = wa_lock_new();
    wa_executor *ex = wa_executor_new(1);
    CHECK_INT(wa_executor_free(ex), 0);
    wa_executor *bad_executors[] = {ex, AS(wa_executor, other)};
    for (size_t i = 0; i < 2; i++) {
        EINVAL(wa_executor_free(bad_executors[i]), "wa_executor_free");
        GIVES_NULL(wa_run_in_executor(bad_executors[i], work, NULL), "wa_run_in_executor");
    }
    CHECK_INT(wa_executor_free(NULL), 0);
    GIVES_NULL(wa_run_in_executor(NULL, NULL, NULL), "wa_run_in_executor");
    EINVAL(wa_to_thread(NULL, NULL, NULL), "wa_to_thread");
    CHECK_INT(wa_to_thread(work, NULL, NULL), 0);  /* result may be NULL */
    CHECK(wa_executor_has_threads() == 0 || wa_executor_has_threads() == 1);

    char buf[8];
    size_t got;
    EINVAL(wa_read(-1, buf, sizeof buf, &got), "wa_read");
    EINVAL(wa_read(0, NULL, sizeof buf, &got), "wa_read");
    EINVAL(wa_read(0, buf, sizeof buf, NULL), "wa_read");

    wa_response *r;
    EINVAL(wa_fetch(NULL, NULL, &r), "wa_fetch");
    EINVAL(wa_fetch("data:,hello", NULL, NULL), "wa_fetch");
    CHECK_INT(wa_fetch("data:,hello", NULL, &r), 0);    /* opts may be NULL */
    GIVES_NULL(wa_response_header(r, NULL), "wa_response_header");
    CHECK_INT(wa_response_header_at(r, 0, NULL, NULL), 0);  /* name and value may be NULL */
    EINVAL(wa_response_read(r, NULL, sizeof buf, &got), "wa_response_read");
    EINVAL(wa_response_read(r, buf, sizeof buf, NULL), "wa_response_read");
    EINVAL(wa_response_read_all(r, NULL, NULL), "wa_response_read_all");
    char *body = NULL;
    CHECK_INT(wa_response_read_all(r, &body, NULL), 0);  /* len may be NULL */
    CHECK(body && strcmp(body, "hello") == 0);
    free(body);
    CHECK_INT(wa_response_free(r), 0);
    wa_response *bad_responses[] = {NULL, r, AS(wa_response, other)};
    for (size_t i = 0; i < 3; i++) {
        wa_response *x = bad_responses[i];
        const char *name, *value;
        if (x) EINVAL(wa_response_free(x), "wa_response_free");
        GIVES(wa_response_status(x), 0, "wa_response_status");
        GIVES_NULL(wa_response_url(x), "wa_response_url");
        GIVES_NULL(wa_response_header(x, "content-type"), "wa_response_header");
        GIVES(wa_response_header_count(x), 0, "wa_response_header_count");
        EINVAL(wa_response_header_at(x, 0, &name, &value), "wa_response_header_at");
        EINVAL(wa_response_read(x, buf, sizeof buf, &got), "wa_response_read");
        EINVAL(wa_response_read_all(x, &body, NULL), "wa_response_read_all");
    }
    CHECK_INT(wa_response_free(NULL), 0);

    wa_session *s = wa_session_new(NULL);   /* opts may be NULL */
    CHECK(s != NULL);
    EINVAL(wa_session_fetch(s, NULL, NULL, &r), "wa_session_fetch");
    EINVAL(wa_session_fetch(s, "data:,x", NULL, NULL), "wa_session_fetch");
    CHECK_INT(wa_session_free(s), 0);
    wa_session *bad_sessions[] = {NULL, s, AS(wa_session, other)};
    for (size_t i = 0; i < 3; i++) {
        if (bad_sessions[i]) EINVAL(wa_session_free(bad_sessions[i]), "wa_session_free");
        EINVAL(wa_session_fetch(bad_sessions[i], "data:,x", NULL, &r), "wa_session_fetch");
    }
    CHECK_INT(wa_session_free(NULL), 0);
    CHECK_INT(wa_lock_free(other), 0);
    return 0;
}

/* -------------------------------------------------------------- protocols */

static int next_item(void *self, intptr_t *item) {
    (void)self;
    if (item) *item = 1;
    return 1;
}

static int enter(void *self) {
    (void)self;
    return 0;
}

static int leave(void *self, int rc) {
    (void)self;
    return rc;
}

static int body(void *self, void *arg) {
    (void)self;
    (void)arg;
    return 3;
}

static int protocols(void *arg) {
    (void)arg;
    const wa_aiter empty = {NULL, NULL}, good = {next_item, NULL};
    intptr_t item;
    EINVAL(wa_aiter_next(NULL, &item), "wa_aiter_next");
    EINVAL(wa_aiter_next(&empty, &item), "wa_aiter_next");
    CHECK_INT(wa_aiter_next(&good, NULL), 1);   /* item goes to next as it is */
    const wa_async_cm cm = {enter, leave}, no_exit = {enter, NULL};
    EINVAL(wa_async_with(NULL, NULL, body, NULL), "wa_async_with");
    EINVAL(wa_async_with(&no_exit, NULL, body, NULL), "wa_async_with");
    EINVAL(wa_async_with(&cm, NULL, NULL, NULL), "wa_async_with");
    CHECK_INT(wa_async_with(&cm, NULL, body, NULL), 3);  /* self and arg may be NULL */
    return 0;
}

/* ----------------------------------------------- loops, handles, debug */

static wa_loop *spare;                   /* made in a task, closed after the run */

static int loops(void *arg) {
    (void)arg;
    wa_lock *other = wa_lock_new();
    wa_loop *running = wa_running_loop();
    CHECK(running != NULL);
    spare = wa_loop_new();
    CHECK(spare != NULL);
    wa_future *f = wa_future_new();
    wa_loop *bad[] = {NULL, AS(wa_loop, other)};
    for (size_t i = 0; i < 2; i++) {
        wa_loop *l = bad[i];
        EINVAL(wa_loop_run_until_complete(l, f), "wa_loop_run_until_complete");
        EINVAL(wa_loop_run_forever(l), "wa_loop_run_forever");
        EINVAL(wa_loop_stop(l), "wa_loop_stop");
        GIVES(wa_loop_is_running(l), 0, "wa_loop_is_running");
        EINVAL(wa_loop_close(l), "wa_loop_close");
    }
    /* NULL is the running loop for these; another object is refused. */
    CHECK(!isnan(wa_loop_time(NULL)));
    GIVES_NAN(wa_loop_time(AS(wa_loop, other)), "wa_loop_time");
    EINVAL(wa_loop_call_soon(AS(wa_loop, other), callback, NULL, NULL), "wa_loop_call_soon");
    EINVAL(wa_loop_call_later(AS(wa_loop, other), 1, callback, NULL, NULL), "wa_loop_call_later");
    EINVAL(wa_loop_call_at(AS(wa_loop, other), 1, callback, NULL, NULL), "wa_loop_call_at");
    EINVAL(wa_loop_set_debug(AS(wa_loop, other), 0), "wa_loop_set_debug");
    GIVES(wa_loop_get_debug(AS(wa_loop, other)), 0, "wa_loop_get_debug");
    GIVES_NULL(wa_loop_dump_tasks(AS(wa_loop, other)), "wa_loop_dump_tasks");
    EINVAL(wa_lock_acquire(AS(wa_lock, running)), "wa_lock_acquire");
    CHECK(strstr(wa_errmsg(), "not a lock (it is a loop)") != NULL);

    EINVAL(wa_loop_run_until_complete(running, NULL), "wa_loop_run_until_complete");
    EINVAL(wa_loop_run_until_complete(running, gone_future()), "wa_loop_run_until_complete");
    EINVAL(wa_loop_run_until_complete(running, AS(wa_future, other)), "wa_loop_run_until_complete");
    EINVAL(wa_loop_run_until_complete(spare, f), "wa_loop_run_until_complete");  /* f is the running loop's */
    CHECK(strstr(wa_errmsg(), "another loop") != NULL);
    EINVAL(wa_loop_run_until_complete(running, f), "wa_loop_run_until_complete");  /* it runs already */

    EINVAL(wa_loop_call_soon(NULL, NULL, NULL, NULL), "wa_loop_call_soon");
    EINVAL(wa_loop_call_later(NULL, NAN, callback, NULL, NULL), "wa_loop_call_later");
    EINVAL(wa_loop_call_later(NULL, 1, NULL, NULL, NULL), "wa_loop_call_later");
    EINVAL(wa_loop_call_at(NULL, NAN, callback, NULL, NULL), "wa_loop_call_at");
    EINVAL(wa_loop_call_at(NULL, 1, NULL, NULL, NULL), "wa_loop_call_at");
    wa_handle *h;
    CHECK_INT(wa_loop_call_later(NULL, 10, callback, NULL, &h), 0);
    CHECK_INT(wa_handle_cancel(h), 1);
    CHECK_INT(wa_handle_release(h), 0);
    wa_handle *bad_handles[] = {NULL, h, AS(wa_handle, other)};
    for (size_t i = 0; i < 3; i++) {
        EINVAL(wa_handle_cancel(bad_handles[i]), "wa_handle_cancel");
        GIVES(wa_handle_cancelled(bad_handles[i]), 0, "wa_handle_cancelled");
        GIVES_NAN(wa_handle_when(bad_handles[i]), "wa_handle_when");
        if (bad_handles[i]) EINVAL(wa_handle_release(bad_handles[i]), "wa_handle_release");
    }
    CHECK_INT(wa_handle_release(NULL), 0);

    int debug = wa_loop_get_debug(NULL);
    CHECK_INT(wa_loop_set_debug(NULL, debug), 0);
    char *json = wa_loop_dump_tasks(NULL);
    CHECK(json != NULL);
    free(json);
    wa_debug_site(NULL, 0);              /* no site for the next object */
    EINVAL(wa_loop_get_stats(NULL, NULL), "wa_loop_get_stats");
    CHECK_INT(wa_future_release(f), 0);
    CHECK_INT(wa_lock_free(other), 0);
    return 0;
}

/* Calls that need a loop, made while none runs; and a loop driven by hand. */
static int outside_loops(void) {
    int before = check_failures;
    wa_stats stats;
    GIVES_NULL(wa_create_task(noop, NULL), "wa_create_task");
    GIVES_NULL(wa_loop_create_task(NULL, noop, NULL), "wa_loop_create_task");
    GIVES_NULL(wa_future_new(), "wa_future_new");
    GIVES_NULL(wa_as_completed_tasks(NULL, 0, WA_FOREVER), "wa_as_completed_tasks");
    GIVES_NULL(wa_session_new(NULL), "wa_session_new");
    GIVES_NULL(wa_run_in_executor(NULL, work, NULL), "wa_run_in_executor");
    EINVAL(wa_loop_call_soon(NULL, callback, NULL, NULL), "wa_loop_call_soon");
    EINVAL(wa_loop_set_debug(NULL, 1), "wa_loop_set_debug");
    GIVES(wa_loop_get_debug(NULL), 0, "wa_loop_get_debug");
    GIVES_NULL(wa_loop_dump_tasks(NULL), "wa_loop_dump_tasks");
    EINVAL(wa_loop_get_stats(NULL, &stats), "wa_loop_get_stats");
    CHECK(wa_all_tasks(NULL, 0) == 0);
    CHECK(wa_running_loop() == NULL);
    GIVES(wa_task_state(NULL), WA_PENDING, "wa_task_state");
    EINVAL(wa_loop_close(NULL), "wa_loop_close");

    wa_loop *loop = wa_loop_new();
    CHECK(loop != NULL);
    GIVES_NULL(wa_loop_create_task(loop, NULL, NULL), "wa_loop_create_task");
    EINVAL(wa_loop_run_until_complete(loop, NULL), "wa_loop_run_until_complete");
    wa_task *t = wa_loop_create_task(loop, noop, NULL);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(t)), 0);
    CHECK_INT(wa_task_release(t), 0);
    CHECK_INT(wa_loop_close(loop), 0);
    return check_failures == before;
}

/* -------------------------------------------------------------- JS bridge */

#ifdef __EMSCRIPTEN__
static int js_bridge(void *arg) {
    (void)arg;
    wa_js_handle h = 0;
    wa_js_value v;
    wa_js_value_free(NULL);
    EINVAL(wa_js_call(NULL, NULL, 0, &h), "wa_js_call");
    EINVAL(wa_js_call("f", NULL, 0, NULL), "wa_js_call");
    EINVAL(wa_js_call("f", NULL, 1, &h), "wa_js_call");
    wa_js_value args[3] = {wa_js_number(1), wa_js_string(NULL), wa_js_bytes(NULL, 3)};
    EINVAL(wa_js_call("f", args, 3, &h), "wa_js_call");    /* bytes at address 0 */
    CHECK_INT(args[1].len, 0);
    EINVAL(wa_await_js(0, &v), "wa_await_js");
    EINVAL(wa_await_js(12345, &v), "wa_await_js");          /* never made (or released) */
    EINVAL(wa_await_js(1, NULL), "wa_await_js");
    reset();
    wa_js_release(0);                    /* ignored, as free(NULL) */
    CHECK(strstr(wa_errmsg(), "wa_js_release") == NULL);
    wa_js_release(12345);
    CHECK(strstr(wa_errmsg(), "wa_js_release") != NULL);
    return 0;
}
#define JS_CASES 1
#else
#define JS_CASES 0
#endif

static int echo(wa_stream *s, void *arg) {
    (void)s, (void)arg;
    return 0;
}

static int answer(wa_http_request *req, wa_http_response *res, void *arg) {
    (void)req, (void)res, (void)arg;
    return 0;
}

/* The HTTP server's functions, with NULL and another object (a lock) for
 * each handle; requests and responses live only inside a handler. */
static void http_server_arguments(wa_lock *other) {
    wa_http_server *bad_servers[] = {NULL, AS(wa_http_server, other)};
    for (size_t i = 0; i < 2; i++) {
        GIVES(wa_http_server_port(bad_servers[i]), 0, "wa_http_server_port");
        GIVES(wa_http_server_connections(bad_servers[i]), 0, "wa_http_server_connections");
        EINVAL(wa_http_server_close(bad_servers[i]), "wa_http_server_close");
        EINVAL(wa_http_server_wait_closed(bad_servers[i]), "wa_http_server_wait_closed");
        EINVAL(wa_http_server_serve_forever(bad_servers[i]), "wa_http_server_serve_forever");
    }
    CHECK_INT(wa_http_server_free(NULL), 0);
    EINVAL(wa_http_server_free(AS(wa_http_server, other)), "wa_http_server_free");
    wa_http_server *srv = AS(wa_http_server, other);
    EINVAL(wa_http_serve("127.0.0.1", 0, NULL, NULL, NULL, &srv), "wa_http_serve");
    CHECK(srv == NULL);
    EINVAL(wa_http_serve("127.0.0.1", 0, answer, NULL, NULL, NULL), "wa_http_serve");
    wa_http_server_options opts = {0};
    opts.idle_timeout = -1;
    EINVAL(wa_http_serve("127.0.0.1", 0, answer, NULL, &opts, &srv), "wa_http_serve");

    wa_http_request *bad_requests[] = {NULL, AS(wa_http_request, other)};
    char buf[8];
    size_t got, len;
    const char *body, *name, *value;
    for (size_t i = 0; i < 2; i++) {
        wa_http_request *req = bad_requests[i];
        GIVES_STR(wa_http_request_method(req), "", "wa_http_request_method");
        GIVES_STR(wa_http_request_target(req), "", "wa_http_request_target");
        GIVES_STR(wa_http_request_path(req), "", "wa_http_request_path");
        GIVES_STR(wa_http_request_query(req), "", "wa_http_request_query");
        GIVES(wa_http_request_version(req), 0, "wa_http_request_version");
        GIVES_NULL(wa_http_request_header(req, "host"), "wa_http_request_header");
        GIVES(wa_http_request_header_count(req), 0, "wa_http_request_header_count");
        EINVAL(wa_http_request_header_at(req, 0, &name, &value), "wa_http_request_header_at");
        GIVES(wa_http_request_content_length(req), -1, "wa_http_request_content_length");
        EINVAL(wa_http_request_read(req, buf, sizeof buf, &got), "wa_http_request_read");
        EINVAL(wa_http_request_body(req, &body, &len), "wa_http_request_body");
    }
    wa_http_response *bad_responses[] = {NULL, AS(wa_http_response, other)};
    for (size_t i = 0; i < 2; i++) {
        wa_http_response *res = bad_responses[i];
        EINVAL(wa_http_response_header(res, "X-A", "b"), "wa_http_response_header");
        EINVAL(wa_http_respond(res, 200, NULL, "x", 1), "wa_http_respond");
        EINVAL(wa_http_response_start(res, 200, NULL), "wa_http_response_start");
        EINVAL(wa_http_response_write(res, "x", 1), "wa_http_response_write");
        EINVAL(wa_http_response_end(res), "wa_http_response_end");
    }
}

static int streams(void *arg) {
    (void)arg;
    wa_lock *other = wa_lock_new();
    wa_stream *bad_streams[] = {NULL, AS(wa_stream, other)};
    char buf[8], addr[64];
    size_t got;
    int port;
    for (size_t i = 0; i < 2; i++) {
        wa_stream *s = bad_streams[i];
        EINVAL(wa_stream_read(s, buf, sizeof buf, &got), "wa_stream_read");
        EINVAL(wa_stream_readexactly(s, buf, 1), "wa_stream_readexactly");
        EINVAL(wa_stream_readuntil(s, "\n", 1, buf, sizeof buf, &got), "wa_stream_readuntil");
        EINVAL(wa_stream_readline(s, buf, sizeof buf, &got), "wa_stream_readline");
        GIVES(wa_stream_buffered(s), 0, "wa_stream_buffered");
        GIVES(wa_stream_at_eof(s), 0, "wa_stream_at_eof");
        EINVAL(wa_stream_write(s, "x", 1), "wa_stream_write");
        GIVES(wa_stream_write_buffered(s), 0, "wa_stream_write_buffered");
        EINVAL(wa_stream_drain(s), "wa_stream_drain");
        EINVAL(wa_stream_set_limits(s, 1, 2, 1), "wa_stream_set_limits");
        EINVAL(wa_stream_write_eof(s), "wa_stream_write_eof");
        EINVAL(wa_stream_close(s), "wa_stream_close");
        EINVAL(wa_stream_wait_closed(s), "wa_stream_wait_closed");
        EINVAL(wa_stream_address(s, 1, addr, sizeof addr, &port), "wa_stream_address");
    }
    CHECK_INT(wa_stream_free(NULL), 0);
    EINVAL(wa_stream_free(AS(wa_stream, other)), "wa_stream_free");
    wa_stream *s = AS(wa_stream, other);
    EINVAL(wa_open_connection(NULL, 80, 0, &s), "wa_open_connection");
    CHECK(s == NULL);                    /* *out is NULL on failure */
    EINVAL(wa_open_connection("127.0.0.1", -1, 0, &s), "wa_open_connection");
    EINVAL(wa_open_connection("127.0.0.1", 80, 0, NULL), "wa_open_connection");

    wa_server *bad_servers[] = {NULL, AS(wa_server, other)};
    for (size_t i = 0; i < 2; i++) {
        GIVES(wa_server_port(bad_servers[i]), 0, "wa_server_port");
        GIVES(wa_server_connections(bad_servers[i]), 0, "wa_server_connections");
        EINVAL(wa_server_close(bad_servers[i]), "wa_server_close");
        EINVAL(wa_server_wait_closed(bad_servers[i]), "wa_server_wait_closed");
        EINVAL(wa_server_serve_forever(bad_servers[i]), "wa_server_serve_forever");
    }
    CHECK_INT(wa_server_free(NULL), 0);
    EINVAL(wa_server_free(AS(wa_server, other)), "wa_server_free");
    wa_server *srv = AS(wa_server, other);
    EINVAL(wa_start_server(NULL, NULL, "127.0.0.1", 0, 0, &srv), "wa_start_server");
    CHECK(srv == NULL);
    EINVAL(wa_start_server(echo, NULL, "127.0.0.1", 65536, 0, &srv), "wa_start_server");
    EINVAL(wa_start_server(echo, NULL, "127.0.0.1", 0, 0, NULL), "wa_start_server");
    http_server_arguments(other);
    wa_lock_free(other);
    return 0;
}

int main(void) {
    check_plan(12 + JS_CASES);
    run_case("tasks: NULL, released and foreign handles", tasks, NULL, 0);
    run_case("futures: NULL, released and foreign handles", futures, NULL, 0);
    run_case("gather, wait, wait_for, shield, as_completed", combining, NULL, 0);
    run_case("timeout scopes and task groups", scopes, NULL, 0);
    run_case("locks, events, conditions, semaphores, barriers", synchronisation, NULL, 0);
    run_case("queues", queues, NULL, 0);
    run_case("coroutines and generators", coroutines, NULL, 0);
    run_case("executors, wa_read, fetch, responses, sessions", io, NULL, 0);
    run_case("async iterators and context managers", protocols, NULL, 0);
    run_case("loops, call handles, debug, stats", loops, NULL, 0);
    run_case("streams and servers", streams, NULL, 0);
    CHECK_INT(wa_loop_close(spare), 0);
    CASE("calls that need a loop, outside one", outside_loops);
#ifdef __EMSCRIPTEN__
    run_case("the JS bridge", js_bridge, NULL, 0);
#endif
    return check_exit();
}
