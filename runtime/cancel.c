/* Cancellation passed along what waits on what, as asyncio passes it: a
 * cancelled task cancels what it awaits, down a chain of tasks, into a
 * gather's children and on through their own awaits.
 *
 * Walked with an explicit stack kept in the loop, never by recursion, so a
 * chain or tree of any depth (50,000 tasks each gathering the next) costs no
 * C stack. Every future on the path being walked is marked, so even a path
 * that closed on itself would end (an await that would close a cycle is
 * refused anyway: see closes_cycle in task.c). */
#include "internal.h"

#include <stdlib.h>

/* A walk that waits for a gather's children: the gather itself, or a task at
 * the bottom of its chain whose next step depends on the gather's answer. */
struct wa__cancel_frame {
    wa_future *f;                        /* the gather, or the chain's bottom task */
    wa_task *head;                       /* the task frame's chain head (marked from it) */
    size_t next;                         /* gather: the next child to tell */
    int any;                             /* gather: some child took the cancel */
};

enum { NONE = -1, PUSHED = 2 };          /* beside 0 (nothing to cancel) and 1 (cancelled) */

static int reserve(wa__loop *loop, size_t more) {
    if (loop->cancel_count + more <= loop->cancel_cap) return 1;
    size_t cap = loop->cancel_cap ? loop->cancel_cap * 2 : 32;
    while (cap < loop->cancel_count + more) cap *= 2;
    struct wa__cancel_frame *frames = wa__realloc(loop->cancel_frames, cap * sizeof *frames);
    if (!frames) return 0;
    loop->cancel_frames = frames;
    loop->cancel_cap = cap;
    return 1;
}

static void push(wa__loop *loop, wa_future *f, wa_task *head) {
    f->walk |= WA__CANCELLING;
    loop->cancel_frames[loop->cancel_count++] = (struct wa__cancel_frame){f, head, 0, 0};
}

/* Unmarks the chain from head down to bottom, which it passed. */
static void unmark_chain(wa_task *head, wa_task *bottom) {
    for (wa_task *u = head;; u = (wa_task *)u->waiting_on) {
        u->fut.walk &= (uint8_t)~WA__CANCELLING;
        if (u == bottom) break;
    }
}

static int is_gather(const wa_future *f) {
    return f->kind == WA__COMBINER && ((const wa__combiner *)f)->mode == WA__GATHER;
}

/* Starts cancelling f: returns 0 or 1 when the answer is known at once, or
 * PUSHED when frames now wait on a gather's children. */
static int enter(wa__loop *loop, wa_future *f, const char *msg) {
    if (f->state != WA_PENDING || (f->walk & WA__CANCELLING)) return 0;
    if (f->kind == WA__FUTURE) {
        if (msg) wa__future_set_msg(f, msg);
        wa__future_complete(f, WA_CANCELLED, 0, 0);
        return 1;
    }
    if (f->kind == WA__COMBINER) {
        if (!is_gather(f)) return wa__combiner_cancel((wa__combiner *)f, msg);  /* its children go on */
        if (!reserve(loop, 1)) return 0;  /* no memory: the awaiting task gets the cancel instead */
        push(loop, f, NULL);
        return PUSHED;
    }
    /* A task: down the chain of tasks awaiting tasks, each one counting the
     * request, to the one that awaits something else. */
    wa_task *head = (wa_task *)f, *t = head;
    for (;;) {
        t->fut.walk |= WA__CANCELLING;
        t->cancel_requests++;
        if (msg) wa__future_set_msg(&t->fut, msg);
        if (t->sleeping) {               /* wake it now; the sleep returns WA_ECANCELLED */
            wa__heap_remove(&loop->timers, &t->timer);
            t->sleeping = 0;
            t->must_cancel = 1;
            wa__list_push(&loop->ready, &t->wake);
            break;
        }
        if (t->parked && wa__waitq_cancel(t)) break;  /* out of a lock's, queue's... wait queue */
        wa_future *w = t->waiting_on;
        if (w && w->kind == WA__TASK && w->state == WA_PENDING && !(w->walk & WA__CANCELLING)) {
            t = (wa_task *)w;
            continue;
        }
        /* Cancel what it awaits; the outcome reaches it through that await.
         * If that cannot be cancelled, its next await delivers the cancel. */
        if (w && is_gather(w) && w->state == WA_PENDING && !(w->walk & WA__CANCELLING) && reserve(loop, 2)) {
            push(loop, &t->fut, head);
            push(loop, w, NULL);
            return PUSHED;
        }
        if (!w || is_gather(w) || enter(loop, w, msg) != 1) t->must_cancel = 1;
        break;
    }
    unmark_chain(head, t);
    return 1;
}

int wa__future_cancel(wa_future *f, const char *msg) {
    wa__loop *loop = f->loop;
    size_t base = loop->cancel_count;     /* frames below are another walk's (none today) */
    int r = enter(loop, f, msg);
    while (loop->cancel_count > base) {
        if (r == PUSHED) r = NONE;
        struct wa__cancel_frame *fr = &loop->cancel_frames[loop->cancel_count - 1];
        if (is_gather(fr->f)) {
            wa__combiner *c = (wa__combiner *)fr->f;
            if (r == 1) fr->any = 1;
            while (fr->next < c->n && !c->watches[fr->next].linked) fr->next++;
            if (fr->next < c->n) {
                wa_future *child = c->watches[fr->next++].child;
                r = enter(loop, child, msg);   /* may push: fr is not used after */
                continue;
            }
            if (fr->any) c->cancel_requested = 1;
            c->fut.walk &= (uint8_t)~WA__CANCELLING;
            r = fr->any;
        } else {                           /* the chain's bottom task has the gather's answer */
            wa_task *bottom = (wa_task *)fr->f;
            if (r != 1) bottom->must_cancel = 1;
            unmark_chain(fr->head, bottom);
            r = 1;
        }
        loop->cancel_count--;
    }
    return r;
}

int wa__task_request_cancel(wa_task *t, const char *msg) { return wa__future_cancel(&t->fut, msg); }

void wa__cancel_free(wa__loop *loop) {
    free(loop->cancel_frames);
    loop->cancel_frames = NULL;
    loop->cancel_count = loop->cancel_cap = 0;
}
