/* The event loop: a ready queue, a timer heap, and wa_run driving them. */
#include "internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_NS 8000000ull              /* busy time before a yielding host gets control back */
#define BATCH_HANDLES 256                /* handles run between two looks at the clock, */
#define BATCH_ROUNDS 16                  /* or rounds, when handles are few and long */

_Thread_local wa__loop *wa__loop_now;
/* Hosts' hooks run as a loop closes (wa__on_loop_close): set once per host
 * module, not per loop, so a few places suffice. */
static void (*close_hooks[4])(wa_loop *loop);

int wa__on_loop_close(void (*fn)(wa_loop *loop)) {
    for (size_t i = 0; i < sizeof close_hooks / sizeof *close_hooks; i++) {
        if (close_hooks[i] == fn) return 0;
        if (!close_hooks[i]) {
            close_hooks[i] = fn;
            return 0;
        }
    }
    return wa__error(WA_ENOMEM, "no place left for a host's loop-close hook");
}

void wa__loop_io_pending(wa_loop *loop, int delta) { loop->io_pending += (size_t)(ptrdiff_t)delta; }

void wa__list_splice(wa__list *dst, wa__list *src) {
    if (!src->head) return;
    if (dst->tail) dst->tail->next = src->head;
    else dst->head = src->head;
    dst->tail = src->tail;
    src->head = src->tail = NULL;
}

int wa__list_remove(wa__list *l, wa__handle *h) {
    for (wa__handle **link = &l->head, *prev = NULL; *link; prev = *link, link = &(*link)->next) {
        if (*link != h) continue;
        *link = h->next;
        if (l->tail == h) l->tail = prev;
        return 1;
    }
    return 0;
}

uint64_t wa__now(void) { return wa__host_now(); }

double wa_time(void) { return (double)wa__host_now() / 1e9; }

int wa__timer_start(wa__timer *tm, uint64_t deadline) {
    tm->deadline = deadline;
    if (wa__heap_push(&wa__loop_now->timers, tm)) return wa__error(WA_ENOMEM, "no memory for a timer");
    return 0;
}

uint64_t wa__deadline_ns(double when) {
    if (when <= 0) return 0;
    double ns = ceil(when * 1e9);
    return ns >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)ns;
}

#define DEADLINE_OF(ptr, member) ((wa__deadline *)((char *)(ptr) - offsetof(wa__deadline, member)))

static void deadline_deferred(wa__handle *h) {
    wa__deadline *d = DEADLINE_OF(h, expiry);
    d->state = WA__IDLE;
    d->expire(d, 1);
}

static void deadline_due(wa__timer *tm) {
    wa__deadline *d = DEADLINE_OF(tm, timer);
    d->state = WA__IDLE;
    d->expire(d, 0);
}

void wa__deadline_defer(wa__deadline *d) {
    d->state = WA__QUEUED;
    d->expiry.run = deadline_deferred;
    wa__list_push(&d->loop->ready, &d->expiry);  /* timers fire before a round begins: this round */
}

int wa__deadline_arm(wa__loop *loop, wa__deadline *d, uint64_t ns) {
    wa__deadline_disarm(loop, d);
    d->loop = loop;
    d->timer.fire = deadline_due;
    d->timer.deadline = ns;
    if (wa__heap_push(&loop->timers, &d->timer)) return wa__error(WA_ENOMEM, "no memory for a timer");
    d->state = WA__ARMED;
    return 0;
}

void wa__deadline_disarm(wa__loop *loop, wa__deadline *d) {
    if (d->state == WA__ARMED) wa__heap_remove(&loop->timers, &d->timer);
    else if (d->state == WA__QUEUED && !wa__list_remove(&loop->round, &d->expiry))
        wa__list_remove(&loop->ready, &d->expiry);  /* rare: it came due this round */
    d->state = WA__IDLE;
}

static wa__handle *pop(wa__list *l) {
    wa__handle *h = l->head;
    if (h && !(l->head = h->next)) l->tail = NULL;
    return h;
}

