/* Native host: TCP on non-blocking POSIX sockets, IPv4 and IPv6. Names are
 * resolved with getaddrinfo, which blocks: numeric addresses and localhost
 * answer at once, a name served by DNS holds the loop while it resolves.
 * Failures set a message with the reason only: the runtime names the
 * address. */
#define _GNU_SOURCE 1                    /* accept4, MSG_NOSIGNAL, getaddrinfo */
#include "../../runtime/host.h"
#include "native.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

/* The addresses of host:port; NULL host: every local address (servers). */
static int resolve(const char *host, int port, int passive, struct addrinfo **out) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
    int rc = getaddrinfo(host && *host ? host : NULL, service, &hints, out);
    if (rc != 0) return wa__error(WA_ECONNECT, "cannot resolve the name: %s", gai_strerror(rc));
    return 0;
}

/* A socket on the first address of host:port that takes it: connecting
 * (backlog < 0; the connect may still be in progress) or listening. A
 * refusal that comes later is not retried on the next address. */
static int first_socket(const char *host, int port, int backlog, int *fd) {
    struct addrinfo *ai;
    int rc = resolve(host, port, backlog >= 0, &ai);
    if (rc) return rc;
    int err = 0, one = 1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        int ok = s >= 0 && nonblocking(s) == 0;
        if (ok && backlog < 0) {
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ok = connect(s, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS;
        } else if (ok) {
            setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  /* restart while old connections linger */
            ok = bind(s, a->ai_addr, a->ai_addrlen) == 0 && listen(s, backlog > 0 ? backlog : 100) == 0;
        }
        if (ok) {
            freeaddrinfo(ai);
            wa__native_fd_owned(s, 1);
            *fd = s;
            return 0;
        }
        err = errno;
        if (s >= 0) close(s);
    }
    freeaddrinfo(ai);
    return wa__error(WA_ECONNECT, "%s", strerror(err));
}

const int wa__host_websockets = 0;

int wa__host_tcp_connect(const char *host, int port, int *fd) { return first_socket(host, port, -1, fd); }

int wa__host_tcp_connected(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    return err ? wa__error(WA_ECONNECT, "%s", strerror(err)) : 0;
}

int wa__host_tcp_listen(const char *host, int port, int backlog, int *fd, int *bound_port) {
    int rc = first_socket(host, port, backlog > 0 ? backlog : 0, fd);
    char unused[64];
    return rc ? rc : wa__host_tcp_address(*fd, 0, unused, sizeof unused, bound_port);
}

int wa__host_tcp_accept(int fd, int *conn) {
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) {
            int one = 1;
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            wa__native_fd_owned(c, 1);
            *conn = c;
            return 0;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;  /* gone before it was taken */
        if (errno == EAGAIN || errno == EWOULDBLOCK) return WA__AGAIN;
        return wa__error(WA_EIO, "accept failed: %s", strerror(errno));
    }
}

static int failed(const char *what, int err) {
    if (err == ECONNRESET || err == EPIPE || err == ENOTCONN || err == ETIMEDOUT)
        return wa__error(WA_ERESET, "connection lost while %s: %s", what, strerror(err));
    return wa__error(WA_EIO, "%s failed: %s", what, strerror(err));
}

int wa__host_tcp_recv(int fd, void *buf, size_t cap, size_t *got) {
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n >= 0) {
            *got = (size_t)n;
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return WA__AGAIN;
        return failed("reading", errno);
    }
}

int wa__host_tcp_send(int fd, const void *buf, size_t len, size_t *sent) {
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);  /* a closed peer is an error, not SIGPIPE */
        if (n >= 0) {
            *sent = (size_t)n;
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return WA__AGAIN;
        return failed("writing", errno);
    }
}

int wa__host_tcp_shutdown(int fd) {
    if (shutdown(fd, SHUT_WR) == 0 || errno == ENOTCONN) return 0;
    return failed("ending its side", errno);
}

int wa__host_tcp_address(int fd, int peer, char *buf, size_t cap, int *port) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &len) < 0)
        return wa__error(peer && errno == ENOTCONN ? WA_ERESET : WA_EIO, "no %s address: %s", peer ? "peer" : "local", strerror(errno));
    const void *addr = ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                                : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
    if (!inet_ntop(ss.ss_family, addr, buf, (socklen_t)cap)) return wa__error(WA_EINVAL, "address buffer too small");
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

void wa__host_tcp_close(int fd) {
    wa__native_fd_owned(fd, 0);          /* out of the epoll set first: a forked child may hold it open */
    close(fd);
}
