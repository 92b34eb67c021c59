/* Task results and errors: wa_return, wa_fail, states, names, main's code. */
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

int main(void) {
    check_plan(4);
    run_case("results, errors and states of tasks", values_and_errors, NULL, 0);
    run_case("task names: Task-N by default, settable", names, NULL, 0);
    run_case("wa_run returns main's error code", main_fails, NULL, 5);
    CHECK(strcmp(wa_errmsg(), "main gave up") == 0);
    run_case("every error code has a name", strerror_names, NULL, 0);
    return check_exit();
}
