/* WASI host: TCP as preview1 has it. A program cannot open sockets, only
 * use those its runner preopens (`wasmtime run --tcplisten ADDR`, `wa-run
 * --tcplisten=ADDR`): listening takes the next preopened listening socket,
 * accepted connections are read and written with sock_recv and sock_send.
 * Connecting out and addresses are not in preview1: WA_ENOTSUP. */
#include "../../runtime/host.h"

#include <wasi/api.h>

enum { MAX_LISTENERS = 32 };
static __wasi_fd_t taken[MAX_LISTENERS]; /* preopened listeners already handed out */
static size_t taken_count;

static int failed(const char *what, __wasi_errno_t e) {
    if (e == __WASI_ERRNO_CONNRESET || e == __WASI_ERRNO_PIPE || e == __WASI_ERRNO_NOTCONN)
        return wa__error(WA_ERESET, "connection lost while %s (WASI error %u)", what, (unsigned)e);
    return wa__error(WA_EIO, "%s failed (WASI error %u)", what, (unsigned)e);
}

const int wa__host_websockets = 0;

int wa__host_tcp_connect(const char *host, int port, int *fd) {
    (void)host, (void)port, (void)fd;
    return wa__error(WA_ENOTSUP, "WASI preview1 cannot open connections (no sock_connect): "
                                 "a WASI program serves on sockets its runner preopens");
}

int wa__host_tcp_connected(int fd) {
    (void)fd;
    return wa__error(WA_ENOTSUP, "WASI preview1 cannot open connections");
}

int wa__host_tcp_listen(const char *host, int port, int backlog, int *fd, int *bound_port) {
    (void)host, (void)port, (void)backlog;
    for (__wasi_fd_t f = 3;; f++) {
        __wasi_fdstat_t st;
        if (__wasi_fd_fdstat_get(f, &st) != 0) break;  /* past the preopens */
        if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM) continue;
        int used = 0;
        for (size_t i = 0; i < taken_count; i++) used |= taken[i] == f;
        if (used || taken_count == MAX_LISTENERS) continue;
        (void)__wasi_fd_fdstat_set_flags(f, st.fs_flags | __WASI_FDFLAGS_NONBLOCK);
        taken[taken_count++] = f;
        *fd = (int)f;
        *bound_port = 0;                 /* preview1 cannot tell */
        return 0;
    }
    return wa__error(WA_ECONNECT, "no listening socket left among the ones the runner preopened "
                                  "(run with wasmtime run --tcplisten ADDR, or wa-run --tcplisten=ADDR)");
}

int wa__host_tcp_accept(int fd, int *conn) {
    __wasi_fd_t c;
    __wasi_errno_t e = __wasi_sock_accept((__wasi_fd_t)fd, __WASI_FDFLAGS_NONBLOCK, &c);
    if (e == __WASI_ERRNO_AGAIN) return WA__AGAIN;
    if (e) return failed("accepting", e);
    *conn = (int)c;
    return 0;
}

int wa__host_tcp_recv(int fd, void *buf, size_t cap, size_t *got) {
    __wasi_iovec_t iov = {buf, cap};
    __wasi_size_t n = 0;
    __wasi_roflags_t flags = 0;
    __wasi_errno_t e = __wasi_sock_recv((__wasi_fd_t)fd, &iov, 1, 0, &n, &flags);
    if (e == __WASI_ERRNO_AGAIN) return WA__AGAIN;
    if (e) return failed("reading", e);
    *got = n;
    return 0;
}

int wa__host_tcp_send(int fd, const void *buf, size_t len, size_t *sent) {
    __wasi_ciovec_t iov = {buf, len};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_sock_send((__wasi_fd_t)fd, &iov, 1, 0, &n);
    if (e == __WASI_ERRNO_AGAIN) return WA__AGAIN;
    if (e) return failed("writing", e);
    *sent = n;
    return 0;
}

int wa__host_tcp_shutdown(int fd) {
    __wasi_errno_t e = __wasi_sock_shutdown((__wasi_fd_t)fd, __WASI_SDFLAGS_WR);
    return e && e != __WASI_ERRNO_NOTCONN ? failed("ending its side", e) : 0;
}

int wa__host_tcp_address(int fd, int peer, char *buf, size_t cap, int *port) {
    (void)fd, (void)peer, (void)buf, (void)cap, (void)port;
    return wa__error(WA_ENOTSUP, "WASI preview1 tells no socket addresses");
}

void wa__host_tcp_close(int fd) {
    for (size_t i = 0; i < taken_count; i++)
        if (taken[i] == (__wasi_fd_t)fd) taken[i] = taken[--taken_count];  /* may be taken again */
    (void)__wasi_fd_close((__wasi_fd_t)fd);
}
