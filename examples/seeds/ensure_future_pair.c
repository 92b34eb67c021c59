/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "Task对象", 示例1
 * (example 1):
 *
 *     async def fun():
 *         print('start')
 *         await asyncio.sleep(2)
 *         print('end')
 *         return '返回值'
 *
 *     async def main():
 *         print('执行协程函数内部代码')
 *         task1 = asyncio.ensure_future(fun())
 *         task2 = asyncio.ensure_future(fun())
 *         print('main finish')
 *         result1 = await task1
 *         result2 = await task2
 *         print('IO操作完成，结果为：', result1, result2)
 *
 *     loop.run_until_complete(main())
 *
 * Shows: a created task does not start inside create_task/ensure_future; it
 * starts once the creator suspends (here at "await task1"), so "main finish"
 * comes before both "start" lines. Both tasks sleep at the same time and end
 * in the order they started. The seed prints its output next to the code:
 *
 *     执行协程函数内部代码 / main finish / start / start / end / end /
 *     IO操作完成，结果为： 返回值 返回值
 *
 * loop.run_until_complete(main()), with nothing else at the top level, is
 * wa_run (asyncio.run, which the seed gives as the alternative).
 *
 * Expected output (translated): the same seven lines.
 */
#include "seed_common.h"

static int fun(void *arg) {
    (void)arg;
    printf("start\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("end\n");
    return wa_return((intptr_t)"return value");   /* '返回值' */
}

static int amain(void *arg) {
    (void)arg;
    intptr_t result1 = 0, result2 = 0;
    printf("Executing code inside the coroutine function\n");
    wa_task *task1 = wa_create_task(fun, NULL);   /* asyncio.ensure_future(fun()) */
    wa_task *task2 = wa_create_task(fun, NULL);
    int rc = (task1 && task2) ? 0 : wa_fail(WA_ENOMEM, "cannot create tasks");
    if (!rc) printf("main finish\n");
    if (!rc) rc = wa_await_task(task1);           /* result1 = await task1 */
    if (!rc) rc = wa_task_result(task1, &result1);
    if (!rc) rc = wa_await_task(task2);           /* result2 = await task2 */
    if (!rc) rc = wa_task_result(task2, &result2);
    wa_task_release(task1);
    wa_task_release(task2);
    if (rc) return rc;
    printf("IO operation done, result is: %s %s\n",
           (const char *)result1, (const char *)result2);
    return 0;
}

int main(void) { return seed_main(amain); }
