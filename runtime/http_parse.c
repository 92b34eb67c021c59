/* HTTP/1.x heads and chunked framing (RFC 9112), parsed strictly, in place.
 *
 * Line ends are CRLF only: a bare LF or a bare CR anywhere in a head, a
 * chunk-size line or a trailer is WA_EPROTO (RFC 9112 2.2 lets a recipient
 * take a lone LF as a line end; we do not, so no two parsers on a path can
 * disagree on where a head ends). Each line is found with memchr and then
 * checked byte by byte; a head that is not complete yet has its complete
 * lines checked, and what there is of its last one, so garbage is refused
 * as soon as it arrives rather than when the head limit is reached.
 * Nothing here allocates or suspends: spans point into the caller's bytes. */
#include "http_parse.h"

#include "internal.h"

#include <string.h>

enum { TCHAR = 1, HEX = 2 };

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA; and HEXDIG. */
static const uint8_t CLASS[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 10 */
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,  /* 20 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0,  /* 30 */
    0, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,  /* 50 */
    1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,  /* 70 */
};

#define IS(c, bit) (CLASS[(unsigned char)(c)] & (bit))

enum { NEED = 1 };                       /* a line parser's "more bytes, please" */

#define STR_(x) #x
#define STR(x) STR_(x)

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* s[0, n) equals the lower-case word w, ignoring case. */
static int same_ci(const char *s, size_t n, const char *w) {
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)w[i] || !w[i]) return 0;
    return w[n] == 0;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int proto(const char *what, const char *fmt_detail, int byte) {
    if (byte == '\r') return wa__error(WA_EPROTO, "malformed HTTP %s: a bare CR (CRLF required)", what);
    if (byte >= 0) return wa__error(WA_EPROTO, "malformed HTTP %s: %s (byte 0x%02x)", what, fmt_detail, byte);
    return wa__error(WA_EPROTO, "malformed HTTP %s: %s", what, fmt_detail);
}

static int bad_field_char(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

/* The first byte in p[0, n) a field value may not hold (a control other than
 * HTAB, or DEL), or NULL. obs-text (0x80-0xff) is allowed, as RFC 9110 says.
 * Eight bytes at a time while no byte is under 0x20 or DEL (a word-wide test
 * for "a byte less than n" and "a zero byte"); byte by byte from a word that
 * may hold one (an HTAB sends it there too). */
static const char *bad_field_byte(const char *p, size_t n) {
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, del;
        memcpy(&x, p + i, 8);
        del = x ^ (ones * 0x7f);
        if (((x - ones * 0x20) & ~x & highs) | ((del - ones) & ~del & highs)) break;
    }
    for (; i < n; i++)
        if (bad_field_char((unsigned char)p[i])) return p + i;
    return NULL;
}

/* One line at p, up to lim: its content is [p, *end) and the next line starts
 * at *next, or it is incomplete (*next NULL) and holds [p, *end), without a
 * CR at the very end, which may yet be followed by its LF. */
static int find_line(const char *p, const char *lim, const char *what, const char **end, const char **next) {
    const char *nl = p < lim ? memchr(p, '\n', (size_t)(lim - p)) : NULL;
    if (!nl) {
        *next = NULL;
        *end = lim > p && lim[-1] == '\r' ? lim - 1 : lim;
        return 0;
    }
    if (nl == p || nl[-1] != '\r') return proto(what, "a bare LF ends a line (CRLF required)", -1);
    *end = nl - 1;
    *next = nl + 1;
    return 0;
}

/* "HTTP/1.x" at p[0, e): 0 with *minor, NEED for a valid prefix of an
 * incomplete line, or WA_EPROTO. Versions 1.2 to 1.9 read as 1.1 (RFC 9110
 * 2.5: a higher minor version is understood as the highest we speak). */
