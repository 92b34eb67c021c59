/* Many timers: N tasks (default 100,000) each sleep until a pseudo-random
 * deadline in [0, 0.5) s after one common start. None may wake before its
 * deadline, and they must wake in deadline order. Prints the worst lateness.
 * Usage: timers [N] */
#include "check.h"

typedef struct sleeper {
    double deadline;                     /* when it asked to wake, loop clock */
    double woke;                         /* when it woke */
    long order;                          /* position in the wake-up sequence */
} sleeper;

static sleeper *sleepers;
static long woken;

static int sleep_once(void *arg) {
    sleeper *s = arg;
    int rc = wa_sleep_until(s->deadline);
    s->woke = wa_time();
    s->order = woken++;
    return rc;
}

static int compare_deadline(const void *a, const void *b) {
    const sleeper *x = a, *y = b;
    return x->deadline < y->deadline ? -1 : x->deadline > y->deadline;
}

static int many_timers(void *arg) {
    long n = *(long *)arg;
    sleepers = calloc((size_t)n, sizeof *sleepers);
    wa_task **tasks = calloc((size_t)n, sizeof *tasks);
    uint32_t seed = 12345;
    double start = wa_time() + 0.05;     /* past the time it takes to start them all */
    for (long i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        sleepers[i].deadline = start + (seed >> 8) / (double)(1u << 24) * 0.5;
        tasks[i] = wa_create_task(sleep_once, &sleepers[i]);
    }
    for (long i = 0; i < n; i++) {
        CHECK_INT(wa_await(tasks[i]), 0);
        wa_task_release(tasks[i]);
    }
    qsort(sleepers, (size_t)n, sizeof *sleepers, compare_deadline);
    long early = 0, out_of_order = 0;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double late = sleepers[i].woke - sleepers[i].deadline;
        if (late < -1e-6) early++;        /* the clock reads to the microsecond */
        if (late > worst) worst = late;
        /* Deadlines are rounded up to whole ns: only distinct ones have an order. */
        if (i && sleepers[i].order < sleepers[i - 1].order &&
            sleepers[i].deadline - sleepers[i - 1].deadline > 1e-6)
            out_of_order++;
    }
    printf("  %ld timers: %ld early, %ld out of order, worst lateness %.1f ms\n", n, early,
           out_of_order, worst * 1e3);
    CHECK_INT(early, 0);
    CHECK_INT(out_of_order, 0);
    CHECK_INT(woken, n);
    free(tasks);
    free(sleepers);
    return 0;
}

int main(int argc, char **argv) {
    check_plan(1);
    static long n;
    n = argc > 1 ? atol(argv[1]) : 100000;
    run_case("timers never fire early and fire in deadline order", many_timers, &n, 0);
    return check_exit();
}
