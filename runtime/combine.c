/* Awaiting several futures at once: gather, wait, as_completed and shield.
 *
 * Each is a combiner: a future with one watch per child. A watch sits in its
 * child's done callbacks; once the child finishes it runs through the ready
 * queue, like any done callback, and tells the combiner, which completes when
 * its mode's condition holds. The combiner references every child until it is
 * freed, so outcomes can be read after the await whoever else lets go. */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The caller's array: of tasks or of futures. */
typedef struct children {
    const void *items;
    int of_tasks;
    const char *fn;                      /* the public function, for messages */
} children;

/* A task is its future (the first member): a cast, so that a bad element
 * keeps its kind for check_children to name. */
static wa_future *child_at(children kids, size_t i) {
    if (kids.of_tasks) return (wa_future *)((wa_task *const *)kids.items)[i];
    return ((wa_future *const *)kids.items)[i];
}

/* Stores the caller's i-th element at out[k] (out has the array's type). */
static void put(children kids, void *out, size_t k, size_t i) {
    if (kids.of_tasks) ((wa_task **)out)[k] = ((wa_task *const *)kids.items)[i];
    else ((wa_future **)out)[k] = ((wa_future *const *)kids.items)[i];
}

__attribute__((noinline, cold)) static int check_children(const char *what, const wa_task *self,
                                                          children kids, size_t n) {
    if (n && !kids.items) return wa__error(WA_EINVAL, "%s: the array is NULL", what);
    for (size_t i = 0; i < n; i++) {
        const wa_future *f = child_at(kids, i);
        if (!f) return wa__error(WA_EINVAL, "%s: element %zu is NULL", what, i);
        int kind = ((const uint8_t *)f)[WA__KIND_AT];
        if (kind == WA__RETIRED) return wa__error(WA_EINVAL, "%s: element %zu was released and is gone", what, i);
        if (kids.of_tasks ? kind != WA__TASK : !wa__is_future(f))
            return wa__error(WA_EINVAL, "%s: element %zu is not a %s", what, i, kids.of_tasks ? "task" : "future");
        if (self && f == &self->fut)
            return wa__error(WA_EINVAL, "%s: task '%s' would wait on itself", what, wa_task_name(self));
        if (f->loop != wa__loop_now) return wa__error(WA_EINVAL, "%s: element %zu belongs to another loop", what, i);
    }
    return 0;
}

#define COMBINER_OF_DEADLINE(d) ((wa__combiner *)((char *)(d) - offsetof(wa__combiner, deadline)))

static void watch_fired(wa__handle *h);
static void deadline_expired(wa__deadline *d, int deferred);

/* A combiner over n children, each watched from now on. The caller holds one
 * reference; each linked watch holds one more. */
static wa__combiner *combiner_new(int mode, children kids, size_t n) {
    size_t per_child = sizeof(wa__watch) + (mode == WA__AS_COMPLETED ? sizeof(size_t) : 0);
    if (n > (SIZE_MAX / 2 - sizeof(wa__combiner)) / per_child) {
        wa__error(WA_ENOMEM, "too many awaitables: %zu", n);
        return NULL;
    }
    wa__combiner *c = wa__calloc(1, sizeof *c + n * per_child);
    if (!c) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    wa__loop *loop = wa__loop_now;
    c->fut.kind = WA__COMBINER;
    c->fut.refs = 1 + (int32_t)n;
    c->mode = (uint8_t)mode;
    c->n = n;
    c->deadline.expire = deadline_expired;
    if (mode == WA__AS_COMPLETED) c->order = (size_t *)(void *)(c->watches + n);
    wa__future_link(loop, &c->fut);
    for (size_t i = 0; i < n; i++) {
        wa__watch *w = &c->watches[i];
        wa_future *child = child_at(kids, i);
        w->handle.run = watch_fired;
        w->owner = c;
        w->child = child;
        w->linked = 1;
        wa__future_ref(child);
        wa__list_push(child->state == WA_PENDING ? &child->callbacks : &loop->ready, &w->handle);
    }
    return c;
}

/* Stops watching the children that have not finished. Watches of finished
 * children may still be queued; they run and find the combiner done. Only
 * called by someone holding a reference, so the count cannot reach zero. */
static void detach(wa__combiner *c) {
    for (size_t i = 0; i < c->n; i++) {
        wa__watch *w = &c->watches[i];
        if (!w->linked || w->child->state != WA_PENDING) continue;
        wa__list_remove(&w->child->callbacks, &w->handle);
        w->linked = 0;
        c->fut.refs--;
    }
}

