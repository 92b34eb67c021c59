/* The contract between the portable runtime and a host: the runtime owns it.
 * Each host (bindings/native, bindings/wasi, bindings/js) implements the first
 * part and may call the second; a host reaches nothing else of the core (JS
 * hosts, which unwind the program to wait, also use asyncify.h beside this). */
#ifndef WA_HOST_H
#define WA_HOST_H

#include "wasyncio.h"

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------ what every host provides */

/* Monotonic clock in nanoseconds. */
uint64_t wa__host_now(void);

/* A descriptor the loop waits on (wa_read, streams, servers): the host's
 * wait also ends when it is ready for one of events (WA__FD_READ: readable,
 * at its end or failed; WA__FD_WRITE: writable or failed) and sets ready. */
enum { WA__FD_READ = 1, WA__FD_WRITE = 2 };
typedef struct wa__fd_watch {
    int fd;
    uint8_t events;
    uint8_t ready;
} wa__fd_watch;

/* Waits until timeout_ns has passed (-1: no deadline), a host event arrives
 * or one of the count watches is ready. On JS hosts this returns control to
 * the JS event loop (the whole C stack is unwound and later rewound), so
 * pages and node stay responsive. Returns 0, or WA_ENOSUSPEND when it cannot
 * wait from here (the C code was called from JS other than the host's
 * driver), or WA_ENOMEM. */
int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count);

/* Nonzero where the host's wait can watch descriptors (WASI, native). */
extern const int wa__host_watches_fds;

/* How many frames of the host's language lie between the loop and the code
 * running now: JS functions C called that called C back. A task can only
 * suspend when it is 0 (Asyncify cannot unwind JS frames). Always 0 on hosts
 * without a foreign language. */
extern int wa__host_foreign_frames;

/* Each thread runs its own loops. A loop made on a thread takes that
 * thread's waker (an opaque token; NULL where nothing is needed), and
 * wa__host_wake(waker) makes a wait in progress on that thread (or its next
 * one) return at once. wake is the only host function other threads call:
 * executor work that finished calls it. */
void *wa__host_waker(void);
void wa__host_wake(void *waker);

/* Nonzero when the host wants control back after a batch of busy work even if
 * tasks are ready (JS event loops), zero when the loop may run on (WASI, native). */
extern const int wa__host_yields;

/* The processors executor pools may use: 0 where the host has no threads
 * (WASI, emscripten builds without -pthread), whose work then runs on the
 * loop's thread. */
size_t wa__host_cores(void);

/* HTTP on the host's own stack, where it has one (JS hosts: fetch in
 * browsers; in node undici, for https:, and node's files for file:). takes
 * says which URLs (given with their length) it fetches; the others, and all where wa__host_http is
 * NULL (native, WASI), go to the runtime's own client (http_client.c), which
 * speaks HTTP/1.1 over the TCP part below (node: over node's net, which
 * measured faster than undici), or for file: to the file system. fetch_start gives the host the runtime's response and the request (headers
 * as "name\0value\0" pairs, all borrowed for the call); it reports back with
 * wa__fetch_headers once, then wa__fetch_end, handing over url, headers and
 * msg as malloc'd memory the runtime then owns. fetch_read asks for the next
 * chunk into buf: the host copies up to cap bytes now and returns how many,
 * or returns 0 and reports them later with wa__fetch_data. After fetch_abort
 * the host reports nothing more. session_new makes a keep-alive pool and
 * returns its id (0: none); a session asks for it at its first fetch. */
typedef struct wa__host_http_stack {
    int (*takes)(const char *url, size_t url_len);
    int (*fetch_start)(wa_response *r, const char *url, const char *method, const char *headers, size_t headers_len,
                       const void *body, size_t body_len, double timeout_ms, int redirect, int session);
    size_t (*fetch_read)(wa_response *r, void *buf, size_t cap);
    void (*fetch_abort)(wa_response *r);
    int (*session_new)(size_t max_connections);
    void (*session_free)(int session);
} wa__host_http_stack;
extern const wa__host_http_stack *const wa__host_http;

/* TCP, on hosts whose sockets are descriptors the wait can watch (native;
 * WASI, whose preview1 can accept on sockets the runner preopens but cannot
 * connect). Sockets are non-blocking. Each returns 0, WA__AGAIN where the
 * operation would block (wait for the descriptor, then try again), or an
 * error code with wa_errmsg set (WA_ENOTSUP where the host has no TCP).
 *   connect   starts a connection to host:port; *fd is ready once writable,
 *             and connected then tells how it went (0 or WA_ECONNECT).
 *             Where wa__host_websockets is set, host may be a ws: or wss:
 *             URL (port 0: the URL's; another replaces it): a WebSocket
 *             whose messages carry the bytes; shutdown is WA_ENOTSUP on
 *             it, and address gives the URL's host and port as the peer's.
 *   listen    binds host:port (port 0: any free one) and listens; *port is
 *             the port bound. WASI takes the next preopened listening socket.
 *   accept    takes a connection waiting on a listening socket.
 *   recv      reads up to cap bytes: *got is 0 at the end of the stream.
 *   send      writes up to len bytes: *sent of them went.
 *   shutdown  ends the sending side (the peer reads its end).
 *   address   the local or (peer) remote address as text, and its port.
 *   close     closes the descriptor. */
enum { WA__AGAIN = 1 };
int wa__host_tcp_connect(const char *host, int port, int *fd);
int wa__host_tcp_connected(int fd);
int wa__host_tcp_listen(const char *host, int port, int backlog, int *fd, int *bound_port);
int wa__host_tcp_accept(int fd, int *conn);
int wa__host_tcp_recv(int fd, void *buf, size_t cap, size_t *got);
int wa__host_tcp_send(int fd, const void *buf, size_t len, size_t *sent);
int wa__host_tcp_shutdown(int fd);
int wa__host_tcp_address(int fd, int peer, char *buf, size_t cap, int *port);
void wa__host_tcp_close(int fd);
extern const int wa__host_websockets;    /* JS hosts: connect takes ws: URLs */

/* ------------------------------------------- what the runtime offers hosts */

/* A fetch's progress, reported by the host (see wa__host_http). */
void wa__fetch_headers(wa_response *r, int status, char *url, char *headers, size_t count);
void wa__fetch_data(wa_response *r, size_t n);
void wa__fetch_end(wa_response *r, int code, char *msg);

/* Sets wa_errmsg to the formatted message (NULL: the code's name) and
 * returns code. */
int wa__error(int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A reference to a future (a task's too) that outlives its owner's. */
void wa__future_ref(wa_future *f);
void wa__future_unref(wa_future *f);

/* The loop a future belongs to. */
wa_loop *wa__future_loop(const wa_future *f);

/* Host operations in flight that will complete later (delta +1 when one
 * starts, -1 when it ends): while any is, a loop with nothing else to do
 * waits for the host instead of reporting a deadlock. */
void wa__loop_io_pending(wa_loop *loop, int delta);

/* Calls fn(loop) as each loop closes, before its objects go, so a host can
 * forget what it holds of them. Registering the same fn again does nothing.
 * Returns 0, or WA_ENOMEM when the few places for hooks are taken. */
int wa__on_loop_close(void (*fn)(wa_loop *loop));

#endif
