/* The Redis client of examples/redis against a real redis-server: commands
 * and their reply types, pipelining from one task and from many, a call
 * cancelled mid-way, pub/sub, authentication, and a fuzz test of the parser.
 * Usage: client PORT PASSWORD (the parser cases run without a server too) */
#include "../c/check.h"

#include "../../examples/redis/redis.h"

static int port;
static const char *password;

static redis *connect_or_fail(void) {
    redis *r = NULL;
    CHECK_INT(redis_connect("127.0.0.1", port, password, 5.0, &r), 0);
    return r;
}

static int commands(void *arg) {
    (void)arg;
    redis *r = connect_or_fail();
    if (!r) return 0;
    redis_reply *rep = NULL;
    CHECK_INT(redis_call(r, &rep, "SET", "k", "v", (const char *)NULL), 0);
    CHECK(rep && rep->type == REDIS_STATUS && strcmp(rep->str, "OK") == 0);
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "GET", "k", (const char *)NULL), 0);
    CHECK(rep && rep->type == REDIS_STRING && rep->len == 1 && rep->str[0] == 'v');
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "GET", "missing", (const char *)NULL), 0);
    CHECK(rep && rep->type == REDIS_NIL);
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "INCRBY", "n", "-5", (const char *)NULL), 0);
    CHECK(rep && rep->type == REDIS_INTEGER && rep->integer == -5);
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "LPUSH", "k", "x", (const char *)NULL), REDIS_EREPLY);  /* k holds a string */
    CHECK(rep && rep->type == REDIS_ERROR && strncmp(rep->str, "WRONGTYPE", 9) == 0);
    CHECK(strstr(wa_errmsg(), "WRONGTYPE") != NULL);
    redis_reply_free(rep);
    /* Binary-safe: zero bytes and CRLF inside; and a value of 1 MiB. */
    const char *argv[] = {"SET", "bin", "a\0b\r\nc"};
    size_t lens[] = {3, 3, 6};
    CHECK_INT(redis_command(r, &rep, 3, argv, lens), 0);
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "GET", "bin", (const char *)NULL), 0);
    CHECK(rep && rep->len == 6 && memcmp(rep->str, "a\0b\r\nc", 6) == 0);
    redis_reply_free(rep);
    size_t big = 1 << 20;
    char *value = malloc(big);
    for (size_t i = 0; i < big; i++) value[i] = (char)('a' + i % 26);
    const char *set_big[] = {"SET", "big", value};
    size_t big_lens[] = {3, 3, big};
    CHECK_INT(redis_command(r, &rep, 3, set_big, big_lens), 0);
    redis_reply_free(rep);
    CHECK_INT(redis_call(r, &rep, "GET", "big", (const char *)NULL), 0);
    CHECK(rep && rep->len == big && memcmp(rep->str, value, big) == 0);
    redis_reply_free(rep);
    free(value);
    CHECK_INT(redis_call(r, &rep, "DEL", "k", "n", "bin", "big", (const char *)NULL), 0);
    CHECK(rep && rep->integer == 4);
    redis_reply_free(rep);
    CHECK_INT(redis_close(r), 0);
    return 0;
}

static int pipelined(void *arg) {
    (void)arg;
    redis *r = connect_or_fail();
    if (!r) return 0;
    enum { N = 10000 };
    const char *incr[] = {"INCR", "counter"};
    for (int i = 0; i < N; i++) CHECK_INT(redis_append(r, 2, incr, NULL), 0);
    long long want = 1, wrong = 0;
    for (int i = 0; i < N; i++) {
        redis_reply *rep = NULL;
        CHECK_INT(redis_get_reply(r, &rep), 0);
        wrong += !rep || rep->type != REDIS_INTEGER || rep->integer != want++;
        redis_reply_free(rep);
    }
    CHECK_INT(wrong, 0);                 /* every reply, in order */
    redis_reply *rep = NULL;
    CHECK_INT(redis_call(r, &rep, "DEL", "counter", (const char *)NULL), 0);
    redis_reply_free(rep);
    redis_free(r);
    return 0;
}

static redis *shared;
static int set_then_get(void *arg) {
    char key[32], value[32];
    snprintf(key, sizeof key, "task:%d", (int)(intptr_t)arg);
    snprintf(value, sizeof value, "value %d", (int)(intptr_t)arg);
    redis_reply *rep = NULL;
    int rc = redis_call(shared, &rep, "SET", key, value, (const char *)NULL);
    redis_reply_free(rep);
    if (rc) return rc;
    if ((rc = redis_call(shared, &rep, "GET", key, (const char *)NULL))) return rc;
    int same = rep->type == REDIS_STRING && strcmp(rep->str, value) == 0;
    redis_reply_free(rep);
    if ((rc = redis_call(shared, &rep, "DEL", key, (const char *)NULL))) return rc;
    redis_reply_free(rep);
    return same ? 0 : WA_EIO;
}

