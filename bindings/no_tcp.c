/* The TCP side of the host contract for hosts without sockets the runtime
 * can watch (JS hosts for now): every operation is WA_ENOTSUP. */
#include "../runtime/host.h"

static int unsupported(void) { return wa__error(WA_ENOTSUP, "TCP streams need the native or WASI host"); }

int wa__host_tcp_connect(const char *host, int port, int *fd) {
    (void)host, (void)port, (void)fd;
    return unsupported();
}

int wa__host_tcp_connected(int fd) {
    (void)fd;
    return unsupported();
}

int wa__host_tcp_listen(const char *host, int port, int backlog, int *fd, int *bound_port) {
    (void)host, (void)port, (void)backlog, (void)fd, (void)bound_port;
    return unsupported();
}

int wa__host_tcp_accept(int fd, int *conn) {
    (void)fd, (void)conn;
    return unsupported();
}

int wa__host_tcp_recv(int fd, void *buf, size_t cap, size_t *got) {
    (void)fd, (void)buf, (void)cap, (void)got;
    return unsupported();
}

int wa__host_tcp_send(int fd, const void *buf, size_t len, size_t *sent) {
    (void)fd, (void)buf, (void)len, (void)sent;
    return unsupported();
}

int wa__host_tcp_shutdown(int fd) {
    (void)fd;
    return unsupported();
}

int wa__host_tcp_address(int fd, int peer, char *buf, size_t cap, int *port) {
    (void)fd, (void)peer, (void)buf, (void)cap, (void)port;
    return unsupported();
}

void wa__host_tcp_close(int fd) { (void)fd; }
