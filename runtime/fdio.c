/* The descriptors the loop waits on: a task waiting until one is readable or
 * writable (wa_read, streams), or a callback of the runtime's (a stream
 * sending in the background). The loop keeps the watches; the host's wait
 * marks those that are ready; each round wakes their waiters. */
#define _DEFAULT_SOURCE 1               /* read() under -std=c11 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int watch(wa__loop *loop, int fd, int events, wa__fd_waiter waiter) {
    if (loop->fd_count == loop->fd_cap) {
        size_t cap = loop->fd_cap ? loop->fd_cap * 2 : 8;
        wa__fd_watch *w = wa__realloc(loop->fd_watches, cap * sizeof *w);
        if (w) loop->fd_watches = w;
        wa__fd_waiter *r = w ? wa__realloc(loop->fd_waiters, cap * sizeof *r) : NULL;
        if (!r) return wa__error(WA_ENOMEM, NULL);
        loop->fd_waiters = r;
        loop->fd_cap = cap;
    }
    loop->fd_watches[loop->fd_count] = (wa__fd_watch){fd, (uint8_t)events, 0};
    loop->fd_waiters[loop->fd_count++] = waiter;
    loop->io_pending++;                  /* the descriptor will wake it: no deadlock meanwhile */
    return 0;
}

static void unwatch(wa__loop *loop, size_t i) {
    loop->io_pending--;
    size_t last = --loop->fd_count;      /* order does not matter: move the last one here */
    loop->fd_watches[i] = loop->fd_watches[last];
    loop->fd_waiters[i] = loop->fd_waiters[last];
    if (!loop->fd_count) wa__fd_free(loop);
}

void wa__fd_free(wa__loop *loop) {
    free(loop->fd_watches);
    free(loop->fd_waiters);
    loop->fd_watches = NULL;
    loop->fd_waiters = NULL;
    loop->fd_count = loop->fd_cap = 0;
}

void wa__fd_wake_ready(wa__loop *loop) {
    for (size_t i = 0; i < loop->fd_count;) {
        if (!loop->fd_watches[i].ready) {
            i++;
            continue;
        }
        wa__fd_waiter w = loop->fd_waiters[i];
        unwatch(loop, i);                /* first: the callback may watch again */
        if (w.cb) w.cb(w.ctx);
        else if (w.f->state == WA_PENDING) wa__future_complete(w.f, WA_DONE, 0, 0);
    }
}

int wa__fd_arm(wa__loop *loop, int fd, int events, void (*cb)(void *ctx), void *ctx) {
    return watch(loop, fd, events, (wa__fd_waiter){NULL, cb, ctx});
}

void wa__fd_forget(wa__loop *loop, int fd, int code) {
    for (size_t i = 0; i < loop->fd_count;) {
        if (loop->fd_watches[i].fd != fd) {
            i++;
            continue;
        }
        wa__fd_waiter w = loop->fd_waiters[i];
        unwatch(loop, i);
        if (!w.cb && w.f->state == WA_PENDING) wa__future_complete(w.f, WA_DONE, code, 0);
    }
}

int wa__fd_wait(wa_task *t, int fd, int events) {
    wa__loop *loop = t->fut.loop;
    wa_future *ready = wa__future_new(loop);
    if (!ready) return WA_ENOMEM;
    int rc = watch(loop, fd, events, (wa__fd_waiter){ready, NULL, NULL});
    if (rc == 0) rc = wa_await_future(ready);
    for (size_t i = 0; i < loop->fd_count; i++)  /* cancelled, or failed to suspend */
        if (loop->fd_waiters[i].f == ready) {
            unwatch(loop, i);
            break;
        }
    wa__future_unref(ready);
    return rc;
}

int wa_read(int fd, void *buf, size_t cap, size_t *got) {
    wa_task *t = wa__running("wa_read");
    if (!t) return WA_ENOTASK;
    if (fd < 0 || !got || (cap && !buf)) return wa__error(WA_EINVAL, "wa_read: bad descriptor or NULL argument");
    if (!wa__host_watches_fds)
        return wa__error(WA_ENOTSUP, "wa_read needs a host that can watch descriptors (WASI, native); "
                                     "JS hosts read files with wa_fetch and file: URLs");
    int rc = wa__fd_wait(t, fd, WA__FD_READ);
    if (rc) return rc;
    ssize_t n = read(fd, buf, cap);
    if (n < 0) return wa__error(WA_EIO, "read from descriptor %d failed: %s", fd, strerror(errno));
    *got = (size_t)n;
    return 0;
}
