/* The runtime's HTTP/1.1 client (http_client.c): wa_fetch of http: URLs
 * over the streams, on hosts without an HTTP stack of their own (native;
 * WASI, where connecting out fails with the stream layer's WA_ENOTSUP). Each
 * exchange runs in the task that asks: wa_fetch's for the request and the
 * head, each wa_response_read's for the body, read in place from the
 * connection's buffer. Idle connections wait in a pool per loop. */
#ifndef WA_HTTP_CLIENT_H
#define WA_HTTP_CLIENT_H

#include "internal.h"

typedef struct wa__http_exchange wa__http_exchange;

/* Sends the request and waits for the final response's head (redirects
 * followed as redirect says), which it reports with wa__fetch_headers(r, ...).
 * headers are "name\0value\0" pairs (headers_len bytes); everything is
 * borrowed for the call. timeout: seconds over the whole exchange, body
 * included (0: none). Returns 0 and the exchange in *out (owned by r:
 * wa__http_free), or wa_fetch's errors. */
int wa__http_start(wa_response *r, const char *url, const char *method, const char *headers, size_t headers_len,
                   const void *body, size_t body_len, double timeout, int redirect, wa__http_exchange **out);

/* Nonzero once the body has ended (and the connection went back to the pool). */
int wa__http_done(const wa__http_exchange *ex);

/* Nonzero while a task is inside wa__http_read: one reader at a time. */
int wa__http_busy(const wa__http_exchange *ex);

/* Reads up to cap bytes of the body; may suspend. 0 with *got (0 at the
 * end), WA_ECANCELLED (the exchange stays as it was), or the exchange's
 * error, which every later read returns too. *gone is set when the response
 * was freed meanwhile: ex is gone then, and so is the response. */
int wa__http_read(wa__http_exchange *ex, void *buf, size_t cap, size_t *got, int *gone);

/* Ends the exchange: a connection whose body was read to its end went back
 * to the pool already; any other is closed. A task inside wa__http_read
 * wakes with WA_ESTATE and frees ex itself. */
void wa__http_free(wa__http_exchange *ex);

/* Loop close: closes the loop's pooled connections and those of exchanges
 * still alive (their reads fail with WA_ECANCELLED). */
void wa__http_close_loop(wa__loop *loop);

#endif
