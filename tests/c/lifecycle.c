/* Lifecycle: a task nobody holds still runs; at main's end pending tasks are
 * cancelled and clean up; wa_run frees what users did not release. */
#include "check.h"

static int flag, cleanup_ran;

static int background(void *arg) {
    (void)arg;
    CHECK_INT(wa_sleep(0.002), 0);
    flag = 1;
    return 0;
}

static int unreferenced_task_runs(void *arg) {
    (void)arg;
    flag = 0;
    wa_task_release(wa_create_task(background, NULL));
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK(flag);
    return 0;
}

static int lingering(void *arg) {
    (void)arg;
    int rc = wa_sleep(30);
    cleanup_ran = rc == WA_ECANCELLED;
    return rc;
}

static int main_leaves_tasks_behind(void *arg) {
    (void)arg;
    wa_create_task(lingering, NULL);      /* never released: wa_run frees it */
    CHECK_INT(wa_yield(), 0);
    return wa_return(0);
}

static int stats_count_tasks(void *arg) {
    (void)arg;
    wa_stats st;
    wa_task *t = wa_create_task(background, NULL);
    CHECK_INT(wa_loop_get_stats(NULL, &st), 0);
    CHECK_INT(st.tasks_alive, 2);
    CHECK_INT(st.tasks_pending, 2);
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(wa_loop_get_stats(NULL, &st), 0);
    CHECK_INT(st.tasks_pending, 1);
    CHECK_INT(st.tasks_alive, 2);         /* still referenced */
    wa_task_release(t);
    CHECK_INT(wa_loop_get_stats(NULL, &st), 0);
    CHECK_INT(st.tasks_alive, 1);
    CHECK_INT(st.timers_armed, 0);
    return 0;
}

int main(void) {
    check_plan(4);
    run_case("a task nobody holds still runs to the end", unreferenced_task_runs, NULL, 0);
    double start = 0;
    cleanup_ran = 0;
    run_case("tasks left at main's end are cancelled and clean up", main_leaves_tasks_behind, &start, 0);
    CHECK(cleanup_ran);
    printf("%s - their cleanup ran before wa_run returned\n", cleanup_ran ? "ok" : "not ok");
    run_case("stats count live and pending tasks", stats_count_tasks, NULL, 0);
    return check_exit();
}
