/*
 * Port of seed 001_ade296bdac61d605.txt, section "1、greenlet 实现协程"
 * (coroutines with greenlet):
 *
 *     from greenlet import greenlet
 *     def func10():
 *         print(1)
 *         gr2.switch()
 *         print(2)
 *         gr2.switch()
 *
 *     def func20():
 *         print(3)
 *         gr1.switch()
 *         print(4)
 *
 *     gr1 = greenlet(func10)
 *     gr2 = greenlet(func20)
 *     gr1.switch()            # step 1: run func10
 *
 * Shows: two routines on one thread hand control to each other by hand;
 * each switch() stops the caller where it is and resumes the other where it
 * stopped, so the output is 1 3 2 4. When func20 returns, control goes back
 * to the greenlet's parent (the main program) and gr1.switch() returns,
 * leaving func10 suspended after print(2); it never runs again.
 *
 * In C the greenlets are wasyncio coroutine objects (wa_coro_*), which are
 * asymmetric: a coroutine can only yield back to whoever resumed it. A
 * symmetric switch is therefore a yield that hands the target coroutine to a
 * small driver loop in main, which resumes it; a body that returns ends the
 * loop, as a finished greenlet returns to its parent. No event loop is
 * involved. gr1, still suspended at the end, is freed there, as greenlet
 * kills it (GreenletExit) when it is collected: nothing more is printed.
 *
 * Expected output: 1, 3, 2, 4, one per line.
 */
#include "seed_common.h"

static wa_coro *gr1, *gr2;

/* target.switch() from inside a coroutine: the driver resumes target. */
static void greenlet_switch(wa_coro *target) {
    wa_coro_yield((intptr_t)target, NULL);
}

static intptr_t func10(void *arg, intptr_t in) {
    (void)arg, (void)in;
    printf("1\n");
    greenlet_switch(gr2);
    printf("2\n");
    greenlet_switch(gr2);
    return 0;
}

static intptr_t func20(void *arg, intptr_t in) {
    (void)arg, (void)in;
    printf("3\n");
    greenlet_switch(gr1);
    printf("4\n");
    return 0;                           /* back to the parent: main */
}

/* The main program's gr.switch(): runs gr, then whatever it switches to,
 * until one of them returns. Returns 0, or the error of a resume. */
static int switch_from_main(wa_coro *gr) {
    while (gr) {
        intptr_t out = 0;
        int rc = wa_coro_resume(gr, 0, &out);
        if (rc < 0) return rc;
        gr = rc == 1 ? (wa_coro *)out : NULL;  /* 1: switched; 0: returned */
    }
    return 0;
}

int main(void) {
    int rc = WA_ENOMEM;
    gr1 = wa_coro_new(func10, NULL);
    gr2 = wa_coro_new(func20, NULL);
    if (gr1 && gr2) rc = switch_from_main(gr1);   /* gr1.switch() */
    wa_coro_free(gr1);                  /* still suspended after print(2) */
    wa_coro_free(gr2);
    return seed_exit(rc);
}
