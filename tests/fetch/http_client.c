/* The runtime's own HTTP/1.1 client (runtime/http_client.c), natively,
 * against the fault server (tests/lib/fault-server.mjs, whose /conn tells
 * which connection carried a request): keep-alive reuse, a pooled
 * connection the server closed (retried once, for requests that may be
 * repeated), chunked bodies with trailers, interim responses, bodies that
 * run to the close, malformed responses, a huge head, cancellation and
 * freeing in the middle of a body, and 200 fetches through a session of 8
 * connections. argv[1] is the server's URL. */
#include "../c/check.h"

static const char *base;

static const char *at(const char *path) {
    static char url[512];
    snprintf(url, sizeof url, "%s%s", base, path);
    return url;
}

/* Fetches path and reads the whole body into *body (NULL: dropped). */
static int get(const char *path, const wa_fetch_options *opts, int *status, char **body) {
    wa_response *r;
    int rc = wa_fetch(at(path), opts, &r);
    if (rc) return rc;
    if (status) *status = wa_response_status(r);
    char *all = NULL;
    rc = wa_response_read_all(r, &all, NULL);
    if (body) *body = all;
    else free(all);
    wa_response_free(r);
    return rc;
}

/* The number a route answers with (/conn: the connection's serial), or -1. */
static long number(const char *path, const wa_fetch_options *opts) {
    char *body = NULL;
    long n = get(path, opts, NULL, &body) == 0 && body ? strtol(body, NULL, 10) : -1;
    free(body);
    return n;
}

/* A number from the server's /stats. */
static long stat(const char *name) {
    char *json = NULL, key[64];
    long value = -1;
    snprintf(key, sizeof key, "\"%s\":", name);
    if (get("/stats", NULL, NULL, &json) == 0 && json && strstr(json, key)) value = strtol(strstr(json, key) + strlen(key), NULL, 10);
    free(json);
    return value;
}

static int keep_alive(void *arg) {
    (void)arg;
    long first = number("/conn", NULL);
    CHECK(first > 0);
    for (int i = 0; i < 20; i++) CHECK_INT(number("/conn", NULL), first);   /* one connection for all */
    static const char *const json[] = {"content-type", "application/json", NULL};
    wa_fetch_options post = {.method = "POST", .headers = json, .body = "{}", .body_len = 2};
    char *body = NULL;
    CHECK_INT(get("/echo", &post, NULL, &body), 0);                        /* a body sent on it too */
    CHECK(body && strstr(body, "\"body\":\"{}\""));
    free(body);
    CHECK_INT(number("/conn", NULL), first);
    wa_fetch_options head = {.method = "head"};                             /* no body, whatever the head says */
    wa_response *r;
    CHECK_INT(wa_fetch(at("/stream?bytes=1000"), &head, &r), 0);
    CHECK(wa_response_header(r, "content-length") && strcmp(wa_response_header(r, "content-length"), "1000") == 0);
    size_t got = 1;
    char byte;
    CHECK_INT(wa_response_read(r, &byte, 1, &got), 0);
    CHECK_INT(got, 0);
    wa_response_free(r);
    CHECK_INT(number("/conn", NULL), first);
    /* A body not read to its end: the connection closes with the response. */
    CHECK_INT(wa_fetch(at("/stream?bytes=1000000"), NULL, &r), 0);
    CHECK_INT(wa_response_read(r, &byte, 1, &got), 0);
    wa_response_free(r);
    long second = number("/conn", NULL);
    CHECK(second > first);
    CHECK_INT(number("/close", NULL), second);                              /* the server says close... */
    long third = number("/conn", NULL);
    CHECK(third > second);                                                  /* ...and it is not reused */
    /* A relative redirect on the same connection, and its landing. */
    CHECK_INT(get("/redirect?n=3", NULL, NULL, NULL), 0);
    CHECK_INT(number("/conn", NULL), third);
    return 0;
}

static int stale_connections(void *arg) {
    (void)arg;
    /* The server closes a pooled connection as the next request comes: a
     * GET is sent again on a new one, once. */
    long first = number("/arm-drop", NULL);
    CHECK(first > 0);
    long retried = number("/conn", NULL);
    CHECK(retried > first);
    /* A POST is not repeated: it may have done its work. */
    CHECK_INT(number("/arm-drop", NULL), retried);
    wa_fetch_options post = {.method = "POST", .body = "x", .body_len = 1};
    CHECK_INT(get("/echo", &post, NULL, NULL), WA_ERESET);
    CHECK(strstr(wa_errmsg(), "not retried") != NULL);
    /* A connection the server closed while it was idle is not used at all,
     * so even a POST goes through. */
    long idle = number("/close-idle?ms=5", NULL);
    CHECK(idle > retried);
    CHECK_INT(wa_sleep(0.2), 0);
    char *body = NULL;
    CHECK_INT(get("/echo", &post, NULL, &body), 0);
    CHECK(body && strstr(body, "\"method\":\"POST\""));
    free(body);
    CHECK(number("/conn", NULL) > idle);
    return 0;
}

