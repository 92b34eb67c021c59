/* Checks the clocks: the monotonic one never goes back, nanosleep and an absolute
 * clock_nanosleep (both poll_oneoff) sleep long enough; prints how long they took
 * and the realtime clock, for the test to compare with its own. */
#include <stdio.h>
#include <time.h>

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
    long long last = now_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 100000; i++) {
        long long t = now_ns(CLOCK_MONOTONIC);
        if (t < last) {
            printf("monotonic clock went back by %lld ns\n", last - t);
            return 1;
        }
        last = t;
    }
    puts("monotonic ok");

    long long start = now_ns(CLOCK_MONOTONIC);
    nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
    printf("nanosleep 50 ms took %lld us\n", (now_ns(CLOCK_MONOTONIC) - start) / 1000);

    start = now_ns(CLOCK_MONOTONIC);
    long long until = start + 30000000;
    struct timespec abs = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    printf("sleep until +30 ms took %lld us\n", (now_ns(CLOCK_MONOTONIC) - start) / 1000);

    printf("realtime %lld ms\n", now_ns(CLOCK_REALTIME) / 1000000);
    return 0;
}
