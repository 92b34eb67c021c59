/* JS host (emscripten, node and browsers). Waiting must not block the JS
 * thread, so wa__host_wait unwinds the whole C program (main, wa_run, the
 * loop) back to the JS driver with Asyncify; the driver waits with one
 * setTimeout (or a yield, or a host event) and rewinds the program into this
 * function, which then returns as if it had slept. See driver.mjs. */
#include "../../runtime/host.h"
#include "../../runtime/asyncify.h"

#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten/threading.h>
#include <stdatomic.h>

void wa__js_wake(void);                  /* library_wasyncio_threads.js: the driver's wake */

/* Set by a worker's wake until a wait consumes it, as on the native host: a
 * wake that reaches the driver while C runs is dropped there, so the next
 * wait must see this flag and return at once instead. */
static atomic_int wake_pending;
#endif

double wa__js_now(void);                 /* library_wasyncio.js: performance.now() */

const int wa__host_yields = 1;
const int wa__host_watches_fds = 0;      /* C's descriptors here are emscripten's: read files with fetch */

void *wa__host_waker(void) { return NULL; }

enum { RUNNING, UNWINDING, WAITING, REWINDING };

/* Unwinding main..wa_run keeps each frame's locals here while the driver
 * waits. 1 MiB: V8's own stack (about as big) overflows before it would. */
#define OUTER_SIZE (1024 * 1024)

static struct {
    char *current, *end;                 /* asyncify's cursor; the layout it expects */
    char *buffer;                        /* OUTER_SIZE bytes, from the first wait on */
    int state;
    double wait_ms;                      /* what the driver should wait for */
} outer;

/* Counted by the driver (driver.mjs) around every call into JS from C and
 * every call into C from JS other than its own calls of main and of the
 * serving loop: nonzero means JS frames lie below the running C code. */
int wa__host_foreign_frames;

EMSCRIPTEN_KEEPALIVE int *wa__js_foreign_frames(void) { return &wa__host_foreign_frames; }

uint64_t wa__host_now(void) { return (uint64_t)(wa__js_now() * 1e6); }

/* library_wasyncio.js: net.mjs marks which watched sockets are ready, all
 * in one call; nonzero if one is. */
int wa__js_tcp_poll(wa__fd_watch *watches, size_t count);

_Static_assert(sizeof(wa__fd_watch) == 8 && offsetof(wa__fd_watch, events) == 4 && offsetof(wa__fd_watch, ready) == 5,
               "net.mjs's poll reads the watches with this layout");

static int mark_ready(wa__fd_watch *watches, size_t count) { return count ? wa__js_tcp_poll(watches, count) : 0; }

/* The watches are net.mjs's socket ids (files are read with fetch here:
 * wa__host_watches_fds is 0); any socket event ends a wait, which then
 * marks the ready ones. */
int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count) {
    if (outer.state == REWINDING) {
        wa__stop_rewind();
        outer.state = RUNNING;
#ifdef __EMSCRIPTEN_PTHREADS__
        (void)atomic_exchange(&wake_pending, 0);  /* acquires what wakers pushed: the loop reads it next */
#endif
        mark_ready(watches, count);
        return 0;
    }
    if (mark_ready(watches, count)) return 0;
#ifdef __EMSCRIPTEN_PTHREADS__
    if (timeout_ns != 0 && atomic_exchange(&wake_pending, 0)) return 0;  /* a yield (0) still yields */
#endif
    /* Only the driver can wait: unwinding into any other JS caller would hand
     * it a half-finished call. */
    if (wa__host_foreign_frames) return WA_ENOSUSPEND;
    if (!outer.buffer && !(outer.buffer = malloc(OUTER_SIZE))) return WA_ENOMEM;
    outer.wait_ms = timeout_ns < 0 ? -1.0 : (double)timeout_ns / 1e6;
    outer.current = outer.buffer;
    outer.end = outer.buffer + OUTER_SIZE;
    outer.state = UNWINDING;
    wa__start_unwind(&outer);
    return 0;
}

/* Called by the driver after main returned: 1 if it only unwound to wait. */
EMSCRIPTEN_KEEPALIVE int wa__js_unwound(void) {
    if (outer.state != UNWINDING) return 0;
    wa__stop_unwind();
    outer.state = WAITING;
    return 1;
}

/* Milliseconds the driver should wait: -1 until a host event, 0 to yield. */
EMSCRIPTEN_KEEPALIVE double wa__js_wait_ms(void) { return outer.wait_ms; }

/* Prepares the rewind; the driver then calls main again with the same args. */
EMSCRIPTEN_KEEPALIVE void wa__js_rewind(void) {
    outer.state = REWINDING;
    wa__start_rewind(&outer);
}

#ifdef __EMSCRIPTEN_PTHREADS__
static void wake_on_main(void) { wa__js_wake(); }

/* On a worker: the first wake since the last wait posts one call to the main
 * thread, which runs it from its event loop (or inside a blocking wait of its
 * own, while C runs: then the flag above carries the wake). */
void wa__host_wake(void *waker) {
    (void)waker;                         /* loops run on the main thread only */
    if (!atomic_exchange(&wake_pending, 1)) emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_V, wake_on_main);
}

size_t wa__host_cores(void) {
    int n = emscripten_num_logical_cores();
    return n > 0 ? (size_t)n : 1;
}
#else
void wa__host_wake(void *waker) { (void)waker; }  /* builds without threads: nothing else runs to wake us */

size_t wa__host_cores(void) { return 0; }
#endif
