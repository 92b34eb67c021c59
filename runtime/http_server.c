/* The HTTP server: a wa_server whose connection tasks read request heads
 * in place from the stream's buffer, run the handler for each request in
 * turn, and keep the connection while both sides want it. A request's
 * strings are its head's own bytes, NUL-terminated where a space, colon or
 * CR stood; they move to the connection's copy only if the handler reads
 * so much body that the stream's buffer must move. Responses are
 * http_response.c's. */
#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_HEAD = 8 * 1024, MAX_BODY = 1024 * 1024 };

/* ------------------------------------------------------------- requests */

static int bad_request(const wa_http_request *req, const char *fn) {
    if (!wa__is(req, WA__HTTP_REQUEST)) return wa__bad_object(req, WA__HTTP_REQUEST, fn);
    if (!req->live) return wa__error(WA_EINVAL, "%s: the request's handler has returned", fn);
    return 0;
}

/* The head's spans, made NUL-terminated strings (the byte after each is a
 * space, colon, blank or CR of the head's own), and path and query. */
static int prepare(wa__http_conn *c) {
    wa_http_request *req = &c->req;
    wa__http_head *h = &req->head;
    ((char *)h->method.p)[h->method.n] = 0;
    ((char *)h->target.p)[h->target.n] = 0;
    for (size_t i = 0; i < h->header_count; i++) {
        ((char *)h->headers[i].name.p)[h->headers[i].name.n] = 0;
        ((char *)h->headers[i].value.p)[h->headers[i].value.n] = 0;
    }
    const char *q = memchr(h->target.p, '?', h->target.n);
    req->path = h->target.p;
    req->query = "";
    if (q) {
        size_t n = (size_t)(q - h->target.p);
        if (c->path_cap <= n) {
            char *path = wa__realloc(c->path, n + 1);
            if (!path) return wa__error(WA_ENOMEM, NULL);
            c->path = path;
            c->path_cap = n + 1;
        }
        memcpy(c->path, h->target.p, n);
        c->path[n] = 0;
        req->path = c->path;
        req->query = q + 1;
    }
    req->body = NULL;
    req->body_len = 0;
    req->continued = 0;
    req->body_error = 0;
    if (h->chunked) req->body_state = WA__BODY_CHUNK_SIZE;
    else if (h->content_length > 0) req->body_state = WA__BODY_LENGTH, req->left = (uint64_t)h->content_length;
    else req->body_state = WA__BODY_DONE;
    return 0;
}

static const char *rebase(const char *p, const char *from, size_t len, const char *to) {
    uintptr_t u = (uintptr_t)p, f = (uintptr_t)from;
    return u >= f && u <= f + len ? to + (u - f) : p;
}

/* Moves the head out of the stream's buffer, which a fill may move. */
static int pin(wa__http_conn *c) {
    wa_http_request *req = &c->req;
    if (req->head_at == c->copy) return 0;
    if (c->copy_cap < req->head_len) {
        char *copy = wa__malloc(req->head_len);
        if (!copy) return wa__error(WA_ENOMEM, NULL);
        free(c->copy);
        c->copy = copy;
        c->copy_cap = req->head_len;
    }
    memcpy(c->copy, req->head_at, req->head_len);
    wa__http_head *h = &req->head;
    const char *from = req->head_at, *to = c->copy;
    size_t n = req->head_len;
    h->method.p = rebase(h->method.p, from, n, to);
    h->target.p = rebase(h->target.p, from, n, to);
    for (size_t i = 0; i < h->header_count; i++) {
        h->headers[i].name.p = rebase(h->headers[i].name.p, from, n, to);
        h->headers[i].value.p = rebase(h->headers[i].value.p, from, n, to);
    }
    req->path = rebase(req->path, from, n, to);
    req->query = rebase(req->query, from, n, to);
    req->head_at = c->copy;
    return 0;
}

static int body_failed(wa_http_request *req, int rc) {
    req->body_state = WA__BODY_FAILED;
    req->body_error = rc;
    return rc;
}

/* Waits for more of the body: the head leaves the stream's buffer first, a
 * client that expects it hears 100 Continue, and what is held goes out. */
static int more(wa__http_conn *c, wa_task *t) {
    int rc = pin(c);
    if (!rc && c->req.head.expect_continue && !c->req.continued && c->res.state == WA__RES_NONE)
        rc = wa__http_continue(c);
    if (!rc) rc = wa__http_flush(c);
    return rc ? rc : wa__stream_fill(c->s, t);
}

