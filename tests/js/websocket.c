/* Streams over WebSockets: wa_open_connection of a ws: URL against the
 * servers of tests/websocket.test.mjs: echo, a line protocol split across
 * small text and binary messages, 4 MB to a late reader, a peer that does
 * not read (drain waits), one that closes with an error mid-stream, refused
 * and hanging connects, timeouts and cancellation.
 *   websocket BASE REFUSED HANG   every case (BASE: ws://127.0.0.1:PORT)
 *   websocket unsupported URL     the host has no WebSocket: WA_ENOTSUP */
#include "../c/check.h"

static const char *base, *refused, *hang;
static char url_buf[512];

static const char *at(const char *path) {
    snprintf(url_buf, sizeof url_buf, "%s%s", base, path);
    return url_buf;
}

static wa_stream *open_at(const char *path) {
    wa_stream *s = NULL;
    int rc = wa_open_connection(at(path), 0, 5.0, &s);
    if (rc) printf("  open %s: %s\n", path, wa_errmsg());
    CHECK_INT(rc, 0);
    return s;
}

/* Byte i of the servers' patterned payloads. */
static unsigned char pattern(size_t i) { return (unsigned char)(i % 251); }

static int echo(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/echo");
    if (!s) return 0;
    char addr[64], line[64];
    int port = 0;
    CHECK_INT(wa_stream_address(s, 1, addr, sizeof addr, &port), 0);
    CHECK(strcmp(addr, "127.0.0.1") == 0);
    CHECK_INT(port, atoi(strrchr(base, ':') + 1));
    CHECK_INT(wa_stream_address(s, 0, addr, sizeof addr, &port), WA_ENOTSUP);
    CHECK_INT(wa_stream_write(s, "hello ", 6), 0);
    CHECK_INT(wa_stream_write(s, "world\n", 6), 0);
    size_t got = 0;
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);
    CHECK(got == 12 && memcmp(line, "hello world\n", 12) == 0);

    enum { N = 300 * 1024 };             /* over the browser's 256 KiB: it goes in parts */
    static unsigned char out[N], in[N];
    for (size_t i = 0; i < N; i++) out[i] = pattern(i * 7);
    CHECK_INT(wa_stream_write(s, out, N), 0);
    CHECK_INT(wa_stream_drain(s), 0);
    CHECK_INT(wa_stream_readexactly(s, in, N), 0);
    CHECK(memcmp(in, out, N) == 0);

    CHECK_INT(wa_stream_write_eof(s), WA_ENOTSUP);   /* no half-close; the stream stays usable */
    CHECK(strstr(wa_errmsg(), "no half-close") != NULL);
    CHECK_INT(wa_stream_write(s, "after\n", 6), 0);
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);
    CHECK(got == 6 && memcmp(line, "after\n", 6) == 0);
    CHECK_INT(wa_stream_wait_closed(s), 0);
    CHECK_INT(wa_stream_read(s, line, sizeof line, &got), WA_ESTATE);
    CHECK_INT(wa_stream_free(s), 0);

    /* A nonzero port replaces the URL's. */
    char other[300];
    snprintf(other, sizeof other, "ws://127.0.0.1:1/echo");
    s = NULL;
    CHECK_INT(wa_open_connection(other, atoi(strrchr(base, ':') + 1), 5.0, &s), 0);
    if (s) {
        CHECK_INT(wa_stream_write(s, "x\n", 2), 0);
        CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);
        CHECK_INT(got, 2);
        CHECK_INT(wa_stream_free(s), 0);  /* freed open: closed at once */
    }
    return 0;
}

enum { THROUGH = 16 << 20 };

static int write_all(void *arg) {
    wa_stream *s = arg;
    static unsigned char chunk[64 * 1024];
    for (size_t sent = 0; sent < THROUGH; sent += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = pattern(sent + i);
        int rc = wa_stream_write(s, chunk, sizeof chunk);
        if (rc || (rc = wa_stream_drain(s))) return rc;
    }
    return 0;
}

/* 16 MiB through the echo server, written by one task as another reads. */
static int throughput(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/echo");
    if (!s) return 0;
    double start = wa_time();
    wa_task *writer = wa_create_task(write_all, s);
    static unsigned char buf[64 * 1024];
    size_t total = 0;
    int bad = 0;
    while (total < THROUGH && wa_stream_readexactly(s, buf, sizeof buf) == 0) {
        for (size_t i = 0; i < sizeof buf; i++) bad |= buf[i] != pattern(total + i);
        total += sizeof buf;
    }
    CHECK_INT(total, THROUGH);
    CHECK_INT(bad, 0);
    CHECK_INT(wa_await(writer), 0);
    wa_task_release(writer);
    double took = wa_time() - start;
    printf("throughput: 16 MiB each way in %.2f s (%.1f MB/s)\n", took, THROUGH / took / 1e6);
    CHECK_INT(wa_stream_free(s), 0);
    return 0;
}

