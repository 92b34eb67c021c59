/* wa_wait_for and timeout scopes: expiry, cleanup before the timeout is
 * reported, a result that beats or loses the race with the deadline, nested
 * scopes, rescheduling, and cancellations that are not the scope's own. */
#include "check.h"

static int cleaned_up;

/* Sleeps arg ms and returns arg; on cancellation sleeps 2 ms more to clean up. */
static int worker(void *arg) {
    intptr_t ms = (intptr_t)arg;
    int rc = wa_sleep((double)ms / 1000.0);
    if (rc) {
        CHECK_INT(wa_sleep(0.002), 0);
        cleaned_up = 1;
        LOG("worker cancelled");
        return rc;
    }
    return wa_return(ms);
}

static int wait_for_in_time(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(worker, (void *)2);
    CHECK_INT(wa_wait_for(wa_task_future(t), 1.0), 0);
    intptr_t v = 0;
    CHECK_INT(wa_task_result(t, &v), 0);
    CHECK_INT(v, 2);
    CHECK_INT(wa_task_cancelling(wa_current_task()), 0);
    wa_task_release(t);
    return 0;
}

static int wait_for_times_out(void *arg) {
    (void)arg;
    cleaned_up = 0;
    wa_task *t = wa_create_task(worker, (void *)5000);
    double start = wa_time();
    CHECK_INT(wa_wait_for(wa_task_future(t), 0.01), WA_ETIMEDOUT);
    double took = wa_time() - start;
    CHECK(took >= 0.012 && took < 0.5);   /* 10 ms, then the 2 ms cleanup */
    CHECK(cleaned_up);                    /* waited for the cancelled task to end */
    CHECK_INT(wa_task_state(t), WA_CANCELLED);
    CHECK_LOG("worker cancelled");
    CHECK_INT(wa_task_cancelling(wa_current_task()), 0);  /* its cancellation was withdrawn */
    CHECK_INT(wa_sleep(0.001), 0);        /* and nothing is left pending on this task */
    wa_task_release(t);
    return 0;
}

static int stubborn(void *arg) {
    (void)arg;
    int rc = wa_sleep(5);
    LOG("stubborn=%d", rc);
    return wa_return(7);                  /* finishes despite the cancellation */
}

static int wait_for_outcome_wins(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(stubborn, NULL);
    CHECK_INT(wa_wait_for(wa_task_future(t), 0.005), 0);
    intptr_t v = 0;
    CHECK_INT(wa_task_result(t, &v), 0);
    CHECK_INT(v, 7);
    CHECK_LOG("stubborn=-1");
    wa_task_release(t);
    return 0;
}

static wa_future *gate;

static void open_gate(void *arg) {
    (void)arg;
    wa_future_set_result(gate, 5);
}

static int wait_for_futures(void *arg) {
    (void)arg;
    gate = wa_future_new();
    CHECK_INT(wa_wait_for(gate, 0.005), WA_ETIMEDOUT);
    CHECK_INT(wa_future_state(gate), WA_CANCELLED);
    wa_future_release(gate);

    gate = wa_future_new();
    CHECK_INT(wa_future_set_result(gate, 3), 0);
    CHECK_INT(wa_wait_for(gate, 0), 0);  /* already done: a zero timeout still returns it */
    CHECK_INT(wa_wait_for(gate, -1), 0);
    wa_future_release(gate);

    gate = wa_future_new();
    CHECK_INT(wa_wait_for(gate, 0), WA_ETIMEDOUT);
    wa_future_release(gate);

    gate = wa_future_new();
    CHECK_INT(wa_loop_call_later(NULL, 0.002, open_gate, NULL, NULL), 0);
    CHECK_INT(wa_wait_for(gate, WA_FOREVER), 0);
    CHECK_INT(wa_wait_for(NULL, 1), WA_EINVAL);
    CHECK_INT(wa_wait_for(gate, NAN), WA_EINVAL);
    wa_future_release(gate);
    return 0;
}

static void hog_loop(void *arg) {
    double until = *(const double *)arg;
    while (wa_time() < until) {
    }
}

/* The gate opens, then the loop is held past the deadline: at the next round
 * the waiting task's wake-up was queued before the deadline came due, so the
 * result wins, as in asyncio. A gate opening after the deadline's round loses. */
static int completion_racing_the_deadline(void *arg) {
    (void)arg;
    static double hog_until;
    gate = wa_future_new();
    hog_until = wa_time() + 0.1;
    CHECK_INT(wa_loop_call_soon(NULL, open_gate, NULL, NULL), 0);
    CHECK_INT(wa_loop_call_soon(NULL, hog_loop, &hog_until, NULL), 0);
    CHECK_INT(wa_wait_for(gate, 0.05), 0);
    wa_future_release(gate);

    gate = wa_future_new();
    hog_until = wa_time() + 0.03;
    wa_handle *late;
    CHECK_INT(wa_loop_call_soon(NULL, hog_loop, &hog_until, NULL), 0);
    CHECK_INT(wa_loop_call_later(NULL, 0.01, open_gate, NULL, &late), 0);
    CHECK_INT(wa_wait_for(gate, 0.008), WA_ETIMEDOUT);
    CHECK_INT(wa_future_state(gate), WA_CANCELLED);
    wa_handle_cancel(late);               /* it would set the gate after it is freed */
    wa_handle_release(late);
    wa_future_release(gate);
    return 0;
}

