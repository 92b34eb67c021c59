/* Futures: a state, a result or an error, and callbacks run through the loop
 * once the future is done. Tasks and combiners embed one as their first member. */
#include "internal.h"

#include <stdlib.h>

/* A user's done callback, queued like any other handle. */
typedef struct done_callback {
    wa__handle handle;
    wa_future *future;                   /* referenced until the callback has run */
    void (*fn)(wa_future *f, void *arg);
    void *arg;                           /* the user's, untouched */
} done_callback;

static void run_done_callback(wa__handle *h) {
    done_callback *cb = (done_callback *)h;
    cb->future->retrieved = 1;           /* the callback is where its outcome gets read */
    cb->fn(cb->future, cb->arg);
    wa__future_unref(cb->future);
    free(cb);
}

void wa__future_link(wa__loop *loop, wa_future *f) {
    f->loop = loop;
    f->all_prev = NULL;
    f->all_next = loop->all;
    if (loop->all) loop->all->all_prev = f;
    loop->all = f;
    loop->futures_alive++;
    wa__debug_stamp(loop, f);
}

static void unlink_future(wa_future *f) {
    if (f->all_prev) f->all_prev->all_next = f->all_next;
    else f->loop->all = f->all_next;
    if (f->all_next) f->all_next->all_prev = f->all_prev;
    f->loop->futures_alive--;
}

void wa__future_drop_callbacks(wa_future *f) {
    for (wa__handle *h = f->callbacks.head, *next; h; h = next) {
        next = h->next;
        if (h->run == run_done_callback) free(h);   /* the others are embedded in their owner */
    }
    f->callbacks.head = f->callbacks.tail = NULL;
}

void wa__future_destroy(wa_future *f) {
    if (f->loop->debug) wa__debug_destroyed(f);
    unlink_future(f);
    /* Most of these are empty: tested here, a task's end calls nothing it need not. */
    if (f->debug) free(f->debug);
    if (f->callbacks.head) wa__future_drop_callbacks(f);
    if (f->kind == WA__TASK) wa__task_discard((wa_task *)f);
    else if (f->kind == WA__COMBINER) wa__combiner_destroy((wa__combiner *)f);
    if (f->msg) free(f->msg);
    if (f->vtype == WA__VAL_OWNED) wa__value_drop(f);  /* an owned result nobody took */
    wa__retire(f->loop, f);
}

void (wa__future_ref)(wa_future *f) { wa__future_ref(f); }

void (wa__future_unref)(wa_future *f) { wa__future_unref(f); }

void wa__future_settle(wa_future *f, wa_state state, int code) {
    f->state = (uint8_t)state;
    f->code = code;
    wa__list_splice(&f->loop->ready, &f->callbacks);
}

void wa__future_complete(wa_future *f, wa_state state, int code, intptr_t value) {
    f->value.i = value;
    f->vtype = WA__VAL_INT;
    wa__future_settle(f, state, code);
}

void wa__future_reset(wa_future *f) {
    f->state = WA_PENDING;
    f->code = 0;
    wa__value_drop(f);
    wa__future_set_msg(f, NULL);
}

int wa__future_code(const wa_future *f) {
    ((wa_future *)f)->retrieved = 1;
    return f->state == WA_CANCELLED ? WA_ECANCELLED : f->code;
}

void wa__future_set_msg(wa_future *f, const char *msg) {
    char *copy = msg ? wa__strdup(msg) : NULL;   /* out of memory: the code's name stands in */
    free(f->msg);
    f->msg = copy;
}

__attribute__((noinline, cold)) static int outcome_error(const wa_future *f) {
    if (f->state == WA_PENDING) return wa__error(WA_ESTATE, "result is not set yet");
    int code = f->state == WA_CANCELLED ? WA_ECANCELLED : f->code;
    return wa__error(code, "%s", f->msg ? f->msg : wa_strerror(code));
}

int wa__future_outcome(const wa_future *f, intptr_t *value) {
    if (f->state != WA_PENDING) ((wa_future *)f)->retrieved = 1;
    if (f->state == WA_CANCELLED && !f->msg) return WA_ECANCELLED;
    if (f->state != WA_DONE || f->code) return outcome_error(f);
    if (value) {
        int wide = f->vtype == WA__VAL_INT && (int64_t)(intptr_t)f->value.i != f->value.i;
        if (f->vtype == WA__VAL_DOUBLE || wide)   /* it does not fit: read it whole */
            return wa__error(WA_ESTATE, "the result is a %s: read it with the _%s function",
                             wide ? "64-bit integer" : "double", wide ? "i64" : "double");
        *value = wa__value_word(f);
    }
    return 0;
}

