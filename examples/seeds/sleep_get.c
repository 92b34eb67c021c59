/*
 * Port of seed 000_3f41389192140140.txt, section "`async` 和 `await`":
 *
 *     async def func():
 *         response = await asyncio.sleep(2)
 *         print("get1: {}".format(response))
 *         response = await asyncio.sleep(3)
 *         print("get2: {}".format(response))
 *
 * (The seed only defines func; the port runs it with asyncio.run(func()).)
 * Shows: each await on asyncio.sleep suspends the coroutine at an I/O wait
 * and resumes it on the next line; sleep's result is None. The port prints
 * the same text (wa_sleep has no value, only a return code).
 *
 * Expected output: "get1: None" after 2 s, "get2: None" 3 s later.
 */
#include "seed_common.h"

/* async def func() */
static int amain(void *arg) {
    (void)arg;
    int rc = seed_sleep(2);          /* response = await asyncio.sleep(2) */
    if (rc) return rc;
    printf("get1: None\n");
    rc = seed_sleep(3);              /* response = await asyncio.sleep(3) */
    if (rc) return rc;
    printf("get2: None\n");
    return 0;
}

int main(void) { return seed_main(amain); }
