/* The native host's wait: until the next timer, until a descriptor the loop
 * watches is ready, or until the wake pipe is written to.
 *
 * On Linux with epoll. The loop hands over every watch on every wait; the
 * kernel is told only what changed since the last one, so a wait costs a
 * scan of the watches in memory plus system calls for the changes and the
 * ready descriptors, not a kernel pass over every connection as poll makes.
 * The host's own sockets stay registered while unwatched (a stream reading
 * again soon costs nothing); they leave the set when they report an event
 * nobody waits for, or when closed. Other descriptors (wa_read's) are
 * registered for one wait only: they may be closed and their number reused
 * behind the host's back, which epoll would not notice.
 * Elsewhere with poll. */
#define _GNU_SOURCE 1                    /* ppoll, epoll_pwait2: waits in nanoseconds */
#include "../../runtime/host.h"
#include "native.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <pthread.h>
#include <sys/epoll.h>

/* What the kernel has, and what this wait wants, for one descriptor. */
typedef struct interest {
    uint32_t round;                      /* the wait that last wanted it */
    uint8_t registered;                  /* WA__FD_ events in the epoll set; 0: not in it */
    uint8_t wanted;                      /* the union of this wait's watches on it */
    uint8_t owned;                       /* the host's socket: may stay registered */
    int first;                           /* this wait's first watch on it; chained through next[] */
} interest;

/* One per thread that runs loops. */
typedef struct poller {
    int ep;                              /* the epoll set; -1 until first used */
    uint32_t round;
    interest *by_fd;                     /* indexed by descriptor */
    size_t cap;
    int *next;                           /* next watch on the same descriptor, or -1 */
    size_t next_cap;
    int *changed;                        /* descriptors first seen in this wait */
    size_t changed_cap;
} poller;

static _Thread_local poller self = {-1, 0, NULL, 0, NULL, 0, NULL, 0};
static pthread_once_t fork_handler = PTHREAD_ONCE_INIT;

/* A child of fork shares the parent's epoll set: it must not change it. */
static void forget_after_fork(void) {
    if (self.ep >= 0) close(self.ep);
    self.ep = -1;
    memset(self.by_fd, 0, self.cap * sizeof *self.by_fd);
}

static void at_fork(void) { (void)pthread_atfork(NULL, NULL, forget_after_fork); }

/* Grows the array *p of *cap elements to hold need; new elements are zero. */
static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    char *q = realloc(*p, n * size);
    if (!q) return -1;
    memset(q + *cap * size, 0, (n - *cap) * size);
    *p = q;
    *cap = n;
    return 0;
}

static interest *entry(int fd) {
    if (fd < 0) return NULL;
    if (grow((void **)&self.by_fd, &self.cap, (size_t)fd + 1, sizeof *self.by_fd) != 0) return NULL;
    return &self.by_fd[fd];
}

void wa__native_fd_owned(int fd, int owned) {
    interest *e = entry(fd);
    if (!e) return;
    if (!owned && e->registered && self.ep >= 0) epoll_ctl(self.ep, EPOLL_CTL_DEL, fd, NULL);
    *e = (interest){0};
    e->owned = (uint8_t)(owned != 0);
}

static uint32_t to_epoll(int events) {
    return (events & WA__FD_READ ? EPOLLIN : 0u) | (events & WA__FD_WRITE ? EPOLLOUT : 0u);
}

/* Tells the kernel fd's new interest; 0 on success. */
static int change(int fd, interest *e, int events) {
    if (events == e->registered) return 0;
    struct epoll_event ev = {.events = to_epoll(events), .data.fd = fd};
    int rc;
    if (!events) rc = epoll_ctl(self.ep, EPOLL_CTL_DEL, fd, NULL);
    else if (e->registered) rc = epoll_ctl(self.ep, EPOLL_CTL_MOD, fd, &ev);
    else {
        rc = epoll_ctl(self.ep, EPOLL_CTL_ADD, fd, &ev);
        if (rc != 0 && errno == EEXIST) rc = epoll_ctl(self.ep, EPOLL_CTL_MOD, fd, &ev);
    }
    if (rc == 0 || !events) e->registered = (uint8_t)events;  /* a failed DEL: the descriptor is gone */
    return rc;
}

