/* C functions the bridge tests call from JavaScript (tests/bridge.test.mjs),
 * and calls they make back into JavaScript. */
#include "wasyncio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int result_string(wa_js_value *result, const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy) return wa_fail(WA_ENOMEM, "no memory for the result");
    memcpy(copy, text, len + 1);
    *result = (wa_js_value){WA_JS_STRING, 0, copy, len};
    return 0;
}

/* sleep_add(ms, a, b): a + b after ms milliseconds. */
static int sleep_add(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    if (nargs != 3) return wa_fail(WA_EINVAL, "sleep_add takes 3 numbers, got %zu", nargs);
    int rc = wa_sleep(args[0].number / 1000);
    if (rc) return rc;
    *result = wa_js_number(args[1].number + args[2].number);
    return 0;
}
WA_JS_EXPORT(sleep_add)

/* echo(value): the value back, whatever its kind. */
static int echo(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    if (nargs != 1) return wa_fail(WA_EINVAL, "echo takes one value");
    *result = args[0];
    if (args[0].data) {                   /* the arguments stay the bridge's: copy */
        result->data = malloc(args[0].len + 1);
        if (!result->data) return wa_fail(WA_ENOMEM, "no memory");
        memcpy(result->data, args[0].data, args[0].len + 1);
    }
    return 0;
}
WA_JS_EXPORT(echo)

/* ask(fn, arg): calls the JS function named fn with arg, awaits what it
 * returns and describes it as "kind:value". */
static int ask(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    if (nargs != 2 || args[0].type != WA_JS_STRING) return wa_fail(WA_EINVAL, "ask(name, arg)");
    wa_js_handle h;
    wa_js_value v;
    int rc = wa_js_call(args[0].data, &args[1], 1, &h);
    if (rc == 0) rc = wa_await_js(h, &v);
    if (rc) return rc;                    /* the message says what JS said */
    char text[256];
    if (v.type == WA_JS_NUMBER) snprintf(text, sizeof text, "number:%g", v.number);
    else if (v.type == WA_JS_STRING) snprintf(text, sizeof text, "string:%s", v.data);
    else if (v.type == WA_JS_BYTES) snprintf(text, sizeof text, "bytes:%zu", v.len);
    else snprintf(text, sizeof text, "undefined");
    wa_js_value_free(&v);
    return result_string(result, text);
}
WA_JS_EXPORT(ask)

/* forever(): sleeps until cancelled, then reports how it ended through JS. */
static int forever(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    (void)args, (void)nargs, (void)result;
    int rc = wa_sleep(3600);
    wa_js_handle h;
    wa_js_value ended = wa_js_number(rc);
    if (wa_js_call("ended", &ended, 1, &h) == 0) wa_js_release(h);
    return rc;
}
WA_JS_EXPORT(forever)

/* busy(ms): computes for ms milliseconds, yielding every 1000 steps. */
static int busy(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    (void)nargs;
    double until = wa_time() + args[0].number / 1000;
    long steps = 0;
    while (wa_time() < until) {
        if (++steps % 1000 == 0) {
            int rc = wa_yield();
            if (rc) return rc;
        }
    }
    *result = wa_js_number((double)steps);
    return 0;
}
WA_JS_EXPORT(busy)

/* named(name, ms): renames its task and sleeps, to show up in the dump. */
static int named(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    (void)nargs, (void)result;
    int rc = wa_task_set_name(wa_current_task(), args[0].data);
    return rc ? rc : wa_sleep(args[1].number / 1000);
}
WA_JS_EXPORT(named)