static int many_tasks_one_connection(void *arg) {
    (void)arg;
    if (!(shared = connect_or_fail())) return 0;
    enum { N = 200 };
    wa_task *tasks[N];
    for (int i = 0; i < N; i++) tasks[i] = wa_create_task(set_then_get, (void *)(intptr_t)i);
    AWAIT_ALL(tasks, N);
    redis_free(shared);
    return 0;
}

static int blocking_pop(void *arg) {
    (void)arg;
    redis_reply *rep = NULL;
    int rc = redis_call(shared, &rep, "BLPOP", "nothing-here", "0.3", (const char *)NULL);
    redis_reply_free(rep);
    return rc;
}

static int cancelled_call(void *arg) {
    (void)arg;
    if (!(shared = connect_or_fail())) return 0;
    wa_task *t = wa_create_task(blocking_pop, NULL);
    CHECK_INT(wa_wait_for(wa_task_future(t), 0.05), WA_ETIMEDOUT);  /* the server answers BLPOP after 0.3 s */
    wa_task_release(t);
    redis_reply *rep = NULL;
    CHECK_INT(redis_call(shared, &rep, "PING", (const char *)NULL), 0);  /* skips BLPOP's answer */
    CHECK(rep && rep->type == REDIS_STATUS && strcmp(rep->str, "PONG") == 0);
    redis_reply_free(rep);
    CHECK_INT(redis_call(shared, &rep, "ECHO", "still in step", (const char *)NULL), 0);
    CHECK(rep && strcmp(rep->str, "still in step") == 0);
    redis_reply_free(rep);
    redis_free(shared);
    return 0;
}

/* One task queues PINGs with redis_append and reads them after another
 * task's redis_call went out and was answered: each gets its own replies. */
static int echo_between(void *arg) {
    (void)arg;
    redis_reply *rep = NULL;
    int rc = redis_call(shared, &rep, "ECHO", "between", (const char *)NULL);
    int same = rc == 0 && rep && rep->type == REDIS_STRING && strcmp(rep->str, "between") == 0;
    redis_reply_free(rep);
    return rc ? rc : same ? 0 : WA_EIO;
}

static int append_beside_call(void *arg) {
    (void)arg;
    if (!(shared = connect_or_fail())) return 0;
    static const char *const ping[] = {"PING"};
    for (int i = 0; i < 3; i++) CHECK_INT(redis_append(shared, 1, ping, NULL), 0);
    wa_task *t = wa_create_task(echo_between, NULL);
    CHECK_INT(wa_await_task(t), 0);      /* its call writes the PINGs too, and reads past them */
    wa_task_release(t);
    for (int i = 0; i < 3; i++) {
        redis_reply *rep = NULL;
        CHECK_INT(redis_get_reply(shared, &rep), 0);
        CHECK(rep && rep->type == REDIS_STATUS && strcmp(rep->str, "PONG") == 0);
        redis_reply_free(rep);
    }
    redis_free(shared);
    return 0;
}

static int publish(void *arg) {
    (void)arg;
    redis *r = connect_or_fail();
    if (!r) return WA_EIO;
    wa_sleep(0.02);
    char msg[16];
    for (int i = 1; i <= 3; i++) {
        snprintf(msg, sizeof msg, "m%d", i);
        redis_reply *rep = NULL;
        CHECK_INT(redis_call(r, &rep, "PUBLISH", "news", msg, (const char *)NULL), 0);
        CHECK(rep && rep->integer == 1);  /* one subscriber */
        redis_reply_free(rep);
    }
    redis_free(r);
    return 0;
}

static int pub_sub(void *arg) {
    (void)arg;
    redis *sub = connect_or_fail();
    if (!sub) return 0;
    redis_reply *rep = NULL;
    CHECK_INT(redis_call(sub, &rep, "SUBSCRIBE", "news", (const char *)NULL), 0);
    CHECK(rep && rep->type == REDIS_ARRAY && rep->count == 3 && strcmp(rep->elements[0]->str, "subscribe") == 0);
    redis_reply_free(rep);
    wa_task *pub = wa_create_task(publish, NULL);
    for (int i = 1; i <= 3; i++) {
        CHECK_INT(redis_get_reply(sub, &rep), 0);
        char want[16];
        snprintf(want, sizeof want, "m%d", i);
        CHECK(rep && rep->count == 3 && strcmp(rep->elements[0]->str, "message") == 0 &&
              strcmp(rep->elements[1]->str, "news") == 0 && strcmp(rep->elements[2]->str, want) == 0);
        redis_reply_free(rep);
    }
    CHECK_INT(wa_await(pub), 0);
    wa_task_release(pub);
    redis_free(sub);
    return 0;
}

