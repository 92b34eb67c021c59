/* Memory: N tasks (default 1,000,000) suspended at once on one future. Prints
 * the bytes each suspended task costs; the program must stay under 512 MiB and,
 * in wasm, each task at or under 256 bytes. Usage: million [N] [max-bytes-per-task] */
#include "check.h"

#if defined(__wasm__)
static size_t heap_bytes(void) { return __builtin_wasm_memory_size(0) * 65536; }
#else
#include <malloc.h>
static size_t heap_bytes(void) { return mallinfo2().uordblks; }
#endif

static wa_future *gate;
static long finished;

static int wait_at_gate(void *arg) {
    (void)arg;
    int rc = wa_await(gate);
    finished++;
    return rc;
}

typedef struct config {
    long n;                              /* tasks */
    double max_per_task;                 /* bytes allowed per task, 0: no limit */
} config;

static int million(void *arg) {
    const config *cfg = arg;
    long n = cfg->n;
    wa_task **tasks = malloc((size_t)n * sizeof *tasks);
    gate = wa_future_new();
    size_t before = heap_bytes();
    for (long i = 0; i < n; i++) {
        tasks[i] = wa_create_task(wait_at_gate, NULL);
        if (!tasks[i]) return wa_fail(WA_ENOMEM, "task %ld: %s", i, wa_errmsg());
        wa_task_release(tasks[i]);        /* the loop keeps them alive */
    }
    CHECK_INT(wa_yield(), 0);             /* every task runs and suspends */
    size_t after = heap_bytes();
    wa_stats st;
    wa_loop_get_stats(NULL, &st);
    double per_task = (double)(after - before) / (double)n;
    printf("  %ld tasks suspended: %.0f bytes each (%.0f of saved stack), heap %.1f MiB\n", n,
           per_task, (double)st.saved_stack_bytes / (double)n, after / 1048576.0);
    CHECK_INT(st.tasks_pending, n + 1);
    CHECK(after < 512u * 1024 * 1024);
    if (cfg->max_per_task > 0) CHECK(per_task <= cfg->max_per_task);
    wa_future_set_result(gate, 1);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(finished, n);
    wa_future_release(gate);
    free(tasks);
    return 0;
}

int main(int argc, char **argv) {
    check_plan(1);
    static config cfg;
    cfg.n = argc > 1 ? atol(argv[1]) : 1000000;
    cfg.max_per_task = argc > 2 ? atof(argv[2]) : 0;
    run_case("a million suspended tasks fit in memory", million, &cfg, 0);
    return check_exit();
}
