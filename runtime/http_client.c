/* HTTP/1.1 client over the streams, for hosts without an HTTP stack of their
 * own (see http_client.h). The request goes out in one write; the response
 * head and body are parsed in place in the connection's input buffer
 * (http_parse.c), the body copied once, into the reader's buffer, so memory
 * stays at the stream's 64 KiB however long the body. A connection whose
 * body was read to its end, that both sides keep alive, waits in its loop's
 * pool for the next exchange with the same host and port. */
#include "http_client.h"

#include "http_parse.h"
#include "stream.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_HEAD = 64 * 1024,                /* a larger response head is WA_ETOOBIG */
    MAX_TRAILER = 64 * 1024,
    MAX_REDIRECTS = 20,                  /* fetch's limit */
    MAX_IDLE = 64,                       /* pooled connections per loop; the oldest goes first */
    DRAIN_LIMIT = 64 * 1024,             /* a redirect's body up to this is read to keep the connection */
    MAX_HOST = 256,
};

/* Where the body is: its framing, and in chunked bodies the part. */
enum { HEAD_WAIT, BODY_LENGTH, BODY_TO_CLOSE, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, BODY_DONE };

/* An idle connection in the pool. */
typedef struct conn {
    struct conn *next;
    wa_stream *s;
    char key[];                          /* "host:port" */
} conn;

/* A loop's connections: the idle ones, and those exchanges hold. */
typedef struct pool {
    struct pool *next;
    wa__loop *loop;
    conn *idle;                          /* the most recently used first */
    size_t idle_count;
    wa__http_exchange *live;
} pool;

static _Thread_local pool *pools;        /* a loop belongs to one thread */

struct wa__http_exchange {
    pool *pool;                          /* NULL once its loop has closed */
    wa__http_exchange *prev, *next;      /* in pool->live while s is set */
    wa_stream *s;                        /* the connection; NULL once closed or pooled */
    char key[MAX_HOST + 8];              /* its pool key */
    char *url;                           /* the URL asked for, for messages */
    double deadline;                     /* loop time the exchange must end by; 0: none */
    double timeout;
    uint8_t state;                       /* HEAD_WAIT ... BODY_DONE */
    uint8_t reusable;                    /* the connection may carry the next exchange */
    uint8_t scoped;                      /* wa__http_start's timeout scope is open */
    uint8_t reading;                     /* a task is inside wa__http_read */
    uint8_t orphaned;                    /* freed meanwhile: that task frees it */
    uint8_t close_asked;                 /* the request said Connection: close */
    uint64_t left;                       /* bytes left of the body (BODY_LENGTH) or of the chunk */
    uint64_t received;
    int64_t expected;                    /* Content-Length, or -1 */
    int code;                            /* once failed, what every read returns */
    char *msg;
};

/* ---------------------------------------------------------------- the pool */

static pool *pool_of(wa__loop *loop) {
    for (pool *p = pools; p; p = p->next)
        if (p->loop == loop) return p;
    pool *p = wa__calloc(1, sizeof *p);
    if (!p) return NULL;
    p->loop = loop;
    p->next = pools;
    pools = p;
    return p;
}

/* A pooled connection the server has not closed: nothing to read, no end. */
static int still_open(wa_stream *s) {
    if (s->state != WA__STREAM_OPEN || s->eof || s->error || s->in_error) return 0;
    char byte;
    size_t got;
    return wa__host_tcp_recv(s->fd, &byte, 1, &got) == WA__AGAIN;
}

static wa_stream *pool_take(pool *p, const char *key) {
    for (conn **at = &p->idle; *at;) {
        conn *c = *at;
        if (strcmp(c->key, key) != 0) {
            at = &c->next;
            continue;
        }
        *at = c->next;
        p->idle_count--;
        wa_stream *s = c->s;
        free(c);
        if (still_open(s)) return s;
        wa__stream_destroy(s);
    }
    return NULL;
}

static void pool_put(pool *p, const char *key, wa_stream *s) {
    size_t n = strlen(key) + 1;
    conn *c = wa__malloc(sizeof *c + n);
    if (!c) {
        wa__stream_destroy(s);
        return;
    }
    memcpy(c->key, key, n);
    free(s->in);                         /* it is empty: an idle connection holds no buffer */
    s->in = NULL;
    s->in_pos = s->in_len = s->in_cap = 0;
    c->s = s;
    c->next = p->idle;
    p->idle = c;
    if (++p->idle_count <= MAX_IDLE) return;
    conn **last = &p->idle;              /* over the limit: the least recently used goes */
    while ((*last)->next) last = &(*last)->next;
    wa__stream_destroy((*last)->s);
    free(*last);
    *last = NULL;
    p->idle_count--;
}

