/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "FastAPi" (示例): a web
 * application with a plain endpoint and an asynchronous one that uses Redis
 * through a connection pool.
 *
 *     app = FastAPI()
 *     REDIS_POOL = aioredis.ConnectionsPool('redis://ip:port', password='password',
 *                                           minsize=1, maxsize=10)
 *
 *     @app.get('/')
 *     def index():
 *         # 普通接口 (a plain endpoint)
 *         return {"msg": 'hello world'}
 *
 *     async def read():
 *         # 异步接口 (an asynchronous endpoint)
 *         print('请求来了')                         # a request came in
 *         await asyncio.sleep(3)
 *         conn = await REDIS_POOL.acquire()
 *         redis = redis(conn)
 *         await redis.hmset_dict('car', key1=1, key2=2)
 *         result = await redis.hgetall('car', encoding='utf-8')
 *         # REDIS_POOL.release(conn)
 *         return result
 *
 *     uvicorn.run('code:app', host='127.0.0.1', port=5000, log_level='info')
 *
 * Shows: one task per connection serves requests; while a request sleeps or
 * waits for Redis, the loop serves the others. The pool holds up to ten
 * connections: a request takes a free one, opens one if all are busy and
 * fewer than ten are open, or waits for one to come back.
 *
 * Differences from the seed:
 *   - wa_http_serve stands for FastAPI and uvicorn; routes are matched by
 *     hand, and the dicts are written as JSON as FastAPI would.
 *   - The seed shows `read` without its route decorator; it is served at
 *     GET /read here.
 *   - Arguments: the Redis address (redis://HOST:PORT; the password comes
 *     from WA_REDIS_PASSWORD) and the HTTP port (5000 as in the seed; 0 for
 *     any free one). The sleep of 3 s is scaled by WA_SEED_SCALE, as in the
 *     other ports, so the tests stay quick.
 *   - The seed leaves REDIS_POOL.release(conn) commented out, which would
 *     leak a connection per request; the port gives each one back.
 *   - HMSET is HSET with several fields in today's Redis.
 *   - It prints "listening PORT" once it listens, and "request came in" for
 *     the seed's '请求来了'.
 */
#include "../seed_common.h"
#include "../redis/redis_seed.h"

#include <stdio.h>
#include <string.h>

enum { POOL_MAX = 10 };

/* aioredis.ConnectionsPool(minsize=1, maxsize=10). */
static struct pool {
    struct address address;
    redis *conns[POOL_MAX];
    int busy[POOL_MAX];
    wa_semaphore *slots;                 /* a unit per connection not in use or not yet open */
} pool;

static int pool_acquire(redis **out) {
    int rc = wa_semaphore_acquire(pool.slots);
    if (rc) return rc;
    int free_slot = -1;
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool.conns[i] && !pool.busy[i]) {
            pool.busy[i] = 1;
            *out = pool.conns[i];
            return 0;
        }
        if (!pool.conns[i] && free_slot < 0) free_slot = i;
    }
    pool.busy[free_slot] = 1;            /* held while it connects */
    rc = redis_connect(pool.address.host, pool.address.port, pool.address.password, 10.0, &pool.conns[free_slot]);
    if (rc) {
        pool.busy[free_slot] = 0;
        wa_semaphore_release(pool.slots);
        return rc;
    }
    *out = pool.conns[free_slot];
    return 0;
}

/* Gives conn back; a connection that failed is closed instead of reused. */
static void pool_release(redis *conn, int failed) {
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool.conns[i] != conn) continue;
        if (failed) {
            redis_free(conn);
            pool.conns[i] = NULL;
        }
        pool.busy[i] = 0;
    }
    wa_semaphore_release(pool.slots);
}

/* A JSON text being written into a fixed buffer. */
struct json {
    char text[4096];
    size_t len;
    int over;                            /* it did not fit */
};

static void put(struct json *j, const char *s, size_t n) {
    if (j->len + n > sizeof j->text) j->over = 1;
    else memcpy(j->text + j->len, s, n), j->len += n;
}