wa_future *wa__future_new(wa__loop *loop) {
    wa_future *f = wa__calloc(1, sizeof *f);
    if (!f) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    f->kind = WA__FUTURE;
    f->refs = 1;
    wa__future_link(loop, f);
    return f;
}

wa_future *wa_future_new(void) {
    if (!wa__loop_now) {
        wa__error(WA_EINVAL, "wa_future_new called outside a running loop");
        return NULL;
    }
    return wa__future_new(wa__loop_now);
}

int wa_future_release(wa_future *f) {
    if (!f) return 0;
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_release");
    if (f->released) return wa__released_error("wa_future_release", f);
    f->released = 1;
    if (f->state == WA_PENDING && f->kind != WA__TASK) wa__future_cancel(f, NULL);
    wa__future_unref(f);
    return 0;
}

int wa__future_settable(wa_future *f, const char *fn) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, fn);
    if (f->kind == WA__TASK) return wa__error(WA_ESTATE, "%s: a task's future is set by the task itself", fn);
    if (f->state != WA_PENDING) return wa__error(WA_ESTATE, "%s: future is already done", fn);
    return 0;
}

int wa_future_set_result(wa_future *f, intptr_t value) {
    int rc = wa__future_settable(f, "wa_future_set_result");
    if (!rc) wa__future_complete(f, WA_DONE, 0, value);
    return rc;
}

int wa_future_set_error(wa_future *f, int code, const char *msg) {
    int rc = wa__future_settable(f, "wa_future_set_error");
    if (rc) return rc;
    if (code == 0) return wa__error(WA_EINVAL, "wa_future_set_error: error code 0 is success");
    if (msg && !(f->msg = wa__strdup(msg))) return wa__error(WA_ENOMEM, NULL);
    wa__future_complete(f, WA_DONE, code, 0);
    return 0;
}

int wa_future_cancel(wa_future *f) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_cancel");
    if (f->state != WA_PENDING) return 0;
    return wa__future_cancel(f, NULL);
}

int wa_future_cancel_msg(wa_future *f, const char *msg) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_cancel_msg");
    if (f->state != WA_PENDING) return 0;
    return wa__future_cancel(f, msg);
}

int wa_future_done(const wa_future *f) {
    if (!wa__is_future(f)) return WA__BAD(f, WA__FUTURE, "wa_future_done", 0);
    return f->state != WA_PENDING;
}

wa_state wa_future_state(const wa_future *f) {
    if (!wa__is_future(f)) return WA__BAD(f, WA__FUTURE, "wa_future_state", WA_PENDING);
    return (wa_state)f->state;
}

wa_loop *wa__future_loop(const wa_future *f) { return f->loop; }

int wa_future_result(const wa_future *f, intptr_t *value) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_result");
    return wa__future_outcome(f, value);
}

const char *wa_future_errmsg(const wa_future *f) {
    if (!wa__is_future(f)) return WA__BAD(f, WA__FUTURE, "wa_future_errmsg", "");
    return f->msg ? f->msg : "";
}

int wa_future_add_done_callback(wa_future *f, void (*fn)(wa_future *f, void *arg), void *arg) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_add_done_callback");
    if (!fn) return wa__error(WA_EINVAL, "wa_future_add_done_callback: the callback is NULL");
    done_callback *cb = wa__malloc(sizeof *cb);
    if (!cb) return wa__error(WA_ENOMEM, NULL);
    cb->handle.run = run_done_callback;
    cb->future = f;
    cb->fn = fn;
    cb->arg = arg;
    wa__future_ref(f);
    wa__list_push(f->state == WA_PENDING ? &f->callbacks : &f->loop->ready, &cb->handle);
    return 0;
}

int wa_future_remove_done_callback(wa_future *f, void (*fn)(wa_future *f, void *arg), void *arg) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, "wa_future_remove_done_callback");
    if (!fn) return wa__error(WA_EINVAL, "wa_future_remove_done_callback: the callback is NULL");
    int removed = 0;
    wa__list kept = {NULL, NULL};
    for (wa__handle *h = f->callbacks.head, *next; h; h = next) {
        next = h->next;
        done_callback *cb = (done_callback *)h;
        if (h->run == run_done_callback && cb->fn == fn && cb->arg == arg) {
            free(cb);
            removed++;
        } else {
            wa__list_push(&kept, h);
        }
    }
    f->callbacks = kept;
    for (int i = 0; i < removed; i++) wa__future_unref(f);  /* the caller still holds one */
    return removed;
}