static int refused(void *arg) {
    (void)arg;
    redis *r = NULL;
    CHECK_INT(redis_connect("127.0.0.1", port, "not the password", 5.0, &r), REDIS_EAUTH);
    CHECK(r == NULL);
    CHECK(strstr(wa_errmsg(), "WRONGPASS") != NULL);
    return 0;
}

/* --------------------------------------------------------- parser fuzzing */

static const char *const VALID[] = {
    "+OK\r\n", "-ERR bad\r\n", ":0\r\n", ":-9223372036854775807\r\n", "$-1\r\n", "$0\r\n\r\n",
    "$5\r\nhe\r\nl\r\n", "*-1\r\n", "*0\r\n", "*3\r\n:1\r\n$1\r\nx\r\n*2\r\n+a\r\n$-1\r\n",
};
static const char *const MALFORMED[] = {
    "?\r\n", ":12a\r\n", ":\r\n", ":99999999999999999999\r\n", "$-2\r\n", "$3\r\nabcd\r\n",
    "*-5\r\n", "+no lf\rx", "$x\r\n", "*1\r\n!\r\n",
};

static int parser(void) {
    int ok = 1;
    for (size_t i = 0; i < sizeof VALID / sizeof *VALID; i++) {
        const char *v = VALID[i];
        size_t len = strlen(v);
        redis_reply *rep = NULL;
        for (size_t cut = 0; cut < len; cut++) {  /* every prefix is incomplete, never wrong */
            if (redis_parse(v, cut, &rep) != 0) {
                printf("  %zu: a prefix of %zu bytes did not ask for more\n", i, cut);
                ok = 0;
            }
        }
        if (redis_parse(v, len, &rep) != (long)len) {
            printf("  %zu: did not take all %zu bytes\n", i, len);
            ok = 0;
        }
        redis_reply_free(rep);
    }
    for (size_t i = 0; i < sizeof MALFORMED / sizeof *MALFORMED; i++) {
        redis_reply *rep = NULL;
        if (redis_parse(MALFORMED[i], strlen(MALFORMED[i]), &rep) != -1 || rep) {
            printf("  malformed %zu was taken\n", i);
            ok = 0;
        }
    }
    /* Random mutations of valid replies and random bytes: an answer every
     * time (taken, more, or not RESP) and no crash (ASan watches). */
    unsigned seed = 12345;
    char buf[256];
    long counts[3] = {0};
    for (int round = 0; round < 200000; round++) {
        seed = seed * 1103515245u + 12345u;
        const char *v = VALID[(seed >> 16) % (sizeof VALID / sizeof *VALID)];
        size_t len = strlen(v);
        memcpy(buf, v, len);
        for (int m = 0; m < 1 + (int)((seed >> 8) % 4); m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 16) % len;
            buf[at] = (char)(seed >> 24);
        }
        if (round % 7 == 0)
            for (size_t k = 0; k < len; k++) buf[k] = (char)((seed = seed * 1103515245u + 12345u) >> 24);
        redis_reply *rep = NULL;
        long took = redis_parse(buf, len, &rep);
        if (took < -1 || took > (long)len || (took > 0) != (rep != NULL)) {
            printf("  round %d: answered %ld\n", round, took);
            ok = 0;
        }
        counts[took < 0 ? 0 : took == 0 ? 1 : 2]++;
        redis_reply_free(rep);
    }
    printf("  200000 mutated replies: %ld refused, %ld incomplete, %ld taken\n", counts[0], counts[1], counts[2]);
    return ok && counts[0] > 0 && counts[2] > 0;
}

int main(int argc, char **argv) {
    port = argc > 1 ? atoi(argv[1]) : 0;
    password = argc > 2 ? argv[2] : NULL;
    check_plan(port ? 8 : 1);
    CASE("the parser: prefixes, malformed replies, 200,000 mutations", parser);
    if (!port) return check_exit();
    run_case("commands and every reply type, binary-safe, 1 MiB values", commands, NULL, 0);
    run_case("10,000 commands pipelined from one task, replies in order", pipelined, NULL, 0);
    run_case("200 tasks share one connection", many_tasks_one_connection, NULL, 0);
    run_case("a cancelled call's reply is skipped; the connection stays in step", cancelled_call, NULL, 0);
    run_case("queued commands read after another task's call keep their replies", append_beside_call, NULL, 0);
    run_case("pub/sub: subscribe, then messages as they are published", pub_sub, NULL, 0);
    run_case("a wrong password is refused with the server's words", refused, NULL, 0);
    return check_exit();
}