static void live_add(wa__http_exchange *ex) {
    pool *p = ex->pool;
    ex->prev = NULL;
    ex->next = p->live;
    if (p->live) p->live->prev = ex;
    p->live = ex;
}

static void live_remove(wa__http_exchange *ex) {
    if (!ex->pool) return;
    if (ex->prev) ex->prev->next = ex->next;
    else ex->pool->live = ex->next;
    if (ex->next) ex->next->prev = ex->prev;
}

/* Lets go of the connection: into the pool when keep says it may go and it
 * is clean (the request all sent, nothing more received), else closed. */
static void drop_conn(wa__http_exchange *ex, int keep) {
    wa_stream *s = ex->s;
    if (!s) return;
    live_remove(ex);
    ex->s = NULL;
    if (keep && ex->pool && ex->reusable && !ex->close_asked && s->state == WA__STREAM_OPEN && !s->eof &&
        !s->error && !s->in_error && s->in_pos == s->in_len && s->out_pos == s->out_len)
        pool_put(ex->pool, ex->key, s);
    else
        wa__stream_destroy(s);
}

void wa__http_close_loop(wa__loop *loop) {
    for (pool **at = &pools; *at; at = &(*at)->next) {
        pool *p = *at;
        if (p->loop != loop) continue;
        while (p->idle) {
            conn *c = p->idle;
            p->idle = c->next;
            wa__stream_destroy(c->s);
            free(c);
        }
        while (p->live) {                /* responses not freed: their reads fail */
            wa__http_exchange *ex = p->live;
            p->live = ex->next;
            ex->pool = NULL;
            wa__stream_destroy(ex->s);
            ex->s = NULL;
            if (!ex->code && ex->state != BODY_DONE) {
                ex->code = WA_ECANCELLED;
                ex->msg = wa__strdup("the loop closed during the exchange");
            }
        }
        *at = p->next;
        free(p);
        return;
    }
}

/* ------------------------------------------------------------------ errors */

/* Fails the exchange with the code wa_errmsg() now explains: the connection
 * closes, and every later read returns the same. */
static int fail(wa__http_exchange *ex, int code) {
    if (!ex->code) {
        ex->code = code;
        ex->msg = wa__strdup(wa_errmsg());
    }
    drop_conn(ex, 0);
    return code;
}

/* wa__error(code, "<what> <url>: <the message set now>"): the cause is
 * copied first, as wa_errmsg() is the buffer being written. */
static int because(int code, const char *what, const char *url) {
    char cause[256];
    snprintf(cause, sizeof cause, "%s", wa_errmsg());
    return wa__error(code, "%s %s: %s", what, url, cause);
}

static int timed_out(wa__http_exchange *ex) {
    return fail(ex, wa__error(WA_ETIMEDOUT, "%s timed out after %g s", ex->url, ex->timeout));
}

/* -------------------------------------------------------------------- URLs */

typedef struct http_url {
    char *href;                          /* "http://host[:port]/path?query", owned */
    size_t origin_len;                   /* href[0, origin_len) is "http://host[:port]" */
    char host[MAX_HOST];                 /* to connect to: without an IPv6 address's brackets */
    int port;
} http_url;

/* The length of a URL's "scheme:" (0: it has none). */
static size_t scheme_length(const char *s) {
    if (!isalpha((unsigned char)s[0])) return 0;
    size_t n = 1;
    while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.') n++;
    return s[n] == ':' ? n + 1 : 0;
}

/* Bytes a request target cannot carry as they are. */
static int needs_escape(unsigned char c, int in_path) {
    return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
           (in_path && (c == '`' || c == '{' || c == '}'));
}

/* Removes "." and ".." segments from path[0, n) (it starts with '/') in
 * place; returns the new length. */
