/* The HTTP server's responses: a head and its body are put together in the
 * connection's output buffer and go to the stream in one write, at once
 * unless more pipelined requests wait in the input (then with theirs). */
#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { INLINE_BODY = 64 * 1024 };        /* larger bodies go in a write of their own */

/* Room for len more bytes in the output buffer. */
static int reserve(wa__http_conn *c, size_t len) {
    return wa__bytes_reserve(&c->out, &c->out_cap, c->out_len, len, 1024);
}

int wa__http_out(wa__http_conn *c, const void *data, size_t len) {
    int rc = reserve(c, len);
    if (rc) return rc;
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

int wa__http_flush(wa__http_conn *c) {
    if (!c->out_len) return 0;
    int rc = wa_stream_write(c->s, c->out, c->out_len);
    c->out_len = 0;
    return rc;
}

/* Flushes now unless another request is already buffered: its response
 * will go with this one. */
static int send_soon(wa__http_conn *c) {
    return c->s->in_pos < c->s->in_len ? 0 : wa__http_flush(c);
}

static const char *reason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
    }
}

static void two(char *to, unsigned v) {
    to[0] = (char)('0' + v / 10);
    to[1] = (char)('0' + v % 10);
}

/* The Date line (IMF-fixdate), made again only when the second changes;
 * computed here rather than with gmtime_r and strftime, which not every
 * libc of ours has in strict C11 and whose names depend on the locale. */
static _Thread_local char date_line[40];
static _Thread_local time_t date_at;

static size_t date(char *to) {
    time_t now = time(NULL);
    if (now != date_at || !date_line[0]) {
        static const char days[] = "ThuFriSatSunMonTueWed", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        int64_t t = (int64_t)now, day = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - day * 86400;
        /* days since 1970-01-01 to a civil date (proleptic Gregorian) */
        int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        unsigned mday = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
        int64_t year = (int64_t)yoe + era * 400 + (month <= 2);
        unsigned weekday = (unsigned)(((day % 7) + 7) % 7);
        char *p = date_line;
        memcpy(p, "Date: ", 6), p += 6;
        memcpy(p, days + 3 * weekday, 3), p += 3;
        memcpy(p, ", ", 2), p += 2;
        two(p, mday), p += 2;
        *p++ = ' ';
        memcpy(p, months + 3 * (month - 1), 3), p += 3;
        *p++ = ' ';
        two(p, (unsigned)(year / 100 % 100)), two(p + 2, (unsigned)(year % 100)), p += 4;
        *p++ = ' ';
        two(p, (unsigned)(secs / 3600)), p[2] = ':', two(p + 3, (unsigned)(secs / 60 % 60)), p[5] = ':';
        two(p + 6, (unsigned)(secs % 60)), p += 8;
        memcpy(p, " GMT\r\n", 7), p += 7;
        *p = 0;
        date_at = now;
    }
    size_t n = 37;                       /* "Date: " + 29 + CRLF */
    memcpy(to, date_line, n);
    return n;
}

static size_t decimal(char *to, uint64_t v) {
    char digits[20];
    size_t n = 0;
    do digits[n++] = (char)('0' + v % 10);
    while (v /= 10);
    for (size_t i = 0; i < n; i++) to[i] = digits[n - 1 - i];
    return n;
}

#define PUT(lit) (memcpy(p, lit, sizeof lit - 1), p += sizeof lit - 1)

/* Puts the head into the output buffer: length >= 0 for a Content-Length,
 * -1 for a streamed body. Decides whether the connection stays open. */