static int version(const char *p, const char *e, int complete, const char *what, int *minor) {
    static const char want[] = "HTTP/1.";
    size_t n = (size_t)(e - p);
    for (size_t i = 0; i < 8 && i < n; i++) {
        if (i < 7 ? p[i] == want[i] : (p[i] >= '0' && p[i] <= '9')) continue;
        if (i == 5 && p[i] >= '2' && p[i] <= '9') return proto(what, "unsupported HTTP major version", -1);
        return proto(what, "bad HTTP version (HTTP/1.0 or HTTP/1.1 expected)", (unsigned char)p[i]);
    }
    if (n < 8) return complete ? proto(what, "bad HTTP version (HTTP/1.0 or HTTP/1.1 expected)", -1) : NEED;
    *minor = p[7] == '0' ? 0 : 1;
    return 0;
}

static int request_line(const char *p, const char *e, int complete, wa__http_head *h) {
    const char *what = "request line";
    const char *q = p;
    while (q < e && IS(*q, TCHAR)) q++;
    if (q == e) return complete ? proto(what, q == p ? "empty line" : "no request target", -1) : NEED;
    if (*q != ' ') return proto(what, "a bad byte in the method", (unsigned char)*q);
    if (q == p) return proto(what, "empty method", -1);
    h->method = (wa__http_span){p, (size_t)(q - p)};
    const char *t = ++q;                 /* request-target: visible ASCII */
    while (q < e && (unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f) q++;
    if (q == e) return complete ? proto(what, "no HTTP version", -1) : NEED;
    if (*q != ' ') return proto(what, "a bad byte in the request target", (unsigned char)*q);
    if (q == t) return proto(what, "empty request target (or two spaces)", -1);
    h->target = (wa__http_span){t, (size_t)(q - t)};
    q++;
    int rc = version(q, e, complete, what, &h->minor);
    if (rc) return rc;
    if (q + 8 != e) return proto(what, "bytes after the HTTP version", (unsigned char)q[8]);
    return 0;
}

/* Also takes "HTTP/1.1 200" with no space or reason after the code, which
 * servers send and RFC 9112 4 only tells them not to. */
static int status_line(const char *p, const char *e, int complete, wa__http_head *h) {
    const char *what = "status line";
    int rc = version(p, e, complete, what, &h->minor);
    if (rc) return rc;
    const char *q = p + 8;
    for (int i = 0; i < 4; i++, q++) {
        if (q == e) return complete ? proto(what, "no 3-digit status code", -1) : NEED;
        int ok = i == 0 ? *q == ' ' : (*q >= '0' && *q <= '9') && (i != 1 || *q != '0');
        if (!ok) return proto(what, "bad status code (3 digits, 100-999, after one space)", (unsigned char)*q);
    }
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (q < e && *q != ' ') return proto(what, "no space after the status code", (unsigned char)*q);
    const char *r = q < e ? q + 1 : e;
    const char *bad = bad_field_byte(r, (size_t)(e - r));
    if (bad) return proto(what, "a control byte in the reason phrase", (unsigned char)*bad);
    h->reason = (wa__http_span){r, (size_t)(e - r)};
    return 0;
}

/* A header line [p, e): name and value (without OWS around it) into *f.
 * An incomplete line is checked as far as it goes. */
static int field_line(const char *p, const char *e, int complete, const char *what, wa__http_header *f) {
    if (is_ows(*p)) return proto(what, "a line starts with whitespace (obs-fold)", -1);
    const char *q = p;
    while (q < e && IS(*q, TCHAR)) q++;
    if (q == e) return complete ? proto(what, "a header line without a colon", -1) : NEED;
    if (*q != ':') {
        if (is_ows(*q)) {
            while (q < e && is_ows(*q)) q++;
            if (q < e && *q == ':') return proto(what, "whitespace between a header name and its colon", -1);
            return proto(what, "a header line without a colon (or a space in its name)", -1);
        }
        return proto(what, "a bad byte in a header name", (unsigned char)*q);
    }
    if (q == p) return proto(what, "empty header name", -1);
    const char *v = q + 1;
    const char *bad = bad_field_byte(v, (size_t)(e - v));
    if (bad) return proto(what, "a control byte in a header value", (unsigned char)*bad);
    if (!complete) return NEED;
    while (v < e && is_ows(*v)) v++;
    while (e > v && is_ows(e[-1])) e--;
    f->name = (wa__http_span){p, (size_t)(q - p)};
    f->value = (wa__http_span){v, (size_t)(e - v)};
    return 0;
}

/* quoted-string at *pp (at its opening quote), up to e. */
static int quoted(const char **pp, const char *e) {
    const char *p = *pp + 1;
    for (; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *pp = p + 1;
            return 1;
        }
        if (c == '\\' && ++p == e) return 0;
        c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
    }
    return 0;
}

