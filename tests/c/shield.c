/* wa_shield: the inner work survives cancellation of the outer await, and
 * the shield passes the inner outcome through otherwise. */
#include "check.h"

static int finished_work;

static int work(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = wa_sleep((double)ms / 1000.0);
    LOG("work=%d", rc);
    if (rc) return rc;
    finished_work = 1;
    return ms == 3 ? wa_fail(WA_EIO, "work failed") : wa_return(ms);
}

static wa_task *inner;
static wa_future *gate;                  /* holds the shielded work until the test opens it */

static int gated_work(void *arg) {
    (void)arg;
    int rc = wa_await_future(gate);
    LOG("work=%d", rc);
    if (rc) return rc;
    finished_work = 1;
    return 0;
}

static int shielded_await(void *arg) {
    (void)arg;
    wa_future *outer = wa_shield(wa_task_future(inner));
    int rc = wa_await(outer);
    LOG("outer=%d", rc);
    wa_future_release(outer);
    return rc;
}

static int survives_cancellation(void *arg) {
    (void)arg;
    finished_work = 0;
    gate = wa_future_new();
    inner = wa_create_task(gated_work, NULL);
    wa_task *t = wa_create_task(shielded_await, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("outer=-1");
    CHECK_INT(wa_task_state(inner), WA_PENDING);  /* the work goes on */
    wa_future_set_result(gate, 0);
    CHECK_INT(wa_await(inner), 0);
    CHECK(finished_work);
    CHECK_LOG("work=0");
    wa_task_release(inner);
    wa_task_release(t);
    wa_future_release(gate);
    return 0;
}

static int passes_outcomes_through(void *arg) {
    (void)arg;
    inner = wa_create_task(work, (void *)2);
    wa_future *outer = wa_shield(wa_task_future(inner));
    wa_task_release(inner);               /* the shield keeps what it needs */
    CHECK_INT(wa_await(outer), 0);
    intptr_t v = 0;
    CHECK_INT(wa_future_result(outer, &v), 0);
    CHECK_INT(v, 2);
    wa_future_release(outer);

    inner = wa_create_task(work, (void *)3);
    outer = wa_shield(wa_task_future(inner));
    CHECK_INT(wa_await(outer), WA_EIO);
    CHECK(strcmp(wa_errmsg(), "work failed") == 0);
    CHECK_INT(wa_future_cancel(outer), 0);
    wa_future_release(outer);
    wa_task_release(inner);

    /* The inner one cancelled: so is the shield. */
    inner = wa_create_task(work, (void *)50);
    outer = wa_shield(wa_task_future(inner));
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(inner), 1);
    CHECK_INT(wa_await(outer), WA_ECANCELLED);
    CHECK_INT(wa_future_state(outer), WA_CANCELLED);
    wa_future_release(outer);
    wa_task_release(inner);

    /* Already done: the shield is done at once. */
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_set_result(f, 8), 0);
    outer = wa_shield(f);
    CHECK(wa_future_done(outer));
    CHECK_INT(wa_future_result(outer, &v), 0);
    CHECK_INT(v, 8);
    wa_future_release(outer);
    wa_future_release(f);

    /* Freeing a pending shield cancels the shield only. */
    f = wa_future_new();
    outer = wa_shield(f);
    wa_future_release(outer);
    CHECK_INT(wa_future_state(f), WA_PENDING);
    CHECK_INT(wa_future_set_result(f, 1), 0);
    wa_future_release(f);
    CHECK(wa_shield(NULL) == NULL);
    CHECK_LOG("work=0 work=0 work=-1");
    return 0;
}

int main(void) {
    check_plan(2);
    run_case("the shielded work survives cancelling its awaiter", survives_cancellation, NULL, 0);
    run_case("results, errors and cancellation pass through", passes_outcomes_through, NULL, 0);
    return check_exit();
}
