/* fetch: one exchange per wa_response. data: URLs are decoded here and
 * file: URLs read here with POSIX reads, on every host but JS (whose C has no real
 * file system); everything else goes to the host's HTTP stack if it takes
 * the URL, else to the runtime's HTTP client (http_client.c, in the tasks
 * that fetch and read). The host reports headers,
 * body chunks and the end through wa__fetch_headers/_data/_end. The host
 * writes a chunk only into the response's own buffer, and only when a read
 * asked for it: a task's buffer may move while the task is suspended, and
 * asking is the backpressure. */
#include "http_client.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)                /* the host's read-ahead, and the response's buffer */
#define DEFAULT_MAX_BODY ((size_t)64 << 20)

enum { FROM_MEMORY, FROM_FILE, FROM_HOST, FROM_CLIENT };

struct wa_response {
    wa__object obj;                      /* WA__RESPONSE */
    wa__loop *loop;
    wa_response *prev, *next;            /* the loop's exchanges still in the host */
    uint8_t source;                      /* FROM_MEMORY, FROM_FILE, FROM_HOST or FROM_CLIENT (http_client.c) */
    uint8_t ended;                       /* the body is complete, or failed: end_code */
    uint8_t in_host;                     /* the host still holds the exchange */
    uint8_t asked;                       /* a read request is out at the host */
    int status;
    int end_code;                        /* 0 at a clean end, else the exchange's error */
    char *end_msg;                       /* its message, owned */
    char *url;                           /* final URL, owned */
    char *headers;                       /* "name\0value\0" * count, owned (from the host or built here) */
    char **index;                        /* header i's name at [2i], value at [2i+1], into headers */
    size_t count;
    char *joined;                        /* the last multi-valued header wa_response_header joined */
    char *body;                          /* FROM_MEMORY: the bytes; FROM_HOST: the chunk buffer */
    size_t body_len, body_pos;           /* bytes in body, and how far reads got */
    size_t body_cap;                     /* FROM_HOST: the chunk buffer's size, made at the first read */
    int file;                            /* FROM_FILE: its descriptor, or -1 */
    size_t max_body;
    wa_future *headers_ready;            /* FROM_HOST: resolved by the first report */
    wa__waitq readers;                   /* tasks waiting for body data */
    wa_session *slot;                    /* the session whose connection slot it holds, given back at the end */
    wa__http_exchange *client;           /* FROM_CLIENT: the runtime's exchange */
};

/* ------------------------------------------------------------ responses */

static void release_slot(wa_response *r) {
    if (!r->slot) return;
    wa__session_give_back(r->slot);
    r->slot = NULL;
}

/* The host has it from start until its end or an abort. */
static void hand_to_host(wa_response *r) {
    r->in_host = 1;
    r->loop->io_pending++;
    r->prev = NULL;
    r->next = r->loop->exchanges;
    if (r->next) r->next->prev = r;
    r->loop->exchanges = r;
}

static void back_from_host(wa_response *r) {
    r->in_host = 0;
    r->loop->io_pending--;
    if (r->prev) r->prev->next = r->next;
    else r->loop->exchanges = r->next;
    if (r->next) r->next->prev = r->prev;
}

static void abort_in_host(wa_response *r) {
    wa__host_http->fetch_abort(r);       /* the host drops it, and calls no more */
    back_from_host(r);
    if (!r->ended) {
        r->ended = 1;
        r->end_code = WA_ECANCELLED;
    }
}

void wa__fetch_close_loop(wa__loop *loop) {
    while (loop->exchanges) abort_in_host(loop->exchanges);
    wa__http_close_loop(loop);
}

int wa_response_free(wa_response *r) {
    if (!r) return 0;
    if (!wa__is(r, WA__RESPONSE)) return wa__bad_object(r, WA__RESPONSE, "wa_response_free");
    if (r->readers.head)                 /* they return at once, touching r no more */
        wa__waitq_wake_all(&r->readers, wa__error(WA_ESTATE, "the response was freed while tasks read it"));
    if (r->in_host) abort_in_host(r);
    wa__http_free(r->client);            /* a task inside its read frees it */
    if (r->source == FROM_FILE && r->file >= 0) close(r->file);
    release_slot(r);
    if (r->headers_ready) wa__future_unref(r->headers_ready);
    free(r->end_msg);
    free(r->url);
    free(r->headers);
    free(r->index);
    free(r->joined);
    free(r->body);
    wa__retire_object(r, sizeof *r);
    return 0;
}