/* Parameters after a list element or chunk size: *( OWS ";" OWS name
 * [ OWS "=" OWS ( token / quoted-string ) ] ), the value required when
 * need_value. Returns 1 with *pp past them, 0 for malformed ones. */
static int params(const char **pp, const char *e, int need_value) {
    const char *p = *pp;
    for (;;) {
        const char *q = p;
        while (q < e && is_ows(*q)) q++;
        if (q == e || *q != ';') {
            *pp = p;
            return 1;
        }
        for (q++; q < e && is_ows(*q);) q++;
        const char *name = q;
        while (q < e && IS(*q, TCHAR)) q++;
        if (q == name) return 0;
        p = q;
        while (q < e && is_ows(*q)) q++;
        if (q == e || *q != '=') {
            if (need_value) return 0;
            continue;
        }
        for (q++; q < e && is_ows(*q);) q++;
        if (q < e && *q == '"') {
            if (!quoted(&q, e)) return 0;
        } else {
            const char *v = q;
            while (q < e && IS(*q, TCHAR)) q++;
            if (q == v) return 0;
        }
        p = q;
    }
}

/* Calls each(element, arg) for each non-empty element of a comma list
 * (RFC 9110 5.6.1: empty elements are ignored); an element is a token and
 * its parameters, when allowed. Returns 0, or what each returned, or
 * WA_EPROTO for a malformed list. */
static int each_token(wa__http_span list, int with_params, const char *what,
                      int (*each)(const char *t, size_t n, void *arg), void *arg) {
    const char *p = list.p, *e = list.p + list.n;
    while (p < e) {
        while (p < e && (is_ows(*p) || *p == ',')) p++;
        if (p == e) break;
        const char *t = p;
        while (p < e && IS(*p, TCHAR)) p++;
        if (p == t) return proto(what, "a bad byte in a list of tokens", (unsigned char)*p);
        size_t n = (size_t)(p - t);
        if (with_params && !params(&p, e, 1)) return proto(what, "bad parameters in a list", -1);
        while (p < e && is_ows(*p)) p++;
        if (p < e && *p != ',') return proto(what, "a list element is not a token", (unsigned char)*p);
        int rc = each(t, n, arg);
        if (rc) return rc;
    }
    return 0;
}

/* What the framing headers said, gathered line by line. */
typedef struct framing {
    uint8_t close, keep_alive, upgrade_token, upgrade, expect, te, te_chunked_last, hosts;
    int64_t length;                      /* -1 until a Content-Length */
} framing;

static int connection_token(const char *t, size_t n, void *arg) {
    framing *fr = arg;
    if (same_ci(t, n, "close")) fr->close = 1;
    else if (same_ci(t, n, "keep-alive")) fr->keep_alive = 1;
    else if (same_ci(t, n, "upgrade")) fr->upgrade_token = 1;
    return 0;
}

static int transfer_coding(const char *t, size_t n, void *arg) {
    framing *fr = arg;
    if (fr->te_chunked_last) return proto("head", "a transfer coding after chunked (chunked must be last, and once)", -1);
    fr->te_chunked_last = same_ci(t, n, "chunked");
    fr->te = 1;
    return 0;
}

/* Content-Length: 1*DIGIT, or a list of one value repeated (RFC 9110 8.6);
 * every occurrence must agree. */
