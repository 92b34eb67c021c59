/*
 * Port of seed 003_c3bbfac469df662c.txt, section "3.7 上下文管理器" (async
 * context manager; 002_27bfa55368f2bb5f.txt section "异步上下文管理器" has the
 * same class without a runnable main):
 *
 *     class ContextManager:
 *         async def func(self):
 *             return 1                          # async database operation
 *         async def __aenter__(self):
 *             self.conn = await asyncio.sleep(1)   # async connect
 *             return self
 *         async def __aexit__(self, exc_type, exc_val, exc_tb):
 *             await asyncio.sleep(1)            # async close
 *
 *     async def main():
 *         async with ContextManager() as f:
 *             res = await f.func()
 *             print(res)
 *
 *     asyncio.run(main())
 *
 * Shows: entering and leaving a resource can both wait for I/O, and
 * __aexit__ is awaited before main goes on, whatever the body did.
 *
 * In C the class is a wa_async_cm (enter and exit functions that may await)
 * with the ContextManager as its state, and async with is wa_async_with: it
 * awaits enter, runs the body with the object as f, then awaits exit with the
 * body's outcome (0 here; an error where Python would pass exc_type) and
 * returns what exit returns. The body is a function of its own.
 *
 * Expected output: "1", then one added line "elapsed ~2 s" (enter 1 s + exit
 * 1 s), which checks that exit was awaited before main went on.
 */
#include "seed_common.h"

struct context_manager {
    int conn;                           /* 1 while "connected" */
};

/* async def func(self) */
static int cm_func(struct context_manager *self, long *res) {
    (void)self;
    *res = 1;                           /* async database operation */
    return 0;
}

/* async def __aenter__(self) */
static int cm_aenter(void *self) {
    struct context_manager *cm = self;
    int rc = seed_sleep(1);             /* async connect */
    if (rc) return rc;
    cm->conn = 1;
    return 0;
}

/* async def __aexit__(self, exc_type, exc_val, exc_tb): body_rc is the
 * body's outcome; returning it passes an error on, as __aexit__ returning
 * None does. */
static int cm_aexit(void *self, int body_rc) {
    struct context_manager *cm = self;
    int rc = seed_sleep(1);             /* async close */
    cm->conn = 0;
    return body_rc ? body_rc : rc;
}

static const wa_async_cm context_manager_class = {cm_aenter, cm_aexit};

/* The body of the async with block, with the object as f. */
static int body(void *f, void *arg) {
    (void)arg;
    long res = 0;
    int rc = cm_func(f, &res);          /* res = await f.func() */
    if (rc) return rc;
    printf("%ld\n", res);               /* print(res) */
    return 0;
}

static struct context_manager cm;       /* static: see seed_common.h */

static int amain(void *arg) {
    (void)arg;
    double t0 = seed_now();
    int rc = wa_async_with(&context_manager_class, &cm, body, NULL);  /* async with ... as f: */
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return rc;
}

int main(void) { return seed_main(amain); }
