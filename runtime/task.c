/* Tasks: a body run as a coroutine, its lifecycle, cancellation, and the
 * operations that suspend it (await, sleep, yield). */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASK_OF(ptr, member) ((wa_task *)((char *)(ptr) - offsetof(wa_task, member)))

static void finish(wa_task *t, int code) {
    wa__loop *loop = wa__loop_now;
    wa_state state = code == WA_ECANCELLED ? WA_CANCELLED : WA_DONE;
    if (code && !t->fut.msg)             /* passed on an error: keep its message */
        t->fut.msg = wa__strdup(wa__message_for(code));
    else if (!code && t->fut.msg)        /* a cancellation it handled leaves no message */
        wa__future_set_msg(&t->fut, NULL);
    if (t->timeouts) wa__timeouts_drop(t);
    if (t->groups) wa__groups_drop(t);
    if (t->started && !t->stack.len) wa__save_hint_learn(loop, 0);  /* ran without suspending */
    wa__switch_forget(loop, t);
    loop->tasks_pending--;
    if (state != WA_DONE || code) wa__value_drop(&t->fut);  /* a result it set but did not end with */
    wa__future_settle(&t->fut, state, state == WA_CANCELLED ? 0 : code);
    wa__future_unref(&t->fut);           /* the loop's reference */
}

/* The ready-queue entry of a task: start it or resume it where it suspended. */
static void step(wa__handle *h) {
    wa_task *t = TASK_OF(h, wake);
    wa__loop *loop = wa__loop_now;
    if (!t->started && t->must_cancel) {     /* cancelled before it ever ran */
        finish(t, WA_ECANCELLED);
        return;
    }
    t->started = 1;
    t->steps++;
    loop->current = t;
    wa__switch_run(t);
    loop->current = NULL;
    /* A body that succeeds with a cancel still undelivered (it cancelled
     * itself, say) ends cancelled, as asyncio's tasks do; an error wins. */
    if (t->body_done) {
        int code = t->fut.code;          /* the body's return value, kept there by the switch */
        t->fut.code = 0;
        finish(t, code == 0 && t->must_cancel ? WA_ECANCELLED : code);
    }
}

wa_task *wa__task_of_step(wa__handle *h) { return h->run == step ? TASK_OF(h, wake) : NULL; }

void wa__task_entry(wa_task *t) {
    t->fut.code = t->fn(t->arg);         /* read by step, which finishes the task at once */
    t->body_done = 1;
}

void wa__task_discard(wa_task *t) {
    wa__loop *loop = t->fut.loop;          /* the loop need not be running */
    if (t->sleeping) wa__heap_remove(&loop->timers, &t->timer);
    if (t->timeouts) wa__timeouts_drop(t);
    if (t->groups) wa__groups_drop(t);
    if (t->parked) wa__waitq_leave(t);  /* never woke: out of a primitive's queue */
    if (t->fut.state == WA_PENDING) loop->tasks_pending--;
    if (t->stack.bytes) wa__switch_forget(loop, t);
    if (t->name) free(t->name);
    loop->tasks_alive--;
}

wa_task *wa__task_new(wa__loop *loop, wa_fn fn, void *arg) {
    if (!loop || !fn) {
        wa__error(WA_EINVAL, loop ? "task body is NULL" : "wa_create_task called outside wa_run: no loop is running");
        return NULL;
    }
    /* Room for the first save, filling the allocator's block (saved_stack.c). */
    size_t record = loop->save_hint ? WA__STACK_CAP(sizeof(wa_task) + loop->save_hint) : sizeof(wa_task);
    wa_task *t = wa__malloc(record);
    if (!t) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    memset(t, 0, sizeof *t);             /* save_space is written before it is read */
    t->save_space_len = (uint16_t)(record - sizeof(wa_task));
    t->fut.kind = WA__TASK;
    t->fut.refs = 2;                     /* the caller's and the loop's */
    t->fn = fn;
    t->arg = arg;
    t->wake.run = step;
    t->id = ++loop->next_task_id;
    if (loop == wa__loop_now && loop->current) t->parent_id = loop->current->id;
    wa__future_link(loop, &t->fut);
    loop->tasks_alive++;
    loop->tasks_pending++;
    wa__list_push(&loop->ready, &t->wake);
    /* An integer passed as the argument may fall in the stack's range too, so
     * this is only a warning, and only in debug mode. */
    if (loop->debug && wa__switch_on_task_stack(arg)) wa__debug_stack_arg(t);
    return t;
}

