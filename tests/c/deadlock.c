/* Deadlock: nothing ready, no timer, no I/O, tasks still waiting. wa_run
 * names them, cancels them so they clean up, and returns WA_EDEADLOCK. */
#include "check.h"

static int main_cleaned;

static int waits_forever(void *arg) {
    (void)arg;
    wa_future *never = wa_future_new();
    int rc = wa_await(never);
    main_cleaned = rc == WA_ECANCELLED;
    wa_future_release(never);
    return rc;
}

static wa_future *nobody_sets;

static int waits_on_future(void *arg) {
    (void)arg;
    return wa_await(nobody_sets);
}

static int waits_on_task(void *arg) {
    wa_task *t = wa_create_task(waits_on_future, NULL);
    CHECK_INT(wa_task_set_name(t, "leaf"), 0);
    int rc = wa_await(t);
    wa_task_release(t);
    (void)arg;
    return rc;
}

static int chain(void *arg) {
    (void)arg;
    nobody_sets = wa_future_new();
    wa_task *t = wa_create_task(waits_on_task, NULL);
    wa_task_set_name(t, "middle");
    return wa_await(t);
}

static int setter(void *arg) {
    CHECK_INT(wa_sleep(0.002), 0);
    wa_future_set_result(arg, 1);
    return 0;
}

static int timer_is_not_deadlock(void *arg) {
    (void)arg;
    static wa_future *f;
    f = wa_future_new();
    wa_task *s = wa_create_task(setter, f);
    CHECK_INT(wa_await(f), 0);
    wa_task_release(s);
    wa_future_release(f);
    return 0;
}

int main(void) {
    check_plan(5);
    run_case("main waiting on a future nobody sets is a deadlock", waits_forever, NULL, WA_EDEADLOCK);
    CHECK(strstr(wa_errmsg(), "Task-1 waits on a future") != NULL);
    CHECK(main_cleaned);
    printf("%s - the deadlock names main and lets it clean up\n", check_failures ? "not ok" : "ok");
    int before = check_failures;
    run_case("a chain of waiting tasks is a deadlock", chain, NULL, WA_EDEADLOCK);
    CHECK(strstr(wa_errmsg(), "Task-1 waits on middle") != NULL);
    CHECK(strstr(wa_errmsg(), "middle waits on leaf") != NULL);
    CHECK(strstr(wa_errmsg(), "leaf waits on a future") != NULL);
    CHECK(strstr(wa_errmsg(), "3 waiting") != NULL);
    printf("%s - the deadlock message names every waiting task\n", check_failures > before ? "not ok" : "ok");
    run_case("a pending timer is not a deadlock", timer_is_not_deadlock, NULL, 0);
    return check_exit();
}
