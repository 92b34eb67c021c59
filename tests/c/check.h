/* Minimal checks for the C test programs. Each case runs in its own wa_run
 * and prints "ok - name" or "not ok - name" after its failed checks; the node
 * test driver reads those lines, and checks their count against the plan
 * the program declares first (check_plan). */
#ifndef CHECK_H
#define CHECK_H

#include "wasyncio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;               /* failed checks so far, all cases */

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            check_failures++;                                                   \
            printf("  failed %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                       \
    } while (0)

#define CHECK_INT(got, want)                                                    \
    do {                                                                        \
        long long got_ = (long long)(got), want_ = (long long)(want);           \
        if (got_ != want_) {                                                    \
            check_failures++;                                                   \
            printf("  failed %s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, \
                   #got, got_, want_);                                          \
        }                                                                       \
    } while (0)

/* An event log, to check the order things happened in. */
static char event_log[4096];

__attribute__((unused)) static void logf_(const char *fmt, ...) {
    size_t used = strlen(event_log);
    if (used && used < sizeof event_log - 1) event_log[used++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(event_log + used, sizeof event_log - used, fmt, ap);
    va_end(ap);
}
#define LOG logf_

#define CHECK_LOG(want)                                                         \
    do {                                                                        \
        if (strcmp(event_log, want) != 0) {                                     \
            check_failures++;                                                   \
            printf("  failed %s:%d: log is \"%s\", want \"%s\"\n", __FILE__,    \
                   __LINE__, event_log, want);                                  \
        }                                                                       \
        event_log[0] = 0;                                                       \
    } while (0)

/* Sleeps |ms| milliseconds. When a case has set check_base (a clock reading
 * taken before it makes a group of tasks whose order it checks), the sleep
 * ends |ms| after that reading instead: deadlines from one reading keep
 * their order whatever delays the tasks start with (a slow first round, a
 * loaded machine). run_case clears it. */
static double check_base;

__attribute__((unused)) static int sleep_ms(intptr_t ms) {
    double s = (double)(ms < 0 ? -ms : ms) / 1000.0;
    return check_base ? wa_sleep_until(check_base + s) : wa_sleep(s);
}

/* Awaits each of n tasks, checking each succeeded, and releases them. */
#define AWAIT_ALL(tasks, n)                                                     \
    do {                                                                        \
        for (int i_ = 0; i_ < (n); i_++) {                                      \
            CHECK_INT(wa_await((tasks)[i_]), 0);                                \
            wa_task_release((tasks)[i_]);                                       \
        }                                                                       \
    } while (0)

/* Runs fn as wa_run's main and checks wa_run returned want_rc. */
__attribute__((unused)) static void run_case(const char *name, wa_fn fn, void *arg, int want_rc) {
    int before = check_failures;
    event_log[0] = 0;
    check_base = 0;
    int rc = wa_run(fn, arg);
    if (rc != want_rc) {
        check_failures++;
        printf("  failed: wa_run returned %d (%s: %s), want %d\n", rc, wa_strerror(rc),
               wa_errmsg(), want_rc);
    }
    printf("%s - %s\n", check_failures == before ? "ok" : "not ok", name);
    fflush(stdout);
}

/* Runs fn, a case that needs no wa_run of its own (it makes loops itself, or
 * none), and reports it: fn returns nonzero when its checks passed. */
#define CASE(name, fn)                                                          \
    do {                                                                        \
        event_log[0] = 0;                                                       \
        printf("%s - %s\n", fn() ? "ok" : "not ok", name);                      \
        fflush(stdout);                                                         \
    } while (0)

/* Declares how many cases the program reports ("1..n", as TAP): the driver
 * fails it when a different number of ok / not ok lines arrive. */
__attribute__((unused)) static void check_plan(int n) {
    printf("1..%d\n", n);
    fflush(stdout);
}

static int check_exit(void) { return check_failures ? 1 : 0; }

#endif
