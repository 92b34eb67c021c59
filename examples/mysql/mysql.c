/* A MySQL/MariaDB client on wasyncio streams (see mysql.h). Every command
 * sent gets a ticket and a slot; replies are read in ticket order by
 * whoever holds the reading lock, each into its ticket's slot (or dropped,
 * when its caller was cancelled), until the reader's own is there: the
 * order in which callers come to read does not matter (a caller held in
 * drain may come after one that sent later). The reply being decoded (its state, the result built so
 * far, the sequence id expected next) lives in the connection, and received
 * bytes wait in its buffer until they make a whole packet, so a reader that
 * is cancelled mid-reply leaves everything for the next one. */
#include "mysql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ_CHUNK = 64 * 1024, MAX_CHUNK = 0xFFFFFF, MAX_COLUMNS = 4096 };
#define MAX_PACKET (1024UL * 1024 * 1024)   /* the largest max_allowed_packet a server takes */

/* Capability flags (the client's and the server's). */
#define CLIENT_LONG_PASSWORD 0x1u
#define CLIENT_LONG_FLAG 0x4u
#define CLIENT_CONNECT_WITH_DB 0x8u
#define CLIENT_PROTOCOL_41 0x200u
#define CLIENT_TRANSACTIONS 0x2000u
#define CLIENT_SECURE_CONNECTION 0x8000u
#define CLIENT_PLUGIN_AUTH 0x80000u
#define CLIENT_DEPRECATE_EOF 0x1000000u
#define SERVER_MORE_RESULTS_EXISTS 0x8u

enum { COM_QUIT = 0x01, COM_QUERY = 0x03, COM_PING = 0x0e };
enum { CHARSET_UTF8MB4 = 45 };           /* utf8mb4_general_ci */

static const char NATIVE[] = "mysql_native_password";

/* ------------------------------------------------------------------- SHA-1 */

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void sha1_block(uint32_t h[5], const unsigned char *p) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else f = b ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

typedef struct sha1 {
    uint32_t h[5];
    uint64_t total;
    unsigned char block[64];
    size_t used;
} sha1;

static void sha1_init(sha1 *s) {
    static const uint32_t start[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    memcpy(s->h, start, sizeof start);
    s->total = 0;
    s->used = 0;
}

static void sha1_update(sha1 *s, const void *data, size_t len) {
    const unsigned char *p = data;
    s->total += len;
    while (len) {
        size_t n = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, n);
        s->used += n;
        p += n;
        len -= n;
        if (s->used == 64) {
            sha1_block(s->h, s->block);
            s->used = 0;
        }
    }
}