/* Indexes a "name\0value\0..." block, lowering the names. */
static int index_headers(wa_response *r, char *block, size_t count) {
    r->headers = block;
    r->count = count;
    if (!count) return 0;
    if (!(r->index = wa__calloc(2 * count, sizeof *r->index))) return WA_ENOMEM;
    char *p = block;
    for (size_t i = 0; i < 2 * count; i++) {
        r->index[i] = p;
        if (i % 2 == 0)
            for (char *c = p; *c; c++) *c = (char)tolower((unsigned char)*c);
        p += strlen(p) + 1;
    }
    return 0;
}

int wa_response_status(const wa_response *r) {
    if (!wa__is(r, WA__RESPONSE)) return WA__BAD(r, WA__RESPONSE, "wa_response_status", 0);
    return r->status;
}

const char *wa_response_url(const wa_response *r) {
    if (!wa__is(r, WA__RESPONSE)) return WA__BAD(r, WA__RESPONSE, "wa_response_url", NULL);
    return r->url;
}

size_t wa_response_header_count(const wa_response *r) {
    if (!wa__is(r, WA__RESPONSE)) return WA__BAD(r, WA__RESPONSE, "wa_response_header_count", 0);
    return r->count;
}

int wa_response_header_at(const wa_response *r, size_t i, const char **name, const char **value) {
    if (!wa__is(r, WA__RESPONSE)) return wa__bad_object(r, WA__RESPONSE, "wa_response_header_at");
    if (i >= r->count) return wa__error(WA_EINVAL, "no header %zu", i);
    if (name) *name = r->index[2 * i];
    if (value) *value = r->index[2 * i + 1];
    return 0;
}

static int same_name(const char *lower, const char *name) {
    for (; *lower && *name; lower++, name++)
        if (*lower != tolower((unsigned char)*name)) return 0;
    return *lower == *name;
}

const char *wa_response_header(const wa_response *r, const char *name) {
    if (!wa__is(r, WA__RESPONSE)) return WA__BAD(r, WA__RESPONSE, "wa_response_header", NULL);
    if (!name) return wa__error(WA_EINVAL, "wa_response_header: the name is NULL"), NULL;
    const char *first = NULL;
    size_t total = 0, matches = 0;
    for (size_t i = 0; i < r->count; i++) {
        if (!same_name(r->index[2 * i], name)) continue;
        if (!matches++) first = r->index[2 * i + 1];
        total += strlen(r->index[2 * i + 1]) + 2;
    }
    if (matches < 2) return first;
    char *joined = wa__malloc(total), *out = joined;  /* repeated: joined with ", " */
    if (!joined) return first;
    for (size_t i = 0; i < r->count; i++) {
        if (!same_name(r->index[2 * i], name)) continue;
        out += sprintf(out, "%s%s", out == joined ? "" : ", ", r->index[2 * i + 1]);
    }
    free(((wa_response *)r)->joined);
    ((wa_response *)r)->joined = joined;
    return joined;
}

/* -------------------------------------------------- what the host reports */

static void settle_headers(wa_response *r, int code) {
    if (r->headers_ready && r->headers_ready->state == WA_PENDING)
        wa__future_complete(r->headers_ready, WA_DONE, code, 0);
}

void wa__fetch_headers(wa_response *r, int status, char *url, char *headers, size_t count) {
    r->status = status;
    free(r->url);
    r->url = url;
    int rc = index_headers(r, headers, count);
    settle_headers(r, rc);
}

void wa__fetch_data(wa_response *r, size_t n) {
    r->asked = 0;
    r->body_len = n;
    r->body_pos = 0;
    wa__waitq_wake_all(&r->readers, 0);
}

void wa__fetch_end(wa_response *r, int code, char *msg) {
    r->asked = 0;
    r->ended = 1;
    r->end_code = code;
    r->end_msg = msg;
    back_from_host(r);
    settle_headers(r, code);
    wa__waitq_wake_all(&r->readers, 0);
}

/* ---------------------------------------------------- data: and file: URLs */

static int hex(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes %XX in place; returns the new length, or (size_t)-1 on a bad escape. */
static size_t percent_decode(char *s, size_t len) {
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            s[out++] = s[i];
            continue;
        }
        int hi = i + 2 < len ? hex(s[i + 1]) : -1, lo = i + 2 < len ? hex(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return (size_t)-1;
        s[out++] = (char)(hi * 16 + lo);
        i += 2;
    }
    return out;
}

