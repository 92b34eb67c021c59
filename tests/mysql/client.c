/* The MySQL client of examples/mysql: SHA-1 and the reply parser on their
 * own (known vectors, every prefix, malformed replies, 200,000 mutations),
 * a scripted server for what a real one does not show (an auth switch,
 * rows ended by EOF packets, an error mid-rows, a wrong sequence id), and a
 * real MariaDB: every column type as text, NULLs, empty results, OK
 * packets, errors, a wrong password, rows over 16 MiB, 100 tasks on one
 * connection, cancelled queries, 10,000 rows, COM_QUIT.
 * Usage: client [PORT USER PASSWORD]: without a port only the cases that
 * need no server run (and on WASI, which cannot connect, only the parser's). */
#include "../c/check.h"

#include "../../examples/mysql/mysql.h"

#include <stdint.h>

static int port;
static const char *user, *password;

/* CASE, failing the case also when a CHECK inside it failed. */
#define CHECKED_CASE(name, fn)                                                  \
    do {                                                                        \
        int before_ = check_failures, ok_ = fn();                               \
        printf("%s - %s\n", ok_ && check_failures == before_ ? "ok" : "not ok", name); \
        fflush(stdout);                                                         \
    } while (0)

static void hex(const unsigned char *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

/* ------------------------------------------------------------------ SHA-1 */

static int sha1_vectors(void) {
    static const char *const cases[][2] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
    };
    int ok = 1;
    unsigned char d[20];
    char h[41];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mysql_sha1(cases[i][0], strlen(cases[i][0]), d);
        hex(d, 20, h);
        if (strcmp(h, cases[i][1])) printf("  sha1(\"%s\") = %s, want %s\n", cases[i][0], h, cases[i][1]), ok = 0;
    }
    /* a million 'a' (FIPS 180 test 3): many blocks, and lengths around a block's end */
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    mysql_sha1(a, 1000000, d);
    hex(d, 20, h);
    if (strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f")) printf("  sha1(a x 10^6) = %s\n", h), ok = 0;
    free(a);
    /* 55, 56 and 64 bytes: the padding's edge cases (vectors from Python's hashlib) */
    static const char *const edges[] = {"c1c8bbdc22796e28c0e15163d20899b65621d65a", "c2db330f6083854c99d4b5bfb6e8f29f201be699",
                                        "0098ba824b5c16427bd7a1122a5a442a25ec644d"};
    static const size_t lens[] = {55, 56, 64};
    char buf[64];
    memset(buf, 'a', sizeof buf);
    for (int i = 0; i < 3; i++) {
        mysql_sha1(buf, lens[i], d);
        hex(d, 20, h);
        if (strcmp(h, edges[i])) printf("  sha1(a x %zu) = %s, want %s\n", lens[i], h, edges[i]), ok = 0;
    }
    return ok;
}

/* ------------------------------------------------------- reply parsing */

/* Appends a packet (a header and len bytes) to out at *at. */
static void put_packet(unsigned char *out, size_t *at, uint8_t seq, const void *payload, size_t len) {
    out[(*at)++] = (unsigned char)len;
    out[(*at)++] = (unsigned char)(len >> 8);
    out[(*at)++] = (unsigned char)(len >> 16);
    out[(*at)++] = seq;
    memcpy(out + *at, payload, len);
    *at += len;
}

