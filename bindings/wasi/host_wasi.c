/* WASI host: clock_time_get, and poll_oneoff blocking until the next deadline. */
#include "../host.h"

#include <wasi/api.h>

const int wa__host_yields = 0;

uint64_t wa__host_now(void) {
    __wasi_timestamp_t now = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now) != 0) return 0;  /* runner without clocks */
    return now;
}

void wa__host_wait(int64_t timeout_ns) {
    if (timeout_ns < 0) return;          /* no host I/O yet: the loop reports the deadlock */
    __wasi_subscription_t sub = {0};
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub.u.u.clock.timeout = (__wasi_timestamp_t)timeout_ns;
    sub.u.u.clock.precision = 1;
    __wasi_event_t event;
    __wasi_size_t count = 0;
    /* A runner that cannot poll clocks returns at once: the loop then polls
     * the clock itself, which is correct if wasteful. */
    (void)__wasi_poll_oneoff(&sub, &event, 1, &count);
}

void wa__host_wake(void) {}              /* no threads on WASI: nothing else runs to wake us */
