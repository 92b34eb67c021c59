/* Streams and servers over TCP on 127.0.0.1: asyncio's open_connection and
 * start_server with their reader and writer calls, and the faults: a peer
 * that resets, half-closes or never reads, refused and timed-out connects,
 * cancelled reads, failing handlers, and 10,000 connections at once.
 * Usage: streams [connections] */
#define _GNU_SOURCE 1
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static long many = 10000;                /* connections at once in the last case */


/* ------------------------------------------------------------ a server's side */

/* Echoes each line back until the peer ends. */
static int echo_lines(wa_stream *s, void *arg) {
    (void)arg;
    char line[256];
    size_t got;
    int rc;
    while ((rc = wa_stream_readline(s, line, sizeof line, &got)) == 0 && got) {
        if ((rc = wa_stream_write(s, line, got)) || (rc = wa_stream_drain(s))) return rc;
    }
    return rc;
}

static wa_server *listen_local(wa_stream_fn handler, void *arg) {
    wa_server *srv = NULL;
    CHECK_INT(wa_start_server(handler, arg, "127.0.0.1", 0, 0, &srv), 0);
    CHECK(srv && wa_server_port(srv) > 0);
    return srv;
}

static wa_stream *connect_to(wa_server *srv) {
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", wa_server_port(srv), 5.0, &s), 0);
    return s;
}

