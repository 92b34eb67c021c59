/* Streams: a TCP connection's reader and writer (asyncio's StreamReader and
 * StreamWriter in one object), or a WebSocket's where the host has them.
 * Reads pull from the socket on demand into the input buffer, so a
 * cancelled read loses nothing; writes go out at once as far as the socket
 * takes them, the rest from the output buffer whenever the loop finds the
 * socket writable. The socket calls are the host's. */
#include "stream.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHUNK = 64 * 1024 };              /* the most one receive asks for */

static int stream_error(const wa_stream *s, const char *fn) {
    return wa__error(s->error, "%s: %s", fn, s->lost ? s->lost : wa_strerror(s->error));
}

/* Records that the connection failed (the message is wa_errmsg's): nothing
 * more goes out, and whoever waits for the output hears of it. */
static void lose(wa_stream *s, int code) {
    if (!s->error) {
        s->error = code;
        s->lost = wa__strdup(wa_errmsg());
    }
    s->out_pos = s->out_len = 0;
}

static void finish_close(wa_stream *s);

/* Sends from the output buffer; arms the loop to call again while some is left. */
static void flush(void *ctx) {
    wa_stream *s = ctx;
    s->flushing = 0;
    while (!s->error && s->out_pos < s->out_len) {
        size_t sent = 0;
        int rc = wa__host_tcp_send(s->fd, s->out + s->out_pos, s->out_len - s->out_pos, &sent);
        if (rc == WA__AGAIN) break;
        if (rc) lose(s, rc);
        else s->out_pos += sent;
    }
    size_t left = s->out_len - s->out_pos;
    if (!left) s->out_pos = s->out_len = 0;
    else if (!s->error) {
        if (wa__fd_arm(s->loop, s->fd, WA__FD_WRITE, flush, s) == 0) s->flushing = 1;
        else lose(s, WA_ENOMEM);
    }
    if (s->paused && (s->error || left <= s->low)) {
        s->paused = 0;
        wa__waitq_wake_all(&s->drainers, s->error);
    }
    if (s->error || !left) {
        if (s->eof_wanted && !s->eof_sent && !s->error) {
            s->eof_sent = 1;
            int rc = wa__host_tcp_shutdown(s->fd);
            if (rc) lose(s, rc);
        }
        if (s->state == WA__STREAM_CLOSING) finish_close(s);
    }
}

static void finish_close(wa_stream *s) {
    if (s->flushing) s->flushing = 0;
    wa__fd_forget(s->loop, s->fd, WA_ESTATE);
    wa__host_tcp_close(s->fd);
    s->fd = -1;
    s->state = WA__STREAM_CLOSED;
    wa__waitq_wake_all(&s->drainers, s->error ? s->error : WA_ESTATE);
    wa__waitq_wake_all(&s->closers, s->error);
}

wa_stream *wa__stream_new(wa__loop *loop, int fd) {
    wa_stream *s = wa__calloc(1, sizeof *s);
    if (!s) return NULL;
    s->obj.kind = WA__STREAM;
    s->loop = loop;
    s->fd = fd;
    s->limit = WA_STREAM_LIMIT;
    s->high = WA_STREAM_HIGH_WATER;
    s->low = WA_STREAM_LOW_WATER;
    return s;
}

void wa__stream_destroy(wa_stream *s) {
    if (s->state != WA__STREAM_CLOSED) {
        wa__fd_forget(s->loop, s->fd, WA_ESTATE);
        wa__host_tcp_close(s->fd);
    }
    free(s->in);
    free(s->out);
    free(s->lost);
    free(s->in_lost);
    wa__retire_object(s, sizeof *s);
}

/* The length of host's URL scheme and "://" (0: a plain host name). */
static size_t scheme_length(const char *host) {
    size_t n = 0;
    while (isalnum((unsigned char)host[n]) || host[n] == '+' || host[n] == '-' || host[n] == '.') n++;
    return n && isalpha((unsigned char)host[0]) && strncmp(host + n, "://", 3) == 0 ? n + 3 : 0;
}