static int base64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/* Decodes base64 in place (padding and whitespace allowed); length or -1. */
static size_t base64_decode(char *s, size_t len) {
    size_t out = 0;
    unsigned bits = 0, nbits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' || isspace((unsigned char)s[i])) continue;
        int v = base64_value((unsigned char)s[i]);
        if (v < 0) return (size_t)-1;
        bits = bits << 6 | (unsigned)v;
        if ((nbits += 6) >= 8) {
            nbits -= 8;
            s[out++] = (char)(bits >> nbits);
        }
    }
    return out;
}

/* A header block of one header, for data: and file: responses. */
static int one_header(wa_response *r, const char *name, const char *value) {
    size_t n = strlen(name), v = strlen(value);
    char *block = wa__malloc(n + v + 2);
    if (!block) return WA_ENOMEM;
    memcpy(block, name, n + 1);
    memcpy(block + n + 1, value, v + 1);
    return index_headers(r, block, 1);
}

static int open_data(wa_response *r, const char *url) {
    const char *comma = strchr(url, ',');
    if (!comma) return wa__error(WA_EINVAL, "bad data: URL (no comma)");
    const char *meta = url + 5;
    size_t meta_len = (size_t)(comma - meta);
    int is_base64 = meta_len >= 7 && strncmp(comma - 7, ";base64", 7) == 0;
    size_t len = strlen(comma + 1);
    if (!(r->body = wa__malloc(len + 1))) return wa__error(WA_ENOMEM, NULL);
    memcpy(r->body, comma + 1, len + 1);
    if ((r->body_len = percent_decode(r->body, len)) == (size_t)-1) return wa__error(WA_EINVAL, "bad data: URL (bad escape)");
    if (is_base64 && (r->body_len = base64_decode(r->body, r->body_len)) == (size_t)-1)
        return wa__error(WA_EINVAL, "bad data: URL (bad base64)");
    char type[128];
    size_t type_len = meta_len - (is_base64 ? 7 : 0);
    snprintf(type, sizeof type, "%.*s", (int)type_len, meta);
    if (one_header(r, "content-type", type_len ? type : "text/plain;charset=US-ASCII")) return wa__error(WA_ENOMEM, NULL);
    r->source = FROM_MEMORY;
    r->ended = 1;
    return 0;
}

static int open_file(wa_response *r, const char *url) {
    const char *path = url + 5;
    if (strncmp(path, "//", 2) == 0) {   /* file://host/path: only an empty host */
        path += 2;
        if (*path != '/') return wa__error(WA_EINVAL, "file: URLs name no host: %s", url);
    }
    size_t len = strlen(path);
    char *decoded = wa__malloc(len + 1);
    if (!decoded) return wa__error(WA_ENOMEM, NULL);
    memcpy(decoded, path, len + 1);
    size_t n = percent_decode(decoded, len);
    if (n == (size_t)-1) {
        free(decoded);
        return wa__error(WA_EINVAL, "bad escape in %s", url);
    }
    decoded[n] = 0;
    /* A descriptor, not stdio: fclose calls through a pointer whose wasm type
     * is a task body's, which would have Asyncify instrument its callers. */
    do r->file = open(decoded, O_RDONLY);
    while (r->file < 0 && errno == EINTR);
    int rc = r->file >= 0 ? 0 : wa__error(WA_EIO, "cannot open %s: %s", decoded, strerror(errno));
    free(decoded);
    if (rc == 0 && one_header(r, "content-type", "application/octet-stream")) rc = wa__error(WA_ENOMEM, NULL);
    r->source = FROM_FILE;
    return rc;
}

/* ------------------------------------------------------------- wa_fetch */

int wa__scheme_is(const char *url, const char *scheme) {
    size_t n = strlen(scheme);
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)url[i]) != scheme[i]) return 0;
    return 1;
}

