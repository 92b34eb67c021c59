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
 * Shows: entering and leaving a resource can both wait for I/O. C has no
 * "async with"; the port writes the same protocol as two calls that may
 * suspend, enter before the body and exit after it, exit running whether or
 * not the body failed (as __aexit__ does).
 *
 * Expected output: "1", then one added line "elapsed ~2 s" (enter 1 s + exit
 * 1 s), which checks that exit was awaited before main went on.
 */
#include "seed_common.h"

struct context_manager {
    int conn;                           /* 1 while "connected" */
};

static int cm_func(struct context_manager *self, long *res) {
    (void)self;
    *res = 1;                           /* async database operation */
    return 0;
}

static int cm_aenter(struct context_manager *self) {
    int rc = seed_sleep(1);             /* async connect */
    if (rc) return rc;
    self->conn = 1;
    return 0;
}

static int cm_aexit(struct context_manager *self, int body_rc) {
    (void)body_rc;                      /* like exc_type: the body's outcome */
    int rc = seed_sleep(1);             /* async close */
    self->conn = 0;
    return rc;
}

static struct context_manager cm;       /* static: see seed_common.h */

static int amain(void *arg) {
    (void)arg;
    double t0 = seed_now();
    long res = 0;
    int rc = cm_aenter(&cm);            /* async with ContextManager() as f: */
    if (rc) return rc;
    rc = cm_func(&cm, &res);            /*     res = await f.func() */
    if (!rc) printf("%ld\n", res);      /*     print(res) */
    int exit_rc = cm_aexit(&cm, rc);    /* __aexit__ runs in every case */
    if (!rc) rc = exit_rc;
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return rc;
}

int main(void) { return seed_main(amain); }
