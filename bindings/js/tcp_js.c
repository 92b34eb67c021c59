/* The TCP side of the host contract on JS hosts: trampolines to net.mjs
 * (through library_wasyncio.js), node's net sockets and WebSockets
 * (websocket.mjs, for ws: URLs) behind small ids. The ids stand where
 * other hosts have descriptors: the loop watches them, and host_js.c's
 * wait asks net.mjs which are ready. */
#include "../../runtime/host.h"

#include <emscripten.h>

enum { JS_AGAIN = -1000 };               /* net.mjs: the call would block */

/* library_wasyncio.js */
int wa__js_tcp_connect(const char *host, int port);
int wa__js_tcp_status(int id);
int wa__js_tcp_listen(const char *host, int port, int backlog);
int wa__js_tcp_accept(int id);
int wa__js_tcp_recv(int id, void *buf, size_t cap);
int wa__js_tcp_send(int id, const void *buf, size_t len);
int wa__js_tcp_shutdown(int id);
int wa__js_tcp_address(int id, int peer, char *buf, size_t cap);
void wa__js_tcp_close(int id);

/* net.mjs reports a failure's message through this, before returning its code. */
EMSCRIPTEN_KEEPALIVE void wa__js_tcp_error(int code, const char *msg) { (void)wa__error(code, "%s", msg); }

static int outcome(int rc) { return rc == JS_AGAIN ? WA__AGAIN : rc; }

const int wa__host_websockets = 1;     /* where the JS environment has WebSocket: net.mjs says */

int wa__host_tcp_connect(const char *host, int port, int *fd) {
    int id = wa__js_tcp_connect(host, port);
    if (id < 0) return id;
    *fd = id;
    return 0;
}

int wa__host_tcp_connected(int fd) { return outcome(wa__js_tcp_status(fd)); }

/* Binding is asynchronous in node: WA__AGAIN, and the runtime waits for the
 * id to be writable, then asks wa__host_tcp_connected how it went. */
int wa__host_tcp_listen(const char *host, int port, int backlog, int *fd, int *bound_port) {
    int id = wa__js_tcp_listen(host, port, backlog);
    if (id < 0) return id;
    *fd = id;
    *bound_port = 0;
    return WA__AGAIN;
}

int wa__host_tcp_accept(int fd, int *conn) {
    int id = wa__js_tcp_accept(fd);
    if (id < 0) return outcome(id);
    *conn = id;
    return 0;
}

int wa__host_tcp_recv(int fd, void *buf, size_t cap, size_t *got) {
    int n = wa__js_tcp_recv(fd, buf, cap);
    if (n < 0) return outcome(n);
    *got = (size_t)n;
    return 0;
}

int wa__host_tcp_send(int fd, const void *buf, size_t len, size_t *sent) {
    int n = wa__js_tcp_send(fd, buf, len);
    if (n < 0) return outcome(n);
    *sent = (size_t)n;
    return 0;
}

int wa__host_tcp_shutdown(int fd) { return wa__js_tcp_shutdown(fd); }

int wa__host_tcp_address(int fd, int peer, char *buf, size_t cap, int *port) {
    int p = wa__js_tcp_address(fd, peer, buf, cap);
    if (p < 0) return p;
    *port = p;
    return 0;
}

void wa__host_tcp_close(int fd) { wa__js_tcp_close(fd); }
