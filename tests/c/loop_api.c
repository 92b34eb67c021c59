/* Loop objects: tasks scheduled before the loop runs, run_until_complete
 * over several runs, run_forever and stop, call_soon/call_later/call_at with
 * cancellable handles, close, and objects released between runs. */
#include "check.h"

static void note(void *arg) { LOG("%s", (const char *)arg); }

static void stop(void *loop) { wa_loop_stop(loop); }

static int job(void *arg) {
    intptr_t ms = (intptr_t)arg;
    LOG("job%d start", (int)ms);
    int rc = wa_sleep((double)ms / 1000.0);
    LOG("job%d %s", (int)ms, rc ? "cancelled" : "end");
    if (rc) return rc;
    return wa_return(ms * 10);
}

static wa_future *step_gate;

/* Waits for a future the case sets between runs, then sleeps 1 ms: a task
 * that must outlast the first run however late that run's timers fire. */
static int gated(void *arg) {
    (void)arg;
    LOG("gated start");
    step_gate = wa_future_new();          /* futures are made in a running loop */
    int rc = step_gate ? wa_await_future(step_gate) : WA_ENOMEM;
    if (!rc) rc = wa_sleep(0.001);
    LOG("gated %s", rc ? "cancelled" : "end");
    return rc ? rc : wa_return(7);
}

static int run_until_complete_in_steps(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    CHECK(loop != NULL);
    CHECK(!wa_loop_is_running(loop));
    CHECK(wa_running_loop() == NULL);
    wa_task *a = wa_loop_create_task(loop, job, (void *)2);
    wa_task *b = wa_loop_create_task(loop, gated, NULL);
    CHECK(a && b);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(a)), 0);
    CHECK_LOG("job2 start gated start job2 end");
    intptr_t v = 0;
    CHECK_INT(wa_task_result(a, &v), 0);  /* outcomes stay readable between runs */
    CHECK_INT(v, 20);
    CHECK_INT(wa_task_state(b), WA_PENDING);
    wa_task_release(a);                   /* released while no loop runs */
    CHECK(step_gate != NULL);
    CHECK_INT(wa_future_set_result(step_gate, 1), 0);  /* wakes b on the next run */
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(b)), 0);  /* b went on */
    CHECK_LOG("gated end");
    wa_task_release(b);
    wa_future_release(step_gate);
    /* A task left pending is cancelled and cleaned up by close. */
    wa_task *c = wa_loop_create_task(loop, job, (void *)5000);
    CHECK_INT(wa_loop_call_soon(loop, note, "soon", NULL), 0);
    CHECK_INT(wa_loop_stop(loop), 0);     /* before running: one round, then stop */
    CHECK_INT(wa_loop_run_forever(loop), 0);
    CHECK_LOG("job5000 start soon");
    wa_task_release(c);                   /* the loop still holds it */
    CHECK_INT(wa_loop_close(loop), 0);
    CHECK_LOG("job5000 cancelled");
    return check_failures == before;
}

static wa_loop *the_loop;
static int ticks;

static void tick(void *arg) {
    (void)arg;
    LOG("tick%d", ++ticks);
    if (ticks == 3) wa_loop_stop(the_loop);
    else wa_loop_call_later(the_loop, 0.001, tick, NULL, NULL);
}

static int run_forever_and_stop(void) {
    int before = check_failures;
    the_loop = wa_loop_new();
    ticks = 0;
    CHECK_INT(wa_loop_call_soon(the_loop, tick, NULL, NULL), 0);
    CHECK_INT(wa_loop_run_forever(the_loop), 0);
    CHECK_LOG("tick1 tick2 tick3");
    /* Nothing scheduled and nothing to wake it: asyncio would hang. */
    CHECK_INT(wa_loop_run_forever(the_loop), WA_EDEADLOCK);
    CHECK_INT(wa_loop_close(the_loop), 0);
    return check_failures == before;
}

