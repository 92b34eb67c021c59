/* The HTTP/1.x parser (runtime/http_parse.c): tables of valid and malformed
 * heads (each refusal with its message), bytes fed one at a time, chunk-size
 * lines and trailers, and a fuzz loop over mutated messages checking that
 * every answer is one of the documented ones and consistent with the
 * answers for the message's prefixes and its own accepted bytes. Every
 * parse reads from a heap copy of exactly the bytes given, so under
 * AddressSanitizer a read past them is reported. */
#include "check.h"

#include "../../runtime/http_parse.h"

#include <stdint.h>

static wa__http_head head, again;

/* Parses len bytes of text from an exact-size copy. */
static int64_t parse(const char *text, size_t len, int is_request, size_t max, wa__http_head *h) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int64_t n = wa__http_parse_head(copy, len, is_request, max, h);
    /* Spans must point into the copy: rebase them onto text before it goes. */
    if (n > 0) {
        wa__http_span *spans[] = {&h->method, &h->target, &h->reason};
        for (size_t i = 0; i < 3; i++)
            if (spans[i]->p) spans[i]->p = text + (spans[i]->p - copy);
        for (size_t i = 0; i < h->header_count; i++) {
            h->headers[i].name.p = text + (h->headers[i].name.p - copy);
            h->headers[i].value.p = text + (h->headers[i].value.p - copy);
        }
    }
    free(copy);
    return n;
}

