/* Debug mode and the task dump. The reports go to stderr, which the node
 * test driver checks (tests/lib/c-suite.mjs); the dump is checked here and
 * printed on a "json:" line for the driver to parse. */
#include "check.h"

static void spin(double seconds) {
    double until = wa_time() + seconds;
    while (wa_time() < until) {
    }
}

static int slowpoke(void *arg) {
    (void)arg;
    spin(0.12);                           /* holds the loop: reported */
    return 0;
}

static void slow_callback(void *arg) {
    (void)arg;
    spin(0.12);
}

static int fails_unread(void *arg) {
    (void)arg;
    return wa_fail(WA_EIO, "nobody reads this");
}

static int debug_reports(void *arg) {
    (void)arg;
    const char *env = getenv("WASYNCIO_DEBUG");
    CHECK_INT(wa_loop_get_debug(NULL), env && strcmp(env, "1") == 0);
    CHECK_INT(wa_loop_set_debug(NULL, 1), 0);
    CHECK(wa_loop_get_debug(NULL));
    wa_task *t = wa_create_task(slowpoke, NULL);
    CHECK_INT(wa_task_set_name(t, "slowpoke"), 0);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    CHECK_INT(wa_loop_call_soon(NULL, slow_callback, NULL, NULL), 0);
    CHECK_INT(wa_yield(), 0);
    t = wa_create_task(fails_unread, NULL);
    CHECK_INT(wa_task_set_name(t, "unread"), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK(wa_task_done(t));
    wa_task_release(t);                   /* freed with its error unread: reported */
    wa_future *f = wa_future_new();
    CHECK_INT(wa_future_set_result(f, 1), 0);
    wa_future_release(f);                    /* never awaited: reported */
    f = wa_future_new();
    CHECK_INT(wa_future_set_result(f, 1), 0);
    CHECK_INT(wa_await(f), 0);            /* awaited: not reported */
    wa_future_release(f);
    int local = 0;                        /* on this task's stack: warned of, still run */
    t = wa_create_task(fails_unread, &local);
    CHECK(t != NULL);
    CHECK_INT(wa_task_set_name(t, "stack_arg"), 0);
    CHECK_INT(wa_await(t), WA_EIO);
    wa_task_release(t);
    CHECK_INT(wa_loop_set_debug(NULL, 0), 0);
    CHECK_INT(wa_loop_set_debug((wa_loop *)NULL, 1), 0);
    return 0;
}

static wa_future *never_set;

static int stuck(void *arg) {
    (void)arg;
    return wa_await(never_set);
}

static int pending_at_close(void *arg) {
    (void)arg;
    CHECK_INT(wa_loop_set_debug(NULL, 1), 0);
    never_set = wa_future_new();
    wa_task *t = wa_create_task(stuck, NULL);
    CHECK_INT(wa_task_set_name(t, "stuck"), 0);
    wa_task_release(t);
    CHECK_INT(wa_yield(), 0);
    return 0;                             /* wa_run closes the loop with "stuck" waiting */
}

static int leaf(void *arg) {
    (void)arg;
    return wa_sleep(5);
}

static int middle(void *arg) {
    wa_task **kids = arg;
    return wa_gather(kids, 2, NULL, NULL, 0);
}

static int broken(void *arg) {
    (void)arg;
    return wa_fail(WA_EIO, "a \"quoted\"\nmessage");
}

static int task_dump(void *arg) {
    (void)arg;
    static wa_task *kids[2];
    CHECK_INT(wa_loop_set_debug(NULL, 1), 0);
    kids[0] = wa_create_task(leaf, NULL);
    kids[1] = wa_create_task(leaf, NULL);
    wa_task *m = wa_create_task(middle, kids);
    wa_task *b = wa_create_task(broken, NULL);
    CHECK_INT(wa_task_set_name(m, "mid\\dle"), 0);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_yield(), 0);
    char *json = wa_loop_dump_tasks(NULL);
    CHECK(json != NULL);
    if (json) {
        CHECK(strncmp(json, "{\"time\":", 8) == 0);
        CHECK(strstr(json, "{\"id\":1,\"name\":\"Task-1\",\"state\":\"pending\",\"parent\":0,"
                           "\"waits_on\":null,\"cancelling\":0,\"steps\":3,\"error\":null,") != NULL);
        CHECK(strstr(json, "\"created_at\":null}") != NULL);  /* main was made without a site */
        CHECK(strstr(json, "\"id\":2,\"name\":\"Task-2\",\"state\":\"pending\",\"parent\":1,"
                           "\"waits_on\":{\"kind\":\"sleep\",\"until\":") != NULL);
        CHECK(strstr(json, "\"name\":\"mid\\\\dle\",\"state\":\"pending\",\"parent\":1,"
                           "\"waits_on\":{\"kind\":\"gather\",\"ids\":[2,3],\"futures\":0}") != NULL);
        CHECK(strstr(json, "\"state\":\"done\",\"parent\":1,\"waits_on\":null,\"cancelling\":0,\"steps\":1,"
                           "\"error\":{\"code\":-9,\"message\":\"a \\\"quoted\\\"\\u000amessage\"},\"created\":") != NULL);
        CHECK(strstr(json, "debug.c:") != NULL);  /* creation sites, recorded in debug mode */
        printf("json: %s\n", json);
    }
    free(json);
    CHECK_INT(wa_task_cancel(m), 1);
    CHECK_INT(wa_await(m), WA_ECANCELLED);
    CHECK_INT(wa_task_result(b, NULL), WA_EIO);
    wa_task_release(m);
    wa_task_release(b);
    wa_task_release(kids[0]);
    wa_task_release(kids[1]);
    return 0;
}

int main(void) {
    check_plan(3);
    CHECK(wa_loop_dump_tasks(NULL) == NULL);   /* no loop */
    CHECK_INT(wa_loop_set_debug(NULL, 1), WA_EINVAL);
    run_case("debug mode reports slow steps, slow callbacks, unread outcomes", debug_reports, NULL, 0);
    run_case("debug mode reports tasks pending at close", pending_at_close, NULL, 0);
    run_case("the task dump describes every task as JSON", task_dump, NULL, 0);
    return check_exit();
}