static int content_length(wa__http_span v, framing *fr) {
    const char *p = v.p, *e = v.p + v.n;
    do {
        const char *d = p;
        int64_t n = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++) {
            if (n > (INT64_C(1) << 58)) return proto("head", "Content-Length too large", -1);
            n = n * 10 + (*p - '0');
        }
        if (p == d) return proto("head", "Content-Length is not a number (digits only)", -1);
        if (fr->length >= 0 && fr->length != n) return proto("head", "Content-Length values differ", -1);
        fr->length = n;
        while (p < e && is_ows(*p)) p++;
        if (p < e && *p != ',') return proto("head", "Content-Length is not a number (digits only)", (unsigned char)*p);
        if (p < e) for (p++; p < e && is_ows(*p);) p++;
        if (p == e && e[-1] == ',') return proto("head", "Content-Length is not a number (digits only)", -1);
    } while (p < e);
    return 0;
}

/* Notes what a header line means for the framing. */
static int note(const wa__http_header *f, int is_request, framing *fr) {
    const char *n = f->name.p;
    switch (f->name.n) {
    case 4:
        if (same_ci(n, 4, "host")) fr->hosts += fr->hosts < 2;
        return 0;
    case 6:
        if (is_request && same_ci(n, 6, "expect") && same_ci(f->value.p, f->value.n, "100-continue")) fr->expect = 1;
        return 0;
    case 7:
        if (same_ci(n, 7, "upgrade")) fr->upgrade = 1;
        return 0;
    case 10:
        return same_ci(n, 10, "connection") ? each_token(f->value, 0, "head", connection_token, fr) : 0;
    case 14:
        return same_ci(n, 14, "content-length") ? content_length(f->value, fr) : 0;
    case 17:
        if (!same_ci(n, 17, "transfer-encoding")) return 0;
        fr->te = 1;                      /* even an empty value: refused below */
        return each_token(f->value, 1, "head", transfer_coding, fr);
    default:
        return 0;
    }
}

/* The framing of a complete head (RFC 9112 6.1 to 6.3, 9.3). */
static int frame(wa__http_head *h, int is_request, const framing *fr) {
    h->content_length = fr->length;
    h->chunked = 0;
    if (fr->te) {
        if (fr->length >= 0) return proto("head", "both Content-Length and Transfer-Encoding", -1);
        if (h->minor == 0) return proto("head", "Transfer-Encoding in an HTTP/1.0 message", -1);
        if (fr->te_chunked_last) h->chunked = 1;
        else if (is_request) return proto("head", "a request's Transfer-Encoding does not end in chunked", -1);
    }
    if (is_request && h->minor == 1 && fr->hosts != 1)
        return proto("head", fr->hosts ? "more than one Host header" : "no Host header in an HTTP/1.1 request", -1);
    if (is_request && fr->hosts > 1) return proto("head", "more than one Host header", -1);
    h->keep_alive = !fr->close && (h->minor == 1 || fr->keep_alive);
    /* A response body that runs to the close ends the connection. */
    int bodiless = h->status < 200 || h->status == 204 || h->status == 304;
    if (!is_request && !h->chunked && h->content_length < 0 && !bodiless) h->keep_alive = 0;
    h->expect_continue = is_request && h->minor == 1 && fr->expect;
    h->upgrade = fr->upgrade_token && fr->upgrade;
    return 0;
}

