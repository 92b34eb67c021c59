/* The HTTP side of the host contract on JS hosts: the host's own HTTP stack
 * (fetch.mjs, reached through library_wasyncio.js) and the exports it
 * reports back through. */
#include "../../runtime/host.h"

#include <emscripten.h>

/* library_wasyncio.js */
int wa__js_fetch_takes(const char *url, size_t url_len);
int wa__js_fetch_start(struct wa_response *r, const char *url, const char *method, const char *headers,
                       size_t headers_len, const void *body, size_t body_len, double timeout_ms, int redirect,
                       int session);
size_t wa__js_fetch_read(struct wa_response *r, void *buf, size_t cap);
void wa__js_fetch_abort(struct wa_response *r);
int wa__js_session_new(size_t max_connections);
void wa__js_session_free(int session);

static const wa__host_http_stack js_stack = {
    .takes = wa__js_fetch_takes,         /* a browser's fetch takes all; node file: and https: */
    .fetch_start = wa__js_fetch_start,
    .fetch_read = wa__js_fetch_read,
    .fetch_abort = wa__js_fetch_abort,
    .session_new = wa__js_session_new,
    .session_free = wa__js_session_free,
};
const wa__host_http_stack *const wa__host_http = &js_stack;

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_headers(struct wa_response *r, int status, char *url, char *headers,
                                               size_t count) {
    wa__fetch_headers(r, status, url, headers, count);
}

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_data(struct wa_response *r, size_t n) { wa__fetch_data(r, n); }

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_end(struct wa_response *r, int code, char *msg) { wa__fetch_end(r, code, msg); }
