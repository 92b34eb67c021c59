/*
 * Port of seed 003_c3bbfac469df662c.txt, section "3.3 await", 示例2
 * (example 2):
 *
 *     async def others():
 *         print("start")
 *         await asyncio.sleep(2)
 *         print("end")
 *         return 1
 *
 *     async def func():
 *         print("start func")
 *         response1 = await others()
 *         print("end func, response1 = ", response1)
 *         response2 = await others()
 *         print("end func, response2 = ", response2)
 *
 *     asyncio.run(func())
 *
 * Shows: a chain of awaits. "await waits until the awaited object has its
 * return value, then continues": the two calls of others() run one after the
 * other, never overlapping, so the whole program takes 2 + 2 = 4 s. Awaiting
 * a coroutine directly is a plain C call made inside the task.
 * The same shape appears in 002_27bfa55368f2bb5f.txt section "await" 示例3.
 *
 * Expected output: the seven lines Python prints (note the two spaces after
 * "=": print() puts a space between "... = " and the value), then one added
 * line "elapsed ~4 s" that checks the awaits ran one after the other.
 */
#include "seed_common.h"

/* async def others(): the value goes to *result. */
static int others(long *result) {
    printf("start\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("end\n");
    *result = 1;
    return 0;
}

/* async def func() */
static int amain(void *arg) {
    (void)arg;
    long response1 = 0, response2 = 0;
    double t0 = seed_now();
    printf("start func\n");
    int rc = others(&response1);     /* response1 = await others() */
    if (rc) return rc;
    printf("end func, response1 =  %ld\n", response1);
    rc = others(&response2);         /* response2 = await others() */
    if (rc) return rc;
    printf("end func, response2 =  %ld\n", response2);
    printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return 0;
}

int main(void) { return seed_main(amain); }