static int echoes(void *arg) {
    (void)arg;
    wa_server *srv = listen_local(echo_lines, NULL);
    wa_stream *s = connect_to(srv);
    if (!s) return 0;
    char buf[64], addr[64];
    size_t got;
    int port = 0;
    for (int i = 0; i < 3; i++) {
        int n = snprintf(buf, sizeof buf, "line %d\n", i);
        CHECK_INT(wa_stream_write(s, buf, (size_t)n), 0);
        CHECK_INT(wa_stream_readline(s, buf, sizeof buf, &got), 0);
        CHECK_INT(got, n);
        buf[got] = 0;
        char want[32];
        snprintf(want, sizeof want, "line %d\n", i);
        CHECK(strcmp(buf, want) == 0);
    }
    CHECK_INT(wa_server_connections(srv), 1);
    CHECK_INT(wa_stream_address(s, 1, addr, sizeof addr, &port), 0);
    CHECK(strcmp(addr, "127.0.0.1") == 0);
    CHECK_INT(port, wa_server_port(srv));
    CHECK_INT(wa_stream_address(s, 0, addr, sizeof addr, &port), 0);
    CHECK(port > 0 && port != wa_server_port(srv));
    CHECK_INT(wa_stream_write_eof(s), 0);            /* the handler reads its end and returns */
    CHECK_INT(wa_stream_read(s, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 0);
    CHECK(wa_stream_at_eof(s));
    CHECK_INT(wa_stream_write(s, "x", 1), WA_ESTATE);  /* after write_eof */
    CHECK_INT(wa_stream_wait_closed(s), 0);
    CHECK_INT(wa_stream_read(s, buf, sizeof buf, &got), WA_ESTATE);
    CHECK_INT(wa_stream_address(s, 1, addr, sizeof addr, &port), WA_ESTATE);
    CHECK_INT(wa_stream_free(s), 0);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    CHECK_INT(wa_server_connections(srv), 0);
    CHECK_INT(wa_server_free(srv), 0);
    CHECK_INT(wa_server_port(srv), 0);               /* a freed server is refused */
    return 0;
}

/* Writes its argument (a string) in pieces 10 ms apart, then ends. */
static int trickle(wa_stream *s, void *arg) {
    const char *text = arg;
    for (size_t i = 0, n = strlen(text); i < n; i += 3) {
        CHECK_INT(wa_stream_write(s, text + i, n - i < 3 ? n - i : 3), 0);
        wa_sleep(0.01);
    }
    return 0;
}

static int reads_in_shapes(void *arg) {
    (void)arg;
    wa_server *srv = listen_local(trickle, "HEAD\r\n\r\nbody-exactly:tail without end");
    wa_stream *s = connect_to(srv);
    if (!s) return 0;
    char buf[64];
    size_t got;
    CHECK_INT(wa_stream_readuntil(s, "\r\n\r\n", 4, buf, sizeof buf, &got), 0);  /* split over writes */
    CHECK_INT(got, 8);
    CHECK(memcmp(buf, "HEAD\r\n\r\n", 8) == 0);
    CHECK_INT(wa_stream_readexactly(s, buf, 12), 0);
    CHECK(memcmp(buf, "body-exactly", 12) == 0);
    CHECK_INT(wa_stream_readuntil(s, ":", 1, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 1);
    /* A limit: no separator within 4 bytes; the bytes stay for the next read. */
    CHECK_INT(wa_stream_set_limits(s, 0, 10, 20), WA_EINVAL);  /* low over high */
    CHECK_INT(wa_stream_set_limits(s, 4, 0, 0), 0);
    CHECK_INT(wa_stream_readuntil(s, " ", 1, buf, sizeof buf, &got), WA_ETOOBIG);
    CHECK_INT(wa_stream_set_limits(s, WA_STREAM_LIMIT, 0, 0), 0);
    CHECK_INT(wa_stream_readuntil(s, " ", 1, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 5);
    CHECK(memcmp(buf, "tail ", 5) == 0);
    /* The stream ends before the separator, and before 100 bytes: nothing is lost. */
    CHECK_INT(wa_stream_readuntil(s, "\n", 1, buf, sizeof buf, &got), WA_ETRUNCATED);
    CHECK_INT(wa_stream_readexactly(s, buf, 100), WA_ETRUNCATED);
    CHECK_INT(wa_stream_buffered(s), strlen("without end"));
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf, &got), 0);  /* the last, unterminated line */
    CHECK_INT(got, strlen("without end"));
    CHECK_INT(wa_stream_readline(s, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 0);
    CHECK(wa_stream_at_eof(s));
    CHECK_INT(wa_stream_free(s), 0);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    return 0;
}

/* Reads what its peer sends until the end, then answers how much it read. */
static int count_then_answer(wa_stream *s, void *arg) {
    (void)arg;
    char buf[4096];
    size_t got, total = 0;
    int rc;
    while ((rc = wa_stream_read(s, buf, sizeof buf, &got)) == 0 && got) total += got;
    if (rc) return rc;
    int n = snprintf(buf, sizeof buf, "%zu", total);
    return wa_stream_write(s, buf, (size_t)n);
}

static int half_close(void *arg) {
    (void)arg;
    wa_server *srv = listen_local(count_then_answer, NULL);
    wa_stream *s = connect_to(srv);
    if (!s) return 0;
    CHECK_INT(wa_stream_write(s, "12345", 5), 0);
    CHECK_INT(wa_stream_write_eof(s), 0);            /* we are done sending, still reading */
    char buf[16];
    size_t got;
    CHECK_INT(wa_stream_read(s, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 1);
    CHECK(buf[0] == '5');
    CHECK_INT(wa_stream_wait_closed(s), 0);
    wa_stream_free(s);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    return 0;
}

/* A peer that does not read until the test opens its gate. */
static wa_event *gate;
static int slow_reader(wa_stream *s, void *arg) {
    (void)arg;
    int rc = wa_event_wait(gate);        /* cancelled when the server is freed */
    return rc ? rc : count_then_answer(s, NULL);
}

static int drain_blocks(void *arg) {
    (void)arg;
    gate = wa_event_new();
    wa_server *srv = listen_local(slow_reader, NULL);
    wa_stream *s = connect_to(srv);
    if (!s) return 0;
    CHECK_INT(wa_stream_set_limits(s, 0, 256 * 1024, 64 * 1024), 0);
    static char chunk[64 * 1024];
    memset(chunk, 'x', sizeof chunk);
    size_t written = 0, most_buffered = 0;
    /* Write and drain until drain has to wait: the socket buffers are full. */
    wa_timeout *tm = NULL;
    int rc = 0;
    while (rc == 0 && written < 512u * 1024 * 1024) {
        CHECK_INT(wa_stream_write(s, chunk, sizeof chunk), 0);
        written += sizeof chunk;
        size_t b = wa_stream_write_buffered(s);
        if (b > most_buffered) most_buffered = b;
        CHECK_INT(wa_timeout_enter(0.2, &tm), 0);
        rc = wa_timeout_exit(tm, wa_stream_drain(s));
        wa_timeout_free(tm);
    }
    CHECK_INT(rc, WA_ETIMEDOUT);                     /* drain waited for the reader */
    CHECK(most_buffered <= 256 * 1024 + sizeof chunk);  /* memory stays bounded */
    printf("  %zu KiB written before drain waited, at most %zu KiB buffered\n", written / 1024, most_buffered / 1024);
    wa_event_set(gate);                              /* the reader starts: drain returns */
    CHECK_INT(wa_stream_drain(s), 0);
    CHECK(wa_stream_write_buffered(s) <= 64 * 1024);
    CHECK_INT(wa_stream_write_eof(s), 0);
    char buf[32];
    size_t got;
    CHECK_INT(wa_stream_read(s, buf, sizeof buf - 1, &got), 0);
    buf[got] = 0;
    CHECK_INT(strtoull(buf, NULL, 10), written);     /* every byte arrived */
    wa_stream_free(s);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    wa_event_free(gate);
    return 0;
}

static int refused_and_timed_out(void *arg) {
    (void)arg;
    wa_server *srv = listen_local(echo_lines, NULL);
    int port = wa_server_port(srv);
    wa_server_free(srv);                             /* nobody listens there now */
    wa_stream *s = (wa_stream *)1;
    CHECK_INT(wa_open_connection("127.0.0.1", port, 5.0, &s), WA_ECONNECT);
    CHECK(s == NULL);
    CHECK(strstr(wa_errmsg(), "refused") != NULL);
    CHECK(strstr(wa_errmsg(), "127.0.0.1") != NULL);
    CHECK_INT(wa_open_connection("no-such-host.invalid", 80, 5.0, &s), WA_ECONNECT);
    CHECK_INT(wa_open_connection("127.0.0.1", 70000, 5.0, &s), WA_EINVAL);
    CHECK_INT(wa_open_connection(NULL, 80, 5.0, &s), WA_EINVAL);

    /* A listener whose queue is full and which never accepts: the SYN goes
     * unanswered and the connect times out. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 0) == 0);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    wa_stream *fill[4] = {0};
    double start = wa_time();
    int timed_out = 0;
    for (int i = 0; i < 4 && !timed_out; i++) {
        int rc = wa_open_connection("127.0.0.1", ntohs(sa.sin_port), 0.2, &fill[i]);
        CHECK(rc == 0 || rc == WA_ETIMEDOUT);
        timed_out = rc == WA_ETIMEDOUT;
        if (timed_out) CHECK(strstr(wa_errmsg(), "timed out") != NULL);
    }
    CHECK(timed_out);
    CHECK(wa_time() - start >= 0.19);
    for (int i = 0; i < 4; i++) wa_stream_free(fill[i]);
    close(fd);
    return 0;
}

/* Sends two bytes, waits for the gate, sends two more. */
static int two_then_two(wa_stream *s, void *arg) {
    (void)arg;
    CHECK_INT(wa_stream_write(s, "ab", 2), 0);
    CHECK_INT(wa_event_wait(gate), 0);
    CHECK_INT(wa_stream_write(s, "cd", 2), 0);
    return 0;
}

static int cancelled_read_loses_nothing(void *arg) {
    (void)arg;
    gate = wa_event_new();
    wa_server *srv = listen_local(two_then_two, NULL);
    wa_stream *s = connect_to(srv);
    if (!s) return 0;
    char buf[8] = {0};
    wa_timeout *tm = NULL;
    CHECK_INT(wa_timeout_enter(0.05, &tm), 0);
    CHECK_INT(wa_timeout_exit(tm, wa_stream_readexactly(s, buf, 4)), WA_ETIMEDOUT);
    wa_timeout_free(tm);
    CHECK_INT(wa_stream_buffered(s), 2);             /* "ab" arrived and stays */
    wa_event_set(gate);
    CHECK_INT(wa_stream_readexactly(s, buf, 4), 0);
    CHECK(memcmp(buf, "abcd", 4) == 0);
    wa_stream_free(s);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    wa_event_free(gate);
    return 0;
}

/* Fails on the first connection, echoes on the others. */
static int handlers_seen;
static int fails_first(wa_stream *s, void *arg) {
    (void)arg;
    if (handlers_seen++ == 0) return wa_fail(WA_EIO, "the first handler fails");
    return echo_lines(s, NULL);
}

/* Closes without reading what came: the kernel answers with a reset. */
static int hangs_up(wa_stream *s, void *arg) {
    (void)arg;
    CHECK_INT(wa_stream_free(s), WA_EINVAL);  /* the server's to free */
    return wa_sleep(0.05);
}

static int faults(void *arg) {
    (void)arg;
    handlers_seen = 0;
    wa_server *srv = listen_local(fails_first, NULL);
    wa_stream *first = connect_to(srv);
    char buf[16];
    size_t got;
    CHECK_INT(wa_stream_read(first, buf, sizeof buf, &got), 0);  /* closed by the failed handler */
    CHECK_INT(got, 0);
    wa_stream *second = connect_to(srv);             /* the server goes on */
    CHECK_INT(wa_stream_write(second, "hi\n", 3), 0);
    CHECK_INT(wa_stream_readline(second, buf, sizeof buf, &got), 0);
    CHECK_INT(got, 3);
    wa_stream_free(first);
    wa_stream_free(second);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);

    srv = listen_local(hangs_up, NULL);
    wa_stream *s = connect_to(srv);
    CHECK_INT(wa_stream_write(s, "unread", 6), 0);
    int rc = wa_stream_read(s, buf, sizeof buf, &got);
    CHECK_INT(rc, WA_ERESET);                        /* reset by the peer, mid-read */
    CHECK(strstr(wa_errmsg(), "reset") != NULL);
    rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {       /* writes fail too, once the reset is seen */
        rc = wa_stream_write(s, "more", 4);
        if (rc == 0) wa_sleep(0.001);
    }
    CHECK_INT(rc, WA_ERESET);
    wa_stream_free(s);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    return 0;
}

/* A handler that waits 50 ms and then says goodbye. */
static int goodbye(wa_stream *s, void *arg) {
    (void)arg;
    wa_sleep(0.05);
    return wa_stream_write(s, "bye", 3);
}

static int serve(void *srv) { return wa_server_serve_forever(srv); }

static int close_and_serve_forever(void *arg) {
    (void)arg;
    wa_server *srv = listen_local(goodbye, NULL);
    wa_task *server_task = wa_create_task(serve, srv);
    wa_stream *s = connect_to(srv);
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK_INT(wa_task_cancel(server_task), 1);       /* stops listening; the handler goes on */
    CHECK_INT(wa_await(server_task), WA_ECANCELLED);
    wa_task_release(server_task);
    wa_stream *refused = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", wa_server_port(srv), 5.0, &refused), WA_ECONNECT);
    CHECK_INT(wa_server_connections(srv), 1);
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);        /* waits for the handler */
    CHECK_INT(wa_server_connections(srv), 0);
    char buf[8];
    CHECK_INT(wa_stream_readexactly(s, buf, 3), 0);
    CHECK(memcmp(buf, "bye", 3) == 0);
    wa_stream_free(s);
    wa_server_free(srv);
    return 0;
}

/* Frees a server while handlers still run: they are cancelled. */
static int free_cancels_handlers(void *arg) {
    (void)arg;
    gate = wa_event_new();
    wa_server *srv = listen_local(slow_reader, NULL);
    wa_stream *s = connect_to(srv);
    CHECK_INT(wa_sleep(0.01), 0);
    CHECK_INT(wa_server_connections(srv), 1);
    CHECK_INT(wa_server_free(srv), 0);
    char buf[8];
    size_t got;
    CHECK_INT(wa_stream_read(s, buf, sizeof buf, &got), 0);  /* the handler's stream closed */
    CHECK_INT(got, 0);
    wa_stream_free(s);
    wa_event_free(gate);
    return 0;
}

/* The thousands case: the clients run in a child process (each side then
 * needs only its own 10,000 descriptors); they connect 256 at a time, hold
 * every connection open until all are, then each sends a line, reads its
 * echo and closes. The parent serves and watches the count of connections. */
static wa_semaphore *connecting;
static wa_event *all_connected;
static long connected;

static int one_client(void *port) {
    wa_stream *s = NULL;
    int rc = wa_semaphore_acquire(connecting);
    if (rc) return rc;
    rc = wa_open_connection("127.0.0.1", (int)(intptr_t)port, 30.0, &s);
    wa_semaphore_release(connecting);
    if (rc) return rc;
    if (++connected == many) wa_event_set(all_connected);
    char buf[32];
    size_t got = 0;
    if (!(rc = wa_event_wait(all_connected)) && !(rc = wa_stream_write(s, "ping\n", 5)))
        rc = wa_stream_readline(s, buf, sizeof buf, &got);
    if (!rc && got != 5) rc = WA_EIO;
    wa_stream_free(s);
    return rc;
}

static int clients(void *port) {
    connecting = wa_semaphore_new(256);
    all_connected = wa_event_new();
    wa_task **tasks = calloc((size_t)many, sizeof *tasks);
    for (long i = 0; i < many; i++) tasks[i] = wa_create_task(one_client, port);
    long ok = 0;
    for (long i = 0; i < many; i++) {
        ok += wa_await(tasks[i]) == 0;
        wa_task_release(tasks[i]);
    }
    free(tasks);
    return ok == many ? 0 : WA_EIO;
}

/* Raises the limit on descriptors to what `many` connections need on each
 * side; where the system allows fewer, `many` comes down to fit (and the
 * case says how many it held open). */
static void raise_descriptor_limit(void) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t want = (rlim_t)many + 64;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want) many = (long)rl.rlim_cur - 64;
}

