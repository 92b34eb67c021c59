/* Debug mode and the task dump. In debug mode the loop records where tasks
 * and futures are created and reports on stderr what usually hides a bug:
 * a step or callback that holds the loop over 100 ms, tasks still pending at
 * close, and outcomes nobody read. wa_loop_dump_tasks describes every task as JSON
 * in any mode. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOW_NS 100000000ull             /* a step or callback longer than this is reported */

static _Thread_local const char *site_file;  /* set by wa_debug_site for the next object */
static _Thread_local int site_line;

void wa_debug_site(const char *file, int line) {
    site_file = file;
    site_line = line;
}

/* What debug mode records of an object made while it is on: where it was
 * made, and for a task when it was made, first ran and ended and how long
 * it ran in all (loop clock, ns; 0 for "not yet"). Objects made with debug
 * mode off pay nothing for it. */
struct wa__debug_info {
    const char *site_file;               /* NULL when no site was given */
    uint32_t site_line;
    uint64_t created, started, finished, run_ns;
};

void wa__debug_stamp(wa__loop *loop, wa_future *f) {
    if (loop->debug && (f->debug = wa__calloc(1, sizeof *f->debug))) {
        f->debug->site_file = site_file;
        f->debug->site_line = (uint32_t)site_line;
        f->debug->created = wa__now();
    }
    site_file = NULL;                    /* a site describes one creation only */
}

int wa__debug_env(void) {
    const char *v = getenv("WASYNCIO_DEBUG");
    return v && *v && strcmp(v, "0") != 0;
}

/* loop, or the running one for NULL; NULL and wa_errmsg naming fn when
 * there is none or loop is not a loop. */
static wa__loop *loop_or_running(const wa_loop *loop, const char *fn) {
    if (loop && !wa__is(loop, WA__LOOP)) return WA__BAD(loop, WA__LOOP, fn, NULL);
    if (!loop && !wa__loop_now) wa__error(WA_EINVAL, "%s: no loop is running", fn);
    return loop ? (wa__loop *)loop : wa__loop_now;
}

int wa_loop_set_debug(wa_loop *loop, int on) {
    wa__loop *l = loop_or_running(loop, "wa_loop_set_debug");
    if (!l) return WA_EINVAL;
    l->debug = on != 0;
    return 0;
}

int wa_loop_get_debug(const wa_loop *loop) {
    const wa__loop *l = loop_or_running(loop, "wa_loop_get_debug");
    return l && l->debug;
}

static const char *mode_name(int mode) {
    static const char *const names[] = {"gather", "wait", "as_completed", "shield"};
    return names[mode];
}

void wa__describe_wait_on(const wa_future *on, char *buf, size_t cap) {
    if (on->kind == WA__TASK) snprintf(buf, cap, "%s", wa_task_name((const wa_task *)on));
    else if (on->kind == WA__COMBINER)
        snprintf(buf, cap, "%s of %zu", mode_name(((const wa__combiner *)on)->mode),
                 ((const wa__combiner *)on)->n);
    else snprintf(buf, cap, "a future");
}

void wa__describe_wait(const wa_task *t, char *buf, size_t cap) {
    if (t->sleeping) snprintf(buf, cap, "a sleep until %.3f s", (double)t->timer.deadline / 1e9);
    else if (t->parked) snprintf(buf, cap, "a lock, event, queue or other wait queue");
    else if (!t->waiting_on) snprintf(buf, cap, "nothing");
    else wa__describe_wait_on(t->waiting_on, buf, cap);
}

static void describe(const wa_future *f, char *buf, size_t cap) {
    const char *what = f->kind == WA__TASK ? "task '" : "future";
    const char *name = f->kind == WA__TASK ? wa_task_name((const wa_task *)f) : "";
    const char *close = f->kind == WA__TASK ? "'" : "";
    if (f->debug && f->debug->site_file)
        snprintf(buf, cap, "%s%s%s (created at %s:%u)", what, name, close, f->debug->site_file,
                 (unsigned)f->debug->site_line);
    else
        snprintf(buf, cap, "%s%s%s", what, name, close);
}

void wa__debug_stack_arg(const wa_task *t) {
    char site[160];
    describe(&t->fut, site, sizeof site);
    fprintf(stderr, "wasyncio debug: the argument of %s points into the shared task stack: a pointer to a "
                    "task's local variable is overwritten by the next task (use static or heap memory; an "
                    "integer argument is fine)\n", site);
}

void wa__debug_step(wa_task *t, uint64_t began, uint64_t ended) {
    struct wa__debug_info *times = t ? t->fut.debug : NULL;
    if (times) {
        if (!times->started) times->started = began;
        times->run_ns += ended - began;
        if (t->fut.state != WA_PENDING && !times->finished) times->finished = ended;
    }
    uint64_t ns = ended - began;
    if (ns < SLOW_NS) return;
    char who[256];
    if (t) describe(&t->fut, who, sizeof who);
    fprintf(stderr, "wasyncio debug: %s ran %.1f ms without giving the loop back\n",
            t ? who : "a callback", (double)ns / 1e6);
}

void wa__debug_destroyed(const wa_future *f) {
    if (f->retrieved || f->kind == WA__COMBINER || f->state == WA_CANCELLED) return;
    char who[256];
    describe(f, who, sizeof who);
    if (f->state == WA_DONE && f->code)
        fprintf(stderr, "wasyncio debug: %s failed and nobody read its error: %s (%s)\n", who,
                wa_strerror(f->code), f->msg ? f->msg : "no message");
    else if (f->kind == WA__FUTURE)
        fprintf(stderr, "wasyncio debug: %s was never awaited and its result never read\n", who);
}

