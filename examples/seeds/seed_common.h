/*
 * seed_common.h: small helpers shared by the ports of the seed tutorials.
 * Static inline functions only; no state beyond a cached scale factor.
 *
 * Time scaling: every sleep in a port goes through seed_sleep(), which
 * multiplies the seed's length by the factor in the environment variable
 * WA_SEED_SCALE (a double > 0, default 1.0). Tests run with 0.2, so a
 * 2 s sleep takes 0.4 s. Blocking work in executors goes through
 * seed_block(), given a length scaled the same way. Elapsed times are
 * measured with seed_now(), which is the loop clock divided by the same
 * factor, so printed times are in the seed's (unscaled) seconds and the
 * expected output is the same at any scale.
 *
 * Printed elapsed times are whole seconds from seed_whole_seconds(): a sleep
 * never ends early, so a measured time is its nominal length plus some
 * overhead; the helper rounds down after adding a twentieth of a second (for
 * clocks a millisecond apart), so anything from nominal - 0.05 up to
 * nominal + 0.95 prints as the nominal value.
 *
 * Memory rule shared by all ports: task arguments, callback arguments and
 * anything a task reads from another task live in static storage, never on a
 * task's stack (a suspended task's stack may be saved away and its addresses
 * reused by whichever task runs next).
 */
#ifndef WASYNCIO_SEED_COMMON_H
#define WASYNCIO_SEED_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wasyncio.h"

/* The factor from WA_SEED_SCALE, read once; 1.0 when unset or invalid. */
static inline double seed_scale(void) {
    static double scale = 0.0;
    if (scale <= 0.0) {
        double v = 1.0;
        const char *s = getenv("WA_SEED_SCALE");
        if (s && *s) {
            char *end = NULL;
            double d = strtod(s, &end);
            if (end != s && *end == '\0' && d > 0.0 && d <= 1e6) v = d;
        }
        scale = v;
    }
    return scale;
}

/* wa_sleep for the seed's number of seconds, scaled. Same return codes. */
static inline int seed_sleep(double seconds) {
    return wa_sleep(seconds * seed_scale());
}

/* Blocks the calling thread for seconds, a length already multiplied by
 * seed_scale(), as a blocking call (time.sleep, requests.get) does: for the
 * work functions of executors. A busy wait on timespec_get, the wall clock C11
 * has on every host (nanosleep is POSIX only). It takes a scaled length and
 * does not call seed_scale() itself, because work functions may run on other
 * threads and seed_scale() caches its value without a lock: scale on the
 * loop's thread, before submitting the work. */
static inline void seed_block(double seconds) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    double until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + seconds;
    do {
        timespec_get(&ts, TIME_UTC);
    } while ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 < until);
}

/* The loop clock in unscaled seconds (only differences are meaningful). */
static inline double seed_now(void) {
    return wa_time() / seed_scale();
}

/* Unscaled seconds since t0 (a seed_now() value), as coarse whole seconds. */
static inline long seed_whole_seconds(double t0) {
    double d = seed_now() - t0 + 0.05;
    return d < 0.0 ? 0L : (long)d;
}

/* Prints a simplified Python repr of a task, without newline:
 *   <Task pending name='x'>
 *   <Task finished name='x' result=1>        (result_is_string == 0)
 *   <Task finished name='x' result='value'>  (result_is_string != 0)
 *   <Task finished name='x' error=...>
 *   <Task cancelled name='x'>
 * Python also shows the coroutine and its source line; ports leave those out. */
static inline void seed_print_task_repr(const wa_task *t, int result_is_string) {
    intptr_t value = 0;
    int rc;
    switch (wa_task_state(t)) {
    case WA_PENDING:
        printf("<Task pending name='%s'>", wa_task_name(t));
        break;
    case WA_CANCELLED:
        printf("<Task cancelled name='%s'>", wa_task_name(t));
        break;
    default:
        rc = wa_task_result(t, &value);
        if (rc)
            printf("<Task finished name='%s' error=%s>", wa_task_name(t), wa_strerror(rc));
        else if (result_is_string)
            printf("<Task finished name='%s' result='%s'>", wa_task_name(t),
                   value ? (const char *)value : "");
        else
            printf("<Task finished name='%s' result=%ld>", wa_task_name(t), (long)value);
        break;
    }
}

/* Prints a set of tasks as Python prints one, without newline: "set()" when
 * empty, else "{repr, repr}" in array order (Python's order is arbitrary). */
static inline void seed_print_task_set(wa_task *const *tasks, size_t n, int result_is_string) {
    if (n == 0) {
        printf("set()");
        return;
    }
    printf("{");
    for (size_t i = 0; i < n; i++) {
        if (i) printf(", ");
        seed_print_task_repr(tasks[i], result_is_string);
    }
    printf("}");
}

/* A timeout of the seed's number of seconds, scaled; WA_FOREVER stays so. */
static inline double seed_timeout(double seconds) {
    return seconds == WA_FOREVER ? WA_FOREVER : seconds * seed_scale();
}

/* The tasks of a seed_wait_all call; keep it in static storage. */
struct seed_task_list {
    wa_task **tasks;
    size_t n;
};

/* Task body for the coroutine asyncio.wait(tasks) (ALL_COMPLETED, no
 * timeout): arg is a struct seed_task_list; the result is how many are done. */
static inline int seed_wait_all(void *arg) {
    const struct seed_task_list *list = arg;
    int rc = wa_wait(list->tasks, list->n, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
    return rc < 0 ? rc : wa_return(rc);
}

/* loop.run_until_complete(fn(arg)): runs fn as a new task of loop until it
 * has finished. Returns its code; its result goes to *value (may be NULL). */
static inline int seed_run_until_complete(wa_loop *loop, wa_fn fn, void *arg, intptr_t *value) {
    wa_task *t = wa_loop_create_task(loop, fn, arg);
    if (!t) return WA_ENOMEM;
    int rc = wa_loop_run_until_complete(loop, wa_task_future(t));
    if (!rc && value) rc = wa_task_result(t, value);
    wa_task_release(t);
    return rc;
}

/* Reports a failure on stderr (call it before closing the loop, which may
 * replace wa_errmsg) and returns the exit status: 0, or 1 on failure. */
static inline int seed_exit(int rc) {
    if (rc) fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}

/* main() of the ports run by wa_run: runs amain, reports a failure, exits 1 on it. */
static inline int seed_main(wa_fn amain) {
    return seed_exit(wa_run(amain, NULL));
}

#endif /* WASYNCIO_SEED_COMMON_H */