static size_t remove_dots(char *path, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && path[j] != '/') j++;
        size_t len = j - i - 1;
        int last = j == n;
        if (len == 1 && path[i + 1] == '.') {
            if (last) path[o++] = '/';
        } else if (len == 2 && path[i + 1] == '.' && path[i + 2] == '.') {
            while (o > 0 && path[o - 1] != '/') o--;
            if (o > 0) o--;
            if (last) path[o++] = '/';
        } else {
            memmove(path + o, path + i, len + 1);
            o += len + 1;
        }
        i = j;
    }
    if (!o) path[o++] = '/';
    return o;
}

static int bad_url(const char *url, const char *why) { return wa__error(WA_EINVAL, "bad URL %s: %s", url, why); }

/* Parses an absolute http: URL into u (u->href then needs freeing). */
static int parse_url(const char *in, http_url *u) {
    u->href = NULL;
    if (wa__scheme_is(in, "https:"))
        return wa__error(WA_ENOTSUP, "cannot fetch %s: TLS is not built in here (https: needs a JS host: node or a browser)", in);
    if (!wa__scheme_is(in, "http:")) {
        size_t n = scheme_length(in);
        if (n) return wa__error(WA_EINVAL, "cannot fetch %.*s URLs: %s", (int)n, in, in);
        return bad_url(in, "not an absolute URL");
    }
    const char *auth = in + 5;
    if (strncmp(auth, "//", 2) != 0) return bad_url(in, "no //host");
    auth += 2;
    size_t alen = strcspn(auth, "/?#");
    const char *aend = auth + alen, *hend;
    if (memchr(auth, '@', alen)) return bad_url(in, "credentials in URLs are not supported");
    size_t hlen;
    if (*auth == '[') {                  /* an IPv6 address */
        const char *close = memchr(auth, ']', alen);
        if (!close) return bad_url(in, "no ] after an IPv6 address");
        for (const char *c = auth + 1; c < close; c++)
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.') return bad_url(in, "bad IPv6 address");
        hlen = (size_t)(close - auth - 1);
        if (hlen == 0 || hlen >= MAX_HOST) return bad_url(in, "bad IPv6 address");
        memcpy(u->host, auth + 1, hlen);
        hend = close + 1;
    } else {
        hend = memchr(auth, ':', alen);
        if (!hend) hend = aend;
        hlen = (size_t)(hend - auth);
        if (hlen == 0) return bad_url(in, "no host");
        if (hlen >= MAX_HOST) return bad_url(in, "the host name is too long");
        for (size_t i = 0; i < hlen; i++) {
            unsigned char c = (unsigned char)auth[i];
            if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c != '~') return bad_url(in, "bad character in the host");
            u->host[i] = (char)tolower(c);
        }
    }
    u->host[hlen] = 0;
    u->port = 80;
    if (hend < aend) {
        if (*hend != ':') return bad_url(in, "bad authority");
        if (hend + 1 < aend) {
            long port = 0;
            for (const char *c = hend + 1; c < aend; c++) {
                if (!isdigit((unsigned char)*c) || (port = port * 10 + (*c - '0')) > 65535) return bad_url(in, "bad port");
            }
            u->port = (int)port;
        }
    }
    const char *rest = aend;
    size_t rest_len = strcspn(rest, "#");
    char *href = wa__malloc(16 + MAX_HOST + 3 * rest_len + 2);
    if (!href) return wa__error(WA_ENOMEM, NULL);
    int at = snprintf(href, 16 + MAX_HOST, "http://%s%s%s", *auth == '[' ? "[" : "", u->host, *auth == '[' ? "]" : "");
    if (u->port != 80) at += snprintf(href + at, 8, ":%d", u->port);
    u->origin_len = (size_t)at;
    size_t o = (size_t)at, path_start = o;
    if (rest_len == 0 || *rest == '?') href[o++] = '/';
    int in_path = 1;
    size_t path_end = 0;
    for (size_t i = 0; i < rest_len; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (c == '?' && in_path) {
            in_path = 0;
            path_end = o;
        }
        if (needs_escape(c, in_path)) o += (size_t)sprintf(href + o, "%%%02X", c);
        else href[o++] = (char)c;
    }
    if (in_path) path_end = o;
    size_t kept = remove_dots(href + path_start, path_end - path_start);
    memmove(href + path_start + kept, href + path_end, o - path_end);
    o -= path_end - path_start - kept;
    href[o] = 0;
    u->href = href;
    return 0;
}