static int span_is(wa__http_span s, const char *want) {
    return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

typedef struct valid {
    const char *text;
    const char *method_or_reason, *target;  /* method and target, or reason */
    int status, minor;
    size_t headers;
    int64_t length;
    int chunked, keep_alive, expect, upgrade;
    size_t body;                         /* bytes after the head in text */
} valid;

static const valid REQUESTS[] = {
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", 0, 1, 1, -1, 0, 1, 0, 0, 0},
    {"GET /x?y=1 HTTP/1.0\r\n\r\n", "GET", "/x?y=1", 0, 0, 0, -1, 0, 0, 0, 0, 0},
    {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET", "/", 0, 0, 1, -1, 0, 1, 0, 0, 0},
    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n", "GET", "/", 0, 1, 2, -1, 0, 0, 0, 0, 0},
    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: ,, close ,\r\n\r\n", "GET", "/", 0, 1, 3, -1, 0, 0, 0, 0, 0},
    {"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "POST", "/p", 0, 1, 2, 5, 0, 1, 0, 0, 5},
    {"POST /p HTTP/1.1\r\nHost: a\r\ncontent-length: 007\r\nContent-Length: 7 , 7\r\n\r\n", "POST", "/p", 0, 1, 3, 7, 0, 1, 0, 0, 0},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "POST", "/", 0, 1, 2, -1, 1, 1, 0, 0, 5},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q=\"a\\\"b\"\r\nTransfer-Encoding: Chunked\r\n\r\n", "POST", "/", 0, 1, 3, -1, 1, 1, 0, 0, 0},
    {"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc", "PUT", "/", 0, 1, 3, 3, 0, 1, 1, 0, 3},
    {"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "GET", "/chat", 0, 1, 3, -1, 0, 1, 0, 1, 0},
    {"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", 0, 1, 1, -1, 0, 1, 0, 0, 0},
    {"OPTIONS * HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Blank: \t \r\nX-Obs: caf\xc3\xa9\r\n\r\n", "OPTIONS", "*", 0, 1, 4, -1, 0, 1, 0, 0, 0},
    {"M-SEARCH http://h/p HTTP/1.2\r\nHost: a\r\n\r\nGET", "M-SEARCH", "http://h/p", 0, 1, 1, -1, 0, 1, 0, 0, 3},
};

static const valid RESPONSES[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "OK", NULL, 200, 1, 1, 2, 0, 1, 0, 0, 2},
    {"HTTP/1.1 404 Not  Found \r\nTransfer-Encoding: chunked\r\n\r\n", "Not  Found ", NULL, 404, 1, 1, -1, 1, 1, 0, 0, 0},
    {"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "", NULL, 200, 1, 1, 0, 0, 1, 0, 0, 0},
    {"HTTP/1.1 200 \r\n\r\n", "", NULL, 200, 1, 0, -1, 0, 0, 0, 0, 0},            /* to the close */
    {"HTTP/1.1 204 No Content\r\n\r\n", "No Content", NULL, 204, 1, 0, -1, 0, 1, 0, 0, 0},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "OK", NULL, 200, 1, 1, -1, 0, 0, 0, 0, 0},
    {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", "OK", NULL, 200, 0, 1, 1, 0, 0, 0, 0, 1},
    {"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", "OK", NULL, 200, 0, 2, 1, 0, 1, 0, 0, 0},
    {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", "Switching Protocols", NULL, 101, 1, 2, -1, 0, 1, 0, 1, 0},
};

static int check_valid(const valid *v, int is_request) {
    int before = check_failures;
    size_t len = strlen(v->text);
    int64_t n = parse(v->text, len, is_request, 1 << 16, &head);
    CHECK_INT(n, (int64_t)(len - v->body));
    if (n <= 0) {
        printf("  %s: %s\n", v->text, wa_errmsg());
        return 0;
    }
    if (is_request) {
        CHECK(span_is(head.method, v->method_or_reason));
        CHECK(span_is(head.target, v->target));
    } else {
        CHECK_INT(head.status, v->status);
        CHECK(span_is(head.reason, v->method_or_reason));
    }
    CHECK_INT(head.minor, v->minor);
    CHECK_INT(head.header_count, v->headers);
    CHECK_INT(head.content_length, v->length);
    CHECK_INT(head.chunked, v->chunked);
    CHECK_INT(head.keep_alive, v->keep_alive);
    CHECK_INT(head.expect_continue, v->expect);
    CHECK_INT(head.upgrade, v->upgrade);
    if (check_failures != before) printf("  in: %s\n", v->text);
    return check_failures == before;
}

static int valid_requests(void) {
    int before = check_failures;
    int ok = 1;
    for (size_t i = 0; i < sizeof REQUESTS / sizeof *REQUESTS; i++) ok &= check_valid(&REQUESTS[i], 1);
    /* Values lose the blanks around them; names keep their case. */
    const char *text = "GET / HTTP/1.1\r\nHost:  h:80 \t\r\nX-Y:z\r\n\r\n";
    CHECK_INT(parse(text, strlen(text), 1, 1000, &head), (int64_t)strlen(text));
    CHECK(span_is(head.headers[0].name, "Host") && span_is(head.headers[0].value, "h:80"));
    CHECK(span_is(head.headers[1].name, "X-Y") && span_is(head.headers[1].value, "z"));
    return ok && check_failures == before;
}

static int valid_responses(void) {
    int ok = 1;
    for (size_t i = 0; i < sizeof RESPONSES / sizeof *RESPONSES; i++) ok &= check_valid(&RESPONSES[i], 0);
    return ok;
}

typedef struct malformed {
    const char *text;
    const char *message;                 /* a part of wa_errmsg() */
} malformed;

static const malformed BAD_REQUESTS[] = {
    {"GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF"},
    {"GET / HTTP/1.1\r\nHost: a\n\r\n", "bare LF"},
    {"GET / HTTP/1.1\r\nHost: a\r\n\n", "bare LF"},
    {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "bare CR"},
    {"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", "bare CR"},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", "obs-fold"},
    {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", "obs-fold"},
    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", "whitespace between a header name and its colon"},
    {"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", "bad byte in a header name (byte 0x28)"},
    {"GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", "empty header name"},
    {"GET / HTTP/1.1\r\nHost a\r\n\r\n", "without a colon"},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", "control byte in a header value (byte 0x01)"},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", "control byte in a header value (byte 0x7f)"},
    {"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", "bad byte in the method (byte 0x40)"},
    {" GET / HTTP/1.1\r\nHost: a\r\n\r\n", "empty method"},
    {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "empty request target"},
    {"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "bad HTTP version"},
    {"GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", "bad byte in the request target (byte 0xff)"},
    {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "bytes after the HTTP version"},
    {"GET / http/1.1\r\nHost: a\r\n\r\n", "bad HTTP version"},
    {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "unsupported HTTP major version"},
    {"GET / HTTP/1.x\r\nHost: a\r\n\r\n", "bad HTTP version"},
    {"GET /\r\n\r\n", "no HTTP version"},
    {"GET\r\n\r\n", "no request target"},
    {"GET / HTTP/1.1\r\n\r\n", "no Host header"},
    {"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", "more than one Host header"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "Content-Length values differ"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", "Content-Length values differ"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", "digits only"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", "digits only"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", "digits only"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", "digits only"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", "too large"},
    {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "chunked must be last"},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked must be last"},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "does not end in chunked"},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", "does not end in chunked"},
    {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun ked\r\n\r\n", "not a token"},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding in an HTTP/1.0 message"},
    {"GET / HTTP/1.1\r\nHost: a\r\nConnection: a b\r\n\r\n", "not a token"},
};

static const malformed BAD_RESPONSES[] = {
    {"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "bare LF"},
    {"HTTP/1.1 20 OK\r\n\r\n", "bad status code"},
    {"HTTP/1.1 099 OK\r\n\r\n", "bad status code"},
    {"HTTP/1.1 2000 OK\r\n\r\n", "no space after the status code"},
    {"HTTP/1.1  200 OK\r\n\r\n", "bad status code"},
    {"HTTP/1.1 200 O\x7fK\r\n\r\n", "control byte in the reason phrase (byte 0x7f)"},
    {"HTTP/1.1\r\n\r\n", "no 3-digit status code"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "chunked must be last"},
    {"HTTP/1.1 200 OK\r\nX: y\r\n\tz\r\n\r\n", "obs-fold"},
    {"ICY 200 OK\r\n\r\n", "bad HTTP version"},
};

static int check_malformed(const malformed *m, size_t count, int is_request) {
    int before = check_failures;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(m[i].text);
        int64_t n = parse(m[i].text, len, is_request, 1 << 16, &head);
        if (n != WA_EPROTO || !strstr(wa_errmsg(), m[i].message)) {
            check_failures++;
            printf("  failed: %.*s gave %lld (%s), want WA_EPROTO with \"%s\"\n", (int)len, m[i].text, (long long)n,
                   wa_errmsg(), m[i].message);
        }
    }
    return check_failures == before;
}

static int malformed_requests(void) {
    int before = check_failures;
    /* A value's bytes are checked eight at a time: each kind of byte at each
     * place of a long value, refused or accepted. */
    static const unsigned char refused[] = {0x00, 0x01, 0x08, 0x0a, 0x0b, 0x0d, 0x1f, 0x7f};
    static const unsigned char accepted[] = {'\t', ' ', '~', 0x80, 0xa0, 0xff};
    for (size_t at = 0; at < 24; at++) {
        char text[128];
        for (size_t k = 0; k < sizeof refused + sizeof accepted; k++) {
            int bad = k < sizeof refused;
            unsigned char c = bad ? refused[k] : accepted[k - sizeof refused];
            static const char before_value[] = "GET / HTTP/1.1\r\nHost: a\r\nX: z", after_value[] = "z\r\n\r\n";
            size_t n = sizeof before_value - 1;
            memcpy(text, before_value, n);
            memset(text + n, 'v', 24);
            text[n + at] = (char)c;
            memcpy(text + n + 24, after_value, sizeof after_value - 1);
            n += 24 + sizeof after_value - 1;
            int64_t got = parse(text, n, 1, 1000, &head);
            if (bad ? got != WA_EPROTO : got != (int64_t)n) {
                check_failures++;
                printf("  failed: byte 0x%02x at %zu of a value gave %lld (%s)\n", c, at, (long long)got, wa_errmsg());
            }
        }
    }
    return check_malformed(BAD_REQUESTS, sizeof BAD_REQUESTS / sizeof *BAD_REQUESTS, 1) && check_failures == before;
}

static int malformed_responses(void) {
    int before = check_failures;
    static const char nul[] = "HTTP/1.1 200 O\0K\r\n\r\n";  /* a NUL: strlen would stop at it */
    CHECK_INT(parse(nul, sizeof nul - 1, 0, 1000, &head), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "control byte in the reason phrase (byte 0x00)") != NULL);
    return check_malformed(BAD_RESPONSES, sizeof BAD_RESPONSES / sizeof *BAD_RESPONSES, 0) && check_failures == before;
}

/* Every prefix of text gives 0 (or, for a malformed text, 0 until its error
 * shows, then that error), and the whole gives want. */
static void feed(const char *text, size_t len, int is_request, int64_t want) {
    for (size_t k = 0; k <= len; k++) {
        int64_t n = parse(text, k, is_request, 1 << 16, &head);
        int fine = want > 0 ? (k < (size_t)want ? n == 0 : n == want) : (n == 0 || n == want);
        if (!fine || (k == len && n != want)) {
            check_failures++;
            printf("  failed: %zu of %zu bytes of %.*s gave %lld (%s), want %lld\n", k, len, (int)len, text,
                   (long long)n, wa_errmsg(), (long long)want);
            return;
        }
    }
}

static int byte_by_byte(void) {
    int before = check_failures;
    for (size_t i = 0; i < sizeof REQUESTS / sizeof *REQUESTS; i++)
        feed(REQUESTS[i].text, strlen(REQUESTS[i].text), 1, (int64_t)(strlen(REQUESTS[i].text) - REQUESTS[i].body));
    for (size_t i = 0; i < sizeof RESPONSES / sizeof *RESPONSES; i++)
        feed(RESPONSES[i].text, strlen(RESPONSES[i].text), 0, (int64_t)(strlen(RESPONSES[i].text) - RESPONSES[i].body));
    for (size_t i = 0; i < sizeof BAD_REQUESTS / sizeof *BAD_REQUESTS; i++)
        feed(BAD_REQUESTS[i].text, strlen(BAD_REQUESTS[i].text), 1, WA_EPROTO);
    /* Garbage is refused at once, not when the head limit is reached. */
    CHECK_INT(parse("\x16\x03\x01", 3, 1, 8192, &head), WA_EPROTO);
    CHECK_INT(parse("GET /index.html HTTP/1.1\r\nHost: a\r\nX-\x01", 39, 1, 8192, &head), WA_EPROTO);
    CHECK_INT(parse("HTTP/1.1 2x", 11, 0, 8192, &head), WA_EPROTO);
    return check_failures == before;
}

static int limits(void) {
    int before = check_failures;
    const char *text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t len = strlen(text);
    CHECK_INT(parse(text, len, 1, len, &head), (int64_t)len);
    CHECK_INT(parse(text, len - 1, 1, len - 1, &head), WA_ETOOBIG);
    CHECK(strstr(wa_errmsg(), "not complete within 26 bytes") != NULL);
    CHECK_INT(parse(text, len, 1, len - 1, &head), WA_ETOOBIG);      /* the limit, not len, decides */
    CHECK_INT(parse(text, len - 2, 1, len, &head), 0);
    /* 100 header lines are fine, 101 are not. */
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < WA__HTTP_MAX_HEADERS; i++) n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: %d\r\n", i, i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    CHECK_INT(parse(big, n, 1, 1 << 16, &head), (int64_t)n);
    CHECK_INT(head.header_count, WA__HTTP_MAX_HEADERS);
    memcpy(big + n - 2, "X: y\r\n\r\n", 8);
    CHECK_INT(parse(big, n + 6, 1, 1 << 16, &head), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "more than 100 header lines") != NULL);
    return check_failures == before;
}