/* Completes c, waking whoever awaits it. */
static void complete(wa__combiner *c, wa_state state, int code, intptr_t value, const char *msg) {
    wa__deadline_disarm(c->fut.loop, &c->deadline);
    if (msg) wa__future_set_msg(&c->fut, msg);
    wa__future_complete(&c->fut, state, code, value);
    if (c->mode != WA__GATHER) detach(c);  /* a gather marks the errors of children it outlived as read */
}

static void gather_child_done(wa__combiner *c, wa_future *child) {
    int code = wa__future_code(child);
    c->finished++;
    if (code && !(c->flags & WA_RETURN_EXCEPTIONS)) {
        complete(c, WA_DONE, code, 0, child->msg);  /* the first failure is the gather's */
        return;
    }
    if (c->finished == c->n) complete(c, c->cancel_requested ? WA_CANCELLED : WA_DONE, 0, 0, NULL);
}

static void wait_child_done(wa__combiner *c, const wa_future *child) {
    c->finished++;
    int failed = child->state == WA_DONE && child->code;
    if (c->finished == c->n || c->return_when == WA_FIRST_COMPLETED ||
        (c->return_when == WA_FIRST_EXCEPTION && failed))
        complete(c, WA_DONE, 0, 0, NULL);
}

/* as_completed's future is what next() awaits: it completes at each arrival
 * and next() sets it pending again before waiting once more. */
static void as_completed_child_done(wa__combiner *c, size_t index) {
    if (c->timed_out || c->closed) return;
    c->order[c->finished++] = index;
    if (c->fut.state == WA_PENDING) wa__future_complete(&c->fut, WA_DONE, 0, 0);
}

static void shield_child_done(wa__combiner *c, wa_future *child) {
    int code = wa__future_code(child);
    if (code == WA_ECANCELLED) complete(c, WA_CANCELLED, 0, 0, child->msg);
    else {
        complete(c, WA_DONE, code, 0, child->msg);
        if (!code) wa__value_borrow(&c->fut, child);
    }
}

static void watch_fired(wa__handle *h) {
    wa__watch *w = (wa__watch *)h;
    wa__combiner *c = w->owner;
    w->linked = 0;
    if (c->mode == WA__AS_COMPLETED) as_completed_child_done(c, (size_t)(w - c->watches));
    else if (c->fut.state == WA_PENDING && c->mode == WA__GATHER) gather_child_done(c, w->child);
    else if (c->fut.state == WA_PENDING && c->mode == WA__WAIT) wait_child_done(c, w->child);
    else if (c->fut.state == WA_PENDING) shield_child_done(c, w->child);
    else if (c->mode == WA__GATHER) (void)wa__future_code(w->child); /* ended after the gather
                                                                     failed: read, as in asyncio */
    wa__future_unref(&c->fut);
}

static void deadline_expired(wa__deadline *d, int deferred) {
    (void)deferred;                            /* never deferred: outcomes are read off the children */
    wa__combiner *c = COMBINER_OF_DEADLINE(d);
    if (c->mode == WA__WAIT) {
        complete(c, WA_DONE, 0, 0, NULL);      /* done and pending are read off the children */
        return;
    }
    /* as_completed: what finished before now is still handed out (some of
     * their watches may wait in the ready queue), then the timeout. */
    for (size_t i = 0; i < c->n; i++)
        if (c->watches[i].linked && c->watches[i].child->state != WA_PENDING) c->order[c->finished++] = i;
    c->timed_out = 1;
    detach(c);
    if (c->fut.state == WA_PENDING) wa__future_complete(&c->fut, WA_DONE, 0, 0);
}

static int arm_timeout(wa__combiner *c, double timeout) {
    if (timeout == WA_FOREVER) return 0;
    uint64_t now = wa__now(), span = wa__deadline_ns(timeout);
    return wa__deadline_arm(c->fut.loop, &c->deadline, span > UINT64_MAX - now ? UINT64_MAX : now + span);
}

/* A gather's cancel, which goes on to its children, is walked in cancel.c. */
int wa__combiner_cancel(wa__combiner *c, const char *msg) {
    if (c->mode == WA__AS_COMPLETED) {         /* only the current next() is cancelled */
        if (msg) wa__future_set_msg(&c->fut, msg);
        wa__future_complete(&c->fut, WA_CANCELLED, 0, 0);
        return 1;
    }
    complete(c, WA_CANCELLED, 0, 0, msg);      /* wait, shield: the children go on */
    return 1;
}

