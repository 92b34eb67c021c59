/* The wasyncio server of the bench's "HTTP server" row (bench/run.mjs
 * starts it and drives it with wrk): wa_http_serve on 127.0.0.1 and a
 * random port (on WASI the socket wa-run --tcplisten preopens), printing
 * "listening PORT", serving until it is killed:
 *
 *   GET /small   HTTP_BODY_BYTES bytes of the pattern, with Content-Length
 *
 * The same body, type and route as bench/http_server.mjs (node's http) and
 * bench/http_server_asyncio.py serve. */
#include "wasyncio.h"

#include <stdio.h>
#include <string.h>

#define HTTP_BODY_BYTES 100     /* same in http_server.mjs and http_server_asyncio.py */
#define PATTERN_PERIOD 251      /* byte i of a body is i % PATTERN_PERIOD */

static char small[HTTP_BODY_BYTES];

static int handle(wa_http_request *req, wa_http_response *res, void *arg) {
    (void)arg;
    if (strcmp(wa_http_request_path(req), "/small") == 0)
        return wa_http_respond(res, 200, "application/octet-stream", small, sizeof small);
    return wa_http_respond(res, 404, "text/plain", "no such route\n", 14);
}

static int serve(void *arg) {
    (void)arg;
    for (size_t i = 0; i < sizeof small; i++) small[i] = (char)(i % PATTERN_PERIOD);
    wa_http_server_options opts = {0};
    opts.idle_timeout = 60;             /* as node's keepAliveTimeout there */
    wa_http_server *srv = NULL;
    int rc = wa_http_serve("127.0.0.1", 0, handle, NULL, &opts, &srv);
    if (rc) return rc;
    printf("listening %d\n", wa_http_server_port(srv));  /* 0 on WASI: the runner says */
    fflush(stdout);
    rc = wa_http_server_serve_forever(srv);
    wa_http_server_free(srv);
    return rc;
}

int main(void) {
    int rc = wa_run(serve, NULL);
    if (rc) fprintf(stderr, "http_server: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
