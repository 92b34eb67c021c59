/* Task results and errors: wa_return (a word, 64 bits, a double, an owned
 * pointer), wa_fail, states, names, main's code. */
#include "check.h"

static int answer(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(0.001), 0);
    return wa_return(42);
}

static int failing(void *arg) {
    (void)arg;
    return wa_fail(7, "bad input %d", 3);
}

static int values_and_errors(void *arg) {
    (void)arg;
    wa_task *a = wa_create_task(answer, NULL), *f = wa_create_task(failing, NULL);
    intptr_t v = -1;
    CHECK_INT(wa_task_result(a, &v), WA_ESTATE);     /* pending: InvalidStateError */
    CHECK(strstr(wa_errmsg(), "not set") != NULL);
    CHECK_INT(wa_task_state(a), WA_PENDING);
    CHECK(!wa_task_done(a));
    CHECK_INT(wa_await(a), 0);
    CHECK_INT(wa_task_result(a, &v), 0);
    CHECK_INT(v, 42);
    CHECK_INT(wa_task_state(a), WA_DONE);
    CHECK_INT(wa_await(a), 0);                       /* awaiting again: same outcome */
    CHECK_INT(wa_await(f), 7);
    CHECK(strcmp(wa_errmsg(), "bad input 3") == 0);
    CHECK(strcmp(wa_task_errmsg(f), "bad input 3") == 0);
    CHECK_INT(wa_task_result(f, &v), 7);
    CHECK_INT(wa_task_state(f), WA_DONE);
    CHECK(wa_task_done(f));
    wa_task_release(a);
    wa_task_release(f);
    return 0;
}

static int report_name(void *arg) {
    (void)arg;
    LOG("%s", wa_task_name(wa_current_task()));
    return 0;
}

static int names(void *arg) {
    (void)arg;
    CHECK(strcmp(wa_task_name(wa_current_task()), "Task-1") == 0);  /* main is Task-1 */
    wa_task *a = wa_create_task(report_name, NULL), *b = wa_create_task(report_name, NULL);
    CHECK_INT(wa_task_set_name(b, "fetcher"), 0);
    CHECK_INT(wa_task_set_name(b, NULL), WA_EINVAL);
    CHECK_INT(wa_await(a), 0);
    CHECK_INT(wa_await(b), 0);
    CHECK_LOG("Task-2 fetcher");
    CHECK(wa_current_task() != NULL);
    wa_task_release(a);
    wa_task_release(b);
    return 0;
}

static int main_fails(void *arg) {
    (void)arg;
    return wa_fail(5, "main gave up");
}

static int strerror_names(void *arg) {
    (void)arg;
    CHECK(strcmp(wa_strerror(WA_ECANCELLED), "cancelled") == 0);
    CHECK(strcmp(wa_strerror(WA_ETIMEDOUT), "timed out") == 0);
    CHECK(strcmp(wa_strerror(WA_ESTATE), "invalid state") == 0);
    CHECK(strcmp(wa_strerror(WA_EDEADLOCK), "deadlock") == 0);
    CHECK(strcmp(wa_strerror(WA_ENOTASK), "await outside a task") == 0);
    CHECK(strcmp(wa_strerror(WA_ESTACK), "stack too deep to suspend") == 0);
    CHECK(strcmp(wa_strerror(WA_ENOMEM), "out of memory") == 0);
    CHECK(strcmp(wa_strerror(WA_EINVAL), "invalid argument") == 0);
    CHECK(strcmp(wa_strerror(12345), "unknown error") == 0);
    return 0;
}

/* ------------------------------------------------ wide and owned results */

static int returns_wide(void *arg) {
    if (arg) return wa_return_double(2.5e300);
    return wa_return_i64(INT64_C(0x7fffffff12345678));
}

static int wide_results(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(returns_wide, NULL);
    CHECK_INT(wa_await(t), 0);
    int64_t i = 0;
    CHECK_INT(wa_task_result_i64(t, &i), 0);
    CHECK(i == INT64_C(0x7fffffff12345678));
    intptr_t w = 0;
    double d = 0;
    if (sizeof(intptr_t) < 8) CHECK_INT(wa_task_result(t, &w), WA_ESTATE);  /* does not fit a word */
    else CHECK_INT(wa_task_result(t, &w), 0);
    CHECK_INT(wa_task_result_double(t, &d), WA_ESTATE);
    wa_task_release(t);
    t = wa_create_task(returns_wide, (void *)1);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_task_result_double(t, &d), 0);
    CHECK(d == 2.5e300);
    CHECK_INT(wa_task_result(t, &w), WA_ESTATE);
    CHECK(strstr(wa_errmsg(), "double") != NULL);
    CHECK_INT(wa_task_result_i64(t, &i), WA_ESTATE);
    wa_task_release(t);
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_set_result_i64(f, INT64_MIN), 0);
    CHECK_INT(wa_future_set_result_double(f, 1.0), WA_ESTATE);     /* already done */
    CHECK_INT(wa_await(f), 0);
    CHECK_INT(wa_future_result_i64(f, &i), 0);
    CHECK(i == INT64_MIN);
    wa_future_release(f);
    f = wa_future_new();
    CHECK_INT(wa_future_set_result_double(f, -0.125), 0);
    wa_future *shield = wa_shield(f);                   /* a shield copies the result */
    CHECK_INT(wa_await(shield), 0);
    CHECK_INT(wa_future_result_double(shield, &d), 0);
    CHECK(d == -0.125);
    wa_future_release(shield);
    wa_future_release(f);
    return 0;
}