/* A Location against the URL it came from, as an absolute URL (malloc'd). */
static char *resolve(const http_url *base, const char *ref) {
    size_t keep;
    const char *prefix = "";
    const char *target = base->href + base->origin_len;
    if (scheme_length(ref)) keep = 0;
    else if (ref[0] == '/' && ref[1] == '/') keep = 0, prefix = "http:";
    else if (ref[0] == '/') keep = base->origin_len;
    else if (ref[0] == '?') keep = base->origin_len + strcspn(target, "?");
    else if (ref[0] == '#' || !ref[0]) keep = strlen(base->href);
    else {                               /* relative to the last segment */
        size_t path_len = strcspn(target, "?"), slash = 0;
        for (size_t i = 0; i < path_len; i++)
            if (target[i] == '/') slash = i;
        keep = base->origin_len + slash + 1;
    }
    size_t n = strlen(prefix), r = strlen(ref);
    char *out = wa__malloc(n + keep + r + 1);
    if (!out) return NULL;
    memcpy(out, prefix, n);
    memcpy(out + n, base->href, keep);
    memcpy(out + n + keep, ref, r + 1);
    return out;
}

/* --------------------------------------------------------------- requests */

static int is_token(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && !strchr("!#$%&'*+-.^_`|~", c)) return 0;
    }
    return 1;
}

static int same_name(const char *a, const char *lower) {
    for (; *a && *lower; a++, lower++)
        if (tolower((unsigned char)*a) != *lower) return 0;
    return *a == *lower;
}

/* Headers a request gets from the URL, the body or the connection. */
enum { DROP_BODY_HEADERS = 1, DROP_CREDENTIALS = 2 };

static int skipped(const char *name, int drop) {
    if (same_name(name, "content-length")) return 1;
    if ((drop & DROP_BODY_HEADERS) && (same_name(name, "content-type") || same_name(name, "content-encoding") ||
                                       same_name(name, "content-language") || same_name(name, "content-location")))
        return 1;
    return (drop & DROP_CREDENTIALS) &&
           (same_name(name, "authorization") || same_name(name, "cookie") || same_name(name, "proxy-authorization"));
}

static size_t trimmed(const char **v) {
    while (**v == ' ' || **v == '\t') (*v)++;
    size_t n = strlen(*v);
    while (n && ((*v)[n - 1] == ' ' || (*v)[n - 1] == '\t')) n--;
    return n;
}

/* Refuses what cannot go into a request: a method or header name that is
 * not a token, a value with CR or LF, framing that is the client's. */
static int check_request(const char *method, const char *headers, size_t headers_len, int *close_asked) {
    if (!is_token(method, strlen(method))) return wa__error(WA_EINVAL, "wa_fetch: bad method \"%s\"", method);
    if (same_name(method, "connect") || same_name(method, "trace") || same_name(method, "track"))
        return wa__error(WA_EINVAL, "wa_fetch: fetch does not send %s requests", method);
    for (const char *p = headers, *end = headers + headers_len; p < end;) {
        const char *name = p, *value = p + strlen(p) + 1;
        p = value + strlen(value) + 1;
        if (!is_token(name, strlen(name))) return wa__error(WA_EINVAL, "wa_fetch: bad header name \"%s\"", name);
        if (strpbrk(value, "\r\n")) return wa__error(WA_EINVAL, "wa_fetch: the value of header %s has a line break", name);
        if (same_name(name, "transfer-encoding"))
            return wa__error(WA_EINVAL, "wa_fetch: Transfer-Encoding is the client's (bodies go with a Content-Length)");
        if (same_name(name, "connection") && strstr(value, "close")) *close_asked = 1;
    }
    return 0;
}

/* fetch's method names in upper case; others as given. */
static const char *normal_method(const char *m) {
    static const char *const known[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        char lower[8];
        size_t n = strlen(known[i]);
        for (size_t k = 0; k <= n; k++) lower[k] = (char)tolower((unsigned char)known[i][k]);
        if (same_name(m, lower)) return known[i];
    }
    return m;
}

static int idempotent(const char *m) {
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") || !strcmp(m, "PUT") || !strcmp(m, "DELETE");
}