void wa__debug_pending_at_close(wa__loop *loop) {
    for (const wa_future *f = loop->all; f; f = f->all_next) {
        if (f->kind != WA__TASK || f->state != WA_PENDING) continue;
        char who[256], on[128];
        describe(f, who, sizeof who);
        wa__describe_wait((const wa_task *)f, on, sizeof on);
        fprintf(stderr, "wasyncio debug: %s never finished: the loop closed while it waited on %s\n",
                who, on);
    }
}

/* ------------------------------------------------------------- task dump */

typedef struct json {
    char *buf;
    size_t len, cap;
    int failed;                          /* out of memory: the dump is abandoned */
} json;

static void emit(json *j, const char *fmt, ...) {
    if (j->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            j->failed = 1;
            return;
        }
        if ((size_t)n < j->cap - j->len) {
            j->len += (size_t)n;
            return;
        }
        size_t cap = j->cap * 2 + (size_t)n;
        char *buf = wa__realloc(j->buf, cap);
        if (!buf) {
            j->failed = 1;
            return;
        }
        j->buf = buf;
        j->cap = cap;
    }
}

static void emit_string(json *j, const char *s) {
    emit(j, "\"");
    while (*s) {
        size_t plain = 0;                /* a run that needs no escaping */
        while (s[plain] && s[plain] != '"' && s[plain] != '\\' && (unsigned char)s[plain] >= 0x20) plain++;
        if (plain) emit(j, "%.*s", (int)plain, s);
        s += plain;
        if (!*s) break;
        unsigned char c = (unsigned char)*s++;
        if (c == '"' || c == '\\') emit(j, "\\%c", c);
        else emit(j, "\\u%04x", c);
    }
    emit(j, "\"");
}

static const char *state_name(int state) {
    return state == WA_PENDING ? "pending" : state == WA_DONE ? "done" : "cancelled";
}

static void emit_waits_on(json *j, const wa_task *t) {
    const wa_future *on = t->waiting_on;
    if (t->sleeping) {
        emit(j, "{\"kind\":\"sleep\",\"until\":%.6f}", (double)t->timer.deadline / 1e9);
    } else if (t->parked) {
        emit(j, "{\"kind\":\"wait_queue\"}");  /* a lock, event, condition, semaphore, barrier, queue, body read */
    } else if (!on || t->fut.state != WA_PENDING) {
        emit(j, "null");
    } else if (on->kind == WA__TASK) {
        emit(j, "{\"kind\":\"task\",\"id\":%u}", (unsigned)((const wa_task *)on)->id);
    } else if (on->kind == WA__COMBINER) {
        const wa__combiner *c = (const wa__combiner *)on;
        size_t futures = 0;
        emit(j, "{\"kind\":\"%s\",\"ids\":[", mode_name(c->mode));
        for (size_t i = 0, first = 1; i < c->n; i++) {
            const wa_future *child = c->watches[i].child;
            if (child->kind != WA__TASK) {
                futures++;
                continue;
            }
            emit(j, "%s%u", first ? "" : ",", (unsigned)((const wa_task *)child)->id);
            first = 0;
        }
        emit(j, "],\"futures\":%zu}", futures);
    } else {
        emit(j, "{\"kind\":\"future\"}");
    }
}

static void emit_task(json *j, const wa_task *t) {
    emit(j, "{\"id\":%u,\"name\":", (unsigned)t->id);
    emit_string(j, wa_task_name(t));
    emit(j, ",\"state\":\"%s\",\"parent\":%u,\"waits_on\":", state_name(t->fut.state),
         (unsigned)t->parent_id);
    emit_waits_on(j, t);
    emit(j, ",\"cancelling\":%d,\"steps\":%u,\"error\":", (int)t->cancel_requests, (unsigned)t->steps);
    if (t->fut.state == WA_DONE && t->fut.code) {
        emit(j, "{\"code\":%d,\"message\":", (int)t->fut.code);
        emit_string(j, t->fut.msg ? t->fut.msg : wa_strerror(t->fut.code));
        emit(j, "}");
    } else {
        emit(j, "null");
    }
    const struct wa__debug_info *times = t->fut.debug;
    if (times) {
        emit(j, ",\"created\":%.6f,\"started\":", (double)times->created / 1e9);
        emit(j, times->started ? "%.6f" : "null", (double)times->started / 1e9);
        emit(j, ",\"finished\":");
        emit(j, times->finished ? "%.6f" : "null", (double)times->finished / 1e9);
        emit(j, ",\"run_ms\":%.3f", (double)times->run_ns / 1e6);
    }
    emit(j, ",\"created_at\":");
    if (times && times->site_file) {
        char site[256];
        snprintf(site, sizeof site, "%s:%u", times->site_file, (unsigned)times->site_line);
        emit_string(j, site);
    } else {
        emit(j, "null");
    }
    emit(j, "}");
}

char *wa_loop_dump_tasks(wa_loop *loop) {
    wa__loop *l = loop_or_running(loop, "wa_loop_dump_tasks");
    if (!l) return NULL;
    json j = {wa__malloc(1024), 0, 1024, 0};
    if (!j.buf) j.failed = 1;
    emit(&j, "{\"time\":%.6f,\"tasks\":[", wa_loop_time(l));
    const wa_future *oldest = l->all;
    while (oldest && oldest->all_next) oldest = oldest->all_next;
    int first = 1;
    for (const wa_future *f = oldest; f; f = f->all_prev) {  /* the list is newest first */
        if (f->kind != WA__TASK) continue;
        if (!first) emit(&j, ",");
        emit_task(&j, (const wa_task *)f);
        first = 0;
    }
    emit(&j, "]}");
    if (j.failed) {
        free(j.buf);
        wa__error(WA_ENOMEM, "no memory for the task dump");
        return NULL;
    }
    return j.buf;
}