/* One round: fire the timers that are due, then run what was ready when the
 * round began; what those runs make ready waits for the next round. The
 * round's handles sit in loop->round, where a deadline that is disarmed
 * before its expiry ran can still be found and taken out. */
static void run_once(wa__loop *loop) {
    if (atomic_load_explicit(&loop->completed, memory_order_relaxed)) wa__executor_drain(loop);
    if (loop->fd_count) wa__fd_wake_ready(loop);
    if (loop->timers.count) {            /* the clock costs a host call: read it only if needed */
        uint64_t now = wa__now();
        for (wa__timer *tm; (tm = wa__heap_top(&loop->timers)) && tm->deadline <= now;) {
            wa__heap_remove(&loop->timers, tm);
            tm->fire(tm);
        }
    }
    loop->round = loop->ready;
    loop->ready.head = loop->ready.tail = NULL;
    if (loop->debug) {
        for (wa__handle *h; (h = pop(&loop->round));) {
            uint64_t began = wa__now();
            wa_task *t = wa__task_of_step(h);  /* kept alive to be named; h may be freed */
            if (t) wa__future_ref(&t->fut);
            h->run(h);
            loop->handles_run++;
            wa__debug_step(t, began, wa__now());
            if (t) wa__future_unref(&t->fut);
        }
        return;
    }
    for (wa__handle *h; (h = pop(&loop->round));) {
        h->run(h);
        loop->handles_run++;
    }
}

/* On hosts that want control back, true once a batch has run long enough. */
static int batch_over(wa__loop *loop) {
    if (!wa__host_yields || (loop->handles_run < BATCH_HANDLES && ++loop->rounds_run < BATCH_ROUNDS)) return 0;
    loop->handles_run = loop->rounds_run = 0;
    return wa__now() - loop->last_host_yield > BATCH_NS;
}

static void report_deadlock(const wa__loop *loop) {
    char msg[400];
    size_t used = (size_t)snprintf(msg, sizeof msg, "no task can run and nothing will wake one: "
                                   "%zu waiting", loop->tasks_pending);
    for (const wa_future *f = loop->all; f && used < sizeof msg; f = f->all_next) {
        if (f->kind != WA__TASK || f->state != WA_PENDING) continue;
        const wa_task *t = (const wa_task *)f;
        char on[64];
        wa__describe_wait(t, on, sizeof on);
        used += (size_t)snprintf(msg + used, sizeof msg - used, "; %s waits on %s", wa_task_name(t), on);
    }
    if (used >= sizeof msg) strcpy(msg + sizeof msg - 5, " ..."); /* cut, and says so */
    wa__error(WA_EDEADLOCK, "%s", msg);
}

__attribute__((noinline, cold)) static int cannot_wait(int rc) {
    if (rc == WA_ENOSUSPEND)
        return wa__error(rc, "the loop must wait for its host's event loop but cannot from here: it was started "
                             "from JS code other than wasyncio's driver, or from C called back by JS (run wa_run "
                             "from main, or export the function and call it through load().run())");
    return wa__error(rc, "the loop could not wait for its host");
}

/* What drive runs until: wa_loop_stop, or no task left (to close). */
enum { UNTIL_STOPPED, UNTIL_IDLE };

/* Runs rounds until stopped (or idle), waiting in the host when nothing is
 * ready. Returns 0 when idle, 1 when stopped, or WA_EDEADLOCK. */
