/* Each thread runs loops of its own (natively): two threads run wa_run at
 * once, each with tasks that sleep, hand items over a queue, use the
 * executor and fail, and each sees only its own loop, its own tasks and its
 * own wa_errmsg. A loop made on one thread cannot be run on another. */
#include "check.h"

#include <pthread.h>

enum { TASKS = 200, ROUNDS = 20 };

typedef struct worker {
    int id;
    int rc;                              /* what wa_run returned */
    long sum;                            /* what the tasks handed over */
    char errmsg[128];                    /* wa_errmsg after a failure on this thread */
    int saw_other_loop;                  /* a loop or task of the other thread was visible */
} worker;

static _Thread_local wa_queue *queue;
static _Thread_local worker *self;
static wa_loop *loops[2];                /* each thread's loop, while it runs */

static int blocking_add(void *arg, intptr_t *result) {
    *result = (intptr_t)arg + 1;
    return 0;
}

static int producer(void *arg) {
    for (int r = 0; r < ROUNDS; r++) {
        int rc = wa_queue_put(queue, (intptr_t)arg);
        if (rc) return rc;
        if ((rc = wa_sleep(0.0005))) return rc;
    }
    return 0;
}

static int fails(void *arg) { return wa_fail(WA_EIO, "thread %d failed", (int)(intptr_t)arg); }

static int thread_main(void *arg) {
    (void)arg;
    loops[self->id] = wa_running_loop();
    queue = wa_queue_new(8);
    wa_task *t[TASKS];
    for (int i = 0; i < TASKS; i++) t[i] = wa_create_task(producer, (void *)(intptr_t)(i + 1));
    for (int n = 0; n < TASKS * ROUNDS; n++) {
        intptr_t item;
        int rc = wa_queue_get(queue, &item);
        if (rc) return rc;
        self->sum += item;
        if (n % 500 == 0) {               /* the other thread's loop is never this one */
            wa_loop *other = loops[!self->id];
            if (other == wa_running_loop()) self->saw_other_loop = 1;
            intptr_t r;
            if ((rc = wa_to_thread(blocking_add, (void *)(intptr_t)n, &r)) || r != n + 1) return rc ? rc : WA_EIO;
        }
    }
    AWAIT_ALL(t, TASKS);
    wa_task *f = wa_create_task(fails, (void *)(intptr_t)self->id);
    int rc = wa_await(f);
    snprintf(self->errmsg, sizeof self->errmsg, "%s", wa_errmsg());
    wa_task_release(f);
    wa_stats st;
    wa_loop_get_stats(NULL, &st);
    if (st.tasks_alive != 1) self->saw_other_loop = 1;   /* only this thread's main is left */
    wa_queue_free(queue);
    return rc == WA_EIO ? 0 : WA_EIO;
}

static void *run_thread(void *arg) {
    self = arg;
    self->rc = wa_run(thread_main, NULL);
    return NULL;
}

static int two_threads(void) {
    worker w[2] = {{.id = 0}, {.id = 1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) CHECK_INT(pthread_create(&th[i], NULL, run_thread, &w[i]), 0);
    for (int i = 0; i < 2; i++) CHECK_INT(pthread_join(th[i], NULL), 0);
    long want = (long)ROUNDS * TASKS * (TASKS + 1) / 2;
    for (int i = 0; i < 2; i++) {
        CHECK_INT(w[i].rc, 0);
        CHECK_INT(w[i].sum, want);
        CHECK_INT(w[i].saw_other_loop, 0);
        char mine[32];
        snprintf(mine, sizeof mine, "thread %d failed", i);
        CHECK(strcmp(w[i].errmsg, mine) == 0);
    }
    return check_failures == 0;
}

static void *run_foreign(void *arg) {
    wa_loop *loop = arg;
    intptr_t rc = wa_loop_run_forever(loop);
    if (rc == WA_EINVAL && strstr(wa_errmsg(), "another thread")) rc = 0;
    intptr_t closed = wa_loop_close(loop);
    return (void *)(rc == 0 && closed == WA_EINVAL ? (intptr_t)1 : 0);
}

static int loop_of_another_thread(void) {
    wa_loop *loop = wa_loop_new();
    CHECK(loop != NULL);
    pthread_t th;
    void *ok = NULL;
    CHECK_INT(pthread_create(&th, NULL, run_foreign, loop), 0);
    CHECK_INT(pthread_join(th, &ok), 0);
    CHECK(ok == (void *)1);
    CHECK(strstr(wa_errmsg(), "another thread") == NULL);   /* that thread's message stayed there */
    CHECK_INT(wa_loop_close(loop), 0);
    return check_failures == 0;
}

int main(void) {
    check_plan(2);
    CASE("two threads run loops of their own at once", two_threads);
    CASE("a loop runs and closes only on the thread that made it", loop_of_another_thread);
    return check_exit();
}