static int open_set(void) {
    pthread_once(&fork_handler, at_fork);
    self.ep = epoll_create1(EPOLL_CLOEXEC);
    if (self.ep < 0) return -1;
    int wake = wa__native_waker_fd();
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = -1};  /* -1: the wake pipe */
    if (wake >= 0) epoll_ctl(self.ep, EPOLL_CTL_ADD, wake, &ev);
    return 0;
}

enum { MAX_EVENTS = 256 };               /* more ready descriptors come in the next wait */

int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count) {
    if (self.ep < 0 && open_set() != 0) return 0;  /* no set: a zero wait, the loop comes back */
    if (grow((void **)&self.next, &self.next_cap, count, sizeof *self.next) != 0 ||
        grow((void **)&self.changed, &self.changed_cap, count, sizeof *self.changed) != 0)
        return 0;
    uint32_t round = ++self.round;
    size_t nchanged = 0;
    int settled = 0;                     /* watches ready without asking the kernel: do not block */
    for (size_t i = 0; i < count; i++) {
        interest *e = entry(watches[i].fd);
        if (!e) {
            watches[i].ready = 1;            /* cannot track it: let its waiter look */
            settled = 1;
            continue;
        }
        if (e->round != round) {
            e->round = round;
            e->wanted = 0;
            e->first = -1;
            self.changed[nchanged++] = watches[i].fd;
        }
        e->wanted |= watches[i].events;
        self.next[i] = e->first;
        e->first = (int)i;
    }
    for (size_t k = 0; k < nchanged; k++) {
        interest *e = &self.by_fd[self.changed[k]];
        if (change(self.changed[k], e, e->wanted) != 0) {  /* a regular file, a bad descriptor: */
            for (int i = e->first; i >= 0; i = self.next[i]) watches[i].ready = 1;  /* its waiter finds out */
            settled = 1;
        }
    }
    if (settled) timeout_ns = 0;

    struct epoll_event events[MAX_EVENTS];
    struct timespec ts = {(time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000)};
    int n = epoll_pwait2(self.ep, events, MAX_EVENTS, timeout_ns < 0 ? NULL : &ts, NULL);
    if (n < 0 && errno == ENOSYS) {      /* before Linux 5.11: whole milliseconds, rounded up */
        int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
        n = epoll_wait(self.ep, events, MAX_EVENTS, ms);
    }
    for (int j = 0; j < n; j++) {
        int fd = events[j].data.fd;
        if (fd < 0) {
            wa__native_waker_drain();
            continue;
        }
        interest *e = &self.by_fd[fd];
        if (e->round != round) {         /* an event nobody waits for: leave the set */
            change(fd, e, 0);
            continue;
        }
        uint32_t got = events[j].events;
        int failed = (got & (EPOLLERR | EPOLLHUP)) != 0;
        for (int i = e->first; i >= 0; i = self.next[i]) {
            int ev = watches[i].events;
            if (failed || (ev & WA__FD_READ && got & EPOLLIN) || (ev & WA__FD_WRITE && got & EPOLLOUT))
                watches[i].ready = 1;
        }
    }
    for (size_t k = 0; k < nchanged; k++) {  /* others' descriptors: for this wait only */
        interest *e = &self.by_fd[self.changed[k]];
        if (!e->owned) change(self.changed[k], e, 0);
    }
    return 0;
}

#else
#include <poll.h>

void wa__native_fd_owned(int fd, int owned) { (void)fd, (void)owned; }

enum { SMALL = 16 };                     /* descriptors polled from the stack; more from the heap */

int wa__host_wait(int64_t timeout_ns, wa__fd_watch *watches, size_t count) {
    size_t n = 1 + count;
    struct pollfd small[SMALL], *fds = n <= SMALL ? small : calloc(n, sizeof *fds);
    if (!fds) return 0;                    /* out of memory: a zero wait, the loop comes back */
    fds[0] = (struct pollfd){wa__native_waker_fd(), POLLIN, 0};  /* a negative fd is skipped */
    for (size_t i = 0; i < count; i++) {
        short events = (short)((watches[i].events & WA__FD_READ ? POLLIN : 0) | (watches[i].events & WA__FD_WRITE ? POLLOUT : 0));
        fds[i + 1] = (struct pollfd){watches[i].fd, events, 0};
    }
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    if (poll(fds, n, ms) > 0) {
        if (fds[0].revents) wa__native_waker_drain();
        for (size_t i = 0; i < count; i++)
            if (fds[i + 1].revents) watches[i].ready = 1;  /* ready, at its end, or failed */
    }
    if (fds != small) free(fds);
    return 0;
}
#endif
