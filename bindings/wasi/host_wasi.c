/* WASI host: clock_time_get, and poll_oneoff blocking until the next
 * deadline or until a descriptor the loop watches (wa_read, sockets) is ready. */
#include "../../runtime/host.h"

#include <stdlib.h>
#include <wasi/api.h>

const int wa__host_yields = 0;
const int wa__host_watches_fds = 1;
const wa__host_http_stack *const wa__host_http = NULL;  /* HTTP is the runtime's client, over TCP */

uint64_t wa__host_now(void) {
    __wasi_timestamp_t now = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now) != 0) return 0;  /* runner without clocks */
    return now;
}

enum { SMALL = 16 };                     /* subscriptions kept on the stack; more go to the heap */

int wa__host_foreign_frames = 0;          /* C is never called back from another language here */

int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count) {
    size_t n = count + (timeout_ns >= 0);
    if (n == 0) return 0;                  /* nothing to wait for: the loop reports the deadlock */
    __wasi_subscription_t small_subs[SMALL];
    __wasi_event_t small_events[SMALL];
    __wasi_subscription_t *subs = n <= SMALL ? small_subs : calloc(n, sizeof *subs);
    __wasi_event_t *events = n <= SMALL ? small_events : calloc(n, sizeof *events);
    if (!subs || !events) {              /* out of memory: a zero wait, the loop comes back */
        if (subs != small_subs) free(subs);
        if (events != small_events) free(events);
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        subs[i] = (__wasi_subscription_t){0};
        subs[i].userdata = i;
        /* One subscription per watch: a stream waits to read or to write, not both. */
        subs[i].u.tag = watches[i].events & WA__FD_READ ? __WASI_EVENTTYPE_FD_READ : __WASI_EVENTTYPE_FD_WRITE;
        subs[i].u.u.fd_read.file_descriptor = (__wasi_fd_t)watches[i].fd;
    }
    if (timeout_ns >= 0) {
        __wasi_subscription_t *clock = &subs[n - 1];
        *clock = (__wasi_subscription_t){0};
        clock->userdata = UINT64_MAX;
        clock->u.tag = __WASI_EVENTTYPE_CLOCK;
        clock->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        clock->u.u.clock.timeout = (__wasi_timestamp_t)timeout_ns;
        clock->u.u.clock.precision = 1;
    }
    __wasi_size_t happened = 0;
    /* A runner that cannot poll returns at once: the loop then polls the
     * clock itself, which is correct if wasteful. */
    if (__wasi_poll_oneoff(subs, events, n, &happened) == 0) {
        for (__wasi_size_t i = 0; i < happened; i++)
            if (events[i].type != __WASI_EVENTTYPE_CLOCK && events[i].userdata < count)
                watches[events[i].userdata].ready = 1;  /* ready, at its end, or failed */
    }
    if (subs != small_subs) free(subs);
    if (events != small_events) free(events);
    return 0;
}

size_t wa__host_cores(void) { return 0; }  /* WASI preview1 has no threads */

void *wa__host_waker(void) { return NULL; }

void wa__host_wake(void *waker) { (void)waker; }  /* no threads on WASI: nothing else runs to wake us */
