/* Native host: the POSIX monotonic clock, the processors, and the wake pipe
 * that executor work finishing on another thread writes to (the wait on
 * descriptors and timers is in wait_native.c). */
#define _DEFAULT_SOURCE 1               /* clock_gettime, pipe under -std=c11 */
#include "../../runtime/host.h"
#include "native.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const int wa__host_yields = 0;
const int wa__host_watches_fds = 1;
const wa__host_http_stack *const wa__host_http = NULL;  /* HTTP is the runtime's client, over TCP */

/* Each thread that runs loops waits on a pipe of its own, which executor
 * threads write to; made on first use, closed when the thread ends. */
typedef struct waker {
    int fd[2];                           /* read end, write end */
} waker;

static _Thread_local waker *this_thread;
static pthread_key_t wakers;             /* closes a thread's pipe as it ends */
static pthread_once_t wakers_made = PTHREAD_ONCE_INIT;

static void close_waker(void *w) {
    close(((waker *)w)->fd[0]);
    close(((waker *)w)->fd[1]);
    free(w);
}

static void make_key(void) { (void)pthread_key_create(&wakers, close_waker); }

uint64_t wa__host_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *wa__host_waker(void) {
    if (this_thread) return this_thread;
    pthread_once(&wakers_made, make_key);
    waker *w = malloc(sizeof *w);
    if (!w) return NULL;                 /* then wakes are lost: waits still end at timers */
    if (pipe(w->fd) != 0) {
        free(w);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(w->fd[i], F_SETFL, O_NONBLOCK);
        fcntl(w->fd[i], F_SETFD, FD_CLOEXEC);
    }
    (void)pthread_setspecific(wakers, w);
    return this_thread = w;
}

int wa__native_waker_fd(void) {
    waker *w = wa__host_waker();
    return w ? w->fd[0] : -1;
}

void wa__native_waker_drain(void) {
    char sink[64];
    if (this_thread)
        while (read(this_thread->fd[0], sink, sizeof sink) > 0) {
        }
}

int wa__host_foreign_frames = 0;          /* C is never called back from another language here */

size_t wa__host_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

void wa__host_wake(void *target) {
    if (!target) return;
    ssize_t unused = write(((waker *)target)->fd[1], "w", 1);  /* a full pipe already holds a wake */
    (void)unused;
}