/* The request's head (and a small body) in one buffer, written at once. */
static int send_request(wa__http_exchange *ex, const http_url *u, const char *method, const char *headers,
                        size_t headers_len, int drop, const void *body, size_t body_len) {
    const char *target = u->href + u->origin_len, *host = u->href + 7;
    int has_host = 0, with_length = body_len || !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    for (const char *p = headers, *end = headers + headers_len; p < end; p += strlen(p) + 1, p += strlen(p) + 1)
        has_host |= same_name(p, "host");
    size_t inline_body = body_len <= 16 * 1024 ? body_len : 0;
    size_t cap = strlen(method) + strlen(target) + (u->origin_len - 7) + headers_len + 4 * (headers_len / 2 + 1) + 96 + inline_body;
    char *req = wa__malloc(cap), *o = req;
    if (!req) return wa__error(WA_ENOMEM, NULL);
    o += sprintf(o, "%s %s HTTP/1.1\r\n", method, target);
    if (!has_host) o += sprintf(o, "Host: %.*s\r\n", (int)(u->origin_len - 7), host);
    for (const char *p = headers, *end = headers + headers_len; p < end;) {
        const char *name = p, *value = p + strlen(p) + 1;
        p = value + strlen(value) + 1;
        if (skipped(name, drop)) continue;
        size_t vn = trimmed(&value);
        o += sprintf(o, "%s: %.*s\r\n", name, (int)vn, value);
    }
    if (with_length) o += sprintf(o, "Content-Length: %zu\r\n", body_len);
    memcpy(o, "\r\n", 2);
    o += 2;
    if (inline_body) memcpy(o, body, inline_body), o += inline_body;
    int rc = wa_stream_write(ex->s, req, (size_t)(o - req));
    free(req);
    if (rc == 0 && body_len && !inline_body) rc = wa_stream_write(ex->s, body, body_len);
    return rc;
}

/* ---------------------------------------------------------------- responses */

typedef struct head_info {
    int status;
    int64_t content_length;
    uint8_t chunked, keep_alive;
    char *block;                         /* "name\0value\0" * count, malloc'd */
    size_t count;
    char *location;                      /* a redirect's Location, malloc'd */
} head_info;

static int is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

/* Parses the response head in s's buffer if it is all there: its length, 0
 * when more is needed, or WA_EPROTO / WA_ETOOBIG / WA_ENOMEM. Kept out of
 * line: the parser's head (some KiB) must not stay in the frames a
 * suspended task keeps. */
static __attribute__((noinline)) int64_t parse_response(wa_stream *s, head_info *out) {
    wa__http_head h;
    int64_t n = wa__http_parse_head(s->in + s->in_pos, s->in_len - s->in_pos, 0, MAX_HEAD, &h);
    if (n <= 0) return n;
    out->status = h.status;
    out->content_length = h.content_length;
    out->chunked = h.chunked;
    out->keep_alive = h.keep_alive;
    out->block = out->location = NULL;
    out->count = 0;
    if (h.status < 200) return n;        /* an interim response: nothing of it is kept */
    size_t size = 1;
    for (size_t i = 0; i < h.header_count; i++) size += h.headers[i].name.n + h.headers[i].value.n + 2;
    char *block = wa__malloc(size), *o = block;
    if (!block) return wa__error(WA_ENOMEM, NULL);
    for (size_t i = 0; i < h.header_count; i++) {
        const wa__http_header *f = &h.headers[i];
        memcpy(o, f->name.p, f->name.n);
        o[f->name.n] = 0;
        o += f->name.n + 1;
        memcpy(o, f->value.p, f->value.n);
        o[f->value.n] = 0;
        o += f->value.n + 1;
    }
    *o = 0;
    const wa__http_span *loc = is_redirect(h.status) ? wa__http_find(&h, "location") : NULL;
    if (loc && !(out->location = wa__malloc(loc->n + 1))) {
        free(block);
        return wa__error(WA_ENOMEM, NULL);
    }
    if (loc) memcpy(out->location, loc->p, loc->n), out->location[loc->n] = 0;
    out->block = block;
    out->count = h.header_count;
    return n;
}

/* Waits for more bytes on the connection, within the exchange's deadline. */
static int more(wa__http_exchange *ex, wa_task *t) {
    if (ex->scoped || !ex->deadline) return wa__stream_fill(ex->s, t);
    wa_timeout *tm;
    int rc = wa_timeout_enter_at(ex->deadline, &tm);
    if (rc) return rc;
    rc = wa__stream_fill(ex->s, t);
    rc = wa_timeout_exit(tm, rc);
    wa_timeout_free(tm);
    return rc;
}

enum { STALE = 1 };                      /* a reused connection that was closed: try a new one */