static int is_scheme(const char *host, size_t len, const char *scheme) {
    if (len != strlen(scheme) + 3) return 0;
    for (size_t i = 0; scheme[i]; i++)
        if (tolower((unsigned char)host[i]) != scheme[i]) return 0;
    return 1;
}

int wa_open_connection(const char *host, int port, double timeout, wa_stream **out) {
    if (out) *out = NULL;
    wa_task *t = wa__running("wa_open_connection");
    if (!t) return WA_ENOTASK;
    if (!host || !out || port < 0 || port > 65535 || timeout != timeout)
        return wa__error(WA_EINVAL, "wa_open_connection: NULL host or out, or a bad port or timeout");
    size_t scheme = scheme_length(host);
    int websocket = is_scheme(host, scheme, "ws") || is_scheme(host, scheme, "wss");
    if (scheme && !websocket)
        return wa__error(WA_EINVAL, "wa_open_connection: %s: the only URLs it opens are ws: and wss: (WebSockets)", host);
    if (websocket && !wa__host_websockets)
        return wa__error(WA_ENOTSUP, "wa_open_connection: %s: WebSockets need a JS host (browsers, or node with "
                         "WebSocket); this host connects over TCP to a host name and port", host);
    int fd = -1;
    int rc = wa__host_tcp_connect(host, port, &fd);
    wa_stream *s = NULL;
    if (rc == 0 && !(s = wa__stream_new(t->fut.loop, fd))) {
        wa__host_tcp_close(fd);
        rc = wa__error(WA_ENOMEM, NULL);
    }
    if (s) s->websocket = (uint8_t)websocket;
    wa_timeout *tm = NULL;
    if (rc == 0 && timeout > 0) rc = wa_timeout_enter(timeout, &tm);
    if (rc == 0) {
        s->waiting++;
        rc = wa__fd_wait(t, fd, WA__FD_WRITE);
        s->waiting--;
        if (rc == 0) rc = wa__host_tcp_connected(fd);
    }
    if (tm) {
        rc = wa_timeout_exit(tm, rc);
        wa_timeout_free(tm);
    }
    if (rc == 0) {
        *out = s;
        return 0;
    }
    if (s) wa__stream_destroy(s);
    if (rc == WA_ECANCELLED || rc == WA_ENOMEM) return rc;
    char why[200];
    snprintf(why, sizeof why, "%s", rc == WA_ETIMEDOUT ? "timed out" : wa_errmsg());
    if (websocket && !port) return wa__error(rc, "cannot connect to %s: %s", host, why);
    return wa__error(rc, "cannot connect to %s port %d: %s", host, port, why);
}

/* ------------------------------------------------------------------ reading */

static int usable(const wa_stream *s, const char *fn, int reading) {
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, fn);
    if (s->state != WA__STREAM_OPEN) return wa__error(WA_ESTATE, "%s: the stream is closed", fn);
    if (reading && s->in_error) return wa__error(s->in_error, "%s: %s", fn, s->in_lost ? s->in_lost : wa_strerror(s->in_error));
    return 0;
}

/* Receives what the socket has into the input buffer, waiting until there is
 * something or the peer has ended (eof). Keeps room for want bytes in all. */
