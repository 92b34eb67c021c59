/* Await cycles: the await that would close one is refused with WA_EDEADLOCK
 * naming both ends, whether the cycle runs through tasks or combiners, and
 * cancellation passed along what waits on what always ends. */
#include "check.h"

static wa_task *alpha, *beta, *gamma_;
static int beta_rc, gamma_rc;
static char beta_msg[200];

static int awaits_alpha(void *arg) {
    (void)arg;
    beta_rc = wa_await(alpha);
    snprintf(beta_msg, sizeof beta_msg, "%s", wa_errmsg());
    return beta_rc;
}

static int awaits_beta(void *arg) {
    (void)arg;
    return wa_await(beta);
}

static int two_task_cycle(void *arg) {
    (void)arg;
    alpha = wa_create_task(awaits_beta, NULL);
    beta = wa_create_task(awaits_alpha, NULL);
    wa_task_set_name(alpha, "alpha");
    wa_task_set_name(beta, "beta");
    CHECK_INT(wa_await(alpha), WA_EDEADLOCK);  /* beta's refused await is beta's outcome, then alpha's */
    CHECK_INT(beta_rc, WA_EDEADLOCK);
    CHECK(strstr(beta_msg, "'beta' awaits 'alpha'") != NULL);
    CHECK(strstr(beta_msg, "cycle") != NULL);
    CHECK_INT(wa_task_state(beta), WA_DONE);
    CHECK_INT(wa_task_result(beta, NULL), WA_EDEADLOCK);
    wa_task_release(alpha);
    wa_task_release(beta);
    return 0;
}

static int awaits_gamma(void *arg) {
    (void)arg;
    return wa_await(gamma_);
}

static int gamma_awaits_alpha(void *arg) {
    (void)arg;
    gamma_rc = wa_await(alpha);
    return gamma_rc;
}

static int three_task_cycle(void *arg) {
    (void)arg;
    alpha = wa_create_task(awaits_beta, NULL);
    beta = wa_create_task(awaits_gamma, NULL);
    gamma_ = wa_create_task(gamma_awaits_alpha, NULL);
    CHECK_INT(wa_await(alpha), WA_EDEADLOCK);
    CHECK_INT(gamma_rc, WA_EDEADLOCK);
    CHECK_INT(wa_await(beta), WA_EDEADLOCK);
    wa_task_release(alpha);
    wa_task_release(beta);
    wa_task_release(gamma_);
    return 0;
}

static int gathers_beta(void *arg) {
    (void)arg;
    wa_task *kids[1] = {beta};
    return wa_gather(kids, 1, NULL, NULL, 0);
}

static int cycle_through_gather(void *arg) {
    (void)arg;
    alpha = wa_create_task(gathers_beta, NULL);
    beta = wa_create_task(awaits_alpha, NULL);
    wa_task_set_name(alpha, "alpha");
    wa_task_set_name(beta, "beta");
    CHECK_INT(wa_await(alpha), WA_EDEADLOCK);
    CHECK_INT(beta_rc, WA_EDEADLOCK);
    CHECK(strstr(beta_msg, "'beta' awaits 'alpha'") != NULL);
    wa_task_release(alpha);
    wa_task_release(beta);
    return 0;
}

/* A long chain, each task awaiting the next: cancelling its head reaches the
 * tail and every task ends cancelled. */
#define CHAIN 2000
static wa_task *chain[CHAIN];

static int awaits_next(void *arg) {
    intptr_t i = (intptr_t)arg;
    if (i + 1 < CHAIN) return wa_await(chain[i + 1]);
    return wa_sleep(60);
}

static int cancel_along_chain(void *arg) {
    (void)arg;
    for (intptr_t i = CHAIN - 1; i >= 0; i--) chain[i] = wa_create_task(awaits_next, (void *)i);
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK_INT(wa_task_cancel(chain[0]), 1);
    CHECK_INT(wa_await(chain[0]), WA_ECANCELLED);
    for (int i = 0; i < CHAIN; i++) {
        CHECK_INT(wa_task_state(chain[i]), WA_CANCELLED);
        wa_task_release(chain[i]);
    }
    return 0;
}

/* The same through gathers and wait_for (each task gathers, or waits for,
 * the next): the cancel goes down through each, however long the chain. */
#define LONG_CHAIN 50000
static wa_task **long_chain;

static int gathers_next(void *arg) {
    intptr_t i = (intptr_t)arg;
    if (i + 1 == LONG_CHAIN) return wa_sleep(60);
    if (i % 2) return wa_wait_for(wa_task_future(long_chain[i + 1]), 60);
    return wa_gather_tasks(&long_chain[i + 1], 1, NULL, NULL, 0);
}

static int cancel_along_gathers(void *arg) {
    (void)arg;
    long_chain = malloc(LONG_CHAIN * sizeof *long_chain);
    for (intptr_t i = LONG_CHAIN - 1; i >= 0; i--) long_chain[i] = wa_create_task(gathers_next, (void *)i);
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK_INT(wa_task_cancel(long_chain[0]), 1);
    CHECK_INT(wa_await(long_chain[0]), WA_ECANCELLED);
    int cancelled = 0;
    for (int i = 0; i < LONG_CHAIN; i++) {
        cancelled += wa_task_state(long_chain[i]) == WA_CANCELLED;
        wa_task_release(long_chain[i]);
    }
    CHECK_INT(cancelled, LONG_CHAIN);
    free(long_chain);
    return 0;
}

/* Tasks that would await each other all at once: none is lost, the loop
 * never hangs, and each ends with an outcome. */
#define RING 64
static wa_task *ring[RING];

static int awaits_neighbour(void *arg) {
    intptr_t i = (intptr_t)arg;
    return wa_await(ring[(i + 1) % RING]);
}

static int ring_of_tasks(void *arg) {
    (void)arg;
    for (intptr_t i = 0; i < RING; i++) ring[i] = wa_create_task(awaits_neighbour, (void *)i);
    int refused = 0;
    for (int i = 0; i < RING; i++) {
        int rc = wa_await(ring[i]);
        CHECK(rc == WA_EDEADLOCK);
        refused += rc == WA_EDEADLOCK;
    }
    CHECK_INT(refused, RING);
    for (int i = 0; i < RING; i++) wa_task_release(ring[i]);
    return 0;
}

int main(void) {
    check_plan(6);
    run_case("two tasks awaiting each other: the closing await is WA_EDEADLOCK naming both", two_task_cycle, NULL, 0);
    run_case("a cycle of three tasks is refused at its closing await", three_task_cycle, NULL, 0);
    run_case("a cycle through a gather is refused too", cycle_through_gather, NULL, 0);
    run_case("cancelling the head of a 2000-task chain cancels every task", cancel_along_chain, NULL, 0);
    run_case("cancelling the head of a 50,000-task chain of gathers and wait_fors cancels every task",
             cancel_along_gathers, NULL, 0);
    run_case("a ring of 64 tasks awaiting their neighbours ends, none lost", ring_of_tasks, NULL, 0);
    return check_exit();
}
