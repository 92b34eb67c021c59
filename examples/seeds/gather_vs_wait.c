/*
 * Port of seed 004_f2c75e1c5c0e34a1.txt, section "6.其他说明" (other notes)
 * 1, "wait和gather的区别" (wait versus gather), and of
 * 000_3f41389192140140.txt section "asyncio.gather 和 asyncio.wait". The seeds
 * describe the two without a program:
 *
 *     done, pending = await asyncio.wait(tasks)   # sets of tasks; by default
 *         # waits for all (pending is empty); return_when= ALL_COMPLETED,
 *         # FIRST_COMPLETED (back when one is done), FIRST_EXCEPTION
 *     results = await asyncio.gather(*tasks)      # a list of the results,
 *         # in the order of the arguments
 *
 * This program shows each claim with tasks that sleep and then return their
 * name or raise ValueError(name):
 *
 *     async def job(name, seconds, fail=False):
 *         print(name, 'start')
 *         await asyncio.sleep(seconds)
 *         if fail:
 *             print(name, 'fails')
 *             raise ValueError(name)
 *         print(name, 'end')
 *         return name
 *
 *     tasks = [asyncio.create_task(job(...), name=...) for ...]   # each part
 *     print('gather:', await asyncio.gather(*tasks))              # a3 b1 c2
 *     try: await asyncio.gather(*tasks)                           # d1 fails, e2
 *     except ValueError as e: print('gather raised:', repr(e))
 *     print('gather return_exceptions:',
 *           await asyncio.gather(*tasks, return_exceptions=True)) # same tasks
 *     done, pending = await asyncio.wait(tasks)                   # f1 g2
 *     done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
 *     await asyncio.wait(pending)                                 # h2 i1
 *     done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
 *     for t in done: print(t.get_name(), 'raised', repr(t.exception()))
 *     await asyncio.wait(pending)                                 # j3 k1 fails, l2
 *
 * Shows: gather returns the results in argument order (a, b, c) although the
 * tasks finish b, c, a. Without return_exceptions the first error is raised
 * at once and the other task goes on; with it, errors come back in the list.
 * wait returns sets of tasks, not results: ALL_COMPLETED leaves pending
 * empty, FIRST_COMPLETED returns after the first (the others keep running),
 * FIRST_EXCEPTION returns at the first error.
 *
 * C has no exceptions: ValueError(name) is the task's own error code
 * VALUE_ERROR with the message name, printed as Python's repr. Sets print as
 * lists of names in creation order (sorted(...) in the Python program).
 *
 * Expected output: see gather_vs_wait.expected.
 */
#include "seed_common.h"

#define VALUE_ERROR 1                /* stands for ValueError */

struct job {
    const char *name;
    double seconds;
    int fail;                        /* raise ValueError(name) instead of returning */
};

static int job(void *arg) {
    const struct job *j = arg;
    printf("%s start\n", j->name);
    int rc = seed_sleep(j->seconds);
    if (rc) return rc;
    if (j->fail) {
        printf("%s fails\n", j->name);
        return wa_fail(VALUE_ERROR, "%s", j->name);   /* raise ValueError(name) */
    }
    printf("%s end\n", j->name);
    return wa_return((intptr_t)j->name);
}

/* Task arguments, read by the tasks: static storage. */
static struct job jobs[] = {
    {"a", 3, 0}, {"b", 1, 0}, {"c", 2, 0},    /* gather: argument order */
    {"d", 1, 1}, {"e", 2, 0},                 /* gather: errors */
    {"f", 1, 0}, {"g", 2, 0},                 /* wait: ALL_COMPLETED */
    {"h", 2, 0}, {"i", 1, 0},                 /* wait: FIRST_COMPLETED */
    {"j", 3, 0}, {"k", 1, 1}, {"l", 2, 0},    /* wait: FIRST_EXCEPTION */
};

#define MAXTASKS 3

static wa_task *tasks[MAXTASKS];
static size_t ntasks;

static void release_tasks(void) {
    for (size_t i = 0; i < ntasks; i++) wa_task_release(tasks[i]);
    ntasks = 0;
}