static int fill(wa_stream *s, wa_task *t, size_t want, const char *fn) {
    if (s->in_pos && s->in_pos == s->in_len) s->in_pos = s->in_len = 0;
    size_t held = s->in_len - s->in_pos;
    size_t need = held + (want > held ? want - held : 0);
    if (need < held + CHUNK) need = held + CHUNK;
    if (s->in_cap - s->in_pos < need) {
        if (s->in_pos) {                 /* move what is held to the front first */
            memmove(s->in, s->in + s->in_pos, held);
            s->in_pos = 0;
            s->in_len = held;
        }
        if (s->in_cap < need) {
            char *in = wa__realloc(s->in, need);
            if (!in) return wa__error(WA_ENOMEM, NULL);
            s->in = in;
            s->in_cap = need;
        }
    }
    for (;;) {
        size_t got = 0;
        size_t room = s->in_cap - s->in_len;
        int rc = wa__host_tcp_recv(s->fd, s->in + s->in_len, room < CHUNK ? room : CHUNK, &got);
        if (rc == 0) {
            if (got) s->in_len += got;
            else s->eof = 1;
            return 0;
        }
        if (rc != WA__AGAIN) {
            s->in_error = rc;            /* the bytes held stay readable first */
            s->in_lost = wa__strdup(wa_errmsg());
            return rc;
        }
        s->waiting++;
        rc = wa__fd_wait(t, s->fd, WA__FD_READ);
        s->waiting--;
        if (rc == WA_ESTATE) return wa__error(WA_ESTATE, "%s: the stream was closed", fn);
        if (rc) return rc;
    }
}

int wa__stream_fill(wa_stream *s, wa_task *t) {
    int rc = usable(s, "wa_stream_read", 1);
    return rc || s->eof ? rc : fill(s, t, 0, "wa_stream_read");
}

static void take(wa_stream *s, void *buf, size_t n) {
    memcpy(buf, s->in + s->in_pos, n);
    s->in_pos += n;
}

int wa_stream_read(wa_stream *s, void *buf, size_t cap, size_t *got) {
    if (got) *got = 0;
    wa_task *t = wa__running("wa_stream_read");
    if (!t) return WA_ENOTASK;
    int rc = usable(s, "wa_stream_read", 0);
    if (rc) return rc;
    if (!got || (cap && !buf)) return wa__error(WA_EINVAL, "wa_stream_read: NULL buf or got");
    while (s->in_pos == s->in_len && !s->eof && cap) {
        if (s->in_error) return usable(s, "wa_stream_read", 1);
        if ((rc = fill(s, t, 0, "wa_stream_read"))) return rc;
    }
    size_t n = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
    take(s, buf, n);
    *got = n;
    return 0;
}

int wa_stream_readexactly(wa_stream *s, void *buf, size_t n) {
    wa_task *t = wa__running("wa_stream_readexactly");
    if (!t) return WA_ENOTASK;
    int rc = usable(s, "wa_stream_readexactly", 0);
    if (rc) return rc;
    if (n && !buf) return wa__error(WA_EINVAL, "wa_stream_readexactly: NULL buf");
    while (s->in_len - s->in_pos < n) {
        if (s->eof)
            return wa__error(WA_ETRUNCATED, "wa_stream_readexactly: the stream ended after %zu of %zu bytes",
                             s->in_len - s->in_pos, n);
        if (s->in_error) return usable(s, "wa_stream_readexactly", 1);
        if ((rc = fill(s, t, n, "wa_stream_readexactly"))) return rc;
    }
    take(s, buf, n);
    return 0;
}

static int readuntil(wa_stream *s, const void *sep, size_t sep_len, void *buf, size_t cap, size_t *got,
                     const char *fn) {
    if (got) *got = 0;
    wa_task *t = wa__running(fn);
    if (!t) return WA_ENOTASK;
    int rc = usable(s, fn, 0);
    if (rc) return rc;
    if (!sep || !sep_len || !buf || !got) return wa__error(WA_EINVAL, "%s: NULL or empty separator, NULL buf or got", fn);
    size_t limit = cap < s->limit ? cap : s->limit;
    size_t scanned = 0;                  /* bytes from in_pos known to hold no separator start */
    for (;;) {
        size_t held = s->in_len - s->in_pos;
        const char *from = s->in + s->in_pos;
        for (size_t i = scanned; i + sep_len <= held; i++) {
            if (memcmp(from + i, sep, sep_len) != 0) continue;
            size_t n = i + sep_len;
            if (n > limit)
                return wa__error(WA_ETOOBIG, "%s: the separator comes after %zu bytes, over the limit of %zu", fn, n, limit);
            take(s, buf, n);
            *got = n;
            return 0;
        }
        scanned = held >= sep_len ? held - sep_len + 1 : 0;
        if (held >= limit)
            return wa__error(WA_ETOOBIG, "%s: no separator in the first %zu bytes (the limit)", fn, limit);
        if (s->eof) return wa__error(WA_ETRUNCATED, "%s: the stream ended before a separator (%zu bytes held)", fn, held);
        if (s->in_error) return usable(s, fn, 1);
        if ((rc = fill(s, t, 0, fn))) return rc;
    }
}