static int equal_ignoring_case(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

/* Request headers as one "name\0value\0" block; *len is its size. */
size_t wa__header_count(const char *const *headers) {
    size_t n = 0;
    while (headers && headers[n]) n++;
    return n;
}

static char *header_block(const char *const *first, size_t nfirst, const char *const *then, size_t *len) {
    size_t total = 0;
    for (size_t i = 0; i < nfirst; i++) total += strlen(first[i]) + 1;
    for (const char *const *h = then; h && *h; h++) total += strlen(*h) + 1;
    char *block = wa__malloc(total + 1), *out = block;
    if (!block) return NULL;
    for (size_t i = 0; i < nfirst; i += 2) {
        int overridden = 0;              /* a request header of the same name replaces it */
        for (const char *const *h = then; h && *h && h[1]; h += 2) overridden |= equal_ignoring_case(*h, first[i]);
        if (overridden) continue;
        for (int k = 0; k < 2; k++) out += strlen(strcpy(out, first[i + k])) + 1;
    }
    for (const char *const *h = then; h && *h && h[1]; h += 2)
        for (int k = 0; k < 2; k++) out += strlen(strcpy(out, h[k])) + 1;
    *len = (size_t)(out - block);
    return block;
}

int wa__fetch(const char *url, const wa_fetch_options *opts, const char *const *headers, size_t nheaders, int pool,
              wa_response **out) {
    wa_task *t = wa__running("wa_fetch");
    if (!t) return WA_ENOTASK;
    if (!url || !out) return wa__error(WA_EINVAL, "wa_fetch: NULL url or out");
    static const wa_fetch_options defaults;
    if (!opts) opts = &defaults;
    if (opts->redirect < WA_REDIRECT_FOLLOW || opts->redirect > WA_REDIRECT_MANUAL || opts->timeout < 0 ||
        (opts->body_len && !opts->body))
        return wa__error(WA_EINVAL, "wa_fetch: bad options");
    if (wa__header_count(opts->headers) % 2)
        return wa__error(WA_EINVAL, "wa_fetch: headers come in name, value pairs: one name has no value");
    wa_response *r = wa__calloc(1, sizeof *r);
    if (!r || !(r->url = wa__strdup(url))) {
        free(r);
        return wa__error(WA_ENOMEM, NULL);
    }
    r->obj.kind = WA__RESPONSE;
    r->loop = t->fut.loop;
    r->status = 200;
    r->max_body = opts->max_body ? opts->max_body : DEFAULT_MAX_BODY;
    int rc;
    int host = wa__host_http && wa__host_http->takes(url, strlen(url));
    if (wa__scheme_is(url, "data:")) rc = open_data(r, url);
    else if (wa__scheme_is(url, "file:") && !host) rc = open_file(r, url);
    else rc = 1;                         /* the network: the host's stack, or the runtime's client */
    if (rc == 1) {
        size_t hlen = 0;
        const char *method = opts->method ? opts->method : "GET";
        char *hblock = header_block(headers, nheaders, opts->headers, &hlen);
        if (hblock && !host) {
            r->source = FROM_CLIENT;
            rc = wa__http_start(r, url, method, hblock, hlen, opts->body, opts->body_len, opts->timeout, opts->redirect,
                                &r->client);
            if (rc == 0) r->ended = (uint8_t)wa__http_done(r->client);
            free(hblock);
        } else {
            r->headers_ready = hblock ? wa__future_new(r->loop) : NULL;
            if (!r->headers_ready) {
                rc = wa__error(WA_ENOMEM, NULL);
            } else {
                r->source = FROM_HOST;
                rc = wa__host_http->fetch_start(r, url, method, hblock, hlen, opts->body, opts->body_len,
                                               opts->timeout * 1000, opts->redirect, pool);
            }
            free(hblock);
            if (rc == 0) {
                hand_to_host(r);
                rc = wa_await_future(r->headers_ready);
                if (r->ended && r->end_code)  /* the host said why */
                    rc = wa__error(r->end_code, "%s", r->end_msg ? r->end_msg : wa_strerror(r->end_code));
            }
            wa__future_unref(r->headers_ready);   /* only the first report needed it */
            r->headers_ready = NULL;
        }
    }
    if (rc == 0 && opts->fail_on_status && r->status >= 400)
        rc = wa__error(WA_EHTTP, "HTTP %d from %s", r->status, r->url);
    if (rc) {
        wa_response_free(r);             /* aborts it in the host if still there */
        return rc;
    }
    *out = r;
    return 0;
}

int wa_fetch(const char *url, const wa_fetch_options *opts, wa_response **out) {
    return wa__fetch(url, opts, NULL, 0, 0, out);
}

void wa__response_hold_slot(wa_response *r, wa_session *s) {
    if (r->ended && r->source != FROM_FILE) wa__session_give_back(s);  /* all there already */
    else r->slot = s;
}

/* ---------------------------------------------------------------- bodies */

/* The body's Content-Length, or SIZE_MAX when it is not given. */
static size_t expected_length(const wa_response *r) {
    const char *v = r->source >= FROM_HOST ? wa_response_header(r, "content-length") : NULL;
    if (!v || *v < '0' || *v > '9') return SIZE_MAX;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    return *end || n >= SIZE_MAX ? SIZE_MAX : (size_t)n;
}

static int end_of_body(wa_response *r, size_t *got) {
    *got = 0;
    release_slot(r);                     /* the connection is free for the next exchange */
    if (!r->end_code) return 0;
    return wa__error(r->end_code, "%s", r->end_msg ? r->end_msg : wa_strerror(r->end_code));
}

/* The runtime's client reads in the reader's task, one reader at a time. */
static int client_read(wa_response *r, wa_task *t, void *buf, size_t cap, size_t *got) {
    if (!cap) return 0;
    while (wa__http_busy(r->client)) {
        int rc = wa__waitq_wait(&r->readers, t);
        if (rc) return rc;               /* also when r was freed: it is not touched then */
    }
    int gone;
    int rc = wa__http_read(r->client, buf, cap, got, &gone);
    if (gone) return rc;
    if (r->readers.head) wa__waitq_wake(&r->readers, 0, 0);
    if ((rc == 0 && *got == 0) || (rc && rc != WA_ECANCELLED && rc != WA_ENOMEM)) {
        r->ended = 1;                    /* the end, or the exchange failed: the slot is free */
        release_slot(r);
    }
    return rc;
}

int wa_response_read(wa_response *r, void *buf, size_t cap, size_t *got) {
    if (!wa__is(r, WA__RESPONSE)) return wa__bad_object(r, WA__RESPONSE, "wa_response_read");
    if (!got || (cap && !buf)) return wa__error(WA_EINVAL, "wa_response_read: NULL argument");
    wa_task *t = wa__running("wa_response_read");
    if (!t) return WA_ENOTASK;
    *got = 0;
    if (r->source == FROM_FILE) {
        ssize_t n;
        do n = read(r->file, buf, cap);
        while (n < 0 && errno == EINTR);
        if (n < 0) return wa__error(WA_EIO, "reading %s failed: %s", r->url, strerror(errno));
        *got = (size_t)n;
        if (*got == 0) release_slot(r);
        return 0;
    }
    if (r->source == FROM_CLIENT) return client_read(r, t, buf, cap, got);
    for (;;) {
        if (r->body_pos < r->body_len) {
            size_t n = r->body_len - r->body_pos < cap ? r->body_len - r->body_pos : cap;
            memcpy(buf, r->body + r->body_pos, n);
            r->body_pos += n;
            *got = n;
            return 0;
        }
        if (r->ended) return end_of_body(r, got);
        if (!r->body) {                  /* a small body needs no full chunk buffer */
            size_t expected = expected_length(r);
            r->body_cap = expected < CHUNK ? (expected ? expected : 1) : CHUNK;
            if (!(r->body = wa__malloc(r->body_cap))) return wa__error(WA_ENOMEM, NULL);
        }
        if (!r->asked) {                 /* ask for the next chunk: it may be there already */
            r->asked = 1;
            size_t n = wa__host_http->fetch_read(r, r->body, r->body_cap);
            if (n) {
                wa__fetch_data(r, n);
                continue;
            }
            if (r->ended) continue;
        }
        int rc = wa__waitq_wait(&r->readers, t);
        if (rc) return rc;
        if (!wa__is(r, WA__RESPONSE)) return wa__bad_object(r, WA__RESPONSE, "wa_response_read");  /* freed before it ran */
    }
}

int wa_response_read_all(wa_response *r, char **body, size_t *len) {
    if (!wa__is(r, WA__RESPONSE)) return wa__bad_object(r, WA__RESPONSE, "wa_response_read_all");
    if (!body) return wa__error(WA_EINVAL, "wa_response_read_all: body is NULL");
    size_t used = 0, cap = 0, expected = expected_length(r);
    char *all = NULL;
    for (;;) {
        if (used == cap) {               /* a known length fits at once, with room to see the end */
            size_t grown = cap ? cap * 2 : expected <= r->max_body ? expected + 1 : CHUNK;
            char *bigger = grown - 1 <= r->max_body + CHUNK ? wa__realloc(all, grown + 1) : NULL;
            if (!bigger) {
                free(all);
                return wa__error(grown - 1 <= r->max_body + CHUNK ? WA_ENOMEM : WA_ETOOBIG,
                                 "the body of %s is larger than %zu bytes", r->url, r->max_body);
            }
            all = bigger;
            cap = grown;
        }
        size_t got;
        int rc = wa_response_read(r, all + used, cap - used, &got);
        if (rc == 0 && used + got > r->max_body)
            rc = wa__error(WA_ETOOBIG, "the body of %s is larger than %zu bytes", r->url, r->max_body);
        if (rc) {
            free(all);
            return rc;
        }
        if (got == 0) break;
        used += got;
    }
    all[used] = 0;
    *body = all;
    if (len) *len = used;
    return 0;
}