/* Reads into buf, or skips (buf NULL), up to cap bytes of the body. */
static int body_read(wa_http_request *req, wa_task *t, char *buf, size_t cap, size_t *got) {
    wa__http_conn *c = req->c;
    wa_stream *s = c->s;
    *got = 0;
    for (;;) {
        size_t held = s->in_len - s->in_pos;
        const char *at = s->in + s->in_pos;
        int64_t n;
        uint64_t size;
        switch (req->body_state) {
        case WA__BODY_DONE:
            return 0;
        case WA__BODY_FAILED:
            return wa__error(req->body_error, "the request's body failed already: %s", wa_strerror(req->body_error));
        case WA__BODY_LENGTH:
        case WA__BODY_CHUNK_DATA:
            if (!cap) return 0;
            if (held) {
                size_t k = held < cap ? held : cap;
                if (k > req->left) k = (size_t)req->left;
                if (buf) memcpy(buf, at, k);
                s->in_pos += k;
                req->left -= k;
                *got = k;
                if (!req->left) req->body_state = req->body_state == WA__BODY_LENGTH ? WA__BODY_DONE : WA__BODY_CHUNK_END;
                return 0;
            }
            break;
        case WA__BODY_CHUNK_SIZE:
            if ((n = wa__http_parse_chunk_size(at, held, &size)) < 0) return body_failed(req, (int)n);
            if (n > 0) {
                s->in_pos += (size_t)n;
                req->left = size;
                req->body_state = size ? WA__BODY_CHUNK_DATA : WA__BODY_TRAILER;
                continue;
            }
            break;
        case WA__BODY_CHUNK_END:
            if ((held >= 1 && at[0] != '\r') || (held >= 2 && at[1] != '\n'))
                return body_failed(req, wa__error(WA_EPROTO, "malformed chunked body: no CRLF after a chunk's data"));
            if (held >= 2) {
                s->in_pos += 2;
                req->body_state = WA__BODY_CHUNK_SIZE;
                continue;
            }
            break;
        case WA__BODY_TRAILER:
            if ((n = wa__http_parse_trailer(at, held, c->srv->max_head)) < 0) return body_failed(req, (int)n);
            if (n > 0) {
                s->in_pos += (size_t)n;
                req->body_state = WA__BODY_DONE;
                return 0;
            }
            break;
        }
        if (s->eof) return body_failed(req, wa__error(WA_ETRUNCATED, "the client ended the request's body early"));
        int rc = more(c, t);
        if (rc) return body_failed(req, rc);
    }
}

int wa_http_request_read(wa_http_request *req, void *buf, size_t cap, size_t *got) {
    const char *fn = "wa_http_request_read";
    if (got) *got = 0;
    wa_task *t = wa__running(fn);
    if (!t) return WA_ENOTASK;
    int rc = bad_request(req, fn);
    if (rc) return rc;
    if (!got || (cap && !buf)) return wa__error(WA_EINVAL, "%s: NULL buf or got", fn);
    return body_read(req, t, buf, cap, got);
}

int wa_http_request_body(wa_http_request *req, const char **body, size_t *len) {
    const char *fn = "wa_http_request_body";
    wa_task *t = wa__running(fn);
    if (!t) return WA_ENOTASK;
    int rc = bad_request(req, fn);
    if (rc) return rc;
    if (!body) return wa__error(WA_EINVAL, "%s: NULL body", fn);
    wa__http_conn *c = req->c;
    size_t max = c->srv->max_body, total = 0;
    if (!req->body) {
        if (req->body_state == WA__BODY_LENGTH && req->left > max)
            return body_failed(req, wa__error(WA_ETOOBIG, "%s: a body of %llu bytes, over the limit of %zu", fn,
                                              (unsigned long long)req->left, max));
        for (;;) {
            /* Room for the whole of a known length, else grown as it comes;
             * one byte over the limit tells a body that is too large. */
            size_t want = total + (req->body_state == WA__BODY_LENGTH ? (size_t)req->left : 4096) + 1;
            if (want > max + 2) want = max + 2;
            if (c->body_cap < want) {
                size_t cap = c->body_cap * 2 > want && c->body_cap * 2 <= max + 2 ? c->body_cap * 2 : want;
                char *grown = wa__realloc(c->body, cap);
                if (!grown) return body_failed(req, wa__error(WA_ENOMEM, NULL));
                c->body = grown;
                c->body_cap = cap;
            }
            size_t got = 0;
            if ((rc = body_read(req, t, c->body + total, c->body_cap - 1 - total, &got))) return rc;
            total += got;
            if (total > max)
                return body_failed(req, wa__error(WA_ETOOBIG, "%s: the body is over the limit of %zu bytes", fn, max));
            if (req->body_state == WA__BODY_DONE) break;
        }
        if (!c->body) {                  /* no body at all: an empty string */
            *body = "";
            if (len) *len = 0;
            return 0;
        }
        c->body[total] = 0;
        req->body = c->body;
        req->body_len = total;
    }
    *body = req->body;
    if (len) *len = req->body_len;
    return 0;
}

