/* Busy for a given time (argv[1] seconds, default 0.3) while never sleeping:
 * two tasks yield to each other. On JS hosts the loop must still hand control
 * back to the JS event loop between batches. Prints the number of yields. */
#include "check.h"

static double until;
static long yields;

static int spin(void *arg) {
    (void)arg;
    while (wa_time() < until) {
        if (wa_yield()) return WA_ECANCELLED;
        yields++;
    }
    return 0;
}

/* Pure computation: it never awaits, so it must not be instrumented. */
static long __attribute__((noinline)) collatz_steps(long n) {
    long steps = 0;
    for (; n != 1; steps++) n = n % 2 ? 3 * n + 1 : n / 2;
    return steps;
}

static int busy(void *arg) {
    until = wa_time() + *(double *)arg;
    wa_task *other = wa_create_task(spin, NULL);
    int rc = spin(NULL);
    CHECK_INT(wa_await(other), 0);
    wa_task_release(other);
    printf("  %ld yields, collatz(27) = %ld\n", yields, collatz_steps(27));
    return rc;
}

int main(int argc, char **argv) {
    check_plan(1);
    static double seconds;
    seconds = argc > 1 ? atof(argv[1]) : 0.3;
    run_case("two tasks yielding to each other for a while", busy, &seconds, 0);
    return check_exit();
}
