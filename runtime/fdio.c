/* wa_read: a task waits until a file descriptor (stdin, a pipe, a file) is
 * readable, then reads. The loop keeps the descriptors its readers wait on;
 * the host's wait watches them and marks those that are ready; each round
 * wakes their readers. */
#define _DEFAULT_SOURCE 1               /* read() under -std=c11 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int watch(wa__loop *loop, int fd, wa_future *ready) {
    if (loop->fd_count == loop->fd_cap) {
        size_t cap = loop->fd_cap ? loop->fd_cap * 2 : 8;
        wa__fd_watch *w = wa__realloc(loop->fd_watches, cap * sizeof *w);
        if (w) loop->fd_watches = w;
        wa_future **r = w ? wa__realloc(loop->fd_readers, cap * sizeof *r) : NULL;
        if (!r) return wa__error(WA_ENOMEM, NULL);
        loop->fd_readers = r;
        loop->fd_cap = cap;
    }
    loop->fd_watches[loop->fd_count] = (wa__fd_watch){fd, 0};
    loop->fd_readers[loop->fd_count++] = ready;
    loop->io_pending++;                  /* the descriptor will wake a task: no deadlock meanwhile */
    return 0;
}

static void unwatch(wa__loop *loop, size_t i) {
    loop->io_pending--;
    size_t last = --loop->fd_count;      /* order does not matter: move the last one here */
    loop->fd_watches[i] = loop->fd_watches[last];
    loop->fd_readers[i] = loop->fd_readers[last];
    if (!loop->fd_count) wa__fd_free(loop);
}

void wa__fd_free(wa__loop *loop) {
    free(loop->fd_watches);
    free(loop->fd_readers);
    loop->fd_watches = NULL;
    loop->fd_readers = NULL;
    loop->fd_count = loop->fd_cap = 0;
}

void wa__fd_wake_ready(wa__loop *loop) {
    for (size_t i = 0; i < loop->fd_count;) {
        if (!loop->fd_watches[i].ready) {
            i++;
            continue;
        }
        wa_future *f = loop->fd_readers[i];
        unwatch(loop, i);
        if (f->state == WA_PENDING) wa__future_complete(f, WA_DONE, 0, 0);
    }
}

int wa_read(int fd, void *buf, size_t cap, size_t *got) {
    wa_task *t = wa__running("wa_read");
    if (!t) return WA_ENOTASK;
    if (fd < 0 || !got || (cap && !buf)) return wa__error(WA_EINVAL, "wa_read: bad descriptor or NULL argument");
    if (!wa__host_watches_fds)
        return wa__error(WA_ENOTSUP, "wa_read needs a host that can watch descriptors (WASI, native); "
                                     "JS hosts read files with wa_fetch and file: URLs");
    wa__loop *loop = t->fut.loop;
    wa_future *ready = wa__future_new(loop);
    if (!ready) return WA_ENOMEM;
    int rc = watch(loop, fd, ready);
    if (rc == 0) rc = wa_await_future(ready);
    for (size_t i = 0; i < loop->fd_count; i++)  /* cancelled, or failed to suspend */
        if (loop->fd_readers[i] == ready) {
            unwatch(loop, i);
            break;
        }
    wa__future_unref(ready);
    if (rc) return rc;
    ssize_t n = read(fd, buf, cap);
    if (n < 0) return wa__error(WA_EIO, "read from descriptor %d failed: %s", fd, strerror(errno));
    *got = (size_t)n;
    return 0;
}
