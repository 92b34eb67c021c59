/* Timeout scopes (asyncio.timeout) and wa_wait_for, which is one scope
 * around one await. When a scope's deadline passes, its task is cancelled;
 * leaving the scope turns the WA_ECANCELLED that caused into WA_ETIMEDOUT,
 * unless someone else cancelled the task too. A scope is its opener's: after
 * exit it can still be read (expired, when), until wa_timeout_free. */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

struct wa_timeout {
    wa__object obj;                      /* WA__TIMEOUT */
    wa__deadline deadline;               /* cancels the task when it expires */
    wa_task *task;                       /* the task that opened the scope */
    wa_timeout *outer;                   /* the scope this one is nested in, or NULL */
    double when;                         /* the deadline in loop seconds, or WA_FOREVER */
    int32_t cancelling_at_enter;         /* the task's cancellation count on entry */
    uint8_t expired;                     /* the deadline passed and the task was cancelled */
    uint8_t exited;                      /* closed (or its task ended): readable until freed */
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

static int enter_at(const char *what, double when, wa_timeout **out) {
    wa_task *t = wa__running(what);
    if (!t) return WA_ENOTASK;
    if (!out || isnan(when)) return wa__error(WA_EINVAL, out ? "%s: the time is NaN" : "%s: out is NULL", what);
    wa_timeout *tm = wa__calloc(1, sizeof *tm);
    if (!tm) return wa__error(WA_ENOMEM, NULL);
    tm->obj.kind = WA__TIMEOUT;
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

int wa_timeout_enter_at(double when, wa_timeout **out) { return enter_at("wa_timeout_enter_at", when, out); }

int wa_timeout_enter(double delay, wa_timeout **out) {
    /* A negative delay is a deadline in the past, reported as such by when(). */
    return enter_at("wa_timeout_enter", isnan(delay) || delay == WA_FOREVER ? delay : wa_time() + delay, out);
}

int wa_timeout_reschedule(wa_timeout *tm, double when) {
    if (!wa__is(tm, WA__TIMEOUT)) return wa__bad_object(tm, WA__TIMEOUT, "wa_timeout_reschedule");
    if (isnan(when)) return wa__error(WA_EINVAL, "wa_timeout_reschedule: to NaN");
    if (tm->exited) return wa__error(WA_ESTATE, "the timeout scope has been exited: it cannot be rescheduled");
    if (tm->expired) return wa__error(WA_ESTATE, "the timeout has already expired");
    return arm(tm, when);
}

double wa_timeout_when(const wa_timeout *tm) {
    if (!wa__is(tm, WA__TIMEOUT)) return WA__BAD(tm, WA__TIMEOUT, "wa_timeout_when", NAN);
    return tm->when;
}

int wa_timeout_expired(const wa_timeout *tm) {
    if (!wa__is(tm, WA__TIMEOUT)) return WA__BAD(tm, WA__TIMEOUT, "wa_timeout_expired", 0);
    return tm->expired;
}

/* Ends an open scope: no deadline, off its task's stack of scopes. */
static void close_scope(wa_timeout *tm) {
    wa__deadline_disarm(tm->task->fut.loop, &tm->deadline);
    tm->task->timeouts = tm->outer;
    tm->outer = NULL;
    tm->task = NULL;                     /* the task may go; the scope stays readable */
    tm->exited = 1;
}

int wa_timeout_exit(wa_timeout *tm, int rc) {
    wa_task *t = wa__running("wa_timeout_exit");
    if (!t) return WA_ENOTASK;
    if (!wa__is(tm, WA__TIMEOUT)) return wa__bad_object(tm, WA__TIMEOUT, "wa_timeout_exit");
    if (tm->exited || tm->task != t || t->timeouts != tm)
        return wa__error(WA_EINVAL, tm->exited ? "the timeout scope has already been exited"
                                    : tm->task != t ? "a timeout scope must be exited by the task that opened it"
                                                    : "timeout scopes must be exited innermost first");
    close_scope(tm);
    /* The cancellation was ours: withdraw it, and if nobody else asked for
     * one, what it caused is a timeout. */
    if (tm->expired && wa_task_uncancel(t) <= tm->cancelling_at_enter && rc == WA_ECANCELLED)
        rc = wa__error(WA_ETIMEDOUT, "the deadline passed");
    return rc;
}

int wa_timeout_free(wa_timeout *tm) {
    if (!tm) return 0;
    if (!wa__is(tm, WA__TIMEOUT)) return wa__bad_object(tm, WA__TIMEOUT, "wa_timeout_free");
    if (!tm->exited) {                   /* still open: only its task can close it, innermost first */
        wa_task *t = wa_current_task();
        if (tm->task != t || t->timeouts != tm)
            return wa__error(WA_EINVAL, "wa_timeout_free: the scope is open and is not the running task's innermost");
        close_scope(tm);
        if (tm->expired) wa_task_uncancel(t);
    }
    wa__retire_object(tm, sizeof *tm);
    return 0;
}

void wa__timeouts_drop(wa_task *t) {
    while (t->timeouts) close_scope(t->timeouts);  /* the task ended inside them; their owners free them */
}

int wa_wait_for(wa_future *aw, double timeout) {
    wa_task *t = wa__running("wa_wait_for");
    if (!t) return WA_ENOTASK;
    if (!wa__is_future(aw)) return wa__bad_object(aw, WA__FUTURE, "wa_wait_for");
    if (isnan(timeout)) return wa__error(WA_EINVAL, "wa_wait_for: the timeout is NaN");
    if (timeout == WA_FOREVER) return wa_await_future(aw);
    wa_timeout *tm;
    int rc = wa_timeout_enter(timeout, &tm);
    if (rc) return rc;
    rc = wa_timeout_exit(tm, wa_await_future(aw));
    free(tm);
    return rc;
}