/* A column definition named name, of type type, into p; its length. */
static size_t column_def(unsigned char *p, const char *name, unsigned type) {
    size_t at = 0, n = strlen(name);
    static const char *const pre[] = {"def", "db", "t", "t"};
    for (int i = 0; i < 4; i++) {
        p[at++] = (unsigned char)strlen(pre[i]);
        memcpy(p + at, pre[i], strlen(pre[i]));
        at += strlen(pre[i]);
    }
    for (int i = 0; i < 2; i++) {        /* name, org_name */
        p[at++] = (unsigned char)n;
        memcpy(p + at, name, n);
        at += n;
    }
    static const unsigned char fixed[13] = {0x0c, 45, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(p + at, fixed, 13);
    p[at + 7] = (unsigned char)type;
    return at + 13;
}

/* The replies the parser must take whole: built once. */
enum { N_VALID = 6 };
static unsigned char valid[N_VALID][256];
static size_t valid_len[N_VALID];
static int valid_deprecate[N_VALID];

static void build_valid(void) {
    unsigned char col[64];
    size_t at;
    static const unsigned char ok[] = {0x00, 0x02, 0x07, 0x02, 0x00, 0x01, 0x00, 0x02, 'h', 'i'};
    at = 0, put_packet(valid[0], &at, 1, ok, sizeof ok), valid_len[0] = at;
    static const unsigned char err[] = "\xff\x28\x04#42000You have an error";
    at = 0, put_packet(valid[1], &at, 1, err, sizeof err - 1), valid_len[1] = at;
    /* two columns, two rows ("1", NULL) and ("", "abc"), then OK (deprecate EOF) */
    at = 0;
    put_packet(valid[2], &at, 1, "\x02", 1);
    put_packet(valid[2], &at, 2, col, column_def(col, "a", MYSQL_TYPE_LONG));
    put_packet(valid[2], &at, 3, col, column_def(col, "b", MYSQL_TYPE_VAR_STRING));
    put_packet(valid[2], &at, 4, "\x01" "1\xfb", 3);
    put_packet(valid[2], &at, 5, "\x00\x03" "abc", 5);
    put_packet(valid[2], &at, 6, "\xfe\x00\x00\x02\x00\x00\x00", 7);
    valid_len[2] = at, valid_deprecate[2] = 1;
    /* the same with EOF packets */
    at = 0;
    put_packet(valid[3], &at, 1, "\x01", 1);
    put_packet(valid[3], &at, 2, col, column_def(col, "x", MYSQL_TYPE_LONGLONG));
    put_packet(valid[3], &at, 3, "\xfe\x00\x00\x02\x00", 5);
    put_packet(valid[3], &at, 4, "\x02" "42", 3);
    put_packet(valid[3], &at, 5, "\xfe\x01\x00\x02\x00", 5);
    valid_len[3] = at;
    /* an error after a row */
    at = 0;
    put_packet(valid[4], &at, 1, "\x01", 1);
    put_packet(valid[4], &at, 2, col, column_def(col, "x", MYSQL_TYPE_LONGLONG));
    put_packet(valid[4], &at, 3, "\xfe\x00\x00\x02\x00", 5);
    put_packet(valid[4], &at, 4, "\x02" "42", 3);
    static const char interrupted[] = "\xff\x25\x05#70100Query execution was interrupted";
    put_packet(valid[4], &at, 5, interrupted, sizeof interrupted - 1);
    valid_len[4] = at;
    /* a reply starting at sequence id 255: ids wrap to 0 */
    at = 0;
    put_packet(valid[5], &at, 255, "\x01", 1);
    put_packet(valid[5], &at, 0, col, column_def(col, "w", MYSQL_TYPE_TINY));
    put_packet(valid[5], &at, 1, "\x01" "7", 2);
    put_packet(valid[5], &at, 2, "\xfe\x00\x00\x02\x00\x00\x00", 7);
    valid_len[5] = at, valid_deprecate[5] = 1;
}

static int first_seq(int i) { return i == 5 ? 255 : 1; }

static int reply_parser(void) {
    build_valid();
    int ok = 1;
    for (int i = 0; i < N_VALID; i++) {
        mysql_result *res = NULL;
        int err = 0;
        for (size_t cut = 0; cut < valid_len[i]; cut++)  /* every prefix asks for more */
            if (mysql_parse_reply((char *)valid[i], cut, first_seq(i), valid_deprecate[i], &res, &err) != 0)
                printf("  reply %d: a prefix of %zu bytes did not ask for more\n", i, cut), ok = 0;
        long took = mysql_parse_reply((char *)valid[i], valid_len[i], first_seq(i), valid_deprecate[i], &res, &err);
        if (took != (long)valid_len[i]) printf("  reply %d: took %ld of %zu (%s)\n", i, took, valid_len[i], wa_errmsg()), ok = 0;
        switch (i) {
        case 0:
            CHECK(res && res->column_count == 0 && res->affected_rows == 2 && res->insert_id == 7 && res->status == 2 &&
                  res->warnings == 1 && strcmp(res->info, "hi") == 0);
            break;
        case 1:
        case 4: CHECK(res == NULL && err == (i == 1 ? 1064 : 1317)); break;
        case 2:
            CHECK(res && res->column_count == 2 && res->row_count == 2 && strcmp(res->columns[1].name, "b") == 0 &&
                  res->columns[0].type == MYSQL_TYPE_LONG && res->columns[0].charset == 45);
            if (res && res->row_count == 2) {
                CHECK(res->rows[0][0].len == 1 && strcmp(res->rows[0][0].str, "1") == 0 && res->rows[0][1].str == NULL);
                CHECK(res->rows[1][0].str && res->rows[1][0].len == 0 && strcmp(res->rows[1][1].str, "abc") == 0);
            }
            break;
        case 3: CHECK(res && res->row_count == 1 && res->warnings == 1 && strcmp(res->rows[0][0].str, "42") == 0); break;
        case 5: CHECK(res && res->row_count == 1 && strcmp(res->rows[0][0].str, "7") == 0); break;
        }
        mysql_result_free(res);
    }
    /* Malformed: each must be refused, not taken and not left waiting. */
    static const struct {
        const char *bytes;
        size_t len;
        int deprecate;
    } bad[] = {
        {"\x01\x00\x00\x02\x00", 5, 0},                         /* sequence id 2 where 1 was due */
        {"\x00\x00\x00\x01", 4, 0},                             /* an empty packet */
        {"\x01\x00\x00\x01\x00", 5, 0},                         /* an OK packet with nothing after its type */
        {"\x03\x00\x00\x01\xfc\x01\x10", 7, 0},                 /* 4097 columns */
        {"\x01\x00\x00\x01\xfb", 5, 0},                         /* LOCAL INFILE, not asked for */
        {"\x02\x00\x00\x01\xff\x01", 6, 0},                     /* an ERR without its code */
        {"\x03\x00\x00\x01\x00\x01\x02", 7, 0},                 /* a short OK */
        {"\x01\x00\x00\x01\x01\x04\x00\x00\x02\x03" "abc", 13, 0},  /* a short column definition */
        {"\x07\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00", 11, 0},   /* more results, not asked for */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mysql_result *res = NULL;
        int err = 0;
        long took = mysql_parse_reply(bad[i].bytes, bad[i].len, 1, bad[i].deprecate, &res, &err);
        if (took != -1 || res) printf("  malformed %zu: answered %ld\n", i, took), ok = 0;
    }
    /* A row in two packets (a payload of 2^24-1 bytes continues), and
     * one of exactly 2^24-1 bytes, which an empty packet ends. */
    for (int exact = 0; exact < 2; exact++) {
        size_t value = exact ? 0xFFFFFF - 4 : 0xFFFFFF + 1000, head = exact ? 4 : 9, row = head + value;
        size_t cap = 64 + row + 16 + 64;
        unsigned char *buf = malloc(cap), *payload = malloc(row);
        unsigned char col[64];
        size_t at = 0;
        put_packet(buf, &at, 1, "\x01", 1);
        put_packet(buf, &at, 2, col, column_def(col, "big", MYSQL_TYPE_LONG_BLOB));
        payload[0] = exact ? 0xFD : 0xFE;
        for (int b = 0; b < (exact ? 3 : 8); b++) payload[1 + b] = (unsigned char)((uint64_t)value >> 8 * b);
        for (size_t k = 0; k < value; k++) payload[head + k] = (unsigned char)('a' + k % 26);
        uint8_t seq = 3;
        size_t off = 0;
        for (;;) {                       /* split as a server does */
            size_t n = row - off < 0xFFFFFF ? row - off : 0xFFFFFF;
            put_packet(buf, &at, seq++, payload + off, n);
            off += n;
            if (n < 0xFFFFFF) break;
        }
        put_packet(buf, &at, seq, "\xfe\x00\x00\x02\x00\x00\x00", 7);
        mysql_result *res = NULL;
        int err = 0;
        long took = mysql_parse_reply((char *)buf, at, 1, 1, &res, &err);
        CHECK_INT(took, (long)at);
        CHECK(res && res->row_count == 1 && res->rows[0][0].len == value && memcmp(res->rows[0][0].str, payload + head, value) == 0);
        mysql_result_free(res);
        CHECK_INT(mysql_parse_reply((char *)buf, at - 11, 1, 1, &res, &err), 0);  /* without its end */
        free(buf);
        free(payload);
    }
    return ok;
}

/* The greeting's checks (the full greeting is tested against the servers). */
static int greeting_parser(void) {
    static const unsigned char good[] = "\x0a" "5.7.0\0" "\x01\x00\x00\x00" "abcdefgh" "\0"
                                        "\x00\x82" "\x2d" "\x02\x00" "\x08\x00" "\x15" "\0\0\0\0\0\0\0\0\0\0"
                                        "ijklmnopqrst\0" "mysql_native_password";
    int ok = 1;
    if (mysql_parse_greeting((const char *)good, sizeof good - 1)) printf("  good greeting refused: %s\n", wa_errmsg()), ok = 0;
    for (size_t cut = 0; cut < sizeof good - 1 - 22; cut++)  /* cut before the plugin name: too short */
        if (mysql_parse_greeting((const char *)good, cut) != WA_EPROTO) printf("  a greeting of %zu bytes was taken\n", cut), ok = 0;
    unsigned char g[sizeof good];
    memcpy(g, good, sizeof good);
    g[0] = 9;                            /* protocol 9 */
    CHECK_INT(mysql_parse_greeting((const char *)g, sizeof good - 1), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "protocol 9") != NULL);
    memcpy(g, good, sizeof good);
    g[21] = 0;                           /* no PROTOCOL_41 */
    CHECK_INT(mysql_parse_greeting((const char *)g, sizeof good - 1), WA_EPROTO);
    CHECK(strstr(wa_errmsg(), "older than protocol 4.1") != NULL);
    return ok;
}