__attribute__((noinline, cold)) static wa_task *create_error(const char *what, wa_fn fn) {
    wa__error(WA_EINVAL, fn ? "%s called outside wa_run: no loop is running" : "%s: the task body is NULL", what);
    return NULL;
}

wa_task *wa_create_task(wa_fn fn, void *arg) {
    if (!wa__loop_now || !fn) return create_error("wa_create_task", fn);
    return wa__task_new(wa__loop_now, fn, arg);
}

wa_task *wa_loop_create_task(wa_loop *loop, wa_fn fn, void *arg) {
    if (loop && !wa__is(loop, WA__LOOP)) return WA__BAD(loop, WA__LOOP, "wa_loop_create_task", NULL);
    if (!loop) loop = wa__loop_now;
    if (!loop || !fn) return create_error("wa_loop_create_task", fn);
    return wa__task_new(loop, fn, arg);
}

int wa_task_release(wa_task *t) {
    if (!t) return 0;
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_release");
    if (t->fut.released) return wa__released_error("wa_task_release", &t->fut);
    t->fut.released = 1;
    wa__future_unref(&t->fut);
    return 0;
}

__attribute__((noinline, cold)) static void not_in_task(const char *what) {
    wa__error(WA_ENOTASK, wa__in_coroutine() ? "%s called inside a coroutine: only tasks can await"
                                             : "%s called outside a task", what);
}

/* Called with the running task: returns it, or fails with WA_ENOTASK. */
wa_task *wa__running(const char *what) {
    wa_task *t = wa__loop_now ? wa__loop_now->current : NULL;
    if (!t) not_in_task(what);
    return t;
}

__attribute__((noinline, cold)) int wa__cancel_delivered(wa_task *t) {
    t->must_cancel = 0;
    if (t->fut.msg) wa__error(WA_ECANCELLED, "%s", t->fut.msg);  /* the cancel message */
    return 1;
}


/* Errors of the suspending paths, kept out of line: a varargs call would give
 * every frame on those paths a buffer, and suspended tasks keep their frames. */
__attribute__((noinline, cold)) int wa__suspend_error(wa_task *t, int rc) {
    if (rc == WA_ENOSUSPEND)
        return wa__error(rc, "task '%s' cannot suspend here: JS called this C code back while the task was "
                             "inside a call to JS, and Asyncify cannot unwind JS frames (await in C called from C, "
                             "or return to the task first)", wa_task_name(t));
    if (rc == WA_ESTACK)
        return wa__error(rc, "task '%s': stack too deep to suspend (over %d bytes)", wa_task_name(t),
                         WA_STACK_LIMIT);
    return wa__error(rc, "task '%s': no memory to keep its stack while suspended", wa_task_name(t));
}

__attribute__((noinline, cold)) static int await_error(const char *what, wa_task *t, const wa_future *f) {
    if (!t) return WA_ENOTASK;
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, what);
    return wa__error(WA_EINVAL, "%s: task '%s' awaits itself", what, wa_task_name(t));
}


/* The futures a pending f waits on: a task's awaited future, a combiner's
 * children. Calls visit(each, ctx) until it returns nonzero. */
static int for_each_awaited(wa_future *f, int (*visit)(wa_future *on, void *ctx), void *ctx) {
    if (f->state != WA_PENDING) return 0;
    if (f->kind == WA__TASK) {
        wa_future *on = ((wa_task *)f)->waiting_on;
        return on ? visit(on, ctx) : 0;
    }
    if (f->kind == WA__COMBINER) {
        wa__combiner *c = (wa__combiner *)f;
        for (size_t i = 0; i < c->n; i++)
            if (c->watches[i].linked) {
                int rc = visit(c->watches[i].child, ctx);
                if (rc) return rc;
            }
    }
    return 0;
}

/* The futures still to look at live in the loop (walk_items), kept between
 * awaits so a check allocates nothing once grown. */
static int push_unvisited(wa_future *on, void *ctx) {
    wa_task *self = ctx;
    if (on == &self->fut) return 1;
    if (on->walk & WA__VISITED) return 0;
    wa__loop *loop = self->fut.loop;
    if (loop->walk_count == loop->walk_cap) {
        size_t cap = loop->walk_cap ? loop->walk_cap * 2 : 64;
        wa_future **items = wa__realloc(loop->walk_items, cap * sizeof *items);
        if (!items) return -1;           /* cannot tell: the await goes ahead */
        loop->walk_items = items;
        loop->walk_cap = cap;
    }
    on->walk |= WA__VISITED;
    loop->walk_items[loop->walk_count++] = on;
    return 0;
}