const char *wa_http_request_method(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_method") ? "" : req->head.method.p;
}

const char *wa_http_request_target(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_target") ? "" : req->head.target.p;
}

const char *wa_http_request_path(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_path") ? "" : req->path;
}

const char *wa_http_request_query(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_query") ? "" : req->query;
}

int wa_http_request_version(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_version") ? 0 : 10 + req->head.minor;
}

const char *wa_http_request_header(const wa_http_request *req, const char *name) {
    if (bad_request(req, "wa_http_request_header")) return NULL;
    if (!name) return wa__error(WA_EINVAL, "wa_http_request_header: NULL name"), NULL;
    const wa__http_span *v = wa__http_find(&req->head, name);
    return v ? v->p : NULL;
}

size_t wa_http_request_header_count(const wa_http_request *req) {
    return bad_request(req, "wa_http_request_header_count") ? 0 : req->head.header_count;
}

int wa_http_request_header_at(const wa_http_request *req, size_t i, const char **name, const char **value) {
    int rc = bad_request(req, "wa_http_request_header_at");
    if (rc) return rc;
    if (i >= req->head.header_count)
        return wa__error(WA_EINVAL, "wa_http_request_header_at: no header %zu (%zu headers)", i, req->head.header_count);
    if (name) *name = req->head.headers[i].name.p;
    if (value) *value = req->head.headers[i].value.p;
    return 0;
}

int64_t wa_http_request_content_length(const wa_http_request *req) {
    if (bad_request(req, "wa_http_request_content_length")) return -1;
    if (req->head.chunked) return -1;
    return req->head.content_length > 0 ? req->head.content_length : 0;
}

/* ---------------------------------------------------------- connections */

/* The idle timeout, checked lazily: the deadline fires at most once per
 * idle period and is moved on if the connection was busy meanwhile, so a
 * request costs no timer operation. */
static void idle_check(wa__deadline *d, int deferred) {
    (void)deferred;
    wa__http_conn *c = (wa__http_conn *)((char *)d - offsetof(wa__http_conn, idle));
    double now = wa_time();
    if (c->waiting && now - c->since >= c->srv->idle) {
        wa_stream_close(c->s);           /* the task waiting to read ends */
        return;
    }
    double next = (c->waiting ? c->since : now) + c->srv->idle;
    wa__deadline_arm(c->s->loop, d, wa__deadline_ns(next));  /* out of memory: no more checks */
}

/* Reads the next request's head. Returns its length; 0 when the
 * connection ends (the client closed, went idle, or the server closes); or
 * an error, answered already where the client should hear it. */
static int64_t read_head(wa__http_conn *c, wa_task *t) {
    wa_stream *s = c->s;
    c->since = wa_time();
    for (;;) {
        size_t held = s->in_len - s->in_pos;
        if (held) {
            int64_t n = wa__http_parse_head(s->in + s->in_pos, held, 1, c->srv->max_head, &c->req.head);
            if (n > 0) {
                c->req.head_at = s->in + s->in_pos;
                c->req.head_len = (size_t)n;
                s->in_pos += (size_t)n;
                return n;
            }
            if (n < 0) {
                c->req.body_state = WA__BODY_DONE;
                char why[300];
                snprintf(why, sizeof why, "%s", wa_errmsg());
                wa__http_error_response(c, n == WA_ETOOBIG ? 431 : 400, why);
                return n;
            }
        }
        if (s->eof || (c->srv->closing && !held)) return 0;
        int rc = wa__http_flush(c);      /* answers wait no longer than the next request */
        if (rc) return rc;
        c->waiting = 1;
        if (!held) {                     /* answered: the next request is a round trip away, */
            s->waiting++;                /* so wait before receiving rather than after a */
            rc = wa__fd_wait(t, s->fd, WA__FD_READ);  /* receive that finds nothing */
            s->waiting--;
        }
        if (!rc) rc = wa__stream_fill(s, t);
        c->waiting = 0;
        if (rc) return rc == WA_ESTATE ? 0 : rc;  /* closed: idle, or the server closes */
    }
}