static int scope_expires(void *arg) {
    (void)arg;
    wa_timeout *tm;
    double start = wa_time();
    CHECK_INT(wa_timeout_enter(0.01, &tm), 0);
    CHECK(wa_timeout_when(tm) >= start + 0.01 && wa_timeout_when(tm) < start + 0.02);
    CHECK(!wa_timeout_expired(tm));
    int rc = wa_sleep(0.001);             /* the block: two awaits */
    if (rc == 0) rc = wa_sleep(5);
    CHECK_INT(rc, WA_ECANCELLED);
    CHECK(wa_timeout_expired(tm));
    CHECK_INT(wa_timeout_exit(tm, rc), WA_ETIMEDOUT);
    CHECK(wa_timeout_expired(tm));        /* readable after exit, as asyncio's */
    CHECK_INT(wa_timeout_reschedule(tm, WA_FOREVER), WA_ESTATE);
    CHECK(strstr(wa_errmsg(), "exited") != NULL);
    CHECK_INT(wa_timeout_exit(tm, 0), WA_EINVAL);
    CHECK_INT(wa_timeout_free(tm), 0);
    CHECK(wa_time() - start < 0.5);
    CHECK_INT(wa_timeout_enter(WA_FOREVER, &tm), 0);
    CHECK(wa_timeout_when(tm) == WA_FOREVER);
    CHECK_INT(wa_timeout_exit(tm, wa_sleep(0.001)), 0);
    CHECK_INT(wa_timeout_free(tm), 0);
    double past = wa_time() - 1;
    CHECK_INT(wa_timeout_enter_at(past, &tm), 0);  /* already past */
    CHECK(wa_timeout_when(tm) == past);   /* the deadline given, not now */
    CHECK_INT(wa_timeout_exit(tm, wa_sleep(1)), WA_ETIMEDOUT);
    CHECK_INT(wa_timeout_free(tm), 0);
    double before = wa_time();
    CHECK_INT(wa_timeout_enter(-0.5, &tm), 0);     /* a negative delay: also past */
    CHECK(wa_timeout_when(tm) <= before - 0.5 + 0.05 && wa_timeout_when(tm) >= before - 0.5);
    CHECK_INT(wa_timeout_exit(tm, wa_sleep(1)), WA_ETIMEDOUT);
    CHECK(wa_timeout_expired(tm));
    CHECK_INT(wa_timeout_free(tm), 0);
    /* Freeing an open scope closes it; its expiry's cancellation goes too. */
    CHECK_INT(wa_timeout_enter(0, &tm), 0);
    CHECK_INT(wa_sleep(0.001), WA_ECANCELLED);
    CHECK_INT(wa_timeout_free(tm), 0);
    CHECK_INT(wa_task_cancelling(wa_current_task()), 0);
    CHECK_INT(wa_sleep(0.001), 0);
    CHECK_INT(wa_timeout_free(NULL), 0);
    return 0;
}

static int nested_scopes(void *arg) {
    (void)arg;
    wa_timeout *outer, *inner;
    /* The inner deadline passes first: only the inner scope times out. */
    CHECK_INT(wa_timeout_enter(1.0, &outer), 0);
    CHECK_INT(wa_timeout_enter(0.005, &inner), 0);
    CHECK_INT(wa_timeout_exit(inner, wa_sleep(5)), WA_ETIMEDOUT);
    CHECK_INT(wa_timeout_free(inner), 0);
    CHECK_INT(wa_timeout_exit(outer, wa_sleep(0.001)), 0);
    CHECK_INT(wa_timeout_free(outer), 0);
    /* The outer one passes first: the inner scope passes the cancellation on. */
    CHECK_INT(wa_timeout_enter(0.005, &outer), 0);
    CHECK_INT(wa_timeout_enter(1.0, &inner), 0);
    int rc = wa_sleep(5);
    CHECK(!wa_timeout_expired(inner) && wa_timeout_expired(outer));
    rc = wa_timeout_exit(inner, rc);
    CHECK_INT(wa_timeout_free(inner), 0);
    CHECK_INT(rc, WA_ECANCELLED);
    CHECK_INT(wa_timeout_exit(outer, rc), WA_ETIMEDOUT);
    CHECK_INT(wa_timeout_free(outer), 0);
    /* Misuse: exiting out of order, NULL. */
    CHECK_INT(wa_timeout_enter(1.0, &outer), 0);
    CHECK_INT(wa_timeout_enter(1.0, &inner), 0);
    CHECK_INT(wa_timeout_exit(outer, 0), WA_EINVAL);
    CHECK_INT(wa_timeout_free(outer), WA_EINVAL);  /* open, and not the innermost */
    CHECK_INT(wa_timeout_exit(NULL, 0), WA_EINVAL);
    CHECK_INT(wa_timeout_enter(1.0, NULL), WA_EINVAL);
    CHECK_INT(wa_timeout_enter(NAN, &inner), WA_EINVAL);
    CHECK_INT(wa_timeout_exit(inner, 0), 0);
    CHECK_INT(wa_timeout_free(inner), 0);
    CHECK_INT(wa_timeout_exit(outer, 0), 0);
    CHECK_INT(wa_timeout_free(outer), 0);
    CHECK_INT(wa_task_cancelling(wa_current_task()), 0);
    return 0;
}