static int64_t parse_head(const char *buf, size_t len, int is_request, size_t max_head, wa__http_head *h) {
    const char *p = buf, *lim = buf + (len < max_head ? len : max_head);
    const char *what = is_request ? "request line" : "status line";
    if (is_request)                      /* RFC 9112 2.2: empty lines before a request are ignored */
        while (lim - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
    const char *e, *next;
    int rc = find_line(p, lim, what, &e, &next);
    if (rc) return rc;
    if (is_request && !next && e == p) return NEED;
    rc = is_request ? request_line(p, e, next != NULL, h) : status_line(p, e, next != NULL, h);
    if (rc) return rc;
    if (!next) return NEED;
    framing fr = {.length = -1};
    h->header_count = 0;
    for (p = next;;) {
        if ((rc = find_line(p, lim, "head", &e, &next))) return rc;
        if (next && e == p) break;       /* the blank line */
        if (e == p) return NEED;
        wa__http_header f;
        if ((rc = field_line(p, e, next != NULL, "head", &f))) return rc;
        if (h->header_count == WA__HTTP_MAX_HEADERS)
            return proto("head", "more than " STR(WA__HTTP_MAX_HEADERS) " header lines", -1);
        h->headers[h->header_count++] = f;
        if ((rc = note(&f, is_request, &fr))) return rc;
        p = next;
    }
    if ((rc = frame(h, is_request, &fr))) return rc;
    return next - buf;
}

int64_t wa__http_parse_head(const char *buf, size_t len, int is_request, size_t max_head, wa__http_head *head) {
    head->method = head->target = head->reason = (wa__http_span){NULL, 0};
    head->status = 0;
    int64_t n = parse_head(buf, len, is_request, max_head, head);
    if (n != NEED) return n;
    if (len >= max_head)
        return wa__error(WA_ETOOBIG, "HTTP %s head not complete within %zu bytes", is_request ? "request" : "response", max_head);
    return 0;
}

const wa__http_span *wa__http_find(const wa__http_head *head, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < head->header_count; i++) {
        const wa__http_header *f = &head->headers[i];
        if (f->name.n != n) continue;
        size_t j = 0;
        while (j < n && lower((unsigned char)f->name.p[j]) == lower((unsigned char)name[j])) j++;
        if (j == n) return &f->value;
    }
    return NULL;
}

int wa__http_has_token(wa__http_span list, const char *token) {
    const char *p = list.p, *e = list.p + list.n;
    while (p < e) {
        while (p < e && (is_ows(*p) || *p == ',')) p++;
        const char *t = p;
        while (p < e && IS(*p, TCHAR)) p++;
        if (p > t && same_ci(t, (size_t)(p - t), token)) return 1;
        while (p < e && *p != ',') p++;  /* parameters, or a malformed rest */
    }
    return 0;
}

int64_t wa__http_parse_chunk_size(const char *buf, size_t len, uint64_t *size) {
    const char *what = "chunk-size line";
    const char *lim = buf + (len < WA__HTTP_MAX_CHUNK_LINE ? len : WA__HTTP_MAX_CHUNK_LINE);
    const char *p = buf, *e, *next;
    int rc = find_line(p, lim, what, &e, &next);
    if (rc) return rc;
    if (p < e && !IS(*p, HEX)) return proto(what, "no hexadecimal size", (unsigned char)*p);
    if (!next) {
        if (len >= WA__HTTP_MAX_CHUNK_LINE) return proto(what, "over " STR(WA__HTTP_MAX_CHUNK_LINE) " bytes", -1);
        return 0;
    }
    if (p == e) return proto(what, "no hexadecimal size", -1);
    uint64_t n = 0;
    for (; p < e && IS(*p, HEX); p++) {
        if (n >> 58) return proto(what, "a size of 2^62 or more", -1);
        unsigned d = (unsigned char)*p <= '9' ? (unsigned)(*p - '0') : (unsigned)(lower((unsigned char)*p) - 'a' + 10);
        n = n << 4 | d;
    }
    if (n > (UINT64_C(1) << 62)) return proto(what, "a size of 2^62 or more", -1);
    if (!params(&p, e, 0) || p != e) return proto(what, "a bad chunk extension", p < e ? (unsigned char)*p : -1);
    *size = n;
    return next - buf;
}

int64_t wa__http_parse_trailer(const char *buf, size_t len, size_t max) {
    const char *p = buf, *lim = buf + (len < max ? len : max);
    for (;;) {
        const char *e, *next;
        int rc = find_line(p, lim, "trailer", &e, &next);
        if (rc) return rc;
        if (next && e == p) return next - buf;
        if (e != p) {
            wa__http_header f;
            rc = field_line(p, e, next != NULL, "trailer", &f);
            if (rc && rc != NEED) return rc;
        }
        if (!next) break;
        p = next;
    }
    if (len >= max) return wa__error(WA_ETOOBIG, "HTTP trailer not complete within %zu bytes", max);
    return 0;
}