static int framing(void *arg) {
    (void)arg;
    /* chunked, in pieces of 7,000 bytes, with a trailer after the last one */
    wa_response *r;
    CHECK_INT(wa_fetch(at("/trailers?bytes=100000"), NULL, &r), 0);
    long conn = strtol(wa_response_header(r, "x-conn"), NULL, 10);
    CHECK(wa_response_header(r, "content-length") == NULL);
    static unsigned char buf[1000];
    size_t total = 0;
    int bad = 0;
    for (size_t got; wa_response_read(r, buf, sizeof buf, &got) == 0 && got; total += got)
        for (size_t i = 0; i < got; i++) bad |= buf[i] != (total + i) % 251;
    CHECK_INT(total, 100000);
    CHECK(!bad);
    wa_response_free(r);
    CHECK_INT(number("/conn", NULL), conn);                                 /* kept after the trailer */
    /* interim 1xx responses are skipped */
    int status = 0;
    char *body = NULL;
    CHECK_INT(get("/raw?kind=interim", NULL, &status, &body), 0);
    CHECK_INT(status, 200);
    CHECK(body && strcmp(body, "ok") == 0);
    free(body);
    /* no length: the body runs to the end of the connection */
    CHECK_INT(get("/raw?kind=to-close", NULL, &status, &body), 0);
    CHECK(body && strcmp(body, "the body runs to the end") == 0);
    free(body);
    return 0;
}

static int malformed(void *arg) {
    (void)arg;
    wa_response *r;
    CHECK_INT(wa_fetch(at("/raw?kind=status"), NULL, &r), WA_EPROTO);      /* "HTTP/1.1 2x0 OK" */
    CHECK(strstr(wa_errmsg(), "malformed response") != NULL);
    CHECK_INT(wa_fetch(at("/raw?kind=chunk"), NULL, &r), 0);                /* a bad chunk after a good one */
    char *body = NULL;
    CHECK_INT(wa_response_read_all(r, &body, NULL), WA_EPROTO);
    CHECK_INT(wa_response_read_all(r, &body, NULL), WA_EPROTO);             /* and so on */
    wa_response_free(r);
    CHECK_INT(wa_fetch(at("/huge-header?bytes=1048576"), NULL, &r), WA_ETOOBIG);
    CHECK(strstr(wa_errmsg(), "larger than") != NULL);
    CHECK_INT(wa_fetch(at("/big-headers"), NULL, &r), WA_ETOOBIG);
    static const char *const bad_name[] = {"bad name", "x", NULL}, *const bad_value[] = {"x-a", "1\r\nx-b: 2", NULL};
    wa_fetch_options o1 = {.headers = bad_name}, o2 = {.headers = bad_value}, o3 = {.method = "GE T"};
    CHECK_INT(wa_fetch(at("/hello"), &o1, &r), WA_EINVAL);
    CHECK_INT(wa_fetch(at("/hello"), &o2, &r), WA_EINVAL);
    CHECK_INT(wa_fetch(at("/hello"), &o3, &r), WA_EINVAL);
    CHECK_INT(wa_fetch("http://127.0.0.1:99999/", NULL, &r), WA_EINVAL);
    CHECK_INT(wa_fetch("http://user:pw@127.0.0.1/", NULL, &r), WA_EINVAL);
    /* Every response cut short at every byte: an error, never a crash or a
     * wait; only the whole one is a body. */
    static const int lengths[2] = {58, 87};           /* CUT_LENGTH, CUT_CHUNKED */
    for (int chunked = 0; chunked < 2; chunked++) {
        for (int cut = 0; cut <= lengths[chunked]; cut++) {
            char path[64];
            snprintf(path, sizeof path, "/raw?kind=cut&at=%d%s", cut, chunked ? "&chunked=1" : "");
            int rc = get(path, NULL, NULL, &body);
            if (cut == lengths[chunked]) {
                CHECK_INT(rc, 0);
                CHECK(body && strcmp(body, "hello world") == 0);
                free(body);
            } else {
                CHECK(rc == WA_ERESET || rc == WA_ETRUNCATED);
            }
        }
    }
    /* a path with dots and a space is sent normalised and escaped */
    CHECK_INT(wa_fetch(at("/a/../hello#frag"), NULL, &r), 0);
    CHECK_INT(wa_response_status(r), 200);
    CHECK(strcmp(wa_response_url(r), at("/hello")) == 0);
    wa_response_free(r);
    CHECK_INT(wa_fetch(at("/no such"), NULL, &r), 0);
    CHECK_INT(wa_response_status(r), 404);
    CHECK(strstr(wa_response_url(r), "/no%20such") != NULL);
    wa_response_free(r);
    return 0;
}