/* After the handler: answers for it if it did not, and reads what it left
 * of the body. Returns nonzero when the connection goes on. */
static int finish(wa__http_conn *c, int rc) {
    wa_http_request *req = &c->req;
    wa_http_response *res = &c->res;
    if (res->state == WA__RES_STREAMING) {
        if (rc || wa_http_response_end(res)) return 0;  /* cut short: the client sees it */
    } else if (res->state == WA__RES_NONE) {
        int failed = req->body_state == WA__BODY_FAILED;
        int status = failed && req->body_error == WA_ETOOBIG ? 413 : failed && req->body_error == WA_EPROTO ? 400 : 500;
        wa__http_response_reset(res);
        const char *text = status == 413 ? "Content Too Large\n" : status == 400 ? "Bad Request\n" : "Internal Server Error\n";
        if (wa_http_respond(res, status, "text/plain; charset=utf-8", text, strlen(text))) return 0;
    }
    if (res->close || c->srv->closing || c->s->error) return 0;
    for (size_t dropped = 0, got = 0; req->body_state != WA__BODY_DONE; dropped += got) {
        if (dropped > c->srv->max_body || body_read(req, wa_current_task(), NULL, SIZE_MAX, &got)) return 0;
    }
    return 1;
}

/* Before closing a connection whose client may still be sending (a body
 * left unread, a refused head, more pipelined requests), ends our side and
 * reads what comes for a while: closing with unread bytes would reset the
 * connection, and the client could lose the answer it was sent. */
static void linger(wa__http_conn *c, wa_task *t) {
    wa_stream *s = c->s;
    if (s->state != WA__STREAM_OPEN || s->eof || s->error || wa__http_flush(c) || wa_stream_write_eof(s)) return;
    wa_timeout *tm;
    if (wa_timeout_enter(2.0, &tm)) return;
    int rc = 0;
    for (size_t dropped = 0; !rc && !s->eof && dropped <= c->srv->max_body + c->srv->max_head;) {
        dropped += s->in_len - s->in_pos;
        s->in_pos = s->in_len;
        rc = wa__stream_fill(s, t);
    }
    wa_timeout_exit(tm, rc);
    wa_timeout_free(tm);
}

static void conn_free(wa__http_conn *c) {
    wa_http_server *srv = c->srv;
    if (c->idle.state != WA__IDLE) wa__deadline_disarm(c->s->loop, &c->idle);
    if (c->prev) c->prev->next = c->next;
    else srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->connections--;
    free(c->out);
    free(c->copy);
    free(c->body);
    free(c->path);
    free(c->res.fields);
    free(c);
    if (srv->freed && !srv->connections) wa__retire_object(srv, sizeof *srv);
}

static int serve(wa_stream *s, void *arg) {
    wa_http_server *srv = arg;
    wa__http_conn *c = wa__calloc(1, sizeof *c);
    if (!c) return wa__error(WA_ENOMEM, NULL);
    c->srv = srv;
    c->s = s;
    c->req.obj.kind = WA__HTTP_REQUEST;
    c->res.obj.kind = WA__HTTP_RESPONSE;
    c->req.c = c->res.c = c;
    c->next = srv->conns;
    if (srv->conns) srv->conns->prev = c;
    srv->conns = c;
    srv->connections++;
    c->idle.expire = idle_check;
    if (srv->idle != WA_FOREVER) wa__deadline_arm(s->loop, &c->idle, wa__deadline_ns(wa_time() + srv->idle));
    wa_task *t = wa_current_task();
    int refused = 0;                     /* we end the connection: the client may still be sending */
    while (!srv->closing || s->in_pos < s->in_len) {
        int64_t n = read_head(c, t);
        if (n <= 0) {
            refused = n == WA_EPROTO || n == WA_ETOOBIG;
            break;
        }
        if (prepare(c)) {
            wa__http_error_response(c, 500, "Internal Server Error");
            refused = 1;
            break;
        }
        wa__http_response_reset(&c->res);
        if (s->in_pos == s->in_len && wa__http_flush(c)) break;  /* nothing pipelined: earlier answers go now */
        c->req.live = c->res.live = 1;
        int rc = srv->handler(&c->req, &c->res, srv->arg);
        int go_on = finish(c, rc);
        c->req.live = c->res.live = 0;
        if (!go_on) {
            refused = 1;
            break;
        }
    }
    if (refused) linger(c, t);
    wa__http_flush(c);
    conn_free(c);
    return 0;
}

