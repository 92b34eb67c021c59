/*
 * Port of the yield/send style of coroutine that seed 000_3f41389192140140.txt
 * names in "演变过程" (how it evolved: first generators with yield, then
 * @asyncio.coroutine and yield from, then async/await) and in its "asyncio"
 * notes ("before, we wrote send by hand"), and that 004_f2c75e1c5c0e34a1.txt
 * section "2.协程实现的几种方式?" (ways to write coroutines) gives for
 * Python 2 ("利用生成器通过yield+send实现协程"). The seeds show no program
 * for it; this is the classic producer and consumer:
 *
 *     def consumer():
 *         r = ''
 *         while True:
 *             n = yield r
 *             if not n:
 *                 return
 *             print('[CONSUMER] Consuming %s...' % n)
 *             r = '200 OK'
 *
 *     def produce(c):
 *         c.send(None)
 *         n = 0
 *         while n < 5:
 *             n = n + 1
 *             print('[PRODUCER] Producing %s...' % n)
 *             r = c.send(n)
 *             print('[PRODUCER] Consumer return: %s' % r)
 *         c.close()
 *
 *     c = consumer()
 *     produce(c)
 *
 * Shows: send() both resumes the generator and hands it a value, which
 * becomes the result of its yield; the value it yields next is what send
 * returns. Producer and consumer take turns on one thread without a loop or
 * a lock: the first send(None) runs the consumer up to its first yield.
 *
 * In C the consumer is a wasyncio generator (wa_gen_*): wa_gen_send resumes
 * it with a value, wa_gen_yield gives one back and receives the next. Items
 * are intptr_t, so the strings travel as pointers to static strings. c.close()
 * is wa_gen_free, which drops the consumer at its yield (Python raises
 * GeneratorExit there, which the consumer does not catch: nothing is printed
 * either way).
 *
 * Expected output: five rounds of "[PRODUCER] Producing n...",
 * "[CONSUMER] Consuming n...", "[PRODUCER] Consumer return: 200 OK".
 */
#include "seed_common.h"

static intptr_t consumer(void *arg, intptr_t in) {
    (void)arg, (void)in;
    const char *r = "";
    for (;;) {
        intptr_t n = 0;
        wa_gen_yield((intptr_t)r, &n);  /* n = yield r */
        if (!n) return 0;
        printf("[CONSUMER] Consuming %ld...\n", (long)n);
        r = "200 OK";
    }
}

static int produce(wa_gen *c) {
    intptr_t r = 0;
    int rc = wa_gen_send(c, 0, &r);     /* c.send(None): up to the first yield */
    for (long n = 0; rc == 1 && n < 5;) {
        n = n + 1;
        printf("[PRODUCER] Producing %ld...\n", n);
        rc = wa_gen_send(c, n, &r);     /* r = c.send(n) */
        if (rc == 1) printf("[PRODUCER] Consumer return: %s\n", (const char *)r);
    }
    wa_gen_free(c);                     /* c.close() */
    return rc < 0 ? rc : rc == 1 ? 0 : WA_ESTATE;  /* the consumer must not stop early */
}

int main(void) {
    wa_gen *c = wa_gen_new(consumer, NULL);  /* c = consumer() */
    return seed_exit(c ? produce(c) : WA_ENOMEM);
}
