/* wa_read: a task waits until a file descriptor (stdin, a pipe, a file) is
 * readable, then reads. The host's wait watches the descriptors listed here
 * and marks those that are ready; each round wakes their readers. */
#define _DEFAULT_SOURCE 1               /* read() under -std=c11 */
#include "internal.h"
#include "../bindings/host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

wa__fd_watch *wa__fd_watches;            /* what the host watches */
size_t wa__fd_watch_count;
static wa_future **readers;              /* readers[i] is resolved when wa__fd_watches[i] is ready */
static size_t watch_cap;

static int watch(int fd, wa_future *ready) {
    if (wa__fd_watch_count == watch_cap) {
        size_t cap = watch_cap ? watch_cap * 2 : 8;
        wa__fd_watch *w = wa__realloc(wa__fd_watches, cap * sizeof *w);
        if (w) wa__fd_watches = w;
        wa_future **r = w ? wa__realloc(readers, cap * sizeof *r) : NULL;
        if (!r) return wa__error(WA_ENOMEM, NULL);
        readers = r;
        watch_cap = cap;
    }
    wa__fd_watches[wa__fd_watch_count] = (wa__fd_watch){fd, 0};
    readers[wa__fd_watch_count++] = ready;
    ready->loop->io_pending++;           /* the descriptor will wake a task: no deadlock meanwhile */
    return 0;
}

static void unwatch(size_t i) {
    readers[i]->loop->io_pending--;
    size_t last = --wa__fd_watch_count;  /* order does not matter: move the last one here */
    wa__fd_watches[i] = wa__fd_watches[last];
    readers[i] = readers[last];
    if (!wa__fd_watch_count) {
        free(wa__fd_watches);
        free(readers);
        wa__fd_watches = NULL;
        readers = NULL;
        watch_cap = 0;
    }
}

void wa__fd_wake_ready(void) {
    for (size_t i = 0; i < wa__fd_watch_count;) {
        if (!wa__fd_watches[i].ready) {
            i++;
            continue;
        }
        wa_future *f = readers[i];
        unwatch(i);
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
    wa_future *ready = wa__future_new(t->fut.loop);
    if (!ready) return WA_ENOMEM;
    int rc = watch(fd, ready);
    if (rc == 0) rc = wa_await_future(ready);
    for (size_t i = 0; i < wa__fd_watch_count; i++)  /* cancelled, or failed to suspend */
        if (readers[i] == ready) {
            unwatch(i);
            break;
        }
    wa__future_unref(ready);
    if (rc) return rc;
    ssize_t n = read(fd, buf, cap);
    if (n < 0) return wa__error(WA_EIO, "read from descriptor %d failed: %s", fd, strerror(errno));
    *got = (size_t)n;
    return 0;
}