/* tasks = [asyncio.create_task(job(...), name=...) for n jobs from first] */
static int spawn(size_t first, size_t n) {
    for (ntasks = 0; ntasks < n; ntasks++) {
        struct job *j = &jobs[first + ntasks];
        wa_task *t = wa_create_task(job, j);
        if (!t) return wa_fail(WA_ENOMEM, "cannot create task");
        tasks[ntasks] = t;
        int rc = wa_task_set_name(t, j->name);
        if (rc) {
            ntasks++;
            return rc;
        }
    }
    return 0;
}

/* Prints sorted(t.get_name() for t in s), s in creation order already. */
static void print_names(wa_task *const *set, size_t n) {
    printf("[");
    for (size_t i = 0; i < n; i++) printf("%s'%s'", i ? ", " : "", wa_task_name(set[i]));
    printf("]");
}

/* Prints one result of gather(return_exceptions=True): a value or an error. */
static void print_outcome(const wa_task *t, int code, intptr_t value) {
    if (code == 0) printf("'%s'", (const char *)value);
    else if (code == VALUE_ERROR) printf("ValueError('%s')", wa_task_errmsg(t));
    else printf("<%s>", wa_strerror(code));
}

static int gather_parts(void) {
    intptr_t results[MAXTASKS];
    int codes[MAXTASKS];

    int rc = spawn(0, 3);                           /* a 3 s, b 1 s, c 2 s */
    if (!rc) rc = wa_gather(tasks, 3, results, NULL, 0);
    if (!rc)
        printf("gather: ['%s', '%s', '%s']\n", (const char *)results[0],
               (const char *)results[1], (const char *)results[2]);
    release_tasks();
    if (rc) return rc;

    rc = spawn(3, 2);                               /* d fails at 1 s, e 2 s */
    if (!rc) {
        rc = wa_gather(tasks, 2, NULL, NULL, 0);
        if (rc == VALUE_ERROR) {
            printf("gather raised: ValueError('%s')\n", wa_errmsg());
            rc = wa_gather(tasks, 2, results, codes, WA_RETURN_EXCEPTIONS);
        } else if (rc == 0) {
            rc = wa_fail(WA_ESTATE, "gather did not raise");
        }
    }
    if (!rc) {
        printf("gather return_exceptions: [");
        for (size_t i = 0; i < 2; i++) {
            if (i) printf(", ");
            print_outcome(tasks[i], codes[i], results[i]);
        }
        printf("]\n");
    }
    release_tasks();
    return rc;
}

/* done, pending = await asyncio.wait(tasks, return_when=...); print both;
 * with print_errors, the error of each done task; then wait for pending. */
static int wait_part(const char *what, size_t first, size_t n, int return_when, int print_errors) {
    wa_task *done[MAXTASKS], *pending[MAXTASKS];
    int rc = spawn(first, n);
    int ndone = rc ? rc : wa_wait(tasks, n, WA_FOREVER, return_when, done, pending);
    if (ndone >= 0) {
        size_t npending = n - (size_t)ndone;
        printf("wait %s: done ", what);
        print_names(done, (size_t)ndone);
        printf(" pending ");
        print_names(pending, npending);
        printf("\n");
        for (int i = 0; print_errors && i < ndone; i++) {
            int code = wa_task_result(done[i], NULL);
            printf("%s raised ", wa_task_name(done[i]));
            if (code == 0) printf("None\n");
            else if (code == VALUE_ERROR) printf("ValueError('%s')\n", wa_task_errmsg(done[i]));
            else printf("<%s>\n", wa_strerror(code));
        }
        rc = npending ? wa_wait(pending, npending, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL) : 0;
    } else {
        rc = ndone;
    }
    release_tasks();
    return rc < 0 ? rc : 0;
}

static int amain(void *arg) {
    (void)arg;
    int rc = gather_parts();
    if (!rc) rc = wait_part("ALL_COMPLETED", 5, 2, WA_ALL_COMPLETED, 0);
    if (!rc) rc = wait_part("FIRST_COMPLETED", 7, 2, WA_FIRST_COMPLETED, 0);
    if (!rc) rc = wait_part("FIRST_EXCEPTION", 9, 3, WA_FIRST_EXCEPTION, 1);
    return rc;
}

int main(void) { return seed_main(amain); }
