/* The event loop: a ready queue, a timer heap, and wa_run driving them. */
#include "internal.h"
#include "../bindings/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_NS 8000000ull              /* busy time before a yielding host gets control back */
#define BATCH_HANDLES 256                /* handles run between two looks at the clock */

wa__loop *wa__loop_now;

void wa__list_push(wa__list *l, wa__handle *h) {
    h->next = NULL;
    if (l->tail) l->tail->next = h;
    else l->head = h;
    l->tail = h;
}

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

/* One round: fire the timers that are due, then run what was ready when the
 * round began; what those runs make ready waits for the next round. */
static void run_once(wa__loop *loop) {
    if (loop->timers.count) {            /* the clock costs a host call: read it only if needed */
        uint64_t now = wa__now();
        for (wa__timer *tm; (tm = wa__heap_top(&loop->timers)) && tm->deadline <= now;) {
            wa__heap_remove(&loop->timers, tm);
            tm->fire(tm);
        }
    }
    wa__list round = loop->ready;
    loop->ready.head = loop->ready.tail = NULL;
    for (wa__handle *h; (h = round.head);) {
        round.head = h->next;
        h->run(h);
        loop->handles_run++;
    }
}

/* On hosts that want control back, true once a batch has run long enough. */
static int batch_over(wa__loop *loop) {
    if (!wa__host_yields || loop->handles_run < BATCH_HANDLES) return 0;
    loop->handles_run = 0;
    return wa__now() - loop->last_host_yield > BATCH_NS;
}

static int finished(const wa__loop *loop, const wa_task *until) {
    if (until) return until->fut.state != WA_PENDING;
    return loop->tasks_pending == 0 && !loop->ready.head;
}

static void report_deadlock(const wa__loop *loop) {
    char msg[400];
    size_t used = (size_t)snprintf(msg, sizeof msg, "no task can run and nothing will wake one: "
                                   "%zu waiting", loop->tasks_pending);
    for (const wa_future *f = loop->all; f && used < sizeof msg; f = f->all_next) {
        if (!f->is_task || f->state != WA_PENDING) continue;
        const wa_task *t = (const wa_task *)f;
        const char *on = !t->waiting_on ? "nothing"
                         : t->waiting_on->is_task ? wa_task_name((const wa_task *)t->waiting_on)
                                                  : "a future";
        used += (size_t)snprintf(msg + used, sizeof msg - used, "; %s waits on %s", wa_task_name(t), on);
    }
    if (used >= sizeof msg) strcpy(msg + sizeof msg - 5, " ..."); /* cut, and says so */
    wa__error(WA_EDEADLOCK, "%s", msg);
}

/* Runs rounds until `until` finishes (or, with NULL, until no task is pending),
 * waiting in the host when nothing is ready. Returns 0 or WA_EDEADLOCK. */
static int drive(wa__loop *loop, const wa_task *until) {
    while (!finished(loop, until)) {
        if (!loop->ready.head) {
            wa__timer *next = wa__heap_top(&loop->timers);
            if (!next && !loop->io_pending) {
                report_deadlock(loop);
                return WA_EDEADLOCK;
            }
            uint64_t now = wa__now();
            if (!next) wa__host_wait(-1);
            else if (next->deadline > now) wa__host_wait((int64_t)(next->deadline - now));
            loop->last_host_yield = wa__now();
        } else if (batch_over(loop)) {
            wa__host_wait(0);
            loop->last_host_yield = wa__now();
        }
        run_once(loop);
    }
    return 0;
}

/* Cancels every pending task and lets them finish their cleanup. */
static void shut_down(wa__loop *loop) {
    for (wa_future *f = loop->all; f; f = f->all_next)
        if (f->is_task) wa__task_request_cancel((wa_task *)f);
    drive(loop, NULL);
}

int wa_run(wa_fn main, void *arg) {
    if (!main) return wa__error(WA_EINVAL, "wa_run: main is NULL");
    if (wa__loop_now) return wa__error(WA_EINVAL, "wa_run: a loop is already running");
    wa__loop loop;
    memset(&loop, 0, sizeof loop);
    if (wa__switch_init()) return wa__error(WA_ENOMEM, "wa_run: no memory for the task stack");
    wa__loop_now = &loop;
    loop.last_host_yield = wa__now();
    int rc;
    wa_task *main_task = wa_create_task(main, arg);
    if (!main_task) {
        rc = WA_ENOMEM;
    } else if ((rc = drive(&loop, main_task)) == 0) {
        rc = wa__future_outcome(&main_task->fut, NULL);
    }
    char *saved = rc ? wa__strdup(wa_errmsg()) : NULL;
    shut_down(&loop);
    while (loop.all) wa__future_destroy(loop.all);
    wa__heap_free(&loop.timers);
    wa__switch_fini();
    wa__loop_now = NULL;
    if (saved) {
        wa__error(rc, "%s", saved);
        free(saved);
    }
    return rc;
}

int wa_get_stats(wa_stats *out) {
    wa__loop *loop = wa__loop_now;
    if (!loop || !out) return wa__error(WA_EINVAL, "wa_get_stats needs a running loop and an output");
    out->tasks_alive = loop->tasks_alive;
    out->tasks_pending = loop->tasks_pending;
    out->timers_armed = loop->timers.count;
    out->saved_stack_bytes = loop->saved_stack_bytes;
    out->max_saved_stack = loop->max_saved_stack;
    return 0;
}
