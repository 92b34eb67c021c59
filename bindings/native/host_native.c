/* Native host: the POSIX monotonic clock, and sleeping until the next timer. */
#define _DEFAULT_SOURCE 1 /* POSIX names under -std=c11 */
#include "../host.h"

#include <errno.h>
#include <time.h>

const int wa__host_yields = 0;

uint64_t wa__host_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wa__host_wait(int64_t timeout_ns) {
    if (timeout_ns < 0) return;          /* no host I/O yet: the loop reports the deadlock */
    struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}
