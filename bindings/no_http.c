/* The HTTP side of the host contract for hosts without an HTTP stack (WASI,
 * native): network URLs fail with WA_ENOTSUP; file: URLs are the runtime's. */
#include "../runtime/host.h"

const int wa__host_fetches_files = 0;

int wa__host_fetch_start(struct wa_response *r, const char *url, const char *method, const char *headers,
                         size_t headers_len, const void *body, size_t body_len, double timeout_ms, int redirect,
                         int session) {
    (void)r, (void)method, (void)headers, (void)headers_len, (void)body, (void)body_len, (void)timeout_ms;
    (void)redirect, (void)session;
    return wa__error(WA_ENOTSUP, "cannot fetch %s: network fetch needs a JS host (node or a browser)", url);
}

size_t wa__host_fetch_read(struct wa_response *r, void *buf, size_t cap) {
    (void)r, (void)buf, (void)cap;
    return 0;
}

void wa__host_fetch_abort(struct wa_response *r) { (void)r; }

int wa__host_session_new(size_t max_connections) {
    (void)max_connections;
    return 0;
}

void wa__host_session_free(int session) { (void)session; }
