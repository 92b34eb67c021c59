/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "使用流程" (how to use:
 * define a coroutine function, get a coroutine object, run it):
 *
 *     async def func():
 *         print('来了，来了')
 *     result = func()
 *     loop = asyncio.get_event_loop(); loop.run_until_complete(result)
 *     # asyncio.run(result)
 *
 * Shows: the smallest program. A coroutine's body only runs once it is handed
 * to the event loop; wa_run() is asyncio.run(): it creates the loop, runs the
 * function as the first task and returns its outcome.
 * The same shape appears in 001_ade296bdac61d605.txt section "2、使用"
 * (prints a different greeting) and 003_c3bbfac469df662c.txt section 3.2
 * (prints nothing).
 *
 * Expected output: "Coming, coming" ('来了，来了').
 */
#include "seed_common.h"

/* async def func(): the coroutine asyncio.run() is given. */
static int amain(void *arg) {
    (void)arg;
    printf("Coming, coming\n");
    return 0;
}

int main(void) { return seed_main(amain); }
