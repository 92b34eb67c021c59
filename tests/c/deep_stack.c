/* Deep stacks: an await deeper than WA_STACK_LIMIT fails with WA_ESTACK
 * naming the task (and the task goes on); within the limit, every frame's
 * locals survive suspension while other tasks reuse the shared stack. */
#include "check.h"

#define FRAME_BYTES 1024

static int how;                          /* the wait at the bottom: 0 a sleep, 1 a yield, 2 an await of gate */
static wa_future *gate;

static int wait_at_bottom(void) { return how == 0 ? wa_sleep(0.001) : how == 1 ? wa_yield() : wa_await(gate); }

/* Recurses `depth` frames, each holding a local pattern, waits at the
 * bottom, and checks every pattern on the way back. Returns the wait's code,
 * or -100 if a local was corrupted. */
static int __attribute__((noinline)) descend(int depth, int tag) {
    volatile unsigned char local[FRAME_BYTES];
    for (int i = 0; i < FRAME_BYTES; i++) local[i] = (unsigned char)(tag * 31 + depth + i);
    int rc = depth == 0 ? wait_at_bottom() : descend(depth - 1, tag);
    for (int i = 0; i < FRAME_BYTES; i++)
        if (local[i] != (unsigned char)(tag * 31 + depth + i)) return -100;
    return rc;
}

static int deep(void *arg) {
    wa_task_set_name(wa_current_task(), "deep-diver");
    int rc = descend((int)(intptr_t)arg, 1);
    LOG("deep=%d", rc);
    CHECK(strstr(wa_errmsg(), "deep-diver") != NULL);
    CHECK_INT(wa_sleep(0.001), 0);        /* the task goes on and can still wait */
    return wa_return(rc);
}

static int too_deep(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(deep, (void *)(intptr_t)(WA_STACK_LIMIT / FRAME_BYTES + 100));
    CHECK_INT(wa_await(t), 0);
    intptr_t v = 0;
    wa_task_result(t, &v);
    CHECK_INT(v, WA_ESTACK);
    CHECK_LOG("deep=-6");
    wa_task_release(t);
    return 0;
}

/* A yield and an await that fail so leave nothing behind: the task is not
 * in the ready queue twice, and the future has no waiter left to wake. */
static int every_wait_too_deep(void *arg) {
    (void)arg;
    gate = wa_future_new();
    CHECK(gate != NULL);
    for (how = 1; how <= 2; how++) {
        wa_task *t = wa_create_task(deep, (void *)(intptr_t)(WA_STACK_LIMIT / FRAME_BYTES + 100));
        CHECK_INT(wa_await(t), 0);
        intptr_t v = 0;
        wa_task_result(t, &v);
        CHECK_INT(v, WA_ESTACK);
        wa_task_release(t);
    }
    how = 0;
    CHECK_INT(wa_future_set_result(gate, 7), 0);
    CHECK_INT(wa_yield(), 0);             /* a waiter left on gate would run now */
    CHECK_INT(wa_await(gate), 0);
    wa_future_release(gate);
    return 0;
}

static int moderate(void *arg) {
    return descend(100, (int)(intptr_t)arg);
}

static int locals_survive(void *arg) {
    (void)arg;
    wa_task *t[4];
    for (int i = 0; i < 4; i++) t[i] = wa_create_task(moderate, (void *)(intptr_t)(i + 2));
    AWAIT_ALL(t, 4);
    wa_stats st;
    CHECK_INT(wa_loop_get_stats(NULL, &st), 0);
    CHECK(st.max_saved_stack > 100 * FRAME_BYTES);   /* the frames really were saved */
    CHECK(st.max_saved_stack <= WA_STACK_LIMIT);
    return 0;
}

int main(void) {
    check_plan(3);
    run_case("an await deeper than the limit fails with WA_ESTACK", too_deep, NULL, 0);
    run_case("a yield and an await deeper than the limit fail the same way", every_wait_too_deep, NULL, 0);
    run_case("locals of 100 frames survive suspension in 4 interleaved tasks", locals_survive, NULL, 0);
    return check_exit();
}