static void sha1_final(sha1 *s, unsigned char out[20]) {
    uint64_t bits = s->total * 8;
    unsigned char pad = 0x80;
    sha1_update(s, &pad, 1);
    pad = 0;
    while (s->used != 56) sha1_update(s, &pad, 1);
    unsigned char length[8];
    for (int i = 0; i < 8; i++) length[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(s, length, 8);
    for (int i = 0; i < 20; i++) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void mysql_sha1(const void *data, size_t len, unsigned char out[20]) {
    sha1 s;
    sha1_init(&s);
    sha1_update(&s, data, len);
    sha1_final(&s, out);
}

void mysql_native_scramble(const char *password, const unsigned char scramble[20], unsigned char out[20]) {
    unsigned char stage1[20], stage2[20], mix[20];
    mysql_sha1(password, strlen(password), stage1);
    mysql_sha1(stage1, 20, stage2);
    sha1 s;
    sha1_init(&s);
    sha1_update(&s, scramble, 20);
    sha1_update(&s, stage2, 20);
    sha1_final(&s, mix);
    for (int i = 0; i < 20; i++) out[i] = stage1[i] ^ mix[i];
}

/* ----------------------------------------------------------- packet fields */

/* A reader over one payload: once a field runs past the end, ok is 0 and
 * every later field reads as zero. */
typedef struct rd {
    const unsigned char *p, *end;
    int ok;
} rd;

static const unsigned char *take(rd *r, size_t n) {
    if (!r->ok || (size_t)(r->end - r->p) < n) {
        r->ok = 0;
        return NULL;
    }
    const unsigned char *at = r->p;
    r->p += n;
    return at;
}

static uint64_t fixed(rd *r, int bytes) {
    const unsigned char *p = take(r, (size_t)bytes);
    uint64_t v = 0;
    for (int i = bytes - 1; p && i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* A length-encoded integer; *null set when it is the NULL marker (0xFB),
 * which only rows may hold (null may be NULL elsewhere: then it is bad). */
static uint64_t lenenc(rd *r, int *null) {
    const unsigned char *p = take(r, 1);
    if (null) *null = 0;
    if (!p) return 0;
    switch (*p) {
    case 0xFB:
        if (null) *null = 1;
        else r->ok = 0;
        return 0;
    case 0xFC: return fixed(r, 2);
    case 0xFD: return fixed(r, 3);
    case 0xFE: return fixed(r, 8);
    case 0xFF: r->ok = 0; return 0;
    default: return *p;
    }
}

/* A length-encoded string: its bytes (in the payload) and length. */
static const unsigned char *lenenc_str(rd *r, size_t *len) {
    uint64_t n = lenenc(r, NULL);
    *len = 0;
    if (!r->ok || n > (uint64_t)(r->end - r->p)) {
        r->ok = 0;
        return NULL;
    }
    *len = (size_t)n;
    return take(r, (size_t)n);
}

/* A 0-terminated string; its length without the 0. */
static const char *nul_str(rd *r, size_t *len) {
    const unsigned char *z = r->ok ? memchr(r->p, 0, (size_t)(r->end - r->p)) : NULL;
    if (!z) {
        r->ok = 0;
        *len = 0;
        return NULL;
    }
    *len = (size_t)(z - r->p);
    return (const char *)take(r, *len + 1);
}

static int bad(const char *why) { return wa_fail(WA_EPROTO, "not a valid MySQL reply: %s", why); }

/* ------------------------------------------------------------------ framing */

/* One packet from buf[0, len), its parts joined when it came as several
 * (payloads of 2^24-1 bytes continue in the next): returns the bytes it took
 * with *payload (into buf, or into *joined, malloc'd) and *plen set and *seq
 * advanced past its parts; 0 when the bytes end first; -1 when a part
 * carries the wrong sequence id or the whole is too large; -2 out of memory. */
static long frame(const unsigned char *buf, size_t len, uint8_t *seq, const unsigned char **payload, size_t *plen,
                  unsigned char **joined) {
    size_t off = 0, total = 0, parts = 0;
    uint8_t s = *seq;
    for (;;) {
        if (len - off < 4) return 0;
        size_t n = (size_t)buf[off] | (size_t)buf[off + 1] << 8 | (size_t)buf[off + 2] << 16;
        if (buf[off + 3] != s) {
            wa_fail(WA_EPROTO, "a MySQL packet with sequence id %u where %u was due", buf[off + 3], s);
            return -1;
        }
        if (total + n > MAX_PACKET) {
            wa_fail(WA_EPROTO, "a MySQL packet over %lu bytes", (unsigned long)MAX_PACKET);
            return -1;
        }
        if (len - off - 4 < n) return 0;
        total += n;
        off += 4 + n;
        parts++;
        s++;
        if (n < MAX_CHUNK) break;
    }
    *joined = NULL;
    if (parts == 1) {
        *payload = buf + 4;
    } else {
        unsigned char *all = malloc(total ? total : 1);
        if (!all) return wa_fail(WA_ENOMEM, NULL), -2;
        for (size_t at = 0, used = 0; used < total; at += 4 + MAX_CHUNK) {
            size_t n = total - used < MAX_CHUNK ? total - used : MAX_CHUNK;
            memcpy(all + used, buf + at + 4, n);
            used += n;
        }
        *payload = *joined = all;
    }
    *plen = total;
    *seq = s;
    return (long)off;
}

/* ------------------------------------------------------------------ replies */

void mysql_result_free(mysql_result *res) {
    if (!res) return;
    for (size_t i = 0; i < res->column_count; i++) free(res->columns[i].schema);  /* one block per column */
    free(res->columns);
    for (size_t i = 0; i < res->row_count; i++) free(res->rows[i]);                /* one block per row */
    free(res->rows);
    free(res->info);
    free(res);
}

const mysql_value *mysql_result_value(const mysql_result *res, size_t r, size_t col) {
    if (!res || r >= res->row_count || col >= res->column_count) return NULL;
    return &res->rows[r][col];
}

enum { D_FIRST, D_COLUMNS, D_COLUMNS_END, D_ROWS };

/* The reply being decoded: one packet at a time (feed). */
typedef struct decoder {
    int deprecate_eof;                   /* rows end with an OK packet, not EOF */
    uint8_t seq;                         /* the sequence id the next packet must carry */
    int state;
    mysql_result *res;                   /* built so far */
    size_t columns_read, rows_cap;
    int failed;                          /* the reply was an ERR packet... */
    int server_error;                    /* ...with this code */
    char sqlstate[6];
    char message[512];
} decoder;

static void decoder_start(decoder *d, uint8_t seq) {
    mysql_result_free(d->res);
    d->res = NULL;
    d->seq = seq;
    d->state = D_FIRST;
    d->columns_read = d->rows_cap = 0;
    d->failed = d->server_error = 0;
    d->sqlstate[0] = d->message[0] = 0;
}

/* An ERR packet (0xFF, code, "#" and SQLSTATE, message) into d. */
static int parse_err(decoder *d, const unsigned char *p, size_t n) {
    rd r = {p + 1, p + n, 1};
    d->failed = 1;
    d->server_error = (int)fixed(&r, 2);
    if (!r.ok) return bad("an ERR packet without a code");
    d->sqlstate[0] = 0;
    if (r.p < r.end && *r.p == '#') {
        const unsigned char *state = take(&r, 6);
        if (!state) return bad("an ERR packet with a short SQLSTATE");
        memcpy(d->sqlstate, state + 1, 5);
        d->sqlstate[5] = 0;
    }
    size_t len = (size_t)(r.end - r.p);
    if (len > sizeof d->message - 1) len = sizeof d->message - 1;
    memcpy(d->message, r.p, len);
    d->message[len] = 0;
    return 0;
}

/* An OK packet (header 0x00, or 0xFE ending rows) into res. */
static int parse_ok(mysql_result *res, const unsigned char *p, size_t n) {
    rd r = {p + 1, p + n, 1};
    res->affected_rows = lenenc(&r, NULL);
    res->insert_id = lenenc(&r, NULL);
    res->status = (unsigned)fixed(&r, 2);
    res->warnings = (unsigned)fixed(&r, 2);
    /* The message is length-encoded (as servers write it and libmysql reads
     * it, though the protocol's documentation says "the rest"); none at all
     * when the packet ends here. */
    size_t len = 0;
    const unsigned char *info = r.ok && r.p < r.end ? lenenc_str(&r, &len) : NULL;
    if (!r.ok) return bad("a short OK packet");
    free(res->info);
    if (!(res->info = malloc(len + 1))) return wa_fail(WA_ENOMEM, NULL);
    if (len) memcpy(res->info, info, len);
    res->info[len] = 0;
    return 0;
}

static int parse_column(mysql_column *col, const unsigned char *p, size_t n) {
    rd r = {p, p + n, 1};
    size_t len[6];
    const unsigned char *s[6];
    for (int i = 0; i < 6; i++) s[i] = lenenc_str(&r, &len[i]);  /* catalog, schema, table, org_table, name, org_name */
    uint64_t fixed_len = lenenc(&r, NULL);
    const unsigned char *f = take(&r, 12);
    if (!r.ok || fixed_len < 12) return bad("a short column definition");
    char *block = malloc(len[1] + len[2] + len[3] + len[4] + len[5] + 5), *at = block;
    if (!block) return wa_fail(WA_ENOMEM, NULL);
    char **to[6] = {NULL, &col->schema, &col->table, &col->org_table, &col->name, &col->org_name};
    for (int i = 1; i < 6; i++) {
        if (len[i]) memcpy(at, s[i], len[i]);
        at[len[i]] = 0;
        *to[i] = at;
        at += len[i] + 1;
    }
    rd fr = {f, f + 12, 1};
    col->charset = (unsigned)fixed(&fr, 2);
    col->length = (unsigned long)fixed(&fr, 4);
    col->type = (unsigned)fixed(&fr, 1);
    col->flags = (unsigned)fixed(&fr, 2);
    col->decimals = (unsigned)fixed(&fr, 1);
    return 0;
}

static int parse_row(mysql_result *res, size_t *cap, const unsigned char *p, size_t n) {
    size_t cols = res->column_count, bytes = 0;
    rd r = {p, p + n, 1};
    for (size_t i = 0; i < cols && r.ok; i++) {
        int null;
        uint64_t len = lenenc(&r, &null);
        if (!null && r.ok && len > (uint64_t)(r.end - r.p)) r.ok = 0;
        if (!null && r.ok) take(&r, (size_t)len), bytes += (size_t)len + 1;
    }
    if (!r.ok || r.p != r.end) return bad(r.ok ? "a row longer than its columns" : "a short row");
    if (res->row_count == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        mysql_value **rows = realloc(res->rows, c * sizeof *rows);
        if (!rows) return wa_fail(WA_ENOMEM, NULL);
        res->rows = rows;
        *cap = c;
    }
    mysql_value *row = malloc(cols * sizeof *row + bytes + 1);
    if (!row) return wa_fail(WA_ENOMEM, NULL);
    char *at = (char *)(row + cols);
    r = (rd){p, p + n, 1};
    for (size_t i = 0; i < cols; i++) {
        int null;
        size_t len = (size_t)lenenc(&r, &null);
        if (null) {
            row[i] = (mysql_value){NULL, 0};
            continue;
        }
        memcpy(at, take(&r, len), len);
        at[len] = 0;
        row[i] = (mysql_value){at, len};
        at += len + 1;
    }
    res->rows[res->row_count++] = row;
    return 0;
}

/* Takes the reply's next packet: 1 when the reply is complete (d->res is
 * the result, or d->failed is set), 0 when more packets belong to
 * it, -1 when the packet is not what the reply can hold here. */
static int feed(decoder *d, const unsigned char *p, size_t n) {
    if (n == 0) return bad("an empty packet"), -1;
    int end_of_rows = p[0] == 0xFE && (d->deprecate_eof ? n < MAX_CHUNK : n < 9);
    switch (d->state) {
    case D_FIRST: {
        if (p[0] == 0xFF) return parse_err(d, p, n) ? -1 : 1;
        if (!(d->res = calloc(1, sizeof *d->res))) return wa_fail(WA_ENOMEM, NULL), -1;
        if (p[0] == 0x00) {
            if (parse_ok(d->res, p, n)) return -1;
            if (d->res->status & SERVER_MORE_RESULTS_EXISTS) return bad("more results, which this client did not ask for"), -1;
            return 1;
        }
        if (p[0] == 0xFB) return bad("a LOCAL INFILE request, which this client did not enable"), -1;
        rd r = {p, p + n, 1};
        uint64_t count = lenenc(&r, NULL);
        if (!r.ok || r.p != r.end || count == 0 || count > MAX_COLUMNS) return bad("a bad column count"), -1;
        if (!(d->res->columns = calloc((size_t)count, sizeof *d->res->columns))) return wa_fail(WA_ENOMEM, NULL), -1;
        d->res->column_count = (size_t)count;
        d->columns_read = 0;
        d->state = D_COLUMNS;
        return 0;
    }
    case D_COLUMNS:
        if (p[0] == 0xFF || end_of_rows) return bad("fewer column definitions than columns"), -1;
        if (parse_column(&d->res->columns[d->columns_read], p, n)) return -1;
        if (++d->columns_read == d->res->column_count) d->state = d->deprecate_eof ? D_ROWS : D_COLUMNS_END;
        return 0;
    case D_COLUMNS_END:
        if (!(p[0] == 0xFE && n < 9)) return bad("no EOF packet after the column definitions"), -1;
        d->state = D_ROWS;
        return 0;
    case D_ROWS:
        if (p[0] == 0xFF) {              /* the query failed mid-way (killed, a conversion error) */
            mysql_result_free(d->res);
            d->res = NULL;
            return parse_err(d, p, n) ? -1 : 1;
        }
        if (end_of_rows) {
            if (d->deprecate_eof) {
                unsigned long long affected = d->res->affected_rows;
                if (parse_ok(d->res, p, n)) return -1;
                d->res->affected_rows = affected;
            } else {
                rd r = {p + 1, p + n, 1};
                d->res->warnings = (unsigned)fixed(&r, 2);
                d->res->status = (unsigned)fixed(&r, 2);
                if (!r.ok) return bad("a short EOF packet"), -1;
            }
            if (d->res->status & SERVER_MORE_RESULTS_EXISTS) return bad("more results, which this client did not ask for"), -1;
            if (!d->res->info && !(d->res->info = calloc(1, 1))) return wa_fail(WA_ENOMEM, NULL), -1;
            return 1;
        }
        return parse_row(d->res, &d->rows_cap, p, n) ? -1 : 0;
    }
    return bad("a reply in an unknown state"), -1;
}

long mysql_parse_reply(const char *buf, size_t len, int first_seq, int deprecate_eof, mysql_result **result, int *server_error) {
    decoder d = {0};
    decoder_start(&d, (uint8_t)first_seq);
    d.deprecate_eof = deprecate_eof;
    *result = NULL;
    *server_error = 0;
    size_t used = 0;
    for (;;) {
        const unsigned char *p;
        unsigned char *joined;
        size_t n;
        long took = frame((const unsigned char *)buf + used, len - used, &d.seq, &p, &n, &joined);
        if (took <= 0) {
            mysql_result_free(d.res);
            return took < 0 ? -1 : 0;
        }
        used += (size_t)took;
        int fed = feed(&d, p, n);
        free(joined);
        if (fed < 0) {
            mysql_result_free(d.res);
            return -1;
        }
        if (fed == 1) {
            *result = d.res;
            *server_error = d.server_error;
            return (long)used;
        }
    }
}

/* --------------------------------------------------------------- greeting */

typedef struct greeting {
    char version[96];
    unsigned long thread_id;
    uint32_t caps;
    unsigned char scramble[20];
    char plugin[64];
} greeting;

static int parse_greeting(const unsigned char *p, size_t n, greeting *g) {
    rd r = {p, p + n, 1};
    unsigned proto = (unsigned)fixed(&r, 1);
    if (r.ok && proto != 10) return wa_fail(WA_EPROTO, "a MySQL greeting of protocol %u, not 10", proto);
    size_t len;
    const char *version = nul_str(&r, &len);
    if (!version) return wa_fail(WA_EPROTO, "a MySQL greeting without a server version");
    snprintf(g->version, sizeof g->version, "%.*s", (int)len, version);
    /* MariaDB puts "5.5.5-" before its version, for clients that read 10 as 1 */
    if (strncmp(g->version, "5.5.5-", 6) == 0 && strstr(g->version, "MariaDB"))
        memmove(g->version, g->version + 6, strlen(g->version + 6) + 1);
    g->thread_id = (unsigned long)fixed(&r, 4);
    const unsigned char *part1 = take(&r, 8);
    fixed(&r, 1);
    g->caps = (uint32_t)fixed(&r, 2);
    if (!r.ok) return wa_fail(WA_EPROTO, "a short MySQL greeting");
    memcpy(g->scramble, part1, 8);
    unsigned data_len = 0;
    if (r.p < r.end) {
        fixed(&r, 1);                    /* charset */
        fixed(&r, 2);                    /* status */
        g->caps |= (uint32_t)fixed(&r, 2) << 16;
        data_len = (unsigned)fixed(&r, 1);
        take(&r, 10);                    /* reserved (MariaDB keeps capabilities of its own there) */
    }
    if (!(g->caps & CLIENT_PROTOCOL_41) || !(g->caps & CLIENT_SECURE_CONNECTION))
        return wa_fail(WA_EPROTO, "a MySQL server older than protocol 4.1 (%s)", g->version);
    size_t part2 = data_len > 21 ? data_len - 8 : 13;
    const unsigned char *rest = take(&r, part2);
    if (!r.ok) return wa_fail(WA_EPROTO, "a MySQL greeting with a short scramble");
    memcpy(g->scramble + 8, rest, 12);
    g->plugin[0] = 0;
    if (g->caps & CLIENT_PLUGIN_AUTH) {
        /* 0-terminated; some servers leave the 0 out at the end */
        size_t left = (size_t)(r.end - r.p);
        const unsigned char *z = memchr(r.p, 0, left);
        len = z ? (size_t)(z - r.p) : left;
        snprintf(g->plugin, sizeof g->plugin, "%.*s", (int)len, (const char *)r.p);
    }
    return 0;
}

int mysql_parse_greeting(const char *payload, size_t len) {
    greeting g;
    return parse_greeting((const unsigned char *)payload, len, &g);
}

/* ------------------------------------------------------------- connection */

/* A command's reply, from the time it is sent until its caller has it. */
enum { OWED, READY, ABANDONED, TAKEN };
typedef struct slot {
    uint8_t first_seq;                   /* the reply's first sequence id */
    uint8_t state;                       /* OWED: not read; READY: read, the caller's to take */
    int failed, code;                    /* READY after an ERR packet: its code, */
    char sqlstate[6];                    /* SQLSTATE */
    char *message;                       /* and message */
    mysql_result *res;                   /* READY otherwise */
} slot;

struct mysql {
    wa_stream *s;
    unsigned char *in;                   /* received, not yet taken: in[pos, len) */
    size_t pos, len, cap;
    wa_lock *reading;                    /* held while reading replies */
    unsigned long long sent, answered;   /* tickets given out; replies read */
    unsigned long long base;             /* the oldest ticket whose slot is kept */
    slot *slots;                         /* tickets base..sent-1, at ticket % slots_cap */
    size_t slots_cap;
    decoder dec;                         /* the reply being read */
    int decoding;                        /* dec holds a reply begun */
    uint32_t caps;                       /* as negotiated */
    int broken;                          /* an error after which nothing can follow */
    char why[256];
    int error_code;
    char sqlstate[6];
    greeting hello;
};

static int fail_broken(mysql *c) {
    return wa_fail(c->broken, "the MySQL connection is unusable: %s", c->why);
}

static int breaks(mysql *c, int rc) {
    if (rc && rc != WA_ECANCELLED && !c->broken) {
        c->broken = rc;
        snprintf(c->why, sizeof c->why, "%s", wa_errmsg());
    }
    return rc;
}

/* The next packet off the connection, its parts joined (*joined to free
 * after, or NULL), *seq checked and advanced. May suspend; nothing is taken
 * from the buffer until the whole packet is there. */
static int next_packet(mysql *c, uint8_t *seq, const unsigned char **p, size_t *n, unsigned char **joined) {
    for (;;) {
        long took = frame(c->in + c->pos, c->len - c->pos, seq, p, n, joined);
        if (took > 0) {
            c->pos += (size_t)took;
            return 0;
        }
        if (took < 0) return took == -2 ? WA_ENOMEM : WA_EPROTO;
        if (c->pos) {                    /* keep the partial packet at the front */
            memmove(c->in, c->in + c->pos, c->len - c->pos);
            c->len -= c->pos;
            c->pos = 0;
        }
        if (c->cap - c->len < READ_CHUNK) {
            size_t cap = c->cap ? c->cap * 2 : READ_CHUNK;
            while (cap - c->len < READ_CHUNK) cap *= 2;
            unsigned char *in = realloc(c->in, cap);
            if (!in) return wa_fail(WA_ENOMEM, NULL);
            c->in = in;
            c->cap = cap;
        }
        size_t got = 0;
        int rc = wa_stream_read(c->s, c->in + c->len, c->cap - c->len, &got);
        if (rc) return rc;
        if (!got) return wa_fail(WA_ERESET, "the MySQL server closed the connection");
        c->len += got;
    }
}

/* Writes one packet (several when 2^24-1 bytes or more) of a command byte
 * (none when cmd < 0) and len bytes; returns the sequence id after it. */
static int write_packet(mysql *c, int cmd, const void *data, size_t len, uint8_t seq, uint8_t *next) {
    size_t total = len + (cmd >= 0);
    const unsigned char *src = data;
    unsigned char *joined = NULL;
    if (cmd >= 0) {                      /* one buffer, so the parts split at the right byte */
        if (!(joined = malloc(total))) return wa_fail(WA_ENOMEM, NULL);
        joined[0] = (unsigned char)cmd;
        if (len) memcpy(joined + 1, data, len);
        src = joined;
    }
    int rc = 0;
    size_t off = 0;
    for (;;) {
        size_t n = total - off < MAX_CHUNK ? total - off : MAX_CHUNK;
        unsigned char head[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), seq++};
        /* writes do not suspend: the parts of one packet go together */
        if ((rc = wa_stream_write(c->s, head, 4)) || (n && (rc = wa_stream_write(c->s, src + off, n)))) break;
        off += n;
        if (n < MAX_CHUNK) break;        /* a part of exactly 2^24-1 bytes needs a (maybe empty) next */
    }
    free(joined);
    *next = seq;
    return rc;
}

/* The slot of a ticket still kept (base <= ticket < sent). */
static slot *slot_of(mysql *c, unsigned long long ticket) { return &c->slots[ticket % c->slots_cap]; }

/* Lets base pass the slots nobody will look at again. */
static void trim(mysql *c) {
    while (c->base < c->answered && slot_of(c, c->base)->state >= ABANDONED) c->base++;
}

static void slot_clear(slot *s) {
    mysql_result_free(s->res);
    free(s->message);
    s->res = NULL;
    s->message = NULL;
}

/* Sends a command and gives it a ticket. May suspend (drain): a cancelled
 * drain still sends it, so the ticket stands and its reply is dropped. */
static int send_command(mysql *c, int cmd, const char *data, size_t len, unsigned long long *ticket) {
    if (c->broken) return fail_broken(c);
    if (c->sent - c->base == c->slots_cap) {
        size_t cap = c->slots_cap ? c->slots_cap * 2 : 16;
        slot *slots = malloc(cap * sizeof *slots);
        if (!slots) return wa_fail(WA_ENOMEM, NULL);
        for (unsigned long long t = c->base; t < c->sent; t++) slots[t % cap] = *slot_of(c, t);
        free(c->slots);
        c->slots = slots;
        c->slots_cap = cap;
    }
    uint8_t after;
    int rc = write_packet(c, cmd, data, len, 0, &after);
    if (rc) return breaks(c, rc);
    *slot_of(c, c->sent) = (slot){.first_seq = after, .state = OWED};
    *ticket = c->sent++;
    if ((rc = wa_stream_drain(c->s))) slot_of(c, *ticket)->state = ABANDONED;  /* nobody will wait for it */
    return breaks(c, rc);
}

/* Reads the reply to the oldest command not yet answered (going on with
 * one a cancelled reader began) into its ticket's slot, or drops it when
 * its caller has gone. May suspend. */
static int read_reply(mysql *c) {
    if (c->broken) return fail_broken(c);
    if (!c->decoding) {
        decoder_start(&c->dec, slot_of(c, c->answered)->first_seq);
        c->dec.deprecate_eof = (c->caps & CLIENT_DEPRECATE_EOF) != 0;
        c->decoding = 1;
    }
    for (;;) {
        const unsigned char *p;
        unsigned char *joined;
        size_t n;
        int rc = next_packet(c, &c->dec.seq, &p, &n, &joined);
        if (rc) return breaks(c, rc);
        int fed = feed(&c->dec, p, n);
        free(joined);
        if (fed < 0) return breaks(c, WA_EPROTO);
        if (fed == 1) break;
    }
    c->decoding = 0;
    slot *s = slot_of(c, c->answered++);
    if (s->state == OWED) {
        s->state = READY;
        s->res = c->dec.res;
        c->dec.res = NULL;
        if ((s->failed = c->dec.failed)) {
            s->code = c->dec.server_error;
            memcpy(s->sqlstate, c->dec.sqlstate, sizeof s->sqlstate);
            if (!(s->message = malloc(strlen(c->dec.message) + 1))) return breaks(c, wa_fail(WA_ENOMEM, NULL));
            strcpy(s->message, c->dec.message);
        }
    }
    trim(c);
    return 0;
}

/* Waits for the reply to ticket. Whoever holds the reading lock reads
 * replies in order into their tickets' slots until its own is there, so a
 * caller whose reply another read takes it from its slot; a caller that
 * gives up leaves its slot to be dropped. */
static int reply_for(mysql *c, unsigned long long ticket, mysql_result **out) {
    *out = NULL;
    int rc = 0;
    if (slot_of(c, ticket)->state != READY && (rc = wa_lock_acquire(c->reading)) == 0) {
        while (rc == 0 && slot_of(c, ticket)->state != READY) rc = read_reply(c);
        wa_lock_release(c->reading);
    }
    slot *s = slot_of(c, ticket);        /* again: the slots may have moved */
    if (rc) {
        if (s->state == READY) slot_clear(s);
        s->state = s->state == READY ? TAKEN : ABANDONED;
        trim(c);
        return rc;
    }
    *out = s->res;
    s->res = NULL;
    s->state = TAKEN;
    c->error_code = s->failed ? s->code : 0;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", s->failed ? s->sqlstate : "");
    if (s->failed) rc = wa_fail(MYSQL_ESERVER, "ERROR %d (%s): %s", s->code, s->sqlstate, s->message);
    slot_clear(s);
    trim(c);
    return rc;
}

int mysql_query_len(mysql *c, const char *sql, size_t len, mysql_result **result) {
    if (result) *result = NULL;
    if (!c || !sql || !result) return wa_fail(WA_EINVAL, "mysql_query: NULL argument");
    c->error_code = 0;
    c->sqlstate[0] = 0;
    unsigned long long ticket;
    int rc = send_command(c, COM_QUERY, sql, len, &ticket);
    return rc ? rc : reply_for(c, ticket, result);
}

int mysql_query(mysql *c, const char *sql, mysql_result **result) {
    return mysql_query_len(c, sql, sql ? strlen(sql) : 0, result);
}

int mysql_ping(mysql *c) {
    if (!c) return wa_fail(WA_EINVAL, "mysql_ping: NULL connection");
    mysql_result *res = NULL;
    unsigned long long ticket;
    int rc = send_command(c, COM_PING, NULL, 0, &ticket);
    if (rc == 0) rc = reply_for(c, ticket, &res);
    if (rc == 0 && res->column_count) rc = breaks(c, bad("a result set for a ping"));
    mysql_result_free(res);
    return rc;
}

int mysql_error_code(const mysql *c) { return c ? c->error_code : 0; }
const char *mysql_sqlstate(const mysql *c) { return c ? c->sqlstate : ""; }
const char *mysql_server_version(const mysql *c) { return c ? c->hello.version : ""; }
unsigned long mysql_thread_id(const mysql *c) { return c ? c->hello.thread_id : 0; }

/* ------------------------------------------------------------------ login */

/* The handshake response: who we are, the scramble's answer, the schema. */
static int send_login(mysql *c, const mysql_options *o, const unsigned char *answer, size_t answer_len, uint8_t seq,
                      uint8_t *next) {
    const char *user = o->user ? o->user : "";
    const char *db = o->database && *o->database ? o->database : NULL;
    size_t ulen = strlen(user), dlen = db ? strlen(db) : 0;
    size_t size = 32 + ulen + 1 + 1 + answer_len + dlen + 1 + sizeof NATIVE;
    unsigned char *p = calloc(1, size), *at = p;
    if (!p) return wa_fail(WA_ENOMEM, NULL);
    uint32_t caps = c->caps | (db ? CLIENT_CONNECT_WITH_DB : 0);
    uint32_t max_packet = MAX_PACKET;   /* the largest packet we take */
    for (int i = 0; i < 4; i++) *at++ = (unsigned char)(caps >> 8 * i);
    for (int i = 0; i < 4; i++) *at++ = (unsigned char)(max_packet >> 8 * i);
    *at++ = CHARSET_UTF8MB4;
    at += 23;                            /* reserved, zero */
    memcpy(at, user, ulen + 1);
    at += ulen + 1;
    *at++ = (unsigned char)answer_len;   /* SECURE_CONNECTION: one length byte */
    memcpy(at, answer, answer_len);
    at += answer_len;
    if (db) {
        memcpy(at, db, dlen + 1);
        at += dlen + 1;
    }
    if (c->caps & CLIENT_PLUGIN_AUTH) {
        memcpy(at, NATIVE, sizeof NATIVE);
        at += sizeof NATIVE;
    }
    int rc = write_packet(c, -1, p, (size_t)(at - p), seq, next);
    free(p);
    return rc ? rc : wa_stream_drain(c->s);
}

static int login(mysql *c, const mysql_options *o) {
    uint8_t seq = 0;
    const unsigned char *p;
    unsigned char *joined;
    size_t n;
    int rc = next_packet(c, &seq, &p, &n, &joined);
    if (rc) return rc;
    if (n && p[0] == 0xFF) {             /* refused before the greeting: too many connections, a blocked host */
        decoder d = {0};
        rc = parse_err(&d, p, n);
        free(joined);
        return rc ? rc : wa_fail(MYSQL_ESERVER, "ERROR %d: %s", d.server_error, d.message);
    }
    rc = parse_greeting(p, n, &c->hello);
    free(joined);
    if (rc) return rc;
    c->caps = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS |
               CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_DEPRECATE_EOF) & c->hello.caps;
    if (o->database && *o->database && !(c->hello.caps & CLIENT_CONNECT_WITH_DB))
        return wa_fail(WA_EPROTO, "the MySQL server cannot select a database at login");
    const char *password = o->password ? o->password : "";
    unsigned char answer[20];
    size_t answer_len = *password ? 20 : 0;
    /* The native answer whatever the greeting named: a server that wants
     * another method says so with an auth switch request. */
    if (answer_len) mysql_native_scramble(password, c->hello.scramble, answer);
    if ((rc = send_login(c, o, answer, answer_len, seq, &seq))) return rc;
    for (int round = 0; round < 3; round++) {
        if ((rc = next_packet(c, &seq, &p, &n, &joined))) return rc;
        if (n == 0) {
            rc = wa_fail(WA_EPROTO, "an empty packet in the MySQL login");
        } else if (p[0] == 0x00) {
            rc = 0;
        } else if (p[0] == 0xFF) {
            decoder d = {0};
            if (!(rc = parse_err(&d, p, n))) {
                c->error_code = d.server_error;
                snprintf(c->sqlstate, sizeof c->sqlstate, "%s", d.sqlstate);
                /* 1045: access denied; 1251, 1698: the method or account is refused */
                int auth = d.server_error == 1045 || d.server_error == 1251 || d.server_error == 1698;
                rc = wa_fail(auth ? MYSQL_EAUTH : MYSQL_ESERVER, "ERROR %d (%s): %s", d.server_error, d.sqlstate, d.message);
            }
        } else if (p[0] == 0xFE) {       /* auth switch request: a method name, then its data */
            rd r = {p + 1, p + n, 1};
            size_t len;
            const char *method = nul_str(&r, &len);
            size_t data_len = (size_t)(r.end - r.p);
            if (!method) {
                rc = wa_fail(MYSQL_EAUTH, "the MySQL server asks for the old (pre-4.1) password method, which this client does not have");
            } else if (strcmp(method, NATIVE) != 0) {
                rc = wa_fail(MYSQL_EAUTH, "the MySQL server asks for the authentication method %.*s, which this client does not have",
                             (int)(len > 64 ? 64 : len), method);
            } else if (data_len < 20) {
                rc = wa_fail(WA_EPROTO, "an auth switch request with a short scramble");
            } else {
                memcpy(c->hello.scramble, r.p, 20);
                if (answer_len) mysql_native_scramble(password, c->hello.scramble, answer);
                free(joined);
                joined = NULL;
                if ((rc = write_packet(c, -1, answer, answer_len, seq, &seq)) || (rc = wa_stream_drain(c->s))) return rc;
                continue;
            }
        } else if (p[0] == 0x01) {
            rc = wa_fail(MYSQL_EAUTH, "the MySQL server wants more authentication data (caching_sha2_password's full exchange?), which this client does not have");
        } else {
            rc = wa_fail(WA_EPROTO, "a packet of type 0x%02x in the MySQL login", p[0]);
        }
        free(joined);
        return rc;
    }
    return wa_fail(MYSQL_EAUTH, "the MySQL server switched the authentication method more than twice");
}

int mysql_connect(const mysql_options *opts, mysql **out) {
    if (out) *out = NULL;
    if (!opts || !out) return wa_fail(WA_EINVAL, "mysql_connect: NULL argument");
    mysql *c = calloc(1, sizeof *c);
    if (!c || !(c->reading = wa_lock_new())) {
        free(c);
        return wa_fail(WA_ENOMEM, NULL);
    }
    /* The timeout covers the login too: a server may accept and never greet. */
    wa_timeout *tm = NULL;
    int rc = opts->timeout > 0 ? wa_timeout_enter(opts->timeout, &tm) : 0;
    if (rc == 0) rc = wa_open_connection(opts->host ? opts->host : "127.0.0.1", opts->port ? opts->port : 3306, 0, &c->s);
    if (rc == 0) rc = login(c, opts);
    if (tm) {
        rc = wa_timeout_exit(tm, rc);
        wa_timeout_free(tm);
        if (rc == WA_ETIMEDOUT) wa_fail(rc, "connecting and logging in to the MySQL server took over %g s", opts->timeout);
    }
    if (rc) {
        mysql_free(c);
        return rc;
    }
    c->error_code = 0;
    c->sqlstate[0] = 0;
    *out = c;
    return 0;
}

int mysql_close(mysql *c) {
    if (!c) return 0;
    if (!c->broken) {
        uint8_t after;
        write_packet(c, COM_QUIT, NULL, 0, 0, &after);  /* no reply: the server closes */
    }
    int rc = wa_stream_wait_closed(c->s);
    mysql_free(c);
    return rc;
}

void mysql_free(mysql *c) {
    if (!c) return;
    wa_stream_free(c->s);
    wa_lock_free(c->reading);
    mysql_result_free(c->dec.res);
    free(c->in);
    for (unsigned long long t = c->base; t < c->sent; t++) slot_clear(slot_of(c, t));
    free(c->slots);
    free(c);
}
