/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "异步redis" (asynchronous
 * redis): connect, set a hash, read it back, close.
 *
 *     async def execute(address, password):
 *         print('开始执行', address)                 # start
 *         redis = await aioredis.create_redis(address, password=password)
 *         await redis.hmset_dict('car', key1=1, key2=2, key3=3)
 *         result = await redis.hgetall('car', encoding='utf-8')
 *         print(result)
 *         redis.close()
 *         print('结束')                             # end
 *
 *     asyncio.run(execute('redis://47.93.4.198:6379', "root!2345"))
 *
 * Shows: each network step (connect and authenticate, write, read) suspends
 * the task while the loop waits for the server.
 *
 * Differences from the seed:
 *   - The address is the first argument and the password WA_REDIS_PASSWORD;
 *     the tests start a redis-server on 127.0.0.1 with a random port.
 *   - The seed's typo "await = redis.hmset_dict(...)" is the call it means;
 *     HMSET is HSET with several fields in today's Redis. The hash is
 *     deleted first, so the output does not depend on what the server held.
 *   - asyncio.run(func) in the seed names the wrong function: execute runs.
 *
 * Expected output: see hash.expected (PORT stands for the server's port).
 */
#include "redis_seed.h"

static struct address address;

static int execute(void *arg) {
    const struct address *a = arg;
    printf("start %s\n", a->url);
    redis *r = NULL;
    int rc = redis_connect(a->host, a->port, a->password, 10.0, &r);
    if (rc) return rc;
    redis_reply *reply = NULL;
    if (!(rc = redis_call(r, &reply, "DEL", "car", (const char *)NULL))) {
        redis_reply_free(reply);
        rc = redis_call(r, &reply, "HSET", "car", "key1", "1", "key2", "2", "key3", "3", (const char *)NULL);
    }
    if (!rc) {
        redis_reply_free(reply);
        rc = redis_call(r, &reply, "HGETALL", "car", (const char *)NULL);
    }
    if (!rc) {
        print_reply(reply, 1);
        printf("\n");
    }
    redis_reply_free(reply);
    redis_free(r);
    if (!rc) printf("end\n");
    return rc;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "redis://127.0.0.1:6379", getenv("WA_REDIS_PASSWORD"), &address)) return 2;
    int rc = wa_run(execute, &address);
    if (rc) fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
