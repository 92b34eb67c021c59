/* Native host: the POSIX monotonic clock, and a wait on a condition variable
 * until the next timer or until executor work finishing on another thread
 * wakes it. */
#define _DEFAULT_SOURCE 1 /* POSIX names under -std=c11 */
#include "../host.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

const int wa__host_yields = 0;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t woken;             /* on the monotonic clock, made on first use */
static pthread_once_t woken_made = PTHREAD_ONCE_INIT;
static int wake_pending;                 /* a wake arrived while nobody waited */

uint64_t wa__host_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_woken(void) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&woken, &attr);
    pthread_condattr_destroy(&attr);
}

void wa__host_wait(int64_t timeout_ns) {
    pthread_once(&woken_made, make_woken);
    struct timespec until;
    if (timeout_ns >= 0) {
        uint64_t at = wa__host_now() + (uint64_t)timeout_ns;
        until.tv_sec = (time_t)(at / 1000000000u);
        until.tv_nsec = (long)(at % 1000000000u);
    }
    pthread_mutex_lock(&lock);
    while (!wake_pending) {
        int rc = timeout_ns < 0 ? pthread_cond_wait(&woken, &lock) : pthread_cond_timedwait(&woken, &lock, &until);
        if (rc != 0 && rc != EINTR) break;  /* timed out */
    }
    wake_pending = 0;
    pthread_mutex_unlock(&lock);
}

void wa__host_wake(void) {
    pthread_once(&woken_made, make_woken);
    pthread_mutex_lock(&lock);
    wake_pending = 1;
    pthread_cond_signal(&woken);
    pthread_mutex_unlock(&lock);
}