/* Reads the final response head (interim 1xx ones are skipped). */
static int read_head(wa__http_exchange *ex, wa_task *t, int reused, head_info *h) {
    int any = 0;                         /* some byte of a response came */
    for (;;) {
        wa_stream *s = ex->s;
        int64_t n = parse_response(s, h);
        if (n == WA_ETOOBIG)
            return fail(ex, wa__error(WA_ETOOBIG, "the response head from %s is larger than %d KiB", ex->url, MAX_HEAD / 1024));
        if (n == WA_ENOMEM) return fail(ex, WA_ENOMEM);
        if (n < 0) return fail(ex, because((int)n, "malformed response from", ex->url));
        if (n > 0) {
            s->in_pos += (size_t)n;
            any = 1;
            if (h->status == 101) return fail(ex, wa__error(WA_EPROTO, "%s switched protocols unasked (101)", ex->url));
            if (h->status >= 200) return 0;
            continue;
        }
        size_t held = s->in_len - s->in_pos;
        int rc = more(ex, t);
        if (rc == WA_ECANCELLED || rc == WA_ETIMEDOUT || rc == WA_ENOMEM) return rc;
        if (rc || (s->eof && s->in_len - s->in_pos == held)) {
            if (reused && !any && !held) return STALE;
            if (rc) return fail(ex, because(WA_ERESET, "the connection was reset:", ex->url));
            return fail(ex, wa__error(WA_ERESET, "the connection to %s closed before a whole response head came", ex->url));
        }
    }
}

/* The body ended: the connection goes back to the pool if it may. */
static void body_done(wa__http_exchange *ex) {
    ex->state = BODY_DONE;
    drop_conn(ex, 1);
}

/* The exchange with one URL on one connection: a pooled one first, and for
 * a request that may be repeated, a new one if the pooled one was closed. */
static int exchange(wa__http_exchange *ex, wa_task *t, const http_url *u, const char *method, const char *headers,
                    size_t headers_len, int drop, const void *body, size_t body_len, head_info *h) {
    snprintf(ex->key, sizeof ex->key, "%s:%d", u->host, u->port);
    ex->state = HEAD_WAIT;
    for (int attempt = 0;; attempt++) {
        int reused = 0, rc = 0;
        if (attempt == 0 && (ex->s = pool_take(ex->pool, ex->key))) reused = 1;
        else if ((rc = wa_open_connection(u->host, u->port, 0, &ex->s)) != 0) return rc;
        live_add(ex);
        ex->reusable = 0;
        rc = send_request(ex, u, method, headers, headers_len, drop, body, body_len);
        if (rc && rc != WA_ENOMEM) rc = reused ? STALE : fail(ex, because(WA_ERESET, "sending failed:", ex->url));
        if (rc == 0) rc = read_head(ex, t, reused, h);
        if (rc == STALE && idempotent(method)) {
            drop_conn(ex, 0);
            continue;
        }
        if (rc == STALE)
            return fail(ex, wa__error(WA_ERESET, "the kept-alive connection to %s closed before answering (a %s is not retried)",
                                      ex->url, method));
        if (rc) return rc;
        int no_body = !strcmp(method, "HEAD") || h->status == 204 || h->status == 304;
        ex->reusable = h->keep_alive;
        ex->expected = h->content_length;
        ex->received = 0;
        if (no_body) ex->state = BODY_DONE;
        else if (h->chunked) ex->state = CHUNK_SIZE;
        else if (h->content_length >= 0) ex->state = BODY_LENGTH, ex->left = (uint64_t)h->content_length;
        else ex->state = BODY_TO_CLOSE, ex->reusable = 0;
        if (ex->state == BODY_DONE || (ex->state == BODY_LENGTH && !ex->left)) body_done(ex);
        return 0;
    }
}

static int body_read(wa__http_exchange *ex, wa_task *t, char *buf, size_t cap, size_t *got);

/* A redirect's body is read away to keep its connection, if short. Returns
 * 0, or WA_ECANCELLED / WA_ENOMEM (a broken body does not fail the fetch). */
