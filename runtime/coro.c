/* Coroutine objects, Lua style: created suspended, resumed explicitly with a
 * value in, yielding a value out, dead once the body returns. Generators are
 * coroutines driven by wa_gen_next. They need no loop.
 *
 * Each coroutine runs on a stack of its own (switch_*.c), so it can be
 * resumed from anywhere: main, a task, a callback or another coroutine. It
 * cannot await: suspending a task from inside it would have to unwind the
 * resumer's frames too. */
#include "internal.h"

#include <stdlib.h>

struct wa_coro {
    wa__object obj;                      /* WA__CORO, generators too */
    wa__costack *stack;                  /* the switch's state: its own stack */
    wa_coro_fn fn;
    void *arg;                           /* the creator's, untouched */
    intptr_t transfer;                   /* resume's value in, or yield's / return's value out */
    wa_coro *resumer;                    /* the coroutine that resumed this one, if any */
    wa_task *task;                       /* the task it was resumed from, stepped aside meanwhile */
    uint8_t status;                      /* WA_CORO_SUSPENDED ... */
    uint8_t yielded;                     /* the last run ended in a yield, not a return */
    int32_t failure;                     /* set when it cannot be resumed again (WA_ENOMEM) */
};

static _Thread_local wa_coro *running;   /* the coroutine whose body is executing, or NULL */

wa_coro *wa_coro_new(wa_coro_fn fn, void *arg) {
    if (!fn) {
        wa__error(WA_EINVAL, "wa_coro_new: the coroutine body is NULL");
        return NULL;
    }
    wa_coro *co = wa__calloc(1, sizeof *co);
    if (!co || !(co->stack = wa__costack_new())) {
        free(co);
        wa__error(WA_ENOMEM, "no memory for a coroutine and its stack");
        return NULL;
    }
    co->obj.kind = WA__CORO;
    co->fn = fn;
    co->arg = arg;
    co->status = WA_CORO_SUSPENDED;
    return co;
}

int wa_coro_free(wa_coro *co) {
    if (!co) return 0;
    if (!wa__is(co, WA__CORO)) return wa__bad_object(co, WA__CORO, "wa_coro_free");
    if (co->status == WA_CORO_RUNNING || co->status == WA_CORO_NORMAL)   /* its stack is in use */
        return wa__error(WA_EINVAL, "wa_coro_free: the coroutine is running");
    wa__costack_free(co->stack);         /* a suspended body is dropped where it stood */
    wa__retire_object(co, sizeof *co);
    return 0;
}

wa_coro_state wa_coro_status(const wa_coro *co) {
    if (!wa__is(co, WA__CORO)) return WA__BAD(co, WA__CORO, "wa_coro_status", WA_CORO_DEAD);
    return (wa_coro_state)co->status;
}

wa_coro *wa_coro_running(void) { return running; }

int wa__in_coroutine(void) { return running != NULL; }

void wa__coro_entry(void *ctx) {
    wa_coro *co = ctx;
    co->transfer = co->fn(co->arg, co->transfer);
    co->yielded = 0;
}

int wa_coro_resume(wa_coro *co, intptr_t in, intptr_t *out) {
    if (!wa__is(co, WA__CORO)) return wa__bad_object(co, WA__CORO, "wa_coro_resume");
    if (co->status != WA_CORO_SUSPENDED)
        return wa__error(co->status == WA_CORO_DEAD ? WA_ESTATE : WA_EINVAL,
                         co->status == WA_CORO_DEAD ? "cannot resume a dead coroutine"
                                                    : "cannot resume a running coroutine");
    if (co->failure) return wa__error(co->failure, "the coroutine could not keep its state");
    wa__loop *loop = wa__loop_now;
    co->task = loop ? loop->current : NULL;
    if (loop) loop->current = NULL;      /* inside the body there is no task to suspend */
    co->resumer = running;
    if (running) running->status = WA_CORO_NORMAL;
    running = co;
    co->status = WA_CORO_RUNNING;
    co->transfer = in;
    co->yielded = 1;
    int rc = wa__costack_resume(co->stack, co);
    running = co->resumer;
    if (running) running->status = WA_CORO_RUNNING;
    if (loop) loop->current = co->task;
    co->status = co->yielded && rc == 0 ? WA_CORO_SUSPENDED : WA_CORO_DEAD;
    if (rc) return co->failure = wa__error(rc, "no memory to keep the coroutine's state");
    if (out) *out = co->transfer;
    return co->yielded;
}

int wa_coro_yield(intptr_t value, intptr_t *in) {
    wa_coro *co = running;
    if (!co) return wa__error(WA_ESTATE, "wa_coro_yield called outside a coroutine");
    if (wa__host_foreign_frames)
        return wa__error(WA_ENOSUSPEND, "wa_coro_yield: cannot yield here: JS called this C code back inside "
                                        "the coroutine's call to JS, and Asyncify cannot unwind JS frames");
    co->transfer = value;
    wa__costack_yield(co->stack);        /* back in wa_coro_resume until the next resume */
    if (in) *in = co->transfer;
    return 0;
}