static int to_clients = -1;              /* the pipe the port goes down */

static int thousands(void *arg) {
    (void)arg;
    wa_server *srv = NULL;
    CHECK_INT(wa_start_server(echo_lines, NULL, "127.0.0.1", 0, 4096, &srv), 0);
    int port = wa_server_port(srv);
    CHECK(write(to_clients, &port, sizeof port) == sizeof port);
    close(to_clients);
    size_t most = 0;
    for (double end = wa_time() + 120; wa_time() < end && most < (size_t)many;) {
        size_t now = wa_server_connections(srv);
        if (now > most) most = now;
        wa_sleep(0.002);
    }
    CHECK_INT(most, many);                           /* every connection open at once */
    printf("  %zu connections open at once\n", most);
    while (wa_server_connections(srv)) wa_sleep(0.01);  /* the clients pinged and closed */
    wa_server_close(srv);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1) many = atol(argv[1]);
    check_plan(10);
    wa_stream *s = NULL;
    CHECK_INT(wa_open_connection("127.0.0.1", 1, 1.0, &s), WA_ENOTASK);
    run_case("open_connection and start_server echo lines; addresses; write_eof", echoes, NULL, 0);
    run_case("readuntil across writes, readexactly, limits and the end keep the bytes", reads_in_shapes, NULL, 0);
    run_case("half-close: the peer reads the end and still answers", half_close, NULL, 0);
    run_case("drain waits for a peer that does not read; memory stays bounded", drain_blocks, NULL, 0);
    run_case("connect refused, unknown name and timed out", refused_and_timed_out, NULL, 0);
    run_case("a cancelled read loses no byte", cancelled_read_loses_nothing, NULL, 0);
    run_case("a failing handler leaves the server serving; a reset mid-read", faults, NULL, 0);
    run_case("serve_forever cancelled closes; wait_closed waits for handlers", close_and_serve_forever, NULL, 0);
    run_case("freeing a server cancels its handlers", free_cancels_handlers, NULL, 0);
    int down[2];
    raise_descriptor_limit();
    if (pipe(down) != 0) return 1;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {                    /* the clients: wait for the port, then connect */
        close(down[1]);
        int port = 0;
        if (read(down[0], &port, sizeof port) != sizeof port) _exit(3);
        _exit(wa_run(clients, (void *)(intptr_t)port) == 0 ? 0 : 4);
    }
    close(down[0]);
    to_clients = down[1];
    run_case("thousands of connections at once (10,000 where the system allows)", thousands, NULL, 0);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return check_exit();
}
