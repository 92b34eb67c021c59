/* Plain callbacks scheduled on a loop: call_soon, call_later, call_at, and
 * the handles that cancel them. */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

struct wa_handle {
    wa__object obj;                      /* WA__HANDLE */
    wa__handle node;                     /* in the ready queue once due */
    wa__timer timer;                     /* call_later / call_at: in the timer heap */
    wa_callback fn;
    void *arg;                           /* the caller's, untouched */
    wa__loop *loop;                      /* NULL once the loop is closed */
    struct wa_handle *prev, *next;       /* the loop's scheduled calls */
    double when;                         /* due time, loop clock */
    int32_t refs;                        /* the loop's while scheduled, the caller's if given */
    uint8_t state;                       /* SCHEDULED, RAN or CANCELLED */
    uint8_t timed;                       /* waiting in the timer heap */
    uint8_t released;                    /* the caller gave its reference back */
};

enum { SCHEDULED, RAN, CANCELLED };

#define HANDLE_OF(ptr, member) ((wa_handle *)((char *)(ptr) - offsetof(wa_handle, member)))

static void unref(wa_handle *h) {
    if (--h->refs) return;
    if (h->released) wa__retire_object(h, sizeof *h);   /* the caller's stale handle stays recognisable */
    else free(h);                        /* nobody outside ever held it */
}

/* The caller's handle, live and not given back yet. */
static int usable(const wa_handle *h) { return wa__is(h, WA__HANDLE) && !h->released; }

/* The call has run or will never run: the loop forgets it. */
static void unschedule(wa_handle *h) {
    if (h->prev) h->prev->next = h->next;
    else h->loop->handles = h->next;
    if (h->next) h->next->prev = h->prev;
    h->loop = NULL;
    unref(h);
}

static void run_handle(wa__handle *node) {
    wa_handle *h = HANDLE_OF(node, node);
    if (h->state == SCHEDULED) {
        h->state = RAN;                  /* from now on cancel() says it already ran */
        h->fn(h->arg);
    }
    unschedule(h);
}

static void due(wa__timer *tm) {
    wa_handle *h = HANDLE_OF(tm, timer);
    h->timed = 0;
    wa__list_push(&h->loop->ready, &h->node);
}

/* Schedules a call on loop: at once with deadline NULL, else at *deadline (ns). */
static int schedule(const char *what, wa__loop *loop, const uint64_t *deadline, double when, wa_callback fn,
                    void *arg, wa_handle **out) {
    if (loop && !wa__is(loop, WA__LOOP)) return wa__bad_object(loop, WA__LOOP, what);
    if (!loop) loop = wa__loop_now;
    if (!loop || !fn) return wa__error(WA_EINVAL, loop ? "%s: the callback is NULL" : "%s: no loop is running", what);
    wa_handle *h = wa__calloc(1, sizeof *h);
    if (!h) return wa__error(WA_ENOMEM, NULL);
    h->obj.kind = WA__HANDLE;
    h->node.run = run_handle;
    h->fn = fn;
    h->arg = arg;
    h->loop = loop;
    h->when = when;
    h->refs = 1 + (out != NULL);
    if (deadline) {
        h->timer.fire = due;
        h->timer.deadline = *deadline;
        if (wa__heap_push(&loop->timers, &h->timer)) {
            free(h);
            return wa__error(WA_ENOMEM, "no memory for a timer");
        }
        h->timed = 1;
    } else {
        wa__list_push(&loop->ready, &h->node);
    }
    h->next = loop->handles;
    if (h->next) h->next->prev = h;
    loop->handles = h;
    if (out) *out = h;
    return 0;
}

int wa_loop_call_soon(wa_loop *loop, wa_callback fn, void *arg, wa_handle **out) {
    return schedule("wa_loop_call_soon", loop, NULL, wa_time(), fn, arg, out);
}

static int call_at(const char *what, wa_loop *loop, double when, wa_callback fn, void *arg, wa_handle **out) {
    if (isnan(when)) return wa__error(WA_EINVAL, "%s: the time is NaN", what);
    uint64_t deadline = wa__deadline_ns(when);
    return schedule(what, loop, &deadline, when, fn, arg, out);
}

int wa_loop_call_at(wa_loop *loop, double when, wa_callback fn, void *arg, wa_handle **out) {
    return call_at("wa_loop_call_at", loop, when, fn, arg, out);
}

int wa_loop_call_later(wa_loop *loop, double delay, wa_callback fn, void *arg, wa_handle **out) {
    if (isnan(delay)) return wa__error(WA_EINVAL, "wa_loop_call_later: the delay is NaN");
    return call_at("wa_loop_call_later", loop, wa_time() + (delay > 0 ? delay : 0), fn, arg, out);
}

int wa_handle_cancel(wa_handle *h) {
    if (!usable(h)) return wa__bad_object(h, WA__HANDLE, "wa_handle_cancel");
    if (h->state != SCHEDULED) return 0;
    h->state = CANCELLED;
    if (h->timed) {                      /* not due yet: leave the heap now */
        wa__heap_remove(&h->loop->timers, &h->timer);
        h->timed = 0;
        unschedule(h);
    }                                    /* in the ready queue: skipped when reached */
    return 1;
}

int wa_handle_cancelled(const wa_handle *h) {
    if (!usable(h)) return WA__BAD(h, WA__HANDLE, "wa_handle_cancelled", 0);
    return h->state == CANCELLED;
}

double wa_handle_when(const wa_handle *h) {
    if (!usable(h)) return WA__BAD(h, WA__HANDLE, "wa_handle_when", NAN);
    return h->when;
}

int wa_handle_release(wa_handle *h) {
    if (!h) return 0;
    if (!usable(h)) return wa__bad_object(h, WA__HANDLE, "wa_handle_release");
    h->released = 1;
    unref(h);
    return 0;
}

void wa__handles_drop(wa__loop *loop) {
    while (loop->handles) {
        wa_handle *h = loop->handles;
        if (h->state == SCHEDULED) h->state = CANCELLED;
        h->timed = 0;                    /* the heap is freed with the loop */
        unschedule(h);
    }
}
