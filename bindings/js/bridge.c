/* The Promise bridge of JS hosts: C tasks await JS promises, and JS awaits
 * C functions run as tasks on a loop that serves JS calls.
 *
 * JS values cross as wa_js_value (a number, a UTF-8 string or bytes); the JS
 * side (driver.mjs, through library_wasyncio.js) reads and writes them in
 * wasm memory. A settlement or a call from JS arrives while C is unwound and
 * waiting: it only schedules work on the loop and wakes the driver. */
#include "../../runtime/host.h"

#include <emscripten.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* driver.mjs reads and writes wa_js_value at these offsets. */
_Static_assert(offsetof(wa_js_value, number) == 8 && offsetof(wa_js_value, data) == 16 &&
                   offsetof(wa_js_value, len) == 20 && sizeof(wa_js_value) == 24,
               "wa_js_value's layout is shared with driver.mjs");

/* library_wasyncio.js */
int wa__js_call(const char *name, const wa_js_value *args, size_t nargs);
void wa__js_await(int handle, void *token);
int wa__js_release(int handle);         /* 1 if JS held it */
int wa__js_held(int handle);            /* 1 while JS holds it */
void wa__js_return(uint32_t call, int code, const wa_js_value *value, const char *msg);

void wa_js_value_free(wa_js_value *v) {
    if (!v) return;
    free(v->data);
    v->data = NULL;
    v->len = 0;
    v->type = WA_JS_UNDEFINED;
}

__attribute__((noinline, cold)) static int no_handle(const char *what, wa_js_handle h) {
    return wa__error(WA_EINVAL, "%s: handle %d was released already, or never made", what, h);
}

int wa_js_call(const char *name, const wa_js_value *args, size_t nargs, wa_js_handle *out) {
    if (!name || !out || (nargs && !args)) return wa__error(WA_EINVAL, "wa_js_call: NULL argument");
    for (size_t i = 0; i < nargs; i++)   /* JS would read the bytes at address 0 */
        if ((unsigned)args[i].type > WA_JS_BYTES || (args[i].type >= WA_JS_STRING && args[i].len && !args[i].data))
            return wa__error(WA_EINVAL, "wa_js_call: argument %zu is of no known type or has no data", i);
    int handle = wa__js_call(name, args, nargs);
    if (handle <= 0) return wa__error(WA_EJS, "no JavaScript function '%s' was given to the module", name);
    *out = handle;
    return 0;
}

void wa_js_release(wa_js_handle h) {
    if (h != 0 && (h < 0 || !wa__js_release(h))) no_handle("wa_js_release", h);
}

/* ------------------------------------------------------------ C awaits JS */

/* One await of a JS promise. The JS side holds it until the promise
 * settles, the awaiting task until it wakes: whoever is last frees it. */
typedef struct js_await {
    struct js_await *prev, *next;        /* every await JS still holds */
    wa_future *done;                     /* resolved at settlement; NULL once its loop closed */
    wa_js_value value;                   /* the promise's value, or its error message */
    int ok;                              /* fulfilled (1) or rejected (0) */
    int holders;
} js_await;

static js_await *outstanding;            /* the awaits JS has not settled yet */

static void drop(js_await *a) {
    if (--a->holders > 0) return;
    wa_js_value_free(&a->value);
    free(a);
}

/* A loop closing: its futures go, so settlements still to come find none. */
static void forget_loop(wa_loop *loop) {
    for (js_await *a = outstanding; a; a = a->next)
        if (a->done && wa__future_loop(a->done) == loop) a->done = NULL;
}

EMSCRIPTEN_KEEPALIVE void wa__js_settle(js_await *a, int ok, int type, double number, char *data, size_t len) {
    if (a->prev) a->prev->next = a->next;
    else outstanding = a->next;
    if (a->next) a->next->prev = a->prev;
    a->ok = ok;
    a->value = (wa_js_value){(wa_js_type)type, number, data, len};
    if (a->done) {
        wa__loop_io_pending(wa__future_loop(a->done), -1);
        if (wa_future_state(a->done) == WA_PENDING) wa_future_set_result(a->done, 0);
        wa__future_unref(a->done);
    }
    drop(a);
}

