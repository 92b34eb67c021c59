/*
 * Port of seed 003_c3bbfac469df662c.txt, section 4.1 "异步操作redis": connect,
 * set a key, close and wait until closed.
 *
 *     async def func(address, pwd):
 *         print("start process")
 *         redis = await aioredis.create_redis(address, pwd)
 *         await redis.set('car', 1)
 *         redis.close()
 *         await redis.wait_closed()
 *         print("end")
 *
 * Shows: close() starts closing and wait_closed() suspends until the
 * connection is gone; the value set stays on the server (a second
 * connection reads it back, a line the port adds).
 *
 * Differences from the seed: the seed defines func without running it; the
 * port runs it against the server given as the first argument, with the
 * password WA_REDIS_PASSWORD, and adds "car is '1'" read over a second
 * connection.
 *
 * Expected output: see set_close.expected.
 */
#include "redis_seed.h"

static struct address address;

static int func(void *arg) {
    const struct address *a = arg;
    printf("start process\n");
    redis *r = NULL;
    int rc = redis_connect(a->host, a->port, a->password, 10.0, &r);
    if (rc) return rc;
    redis_reply *reply = NULL;
    rc = redis_call(r, &reply, "SET", "car", "1", (const char *)NULL);
    redis_reply_free(reply);
    int closed = redis_close(r);         /* close() and wait_closed() */
    if (rc || (rc = closed)) return rc;
    printf("end\n");
    if ((rc = redis_connect(a->host, a->port, a->password, 10.0, &r))) return rc;
    if (!(rc = redis_call(r, &reply, "GET", "car", (const char *)NULL))) {
        printf("car is ");
        print_reply(reply, 0);
        printf("\n");
    }
    redis_reply_free(reply);
    redis_free(r);
    return rc;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "redis://127.0.0.1:6379", getenv("WA_REDIS_PASSWORD"), &address)) return 2;
    int rc = wa_run(func, &address);
    if (rc) fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