/* Reads a big body slowly until cancelled (or the response is freed). */
static wa_response *slow;
static size_t slow_got;

static int slow_reader(void *arg) {
    (void)arg;
    static char buf[4096];
    for (size_t got;;) {
        int rc = wa_response_read(slow, buf, sizeof buf, &got);
        if (rc) return rc;
        slow_got += got;
    }
}

static int cancel_mid_body(void *arg) {
    (void)arg;
    long closed = stat("closedEarly"), conn = number("/conn", NULL);
    CHECK_INT(wa_fetch(at("/stream?bytes=67108864&id=cancelled"), NULL, &slow), 0);
    wa_task *t = wa_create_task(slow_reader, NULL);
    while (slow_got < (1u << 20)) CHECK_INT(wa_sleep(0.001), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);                                  /* the exchange stays open... */
    wa_task_release(t);
    size_t before = slow_got;
    char buf[100];
    size_t got;
    CHECK_INT(wa_response_read(slow, buf, sizeof buf, &got), 0);            /* ...and reads on */
    CHECK(got > 0);
    wa_response_free(slow);                                                 /* ...until freed: closed */
    CHECK(before < (64u << 20));
    CHECK_INT(wa_sleep(0.1), 0);
    CHECK(stat("closedEarly") > closed);
    CHECK(number("/conn", NULL) > conn);                                    /* not back in the pool */
    /* Freed while another task waits in a read: that read fails, WA_ESTATE. */
    slow_got = 0;
    CHECK_INT(wa_fetch(at("/slow-body?ms=2000"), NULL, &slow), 0);
    t = wa_create_task(slow_reader, NULL);
    CHECK_INT(wa_sleep(0.05), 0);
    wa_response_free(slow);
    CHECK_INT(wa_await(t), WA_ESTATE);
    wa_task_release(t);
    /* Cancelled while waiting for the head: the connection closes too. */
    closed = stat("closedEarly");
    wa_response *r;
    wa_timeout *tm;
    CHECK_INT(wa_timeout_enter(0.05, &tm), 0);
    CHECK_INT(wa_timeout_exit(tm, wa_fetch(at("/slow-headers?ms=2000"), NULL, &r)), WA_ETIMEDOUT);
    wa_timeout_free(tm);
    CHECK_INT(wa_sleep(0.1), 0);
    CHECK(stat("closedEarly") > closed);
    /* ...and while reading a redirect's body away. */
    double start = wa_time();
    CHECK_INT(wa_timeout_enter(0.1, &tm), 0);
    CHECK_INT(wa_timeout_exit(tm, wa_fetch(at("/redirect-slow-body?ms=2000"), NULL, &r)), WA_ETIMEDOUT);
    wa_timeout_free(tm);
    CHECK(wa_time() - start < 1.0);
    return 0;
}

static wa_session *session;
static int session_ok;

static int one_through_session(void *arg) {
    wa_response *r;
    int rc = wa_session_fetch(session, (intptr_t)arg % 2 ? "slow-headers?ms=2" : "conn", NULL, &r);
    if (rc) return rc;
    char *body = NULL;
    rc = wa_response_read_all(r, &body, NULL);
    if (rc == 0 && wa_response_status(r) == 200) session_ok++;
    free(body);
    wa_response_free(r);
    return rc;
}

static int many_through_session(void *arg) {
    (void)arg;
    long before = stat("connections");
    char root[512];
    snprintf(root, sizeof root, "%s/", base);
    wa_session_options opts = {.base_url = root, .max_connections = 8};
    session = wa_session_new(&opts);
    CHECK(session != NULL);
    static wa_task *t[200];
    for (int i = 0; i < 200; i++) t[i] = wa_create_task(one_through_session, (void *)(intptr_t)i);
    AWAIT_ALL(t, 200);
    CHECK_INT(session_ok, 200);
    long made = stat("connections") - before;
    printf("  200 fetches through 8 connection slots: %ld new connections\n", made);
    CHECK(made >= 1 && made <= 8);                                          /* each slot's connection reused */
    wa_session_free(session);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: http_client URL\n");
        return 2;
    }
    base = argv[1];
    check_plan(6);
    run_case("keep-alive: one connection reused, closed when a body is left or the server says so", keep_alive, NULL, 0);
    run_case("a pooled connection the server closed: a GET retried, a POST not; idle ones checked", stale_connections, NULL, 0);
    run_case("framing: chunked with a trailer, interim responses, a body to the close", framing, NULL, 0);
    run_case("malformed: a bad status line, a bad chunk, a huge head, bad requests; URLs normalised", malformed, NULL, 0);
    run_case("cancelled and freed in the middle of a body, while waiting for the head, and in a redirect", cancel_mid_body, NULL, 0);
    run_case("200 fetches through a session with max_connections 8", many_through_session, NULL, 0);
    return check_exit();
}
