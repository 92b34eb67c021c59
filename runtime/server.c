/* Servers: a task accepts connections on a listening socket while the server
 * listens, and each connection runs the user's handler as a task of its own
 * with a stream the server closes and frees once the handler returns. */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct conn {
    struct wa_server *srv;
    wa_stream *stream;
    wa_task *task;
    struct conn *prev, *next;            /* the server's connections */
} conn;

struct wa_server {
    wa__object obj;                      /* WA__SERVER; WA__RETIRED once freed by its owner */
    uint8_t listening;
    uint8_t freed;                       /* freed by its owner: goes with the last connection */
    int fd, port;
    wa__loop *loop;
    wa_stream_fn handler;
    void *arg;
    wa_task *acceptor;                   /* accepts while listening */
    conn *conns;                         /* the handlers running */
    size_t connections;
    wa__waitq closers;                   /* wait_closed: until closed with no handler running */
    wa__waitq servers;                   /* serve_forever: until closed */
};

static int handle(void *arg) {
    conn *c = arg;
    int rc = c->srv->handler(c->stream, c->srv->arg);
    int closed = wa_stream_wait_closed(c->stream);  /* what the handler wrote still goes */
    (void)closed;                        /* a peer gone by now is no failure of the handler's */
    return rc;
}

static void handled(wa_future *f, void *arg) {
    (void)f;
    conn *c = arg;
    wa_server *srv = c->srv;
    if (c->prev) c->prev->next = c->next;
    else srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->connections--;
    c->stream->server = NULL;
    wa__stream_destroy(c->stream);
    wa_task_release(c->task);
    free(c);
    if (srv->connections) return;
    if (srv->freed) wa__retire_object(srv, sizeof *srv);
    else if (!srv->listening) wa__waitq_wake_all(&srv->closers, 0);
}

static int serve(wa_server *srv, int fd) {
    conn *c = wa__calloc(1, sizeof *c);
    wa_stream *s = c ? wa__stream_new(srv->loop, fd) : NULL;
    wa_task *t = s ? wa_create_task(handle, c) : NULL;
    if (!t || wa_future_add_done_callback(wa_task_future(t), handled, c) != 0) {
        if (t) wa_task_cancel(t), wa_task_release(t);  /* not started yet: it never runs */
        if (s) wa__stream_destroy(s);
        else wa__host_tcp_close(fd);
        free(c);
        return WA_ENOMEM;
    }
    s->server = srv;
    *c = (conn){srv, s, t, NULL, srv->conns};
    if (srv->conns) srv->conns->prev = c;
    srv->conns = c;
    srv->connections++;
    return 0;
}

static int accept_connections(void *arg) {
    wa_server *srv = arg;
    wa_task *self = wa_current_task();
    while (srv->listening) {
        int fd = -1;
        int rc = wa__host_tcp_accept(srv->fd, &fd);
        if (rc == 0) rc = serve(srv, fd);
        else if (rc == WA__AGAIN) rc = wa__fd_wait(self, srv->fd, WA__FD_READ);
        if (rc == WA_ECANCELLED || rc == WA_ESTATE) return 0;  /* the server closed */
        if (rc) wa_sleep(0.1);           /* out of descriptors or memory: try again soon */
    }
    return 0;
}

/* Waits until the host has bound srv's socket (or failed to), as asyncio's
 * start_server does: it needs the running task. */
static int bound(wa_server *srv) {
    wa_task *t = wa__running("wa_start_server");
    int rc = t ? wa__fd_wait(t, srv->fd, WA__FD_WRITE) : WA_ENOTASK;
    if (rc == 0) rc = wa__host_tcp_connected(srv->fd);
    char unused[64];
    if (rc == 0) rc = wa__host_tcp_address(srv->fd, 0, unused, sizeof unused, &srv->port);
    if (rc) wa__host_tcp_close(srv->fd);
    return rc;
}

