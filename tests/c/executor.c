/* Executors: results and errors from blocking work, the loop serving timers
 * while work blocks a thread (where there are threads), a pool's size
 * bounding concurrency, cancellation that leaves the work running, and the
 * loop waiting for work in flight before it closes. */
#include "check.h"

#include <stdatomic.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Blocks its thread for arg milliseconds, as a blocking call would. */
static int block(void *arg, intptr_t *result) {
    double until = now_s() + (double)(intptr_t)arg / 1000.0;
    while (now_s() < until) {
    }
    *result = (intptr_t)arg * 2;
    return 0;
}

static int fails(void *arg, intptr_t *result) {
    (void)result;
    return (int)(intptr_t)arg;
}

static int results_and_errors(void *arg) {
    (void)arg;
    intptr_t v = 0;
    CHECK_INT(wa_to_thread(block, (void *)1, &v), 0);
    CHECK_INT(v, 2);
    CHECK_INT(wa_to_thread(fails, (void *)42, &v), 42);
    CHECK(strstr(wa_errmsg(), "(42)") != NULL);
    wa_future *f = wa_run_in_executor(NULL, fails, (void *)(intptr_t)WA_EIO);
    CHECK_INT(wa_await(f), WA_EIO);
    wa_future_release(f);
    CHECK(wa_run_in_executor(NULL, NULL, NULL) == NULL);
    return 0;
}

/* When each tick happened, and when the blocking work ran (set on its thread). */
static double tick_times[256];
static int ticks;
static _Atomic double work_began, work_ended;

static int ticker(void *arg) {
    (void)arg;
    for (;;) {
        int rc = wa_sleep(0.005);
        if (rc) return rc == WA_ECANCELLED ? 0 : rc;
        if (ticks < 256) tick_times[ticks++] = now_s();
    }
}

static int timed_block(void *arg, intptr_t *result) {
    work_began = now_s();
    int rc = block(arg, result);
    work_ended = now_s();
    return rc;
}

static int loop_keeps_serving(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(ticker, NULL);
    CHECK_INT(wa_sleep(0.001), 0);
    intptr_t v = 0;
    CHECK_INT(wa_to_thread(timed_block, (void *)150, &v), 0);   /* 150 ms of blocking work */
    CHECK(work_ended - work_began >= 0.149);   /* emscripten's timespec_get ticks in whole ms */
    int during = 0;
    for (int i = 0; i < ticks; i++) during += tick_times[i] > work_began && tick_times[i] < work_ended;
    if (wa_executor_has_threads()) {
        printf("  threads: %d ticks of 5 ms during 150 ms of blocking work\n", during);
        CHECK(during >= 10);              /* the loop went on */
    } else {
        printf("  no threads here: the work ran on the loop, %d ticks meanwhile\n", during);
        CHECK_INT(during, 0);             /* and nothing else ran */
    }
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    return 0;
}

static atomic_int running_now, most_at_once, finished;

static int counted(void *arg, intptr_t *result) {
    int n = atomic_fetch_add(&running_now, 1) + 1;
    for (int m = atomic_load(&most_at_once); n > m && !atomic_compare_exchange_weak(&most_at_once, &m, n);) {
    }
    block((void *)20, result);
    atomic_fetch_sub(&running_now, 1);
    atomic_fetch_add(&finished, 1);
    *result = (intptr_t)arg;
    return 0;
}

static int pool_size_bounds_concurrency(void *arg) {
    (void)arg;
    atomic_store(&most_at_once, 0);
    atomic_store(&finished, 0);
    wa_executor *ex = wa_executor_new(3);
    wa_future *f[9];
    for (intptr_t i = 0; i < 9; i++) f[i] = wa_run_in_executor(ex, counted, (void *)i);
    intptr_t results[9];
    CHECK_INT(wa_gather(f, 9, results, NULL, 0), 0);
    for (int i = 0; i < 9; i++) {
        CHECK_INT(results[i], i);
        wa_future_release(f[i]);
    }
    int most = atomic_load(&most_at_once);
    printf("  at most %d of 9 ran at once on a pool of 3\n", most);
    CHECK(most <= 3);
    if (wa_executor_has_threads()) CHECK(most >= 2);
    wa_executor_free(ex);
    /* Work queued when the pool is freed still runs, and reaches its future. */
    ex = wa_executor_new(1);
    wa_future *late = wa_run_in_executor(ex, counted, (void *)5);
    wa_future *later = wa_run_in_executor(ex, counted, (void *)6);
    wa_executor_free(ex);
    CHECK_INT(wa_await(late), 0);
    CHECK_INT(wa_await(later), 0);
    CHECK_INT(atomic_load(&finished), 11);
    wa_future_release(late);
    wa_future_release(later);
    return 0;
}

static int awaits_work(void *arg) {
    (void)arg;
    intptr_t v;
    return wa_to_thread(counted, (void *)7, &v);
}

static int cancelled_work_goes_on(void *arg) {
    (void)arg;
    atomic_store(&finished, 0);
    wa_task *t = wa_create_task(awaits_work, NULL);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    wa_task_release(t);
    return 0;                             /* wa_run waits for the work before closing */
}

int main(void) {
    check_plan(5);
    CHECK(wa_run_in_executor(NULL, block, NULL) == NULL);  /* no loop */
    run_case("results and errors of blocking work", results_and_errors, NULL, 0);
    run_case("the loop keeps serving timers while work blocks", loop_keeps_serving, NULL, 0);
    run_case("a pool's size bounds how much runs at once", pool_size_bounds_concurrency, NULL, 0);
    run_case("cancelling the awaiting task leaves the work running", cancelled_work_goes_on, NULL, 0);
    CHECK_INT(atomic_load(&finished), 1);  /* it had finished when wa_run returned */
    printf("%s - wa_run waits for work in flight\n", check_failures ? "not ok" : "ok");
    return check_exit();
}