/* --------------------------------------------------------------- servers */

int wa_http_serve(const char *host, int port, wa_http_handler handler, void *arg, const wa_http_server_options *opts,
                  wa_http_server **out) {
    if (out) *out = NULL;
    if (!handler || !out) return wa__error(WA_EINVAL, "wa_http_serve: NULL handler or out");
    if (opts && (opts->idle_timeout != opts->idle_timeout || opts->idle_timeout < 0))
        return wa__error(WA_EINVAL, "wa_http_serve: a negative or NaN idle_timeout");
    wa_http_server *srv = wa__calloc(1, sizeof *srv);
    if (!srv) return wa__error(WA_ENOMEM, NULL);
    srv->obj.kind = WA__HTTP_SERVER;
    srv->handler = handler;
    srv->arg = arg;
    srv->max_head = opts && opts->max_head ? opts->max_head : MAX_HEAD;
    srv->max_body = opts && opts->max_body ? opts->max_body : MAX_BODY;
    srv->idle = opts && opts->idle_timeout > 0 ? opts->idle_timeout : 5.0;
    int rc = wa_start_server(serve, srv, host, port, opts ? opts->backlog : 0, &srv->tcp);
    if (rc) {
        free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int wa_http_server_port(const wa_http_server *srv) {
    return wa__is(srv, WA__HTTP_SERVER) ? wa_server_port(srv->tcp) : WA__BAD(srv, WA__HTTP_SERVER, "wa_http_server_port", 0);
}

size_t wa_http_server_connections(const wa_http_server *srv) {
    return wa__is(srv, WA__HTTP_SERVER) ? srv->connections : WA__BAD(srv, WA__HTTP_SERVER, "wa_http_server_connections", 0);
}

int wa_http_server_close(wa_http_server *srv) {
    if (!wa__is(srv, WA__HTTP_SERVER)) return wa__bad_object(srv, WA__HTTP_SERVER, "wa_http_server_close");
    if (srv->closing) return 0;
    srv->closing = 1;
    for (wa__http_conn *c = srv->conns; c; c = c->next)
        if (c->waiting && c->s->in_pos == c->s->in_len) wa_stream_close(c->s);
    return wa_server_close(srv->tcp);
}

int wa_http_server_wait_closed(wa_http_server *srv) {
    if (!wa__is(srv, WA__HTTP_SERVER)) return wa__bad_object(srv, WA__HTTP_SERVER, "wa_http_server_wait_closed");
    return wa_server_wait_closed(srv->tcp);
}

int wa_http_server_serve_forever(wa_http_server *srv) {
    if (!wa__is(srv, WA__HTTP_SERVER)) return wa__bad_object(srv, WA__HTTP_SERVER, "wa_http_server_serve_forever");
    int rc = wa_server_serve_forever(srv->tcp);
    if (wa__is(srv, WA__HTTP_SERVER)) wa_http_server_close(srv);
    return rc;
}

int wa_http_server_free(wa_http_server *srv) {
    if (!srv) return 0;
    if (!wa__is(srv, WA__HTTP_SERVER)) return wa__bad_object(srv, WA__HTTP_SERVER, "wa_http_server_free");
    wa_http_server_close(srv);
    wa_server_free(srv->tcp);            /* cancels the connections' tasks; each frees its own */
    srv->tcp = NULL;
    if (!srv->connections) {
        wa__retire_object(srv, sizeof *srv);
        return 0;
    }
    srv->freed = 1;
    srv->obj.kind = WA__RETIRED;
    return 0;
}