/* 1 when t awaiting f closes a cycle: f waits, through tasks and combiners,
 * for t. A cycle never ends, so the await that would close it is refused.
 * Iterative, each future looked at once: bounded by the futures reachable. */
__attribute__((noinline)) static int closes_cycle(wa_task *t, wa_future *f) {
    if (f->kind == WA__FUTURE) return 0;     /* a plain future waits on nothing */
    if (!t->fut.callbacks.head) return 0;    /* nothing waits on t, so no chain leads back */
    wa__loop *loop = t->fut.loop;
    int found = push_unvisited(f, t);
    for (size_t at = 0; !found && at < loop->walk_count; at++)
        found = for_each_awaited(loop->walk_items[at], push_unvisited, t);
    for (size_t i = 0; i < loop->walk_count; i++) loop->walk_items[i]->walk &= (uint8_t)~WA__VISITED;
    loop->walk_count = 0;
    return found == 1;
}

__attribute__((noinline, cold)) static int cycle_error(wa_task *t, wa_future *f) {
    char on[64];
    if (f->kind == WA__TASK) snprintf(on, sizeof on, "'%s'", wa_task_name((wa_task *)f));
    else wa__describe_wait_on(f, on, sizeof on);
    return wa__error(WA_EDEADLOCK, "task '%s' awaits %s, which waits for '%s': an await cycle never ends",
                     wa_task_name(t), on, wa_task_name(t));
}

/* An await in halves around the suspension, which programs call from their
 * own frames (the header's wa__suspend): begin answers with the stack to
 * suspend, or with the result when the await is over at once (odd); the end
 * is wa__suspend_end, below. */
static uint64_t at_once(int rc) { return ((uint64_t)(uint32_t)rc << 1) | 1; }

uint64_t wa__await_begin(wa_future *f, int of_task) {
    const char *what = of_task ? "wa_await_task" : "wa_await_future";
    if (of_task && !wa__is(f, WA__TASK)) return at_once(wa__bad_object(f, WA__TASK, what));
    wa_task *t = wa__running(what);
    if (!t || !wa__is_future(f) || f == &t->fut) return at_once(await_error(what, t, f));
    if (f->state == WA_PENDING && closes_cycle(t, f)) return at_once(cycle_error(t, f));
    if (f->state == WA_PENDING && wa__task_take_cancel(t)) wa__future_cancel(f, t->fut.msg);
    if (f->state != WA_PENDING) return at_once(wa__future_outcome(f, NULL));
    if (wa__host_foreign_frames) return at_once(wa__suspend_error(t, WA_ENOSUSPEND));
    wa__list_push(&f->callbacks, &t->wake);
    t->waiting_on = f;
    wa__future_ref(f);
    return (uintptr_t)&t->stack;
}

int wa_await_future(wa_future *f) { return wa__await_future(f); }

int wa_await_task(wa_task *t) { return wa__await_task(t); }

static void wake_from_sleep(wa__timer *tm) {
    wa_task *t = TASK_OF(tm, timer);
    t->sleeping = 0;
    wa__list_push(&wa__loop_now->ready, &t->wake);
}

/* The sleeps and wa_yield in halves around the suspension, as the awaits. */
uint64_t wa__yield_begin(void) {
    wa_task *t = wa__running("wa_yield");
    if (!t) return at_once(WA_ENOTASK);
    if (wa__host_foreign_frames) return at_once(wa__suspend_error(t, WA_ENOSUSPEND));
    wa__list_push(&wa__loop_now->ready, &t->wake);
    return (uintptr_t)&t->stack;
}

uint64_t wa__sleep_begin(double time, int until) {
    const char *what = until ? "wa_sleep_until" : "wa_sleep";
    wa_task *t = wa__running(what);
    if (!t) return at_once(WA_ENOTASK);
    if (isnan(time)) return at_once(wa__error(WA_EINVAL, "%s: the time is NaN", what));
    if (!until && time <= 0) return wa__yield_begin();
    if (wa__task_take_cancel(t)) return at_once(WA_ECANCELLED);
    if (wa__host_foreign_frames) return at_once(wa__suspend_error(t, WA_ENOSUSPEND));
    /* A deadline already past still goes through the timers: it fires on
     * the next round, in deadline order with the others. */
    uint64_t deadline = wa__deadline_ns(time);
    if (!until) {
        uint64_t now = wa__now();
        deadline = deadline > UINT64_MAX - now ? UINT64_MAX : now + deadline;
    }
    t->timer.fire = wake_from_sleep;
    int rc = wa__timer_start(&t->timer, deadline);
    if (rc) return at_once(rc);
    t->sleeping = 1;
    return (uintptr_t)&t->stack;
}

