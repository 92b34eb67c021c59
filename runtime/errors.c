/* Error codes, their names, and the last error message. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per thread, as errno: each thread's loop reports its own errors. */
static _Thread_local char last_message[512];  /* wa_errmsg(); truncated if longer */
static _Thread_local int last_code;      /* the code last_message belongs to */

const char *wa_strerror(int code) {
    switch (code) {
    case WA_OK: return "success";
    case WA_ECANCELLED: return "cancelled";
    case WA_ETIMEDOUT: return "timed out";
    case WA_ESTATE: return "invalid state";
    case WA_EDEADLOCK: return "deadlock";
    case WA_ENOTASK: return "await outside a task";
    case WA_ESTACK: return "stack too deep to suspend";
    case WA_ENOMEM: return "out of memory";
    case WA_EINVAL: return "invalid argument";
    case WA_EIO: return "input/output error";
    case WA_EBROKEN: return "broken barrier";
    case WA_EFULL: return "queue full";
    case WA_EEMPTY: return "queue empty";
    case WA_ESHUTDOWN: return "queue shut down";
    case WA_EJS: return "JavaScript error";
    case WA_ECONNECT: return "connection failed";
    case WA_ERESET: return "connection reset";
    case WA_ETRUNCATED: return "body truncated";
    case WA_ETOOBIG: return "too large";
    case WA_EHTTP: return "HTTP error status";
    case WA_ENOTSUP: return "not supported on this host";
    case WA_ENOSUSPEND: return "cannot suspend here (called back from JS)";
    case WA_EPROTO: return "protocol error";
    default: return "unknown error";
    }
}

const char *wa_errmsg(void) { return last_message; }

#ifdef WA_FAULT_INJECTION
long wa__fault_allocs_left = -1;

int wa__fault(void) {
    if (wa__fault_allocs_left < 0) return 0;
    if (wa__fault_allocs_left == 0) return 1;
    wa__fault_allocs_left--;
    return 0;
}
#endif

static void set_message(int code, const char *fmt, va_list ap) {
    last_code = code;
    if (fmt)
        vsnprintf(last_message, sizeof last_message, fmt, ap);
    else
        snprintf(last_message, sizeof last_message, "%s", wa_strerror(code));
}

int wa__error(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_message(code, fmt, ap);
    va_end(ap);
    return code;
}

int wa__last_code(void) { return last_code; }

const char *wa__message_for(int code) {
    return code == last_code && last_message[0] ? last_message : wa_strerror(code);
}

char *wa__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *copy = wa__malloc(n);
    if (copy) memcpy(copy, s, n);
    return copy;
}

int wa_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_message(code, fmt, ap);
    va_end(ap);
    wa_task *t = wa__loop_now ? wa__loop_now->current : NULL;
    if (t) {
        free(t->fut.msg);
        t->fut.msg = wa__strdup(last_message);  /* NULL on OOM: the code still stands */
    }
    return code;
}
