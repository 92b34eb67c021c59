/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "future对象", 示例1
 * (example 1):
 *
 *     async def main():
 *         loop = asyncio.get_running_loop()
 *         fut = loop.create_future()   # a future that does nothing
 *         await fut                    # no result ever comes: waits forever
 *
 *     asyncio.run(main())
 *
 * Shows: awaiting a future nobody will resolve. In Python the program hangs
 * forever. wasyncio sees that nothing can make progress (no ready task, no
 * timer, no I/O, yet a task waits): it cancels the waiting task, whose await
 * returns WA_ECANCELLED so it can clean up, and wa_run returns WA_EDEADLOCK.
 *
 * Expected result: stdout is the single added line
 *     await fut: cancelled
 * printed by the cleanup after the await; stderr gets
 * "error: <name of WA_EDEADLOCK>: <message naming the waiting task>" and the
 * exit status is 1 (unlike every other port, which exits 0).
 */
#include "seed_common.h"

static int amain(void *arg) {
    (void)arg;
    wa_future *fut = wa_future_new();   /* loop.create_future() */
    if (!fut) return wa_fail(WA_ENOMEM, "cannot create future");
    int rc = wa_await_future(fut);      /* await fut: never resolved */
    printf("await fut: %s\n", rc == WA_ECANCELLED ? "cancelled" : wa_strerror(rc));
    wa_future_release(fut);
    return rc;
}

int main(void) { return seed_main(amain); }
