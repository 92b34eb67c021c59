/* A server for the streams tests driven from JavaScript: natively it listens
 * on 127.0.0.1 and prints its port, on WASI it serves on the socket the runner
 * preopened (wa-run --tcplisten). Each connection is a conversation of lines:
 *   anything   echoed back
 *   big N      N bytes of 'x' in 64 KiB writes, each followed by a drain
 *   count      after the peer's write_eof: how many bytes came after "count\n"
 *   quit       the server stops taking connections and the program ends
 *              once every handler has; it prints what it served.
 * Usage: echo_server [port] */
#include "wasyncio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wa_server *server;
static long served, failed;

static int converse(wa_stream *s, void *arg) {
    (void)arg;
    static char chunk[64 * 1024];
    char line[256];
    size_t got;
    int rc;
    served++;
    while ((rc = wa_stream_readline(s, line, sizeof line - 1, &got)) == 0 && got) {
        line[got] = 0;
        if (strncmp(line, "big ", 4) == 0) {
            memset(chunk, 'x', sizeof chunk);
            for (long left = atol(line + 4); left > 0 && rc == 0; left -= (long)sizeof chunk) {
                rc = wa_stream_write(s, chunk, left < (long)sizeof chunk ? (size_t)left : sizeof chunk);
                if (rc == 0) rc = wa_stream_drain(s);
            }
        } else if (strcmp(line, "count\n") == 0) {
            size_t total = 0;
            while ((rc = wa_stream_read(s, chunk, sizeof chunk, &got)) == 0 && got) total += got;
            int n = snprintf(line, sizeof line, "%zu\n", total);
            if (rc == 0) rc = wa_stream_write(s, line, (size_t)n);
            break;
        } else if (strcmp(line, "quit\n") == 0) {
            wa_server_close(server);
            rc = wa_stream_write(s, "bye\n", 4);
            break;
        } else {
            rc = wa_stream_write(s, line, got);
        }
        if (rc) break;
    }
    if (rc) failed++;
    return rc;
}

static int serve(void *arg) {
    int port = (int)(intptr_t)arg;
    int rc = wa_start_server(converse, NULL, "127.0.0.1", port, 0, &server);
    if (rc) return rc;
    printf("listening %d\n", wa_server_port(server));
    fflush(stdout);
    rc = wa_server_wait_closed(server);  /* "quit" closes it; then the handlers end */
    if (rc == 0) rc = wa_server_wait_closed(server);
    wa_server_free(server);
    printf("served %ld connections, %ld failed\n", served, failed);
    return rc;
}

int main(int argc, char **argv) {
    int rc = wa_run(serve, (void *)(intptr_t)(argc > 1 ? atoi(argv[1]) : 0));
    if (rc) fprintf(stderr, "echo_server: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