void wa__combiner_destroy(wa__combiner *c) {
    if (c->fut.loop->closing) return;          /* everything goes at once; nothing to give back */
    wa__deadline_disarm(c->fut.loop, &c->deadline);
    for (size_t i = 0; i < c->n; i++) wa__future_unref(c->watches[i].child);
}

/* ------------------------------------------------------------------ gather */

static int gather(children kids, size_t n, intptr_t *results, int *codes, int flags) {
    wa_task *self = wa__running(kids.fn);
    if (!self) return WA_ENOTASK;
    if (flags & ~WA_RETURN_EXCEPTIONS) return wa__error(WA_EINVAL, "%s: unknown flags %#x", kids.fn, flags);
    if ((flags & WA_RETURN_EXCEPTIONS) && !codes)
        return wa__error(WA_EINVAL, "%s: WA_RETURN_EXCEPTIONS needs a codes array", kids.fn);
    int rc = check_children(kids.fn, self, kids, n);
    if (rc || n == 0) return rc;
    wa__combiner *c = combiner_new(WA__GATHER, kids, n);
    if (!c) return WA_ENOMEM;
    c->flags = (uint8_t)flags;
    rc = wa_await_future(&c->fut);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            const wa_future *f = c->watches[i].child;
            int code = wa__future_code(f);
            if (codes) codes[i] = code;
            if (results) results[i] = code ? 0 : wa__value_word(f);
        }
    }
    wa__future_unref(&c->fut);
    return rc;
}

int wa_gather_tasks(wa_task *const *tasks, size_t n, intptr_t *results, int *codes, int flags) {
    return gather((children){tasks, 1, "wa_gather_tasks"}, n, results, codes, flags);
}

int wa_gather_futures(wa_future *const *futures, size_t n, intptr_t *results, int *codes, int flags) {
    return gather((children){futures, 0, "wa_gather_futures"}, n, results, codes, flags);
}

/* -------------------------------------------------------------------- wait */

static int wait(children kids, size_t n, double timeout, int return_when, void *done_out,
                void *pending_out) {
    wa_task *self = wa__running(kids.fn);
    if (!self) return WA_ENOTASK;
    if (n == 0) return wa__error(WA_EINVAL, "%s: nothing to wait for", kids.fn);
    if (isnan(timeout)) return wa__error(WA_EINVAL, "%s: the timeout is NaN", kids.fn);
    if (return_when < WA_FIRST_COMPLETED || return_when > WA_ALL_COMPLETED)
        return wa__error(WA_EINVAL, "%s: unknown return_when %d", kids.fn, return_when);
    int rc = check_children(kids.fn, self, kids, n);
    if (rc) return rc;
    wa__combiner *c = combiner_new(WA__WAIT, kids, n);
    if (!c) return WA_ENOMEM;
    c->return_when = (uint8_t)return_when;
    rc = arm_timeout(c, timeout);
    if (rc == 0) rc = wa_await_future(&c->fut);
    if (rc == 0) {
        size_t done = 0, pending = 0;
        for (size_t i = 0; i < n; i++) {
            if (c->watches[i].child->state != WA_PENDING) {
                if (done_out) put(kids, done_out, done, i);
                done++;
            } else {
                if (pending_out) put(kids, pending_out, pending, i);
                pending++;
            }
        }
        rc = (int)done;
    } else if (c->fut.state == WA_PENDING) {
        complete(c, WA_CANCELLED, 0, 0, NULL);  /* failed before waiting: stop watching */
    }
    wa__future_unref(&c->fut);
    return rc;
}

int wa_wait_tasks(wa_task *const *tasks, size_t n, double timeout, int return_when,
                  wa_task **done_out, wa_task **pending_out) {
    return wait((children){tasks, 1, "wa_wait_tasks"}, n, timeout, return_when, done_out, pending_out);
}

int wa_wait_futures(wa_future *const *futures, size_t n, double timeout, int return_when,
                    wa_future **done_out, wa_future **pending_out) {
    return wait((children){futures, 0, "wa_wait_futures"}, n, timeout, return_when, done_out, pending_out);
}

/* ------------------------------------------------------------ as_completed */