int wa_await_js(wa_js_handle h, wa_js_value *out) {
    if (!wa_current_task()) return wa__error(WA_ENOTASK, "wa_await_js called outside a task");
    if (!out) return wa__error(WA_EINVAL, "wa_await_js: out is NULL");
    if (h <= 0 || !wa__js_held(h)) return no_handle("wa_await_js", h);
    js_await *a = calloc(1, sizeof *a);
    wa_future *f = a ? wa_future_new() : NULL;   /* of the running loop */
    if (!f || wa__on_loop_close(forget_loop)) {
        wa_future_release(f);
        free(a);
        wa_js_release(h);
        return wa__error(WA_ENOMEM, NULL);
    }
    a->done = f;
    a->holders = 2;
    wa__future_ref(f);                   /* the settlement's */
    a->next = outstanding;
    if (outstanding) outstanding->prev = a;
    outstanding = a;
    wa__loop_io_pending(wa__future_loop(f), +1);  /* a settlement will come: no deadlock meanwhile */
    wa__js_await(h, a);                  /* the handle is JS's to release now */
    int rc = wa_await_future(f);
    wa_future_release(f);                   /* the caller's reference; the settlement has its own */
    if (rc == 0 && a->ok) {
        *out = a->value;                 /* the caller owns the data now */
        a->value.data = NULL;
    } else if (rc == 0) {
        rc = wa__error(WA_EJS, "%s", a->value.data ? a->value.data : "the promise was rejected");
    }
    drop(a);
    return rc;
}

/* ------------------------------------------------------------ JS awaits C */

static wa_loop *serving;                 /* the loop that runs calls from JS */

/* One call of an exported C function from JS. */
typedef struct js_call {
    wa_js_fn fn;
    wa_js_value *args;                   /* written by JS with _malloc, owned here */
    size_t nargs;
    uint32_t id;                         /* JS's name for the call's promise */
    wa_js_value result;
} js_call;

static int run_call(void *arg) {
    js_call *c = arg;
    return c->fn(c->args, c->nargs, &c->result);
}

static void call_done(wa_future *f, void *arg) {
    js_call *c = arg;
    int code = wa_future_result(f, NULL);
    wa__js_return(c->id, code, &c->result, code ? wa_future_errmsg(f) : NULL);
    for (size_t i = 0; i < c->nargs; i++) wa_js_value_free(&c->args[i]);
    wa_js_value_free(&c->result);
    free(c->args);
    free(c);
}

/* Starts fn(args) as a task of the serving loop; returns it for cancelling
 * (borrowed: the loop holds it until it ends), or NULL with wa_errmsg. */
EMSCRIPTEN_KEEPALIVE wa_task *wa__js_spawn(wa_js_fn fn, wa_js_value *args, size_t nargs, uint32_t id) {
    js_call *c = serving ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        wa__error(serving ? WA_ENOMEM : WA_ESTATE, serving ? NULL : "the module is not serving calls");
        return NULL;
    }
    *c = (js_call){fn, args, nargs, id, {WA_JS_UNDEFINED, 0, NULL, 0}};
    wa_task *t = wa_loop_create_task(serving, run_call, c);
    if (!t || wa_future_add_done_callback(wa_task_future(t), call_done, c)) {
        if (t) wa_task_cancel(t);        /* it never runs; the callback-less task just ends */
        wa_task_release(t);
        free(c);
        return NULL;
    }
    wa_task_release(t);                  /* the loop keeps it until it ends */
    return t;
}

EMSCRIPTEN_KEEPALIVE int wa__js_cancel(wa_task *t) { return wa_task_cancel(t); }

/* Runs the serving loop until wa__js_stop: the driver calls it as it calls
 * main, rewinding it after each wait. Returns 0 once stopped and closed. */
EMSCRIPTEN_KEEPALIVE int wa__js_serve(void) {
    if (!serving) {
        if (!(serving = wa_loop_new())) return WA_ENOMEM;
        wa__loop_io_pending(serving, +1);  /* JS may call at any time: never idle */
    }
    int rc = wa_loop_run_forever(serving);
    wa_loop_close(serving);
    serving = NULL;
    return rc;
}

EMSCRIPTEN_KEEPALIVE void wa__js_stop(void) {
    if (serving) wa_loop_stop(serving);
}