int wa_stream_readuntil(wa_stream *s, const void *sep, size_t sep_len, void *buf, size_t cap, size_t *got) {
    return readuntil(s, sep, sep_len, buf, cap, got, "wa_stream_readuntil");
}

int wa_stream_readline(wa_stream *s, void *buf, size_t cap, size_t *got) {
    int rc = readuntil(s, "\n", 1, buf, cap, got, "wa_stream_readline");
    if (rc != WA_ETRUNCATED) return rc;
    size_t n = s->in_len - s->in_pos;    /* at the end: the last, unterminated line */
    take(s, buf, n);
    *got = n;
    return 0;
}

size_t wa_stream_buffered(const wa_stream *s) {
    return wa__is(s, WA__STREAM) ? s->in_len - s->in_pos : WA__BAD(s, WA__STREAM, "wa_stream_buffered", 0);
}

int wa_stream_at_eof(const wa_stream *s) {
    if (!wa__is(s, WA__STREAM)) return WA__BAD(s, WA__STREAM, "wa_stream_at_eof", 0);
    return s->eof && s->in_pos == s->in_len;
}

/* ------------------------------------------------------------------ writing */

static int writable(const wa_stream *s, const char *fn) {
    int rc = usable(s, fn, 0);
    if (rc) return rc;
    if (s->error) return stream_error(s, fn);
    if (s->eof_wanted) return wa__error(WA_ESTATE, "%s: this side of the stream has ended (write_eof)", fn);
    return 0;
}

int wa_stream_write(wa_stream *s, const void *data, size_t len) {
    int rc = writable(s, "wa_stream_write");
    if (rc) return rc;
    if (len && !data) return wa__error(WA_EINVAL, "wa_stream_write: NULL data");
    const char *p = data;
    if (s->out_pos == s->out_len) {      /* nothing queued: straight to the socket */
        while (len) {
            size_t sent = 0;
            rc = wa__host_tcp_send(s->fd, p, len, &sent);
            if (rc == WA__AGAIN) break;
            if (rc) {
                lose(s, rc);
                return stream_error(s, "wa_stream_write");
            }
            p += sent;
            len -= sent;
        }
        if (!len) return 0;
    }
    if (s->out_cap - s->out_len < len) {
        if (s->out_pos) {                /* move the unsent part to the front first */
            memmove(s->out, s->out + s->out_pos, s->out_len - s->out_pos);
            s->out_len -= s->out_pos;
            s->out_pos = 0;
        }
        if (wa__bytes_reserve(&s->out, &s->out_cap, s->out_len, len, 4096)) return WA_ENOMEM;
    }
    memcpy(s->out + s->out_len, p, len);
    s->out_len += len;
    if (s->out_len - s->out_pos > s->high) s->paused = 1;
    if (!s->flushing) {
        if (wa__fd_arm(s->loop, s->fd, WA__FD_WRITE, flush, s) != 0) return wa__error(WA_ENOMEM, NULL);
        s->flushing = 1;
    }
    return 0;
}

size_t wa_stream_write_buffered(const wa_stream *s) {
    return wa__is(s, WA__STREAM) ? s->out_len - s->out_pos : WA__BAD(s, WA__STREAM, "wa_stream_write_buffered", 0);
}