static int handles(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    wa_handle *late, *soon, *at;
    double now = wa_loop_time(loop);
    CHECK_INT(wa_loop_call_later(loop, 0.004, note, "later4", NULL), 0);
    CHECK_INT(wa_loop_call_later(loop, 0.002, note, "later2", &late), 0);
    CHECK_INT(wa_loop_call_at(loop, now + 0.003, note, "at3", &at), 0);
    CHECK_INT(wa_loop_call_soon(loop, note, "soon1", NULL), 0);
    CHECK_INT(wa_loop_call_soon(loop, note, "soon2", &soon), 0);
    CHECK_INT(wa_loop_call_soon(loop, note, "soon3", NULL), 0);
    CHECK(wa_handle_when(late) >= now + 0.002);
    CHECK(wa_handle_when(at) == now + 0.003);
    CHECK_INT(wa_handle_cancel(soon), 1);
    CHECK_INT(wa_handle_cancel(soon), 0);
    CHECK(wa_handle_cancelled(soon));
    CHECK_INT(wa_handle_cancel(at), 1);
    CHECK_INT(wa_loop_call_later(loop, 0.006, stop, loop, NULL), 0);
    CHECK_INT(wa_loop_run_forever(loop), 0);
    CHECK_LOG("soon1 soon3 later2 later4");
    CHECK_INT(wa_handle_cancel(late), 0);  /* it already ran */
    CHECK(!wa_handle_cancelled(late));
    wa_handle_release(late);
    wa_handle_release(soon);
    wa_handle_release(at);
    wa_handle_release(NULL);
    /* A handle kept past close stays valid; a call never run is dropped. */
    CHECK_INT(wa_loop_call_later(loop, 60, note, "never", &late), 0);
    CHECK_INT(wa_loop_close(loop), 0);
    CHECK(wa_handle_cancelled(late));
    CHECK_INT(wa_handle_cancel(late), 0);
    wa_handle_release(late);
    CHECK_LOG("");
    return check_failures == before;
}

static wa_future *gate;

static void open_gate(void *arg) {
    (void)arg;
    wa_future_set_result(gate, 77);
}

static int nested_run(void *arg) {
    wa_loop *loop = arg;
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(wa_current_task())), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "already running") != NULL);
    CHECK_INT(wa_run(nested_run, NULL), WA_EINVAL);
    CHECK_INT(wa_loop_close(loop), WA_EINVAL);
    CHECK(wa_running_loop() == loop);
    CHECK(wa_loop_is_running(loop));
    return 0;
}

static int futures_and_misuse(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    CHECK(wa_future_new() == NULL);      /* outside a running loop */
    wa_task *t = wa_loop_create_task(loop, job, (void *)1);
    wa_loop_stop(loop);
    CHECK_INT(wa_loop_run_forever(loop), 0);
    wa_task *n = wa_loop_create_task(loop, nested_run, loop);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(n)), 0);
    wa_task_release(n);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(t)), 0);
    wa_task_release(t);
    CHECK_INT(wa_loop_run_until_complete(NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_loop_run_forever(NULL), WA_EINVAL);
    CHECK_INT(wa_loop_stop(NULL), WA_EINVAL);
    CHECK_INT(wa_loop_close(NULL), WA_EINVAL);
    CHECK_INT(wa_loop_call_soon(NULL, note, "x", NULL), WA_EINVAL);  /* no running loop */
    CHECK_INT(wa_loop_call_soon(loop, NULL, NULL, NULL), WA_EINVAL);
    CHECK_INT(wa_loop_call_later(loop, NAN, note, "x", NULL), WA_EINVAL);
    CHECK_INT(wa_loop_call_at(loop, NAN, note, "x", NULL), WA_EINVAL);
    CHECK(wa_loop_create_task(loop, NULL, NULL) == NULL);
    CHECK_INT(wa_loop_close(loop), 0);
    CHECK_LOG("job1 start job1 end");
    return check_failures == before;
}

