/* Out of memory: built with -DWA_FAULT_INJECTION, the runtime's allocations
 * fail after a budget of successes. A workload that touches every allocation
 * site (loop, tasks, futures, callbacks, timers, names, messages, saved stacks
 * that grow) runs with budgets 0, 1, 2, ... until one is large enough. Each run
 * must end cleanly with 0 or WA_ENOMEM: no crash, no leak (the sanitizer build
 * checks), no hang. */
#include "check.h"

extern long wa__fault_allocs_left;       /* runtime/errors.c, fault-injection builds only */

static int callback_runs;

static void count_callback(wa_future *f, void *arg) {
    (void)f;
    (void)arg;
    callback_runs++;
}

static int __attribute__((noinline)) deep_yield(int depth) {
    volatile char frame[512];
    frame[0] = (char)depth;
    int rc = depth ? deep_yield(depth - 1) : wa_yield();
    return rc ? rc : frame[0] == (char)depth ? 0 : -100;
}

static int child(void *arg) {
    int i = (int)(intptr_t)arg;
    int rc = wa_sleep(0.0005 * (i % 3 + 1));          /* timer heap */
    if (rc) return rc;
    if ((rc = deep_yield(i % 4))) return rc;          /* saved stacks of several sizes */
    if ((rc = deep_yield(3))) return rc;              /* ... that grow */
    if (i % 5 == 0) return wa_fail(5, "child %d fails on purpose", i);  /* a message */
    return wa_return(i);
}

#define CHILDREN 12

static void noop_callback(void *arg) { (void)arg; }

/* Each result must be success (want) or WA_ENOMEM; notes the latter. */
#define EXPECT(call, want)                                                      \
    do {                                                                        \
        int rc_ = (call);                                                       \
        if (rc_ == WA_ENOMEM) *saw_nomem = 1;                                   \
        else CHECK_INT(rc_, want);                                              \
    } while (0)

/* The combinators, scopes, groups, handles and the dump, each allocating. */
static void combine_workload(int *saw_nomem) {
    static wa_task *t[3];
    int made = 0;
    for (; made < 3; made++)
        if (!(t[made] = wa_create_task(child, (void *)(intptr_t)(made + 1)))) break;
    if (made < 3) *saw_nomem = 1;
    static intptr_t results[3];
    static int codes[3];
    if (made) {
        int done = wa_wait(t, (size_t)made, 0.0001, WA_FIRST_COMPLETED, NULL, NULL);
        EXPECT(done > 0 ? 0 : done, 0);
        EXPECT(wa_wait_for(wa_task_future(t[0]), 5), 0);
        EXPECT(wa_gather(t, (size_t)made, results, codes, WA_RETURN_EXCEPTIONS), 0);
        wa_as_completed *it = wa_as_completed(t, (size_t)made, 1.0);
        size_t index;
        if (!it) *saw_nomem = 1;
        else EXPECT(wa_as_completed_next(it, &index), 1);
        wa_as_completed_free(it);
        wa_future *sh = wa_shield(wa_task_future(t[0]));
        if (!sh) *saw_nomem = 1;
        else EXPECT(wa_await(sh), 0);
        wa_future_release(sh);
    }
    for (int i = 0; i < made; i++) wa_task_release(t[i]);
    wa_timeout *tm;
    int rc = wa_timeout_enter(0.0005, &tm);
    if (rc == WA_ENOMEM) *saw_nomem = 1;
    else {
        EXPECT(wa_timeout_exit(tm, wa_sleep(1)), WA_ETIMEDOUT);
        wa_timeout_free(tm);
    }
    wa_task_group *g;
    rc = wa_task_group_enter(&g);
    if (rc == WA_ENOMEM) {
        *saw_nomem = 1;
    } else {
        for (intptr_t i = 0; i < 2; i++) {
            wa_task *m = wa_task_group_create_task(g, child, (void *)(i * 5));  /* child 0 fails */
            if (!m) *saw_nomem = 1;
            wa_task_release(m);
        }
        rc = wa_task_group_exit(g, 0);
        if (rc == WA_ENOMEM) *saw_nomem = 1;
        else if (rc != 0) CHECK_INT(rc, 5);
    }
    wa_handle *h = NULL;
    EXPECT(wa_loop_call_later(NULL, 0.0001, noop_callback, NULL, &h), 0);
    EXPECT(wa_loop_call_soon(NULL, noop_callback, NULL, NULL), 0);
    EXPECT(wa_yield(), 0);
    wa_handle_release(h);
    char *dump = wa_loop_dump_tasks(NULL);
    if (!dump) *saw_nomem = 1;
    free(dump);
}

static int workload(void *arg) {
    (void)arg;
    static wa_task *tasks[CHILDREN];
    int created = 0, saw_nomem = 0;
    for (; created < CHILDREN; created++) {
        tasks[created] = wa_create_task(child, (void *)(intptr_t)created);
        if (!tasks[created]) break;
    }
    if (created < CHILDREN) saw_nomem = 1;
    if (created && wa_task_set_name(tasks[0], "first") == WA_ENOMEM) saw_nomem = 1;
    wa_future *f = wa_future_new();
    if (!f) saw_nomem = 1;
    if (f && wa_future_add_done_callback(f, count_callback, NULL) == WA_ENOMEM) saw_nomem = 1;
    if (f && wa_future_set_error(f, WA_EIO, "a message to copy") == WA_ENOMEM) saw_nomem = 1;
    for (int i = 0; i < created; i++) {
        int rc = wa_await(tasks[i]);
        if (rc == WA_ENOMEM) saw_nomem = 1;
        else if (rc != 0 && rc != 5) CHECK_INT(rc, 0);
        (void)wa_task_name(tasks[i]);                 /* may fall back to "Task-?" */
        wa_task_release(tasks[i]);
    }
    if (f) {
        CHECK_INT(wa_yield() == 0 || saw_nomem, 1);
        wa_future_release(f);
    }
    combine_workload(&saw_nomem);
    return saw_nomem ? WA_ENOMEM : 0;
}

static int full_run_allocations;

static int sweep(void) {
    long budget = 0;
    for (;; budget++) {
        wa__fault_allocs_left = budget;
        int rc = wa_run(workload, NULL);
        long unused = wa__fault_allocs_left;
        wa__fault_allocs_left = -1;
        if (rc != 0 && rc != WA_ENOMEM) {
            printf("  failed: budget %ld: wa_run returned %d (%s: %s)\n", budget, rc, wa_strerror(rc), wa_errmsg());
            return 1;
        }
        if (rc == WA_ENOMEM) CHECK(strlen(wa_errmsg()) > 0);
        if (unused > 0) {                             /* the budget was never exhausted */
            CHECK_INT(rc, 0);
            full_run_allocations = (int)budget;
            return 0;
        }
        if (budget > 100000) return 1;
    }
}

int main(void) {
    check_plan(1);
    int failed = sweep();
    printf("  a full run makes %d allocations; every earlier failure ended cleanly\n",
           full_run_allocations);
    CHECK(!failed);
    CHECK(full_run_allocations > 30);
    printf("%s - every allocation failure ends the run cleanly\n", check_failures ? "not ok" : "ok");
    return check_exit();
}
