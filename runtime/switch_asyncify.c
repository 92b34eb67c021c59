/* Task switching for WebAssembly with in-module Asyncify (Binaryen).
 *
 * Every task runs on one shared stack region. To suspend, a task unwinds its
 * wasm frames into a scratch buffer (asyncify.start_unwind) back to
 * wa__switch_run, which copies out just the bytes used: the unwind data and the
 * task's part of the C stack. To resume, both are copied back to the same
 * addresses and the frames are rewound. A shallow await keeps ~32 bytes.
 *
 * wa__switch_run must not be instrumented (it catches the unwind and calls
 * task bodies); the build helper keeps it out, see bin/lib/asyncify.mjs. */
#include "internal.h"
#include "asyncify.h"

#include <stdlib.h>
#include <string.h>


uintptr_t wa__sp_get(void);              /* wasm_stack_pointer.s */
void wa__sp_set(uintptr_t sp);

#define REGION_SIZE (1024 * 1024)        /* the shared task stack; limit + room for calls */
#define SCRATCH_SIZE (1024 * 1024)       /* unwind data; the engine's own stack ends first */

/* Asyncify's view of a data buffer: where to write next, and its end. */
struct unwind_data {
    char *current;
    char *end;
};

/* Each thread that runs loops has its own shared task stack. */
static _Thread_local struct {
    char *region;                        /* shared task stack, REGION_SIZE bytes */
    uintptr_t top;                       /* its highest address: tasks start here */
    char *scratch;                       /* unwind data of the task or coroutine being switched */
    int scratch_users;                   /* the loops' switch (one) and each coroutine */
    struct unwind_data data;             /* asyncify's cursor into scratch */
    wa__stack *suspending;               /* the stack being saved, while unwinding */
    uintptr_t suspend_sp;                /* its stack pointer: its C bytes are [suspend_sp, top) */
    int resuming;                        /* rewinding into a task */
    int resume_code;                     /* what wa__switch_suspend returns after it */
} sw;

/* The scratch buffer is shared by tasks and coroutines: only one unwind or
 * rewind happens at a time. */
static int scratch_acquire(void) {
    if (!sw.scratch && !(sw.scratch = wa__malloc(SCRATCH_SIZE))) return WA_ENOMEM;
    sw.scratch_users++;
    return 0;
}

static void scratch_release(void) {
    if (--sw.scratch_users > 0) return;
    free(sw.scratch);
    sw.scratch = NULL;
}

int wa__switch_init(void) {
    if (!(sw.region = wa__malloc(REGION_SIZE))) return WA_ENOMEM;
    if (scratch_acquire()) {
        free(sw.region);
        sw.region = NULL;
        return WA_ENOMEM;
    }
    sw.top = ((uintptr_t)sw.region + REGION_SIZE) & ~(uintptr_t)15;
    return 0;
}

void wa__switch_fini(void) {
    free(sw.region);
    sw.region = NULL;
    sw.top = 0;
    scratch_release();
}

/* The point where a task's frames leave and come back, called straight from
 * the waits (wa_yield, the awaits, wait queues), so that a suspension unwinds
 * only the task's own frames and the wait's. It keeps nothing on the C stack,
 * so the stack pointer read here is its caller's. */
__attribute__((noinline)) int wa__switch_suspend(wa__stack *st) {
    if (sw.resuming) {
        wa__stop_rewind();
        sw.resuming = 0;
        return sw.resume_code;
    }
    uintptr_t sp = wa__sp_get();
    if (sw.top - sp > WA_STACK_LIMIT) return WA_ESTACK;
    sw.suspending = st;
    sw.suspend_sp = sp;
    sw.data.current = sw.scratch;
    sw.data.end = sw.scratch + SCRATCH_SIZE;
    wa__start_unwind(&sw.data);
    return 0;
}

/* Runs the body, or rewinds into it. Called from here rather than through a
 * helper: the body is then the outermost frame a suspension unwinds. */
static inline __attribute__((always_inline)) void enter(wa_task *t) {
    int rc = t->fn(t->arg);
    if (sw.suspending) return;           /* it unwound: not done */
    t->fut.code = rc;                    /* read by step, which finishes the task at once */
    t->body_done = 1;
}

/* Rewinds t from the unwind data at sw.data, its C stack in place. */
static void rewind_into(wa_task *t, uintptr_t sp, int code) {
    sw.resuming = 1;
    sw.resume_code = code;
    wa__sp_set(sp);
    wa__start_rewind(&sw.data);
    enter(t);
}

/* Copies n bytes, a multiple of 4 (unwind data is i32 and i64 words; the C
 * stack moves in 16-byte steps). Most saves are a few words: inline, where a
 * call of memcpy cost more than the copy. */
static inline void copy(void *dst, const void *src, uint32_t n) {
    if (n > 64) {
        memcpy(dst, src, n);
        return;
    }
    char *d = dst;
    const char *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) __builtin_memcpy(d, s, 8);
    if (n) __builtin_memcpy(d, s, 4);
}

