/*
 * Port of seed 001_ade296bdac61d605.txt, section "2、yield 实现协程"
 * (coroutines with yield). The section is empty in the seed; this is the
 * usual program of that name, a generator that hands over to another with
 * yield from:
 *
 *     def func1():
 *         yield 1
 *         yield from func2()
 *         yield 2
 *
 *     def func2():
 *         yield 3
 *         yield 4
 *
 *     f1 = func1()
 *     for item in f1:
 *         print(item)
 *
 * Shows: a generator stops at each yield and goes on from there at the next
 * next(); yield from runs another generator to its end inside it, so the
 * loop sees 1, then func2's 3 and 4, then 2: code blocks of one thread take
 * turns, the idea that @asyncio.coroutine and yield from grew out of.
 *
 * In C the generators are wasyncio generators (wa_gen_*, coroutine objects
 * outside the event loop); the for loop calls wa_gen_next until the body
 * returns. yield from is the helper yield_from, which creates the inner
 * generator, yields each of its values and passes on what the caller sends
 * (always None here), then gives the inner body's return value.
 *
 * Expected output: 1, 3, 4, 2, one per line.
 */
#include "seed_common.h"

/* yield from fn(): runs a generator of fn inside the calling generator. */
static intptr_t yield_from(wa_coro_fn fn, void *arg) {
    wa_gen *inner = wa_gen_new(fn, arg);
    if (!inner) return WA_ENOMEM;
    intptr_t value = 0, sent = 0;
    while (wa_gen_send(inner, sent, &value) == 1) wa_gen_yield(value, &sent);
    wa_gen_free(inner);
    return value;                       /* the inner body's return value */
}

static intptr_t func2(void *arg, intptr_t in) {
    (void)arg, (void)in;
    wa_gen_yield(3, NULL);
    wa_gen_yield(4, NULL);
    return 0;
}

static intptr_t func1(void *arg, intptr_t in) {
    (void)arg, (void)in;
    wa_gen_yield(1, NULL);
    intptr_t r = yield_from(func2, NULL);
    if (r < 0) return r;                /* the inner generator could not be made */
    wa_gen_yield(2, NULL);
    return 0;
}

int main(void) {
    wa_gen *f1 = wa_gen_new(func1, NULL);  /* f1 = func1() */
    if (!f1) return seed_exit(WA_ENOMEM);
    intptr_t item = 0;
    int rc;
    while ((rc = wa_gen_next(f1, &item)) == 1)  /* for item in f1: */
        printf("%ld\n", (long)item);
    wa_gen_free(f1);
    if (rc == 0 && item < 0) rc = (int)item;  /* func1 returned an error */
    return seed_exit(rc);
}
