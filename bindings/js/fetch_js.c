/* The HTTP side of the host contract on JS hosts: trampolines to fetch.mjs
 * (through library_wasyncio.js) and the exports it reports back through. */
#include "../../runtime/host.h"

#include <emscripten.h>

const int wa__host_fetches_files = 1;   /* C has no real file system here: node reads files */

/* library_wasyncio.js */
int wa__js_fetch_start(struct wa_response *r, const char *url, const char *method, const char *headers,
                       size_t headers_len, const void *body, size_t body_len, double timeout_ms, int redirect,
                       int session);
size_t wa__js_fetch_read(struct wa_response *r, void *buf, size_t cap);
void wa__js_fetch_abort(struct wa_response *r);
int wa__js_session_new(size_t max_connections);
void wa__js_session_free(int session);

int wa__host_fetch_start(struct wa_response *r, const char *url, const char *method, const char *headers,
                         size_t headers_len, const void *body, size_t body_len, double timeout_ms, int redirect,
                         int session) {
    return wa__js_fetch_start(r, url, method, headers, headers_len, body, body_len, timeout_ms, redirect, session);
}

size_t wa__host_fetch_read(struct wa_response *r, void *buf, size_t cap) { return wa__js_fetch_read(r, buf, cap); }

void wa__host_fetch_abort(struct wa_response *r) { wa__js_fetch_abort(r); }

int wa__host_session_new(size_t max_connections) { return wa__js_session_new(max_connections); }

void wa__host_session_free(int session) { wa__js_session_free(session); }

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_headers(struct wa_response *r, int status, char *url, char *headers,
                                               size_t count) {
    wa__fetch_headers(r, status, url, headers, count);
}

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_data(struct wa_response *r, size_t n) { wa__fetch_data(r, n); }

EMSCRIPTEN_KEEPALIVE void wa__js_fetch_end(struct wa_response *r, int code, char *msg) { wa__fetch_end(r, code, msg); }