static int skip_body(wa__http_exchange *ex, wa_task *t) {
    int rc = 0;
    if (ex->state == BODY_TO_CLOSE || (ex->state == BODY_LENGTH && ex->left > DRAIN_LIMIT)) {
        drop_conn(ex, 0);
        return 0;
    }
    char scratch[512];
    size_t total = 0, got = 1;
    while (ex->state != BODY_DONE && total <= DRAIN_LIMIT && got && (rc = body_read(ex, t, scratch, sizeof scratch, &got)) == 0)
        total += got;
    if (ex->code) {
        free(ex->msg);
        ex->msg = NULL;
        ex->code = rc = 0;
    }
    drop_conn(ex, ex->state == BODY_DONE);
    return rc;
}

int wa__http_start(wa_response *r, const char *url, const char *method, const char *headers, size_t headers_len,
                   const void *body, size_t body_len, double timeout, int redirect, wa__http_exchange **out) {
    wa_task *t = wa__running("wa_fetch");
    if (!t) return WA_ENOTASK;
    http_url u;
    int close_asked = 0;
    method = normal_method(method);
    int rc = check_request(method, headers, headers_len, &close_asked);
    if (rc == 0) rc = parse_url(url, &u);
    if (rc) return rc;
    wa__http_exchange *ex = wa__calloc(1, sizeof *ex);
    if (!ex || !(ex->url = wa__strdup(url)) || !(ex->pool = pool_of(t->fut.loop))) {
        if (ex) free(ex->url);
        free(ex);
        free(u.href);
        return wa__error(WA_ENOMEM, NULL);
    }
    ex->close_asked = (uint8_t)close_asked;
    ex->expected = -1;
    ex->timeout = timeout;
    wa_timeout *tm = NULL;
    if (timeout > 0) {
        ex->deadline = wa_time() + timeout;
        if ((rc = wa_timeout_enter_at(ex->deadline, &tm)) == 0) ex->scoped = 1;
    }
    int drop = 0;
    head_info h = {0};
    for (int hops = 0; rc == 0; hops++) {
        rc = exchange(ex, t, &u, method, headers, headers_len, drop, body, body_len, &h);
        if (rc || !h.location || redirect == WA_REDIRECT_MANUAL) break;
        if (redirect == WA_REDIRECT_ERROR)
            rc = fail(ex, wa__error(WA_EHTTP, "refused redirect (%d) to %s", h.status, h.location));
        else if (hops == MAX_REDIRECTS)
            rc = fail(ex, wa__error(WA_EHTTP, "more than %d redirects from %s", MAX_REDIRECTS, url));
        char *next = rc ? NULL : resolve(&u, h.location);
        http_url to = {.href = NULL};
        if (!rc && !next) rc = wa__error(WA_ENOMEM, NULL);
        else if (!rc && (rc = parse_url(next, &to)) != 0)
            rc = fail(ex, because(rc == WA_ENOMEM ? rc : WA_EPROTO, "bad redirect from", u.href));
        free(next);
        if (rc || (rc = skip_body(ex, t)) != 0) {
            free(to.href);
            break;
        }
        if (h.status == 303 ? strcmp(method, "HEAD") != 0 : h.status <= 302 && !strcmp(method, "POST")) {
            method = "GET";              /* as fetch does: the body stays behind */
            body = NULL;
            body_len = 0;
            drop |= DROP_BODY_HEADERS;
        }
        if (to.origin_len != u.origin_len || memcmp(to.href, u.href, u.origin_len) != 0) drop |= DROP_CREDENTIALS;
        free(u.href);
        u = to;
        free(h.block);
        free(h.location);
        h = (head_info){0};
    }
    if (tm) {
        rc = wa_timeout_exit(tm, rc);
        wa_timeout_free(tm);
        ex->scoped = 0;
        if (rc == WA_ETIMEDOUT) rc = timed_out(ex);
    }
    free(h.location);
    if (rc == 0) {
        char *final = wa__strdup(u.href);
        if (final) {
            wa__fetch_headers(r, h.status, final, h.block, h.count);
            h.block = NULL;
        } else {
            rc = wa__error(WA_ENOMEM, NULL);
        }
    }
    free(h.block);
    free(u.href);
    if (rc) {
        char *msg = wa__strdup(wa_errmsg());   /* the message outlives the exchange */
        wa__http_free(ex);
        if (msg) wa__error(rc, "%s", msg);
        free(msg);
        return rc;
    }
    *out = ex;
    return 0;
}

/* ------------------------------------------------------------------ bodies */