static int rescheduled(void *arg) {
    (void)arg;
    wa_timeout *tm;
    CHECK_INT(wa_timeout_enter(0.005, &tm), 0);
    CHECK_INT(wa_timeout_reschedule(tm, wa_time() + 0.03), 0);  /* later: survives 10 ms */
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK_INT(wa_timeout_reschedule(tm, WA_FOREVER), 0);         /* never */
    CHECK_INT(wa_sleep(0.03), 0);
    CHECK_INT(wa_timeout_reschedule(tm, wa_time() + 0.002), 0);  /* sooner */
    int rc = wa_sleep(1);
    CHECK_INT(rc, WA_ECANCELLED);
    CHECK_INT(wa_timeout_reschedule(tm, WA_FOREVER), WA_ESTATE); /* too late */
    CHECK_INT(wa_timeout_reschedule(tm, NAN), WA_EINVAL);
    CHECK_INT(wa_timeout_exit(tm, rc), WA_ETIMEDOUT);
    CHECK_INT(wa_timeout_free(tm), 0);
    return 0;
}

static int scoped_sleeper(void *arg) {
    (void)arg;
    wa_timeout *tm;
    CHECK_INT(wa_timeout_enter(0.02, &tm), 0);
    int rc = wa_sleep(5);
    if (rc) LOG("cleanup=%d", wa_sleep(0.1));  /* the deadline passes meanwhile */
    rc = wa_timeout_exit(tm, rc);
    CHECK_INT(wa_timeout_free(tm), 0);
    LOG("scoped=%d", rc);
    return rc;
}

/* A cancellation from outside is not turned into a timeout, even if the
 * deadline passes while the task cleans up. */
static int outside_cancel_stays_cancel(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(scoped_sleeper, NULL);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_LOG("cleanup=-1 scoped=-1");
    wa_task_release(t);
    return 0;
}

static wa_timeout *left_open;

static int forgets_to_exit(void *arg) {
    (void)arg;
    CHECK_INT(wa_timeout_enter(0.001, &left_open), 0);
    return 0;                             /* the scope is closed with the task */
}

static int wrong_task_exit_target;
static wa_timeout *foreign;

static int exits_anothers(void *arg) {
    (void)arg;
    wrong_task_exit_target = wa_timeout_exit(foreign, 0);
    return 0;
}

static int scope_misuse(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(forgets_to_exit, NULL);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    CHECK_INT(wa_sleep(0.002), 0);       /* past its deadline: closed, so it never fired */
    CHECK(!wa_timeout_expired(left_open));
    CHECK_INT(wa_timeout_reschedule(left_open, wa_time()), WA_ESTATE);
    CHECK_INT(wa_timeout_free(left_open), 0);
    CHECK_INT(wa_timeout_enter(1.0, &foreign), 0);
    t = wa_create_task(exits_anothers, NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wrong_task_exit_target, WA_EINVAL);
    CHECK_INT(wa_timeout_exit(foreign, 0), 0);
    CHECK_INT(wa_timeout_free(foreign), 0);
    wa_task_release(t);
    CHECK_INT(wa_sleep(0.002), 0);       /* no stray cancellation arrives */
    return 0;
}

int main(void) {
    check_plan(10);
    wa_timeout *tm;
    CHECK_INT(wa_timeout_enter(1, &tm), WA_ENOTASK);
    CHECK_INT(wa_wait_for(NULL, 1), WA_ENOTASK);
    run_case("wait_for returns the result in time", wait_for_in_time, NULL, 0);
    run_case("wait_for cancels on timeout and waits for the cleanup", wait_for_times_out, NULL, 0);
    run_case("wait_for returns the outcome if the task finishes anyway", wait_for_outcome_wins, NULL, 0);
    run_case("wait_for on futures, zero and infinite timeouts", wait_for_futures, NULL, 0);
    run_case("a completion racing the deadline", completion_racing_the_deadline, NULL, 0);
    run_case("a timeout scope expires over several awaits", scope_expires, NULL, 0);
    run_case("nested scopes", nested_scopes, NULL, 0);
    run_case("a scope rescheduled later, never, sooner", rescheduled, NULL, 0);
    run_case("a cancellation from outside stays a cancellation", outside_cancel_stays_cancel, NULL, 0);
    run_case("scopes left open or exited by another task", scope_misuse, NULL, 0);
    return check_exit();
}