static int lines(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/lines");
    if (!s) return 0;
    char line[128], want[32];
    size_t got = 0;
    int bad = 0;
    for (int i = 0; i < 200; i++) {      /* sent a few bytes a message, text and binary */
        int n = snprintf(want, sizeof want, "line %d\n", i);
        if (wa_stream_readline(s, line, sizeof line, &got) || got != (size_t)n || memcmp(line, want, got)) bad++;
    }
    CHECK_INT(bad, 0);
    static const char utf8[] = "h\xc3\xa9llo \xe2\x9c\x93\n";  /* text messages, one character each */
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);
    CHECK(got == strlen(utf8) && memcmp(line, utf8, got) == 0);
    CHECK_INT(wa_stream_readuntil(s, "\r\n", 2, line, sizeof line, &got), 0);
    CHECK(got == 5 && memcmp(line, "one\r\n", 5) == 0);
    CHECK_INT(wa_stream_readuntil(s, "\r\n", 2, line, sizeof line, &got), 0);
    CHECK(got == 5 && memcmp(line, "two\r\n", 5) == 0);
    CHECK_INT(wa_stream_set_limits(s, 64, 0, 0), 0);  /* then a 100-byte line: over the limit */
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), WA_ETOOBIG);
    CHECK(wa_stream_buffered(s) >= 64);  /* kept */
    CHECK_INT(wa_stream_readexactly(s, line, 101), 0);
    CHECK(line[0] == 'x' && line[99] == 'x' && line[100] == '\n');
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);  /* the last, unterminated */
    CHECK(got == 4 && memcmp(line, "tail", 4) == 0);
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);  /* then a clean close */
    CHECK_INT(got, 0);
    CHECK(wa_stream_at_eof(s));
    CHECK_INT(wa_stream_write(s, "late\n", 5), WA_ERESET);  /* the peer closed: nothing goes */
    CHECK(strstr(wa_errmsg(), "code 1000") != NULL);
    CHECK_INT(wa_stream_free(s), 0);
    return 0;
}