static void put_string(struct json *j, const char *s) {
    put(j, "\"", 1);
    for (; *s; s++) {
        char esc[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') put(j, esc, (size_t)snprintf(esc, sizeof esc, "\\%c", c));
        else if (c < 0x20) put(j, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
        else put(j, s, 1);
    }
    put(j, "\"", 1);
}

/* HGETALL's [field, value, ...] as a JSON object, as FastAPI returns a dict. */
static void put_object(struct json *j, const redis_reply *r) {
    put(j, "{", 1);
    for (size_t i = 0; i + 1 < r->count; i += 2) {
        if (i) put(j, ",", 1);
        put_string(j, r->elements[i]->str ? r->elements[i]->str : "");
        put(j, ":", 1);
        put_string(j, r->elements[i + 1]->str ? r->elements[i + 1]->str : "");
    }
    put(j, "}", 1);
}

static struct json answer;               /* filled and sent with no await between: one serves all */

/* The async endpoint. */
static int read_car(wa_http_response *res) {
    printf("request came in\n");
    fflush(stdout);
    int rc = seed_sleep(3);
    redis *conn = NULL;
    if (!rc) rc = pool_acquire(&conn);
    if (rc) return rc;
    redis_reply *reply = NULL;
    rc = redis_call(conn, &reply, "HSET", "car", "key1", "1", "key2", "2", (const char *)NULL);
    redis_reply_free(reply);
    reply = NULL;
    if (!rc) rc = redis_call(conn, &reply, "HGETALL", "car", (const char *)NULL);
    pool_release(conn, rc && rc != REDIS_EREPLY);
    if (!rc && reply->type != REDIS_ARRAY) rc = wa_fail(REDIS_EPROTOCOL, "HGETALL did not answer an array");
    if (!rc) {
        answer.len = 0;
        answer.over = 0;
        put_object(&answer, reply);
    }
    redis_reply_free(reply);
    if (rc) return rc;                    /* the server answers 500 */
    if (answer.over) return wa_fail(WA_ETOOBIG, "the hash is larger than the answer's buffer");
    return wa_http_respond(res, 200, "application/json", answer.text, answer.len);
}

static int app(wa_http_request *req, wa_http_response *res, void *arg) {
    (void)arg;
    const char *method = wa_http_request_method(req), *path = wa_http_request_path(req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static const char body[] = "{\"detail\":\"Method Not Allowed\"}";
        return wa_http_respond(res, 405, "application/json", body, sizeof body - 1);
    }
    if (strcmp(path, "/") == 0) {
        static const char body[] = "{\"msg\":\"hello world\"}";
        return wa_http_respond(res, 200, "application/json", body, sizeof body - 1);
    }
    if (strcmp(path, "/read") == 0) return read_car(res);
    static const char body[] = "{\"detail\":\"Not Found\"}";
    return wa_http_respond(res, 404, "application/json", body, sizeof body - 1);
}

static int http_port;

static int amain(void *arg) {
    (void)arg;
    if (!(pool.slots = wa_semaphore_new(POOL_MAX))) return WA_ENOMEM;
    redis *first = NULL;                 /* minsize=1: one connection at start */
    int rc = pool_acquire(&first);
    if (rc) return rc;
    pool_release(first, 0);
    wa_http_server *server = NULL;
    if ((rc = wa_http_serve("127.0.0.1", http_port, app, NULL, NULL, &server))) return rc;
    printf("listening %d\n", wa_http_server_port(server));
    fflush(stdout);
    rc = wa_http_server_serve_forever(server);  /* until cancelled, as uvicorn.run */
    wa_http_server_free(server);
    for (int i = 0; i < POOL_MAX; i++) redis_free(pool.conns[i]);
    wa_semaphore_free(pool.slots);
    return rc == WA_ECANCELLED ? 0 : rc;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "redis://127.0.0.1:6379", getenv("WA_REDIS_PASSWORD"), &pool.address)) return 2;
    http_port = argc > 2 ? atoi(argv[2]) : 5000;
    return seed_main(amain);
}