/* Parks the running task t in q until the stream wakes it with a code. */
static int wait_in(wa_stream *s, wa__waitq *q, wa_task *t) {
    s->waiting++;
    int rc = wa__waitq_wait(q, t);
    s->waiting--;
    return rc;
}

int wa_stream_drain(wa_stream *s) {
    wa_task *t = wa__running("wa_stream_drain");
    if (!t) return WA_ENOTASK;
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_drain");
    if (s->error) return stream_error(s, "wa_stream_drain");
    if (!s->paused) return 0;
    int rc = wait_in(s, &s->drainers, t);
    return rc && s->error ? stream_error(s, "wa_stream_drain") : rc;
}

int wa_stream_set_limits(wa_stream *s, size_t read_limit, size_t high_water, size_t low_water) {
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_set_limits");
    size_t high = high_water ? high_water : s->high, low = low_water ? low_water : s->low;
    if (low > high) return wa__error(WA_EINVAL, "wa_stream_set_limits: low water %zu over high water %zu", low, high);
    if (read_limit) s->limit = read_limit;
    s->high = high;
    s->low = low;
    return 0;
}

int wa_stream_write_eof(wa_stream *s) {
    int rc = writable(s, "wa_stream_write_eof");
    if (rc) return rc;
    if (s->websocket)                    /* closing instead would drop what the peer still sends */
        return wa__error(WA_ENOTSUP, "wa_stream_write_eof: a WebSocket has no half-close (close the stream instead)");
    s->eof_wanted = 1;
    if (s->out_pos < s->out_len) return 0;   /* the flush ends it after the last byte */
    s->eof_sent = 1;
    if ((rc = wa__host_tcp_shutdown(s->fd))) lose(s, rc);
    return rc ? stream_error(s, "wa_stream_write_eof") : 0;
}

int wa_stream_close(wa_stream *s) {
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_close");
    if (s->state != WA__STREAM_OPEN) return 0;
    s->state = WA__STREAM_CLOSING;
    wa__fd_forget(s->loop, s->fd, WA_ESTATE);  /* readers resume with WA_ESTATE */
    s->flushing = 0;
    if (s->error || s->out_pos == s->out_len) finish_close(s);
    else if (wa__fd_arm(s->loop, s->fd, WA__FD_WRITE, flush, s) == 0) s->flushing = 1;
    else {
        lose(s, wa__error(WA_ENOMEM, NULL));
        finish_close(s);
    }
    return 0;
}

int wa_stream_wait_closed(wa_stream *s) {
    wa_task *t = wa__running("wa_stream_wait_closed");
    if (!t) return WA_ENOTASK;
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_wait_closed");
    int rc = wa_stream_close(s);
    if (rc) return rc;
    if (s->state == WA__STREAM_CLOSING) {
        rc = wait_in(s, &s->closers, t);
        if (rc && !s->error) return rc;  /* cancelled, or out of memory */
    }
    return s->error ? stream_error(s, "wa_stream_wait_closed") : 0;
}

int wa_stream_free(wa_stream *s) {
    if (!s) return 0;
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_free");
    if (s->server) return wa__error(WA_EINVAL, "wa_stream_free: the server frees the streams it hands to handlers");
    if (s->waiting) return wa__error(WA_EINVAL, "wa_stream_free: a task still waits on the stream");
    wa__stream_destroy(s);
    return 0;
}

int wa_stream_address(const wa_stream *s, int peer, char *buf, size_t cap, int *port) {
    if (!wa__is(s, WA__STREAM)) return wa__bad_object(s, WA__STREAM, "wa_stream_address");
    if (!buf || !cap) return wa__error(WA_EINVAL, "wa_stream_address: NULL buf");
    if (s->state == WA__STREAM_CLOSED) return wa__error(WA_ESTATE, "wa_stream_address: the stream is closed");
    int ignored;
    return wa__host_tcp_address(s->fd, peer, buf, cap, port ? port : &ignored);
}
