/*
 * Port of seed 001_ade296bdac61d605.txt, section "多任务协程 Task",
 * "asyncio.create_task( func() )" example. The same program is in
 * 003_c3bbfac469df662c.txt section 3.4 ("start main"/"end main", result 3)
 * and, without the prints and with tasks named n1 and n2, as the second
 * example of 000_3f41389192140140.txt section
 * "★ Task 对象 与 asyncio.wait、asyncio.create_task"; the port takes 000's names:
 *
 *     async def func():
 *         print(1)
 *         await asyncio.sleep(2)
 *         print(2)
 *         return 'value'
 *
 *     async def main():
 *         print('main start')
 *         task_list = [asyncio.create_task(func()), asyncio.create_task(func())]
 *         print('main end')
 *         done, pending = await asyncio.wait(task_list, timeout=None)
 *         print(done)
 *
 *     asyncio.run(main())
 *
 * Shows: create_task puts the task in the loop at once, but it only starts
 * when main suspends, so "main end" is printed before either task prints 1.
 * Named tasks (create_task(..., name=...)) are wa_task_set_name. wait with
 * timeout=None returns once both tasks are done; done is printed as a set.
 *
 * 000's func forgets the await before asyncio.sleep(3) (it would not sleep)
 * and its main has syntax errors; the port follows 001 there. Python prints
 * done in arbitrary order with full reprs; the port prints it in creation
 * order with the simplified repr of seed_print_task_repr (no coroutine or
 * source line).
 *
 * Expected output:
 *     main start / main end / 1 / 1 / 2 / 2 /
 *     {<Task finished name='n1' result='value'>, <Task finished name='n2' result='value'>}
 */
#include "seed_common.h"

static int func(void *arg) {
    (void)arg;
    printf("1\n");
    int rc = seed_sleep(2);
    if (rc) return rc;
    printf("2\n");
    return wa_return((intptr_t)"value");
}

static const char *const names[2] = {"n1", "n2"};

static int amain(void *arg) {
    (void)arg;
    wa_task *task_list[2] = {NULL, NULL};
    wa_task *done[2];
    int rc = 0;
    printf("main start\n");
    for (int i = 0; i < 2 && !rc; i++) {
        task_list[i] = wa_create_task(func, NULL);     /* asyncio.create_task(func(), name=...) */
        rc = task_list[i] ? wa_task_set_name(task_list[i], names[i])
                          : wa_fail(WA_ENOMEM, "cannot create task");
    }
    if (!rc) printf("main end\n");
    if (!rc) {                  /* done, pending = await asyncio.wait(task_list, timeout=None) */
        int ndone = wa_wait(task_list, 2, WA_FOREVER, WA_ALL_COMPLETED, done, NULL);
        if (ndone < 0) {
            rc = ndone;
        } else {                                       /* print(done) */
            seed_print_task_set(done, (size_t)ndone, 1);
            printf("\n");
        }
    }
    for (int i = 0; i < 2; i++) wa_task_release(task_list[i]);
    return rc;
}

int main(void) { return seed_main(amain); }