static int lookup(void) {
    int before = check_failures;
    const char *text = "GET / HTTP/1.1\r\nHost: a\r\nX-Thing: one\r\nX-List: Keep-Alive, Upgrade;x=1 , te\r\n\r\n";
    CHECK(parse(text, strlen(text), 1, 1000, &head) > 0);
    const wa__http_span *v = wa__http_find(&head, "x-thing");
    CHECK(v && span_is(*v, "one"));
    CHECK(wa__http_find(&head, "X-THING") == v);
    CHECK(wa__http_find(&head, "x-thin") == NULL);
    CHECK(wa__http_find(&head, "x-things") == NULL);
    const wa__http_span *c = wa__http_find(&head, "x-list");
    CHECK(c && wa__http_has_token(*c, "keep-alive") && wa__http_has_token(*c, "upgrade") && wa__http_has_token(*c, "te"));
    CHECK(c && !wa__http_has_token(*c, "close") && !wa__http_has_token(*c, "keep"));
    return check_failures == before;
}

static int64_t chunk(const char *text, uint64_t *size) {
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int64_t n = wa__http_parse_chunk_size(copy, len, size);
    free(copy);
    return n;
}

static int chunk_lines(void) {
    int before = check_failures;
    static const struct { const char *text; int64_t n; uint64_t size; } GOOD[] = {
        {"0\r\n", 3, 0}, {"1a\r\nxx", 4, 26}, {"00FF\r\n", 6, 255}, {"3fffffffffffffff\r\n", 18, UINT64_C(0x3fffffffffffffff)},
        {"5;name\r\n", 8, 5}, {"5 ; a=b ;c=\"x;\\\"y\"\r\n", 20, 5}, {"a;x=1;y\r\n", 9, 10},
    };
    static const struct { const char *text; const char *message; } BAD[] = {
        {"\r\n", "no hexadecimal size"}, {"g\r\n", "no hexadecimal size"}, {"-1\r\n", "no hexadecimal size"},
        {"1 \r\n", "bad chunk extension"}, {"1x\r\n", "bad chunk extension"}, {"1;\r\n", "bad chunk extension"},
        {"1;a=\r\n", "bad chunk extension"}, {"1;a=\"x\r\n", "bad chunk extension"}, {"1\n", "bare LF"},
        {"1\r2\r\n", "bare CR"}, {"4000000000000000\r\n", "2^62 or more"}, {"10000000000000000000\r\n", "2^62 or more"},
    };
    for (size_t i = 0; i < sizeof GOOD / sizeof *GOOD; i++) {
        uint64_t size = 7;
        CHECK_INT(chunk(GOOD[i].text, &size), GOOD[i].n);
        CHECK(size == GOOD[i].size);
        char part[64];                   /* every prefix of the line is incomplete */
        for (int64_t k = 0; k < GOOD[i].n; k++) {
            memcpy(part, GOOD[i].text, (size_t)k);
            part[k] = 0;
            CHECK_INT(chunk(part, &size), 0);
        }
    }
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        uint64_t size = 0;
        int64_t n = chunk(BAD[i].text, &size);
        if (n != WA_EPROTO || !strstr(wa_errmsg(), BAD[i].message)) {
            check_failures++;
            printf("  failed: chunk line %s gave %lld (%s), want \"%s\"\n", BAD[i].text, (long long)n, wa_errmsg(), BAD[i].message);
        }
    }
    /* A line with endless extensions is refused at the limit. */
    char *long_line = malloc(WA__HTTP_MAX_CHUNK_LINE + 10);
    memset(long_line, 'a', WA__HTTP_MAX_CHUNK_LINE + 10);
    long_line[1] = ';';
    uint64_t size;
    CHECK_INT(wa__http_parse_chunk_size(long_line, WA__HTTP_MAX_CHUNK_LINE - 1, &size), 0);
    CHECK_INT(wa__http_parse_chunk_size(long_line, WA__HTTP_MAX_CHUNK_LINE + 10, &size), WA_EPROTO);
    free(long_line);
    return check_failures == before;
}

