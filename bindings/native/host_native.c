/* Native host: the POSIX monotonic clock, and a poll until the next timer,
 * until a descriptor a task reads (wa_read) is ready, or until executor
 * work finishing on another thread writes to the wake pipe. */
#define _GNU_SOURCE 1                    /* ppoll: waits in nanoseconds, not whole milliseconds */
#include "../../runtime/host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

const int wa__host_yields = 0;
const int wa__host_watches_fds = 1;

static int wake_pipe[2] = {-1, -1};      /* read end, write end; made on first use */
static pthread_once_t pipe_made = PTHREAD_ONCE_INIT;

uint64_t wa__host_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_pipe(void) {
    if (pipe(wake_pipe) != 0) return;    /* then wakes are lost: waits still end at timers */
    for (int i = 0; i < 2; i++) {
        fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
}

enum { SMALL = 16 };                     /* descriptors polled from the stack; more from the heap */

int wa__host_foreign_frames = 0;          /* C is never called back from another language here */

int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count) {
    pthread_once(&pipe_made, make_pipe);
    size_t n = 1 + count;
    struct pollfd small[SMALL], *fds = n <= SMALL ? small : calloc(n, sizeof *fds);
    if (!fds) return 0;                    /* out of memory: a zero wait, the loop comes back */
    fds[0] = (struct pollfd){wake_pipe[0], POLLIN, 0};
    for (size_t i = 0; i < count; i++) fds[i + 1] = (struct pollfd){watches[i].fd, POLLIN, 0};
    struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    int rc = ppoll(fds, n, timeout_ns < 0 ? NULL : &ts, NULL);
    if (rc > 0) {
        if (fds[0].revents) {            /* drain the wakes: the loop reads what they announced */
            char sink[64];
            while (read(wake_pipe[0], sink, sizeof sink) > 0) {
            }
        }
        for (size_t i = 0; i < count; i++)
            if (fds[i + 1].revents) watches[i].ready = 1;  /* readable, at its end, or failed */
    }
    if (fds != small) free(fds);
    return 0;
}

size_t wa__host_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

void wa__host_wake(void) {
    pthread_once(&pipe_made, make_pipe);
    ssize_t unused = write(wake_pipe[1], "w", 1);  /* a full pipe already holds a wake */
    (void)unused;
}