static int put_head(wa_http_response *res, int status, const char *type, int64_t length) {
    wa__http_conn *c = res->c;
    wa_http_request *req = &c->req;
    if (!req->head.keep_alive || c->srv->closing) res->close = 1;
    /* A body left unread that the client waits to send (100-continue) will
     * not come: the connection cannot go on. */
    if (req->body_state != WA__BODY_DONE && req->head.expect_continue && !req->continued) res->close = 1;
    if (req->body_state == WA__BODY_FAILED) res->close = 1;
    if (length < 0 && !res->chunked && !res->no_body) res->close = 1;  /* the body runs to the close */
    const char *why = reason(status);
    size_t type_len = type ? strlen(type) : 0;
    int rc = reserve(c, 160 + strlen(why) + type_len + res->fields_len);
    if (rc) return rc;
    char *p = c->out + c->out_len;
    PUT("HTTP/1.1 ");
    p += decimal(p, (uint64_t)status);
    *p++ = ' ';
    memcpy(p, why, strlen(why));
    p += strlen(why);
    PUT("\r\n");
    p += date(p);
    if (type) {
        PUT("Content-Type: ");
        memcpy(p, type, type_len);
        p += type_len;
        PUT("\r\n");
    }
    if (length >= 0 && status != 204 && !(status == 304 && length == 0)) {
        PUT("Content-Length: ");
        p += decimal(p, (uint64_t)length);
        PUT("\r\n");
    } else if (length < 0 && res->chunked) {
        PUT("Transfer-Encoding: chunked\r\n");
    }
    if (res->fields_len) memcpy(p, res->fields, res->fields_len);
    p += res->fields_len;
    if (res->close) PUT("Connection: close\r\n");
    else if (req->head.minor == 0) PUT("Connection: keep-alive\r\n");
    PUT("\r\n");
    c->out_len = (size_t)(p - c->out);
    return 0;
}

void wa__http_response_reset(wa_http_response *res) {
    res->state = WA__RES_NONE;
    res->close = res->chunked = res->no_body = 0;
    res->fields_len = 0;
}

static int usable(const wa_http_response *res, const char *fn) {
    if (!wa__is(res, WA__HTTP_RESPONSE)) return wa__bad_object(res, WA__HTTP_RESPONSE, fn);
    if (!res->live) return wa__error(WA_EINVAL, "%s: the response's handler has returned", fn);
    return 0;
}

/* No CR, LF or other control bytes but HTAB: what a header value may hold. */
static int clean_value(const char *v) {
    for (; *v; v++)
        if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f) return 0;
    return 1;
}

