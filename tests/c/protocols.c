/* Async iterators and async context managers: next may await and ends with
 * a distinct return; exit runs on success, on errors and on cancellation. */
#include "check.h"

/* Counts from 1 to limit, sleeping a little before each item. */
typedef struct counter {
    int count, limit, fail_at;
} counter;

static int counter_next(void *self, intptr_t *item) {
    counter *c = self;
    int rc = wa_sleep(0.0002);
    if (rc) return rc;
    if (++c->count == c->fail_at) return wa_fail(WA_EIO, "broke at %d", c->count);
    if (c->count > c->limit) return 0;
    *item = c->count;
    return 1;
}

static int iteration(void *arg) {
    (void)arg;
    static counter c = {0, 5, 0};
    wa_aiter it = {counter_next, &c};
    int rc;
    for (intptr_t v = 0; (rc = wa_aiter_next(&it, &v)) == 1;) LOG("%d", (int)v);
    CHECK_INT(rc, 0);                     /* the end, not an error */
    CHECK_LOG("1 2 3 4 5");
    static counter d = {0, 5, 3};
    it.self = &d;
    for (intptr_t v = 0; (rc = wa_aiter_next(&it, &v)) == 1;) LOG("%d", (int)v);
    CHECK_INT(rc, WA_EIO);
    CHECK_LOG("1 2");
    return 0;
}

typedef struct resource {
    int entered, exited, exit_saw;
    int enter_fails;
} resource;

static int res_enter(void *self) {
    resource *r = self;
    int rc = wa_sleep(0.0005);            /* opening takes a while */
    if (rc) return rc;
    if (r->enter_fails) return wa_fail(WA_EIO, "cannot open");
    r->entered++;
    return 0;
}

static int res_exit(void *self, int rc) {
    resource *r = self;
    r->exit_saw = rc;
    CHECK_INT(wa_sleep(0.0005), 0);       /* closing awaits too, even after a cancel */
    r->exited++;
    return rc == WA_EIO ? 0 : rc;         /* swallows I/O errors, passes on the rest */
}

static const wa_async_cm res_cm = {res_enter, res_exit};

static int body_ok(void *self, void *arg) {
    (void)arg;
    CHECK_INT(((resource *)self)->entered, 1);
    return wa_sleep(0.0005);
}

static int body_fails(void *self, void *arg) {
    (void)self;
    return wa_fail((int)(intptr_t)arg, "the body failed");
}

static int body_sleeps(void *self, void *arg) {
    (void)self, (void)arg;
    return wa_sleep(10);
}

static resource cancelled_res;

static int cancellable(void *arg) {
    (void)arg;
    return wa_async_with(&res_cm, &cancelled_res, body_sleeps, NULL);
}

static int context_managers(void *arg) {
    (void)arg;
    static resource r;
    memset(&r, 0, sizeof r);
    CHECK_INT(wa_async_with(&res_cm, &r, body_ok, NULL), 0);
    CHECK(r.entered == 1 && r.exited == 1 && r.exit_saw == 0);
    memset(&r, 0, sizeof r);
    CHECK_INT(wa_async_with(&res_cm, &r, body_fails, (void *)(intptr_t)WA_EIO), 0);  /* swallowed */
    CHECK(r.exited == 1 && r.exit_saw == WA_EIO);
    memset(&r, 0, sizeof r);
    CHECK_INT(wa_async_with(&res_cm, &r, body_fails, (void *)(intptr_t)7), 7);       /* passed on */
    CHECK(r.exited == 1 && r.exit_saw == 7);
    memset(&r, 0, sizeof r);
    r.enter_fails = 1;
    CHECK_INT(wa_async_with(&res_cm, &r, body_ok, NULL), WA_EIO);                     /* no body, no exit */
    CHECK(r.entered == 0 && r.exited == 0);
    memset(&cancelled_res, 0, sizeof cancelled_res);
    wa_task *t = wa_create_task(cancellable, NULL);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK(cancelled_res.exited == 1 && cancelled_res.exit_saw == WA_ECANCELLED);
    wa_task_release(t);
    return 0;
}

int main(void) {
    check_plan(2);
    run_case("an async iterator ends with 0, or stops at an error", iteration, NULL, 0);
    run_case("an async context manager exits on every path", context_managers, NULL, 0);
    return check_exit();
}