static int destroyed;                    /* destructor calls */

static void destroy(void *p) {
    destroyed++;
    free(p);
}

static int returns_owned(void *arg) {
    intptr_t how = (intptr_t)arg;
    char *s = malloc(16);
    strcpy(s, "owned");
    CHECK_INT(wa_return_owned(s, destroy), 0);
    if (how == 1) return WA_EIO;                         /* fails after all: freed at its end */
    if (how == 2) CHECK_INT(wa_task_cancel(wa_current_task()), 1);  /* ends cancelled: freed */
    if (how == 3) CHECK_INT(wa_return(7), 0);            /* replaced: freed at once */
    if (how == 4) return wa_sleep(60);                   /* still running when the loop closes */
    return 0;
}

/* Each path of an owned result runs its destructor exactly once, or never
 * when it was taken; ASan checks that nothing leaks either way. */
static int owned_results(void *arg) {
    (void)arg;
    destroyed = 0;
    wa_task *t = wa_create_task(returns_owned, (void *)0);
    CHECK_INT(wa_await(t), 0);
    intptr_t borrowed = 0;
    CHECK_INT(wa_task_result(t, &borrowed), 0);          /* read, not taken */
    CHECK(strcmp((char *)borrowed, "owned") == 0);
    void *mine = NULL;
    CHECK_INT(wa_task_take_result(t, &mine), 0);
    CHECK(mine == (void *)borrowed);
    CHECK_INT(wa_task_take_result(t, &mine), WA_ESTATE); /* taken once only */
    wa_task_release(t);
    CHECK_INT(destroyed, 0);
    free(mine);
    t = wa_create_task(returns_owned, (void *)0);        /* never taken: freed with the task */
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(destroyed, 0);
    wa_task_release(t);
    CHECK_INT(destroyed, 1);
    for (intptr_t how = 1; how <= 3; how++) {
        t = wa_create_task(returns_owned, (void *)how);
        int rc = wa_await(t);
        CHECK_INT(rc, how == 1 ? WA_EIO : how == 2 ? WA_ECANCELLED : 0);
        CHECK_INT(destroyed, (int)how + 1);              /* at its end, before any release */
        CHECK_INT(wa_task_take_result(t, &mine), how == 3 ? WA_ESTATE : rc);
        wa_task_release(t);
        CHECK_INT(destroyed, (int)how + 1);
    }
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_set_result_owned(f, malloc(8), destroy), 0);
    wa_future *shield = wa_shield(f);
    CHECK_INT(wa_await(shield), 0);
    CHECK_INT(wa_future_take_result(shield, &mine), WA_ESTATE);  /* borrowed */
    wa_future_release(shield);
    CHECK_INT(destroyed, 4);
    wa_future_release(f);
    CHECK_INT(destroyed, 5);
    f = wa_future_new();
    CHECK_INT(wa_future_set_result_owned(f, malloc(8), destroy), 0);
    CHECK_INT(wa_future_take_result(f, &mine), 0);
    wa_future_release(f);
    free(mine);
    CHECK_INT(destroyed, 5);
    /* A refused owned result stays the caller's: nothing runs its destructor. */
    void *kept = malloc(8);
    f = wa_future_new();
    CHECK_INT(wa_future_set_result(f, 1), 0);
    CHECK_INT(wa_future_set_result_owned(f, kept, destroy), WA_ESTATE);
    CHECK(strstr(wa_errmsg(), "already done") != NULL);
    t = wa_create_task(returns_owned, (void *)0);
    CHECK_INT(wa_future_set_result_owned(wa_task_future(t), kept, destroy), WA_ESTATE);
    CHECK(strstr(wa_errmsg(), "set by the task itself") != NULL);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_task_take_result(t, &mine), 0);
    wa_task_release(t);
    wa_future_release(f);
    free(mine);
    free(kept);
    CHECK_INT(destroyed, 5);
    wa_create_task(returns_owned, (void *)4);           /* never released: wa_run's close frees it */
    t = wa_create_task(returns_owned, (void *)0);        /* done, unreleased: the close frees it too */
    CHECK_INT(wa_await(t), 0);
    return 0;
}

int main(void) {
    check_plan(7);
    run_case("results, errors and states of tasks", values_and_errors, NULL, 0);
    run_case("task names: Task-N by default, settable", names, NULL, 0);
    run_case("wa_run returns main's error code", main_fails, NULL, 5);
    CHECK(strcmp(wa_errmsg(), "main gave up") == 0);
    run_case("every error code has a name", strerror_names, NULL, 0);
    run_case("64-bit and double results, whole on every target", wide_results, NULL, 0);
    run_case("owned results: each destructor runs once, or never when taken", owned_results, NULL, 0);
    CHECK_INT(destroyed, 7);             /* the two tasks the loop's close freed */
    printf("%s - a loop that closes destroys the owned results left\n", destroyed == 7 ? "ok" : "not ok");
    return check_exit();
}
