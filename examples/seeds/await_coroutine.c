/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "await", 示例2 (example 2):
 *
 *     async def others():
 *         print('start')
 *         await asyncio.sleep(2)
 *         print('end')
 *         return '返回值'
 *
 *     async def func():
 *         print('执行协程函数内部代码')
 *         result = await others()
 *         print('IO操作完成，结果为：', result)
 *
 *     loop.run_until_complete(func())
 *
 * Shows: awaiting a coroutine directly. In C a coroutine that is awaited
 * directly is an ordinary function call made from inside a task: it may
 * suspend (the whole calling task is paused) and its return value comes back
 * as from any C function. No new task is created.
 * The same program appears in 001_ade296bdac61d605.txt section "3、await"
 * 实例2 (return value 'value of return').
 *
 * loop.run_until_complete(func()), with nothing else at the top level, is
 * wa_run (asyncio.run, which the seed gives as the alternative).
 *
 * Expected output (translated; Python's print puts one space between items):
 *     Executing code inside the coroutine function
 *     start
 *     end                                    (after 2 s)
 *     IO operation done, result is: return value
 */
#include "seed_common.h"

/* async def others(): returns 0 or an error code; the value goes to *result. */
static int others(const char **result) {
    printf("start\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("end\n");
    *result = "return value";        /* '返回值' */
    return 0;
}

/* async def func() */
static int amain(void *arg) {
    (void)arg;
    const char *result = NULL;
    printf("Executing code inside the coroutine function\n");
    int rc = others(&result);        /* result = await others() */
    if (rc) return rc;
    printf("IO operation done, result is: %s\n", result);
    return 0;
}

int main(void) { return seed_main(amain); }