/* A task that suspends where it did last time (a loop of awaits) needs
 * neither more room nor a new count: no calls then. */
static int save(wa_task *t) {
    wa__stack *st = &t->stack;
    uint32_t aux = (uint32_t)(sw.data.current - sw.scratch);
    uint32_t c_len = (uint32_t)(sw.top - sw.suspend_sp);
    uint32_t len = aux + c_len;
    if (len > wa__stack_room(t)) {
        int rc = wa__stack_reserve(t, len);
        if (rc) return rc;
    }
    copy(st->bytes, sw.scratch, aux);
    if (c_len) copy(st->bytes + aux, (void *)sw.suspend_sp, c_len);  /* optimised code often keeps none */
    st->aux_len = aux;
    if (len != st->len) wa__stack_set_len(st, len);
    return 0;
}

void wa__switch_run(wa_task *t) {
    uintptr_t caller_sp = wa__sp_get();
    wa__stack *st = &t->stack;
    if (!st->len) {                      /* first run: start at the top */
        wa__sp_set(sw.top);
        enter(t);
    } else {
        /* The rewind reads the unwind data where it was kept (it only reads). */
        uint32_t c_len = st->len - st->aux_len;
        if (c_len) copy((void *)(sw.top - c_len), st->bytes + st->aux_len, c_len);
        sw.data.current = st->bytes + st->aux_len;
        sw.data.end = sw.data.current;
        rewind_into(t, sw.top - c_len, 0);
    }
    while (sw.suspending) {              /* the task unwound back to here */
        wa__stop_unwind();
        /* The unwind leaves the stack pointer inside the task's stack; a
         * frame of ours there (rewind_into's, unoptimised) would be
         * overwritten by the task if it resumes with an error below. */
        wa__sp_set(caller_sp);
        sw.suspending = NULL;
        int rc = save(t);
        if (rc == 0) break;
        rewind_into(t, sw.suspend_sp, rc);  /* could not keep it: resume with the error */
    }
    wa__sp_set(caller_sp);
}


int wa__switch_on_task_stack(const void *p) {
    return sw.region && (const char *)p >= sw.region && (uintptr_t)p < sw.top;
}

/* ------------------------------------------------------------- coroutines
 *
 * A coroutine has a C stack of its own, so its frames stay where they are
 * while it is suspended; only its unwind data is copied out at a yield. */

#define COROUTINE_STACK (64 * 1024)

struct wa__costack {
    char *region;                        /* its C stack, COROUTINE_STACK bytes */
    uintptr_t sp;                        /* stack pointer where it yielded */
    char *aux;                           /* unwind data saved at the yield */
    uint32_t aux_len, aux_cap;
    uint8_t started, yielding, resuming;
};

wa__costack *wa__costack_new(void) {
    wa__costack *cs = wa__calloc(1, sizeof *cs);
    if (!cs) return NULL;
    if (!(cs->region = wa__malloc(COROUTINE_STACK)) || scratch_acquire()) {
        free(cs->region);
        free(cs);
        return NULL;
    }
    return cs;
}

void wa__costack_free(wa__costack *cs) {
    if (!cs) return;
    free(cs->region);
    free(cs->aux);
    free(cs);
    scratch_release();
}

/* Where a coroutine's frames leave and come back. */
__attribute__((noinline)) static void coroutine_point(wa__costack *cs) {
    if (cs->resuming) {
        wa__stop_rewind();
        cs->resuming = 0;
        return;
    }
    cs->sp = wa__sp_get();
    cs->yielding = 1;
    sw.data.current = sw.scratch;
    sw.data.end = sw.scratch + SCRATCH_SIZE;
    wa__start_unwind(&sw.data);
}

void wa__costack_yield(wa__costack *cs) { coroutine_point(cs); }

int wa__costack_resume(wa__costack *cs, void *ctx) {
    uintptr_t caller_sp = wa__sp_get();
    if (!cs->started) {
        cs->started = 1;
        wa__sp_set(((uintptr_t)cs->region + COROUTINE_STACK) & ~(uintptr_t)15);
    } else {
        memcpy(sw.scratch, cs->aux, cs->aux_len);
        sw.data.current = sw.scratch + cs->aux_len;
        sw.data.end = sw.scratch + SCRATCH_SIZE;
        cs->resuming = 1;
        wa__sp_set(cs->sp);
        wa__start_rewind(&sw.data);
    }
    wa__coro_entry(ctx);
    int rc = 0;
    if (cs->yielding) {                  /* it yielded: keep its unwind data */
        wa__stop_unwind();
        cs->yielding = 0;
        uint32_t len = (uint32_t)(sw.data.current - sw.scratch);
        char *aux = len > cs->aux_cap ? wa__realloc(cs->aux, len) : cs->aux;
        if (aux) {
            memcpy(aux, sw.scratch, len);
            cs->aux = aux;
            cs->aux_len = len;
            if (len > cs->aux_cap) cs->aux_cap = len;
        } else {
            rc = WA_ENOMEM;
        }
    }
    wa__sp_set(caller_sp);
    return rc;
}