/* Random mutations of valid replies and random bytes: an answer every
 * time (taken, more, or refused) and no crash (ASan watches). */
static int fuzz(void) {
    build_valid();
    unsigned seed = 4242;
    unsigned char buf[256];
    long counts[3] = {0};
    int ok = 1;
    for (int round = 0; round < 200000; round++) {
        seed = seed * 1103515245u + 12345u;
        int which = (int)((seed >> 16) % N_VALID);
        size_t len = valid_len[which];
        memcpy(buf, valid[which], len);
        for (int m = 0; m < 1 + (int)((seed >> 8) % 4); m++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 16) % len] = (unsigned char)(seed >> 24);
        }
        if (round % 7 == 0)
            for (size_t k = 0; k < len; k++) buf[k] = (unsigned char)((seed = seed * 1103515245u + 12345u) >> 24);
        if (round % 11 == 0) len = (seed >> 4) % (len + 1);  /* cut short too */
        mysql_result *res = NULL;
        int err = 0;
        long took = mysql_parse_reply((char *)buf, len, first_seq(which), (int)(seed >> 30) & 1, &res, &err);
        if (took < -1 || took > (long)len || (took <= 0 && res)) {
            printf("  round %d: answered %ld\n", round, took);
            ok = 0;
        }
        if (res)                         /* whatever was taken reads safely */
            for (size_t r = 0; r < res->row_count; r++)
                for (size_t c = 0; c < res->column_count; c++)
                    if (res->rows[r][c].str && res->rows[r][c].str[res->rows[r][c].len] != 0) ok = 0;
        counts[took < 0 ? 0 : took == 0 ? 1 : 2]++;
        mysql_result_free(res);
        mysql_parse_greeting((char *)buf, len);
    }
    printf("  200000 mutated replies: %ld refused, %ld incomplete, %ld taken\n", counts[0], counts[1], counts[2]);
    return ok && counts[0] > 0 && counts[1] > 0 && counts[2] > 0;
}

#ifndef __wasi__
/* ------------------------------------------------------- a scripted server */

/* What the scripted server does after the login's first step: switch to
 * mysql_native_password, or to a method the client does not have. */
static int script;
enum { SWITCH_NATIVE, SWITCH_UNKNOWN, NOT_MYSQL, SILENT };
static int script_failures;              /* checks the server made */
static const unsigned char SCRAMBLE1[20] = "0123456789abcdefghij", SCRAMBLE2[20] = "ABCDEFGHIJ0123456789";

static int send_to(wa_stream *s, uint8_t seq, const void *p, size_t n) {
    unsigned char head[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), seq};
    int rc = wa_stream_write(s, head, 4);
    return rc ? rc : wa_stream_write(s, p, n);
}

