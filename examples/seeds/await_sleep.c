/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "await", 示例1 (example 1):
 *
 *     async def func():
 *         print('hello')
 *         result = await asyncio.sleep(2)
 *         print('finish', result)
 *     asyncio.run(func())
 *
 * Shows: awaiting asyncio.sleep suspends the coroutine and hands control back
 * to the loop; when the sleep ends the coroutine continues on the next line.
 * asyncio.sleep's result is None, so Python prints "finish None"; the port
 * prints the same words (wa_sleep returns 0 for "no error", there is no value).
 * The same program appears in 001_ade296bdac61d605.txt section "3、await"
 * 实例一 ('come to play' / '结束 None') and 003_c3bbfac469df662c.txt
 * section 3.3 示例1 ('1' / '2 None').
 *
 * Expected output: "hello", then after 2 s "finish None".
 */
#include "seed_common.h"

/* async def func() */
static int amain(void *arg) {
    (void)arg;
    printf("hello\n");
    int rc = seed_sleep(2);          /* result = await asyncio.sleep(2) */
    if (rc) return rc;
    printf("finish None\n");
    return 0;
}

int main(void) { return seed_main(amain); }