static wa_as_completed_iter *as_completed(children kids, size_t n, double timeout) {
    if (!wa__loop_now) {
        wa__error(WA_EINVAL, "%s: no loop is running", kids.fn);
        return NULL;
    }
    if (isnan(timeout)) {
        wa__error(WA_EINVAL, "%s: the timeout is NaN", kids.fn);
        return NULL;
    }
    if (check_children(kids.fn, wa__loop_now->current, kids, n)) return NULL;
    wa__combiner *c = combiner_new(WA__AS_COMPLETED, kids, n);
    if (c && arm_timeout(c, timeout)) {
        wa_as_completed_free((wa_as_completed_iter *)c);
        return NULL;
    }
    return (wa_as_completed_iter *)c;
}

wa_as_completed_iter *wa_as_completed_tasks(wa_task *const *tasks, size_t n, double timeout) {
    return as_completed((children){tasks, 1, "wa_as_completed_tasks"}, n, timeout);
}

wa_as_completed_iter *wa_as_completed_futures(wa_future *const *futures, size_t n, double timeout) {
    return as_completed((children){futures, 0, "wa_as_completed_futures"}, n, timeout);
}

/* An iterator its owner has not freed: a combiner of as_completed, not closed. */
static int live_iterator(const wa__combiner *c) {
    return wa__is(c, WA__COMBINER) && c->mode == WA__AS_COMPLETED && !c->closed;
}

__attribute__((noinline, cold)) static int iterator_error(const wa__combiner *c, const char *fn) {
    if (wa__is(c, WA__COMBINER) && c->mode == WA__AS_COMPLETED)   /* closed, still held by a next() */
        return wa__error(WA_EINVAL, "%s: the as_completed iterator was freed", fn);
    return wa__bad_object(c, WA__ITERATOR, fn);
}

int wa_as_completed_next(wa_as_completed_iter *it, size_t *index) {
    wa_task *self = wa__running("wa_as_completed_next");
    if (!self) return WA_ENOTASK;
    wa__combiner *c = (wa__combiner *)it;
    if (!live_iterator(c)) return iterator_error(c, "wa_as_completed_next");
    if (!index) return wa__error(WA_EINVAL, "wa_as_completed_next: index is NULL");
    wa__future_ref(&c->fut);                   /* kept even if another task frees the iterator */
    int rc;
    for (;;) {
        if (c->closed) {
            rc = wa__error(WA_ECANCELLED, "wa_as_completed_next: the iterator was freed");
            break;
        }
        if (c->handed_out < c->finished) {
            *index = c->order[c->handed_out++];
            rc = 1;
            break;
        }
        if (c->handed_out == c->n) {
            rc = 0;
            break;
        }
        if (c->timed_out) {
            rc = wa__error(WA_ETIMEDOUT, "as_completed timed out with %zu of %zu unfinished",
                           c->n - c->handed_out, c->n);
            break;
        }
        if (c->fut.state != WA_PENDING) wa__future_reset(&c->fut);
        rc = wa_await_future(&c->fut);
        if (rc) break;
    }
    wa__future_unref(&c->fut);
    return rc;
}

int wa_as_completed_free(wa_as_completed_iter *it) {
    if (!it) return 0;
    wa__combiner *c = (wa__combiner *)it;
    if (!live_iterator(c)) return iterator_error(c, "wa_as_completed_free");
    c->closed = 1;
    wa__deadline_disarm(c->fut.loop, &c->deadline);
    detach(c);
    if (c->fut.state == WA_PENDING) wa__future_complete(&c->fut, WA_CANCELLED, 0, 0);
    wa__future_unref(&c->fut);
    return 0;
}

/* ------------------------------------------------------------------ shield */

wa_future *wa_shield(wa_future *aw) {
    if (!wa__is_future(aw)) return WA__BAD(aw, WA__FUTURE, "wa_shield", NULL);
    if (!wa__loop_now) {
        wa__error(WA_EINVAL, "wa_shield: no loop is running");
        return NULL;
    }
    if (check_children("wa_shield", NULL, (children){&aw, 0, "wa_shield"}, 1)) return NULL;
    if (aw->state != WA_PENDING) {             /* nothing to shield from: done at once */
        wa__combiner *c = combiner_new(WA__SHIELD, (children){NULL, 0, "wa_shield"}, 0);
        if (c) shield_child_done(c, aw);
        return c ? &c->fut : NULL;
    }
    wa__combiner *c = combiner_new(WA__SHIELD, (children){&aw, 0, "wa_shield"}, 1);
    return c ? &c->fut : NULL;
}