/* One packet from the client (under 64 KiB here). */
static int recv_from(wa_stream *s, uint8_t *seq, unsigned char *buf, size_t *n) {
    unsigned char head[4];
    int rc = wa_stream_readexactly(s, head, 4);
    if (rc) return rc;
    *n = (size_t)head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16;
    *seq = head[3];
    if (*n > 65536) return WA_EPROTO;
    return wa_stream_readexactly(s, buf, *n);
}

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (!(cond)) {                                                          \
            script_failures++;                                                  \
            printf("  server: failed %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                       \
    } while (0)

/* Checks a mysql_native_password answer as a server does: it knows only
 * SHA1(SHA1(password)). */
static int answer_is_right(const unsigned char *answer, const unsigned char *scramble, const char *pw) {
    unsigned char stage1[20], stage2[20], mix[40], key[20], x[20], check[20];
    mysql_sha1(pw, strlen(pw), stage1);
    mysql_sha1(stage1, 20, stage2);
    memcpy(mix, scramble, 20);
    memcpy(mix + 20, stage2, 20);
    mysql_sha1(mix, 40, key);
    for (int i = 0; i < 20; i++) x[i] = answer[i] ^ key[i];
    mysql_sha1(x, 20, check);
    return memcmp(check, stage2, 20) == 0;
}

static int scripted(wa_stream *s, void *arg) {
    (void)arg;
    unsigned char buf[65536], out[512];
    size_t n, at = 0;
    uint8_t seq;
    if (script == NOT_MYSQL) return wa_stream_write(s, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
    if (script == SILENT) {              /* no greeting: wait for the client to hang up */
        size_t got = 0;
        EXPECT(wa_stream_read(s, buf, 1, &got) != 0 || got == 0);
        return 0;
    }
    /* greeting: protocol 10, no DEPRECATE_EOF, naming a method the client will not use */
    out[at++] = 10;
    memcpy(out + at, "5.7.0-scripted", 15), at += 15;
    memcpy(out + at, "\x07\x00\x00\x00", 4), at += 4;
    memcpy(out + at, SCRAMBLE1, 8), at += 8;
    out[at++] = 0;
    memcpy(out + at, "\x0d\xa2\x2d\x02\x00\x08\x00\x15", 8), at += 8;  /* caps lo, charset, status, caps hi, 21 */
    memset(out + at, 0, 10), at += 10;
    memcpy(out + at, SCRAMBLE1 + 8, 12), at += 12;
    out[at++] = 0;
    memcpy(out + at, "client_ed25519", 15), at += 15;
    int rc = send_to(s, 0, out, at);
    if (rc || (rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 1 && n > 32);
    const char *who = (const char *)buf + 32;
    EXPECT(strcmp(who, "alice") == 0);
    const unsigned char *answer = buf + 32 + strlen(who) + 1;
    EXPECT(answer[0] == 20 && answer_is_right(answer + 1, SCRAMBLE1, "wonderland"));
    const char *db = (const char *)answer + 1 + answer[0];
    EXPECT(strcmp(db, "shop") == 0);
    EXPECT(strcmp(db + strlen(db) + 1, "mysql_native_password") == 0);
    /* auth switch request */
    at = 0;
    out[at++] = 0xFE;
    const char *method = script == SWITCH_NATIVE ? "mysql_native_password" : "client_ed25519";
    memcpy(out + at, method, strlen(method) + 1), at += strlen(method) + 1;
    memcpy(out + at, SCRAMBLE2, 20), at += 20;
    out[at++] = 0;
    if ((rc = send_to(s, 2, out, at))) return rc;
    if (script == SWITCH_UNKNOWN) {
        EXPECT(recv_from(s, &seq, buf, &n) != 0);  /* the client hangs up */
        return 0;
    }
    if ((rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 3 && n == 20 && answer_is_right(buf, SCRAMBLE2, "wonderland"));
    if ((rc = send_to(s, 4, "\x00\x00\x00\x02\x00\x00\x00", 7))) return rc;
    /* a result set with EOF packets: one column, rows "1" and NULL */
    unsigned char col[64];
    if ((rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 0 && n == 9 && memcmp(buf, "\x03SELECT 1", 9) == 0);
    send_to(s, 1, "\x01", 1);
    send_to(s, 2, col, column_def(col, "one", MYSQL_TYPE_LONGLONG));
    send_to(s, 3, "\xfe\x00\x00\x02\x00", 5);
    send_to(s, 4, "\x01" "1", 2);
    send_to(s, 5, "\xfb", 1);
    send_to(s, 6, "\xfe\x00\x00\x22\x00", 5);
    /* an error after the first row */
    if ((rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 0 && n == 12 && memcmp(buf, "\x03SELECT fail", 12) == 0);
    send_to(s, 1, "\x01", 1);
    send_to(s, 2, col, column_def(col, "x", MYSQL_TYPE_LONGLONG));
    send_to(s, 3, "\xfe\x00\x00\x02\x00", 5);
    send_to(s, 4, "\x01" "1", 2);
    static const char interrupted[] = "\xff\x25\x05#70100Query execution was interrupted";
    send_to(s, 5, interrupted, sizeof interrupted - 1);
    /* a ping */
    if ((rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 0 && n == 1 && buf[0] == 0x0e);
    send_to(s, 1, "\x00\x00\x00\x02\x00\x00\x00", 7);
    /* a reply with a wrong sequence id */
    if ((rc = recv_from(s, &seq, buf, &n))) return rc;
    EXPECT(seq == 0 && n == 12 && memcmp(buf, "\x03SELECT skew", 12) == 0);
    send_to(s, 1, "\x01", 1);
    send_to(s, 7, col, column_def(col, "x", MYSQL_TYPE_LONGLONG));
    /* COM_QUIT is not sent on a broken connection: the client hangs up */
    EXPECT(recv_from(s, &seq, buf, &n) != 0);
    return 0;
}

static int against_script(void *arg) {
    (void)arg;
    wa_server *srv = NULL;
    CHECK_INT(wa_start_server(scripted, NULL, "127.0.0.1", 0, 0, &srv), 0);
    if (!srv) return 0;
    mysql_options o = {"127.0.0.1", wa_server_port(srv), "alice", "wonderland", "shop", 5};
    mysql *c = NULL;
    mysql_result *res = NULL;

    script = SWITCH_NATIVE;
    CHECK_INT(mysql_connect(&o, &c), 0);
    if (c) {
        CHECK(strcmp(mysql_server_version(c), "5.7.0-scripted") == 0 && mysql_thread_id(c) == 7);
        CHECK_INT(mysql_query(c, "SELECT 1", &res), 0);
        CHECK(res && res->row_count == 2 && strcmp(res->rows[0][0].str, "1") == 0 && res->rows[1][0].str == NULL &&
              res->status == 0x22 && strcmp(res->columns[0].name, "one") == 0);
        mysql_result_free(res);
        CHECK_INT(mysql_query(c, "SELECT fail", &res), MYSQL_ESERVER);
        CHECK(res == NULL && mysql_error_code(c) == 1317 && strcmp(mysql_sqlstate(c), "70100") == 0);
        CHECK(strstr(wa_errmsg(), "ERROR 1317 (70100): Query execution was interrupted") != NULL);
        CHECK_INT(mysql_ping(c), 0);
        CHECK_INT(mysql_query(c, "SELECT skew", &res), WA_EPROTO);
        CHECK(strstr(wa_errmsg(), "sequence id 7 where 2 was due") != NULL);
        CHECK_INT(mysql_ping(c), WA_EPROTO);  /* unusable, and says why */
        CHECK(strstr(wa_errmsg(), "unusable") && strstr(wa_errmsg(), "sequence id 7"));
        CHECK_INT(mysql_close(c), 0);
    }

    script = SWITCH_UNKNOWN;
    CHECK_INT(mysql_connect(&o, &c), MYSQL_EAUTH);
    CHECK(c == NULL && strstr(wa_errmsg(), "client_ed25519") != NULL);

    script = NOT_MYSQL;
    CHECK_INT(mysql_connect(&o, &c), WA_EPROTO);
    CHECK(c == NULL && strstr(wa_errmsg(), "sequence id") != NULL);

    script = SILENT;
    o.timeout = 0.2;
    double start = wa_time();
    CHECK_INT(mysql_connect(&o, &c), WA_ETIMEDOUT);
    CHECK(c == NULL && strstr(wa_errmsg(), "took over 0.2 s") != NULL && wa_time() - start >= 0.19);

    wa_sleep(0.05);                      /* the handlers see the hang-ups */
    CHECK_INT(wa_server_close(srv), 0);
    CHECK_INT(wa_server_wait_closed(srv), 0);
    wa_server_free(srv);
    CHECK_INT(script_failures, 0);
    return 0;
}
#endif

/* ------------------------------------------------------- a real MariaDB */

static mysql *connect_as(const char *u, const char *pw, const char *db) {
    mysql_options o = {"127.0.0.1", port, u, pw, db, 5};
    mysql *c = NULL;
    int rc = mysql_connect(&o, &c);
    if (rc) printf("  connect as %s: %s: %s\n", u, wa_strerror(rc), wa_errmsg());
    CHECK_INT(rc, 0);
    return c;
}

/* Runs sql, which must succeed; its result (the caller frees it). */
static mysql_result *must(mysql *c, const char *sql) {
    mysql_result *res = NULL;
    int rc = mysql_query(c, sql, &res);
    if (rc) printf("  %s: %s\n", sql, wa_errmsg());
    CHECK_INT(rc, 0);
    return res;
}

static void run(mysql *c, const char *sql) { mysql_result_free(must(c, sql)); }

static int setup(void *arg) {
    (void)arg;
    mysql *c = connect_as(user, password, NULL);
    if (!c) return 0;
    run(c, "CREATE DATABASE IF NOT EXISTS wasyncio_test");
    CHECK_INT(mysql_close(c), 0);
    return 0;
}

static int column_types(void *arg) {
    (void)arg;
    mysql *c = connect_as(user, password, "wasyncio_test");
    if (!c) return 0;
    run(c, "DROP TABLE IF EXISTS types");
    run(c, "CREATE TABLE types (id INT PRIMARY KEY AUTO_INCREMENT, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, i INT,"
           " bi BIGINT, ubi BIGINT UNSIGNED, de DECIMAL(10,3), fl FLOAT, db DOUBLE, d DATE, dt DATETIME(6), ts TIMESTAMP NULL,"
           " tm TIME, y YEAR, c CHAR(5), vc VARCHAR(20), tx TEXT, bl BLOB, vb VARBINARY(10), e ENUM('a','b'), st SET('x','y'),"
           " bt BIT(8), js JSON) CHARSET utf8mb4");
    mysql_result *res = must(c, "INSERT INTO types VALUES (NULL, -128, 65535, -8388608, -2147483648, -9223372036854775808,"
                                " 18446744073709551615, -1234567.125, 1.5, 2.25e300, '2024-02-29', '2024-02-29 12:34:56.789012',"
                                " '2024-01-02 03:04:05', '-838:59:59', 2024, 'ab', 'h\xc3\xa9llo', 'long text', X'00FF0A', X'0001',"
                                " 'b', 'x,y', b'10100101', '{\"k\": [1, null]}')");
    CHECK(res && res->column_count == 0 && res->row_count == 0 && res->affected_rows == 1 && res->insert_id == 1);
    mysql_result_free(res);
    res = must(c, "INSERT INTO types (id) VALUES (NULL), (NULL)");  /* rows of NULLs */
    CHECK(res && res->affected_rows == 2 && res->insert_id == 2);
    CHECK(res && strcmp(res->info, "Records: 2  Duplicates: 0  Warnings: 0") == 0);
    mysql_result_free(res);
    res = must(c, "SELECT * FROM types ORDER BY id");
    if (!res) return mysql_close(c), 0;
    static const struct {
        const char *name;
        unsigned type;
        const char *text;
        size_t len;
    } want[] = {
        {"id", MYSQL_TYPE_LONG, "1", 1}, {"ti", MYSQL_TYPE_TINY, "-128", 4}, {"si", MYSQL_TYPE_SHORT, "65535", 5},
        {"mi", MYSQL_TYPE_INT24, "-8388608", 8}, {"i", MYSQL_TYPE_LONG, "-2147483648", 11},
        {"bi", MYSQL_TYPE_LONGLONG, "-9223372036854775808", 20}, {"ubi", MYSQL_TYPE_LONGLONG, "18446744073709551615", 20},
        {"de", MYSQL_TYPE_NEWDECIMAL, "-1234567.125", 12}, {"fl", MYSQL_TYPE_FLOAT, "1.5", 3},
        {"db", MYSQL_TYPE_DOUBLE, "2.25e300", 8}, {"d", MYSQL_TYPE_DATE, "2024-02-29", 10},
        {"dt", MYSQL_TYPE_DATETIME, "2024-02-29 12:34:56.789012", 26}, {"ts", MYSQL_TYPE_TIMESTAMP, "2024-01-02 03:04:05", 19},
        {"tm", MYSQL_TYPE_TIME, "-838:59:59", 10}, {"y", MYSQL_TYPE_YEAR, "2024", 4}, {"c", MYSQL_TYPE_STRING, "ab", 2},
        {"vc", MYSQL_TYPE_VAR_STRING, "h\xc3\xa9llo", 6}, {"tx", MYSQL_TYPE_BLOB, "long text", 9},
        {"bl", MYSQL_TYPE_BLOB, "\0\xff\n", 3}, {"vb", MYSQL_TYPE_VAR_STRING, "\0\1", 2}, {"e", MYSQL_TYPE_STRING, "b", 1},
        {"st", MYSQL_TYPE_STRING, "x,y", 3}, {"bt", MYSQL_TYPE_BIT, "\xa5", 1}, {"js", MYSQL_TYPE_BLOB, "{\"k\": [1, null]}", 16},
    };
    size_t n = sizeof want / sizeof *want;
    CHECK_INT(res->column_count, n);
    CHECK_INT(res->row_count, 3);
    for (size_t i = 0; i < n && i < res->column_count && res->row_count == 3; i++) {
        const mysql_column *col = &res->columns[i];
        const mysql_value *v = mysql_result_value(res, 0, i), *null = mysql_result_value(res, 1, i);
        if (strcmp(col->name, want[i].name) || col->type != want[i].type || !v->str || v->len != want[i].len ||
            memcmp(v->str, want[i].text, v->len) || v->str[v->len] != 0) {
            printf("  column %zu: %s type %u \"%.*s\" (%zu bytes), want %s type %u\n", i, col->name, col->type,
                   (int)v->len, v->str ? v->str : "NULL", v->len, want[i].name, want[i].type);
            check_failures++;
        }
        if (i > 0) CHECK(null->str == NULL && null->len == 0);  /* the row of defaults: NULLs */
        CHECK(strcmp(col->table, "types") == 0 && strcmp(col->schema, "wasyncio_test") == 0 && strcmp(col->org_name, want[i].name) == 0);
    }
    if (res->column_count == n) {
        CHECK(res->columns[0].flags & MYSQL_PRI_KEY_FLAG && res->columns[0].flags & MYSQL_NOT_NULL_FLAG);
        CHECK(res->columns[2].flags & MYSQL_UNSIGNED_FLAG && res->columns[6].flags & MYSQL_UNSIGNED_FLAG);
        CHECK(!(res->columns[5].flags & MYSQL_UNSIGNED_FLAG));
        CHECK(res->columns[18].charset == MYSQL_BINARY_CHARSET && res->columns[16].charset != MYSQL_BINARY_CHARSET);
        CHECK_INT(res->columns[7].decimals, 3);
    }
    CHECK(mysql_result_value(res, 3, 0) == NULL && mysql_result_value(res, 0, n) == NULL);
    mysql_result_free(res);
    /* aliases, expressions, the empty string against NULL, a 0 byte in a query */
    res = must(c, "SELECT id AS ident, '' AS empty, NULL AS nothing, 1 + 1 FROM types AS t WHERE id = 1");
    CHECK(res && res->row_count == 1 && strcmp(res->columns[0].name, "ident") == 0 && strcmp(res->columns[0].org_name, "id") == 0 &&
          strcmp(res->columns[0].table, "t") == 0 && strcmp(res->columns[0].org_table, "types") == 0);
    CHECK(res && res->row_count == 1 && res->rows[0][1].str && res->rows[0][1].len == 0 && res->rows[0][2].str == NULL &&
          res->columns[2].type == MYSQL_TYPE_NULL && strcmp(res->columns[3].name, "1 + 1") == 0 && strcmp(res->rows[0][3].str, "2") == 0);
    mysql_result_free(res);
    static const char zero[] = "SELECT 'a\0b', LENGTH('a\0b')";
    CHECK_INT(mysql_query_len(c, zero, sizeof zero - 1, &res), 0);
    CHECK(res && res->rows[0][0].len == 3 && memcmp(res->rows[0][0].str, "a\0b", 3) == 0 && strcmp(res->rows[0][1].str, "3") == 0);
    mysql_result_free(res);
    /* empty results, and statements that say what they changed */
    res = must(c, "SELECT id, ti FROM types WHERE id < 0");
    CHECK(res && res->column_count == 2 && res->row_count == 0 && res->rows == NULL && strcmp(res->info, "") == 0);
    mysql_result_free(res);
    res = must(c, "UPDATE types SET ti = 5");
    CHECK(res && res->affected_rows == 3 && strcmp(res->info, "Rows matched: 3  Changed: 3  Warnings: 0") == 0);
    mysql_result_free(res);
    res = must(c, "UPDATE types SET ti = 5 WHERE id = 1");
    CHECK(res && res->affected_rows == 0);
    mysql_result_free(res);
    res = must(c, "INSERT IGNORE INTO types (ti) VALUES (300)");  /* out of range: clipped, with a warning */
    CHECK(res && res->affected_rows == 1 && res->insert_id == 4 && res->warnings == 1);
    mysql_result_free(res);
    res = must(c, "SHOW WARNINGS");
    CHECK(res && res->row_count == 1 && strcmp(res->rows[0][1].str, "1264") == 0);
    mysql_result_free(res);
    CHECK_INT(mysql_close(c), 0);
    return 0;
}

static int errors(void *arg) {
    (void)arg;
    mysql *c = connect_as(user, password, "wasyncio_test");
    if (!c) return 0;
    mysql_result *res = NULL;
    CHECK_INT(mysql_query(c, "SELEC 1", &res), MYSQL_ESERVER);
    CHECK(res == NULL && mysql_error_code(c) == 1064 && strcmp(mysql_sqlstate(c), "42000") == 0);
    CHECK(strncmp(wa_errmsg(), "ERROR 1064 (42000): You have an error in your SQL syntax", 56) == 0);
    CHECK_INT(mysql_query(c, "SELECT * FROM no_such_table", &res), MYSQL_ESERVER);
    CHECK(mysql_error_code(c) == 1146 && strstr(wa_errmsg(), "no_such_table") != NULL);
    res = must(c, "SELECT 'still here'");    /* the connection goes on */
    CHECK(res && strcmp(res->rows[0][0].str, "still here") == 0);
    CHECK(mysql_error_code(c) == 0 && strcmp(mysql_sqlstate(c), "") == 0);
    mysql_result_free(res);
    CHECK_INT(mysql_ping(c), 0);
    /* the scramble's hash is the one the server keeps */
    res = must(c, "SELECT PASSWORD('first-secret')");
    unsigned char stage1[20], stage2[20];
    mysql_sha1("first-secret", 12, stage1);
    mysql_sha1(stage1, 20, stage2);
    char want[42] = "*";
    hex(stage2, 20, want + 1);
    for (char *p = want; *p; p++) *p = (char)(*p >= 'a' ? *p - 32 : *p);
    CHECK(res && strcmp(res->rows[0][0].str, want) == 0);
    mysql_result_free(res);
    CHECK_INT(mysql_close(c), 0);

    mysql_options o = {"127.0.0.1", port, user, "not the password", NULL, 5};
    CHECK_INT(mysql_connect(&o, &c), MYSQL_EAUTH);
    CHECK(c == NULL && strstr(wa_errmsg(), "ERROR 1045 (28000): Access denied for user") != NULL);
    o.password = NULL;
    CHECK_INT(mysql_connect(&o, &c), MYSQL_EAUTH);
    CHECK(strstr(wa_errmsg(), "using password: NO") != NULL);
    o.password = password;
    o.database = "no_such_db";
    CHECK_INT(mysql_connect(&o, &c), MYSQL_ESERVER);
    CHECK(c == NULL && strstr(wa_errmsg(), "ERROR 1049") != NULL);
    o.database = NULL;
    o.port = 1;                          /* nothing listens */
    CHECK_INT(mysql_connect(&o, &c), WA_ECONNECT);
    return 0;
}

/* Statements over 16 MiB both ways: a query of 17 MiB sent as two
 * packets, a row of 17 MiB read back; then exactly 2^24-1 bytes each way
 * (which an empty packet ends). The server allows 64 MiB packets. */
static int large(void *arg) {
    (void)arg;
    mysql *c = connect_as(user, password, "wasyncio_test");
    if (!c) return 0;
    run(c, "DROP TABLE IF EXISTS big");
    run(c, "CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB)");
    size_t value = 17u << 20;
    const char *head = "INSERT INTO big VALUES (1, '", *tail = "')";
    size_t len = strlen(head) + value + strlen(tail);
    char *sql = malloc(len);
    memcpy(sql, head, strlen(head));
    for (size_t i = 0; i < value; i++) sql[strlen(head) + i] = (char)('a' + i % 26);
    memcpy(sql + strlen(head) + value, tail, strlen(tail));
    mysql_result *res = NULL;
    CHECK_INT(mysql_query_len(c, sql, len, &res), 0);
    CHECK(res && res->affected_rows == 1);
    mysql_result_free(res);
    res = must(c, "SELECT b, LENGTH(b) FROM big WHERE id = 1");
    CHECK(res && res->row_count == 1 && res->rows[0][0].len == value &&
          memcmp(res->rows[0][0].str, sql + strlen(head), value) == 0 && res->rows[0][0].str[value] == 0);
    CHECK(res && res->row_count == 1 && (size_t)atol(res->rows[0][1].str) == value);
    mysql_result_free(res);
    /* a COM_QUERY payload of exactly 2^24-1 bytes: command byte and statement */
    head = "SELECT LENGTH('";
    len = 0xFFFFFF - 1;
    size_t pad = len - strlen(head) - 2;
    memcpy(sql, head, strlen(head));
    memset(sql + strlen(head), 'q', pad);
    memcpy(sql + strlen(head) + pad, "')", 2);
    CHECK_INT(mysql_query_len(c, sql, len, &res), 0);
    CHECK(res && res->row_count == 1 && (size_t)atol(res->rows[0][0].str) == pad);
    mysql_result_free(res);
    /* a row payload of exactly 2^24-1 bytes: 4 bytes of length, then the value */
    res = must(c, "SELECT REPEAT('z', 16777211)");
    CHECK(res && res->row_count == 1 && res->rows[0][0].len == 16777211 && res->rows[0][0].str[16777210] == 'z');
    mysql_result_free(res);
    res = must(c, "SELECT 'after'");        /* in step after them */
    CHECK(res && strcmp(res->rows[0][0].str, "after") == 0);
    mysql_result_free(res);
    run(c, "DROP TABLE big");
    free(sql);
    CHECK_INT(mysql_close(c), 0);
    return 0;
}

static mysql *shared;
static int task_results[100];

/* One of 100 tasks on one connection: an insert, its id read back; every
 * tenth sends bad SQL and must get its own error. */
static int one_of_many(void *arg) {
    int i = (int)(intptr_t)arg;
    mysql_result *res = NULL;
    char sql[128];
    if (i % 10 == 9) {
        snprintf(sql, sizeof sql, "SELECT * FROM missing_%d", i);
        int rc = mysql_query(shared, sql, &res);
        int code = mysql_error_code(shared);  /* read before this task suspends again */
        task_results[i] = rc == MYSQL_ESERVER && code == 1146 && strstr(wa_errmsg(), sql + 14) ? 1 : -1;
        return 0;
    }
    snprintf(sql, sizeof sql, "INSERT INTO many (task, word) VALUES (%d, REPEAT('w', %d))", i, i);
    int rc = mysql_query(shared, sql, &res);
    if (rc) return rc;
    unsigned long long id = res->insert_id;
    mysql_result_free(res);
    snprintf(sql, sizeof sql, "SELECT task, LENGTH(word) FROM many WHERE id = %llu", id);
    if ((rc = mysql_query(shared, sql, &res))) return rc;
    task_results[i] = res->row_count == 1 && atoi(res->rows[0][0].str) == i && atoi(res->rows[0][1].str) == i ? 1 : -1;
    mysql_result_free(res);
    return 0;
}

static int many_tasks_one_connection(void *arg) {
    (void)arg;
    if (!(shared = connect_as(user, password, "wasyncio_test"))) return 0;
    run(shared, "DROP TABLE IF EXISTS many");
    run(shared, "CREATE TABLE many (id INT PRIMARY KEY AUTO_INCREMENT, task INT, word TEXT)");
    enum { N = 100 };
    wa_task *tasks[N];
    for (int i = 0; i < N; i++) tasks[i] = wa_create_task(one_of_many, (void *)(intptr_t)i);
    AWAIT_ALL(tasks, N);
    int right = 0;
    for (int i = 0; i < N; i++) right += task_results[i] == 1;
    CHECK_INT(right, N);
    mysql_result *res = must(shared, "SELECT COUNT(*), COUNT(DISTINCT task) FROM many");
    CHECK(res && strcmp(res->rows[0][0].str, "90") == 0 && strcmp(res->rows[0][1].str, "90") == 0);
    mysql_result_free(res);
    run(shared, "DROP TABLE many");
    CHECK_INT(mysql_close(shared), 0);
    return 0;
}

static int slow_query(void *arg) {
    mysql_result *res = NULL;
    int rc = mysql_query(shared, (const char *)arg, &res);
    mysql_result_free(res);
    return rc;
}

/* A task whose query is too large to go at once waits in drain after
 * taking its ticket while another sends a query of its own: each must get
 * its own result whichever comes to read first (the order is the loop's:
 * this case exercises the path, it cannot force the order). */
static char *long_sql;
static size_t long_len, long_pad;
static int long_result_ok, short_result_ok;

static int long_query(void *arg) {
    (void)arg;
    mysql_result *res = NULL;
    int rc = mysql_query_len(shared, long_sql, long_len, &res);
    long_result_ok = rc == 0 && res->row_count == 1 && (size_t)atol(res->rows[0][0].str) == long_pad;
    mysql_result_free(res);
    return rc;
}

static int short_query(void *arg) {
    (void)arg;
    mysql_result *res = NULL;
    int rc = mysql_query(shared, "SELECT 'short'", &res);
    short_result_ok = rc == 0 && res->row_count == 1 && strcmp(res->rows[0][0].str, "short") == 0;
    mysql_result_free(res);
    return rc;
}

static int read_out_of_order(void *arg) {
    (void)arg;
    if (!(shared = connect_as(user, password, NULL))) return 0;
    const char *head = "SELECT LENGTH('";
    long_pad = 20u << 20;
    long_len = strlen(head) + long_pad + 2;
    long_sql = malloc(long_len);
    memcpy(long_sql, head, strlen(head));
    memset(long_sql + strlen(head), 'p', long_pad);
    memcpy(long_sql + strlen(head) + long_pad, "')", 2);
    wa_task *first = wa_create_task(long_query, NULL), *second = wa_create_task(short_query, NULL);
    CHECK_INT(wa_await(first), 0);
    CHECK_INT(wa_await(second), 0);
    CHECK(long_result_ok && short_result_ok);
    wa_task_release(first);
    wa_task_release(second);
    free(long_sql);
    CHECK_INT(mysql_close(shared), 0);
    return 0;
}

static int cancelled(void *arg) {
    (void)arg;
    if (!(shared = connect_as(user, password, "wasyncio_test"))) return 0;
    /* cancelled while the server works: the reply is dropped when it comes */
    double start = wa_time();
    wa_task *t = wa_create_task(slow_query, "SELECT SLEEP(0.3), 'late'");
    CHECK_INT(wa_wait_for(wa_task_future(t), 0.05), WA_ETIMEDOUT);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    wa_task_release(t);
    mysql_result *res = must(shared, "SELECT 'next'");
    CHECK(res && res->row_count == 1 && strcmp(res->rows[0][0].str, "next") == 0);
    CHECK(wa_time() - start >= 0.25);  /* the server answered the sleep first */
    mysql_result_free(res);
    /* cancelled mid-rows: 50 rows of 1 KB at once (over the server's 16 KB
     * buffer, so they are sent), then 50 more 10 ms apart */
    t = wa_create_task(slow_query, "SELECT seq, REPEAT('y', 1000), SLEEP(IF(seq > 50, 0.01, 0)) FROM seq_1_to_100");
    wa_sleep(0.15);
    wa_task_cancel(t);
    CHECK_INT(wa_await(t), WA_ECANCELLED);
    wa_task_release(t);
    res = must(shared, "SELECT 'after the rows'");
    CHECK(res && res->row_count == 1 && res->column_count == 1 && strcmp(res->rows[0][0].str, "after the rows") == 0);
    mysql_result_free(res);
    /* cancelled while queued behind another task's query */
    wa_task *first = wa_create_task(slow_query, "SELECT SLEEP(0.1)");
    wa_task *queued = wa_create_task(slow_query, "SELECT 'never read'");
    wa_sleep(0.02);
    wa_task_cancel(queued);
    CHECK_INT(wa_await(first), 0);
    CHECK_INT(wa_await(queued), WA_ECANCELLED);
    wa_task_release(first);
    wa_task_release(queued);
    res = must(shared, "SELECT 'third'");
    CHECK(res && strcmp(res->rows[0][0].str, "third") == 0);
    mysql_result_free(res);
    CHECK_INT(mysql_ping(shared), 0);
    CHECK_INT(mysql_close(shared), 0);
    return 0;
}

static int many_rows(void *arg) {
    (void)arg;
    mysql *c = connect_as(user, password, "wasyncio_test");
    if (!c) return 0;
    mysql_result *res = must(c, "SELECT seq, CONCAT('row ', seq), IF(seq % 7 = 0, NULL, seq * 2) FROM seq_1_to_10000");
    CHECK(res && res->row_count == 10000 && res->column_count == 3);
    int wrong = 0;
    for (size_t r = 0; res && r < res->row_count; r++) {
        char want[32];
        long seq = (long)r + 1;
        snprintf(want, sizeof want, "%ld", seq);
        wrong += strcmp(res->rows[r][0].str, want) != 0;
        snprintf(want, sizeof want, "row %ld", seq);
        wrong += strcmp(res->rows[r][1].str, want) != 0;
        snprintf(want, sizeof want, "%ld", seq * 2);
        wrong += seq % 7 ? !res->rows[r][2].str || strcmp(res->rows[r][2].str, want) != 0 : res->rows[r][2].str != NULL;
    }
    CHECK_INT(wrong, 0);
    mysql_result_free(res);
    CHECK_INT(mysql_close(c), 0);
    return 0;
}

/* The number a statement gives in its first row's column col. */
static long number(mysql *c, const char *sql, int col) {
    mysql_result *res = must(c, sql);
    long v = res && res->row_count ? atol(res->rows[0][col].str) : -1;
    mysql_result_free(res);
    return v;
}

/* Waits until the server has let thread id go; 1 once it has. */
static int gone(mysql *watch, unsigned long id) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %lu", id);
    for (int i = 0; i < 100; i++) {
        if (number(watch, sql, 0) == 0) return 1;
        wa_sleep(0.02);
    }
    return 0;
}

/* mysql_close says COM_QUIT (a clean end); mysql_free only drops the
 * connection, which the server counts in Aborted_clients. */
static int quit(void *arg) {
    (void)arg;
    mysql *watch = connect_as(user, password, NULL), *c = connect_as(user, password, NULL);
    if (!watch || !c) return 0;
    const char *aborted = "SHOW GLOBAL STATUS LIKE 'Aborted_clients'";
    long before = number(watch, aborted, 1);
    unsigned long id = mysql_thread_id(c);
    CHECK(number(watch, "SELECT CONNECTION_ID()", 0) != (long)id);
    CHECK_INT(mysql_close(c), 0);
    CHECK(gone(watch, id));
    CHECK_INT(number(watch, aborted, 1), before);
    c = connect_as(user, password, NULL);
    if (!c) return 0;
    id = mysql_thread_id(c);
    mysql_free(c);
    CHECK(gone(watch, id));
    CHECK_INT(number(watch, aborted, 1), before + 1);
    CHECK_INT(mysql_close(watch), 0);
    return 0;
}

int main(int argc, char **argv) {
    port = argc > 1 ? atoi(argv[1]) : 0;
    user = argc > 2 ? argv[2] : "root";
    password = argc > 3 ? argv[3] : "";
#ifdef __wasi__
    int scripted_cases = 0;
#else
    int scripted_cases = 1;
#endif
    check_plan(4 + scripted_cases + (port ? 9 : 0));
    CHECKED_CASE("SHA-1: known vectors, a million bytes, the padding's edges", sha1_vectors);
    CHECKED_CASE("the reply parser: every prefix, malformed replies, rows over 16 MiB", reply_parser);
    CHECKED_CASE("the greeting parser: short, another protocol, before 4.1", greeting_parser);
    CHECKED_CASE("200,000 mutated replies: taken, incomplete or refused, never a crash", fuzz);
#ifndef __wasi__
    run_case("a scripted server: auth switch, EOF packets, an error mid-rows, a wrong sequence id, no greeting", against_script, NULL, 0);
#endif
    if (!port) return check_exit();
    run_case("setup: a database for the tests", setup, NULL, 0);
    run_case("every column type as text, NULLs, flags, empty results, OK packets", column_types, NULL, 0);
    run_case("server errors leave the connection usable; wrong password, unknown database", errors, NULL, 0);
    run_case("over 16 MiB each way, and exactly 2^24-1 bytes", large, NULL, 0);
    run_case("100 tasks share one connection, each with its own result or error", many_tasks_one_connection, NULL, 0);
    run_case("a 20 MiB query held in drain and a short one from another task: each gets its own result", read_out_of_order, NULL, 0);
    run_case("cancelled queries (waiting, mid-rows, queued) leave the connection in step", cancelled, NULL, 0);
    run_case("10,000 rows", many_rows, NULL, 0);
    run_case("close says COM_QUIT; free drops the connection", quit, NULL, 0);
    return check_exit();
}