static int big(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/big");
    if (!s) return 0;
    CHECK_INT(wa_sleep(0.3), 0);         /* not reading: it all waits in JS meanwhile */
    double start = wa_time();
    static unsigned char buf[65536];
    size_t total = 0;
    int bad = 0;
    while (total < (4u << 20)) {
        if (wa_stream_readexactly(s, buf, sizeof buf)) {
            CHECK(!"readexactly");
            break;
        }
        for (size_t i = 0; i < sizeof buf; i++) bad |= buf[i] != pattern(total + i);
        total += sizeof buf;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(total, 4u << 20);
    size_t got = 1;
    CHECK_INT(wa_stream_read(s, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 0);
    CHECK(wa_stream_at_eof(s));
    printf("big: 4 MiB read in %.0f ms after a 0.3 s pause\n", (wa_time() - start) * 1000);
    CHECK_INT(wa_stream_free(s), 0);
    return 0;
}

static int sink(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/sink");     /* it does not read until /resume */
    if (!s) return 0;
    static unsigned char chunk[64 * 1024];
    size_t written = 0, most = 0;
    int blocked = 0;
    double start = wa_time();
    while (!blocked && written < (128u << 20)) {
        for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = pattern(written + i);
        CHECK_INT(wa_stream_write(s, chunk, sizeof chunk), 0);
        written += sizeof chunk;
        size_t held = wa_stream_write_buffered(s);
        if (held > most) most = held;
        wa_timeout *tm = NULL;
        CHECK_INT(wa_timeout_enter(0.5, &tm), 0);
        int rc = wa_timeout_exit(tm, wa_stream_drain(s));
        wa_timeout_free(tm);
        if (rc == WA_ETIMEDOUT) blocked = 1;
        else CHECK_INT(rc, 0);
    }
    CHECK(blocked);                      /* drain waited for a peer that does not read */
    CHECK(most <= WA_STREAM_HIGH_WATER + sizeof chunk);
    printf("sink: blocked after %zu bytes (%.1f s), at most %zu in the stream's buffer\n", written,
           wa_time() - start, most);
    wa_stream *resume = open_at("/resume");
    if (resume) {
        size_t got;
        char c;
        CHECK_INT(wa_stream_read(resume, &c, 1, &got), 0);   /* the server closes it once resumed */
        CHECK_INT(wa_stream_free(resume), 0);
    }
    CHECK_INT(wa_stream_drain(s), 0);
    CHECK_INT(wa_stream_wait_closed(s), 0);
    printf("sink: wrote %zu\n", written);
    CHECK_INT(wa_stream_free(s), 0);
    return 0;
}

static int reset(void *arg) {
    (void)arg;
    wa_stream *s = open_at("/fail");     /* 5009 bytes, then close code 1011 */
    if (!s) return 0;
    char line[64];
    static char rest[5000];
    size_t got = 0;
    CHECK_INT(wa_stream_readline(s, line, sizeof line, &got), 0);
    CHECK(got == 8 && memcmp(line, "partial\n", 8) == 0);
    CHECK_INT(wa_stream_readexactly(s, rest, sizeof rest), 0);  /* what came before the error */
    CHECK(rest[0] == 'r' && rest[4999] == 'r');
    CHECK_INT(wa_stream_read(s, line, sizeof line, &got), WA_ERESET);
    CHECK(strstr(wa_errmsg(), "1011") && strstr(wa_errmsg(), "server exploded"));
    CHECK_INT(wa_stream_read(s, line, sizeof line, &got), WA_ERESET);  /* and stays so */
    CHECK(!wa_stream_at_eof(s));
    CHECK_INT(wa_stream_write(s, "x", 1), WA_ERESET);
    CHECK_INT(wa_stream_wait_closed(s), WA_ERESET);
    CHECK_INT(wa_stream_free(s), 0);
    return 0;
}

static int connect_hang(void *arg) {
    wa_stream *s = NULL;
    int rc = wa_open_connection(hang, 0, 0, &s);
    *(int *)arg = rc;
    wa_stream_free(s);
    return rc;
}

static int never_called(wa_stream *s, void *arg) {
    (void)s, (void)arg;
    return 0;
}

static int connect_faults(void *arg) {
    (void)arg;
    wa_stream *s = (wa_stream *)1;
    CHECK_INT(wa_open_connection(refused, 0, 5.0, &s), WA_ECONNECT);
    CHECK(s == NULL);
    CHECK(strstr(wa_errmsg(), "cannot connect to ws://127.0.0.1:") && strstr(wa_errmsg(), "no WebSocket connection"));
    printf("refused: %s\n", wa_errmsg());
    CHECK_INT(wa_open_connection(at("/reject"), 0, 5.0, &s), WA_ECONNECT);  /* the handshake is refused */
    CHECK_INT(wa_open_connection("ws://", 0, 5.0, &s), WA_EINVAL);
    CHECK_INT(wa_open_connection("http://127.0.0.1/", 0, 5.0, &s), WA_EINVAL);
    CHECK_INT(wa_open_connection("127.0.0.1", 80, 5.0, &s), WA_ENOTSUP);  /* no TCP in a page */
    CHECK(strstr(wa_errmsg(), "a page has no TCP") != NULL);
    wa_server *srv = NULL;
    CHECK_INT(wa_start_server(NULL, NULL, "127.0.0.1", 0, 0, &srv), WA_EINVAL);
    CHECK_INT(wa_start_server(never_called, NULL, "127.0.0.1", 0, 0, &srv), WA_ENOTSUP);
    CHECK(strstr(wa_errmsg(), "a page cannot accept connections") != NULL);

    double start = wa_time();            /* the server takes the TCP connection and never answers */
    CHECK_INT(wa_open_connection(hang, 0, 0.3, &s), WA_ETIMEDOUT);
    double took = wa_time() - start;
    CHECK(took >= 0.29 && took < 2.0);
    CHECK(strstr(wa_errmsg(), "timed out") != NULL);
    static int code;                     /* not on this task's stack, which others share */
    wa_task *t = wa_create_task(connect_hang, &code);
    CHECK_INT(wa_sleep(0.1), 0);
    CHECK_INT(wa_task_cancel(t), 1);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    CHECK_INT(code, WA_ECANCELLED);
    wa_task_release(t);
    return 0;
}

static int unsupported(void *arg) {
    const char *url = arg;
    wa_stream *s = (wa_stream *)1;
    CHECK_INT(wa_open_connection(url, 0, 1.0, &s), WA_ENOTSUP);
    CHECK(s == NULL);
    CHECK(strstr(wa_errmsg(), "WebSocket") != NULL);
    printf("ws: URL here: %s\n", wa_errmsg());
    CHECK_INT(wa_open_connection("http://127.0.0.1/", 0, 1.0, &s), WA_EINVAL);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "unsupported") == 0) {
        check_plan(1);
        run_case("ws: URLs are WA_ENOTSUP without WebSocket", unsupported, argv[2], 0);
        return check_exit();
    }
    if (argc != 4) {
        fprintf(stderr, "usage: websocket BASE REFUSED HANG | websocket unsupported URL\n");
        return 2;
    }
    base = argv[1], refused = argv[2], hang = argv[3];
    check_plan(7);
    run_case("echo: lines, 300 KiB both ways, no half-close, address, port rule", echo, NULL, 0);
    run_case("16 MiB echoed, written and read by two tasks at once", throughput, NULL, 0);
    run_case("a line protocol split across small text and binary messages", lines, NULL, 0);
    run_case("4 MB to a reader that starts late", big, NULL, 0);
    run_case("a peer that does not read: drain waits, every byte arrives after", sink, NULL, 0);
    run_case("a close with an error code mid-stream: the bytes before, then WA_ERESET", reset, NULL, 0);
    run_case("refused, rejected, bad URLs, no TCP or servers, connect timeout and cancel", connect_faults, NULL, 0);
    return check_exit();
}