static int body_read(wa__http_exchange *ex, wa_task *t, char *buf, size_t cap, size_t *got) {
    *got = 0;
    for (;;) {
        wa_stream *s = ex->s;
        size_t held = s->in_len - s->in_pos;
        const char *p = s->in + s->in_pos;
        switch (ex->state) {
        case HEAD_WAIT:                  /* not reached: reads come after the head */
        case BODY_DONE:
            return 0;
        case BODY_LENGTH:
        case BODY_TO_CLOSE:
        case CHUNK_DATA:
            if (!held) break;
            size_t n = held < cap ? held : cap;
            if (ex->state != BODY_TO_CLOSE && n > ex->left) n = (size_t)ex->left;
            memcpy(buf, p, n);
            s->in_pos += n;
            ex->received += n;
            *got = n;
            if (ex->state != BODY_TO_CLOSE && !(ex->left -= n)) {
                if (ex->state == BODY_LENGTH) body_done(ex);
                else ex->state = CHUNK_END;
            }
            return 0;
        case CHUNK_SIZE: {
            uint64_t size;
            int64_t k = wa__http_parse_chunk_size(p, held, &size);
            if (k < 0) return fail(ex, because(WA_EPROTO, "malformed chunked body from", ex->url));
            if (k == 0) break;
            s->in_pos += (size_t)k;
            ex->state = size ? CHUNK_DATA : TRAILER;
            ex->left = size;
            continue;
        }
        case CHUNK_END:
            if (held && (p[0] != '\r' || (held > 1 && p[1] != '\n')))
                return fail(ex, wa__error(WA_EPROTO, "malformed chunked body from %s: no CRLF after a chunk", ex->url));
            if (held < 2) break;
            s->in_pos += 2;
            ex->state = CHUNK_SIZE;
            continue;
        case TRAILER: {
            int64_t k = wa__http_parse_trailer(p, held, MAX_TRAILER);
            if (k < 0) return fail(ex, because((int)k, "bad trailer from", ex->url));
            if (k == 0) break;
            s->in_pos += (size_t)k;
            body_done(ex);
            return 0;
        }
        }
        int rc = more(ex, t);
        if (ex->orphaned) return WA_ESTATE;
        if (rc == WA_ECANCELLED || rc == WA_ENOMEM) return rc;
        if (rc == WA_ETIMEDOUT) return timed_out(ex);
        if (rc == 0 && !(s->eof && s->in_len - s->in_pos == held)) continue;
        if (ex->state == BODY_TO_CLOSE && rc == 0) {   /* its end is the body's */
            body_done(ex);
            return 0;
        }
        if (ex->state == BODY_LENGTH)
            return fail(ex, wa__error(WA_ETRUNCATED, "the body from %s ended after %llu of %lld bytes", ex->url,
                                      (unsigned long long)ex->received, (long long)ex->expected));
        if (rc) return fail(ex, because(WA_ERESET, "the connection was reset:", ex->url));
        return fail(ex, wa__error(WA_ERESET, "the connection to %s closed in the middle of the body", ex->url));
    }
}

int wa__http_read(wa__http_exchange *ex, void *buf, size_t cap, size_t *got, int *gone) {
    *got = 0;
    *gone = 0;
    if (ex->code) return wa__error(ex->code, "%s", ex->msg ? ex->msg : wa_strerror(ex->code));
    if (ex->state == BODY_DONE || !cap) return 0;
    wa_task *t = wa__running("wa_response_read");
    if (!t) return WA_ENOTASK;
    if (ex->deadline && wa_time() >= ex->deadline) return timed_out(ex);
    ex->reading = 1;
    int rc = body_read(ex, t, buf, cap, got);
    ex->reading = 0;
    if (!ex->orphaned) return rc;
    *gone = 1;
    *got = 0;
    wa__http_free(ex);
    return wa__error(WA_ESTATE, "the response was freed while tasks read it");
}

int wa__http_done(const wa__http_exchange *ex) { return ex->state == BODY_DONE && !ex->code; }

int wa__http_busy(const wa__http_exchange *ex) { return ex->reading; }

void wa__http_free(wa__http_exchange *ex) {
    if (!ex) return;
    if (ex->reading) {                   /* the reader wakes with WA_ESTATE and frees it */
        ex->orphaned = 1;
        if (ex->s) wa_stream_close(ex->s);
        return;
    }
    drop_conn(ex, ex->state == BODY_DONE);
    free(ex->url);
    free(ex->msg);
    free(ex);
}
