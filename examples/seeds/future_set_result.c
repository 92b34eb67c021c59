/*
 * Port of seed 001_ade296bdac61d605.txt, section "Future 对象" (the same
 * program is in 002_27bfa55368f2bb5f.txt section "future对象" 示例2, which sets
 * '0' and prints nothing, and in 003_c3bbfac469df662c.txt section 3.5, which
 * sets "2"):
 *
 *     async def set_after(fut):
 *         await asyncio.sleep(2)
 *         fut.set_result('666')
 *
 *     async def main():
 *         loop = asyncio.get_event_loop()
 *         fut = loop.create_future()
 *         await loop.create_task(set_after(fut))
 *         data = await fut
 *         print(data)
 *
 *     asyncio.run(main())
 *
 * Shows: a bare Future has no behaviour of its own; it ends when someone sets
 * its result. Here another task sets it after 2 s; main first awaits that
 * task, then the future (already resolved) gives '666'.
 *
 * Added second part (not in the seed, same shape the seed describes): main
 * awaits a second future *while* it is still pending, without awaiting the
 * setter task first; set_result from the other task wakes main. Printed as
 * "awaited while pending: 666".
 *
 * Expected output:
 *     666
 *     awaited while pending: 666
 */
#include "seed_common.h"

/* async def set_after(fut): arg is the future (a heap object, not a stack address). */
static int set_after(void *arg) {
    wa_future *fut = arg;
    int rc = seed_sleep(2);
    if (rc) return rc;
    return wa_future_set_result(fut, (intptr_t)"666");
}

static int amain(void *arg) {
    (void)arg;
    intptr_t data = 0;

    /* The seed's program. */
    wa_future *fut = wa_future_new();              /* loop.create_future() */
    if (!fut) return wa_fail(WA_ENOMEM, "cannot create future");
    wa_task *setter = wa_create_task(set_after, fut);
    int rc = setter ? wa_await_task(setter)        /* await loop.create_task(set_after(fut)) */
                    : wa_fail(WA_ENOMEM, "cannot create task");
    wa_task_release(setter);
    if (!rc) rc = wa_await_future(fut);            /* data = await fut */
    if (!rc) rc = wa_future_result(fut, &data);
    if (!rc) printf("%s\n", (const char *)data);
    wa_future_release(fut);
    if (rc) return rc;

    /* Added: await the future while it is pending; the setter task wakes us. */
    fut = wa_future_new();
    if (!fut) return wa_fail(WA_ENOMEM, "cannot create future");
    setter = wa_create_task(set_after, fut);
    rc = setter ? wa_await_future(fut) : wa_fail(WA_ENOMEM, "cannot create task");
    if (!rc) rc = wa_future_result(fut, &data);
    if (!rc) printf("awaited while pending: %s\n", (const char *)data);
    if (!rc) rc = wa_await_task(setter);           /* let the setter finish cleanly */
    wa_task_release(setter);
    wa_future_release(fut);
    return rc;
}

int main(void) { return seed_main(amain); }