/* After any begin's suspension: an await's task waits on its future, a
 * sleeper's timer is armed, and a yielder is in the ready queue. A
 * suspension that failed (rc) takes the task back out of what it waited in. */
int wa__suspend_end(int rc) {
    wa_task *t = wa__loop_now->current;
    wa_future *f = t->waiting_on;
    if (rc) {
        if (f) wa__list_remove(&f->callbacks, &t->wake);
        else if (t->sleeping) wa__heap_remove(&wa__loop_now->timers, &t->timer);
        else wa__list_remove(&wa__loop_now->ready, &t->wake);
        t->sleeping = 0;
        rc = wa__suspend_error(t, rc);
    } else if (wa__task_take_cancel(t)) {
        rc = WA_ECANCELLED;
    } else if (f) {
        rc = wa__future_outcome(f, NULL);
    }
    if (f) {
        t->waiting_on = NULL;
        wa__future_unref(f);             /* begin's reference */
    }
    return rc;
}

int wa_sleep(double seconds) { return wa__suspend(wa__sleep_begin(seconds, 0)); }

int wa_sleep_until(double when) { return wa__suspend(wa__sleep_begin(when, 1)); }

int wa_yield(void) { return wa__suspend(wa__yield_begin()); }

int wa_task_cancel(wa_task *t) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_cancel");
    return wa__future_cancel(&t->fut, NULL);
}

int wa_task_cancel_msg(wa_task *t, const char *msg) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_cancel_msg");
    return wa__future_cancel(&t->fut, msg);
}

int wa_task_cancelling(const wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_cancelling", 0);
    return t->cancel_requests;
}

int wa_task_uncancel(wa_task *t) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_uncancel");
    if (t->cancel_requests > 0 && --t->cancel_requests == 0) t->must_cancel = 0;
    return t->cancel_requests;
}

size_t wa_all_tasks(wa_task **out, size_t cap) {
    wa__loop *loop = wa__loop_now;
    if (!loop) return 0;
    if (!out && cap) return wa__error(WA_EINVAL, "wa_all_tasks: out is NULL and cap is %zu", cap), 0;
    size_t count = loop->tasks_pending, k = 0;
    /* The loop's list is newest first: fill from the end to list oldest first. */
    for (wa_future *f = loop->all; f; f = f->all_next) {
        if (f->kind != WA__TASK || f->state != WA_PENDING) continue;
        size_t at = count - 1 - k++;
        if (at < cap) out[at] = (wa_task *)f;
    }
    return count;
}

wa_state wa_task_state(const wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_state", WA_PENDING);
    return (wa_state)t->fut.state;
}

int wa_task_done(const wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_done", 0);
    return t->fut.state != WA_PENDING;
}

int wa_task_result(const wa_task *t, intptr_t *value) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_result");
    return wa__future_outcome(&t->fut, value);
}

const char *wa_task_errmsg(const wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_errmsg", "");
    return t->fut.msg ? t->fut.msg : "";
}

wa_future *wa_task_future(wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_future", NULL);
    return &t->fut;
}

const char *wa_task_name(const wa_task *t) {
    if (!wa__is(t, WA__TASK)) return WA__BAD(t, WA__TASK, "wa_task_name", "");
    if (!t->name) {
        char buf[24];
        snprintf(buf, sizeof buf, "Task-%u", (unsigned)t->id);
        ((wa_task *)t)->name = wa__strdup(buf);  /* named lazily: most never are */
        if (!t->name) return "Task-?";
    }
    return t->name;
}

int wa_task_set_name(wa_task *t, const char *name) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_set_name");
    if (!name) return wa__error(WA_EINVAL, "wa_task_set_name: the name is NULL");
    char *copy = wa__strdup(name);
    if (!copy) return wa__error(WA_ENOMEM, NULL);
    free(t->name);
    t->name = copy;
    return 0;
}

wa_task *wa_current_task(void) { return wa__loop_now ? wa__loop_now->current : NULL; }
