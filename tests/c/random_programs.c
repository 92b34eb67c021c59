/* Random programs: tasks that sleep, await, gather, wait, shield, time out,
 * cancel and release each other (await cycles included), driven by a seeded
 * generator. Whatever they do, nothing crashes, every task ends exactly once
 * with an outcome that matches what its body did, every await answers a code
 * it may answer, and once every handle is given back nothing is left alive.
 * Usage: random_programs [seeds] [first seed] */
#include "check.h"

#include <stdint.h>

enum { MAX_TASKS = 1500, FIRST_TASKS = 100, N_FUTURES = 6, MAX_STEPS = 8 };

typedef struct rec {
    wa_task *t;                          /* the table's reference; NULL once given back */
    int started, body_done, body_rc;
    int callbacks;                       /* done callbacks seen: must end as 1 */
    int final_state, final_code;         /* as the done callback saw them */
} rec;

static rec recs[MAX_TASKS];
static int n_recs, n_finished;
static wa_future *futures[N_FUTURES];
static uint64_t rng;
static long n_awaits, n_cycles, n_cancels, n_double_releases, n_unexpected;

static uint32_t rnd(uint32_t n) {      /* xorshift64*, then a value below n */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* What an await here may answer: a result, a child's failure, a cancel, a
 * refused cycle, a timeout, a refused wait on oneself. Anything else is
 * counted and shown. */
static int expected(int rc, const char *what) {
    if (rc == WA_EDEADLOCK) n_cycles++;
    if (rc >= 0 || rc == WA_ECANCELLED || rc == WA_EDEADLOCK || rc == WA_ETIMEDOUT || rc == WA_EIO) return rc;
    if (rc == WA_EINVAL && strstr(wa_errmsg(), "itself")) return rc;
    n_unexpected++;
    printf("  unexpected: %s answered %d (%s: %s)\n", what, rc, wa_strerror(rc), wa_errmsg());
    return rc;
}

static void on_done(wa_future *f, void *arg) {
    rec *r = &recs[(intptr_t)arg];
    r->callbacks++;
    r->final_state = wa_future_state(f);
    r->final_code = wa_future_result(f, NULL);
    n_finished++;
}

static int body(void *arg);

static int spawn(void) {
    if (n_recs == MAX_TASKS) return -1;
    int i = n_recs;
    wa_task *t = wa_create_task(body, (void *)(intptr_t)i);
    if (!t) {
        n_unexpected++;
        printf("  unexpected: wa_create_task failed: %s\n", wa_errmsg());
        return -1;
    }
    recs[i] = (rec){.t = t};
    n_recs++;
    CHECK_INT(wa_future_add_done_callback(wa_task_future(t), on_done, (void *)(intptr_t)i), 0);
    return i;
}

/* A live handle from the table, or NULL. */
static wa_task *some_task(void) {
    for (int tries = 0; tries < 4 && n_recs; tries++) {
        wa_task *t = recs[rnd((uint32_t)n_recs)].t;
        if (t) return t;
    }
    return NULL;
}

static int pick_tasks(wa_task **out, int want) {
    int n = 0;
    for (int i = 0; i < want; i++)
        if ((out[n] = some_task())) n++;
    return n;
}

static int step_once(int self) {
    wa_task *ts[3];
    int n, rc = 0;
    switch (rnd(13)) {
    case 0: rc = wa_sleep((double)rnd(3) / 2000.0); break;
    case 1: rc = wa_yield(); break;
    case 2: {                            /* await another task, or one that awaits us */
        wa_task *t = some_task();
        if (!t) break;
        n_awaits++;
        rc = expected(wa_await(t), "wa_await(task)");
        break;
    }
    case 3: {
        wa_task *t = rnd(8) ? some_task() : recs[self].t;   /* now and then itself */
        if (!t) break;
        int c = wa_task_cancel(t);
        if (c != 0 && c != 1) {
            n_unexpected++;
            printf("  unexpected: wa_task_cancel answered %d\n", c);
        }
        n_cancels += c == 1;
        break;
    }
    case 4: {                            /* give back the table's reference, and again */
        int i = (int)rnd((uint32_t)n_recs);
        wa_task *t = recs[i].t;
        if (!t || i == self) break;
        recs[i].t = NULL;
        CHECK_INT(wa_task_release(t), 0);
        if (rnd(2)) {
            CHECK_INT(wa_task_release(t), WA_EINVAL);
            n_double_releases++;
        }
        break;
    }
    case 5: spawn(); break;
    case 6: {
        wa_future *f = futures[rnd(N_FUTURES)];
        n_awaits++;
        rc = expected(rnd(2) ? wa_await(f) : wa_wait_for(f, (double)rnd(3) / 1000.0), "await(future)");
        break;
    }
    case 7: {
        wa_future *f = futures[rnd(N_FUTURES)];
        if (wa_future_state(f) == WA_PENDING)
            CHECK_INT(rnd(3) ? wa_future_set_result(f, 7) : wa_future_set_error(f, WA_EIO, "random failure"), 0);
        break;
    }
    case 8:
        if ((n = pick_tasks(ts, 1 + (int)rnd(3))) == 0) break;
        n_awaits++;
        if (rnd(2)) {
            int codes[3];
            rc = expected(wa_gather_tasks(ts, (size_t)n, NULL, codes, WA_RETURN_EXCEPTIONS), "gather(all)");
        } else {
            rc = expected(wa_gather_tasks(ts, (size_t)n, NULL, NULL, 0), "gather");
        }
        break;
    case 9: {
        if ((n = pick_tasks(ts, 1 + (int)rnd(3))) == 0) break;
        n_awaits++;
        static const int modes[] = {WA_FIRST_COMPLETED, WA_FIRST_EXCEPTION, WA_ALL_COMPLETED};
        rc = expected(wa_wait_tasks(ts, (size_t)n, (double)rnd(3) / 1000.0, modes[rnd(3)], NULL, NULL), "wait");
        break;
    }
    case 10: {
        wa_task *t = some_task();
        if (!t) break;
        wa_future *s = wa_shield(wa_task_future(t));
        if (!s) break;
        n_awaits++;
        rc = expected(wa_await(s), "await(shield)");
        CHECK_INT(wa_future_release(s), 0);
        break;
    }
    case 11: {
        wa_timeout *tm;
        if (wa_timeout_enter((double)rnd(3) / 1000.0, &tm) != 0) break;
        rc = wa_sleep((double)rnd(3) / 1000.0);
        rc = expected(wa_timeout_exit(tm, rc), "timeout scope");
        CHECK_INT(wa_timeout_free(tm), 0);
        break;
    }
    default: {                           /* read an outcome without waiting */
        wa_task *t = some_task();
        if (t && wa_task_done(t)) expected(wa_task_result(t, NULL), "wa_task_result");
        break;
    }
    }
    return rc;
}

static int body(void *arg) {
    int self = (int)(intptr_t)arg, rc = 0;
    recs[self].started = 1;
    int steps = 1 + (int)rnd(MAX_STEPS);
    for (int s = 0; s < steps; s++) {
        rc = step_once(self);
        if (rc == WA_ECANCELLED && rnd(2)) break;       /* pass the cancel on, or swallow it */
    }
    int out = rc == WA_ECANCELLED ? rc : rnd(4) == 0 ? wa_fail(WA_EIO, "task %d failed", self) : 0;
    recs[self].body_rc = out;
    recs[self].body_done = 1;
    return out;
}

/* Each task ended once, as its body said: done with the body's code, or
 * cancelled before it ran, with the cancel passed on, or with a cancel still
 * pending when it returned. */
static void check_accounts(void) {
    int bad = 0;
    for (int i = 0; i < n_recs; i++) {
        rec *r = &recs[i];
        int ok = r->callbacks == 1 && (!r->started || r->body_done);
        if (r->final_state == WA_DONE) ok = ok && r->body_done && r->final_code == r->body_rc && r->body_rc != WA_ECANCELLED;
        else if (r->final_state == WA_CANCELLED)
            ok = ok && r->final_code == WA_ECANCELLED && (!r->started || r->body_rc == WA_ECANCELLED || r->body_rc == 0);
        else ok = 0;
        if (!ok && bad++ < 5)
            printf("  task %d: callbacks %d started %d body_done %d body_rc %d state %d code %d\n", i, r->callbacks,
                   r->started, r->body_done, r->body_rc, r->final_state, r->final_code);
    }
    CHECK_INT(bad, 0);
}

static int program(void *arg) {
    rng = 0x9E3779B97F4A7C15ULL * ((uint64_t)(intptr_t)arg + 1);
    n_recs = n_finished = 0;
    for (int i = 0; i < N_FUTURES; i++) futures[i] = wa_future_new();
    for (int i = 0; i < FIRST_TASKS; i++) spawn();
    /* Futures that finish are replaced for a while; then the rest are set, so
     * every task can end. */
    double until = wa_time() + 0.1;
    int rounds = 0;
    while (n_finished < n_recs) {
        CHECK_INT(wa_sleep(0.0005), 0);
        int late = wa_time() > until;
        for (int i = 0; i < N_FUTURES; i++) {
            if (late && wa_future_state(futures[i]) == WA_PENDING) wa_future_set_result(futures[i], 1);
            if (!late && wa_future_state(futures[i]) != WA_PENDING) {
                CHECK_INT(wa_future_release(futures[i]), 0);
                futures[i] = wa_future_new();
            }
        }
        if (++rounds > 20000) {
            printf("  %d of %d tasks never finished\n", n_recs - n_finished, n_recs);
            char *dump = wa_loop_dump_tasks(NULL);
            printf("  %s\n", dump ? dump : wa_errmsg());
            free(dump);
            CHECK(0);
            break;
        }
    }
    CHECK_INT(wa_sleep(0), 0);           /* the last done callbacks run */
    check_accounts();
    for (int i = 0; i < n_recs; i++)
        if (recs[i].t) CHECK_INT(wa_task_release(recs[i].t), 0);
    for (int i = 0; i < N_FUTURES; i++) CHECK_INT(wa_future_release(futures[i]), 0);
    CHECK_INT(wa_sleep(0), 0);
    wa_stats st;
    CHECK_INT(wa_loop_get_stats(NULL, &st), 0);
    CHECK_INT(st.tasks_alive, 1);        /* only this one */
    CHECK_INT(st.tasks_pending, 1);
    CHECK_INT(st.futures_alive, 0);
    CHECK_INT(st.timers_armed, 0);
    return 0;
}

int main(int argc, char **argv) {
    int seeds = argc > 1 ? atoi(argv[1]) : 12, first = argc > 2 ? atoi(argv[2]) : 1;
    check_plan(seeds + 1);
    long tasks = 0;
    for (int s = first; s < first + seeds; s++) {
        char name[64];
        snprintf(name, sizeof name, "random program, seed %d", s);
        run_case(name, program, (void *)(intptr_t)s, 0);
        tasks += n_recs;
    }
    printf("  %ld tasks, %ld awaits (%ld cycles refused), %ld cancels, %ld second releases refused\n", tasks,
           n_awaits, n_cycles, n_cancels, n_double_releases);
    /* The programs did meet what they are for. */
    CHECK(n_unexpected == 0 && n_cycles > 0 && n_cancels > 0 && n_double_releases > 0);
    printf("%s - awaits answered only what they may, cycles and double releases came up\n",
           check_failures ? "not ok" : "ok");
    return check_exit();
}