static void make_gate(void *arg) {
    (void)arg;
    gate = wa_future_new();
    wa_loop_call_later(NULL, 0.002, open_gate, NULL, NULL);
    wa_loop_stop(wa_running_loop());
}

static int gate_case(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    CHECK_INT(wa_loop_call_soon(loop, make_gate, NULL, NULL), 0);
    CHECK_INT(wa_loop_run_forever(loop), 0);
    CHECK_INT(wa_loop_run_until_complete(loop, gate), 0);
    intptr_t v = 0;
    CHECK_INT(wa_future_result(gate, &v), 0);
    CHECK_INT(v, 77);
    wa_future_release(gate);                 /* freed between runs */
    CHECK_INT(wa_loop_close(loop), 0);
    return check_failures == before;
}

static int stop_early(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    wa_task *t = wa_loop_create_task(loop, gated, NULL);
    CHECK_INT(wa_loop_call_later(loop, 0.002, stop, loop, NULL), 0);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(t)), WA_ESTATE);
    CHECK(strstr(wa_errmsg(), "stopped") != NULL);
    CHECK_INT(wa_future_set_result(step_gate, 1), 0);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(t)), 0);
    wa_task_release(t);
    wa_future_release(step_gate);
    CHECK_INT(wa_loop_close(loop), 0);
    CHECK_LOG("gated start gated end");
    return check_failures == before;
}

static void log_result(wa_future *f, void *arg) {
    intptr_t v = 0;
    wa_future_result(f, &v);
    LOG("%s:%d", (const char *)arg, (int)v);
}

static int returns_42(void *arg) {
    (void)arg;
    return wa_return(42);
}

/* The run stops from a done callback of its future, as in asyncio: the
 * callbacks added before run_until_complete have run when it returns. */
static int done_callbacks_run_first(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    wa_task *t = wa_loop_create_task(loop, returns_42, NULL);
    wa_handle *h;
    CHECK_INT(wa_loop_call_soon(loop, note, "soon", &h), 0);
    wa_handle_release(h);
    CHECK_INT(wa_future_add_done_callback(wa_task_future(t), log_result, "cb1"), 0);  /* before it runs */
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(t)), 0);
    LOG("returned");
    CHECK_LOG("soon cb1:42 returned");
    wa_task_release(t);
    CHECK_INT(wa_loop_close(loop), 0);
    return check_failures == before;
}

static wa_task *watched;

static void add_callbacks(void *arg) {
    (void)arg;
    wa_future_add_done_callback(wa_task_future(watched), log_result, "cb1");
    wa_future_add_done_callback(wa_task_future(watched), log_result, "cb2");
}

static int callbacks_before_return(void) {
    int before = check_failures;
    wa_loop *loop = wa_loop_new();
    watched = wa_loop_create_task(loop, returns_42, NULL);
    CHECK_INT(wa_loop_call_soon(loop, add_callbacks, NULL, NULL), 0);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(watched)), 0);
    LOG("returned");
    CHECK_LOG("cb1:42 cb2:42 returned");
    /* Already done: one round runs, then it returns the outcome. */
    CHECK_INT(wa_loop_call_soon(loop, note, "round", NULL), 0);
    CHECK_INT(wa_loop_run_until_complete(loop, wa_task_future(watched)), 0);
    CHECK_LOG("round");
    wa_task_release(watched);
    CHECK_INT(wa_loop_close(loop), 0);
    return check_failures == before;
}

int main(void) {
    check_plan(8);
    CASE("run_until_complete in steps; close cancels what is left", run_until_complete_in_steps);
    CASE("run_forever until stop", run_forever_and_stop);
    CASE("call_soon, call_later, call_at and their handles", handles);
    CASE("misuse, and no nested runs", futures_and_misuse);
    CASE("run_until_complete on a future set by a callback", gate_case);
    CASE("stop before the future completes", stop_early);
    CASE("done callbacks of the future run before run_until_complete returns", callbacks_before_return);
    CASE("callbacks added before the loop runs", done_callbacks_run_first);
    return check_exit();
}
