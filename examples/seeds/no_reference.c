/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "5.不要使用asyncio.create_task
 * 创建后台任务" (don't create background tasks with asyncio.create_task):
 *
 *     # asyncio.create_task(back_task())
 *     # "Task was destroyed but it is pending!"
 *     # fix: keep a strong reference
 *     task = asyncio.create_task(back_task())
 *
 * The seed warns that asyncio's loop keeps only a weak reference to a task, so
 * a task nobody holds may be garbage-collected while still pending. (The seed
 * gives only that fragment; the program around it is written for the port.)
 *
 * Shows: wasyncio does not have that pitfall. The loop keeps every task alive
 * until it finishes "whether or not anyone holds it": here main gives its
 * only reference back with wa_task_release right after creating the task,
 * and the task still runs to completion while main sleeps.
 *
 *     async def back_task():
 *         print("background task: start")
 *         await asyncio.sleep(1)
 *         print("background task: done")
 *
 *     async def main():
 *         asyncio.create_task(back_task())      # no reference kept
 *         print("main: task created, no reference kept")
 *         await asyncio.sleep(2)
 *         print("main: done")
 *
 * Expected output: the four lines in this order: main's first line (the
 * task starts only once main suspends), the task's two lines, "main: done".
 */
#include "seed_common.h"

static int back_task(void *arg) {
    (void)arg;
    printf("background task: start\n");
    int rc = seed_sleep(1);
    if (rc) return rc;
    printf("background task: done\n");
    return 0;
}

static int amain(void *arg) {
    (void)arg;
    wa_task *t = wa_create_task(back_task, NULL);
    if (!t) return wa_fail(WA_ENOMEM, "cannot create task");
    wa_task_release(t);                 /* drop the only reference at once */
    printf("main: task created, no reference kept\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("main: done\n");
    return 0;
}

int main(void) { return seed_main(amain); }
