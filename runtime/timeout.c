/* Timeout scopes (asyncio.timeout) and wa_wait_for, which is one scope
 * around one await. When a scope's deadline passes, its task is cancelled;
 * leaving the scope turns the WA_ECANCELLED that caused into WA_ETIMEDOUT,
 * unless someone else cancelled the task too. */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

struct wa_timeout {
    wa__deadline deadline;               /* cancels the task when it expires */
    wa_task *task;                       /* the task that opened the scope */
    wa_timeout *outer;                   /* the scope this one is nested in, or NULL */
    double when;                         /* the deadline in loop seconds, or WA_FOREVER */
    int32_t cancelling_at_enter;         /* the task's cancellation count on entry */
    uint8_t expired;                     /* the deadline passed and the task was cancelled */
};

#define TIMEOUT_OF(d) ((wa_timeout *)((char *)(d) - offsetof(wa_timeout, deadline)))

static void expire(wa__deadline *d, int deferred) {
    wa_timeout *tm = TIMEOUT_OF(d);
    const wa_future *on = tm->task->waiting_on;
    if (!deferred && on && on->state != WA_PENDING) {
        wa__deadline_defer(d);           /* a result woke the task first: it wins the race */
        return;
    }
    tm->expired = 1;
    wa__task_request_cancel(tm->task, NULL);
}

static int arm(wa_timeout *tm, double when) {
    tm->when = when;
    if (when == WA_FOREVER) {
        wa__deadline_disarm(tm->task->fut.loop, &tm->deadline);
        return 0;
    }
    return wa__deadline_arm(tm->task->fut.loop, &tm->deadline, wa__deadline_ns(when));
}

int wa_timeout_enter_at(double when, wa_timeout **out) {
    wa_task *t = wa__running("wa_timeout_enter");
    if (!t) return WA_ENOTASK;
    if (!out || isnan(when)) return wa__error(WA_EINVAL, out ? "timeout at NaN" : "wa_timeout_enter: out is NULL");
    wa_timeout *tm = wa__calloc(1, sizeof *tm);
    if (!tm) return wa__error(WA_ENOMEM, NULL);
    tm->task = t;
    tm->deadline.expire = expire;
    tm->cancelling_at_enter = t->cancel_requests;
    if (arm(tm, when)) {
        free(tm);
        return WA_ENOMEM;
    }
    tm->outer = t->timeouts;
    t->timeouts = tm;
    *out = tm;
    return 0;
}

int wa_timeout_enter(double delay, wa_timeout **out) {
    if (isnan(delay)) return wa__error(WA_EINVAL, "timeout of NaN seconds");
    return wa_timeout_enter_at(delay == WA_FOREVER ? WA_FOREVER : wa_time() + (delay > 0 ? delay : 0), out);
}

int wa_timeout_reschedule(wa_timeout *tm, double when) {
    if (!tm || isnan(when)) return wa__error(WA_EINVAL, tm ? "reschedule to NaN" : "timeout is NULL");
    if (tm->expired) return wa__error(WA_ESTATE, "the timeout has already expired");
    return arm(tm, when);
}

double wa_timeout_when(const wa_timeout *tm) { return tm->when; }

int wa_timeout_expired(const wa_timeout *tm) { return tm->expired; }

int wa_timeout_exit(wa_timeout *tm, int rc) {
    wa_task *t = wa__running("wa_timeout_exit");
    if (!t) return WA_ENOTASK;
    if (!tm || tm->task != t || t->timeouts != tm)
        return wa__error(WA_EINVAL, !tm ? "timeout is NULL"
                                    : tm->task != t ? "a timeout scope must be exited by the task that opened it"
                                                    : "timeout scopes must be exited innermost first");
    wa__deadline_disarm(t->fut.loop, &tm->deadline);
    t->timeouts = tm->outer;
    /* The cancellation was ours: withdraw it, and if nobody else asked for
     * one, what it caused is a timeout. */
    if (tm->expired && wa_task_uncancel(t) <= tm->cancelling_at_enter && rc == WA_ECANCELLED)
        rc = wa__error(WA_ETIMEDOUT, "the deadline passed");
    free(tm);
    return rc;
}

void wa__timeouts_drop(wa_task *t) {
    while (t->timeouts) {
        wa_timeout *tm = t->timeouts;
        wa__deadline_disarm(t->fut.loop, &tm->deadline);
        t->timeouts = tm->outer;
        free(tm);
    }
}

int wa_wait_for(wa_future *aw, double timeout) {
    wa_task *t = wa__running("wa_wait_for");
    if (!t) return WA_ENOTASK;
    if (!aw || isnan(timeout)) return wa__error(WA_EINVAL, aw ? "wa_wait_for: the timeout is NaN" : "awaited NULL");
    if (timeout == WA_FOREVER) return wa_await_future(aw);
    wa_timeout *tm;
    int rc = wa_timeout_enter(timeout, &tm);
    if (rc) return rc;
    return wa_timeout_exit(tm, wa_await_future(aw));
}
