/* The few functions every host provides to the portable runtime. One file per
 * host implements them: native/host_native.c, wasi/host_wasi.c, js/host_js.c. */
#ifndef WA_HOST_H
#define WA_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in nanoseconds. */
uint64_t wa__host_now(void);

/* Waits until timeout_ns has passed (-1: no deadline) or a host event arrives.
 * On JS hosts this returns control to the JS event loop (the whole C stack is
 * unwound and later rewound), so pages and node stay responsive. Returns 0,
 * or WA_ENOSUSPEND when it cannot wait from here (the C code was called from
 * JS other than the host's driver), or WA_ENOMEM. */
int wa__host_wait(int64_t timeout_ns);

/* How many frames of the host's language lie between the loop and the code
 * running now: JS functions C called that called C back. A task can only
 * suspend when it is 0 (Asyncify cannot unwind JS frames). Always 0 on hosts
 * without a foreign language. */
extern int wa__host_foreign_frames;

/* Makes a wait in progress (or the next one) return at once. The only host
 * function other threads call: executor work that finished calls it. */
void wa__host_wake(void);

/* HTTP exchanges, and on JS hosts file: reads too (wa__host_fetches_files).
 * start gives the host the runtime's response and the request (headers as
 * "name\0value\0" pairs, all borrowed for the call); it reports back with
 * wa__fetch_headers once, then wa__fetch_end, handing over url, headers and
 * msg as malloc'd memory the runtime then owns. A read asks for the next
 * chunk into buf: the host copies up to cap bytes now and returns how many,
 * or returns 0 and reports them later with wa__fetch_data. After an abort
 * the host reports nothing more. Hosts without HTTP return WA_ENOTSUP. */
struct wa_response;
extern const int wa__host_fetches_files;
int wa__host_fetch_start(struct wa_response *r, const char *url, const char *method, const char *headers,
                         size_t headers_len, const void *body, size_t body_len, double timeout_ms, int redirect,
                         int session);
size_t wa__host_fetch_read(struct wa_response *r, void *buf, size_t cap);
void wa__host_fetch_abort(struct wa_response *r);
int wa__host_session_new(size_t max_connections); /* a keep-alive pool's id, or 0 */
void wa__host_session_free(int session);
void wa__fetch_headers(struct wa_response *r, int status, char *url, char *headers, size_t count);
void wa__fetch_data(struct wa_response *r, size_t n);
void wa__fetch_end(struct wa_response *r, int code, char *msg);

/* The descriptors tasks wait to read (wa_read), kept by the runtime: a
 * host's wait also ends when one is readable (or at its end, or failed) and
 * sets its ready flag. wa__host_watches_fds is 0 where the host cannot. */
typedef struct wa__fd_watch {
    int fd;
    int ready;
} wa__fd_watch;
extern const int wa__host_watches_fds;
extern wa__fd_watch *wa__fd_watches;
extern size_t wa__fd_watch_count;

/* Nonzero when the host wants control back after a batch of busy work even if
 * tasks are ready (JS event loops), zero when the loop may run on (WASI, native). */
extern const int wa__host_yields;

#endif
