/* An HTTP server for tests/http-server.test.mjs, which drives it from node
 * natively, in node and on WASI (wa-run --tcplisten). Natively it listens
 * on 127.0.0.1 and prints its port. Routes:
 *   GET  /             "hello\n"
 *   GET  /info?...     method, path, query, version and the X-Test header, a line each
 *   POST /echo         the body, read in full (max_body applies: 413 beyond it)
 *   POST /count        the body's length, read in 1000-byte pieces
 *   GET  /fail         the handler fails without answering: 500
 *   GET  /fail-late    the handler fails in the middle of a streamed body
 *   GET  /slow         answers after 50 ms
 *   GET  /big?N        N bytes ('a' to 'z' over and over), streamed in 64 KiB chunks
 *   GET  /quit         answers, then closes the server; the program ends
 *                      once every connection has, printing what it served
 * Usage: server [port [idle_timeout [max_head [max_body]]]] */
#include "wasyncio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wa_http_server *server;
static long requests, failures;
static int port;
static wa_http_server_options options;

static int big(wa_http_response *res, size_t n) {
    static char chunk[64 * 1024];
    int rc = wa_http_response_start(res, 200, "application/octet-stream");
    for (size_t sent = 0; rc == 0 && sent < n;) {
        size_t k = n - sent < sizeof chunk ? n - sent : sizeof chunk;
        for (size_t i = 0; i < k; i++) chunk[i] = (char)('a' + (sent + i) % 26);
        rc = wa_http_response_write(res, chunk, k);
        sent += k;
    }
    return rc ? rc : wa_http_response_end(res);
}

static int handle(wa_http_request *req, wa_http_response *res, void *arg) {
    (void)arg;
    requests++;
    const char *method = wa_http_request_method(req), *path = wa_http_request_path(req);
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (get && strcmp(path, "/") == 0) return wa_http_respond(res, 200, "text/plain", "hello\n", 6);
    if (get && strcmp(path, "/info") == 0) {
        char text[1024];
        const char *x = wa_http_request_header(req, "x-test");
        int n = snprintf(text, sizeof text, "%s\n%s\n%s\n%d\n%s\n", method, path, wa_http_request_query(req),
                         wa_http_request_version(req), x ? x : "(none)");
        int rc = wa_http_response_header(res, "X-Served-By", "wasyncio");
        return rc ? rc : wa_http_respond(res, 200, "text/plain", text, (size_t)n);
    }
    if (strcmp(method, "POST") == 0 && strcmp(path, "/echo") == 0) {
        const char *body;
        size_t len;
        int rc = wa_http_request_body(req, &body, &len);
        if (rc) return rc;                /* 413, 400: the server answers */
        return wa_http_respond(res, 200, "application/octet-stream", body, len);
    }
    if (strcmp(method, "POST") == 0 && strcmp(path, "/count") == 0) {
        static char piece[1000];
        size_t total = 0, got;
        int rc;
        while ((rc = wa_http_request_read(req, piece, sizeof piece, &got)) == 0 && got) total += got;
        if (rc) return rc;
        char text[32];
        int n = snprintf(text, sizeof text, "%zu\n", total);
        return wa_http_respond(res, 200, "text/plain", text, (size_t)n);
    }
    if (get && strcmp(path, "/fail") == 0) {
        failures++;
        return wa_fail(WA_EIO, "this route fails");
    }
    if (get && strcmp(path, "/fail-late") == 0) {
        failures++;
        int rc = wa_http_response_start(res, 200, "text/plain");
        if (rc == 0) rc = wa_http_response_write(res, "partial", 7);
        return rc ? rc : WA_EIO;
    }
    if (get && strcmp(path, "/slow") == 0) {
        int rc = wa_sleep(0.05);
        return rc ? rc : wa_http_respond(res, 200, "text/plain", "slow\n", 5);
    }
    if (get && strcmp(path, "/big") == 0) return big(res, (size_t)strtoull(wa_http_request_query(req), NULL, 10));
    if (get && strcmp(path, "/quit") == 0) {
        wa_http_server_close(server);
        return wa_http_respond(res, 200, "text/plain", "bye\n", 4);
    }
    return wa_http_respond(res, 404, "text/plain", "not found\n", 10);
}

static int serve(void *arg) {
    (void)arg;
    int rc = wa_http_serve("127.0.0.1", port, handle, NULL, &options, &server);
    if (rc) return rc;
    printf("listening %d\n", wa_http_server_port(server));
    fflush(stdout);
    rc = wa_http_server_wait_closed(server);  /* /quit closes it; then the connections end */
    printf("served %ld requests, %ld failed on purpose, %zu connections left\n", requests, failures,
           wa_http_server_connections(server));
    wa_http_server_free(server);
    return rc;
}

int main(int argc, char **argv) {
    port = argc > 1 ? atoi(argv[1]) : 0;
    options.idle_timeout = argc > 2 ? atof(argv[2]) : 0;
    options.max_head = argc > 3 ? (size_t)atol(argv[3]) : 0;
    options.max_body = argc > 4 ? (size_t)atol(argv[4]) : 0;
    int rc = wa_run(serve, NULL);
    if (rc) fprintf(stderr, "server: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