int wa_start_server(wa_stream_fn handler, void *arg, const char *host, int port, int backlog, wa_server **out) {
    if (out) *out = NULL;
    wa__loop *loop = wa__loop_now;
    if (!handler || !out || port < 0 || port > 65535 || !loop)
        return wa__error(WA_EINVAL, "wa_start_server: NULL handler or out, a bad port, or no running loop");
    wa_server *srv = wa__calloc(1, sizeof *srv);
    if (!srv) return wa__error(WA_ENOMEM, NULL);
    int rc = wa__host_tcp_listen(host, port, backlog, &srv->fd, &srv->port);
    if (rc == WA__AGAIN) rc = bound(srv);  /* JS hosts bind asynchronously */
    if (rc) {
        free(srv);
        if (rc == WA_ENOMEM || rc == WA_ENOTSUP) return rc;
        char why[200];
        snprintf(why, sizeof why, "%s", wa_errmsg());
        return wa__error(rc, "cannot listen on %s port %d: %s", host && *host ? host : "*", port, why);
    }
    srv->obj.kind = WA__SERVER;
    srv->loop = loop;
    srv->handler = handler;
    srv->arg = arg;
    srv->listening = 1;
    if (!(srv->acceptor = wa_create_task(accept_connections, srv))) {
        wa__host_tcp_close(srv->fd);
        free(srv);
        return WA_ENOMEM;
    }
    wa_task_set_name(srv->acceptor, "server");
    *out = srv;
    return 0;
}

int wa_server_port(const wa_server *srv) {
    return wa__is(srv, WA__SERVER) ? srv->port : WA__BAD(srv, WA__SERVER, "wa_server_port", 0);
}

size_t wa_server_connections(const wa_server *srv) {
    return wa__is(srv, WA__SERVER) ? srv->connections : WA__BAD(srv, WA__SERVER, "wa_server_connections", 0);
}

int wa_server_close(wa_server *srv) {
    if (!wa__is(srv, WA__SERVER)) return wa__bad_object(srv, WA__SERVER, "wa_server_close");
    if (!srv->listening) return 0;
    srv->listening = 0;
    wa__fd_forget(srv->loop, srv->fd, WA_ESTATE);  /* the acceptor resumes and ends, */
    wa_task_cancel(srv->acceptor);       /* also from a pause after a failed accept */
    wa__host_tcp_close(srv->fd);
    srv->fd = -1;
    wa_task_release(srv->acceptor);
    srv->acceptor = NULL;
    wa__waitq_wake_all(&srv->servers, WA_ECANCELLED);
    if (!srv->connections) wa__waitq_wake_all(&srv->closers, 0);
    return 0;
}

int wa_server_wait_closed(wa_server *srv) {
    wa_task *t = wa__running("wa_server_wait_closed");
    if (!t) return WA_ENOTASK;
    if (!wa__is(srv, WA__SERVER)) return wa__bad_object(srv, WA__SERVER, "wa_server_wait_closed");
    if (!srv->listening && !srv->connections) return 0;
    return wa__waitq_wait(&srv->closers, t);
}

int wa_server_serve_forever(wa_server *srv) {
    wa_task *t = wa__running("wa_server_serve_forever");
    if (!t) return WA_ENOTASK;
    if (!wa__is(srv, WA__SERVER)) return wa__bad_object(srv, WA__SERVER, "wa_server_serve_forever");
    if (!srv->listening) return wa__error(WA_ECANCELLED, "wa_server_serve_forever: the server is closed");
    int rc = wa__waitq_wait(&srv->servers, t);
    if (rc == WA_ECANCELLED && wa__is(srv, WA__SERVER)) wa_server_close(srv);
    return WA_ECANCELLED;
}

int wa_server_free(wa_server *srv) {
    if (!srv) return 0;
    if (!wa__is(srv, WA__SERVER)) return wa__bad_object(srv, WA__SERVER, "wa_server_free");
    wa_server_close(srv);
    if (!srv->connections) {
        wa__retire_object(srv, sizeof *srv);
        return 0;
    }
    srv->freed = 1;
    srv->obj.kind = WA__RETIRED;         /* the owner's handle is stale from here */
    wa__waitq_wake_all(&srv->closers, WA_ECANCELLED);  /* freed while a task waited: it ends */
    for (conn *c = srv->conns; c; c = c->next) wa_task_cancel(c->task);
    return 0;
}