static int drive(wa__loop *loop, int mode) {
    while (mode == UNTIL_STOPPED || loop->tasks_pending || loop->ready.head) {
        if (!loop->ready.head) {
            wa__timer *next = wa__heap_top(&loop->timers);
            if (!next && !loop->io_pending && !loop->work_in_flight) {
                if (mode == UNTIL_IDLE || loop->tasks_pending) report_deadlock(loop);
                else wa__error(WA_EDEADLOCK, "nothing is scheduled and nothing will wake the loop");
                return WA_EDEADLOCK;
            }
            uint64_t now = wa__now();
            int64_t wait_ns = !next ? -1 : next->deadline > now ? (int64_t)(next->deadline - now) : 0;
            int rc = wait_ns ? wa__host_wait(wait_ns, loop->fd_watches, loop->fd_count) : 0;
            if (rc) return cannot_wait(rc);
            loop->last_host_yield = wa__now();
        } else if (batch_over(loop)) {
            int rc = wa__host_wait(0, loop->fd_watches, loop->fd_count);
            if (rc) return cannot_wait(rc);
            loop->last_host_yield = wa__now();
        } else if (loop->fd_count) {
            /* busy rounds still look at the descriptors readers wait on */
            int rc = wa__host_wait(0, loop->fd_watches, loop->fd_count);
            if (rc) return cannot_wait(rc);
        }
        run_once(loop);
        if (loop->stopping) {
            loop->stopping = 0;
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- loop objects */

/* A thread's task stack is shared by its loops: made with the first, freed
 * with the last. A loop belongs to the thread that made it. */
static _Thread_local int loops_alive;

wa_loop *wa_loop_new(void) {
    wa__loop *loop = wa__calloc(1, sizeof *loop);
    if (!loop) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    if (loops_alive == 0 && wa__switch_init()) {
        free(loop);
        wa__error(WA_ENOMEM, "no memory for the task stack");
        return NULL;
    }
    loops_alive++;
    loop->obj.kind = WA__LOOP;
    loop->thread = &loops_alive;
    loop->waker = wa__host_waker();
    loop->debug = (uint8_t)wa__debug_env();
    loop->save_hint = WA__SAVE_HINT_FIRST;
    return loop;
}

wa_loop *wa_running_loop(void) { return wa__loop_now; }

int wa_loop_is_running(const wa_loop *loop) {
    if (!wa__is(loop, WA__LOOP)) return WA__BAD(loop, WA__LOOP, "wa_loop_is_running", 0);
    return loop->running;
}

double wa_loop_time(const wa_loop *loop) {
    /* every loop reads the host's monotonic clock; NULL is the running loop */
    if (loop && !wa__is(loop, WA__LOOP)) return WA__BAD(loop, WA__LOOP, "wa_loop_time", NAN);
    return wa_time();
}

int wa_loop_stop(wa_loop *loop) {
    if (!wa__is(loop, WA__LOOP)) return wa__bad_object(loop, WA__LOOP, "wa_loop_stop");
    loop->stopping = 1;
    return 0;
}

/* Makes loop the running one for a drive; fails if it cannot be. */
static int enter(wa__loop *loop, const char *what) {
    if (!wa__is(loop, WA__LOOP)) return wa__bad_object(loop, WA__LOOP, what);
    if (loop->thread != &loops_alive) return wa__error(WA_EINVAL, "%s: the loop belongs to another thread", what);
    if (wa__loop_now) return wa__error(WA_EINVAL, "%s: a loop is already running", what);
    wa__loop_now = loop;
    loop->running = 1;
    loop->last_host_yield = wa__now();
    return 0;
}

static void leave(wa__loop *loop) {
    loop->running = 0;
    wa__loop_now = NULL;
}

static void until_done_fired(wa__handle *h) {
    wa__loop *loop = (wa__loop *)(void *)((char *)h - offsetof(wa__loop, until_done));
    loop->stopping = 1;
}

/* As asyncio does, the run stops from a done callback of f: the callbacks
 * added before it run first, and the round they are in is finished. */
int wa_loop_run_until_complete(wa_loop *loop, wa_future *f) {
    if (!wa__is(loop, WA__LOOP)) return wa__bad_object(loop, WA__LOOP, "wa_loop_run_until_complete");
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_loop_run_until_complete");
    if (f->loop != loop) return wa__error(WA_EINVAL, "wa_loop_run_until_complete: the future belongs to another loop");
    int rc = enter(loop, "wa_loop_run_until_complete");
    if (rc) return rc;
    wa__future_ref(f);                   /* a callback might release the caller's */
    loop->until_done.run = until_done_fired;
    wa__list_push(f->state == WA_PENDING ? &f->callbacks : &loop->ready, &loop->until_done);
    rc = drive(loop, UNTIL_STOPPED);
    /* Stopped otherwise (wa_loop_stop, a deadlock): take the callback back. */
    if (!wa__list_remove(&f->callbacks, &loop->until_done)) wa__list_remove(&loop->ready, &loop->until_done);
    if (f->state != WA_PENDING) rc = wa__future_outcome(f, NULL);
    else if (rc == 1) rc = wa__error(WA_ESTATE, "the loop was stopped before the future completed");
    wa__future_unref(f);
    leave(loop);
    return rc;
}

int wa_loop_run_forever(wa_loop *loop) {
    int rc = enter(loop, "wa_loop_run_forever");
    if (rc) return rc;
    rc = drive(loop, UNTIL_STOPPED);
    leave(loop);
    return rc == 1 ? 0 : rc;
}

int wa_loop_close(wa_loop *loop) {
    if (!wa__is(loop, WA__LOOP)) return wa__bad_object(loop, WA__LOOP, "wa_loop_close");
    if (loop->running) return wa__error(WA_EINVAL, "wa_loop_close: the loop is running");
    if (loop->thread != &loops_alive) return wa__error(WA_EINVAL, "wa_loop_close: the loop belongs to another thread");
    if (wa__loop_now) return wa__error(WA_EINVAL, "wa_loop_close: another loop is running");
    wa__loop_now = loop;
    if (loop->debug) wa__debug_pending_at_close(loop);
    /* Cancel every pending task and let each run its cleanup. */
    for (wa_future *f = loop->all; f; f = f->all_next)
        if (f->kind == WA__TASK) wa__task_request_cancel((wa_task *)f, NULL);
    loop->running = 1;
    loop->stopping = 0;
    drive(loop, UNTIL_IDLE);
    wa__fetch_close_loop(loop);
    wa__executors_close(loop);
    loop->running = 0;
    /* Free what is left: first every queued callback, so no list points into
     * freed memory, then the objects, none of which gives back references. */
    loop->closing = 1;
    for (size_t i = 0; i < sizeof close_hooks / sizeof *close_hooks && close_hooks[i]; i++) close_hooks[i](loop);
    wa__handles_drop(loop);
    for (wa_future *f = loop->all; f; f = f->all_next) wa__future_drop_callbacks(f);
    while (loop->all) wa__future_destroy(loop->all);
    wa__retired_free(loop);
    wa__cancel_free(loop);
    wa__fd_free(loop);
    free(loop->walk_items);
    wa__heap_free(&loop->timers);
    wa__loop_now = NULL;
    free(loop);
    if (--loops_alive == 0) wa__switch_fini();
    return 0;
}

int wa_run(wa_fn main, void *arg) {
    if (!main) return wa__error(WA_EINVAL, "wa_run: main is NULL");
    if (wa__loop_now) return wa__error(WA_EINVAL, "wa_run: a loop is already running");
    wa_loop *loop = wa_loop_new();
    if (!loop) return WA_ENOMEM;
    wa_task *main_task = wa__task_new(loop, main, arg);
    int rc = main_task ? wa_loop_run_until_complete(loop, &main_task->fut) : WA_ENOMEM;
    char *saved = rc ? wa__strdup(wa_errmsg()) : NULL;
    wa_loop_close(loop);
    if (saved) {
        wa__error(rc, "%s", saved);
        free(saved);
    }
    return rc;
}

int wa_loop_get_stats(const wa_loop *of, wa_stats *out) {
    if (of && !wa__is(of, WA__LOOP)) return wa__bad_object(of, WA__LOOP, "wa_loop_get_stats");
    const wa__loop *loop = of ? of : wa__loop_now;
    if (!loop || !out) return wa__error(WA_EINVAL, out ? "wa_loop_get_stats: no loop given or running" : "wa_loop_get_stats: out is NULL");
    out->tasks_alive = loop->tasks_alive;
    out->tasks_pending = loop->tasks_pending;
    out->futures_alive = loop->futures_alive - loop->tasks_alive;
    out->timers_armed = loop->timers.count;
    out->saved_stack_bytes = loop->saved_stack_bytes;
    out->max_saved_stack = loop->max_saved_stack;
    return 0;
}
