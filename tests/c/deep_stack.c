/* Deep stacks: an await deeper than WA_STACK_LIMIT fails with WA_ESTACK
 * naming the task (and the task goes on); within the limit, every frame's
 * locals survive suspension while other tasks reuse the shared stack. */
#include "check.h"

#define FRAME_BYTES 1024

/* Recurses `depth` frames, each holding a local pattern, sleeps at the
 * bottom, and checks every pattern on the way back. Returns the sleep's code,
 * or -100 if a local was corrupted. */
static int __attribute__((noinline)) descend(int depth, int tag) {
    volatile unsigned char local[FRAME_BYTES];
    for (int i = 0; i < FRAME_BYTES; i++) local[i] = (unsigned char)(tag * 31 + depth + i);
    int rc = depth == 0 ? wa_sleep(0.001) : descend(depth - 1, tag);
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
    check_plan(2);
    run_case("an await deeper than the limit fails with WA_ESTACK", too_deep, NULL, 0);
    run_case("locals of 100 frames survive suspension in 4 interleaved tasks", locals_survive, NULL, 0);
    return check_exit();
}
