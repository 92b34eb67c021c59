/* The few functions every host provides to the portable runtime. One file per
 * host implements them: native/host_native.c, wasi/host_wasi.c, js/host_js.c. */
#ifndef WA_HOST_H
#define WA_HOST_H

#include <stdint.h>

/* Monotonic clock in nanoseconds. */
uint64_t wa__host_now(void);

/* Waits until timeout_ns has passed (-1: no deadline) or a host event arrives.
 * On JS hosts this returns control to the JS event loop (the whole C stack is
 * unwound and later rewound), so pages and node stay responsive. */
void wa__host_wait(int64_t timeout_ns);

/* Makes a wait in progress (or the next one) return at once. The only host
 * function other threads call: executor work that finished calls it. */
void wa__host_wake(void);

/* Nonzero when the host wants control back after a batch of busy work even if
 * tasks are ready (JS event loops), zero when the loop may run on (WASI, native). */
extern const int wa__host_yields;

#endif