static int64_t trailer(const char *text, size_t max) {
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int64_t n = wa__http_parse_trailer(copy, len, max);
    free(copy);
    return n;
}

static int trailers(void) {
    int before = check_failures;
    CHECK_INT(trailer("\r\n", 100), 2);
    CHECK_INT(trailer("\r\nGET", 100), 2);
    CHECK_INT(trailer("Expires: never\r\nX-Sum: 1\r\n\r\nnext", 100), 28);
    CHECK_INT(trailer("", 100), 0);
    CHECK_INT(trailer("\r", 100), 0);
    CHECK_INT(trailer("X: 1\r\n", 100), 0);
    CHECK_INT(trailer("X: 1\r\n\r", 100), 0);
    CHECK_INT(trailer("X: 1\n\r\n", 100), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "bare LF") != NULL);
    CHECK_INT(trailer("X: 1\r\n y\r\n\r\n", 100), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "obs-fold") != NULL);
    CHECK_INT(trailer("X : 1\r\n\r\n", 100), WA_EPROTO);
    CHECK_INT(trailer("X: \x01", 100), WA_EPROTO);
    CHECK_INT(trailer("X: 1\r\nY: 2\r\n\r\n", 10), WA_ETOOBIG);
    return check_failures == before;
}

/* ------------------------------------------------------------------- fuzz */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void) {     /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

static size_t below(size_t n) { return n ? (size_t)(next_random() % n) : 0; }

/* Applies 1-4 random edits to buf[0, *len) (room for cap bytes). */
static void mutate(char *buf, size_t *len, size_t cap) {
    static const char BYTES[] = "\r\n :,;\t\"\\=0123456789aZ-/\x01\x7f\x80\xff";
    for (int edits = 1 + (int)below(4); edits--;) {
        size_t at = below(*len + 1);
        switch (below(6)) {
        case 0:                          /* replace a byte */
            if (at < *len) buf[at] = BYTES[below(sizeof BYTES - 1)];
            break;
        case 1:                          /* insert a byte */
            if (*len < cap) {
                memmove(buf + at + 1, buf + at, *len - at);
                buf[at] = below(4) ? BYTES[below(sizeof BYTES - 1)] : (char)below(256);
                (*len)++;
            }
            break;
        case 2:                          /* delete bytes */
            if (at < *len) {
                size_t n = 1 + below(*len - at < 4 ? *len - at : 4);
                memmove(buf + at, buf + at + n, *len - at - n);
                *len -= n;
            }
            break;
        case 3: {                        /* copy a piece of the message elsewhere */
            size_t from = below(*len), n = 1 + below(16);
            if (from + n > *len) n = *len - from;
            if (*len + n <= cap && n) {
                char piece[16];
                memcpy(piece, buf + from, n);
                memmove(buf + at + n, buf + at, *len - at);
                memcpy(buf + at, piece, n);
                *len += n;
            }
            break;
        }
        case 4:                          /* flip a bit */
            if (at < *len) buf[at] ^= (char)(1 << below(8));
            break;
        default:                         /* cut the end off */
            *len = at;
            break;
        }
    }
}

static int same_head(const wa__http_head *a, const wa__http_head *b) {
    if (a->method.n != b->method.n || a->target.n != b->target.n || a->status != b->status || a->minor != b->minor ||
        a->header_count != b->header_count || a->content_length != b->content_length || a->chunked != b->chunked ||
        a->keep_alive != b->keep_alive || a->expect_continue != b->expect_continue || a->upgrade != b->upgrade ||
        a->reason.n != b->reason.n)
        return 0;
    if ((a->method.n && memcmp(a->method.p, b->method.p, a->method.n)) ||
        (a->target.n && memcmp(a->target.p, b->target.p, a->target.n)))
        return 0;
    for (size_t i = 0; i < a->header_count; i++)
        if (a->headers[i].name.n != b->headers[i].name.n || a->headers[i].value.n != b->headers[i].value.n ||
            memcmp(a->headers[i].name.p, b->headers[i].name.p, a->headers[i].name.n) ||
            memcmp(a->headers[i].value.p, b->headers[i].value.p, a->headers[i].value.n))
            return 0;
    return 1;
}

static long fuzz_rounds(void) {
#if defined(__wasm__)
    return 50000;                        /* unoptimised wasm is several times slower */
#else
    return 200000;
#endif
}

static int fuzz_heads(void) {
    int before = check_failures;
    enum { CAP = 512 };
    const valid *seeds[sizeof REQUESTS / sizeof *REQUESTS + sizeof RESPONSES / sizeof *RESPONSES];
    size_t nseeds = 0;
    for (size_t i = 0; i < sizeof REQUESTS / sizeof *REQUESTS; i++) seeds[nseeds++] = &REQUESTS[i];
    for (size_t i = 0; i < sizeof RESPONSES / sizeof *RESPONSES; i++) seeds[nseeds++] = &RESPONSES[i];
    long accepted = 0, refused = 0, partial = 0, rounds = fuzz_rounds();
    char text[CAP];
    for (long round = 0; round < rounds && check_failures < 10; round++) {
        size_t s = below(nseeds);
        int is_request = s < sizeof REQUESTS / sizeof *REQUESTS;
        size_t len = strlen(seeds[s]->text);
        memcpy(text, seeds[s]->text, len);
        mutate(text, &len, CAP);
        size_t max = below(8) ? CAP : 1 + below(len + 1);
        int64_t n = parse(text, len, is_request, max, &head);
        if (n > 0) {
            accepted++;
            /* Accepted: the same from its own bytes, and within them. */
            if ((size_t)n > len || (size_t)n > max || parse(text, (size_t)n, is_request, (size_t)n, &again) != n ||
                !same_head(&head, &again)) {
                check_failures++;
                printf("  failed: %.*s accepted as %lld bytes, not again from them\n", (int)len, text, (long long)n);
            }
            if (head.chunked && head.content_length >= 0) check_failures++, printf("  failed: chunked with a length\n");
        } else if (n == 0) {
            partial++;
        } else if (n == WA_EPROTO || n == WA_ETOOBIG) {
            refused++;
            if (!*wa_errmsg()) check_failures++, printf("  failed: no message for %lld\n", (long long)n);
        } else {
            check_failures++;
            printf("  failed: %.*s gave %lld\n", (int)len, text, (long long)n);
        }
        /* A prefix answers as the whole does: 0 before an accepted head's end
         * and the head after it; 0 or the same error for a refused one. */
        size_t k = below(len + 1);
        int64_t m = parse(text, k, is_request, max, &again);
        int fine = n > 0 ? (k < (size_t)n ? m == 0 : m == n) : (m == 0 || m == n);
        if (!fine) {
            check_failures++;
            printf("  failed: %.*s gave %lld, its first %zu bytes %lld (%s)\n", (int)len, text, (long long)n, k,
                   (long long)m, wa_errmsg());
        }
    }
    printf("  %ld mutated heads: %ld accepted, %ld refused, %ld incomplete\n", rounds, accepted, refused, partial);
    CHECK(accepted > rounds / 50 && refused > rounds / 4);
    return check_failures == before;
}

static int fuzz_chunk_lines(void) {
    int before = check_failures;
    static const char *SEEDS[] = {"1a\r\n", "0;x=\"q\\\"\"\r\n", "ff ; a = b\r\n", "0\r\n"};
    enum { CAP = 64 };
    char text[CAP];
    long accepted = 0, rounds = fuzz_rounds() / 2;
    for (long round = 0; round < rounds && check_failures < 10; round++) {
        const char *seed = SEEDS[below(4)];
        size_t len = strlen(seed);
        memcpy(text, seed, len);
        mutate(text, &len, CAP);
        char *copy = malloc(len ? len : 1);
        memcpy(copy, text, len);
        uint64_t size = 0, size2 = 0;
        int64_t n = wa__http_parse_chunk_size(copy, len, &size);
        if (n > 0) {
            accepted++;
            if ((size_t)n > len || wa__http_parse_chunk_size(copy, (size_t)n, &size2) != n || size2 != size ||
                size >= (UINT64_C(1) << 62) || copy[n - 1] != '\n')
                check_failures++, printf("  failed: chunk line %.*s\n", (int)len, text);
        } else if (n != 0 && n != WA_EPROTO) {
            check_failures++, printf("  failed: chunk line %.*s gave %lld\n", (int)len, text, (long long)n);
        }
        size_t k = below(len + 1);
        int64_t m = wa__http_parse_chunk_size(copy, k, &size2);
        if (!(n > 0 ? (k < (size_t)n ? m == 0 : m == n) : (m == 0 || m == n)))
            check_failures++, printf("  failed: chunk line %.*s gave %lld, its first %zu bytes %lld\n", (int)len, text,
                                     (long long)n, k, (long long)m);
        free(copy);
    }
    CHECK(accepted > rounds / 50);
    return check_failures == before;
}

int main(void) {
    check_plan(11);
    CASE("valid requests", valid_requests);
    CASE("valid responses", valid_responses);
    CASE("malformed requests: WA_EPROTO, each with its reason", malformed_requests);
    CASE("malformed responses: WA_EPROTO, each with its reason", malformed_responses);
    CASE("bytes fed one at a time: 0 until complete, errors as soon as they show", byte_by_byte);
    CASE("the head limit and the header count", limits);
    CASE("header lookup and token lists", lookup);
    CASE("chunk-size lines", chunk_lines);
    CASE("trailers", trailers);
    CASE("fuzz: mutated heads", fuzz_heads);
    CASE("fuzz: mutated chunk-size lines", fuzz_chunk_lines);
    return check_exit();
}