static int is_token(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!strchr("!#$%&'*+-.^_`|~", *s) && !(*s >= '0' && *s <= '9') && !((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'))
            return 0;
    return 1;
}

static int named(const char *name, const char *want) {
    size_t i = 0;
    for (; name[i] && want[i]; i++)
        if ((name[i] | 0x20) != want[i]) return 0;
    return !name[i] && !want[i];
}

int wa_http_response_header(wa_http_response *res, const char *name, const char *value) {
    const char *fn = "wa_http_response_header";
    int rc = usable(res, fn);
    if (rc) return rc;
    if (!name || !value || !is_token(name) || !clean_value(value))
        return wa__error(WA_EINVAL, "%s: a NULL or bad name, or a value with a control byte", fn);
    if (named(name, "content-length") || named(name, "transfer-encoding"))
        return wa__error(WA_EINVAL, "%s: the server writes %s itself", fn, name);
    if (res->state != WA__RES_NONE) return wa__error(WA_ESTATE, "%s: the head has gone out", fn);
    if (named(name, "connection")) {     /* the server writes it; close is all it may ask */
        wa__http_span v = {value, strlen(value)};
        if (wa__http_has_token(v, "close")) res->close = 1;
        return 0;
    }
    size_t n = strlen(name), m = strlen(value), need = n + m + 4;
    if (wa__bytes_reserve(&res->fields, &res->fields_cap, res->fields_len, need, 256)) return WA_ENOMEM;
    char *p = res->fields + res->fields_len;
    memcpy(p, name, n);
    memcpy(p + n, ": ", 2);
    memcpy(p + n + 2, value, m);
    memcpy(p + n + 2 + m, "\r\n", 2);
    res->fields_len += need;
    return 0;
}

static int can_start(wa_http_response *res, int status, const char *type, const char *fn) {
    int rc = usable(res, fn);
    if (rc) return rc;
    if (res->state != WA__RES_NONE) return wa__error(WA_ESTATE, "%s: the request was answered already", fn);
    if (status < 200 || status > 999) return wa__error(WA_EINVAL, "%s: status %d is not 200-999", fn, status);
    if (type && !clean_value(type)) return wa__error(WA_EINVAL, "%s: a control byte in the content type", fn);
    const wa__http_span *m = &res->c->req.head.method;
    res->no_body = status == 204 || status == 304 || (m->n == 4 && memcmp(m->p, "HEAD", 4) == 0);
    return 0;
}

int wa_http_respond(wa_http_response *res, int status, const char *type, const void *body, size_t len) {
    int rc = can_start(res, status, type, "wa_http_respond");
    if (rc) return rc;
    if (len && !body) return wa__error(WA_EINVAL, "wa_http_respond: NULL body");
    res->state = WA__RES_DONE;
    wa__http_conn *c = res->c;
    if ((rc = put_head(res, status, type, (int64_t)len))) return rc;
    if (res->no_body || !len) return send_soon(c);
    if (len <= INLINE_BODY) {
        if ((rc = wa__http_out(c, body, len))) return rc;
        return send_soon(c);
    }
    if ((rc = wa__http_flush(c))) return rc;
    return wa_stream_write(c->s, body, len);
}

int wa_http_response_start(wa_http_response *res, int status, const char *type) {
    int rc = can_start(res, status, type, "wa_http_response_start");
    if (rc) return rc;
    res->state = WA__RES_STREAMING;
    res->chunked = res->c->req.head.minor == 1;
    if ((rc = put_head(res, status, type, -1))) return rc;
    return wa__http_flush(res->c);
}

static int streaming(wa_http_response *res, const char *fn) {
    int rc = usable(res, fn);
    if (rc) return rc;
    if (res->state != WA__RES_STREAMING)
        return wa__error(WA_ESTATE, "%s: %s", fn, res->state == WA__RES_NONE ? "not started" : "the body has ended");
    return 0;
}

int wa_http_response_write(wa_http_response *res, const void *data, size_t len) {
    const char *fn = "wa_http_response_write";
    if (!wa__running(fn)) return WA_ENOTASK;
    int rc = streaming(res, fn);
    if (rc) return rc;
    if (len && !data) return wa__error(WA_EINVAL, "%s: NULL data", fn);
    if (!len || res->no_body) return 0;  /* an empty chunk would end the body */
    wa__http_conn *c = res->c;
    if (res->chunked) {
        char size[24];
        int n = snprintf(size, sizeof size, "%zx\r\n", len);
        if ((rc = wa__http_out(c, size, (size_t)n))) return rc;
    }
    if (len <= INLINE_BODY) rc = wa__http_out(c, data, len);
    else if (!(rc = wa__http_flush(c))) rc = wa_stream_write(c->s, data, len);
    if (!rc && res->chunked) rc = wa__http_out(c, "\r\n", 2);
    if (!rc) rc = wa__http_flush(c);
    return rc ? rc : wa_stream_drain(c->s);
}

int wa_http_response_end(wa_http_response *res) {
    int rc = streaming(res, "wa_http_response_end");
    if (rc) return rc;
    res->state = WA__RES_DONE;
    if (res->chunked && !res->no_body && (rc = wa__http_out(res->c, "0\r\n\r\n", 5))) return rc;
    return send_soon(res->c);
}

int wa__http_error_response(wa__http_conn *c, int status, const char *text) {
    wa_http_response *res = &c->res;
    wa__http_response_reset(res);
    res->close = 1;
    res->state = WA__RES_DONE;
    size_t len = strlen(text);
    int rc = put_head(res, status, "text/plain; charset=utf-8", (int64_t)len + 1);
    if (!rc) rc = wa__http_out(c, text, len);
    if (!rc) rc = wa__http_out(c, "\n", 1);
    return rc ? rc : wa__http_flush(c);
}

int wa__http_continue(wa__http_conn *c) {
    c->req.continued = 1;
    int rc = wa__http_out(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    return rc ? rc : wa__http_flush(c);
}
