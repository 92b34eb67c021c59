/* A Redis client on wasyncio streams (see redis.h). Every command sent gets
 * a ticket; replies come in ticket order and are read by whoever holds the
 * reading lock (FIFO). A reader waiting for a later ticket drops the replies
 * of callers that were cancelled and parks those of callers that have not
 * come to read yet (a task that queued with redis_append while another task
 * called redis_command). Received bytes wait in the client's buffer until
 * they make a whole reply, so nothing is lost to a cancellation. */
#include "redis.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 32, READ_CHUNK = 64 * 1024 };
#define MAX_BULK (512LL * 1024 * 1024)   /* the server's own limit (proto-max-bulk-len) */

struct redis {
    wa_stream *s;
    char *in;                            /* received, not yet parsed: in[pos, len) */
    size_t pos, len, cap;
    wa_lock *reading;                    /* held while reading a reply; FIFO */
    unsigned long long sent, answered;   /* tickets given out; replies read */
    struct parked {                      /* replies read for a ticket whose caller has not taken them, */
        unsigned long long ticket;       /* or (reply NULL) tickets whose caller was cancelled */
        redis_reply *reply;
    } *parked;
    size_t parked_count, parked_cap;
    char *out;                           /* commands redis_append queued, not yet written */
    size_t out_len, out_cap;
    unsigned long long *queued;          /* tickets of redis_append's commands, oldest at head */
    size_t head, count, queue_cap;
    int broken;                          /* bytes that are not RESP: nothing can follow */
};

/* ------------------------------------------------------------------ parser */

void redis_reply_free(redis_reply *reply) {
    if (!reply) return;
    for (size_t i = 0; i < reply->count; i++) redis_reply_free(reply->elements[i]);
    free(reply->elements);
    free(reply->str);
    free(reply);
}

static long bad(const char *why) {
    wa_fail(REDIS_EPROTOCOL, "not a Redis reply: %s", why);
    return -1;
}

/* The line at buf up to "\r\n": its length, or -1 when the bytes end first. */
static long line_end(const char *buf, size_t len) {
    for (size_t i = 0; i + 1 < len; i++)
        if (buf[i] == '\r') return buf[i + 1] == '\n' ? (long)i : bad("a CR without LF");
    return -2;
}

/* A decimal integer filling the whole line, as RESP writes them. */
static int parse_integer(const char *p, long n, long long *out) {
    int negative = n > 0 && p[0] == '-';
    long i = negative;
    if (i == n || n - i > 19) return (int)bad("a bad integer");
    long long v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return (int)bad("a bad integer");
        if (v > (INT64_MAX - (p[i] - '0')) / 10) return (int)bad("an integer out of range");
        v = v * 10 + (p[i] - '0');
    }
    *out = negative ? -v : v;
    return 0;
}

static long parse(const char *buf, size_t len, redis_reply **out, int depth) {
    if (len < 1) return 0;
    long n = line_end(buf + 1, len - 1);
    if (n == -1) return -1;
    if (n == -2) return len - 1 > (1 << 20) ? bad("a line over 1 MiB") : 0;
    const char *p = buf + 1;
    size_t used = 1 + (size_t)n + 2;     /* type, line, CRLF */
    redis_reply *r = calloc(1, sizeof *r);
    if (!r) return wa_fail(WA_ENOMEM, NULL), -1;
    long long v = 0;
    switch (buf[0]) {
    case '+':
    case '-':
        r->type = buf[0] == '+' ? REDIS_STATUS : REDIS_ERROR;
        if (!(r->str = malloc((size_t)n + 1))) goto nomem;
        memcpy(r->str, p, (size_t)n);
        r->str[n] = 0;
        r->len = (size_t)n;
        break;
    case ':':
        if (parse_integer(p, n, &v)) goto fail;
        r->type = REDIS_INTEGER;
        r->integer = v;
        break;
    case '$':
        if (parse_integer(p, n, &v)) goto fail;
        if (v == -1) {
            r->type = REDIS_NIL;
            break;
        }
        if (v < 0 || v > MAX_BULK) {
            bad("a bad bulk length");
            goto fail;
        }
        if (len < used + (size_t)v + 2) goto incomplete;
        if (buf[used + v] != '\r' || buf[used + v + 1] != '\n') {
            bad("a bulk string without its CRLF");
            goto fail;
        }
        r->type = REDIS_STRING;
        if (!(r->str = malloc((size_t)v + 1))) goto nomem;
        memcpy(r->str, buf + used, (size_t)v);
        r->str[v] = 0;
        r->len = (size_t)v;
        used += (size_t)v + 2;
        break;
    case '*':
        if (parse_integer(p, n, &v)) goto fail;
        if (v == -1) {
            r->type = REDIS_NIL;
            break;
        }
        if (v < 0 || v > 1024 * 1024 * 1024) {
            bad("a bad array length");
            goto fail;
        }
        if (depth >= MAX_DEPTH) {
            bad("arrays nested too deep");
            goto fail;
        }
        if ((size_t)v > len - used) goto incomplete;  /* each element takes 3 bytes at least */
        r->type = REDIS_ARRAY;
        if (v && !(r->elements = calloc((size_t)v, sizeof *r->elements))) goto nomem;
        for (long long i = 0; i < v; i++) {
            long took = parse(buf + used, len - used, &r->elements[i], depth + 1);
            if (took < 0) goto fail;
            r->count = (size_t)i + (took > 0);
            if (took == 0) goto incomplete;
            used += (size_t)took;
        }
        break;
    default:
        bad("an unknown type byte");
        goto fail;
    }
    *out = r;
    return (long)used;
incomplete:
    redis_reply_free(r);
    return 0;
nomem:
    wa_fail(WA_ENOMEM, NULL);
fail:
    redis_reply_free(r);
    return -1;
}

long redis_parse(const char *buf, size_t len, redis_reply **reply) {
    *reply = NULL;
    return parse(buf, len, reply, 0);
}

/* ------------------------------------------------------------- connection */

/* Reads the next reply off the connection into *reply. */
static int read_reply(redis *r, redis_reply **reply) {
    if (r->broken) return wa_fail(REDIS_EPROTOCOL, "the connection sent bytes that are not RESP before");
    for (;;) {
        long took = redis_parse(r->in + r->pos, r->len - r->pos, reply);
        if (took > 0) {
            r->pos += (size_t)took;
            if (r->pos == r->len) r->pos = r->len = 0;
            return 0;
        }
        if (took < 0) {
            r->broken = 1;
            return REDIS_EPROTOCOL;
        }
        if (r->pos) {                    /* keep the partial reply at the front */
            memmove(r->in, r->in + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->len < READ_CHUNK) {
            size_t cap = r->cap ? r->cap * 2 : READ_CHUNK;
            while (cap - r->len < READ_CHUNK) cap *= 2;
            char *in = realloc(r->in, cap);
            if (!in) return wa_fail(WA_ENOMEM, NULL);
            r->in = in;
            r->cap = cap;
        }
        size_t got = 0;
        int rc = wa_stream_read(r->s, r->in + r->len, r->cap - r->len, &got);
        if (rc) return rc;
        if (!got) return wa_fail(WA_ERESET, "the Redis server closed the connection");
        r->len += got;
    }
}

/* The parked entry of ticket, or NULL. Few are parked at once: a scan. */
static struct parked *parked_entry(redis *r, unsigned long long ticket) {
    for (size_t i = 0; i < r->parked_count; i++)
        if (r->parked[i].ticket == ticket) return &r->parked[i];
    return NULL;
}

static void unpark(redis *r, struct parked *p) { *p = r->parked[--r->parked_count]; }

static int park(redis *r, unsigned long long ticket, redis_reply *reply) {
    if (r->parked_count == r->parked_cap) {
        size_t cap = r->parked_cap ? r->parked_cap * 2 : 8;
        struct parked *p = realloc(r->parked, cap * sizeof *p);
        if (!p) return wa_fail(WA_ENOMEM, NULL);
        r->parked = p;
        r->parked_cap = cap;
    }
    r->parked[r->parked_count++] = (struct parked){ticket, reply};
    return 0;
}

/* The caller of ticket gives up (cancelled): its reply, parked or to come,
 * is dropped. */
static void abandon(redis *r, unsigned long long ticket) {
    struct parked *p = parked_entry(r, ticket);
    if (p) {
        redis_reply_free(p->reply);
        unpark(r, p);
    } else if (ticket >= r->answered) {
        park(r, ticket, NULL);           /* out of memory: the reply will be parked, not dropped */
    }
}

/* Reads replies up to ticket's, dropping or parking the earlier ones. */
static int read_until(redis *r, unsigned long long ticket, redis_reply **reply) {
    for (;;) {
        struct parked *p = parked_entry(r, ticket);
        if (p) {
            *reply = p->reply;
            unpark(r, p);
            return 0;
        }
        redis_reply *got = NULL;
        int rc = read_reply(r, &got);
        if (rc) return rc;
        unsigned long long answered = r->answered++;
        if (answered == ticket) {
            *reply = got;
            return 0;
        }
        if ((p = parked_entry(r, answered)) != NULL) {  /* abandoned: drop it */
            unpark(r, p);
            redis_reply_free(got);
        } else if ((rc = park(r, answered, got)) != 0) {
            redis_reply_free(got);
            return rc;
        }
    }
}

/* Waits for the reply to ticket. */
static int reply_for(redis *r, unsigned long long ticket, redis_reply **reply) {
    *reply = NULL;
    int rc = wa_lock_acquire(r->reading);
    if (rc == 0) {
        rc = read_until(r, ticket, reply);
        wa_lock_release(r->reading);
    }
    if (rc == WA_ECANCELLED) abandon(r, ticket);
    if (rc == 0 && (*reply)->type == REDIS_ERROR) return wa_fail(REDIS_EREPLY, "%s", (*reply)->str);
    return rc;
}

/* Encodes a command at the end of r->out (RESP's array of bulk strings). */
static int encode_command(redis *r, int argc, const char *const *argv, const size_t *lens) {
    if (r->broken) return wa_fail(REDIS_EPROTOCOL, "the connection sent bytes that are not RESP before");
    if (argc < 1 || !argv) return wa_fail(WA_EINVAL, "a Redis command needs a name");
    size_t size = 16;
    for (int i = 0; i < argc; i++) size += 24 + (lens ? lens[i] : strlen(argv[i]));
    if (r->out_cap - r->out_len < size) {
        size_t cap = r->out_cap ? r->out_cap : 256;
        while (cap - r->out_len < size) cap *= 2;
        char *out = realloc(r->out, cap);
        if (!out) return wa_fail(WA_ENOMEM, NULL);
        r->out = out;
        r->out_cap = cap;
    }
    char *p = r->out + r->out_len;
    p += sprintf(p, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        p += sprintf(p, "$%zu\r\n", n);
        memcpy(p, argv[i], n);
        p += n;
        *p++ = '\r';
        *p++ = '\n';
    }
    r->out_len = (size_t)(p - r->out);
    r->sent++;
    return 0;
}

/* Writes the commands encoded so far, in one write: a pipeline of many
 * commands costs one system call, not one each. */
static int flush_commands(redis *r) {
    if (!r->out_len) return 0;
    int rc = wa_stream_write(r->s, r->out, r->out_len);
    r->out_len = 0;
    if (r->out_cap > 64 * 1024) {        /* one huge command does not keep its buffer */
        free(r->out);
        r->out = NULL;
        r->out_cap = 0;
    }
    return rc;
}

int redis_command(redis *r, redis_reply **reply, int argc, const char *const *argv, const size_t *lens) {
    *reply = NULL;
    int rc = encode_command(r, argc, argv, lens);
    if (rc == 0) rc = flush_commands(r);
    return rc ? rc : reply_for(r, r->sent - 1, reply);
}

int redis_call(redis *r, redis_reply **reply, ...) {
    const char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, reply);
    for (const char *a; argc < 64 && (a = va_arg(ap, const char *));) argv[argc++] = a;
    va_end(ap);
    return redis_command(r, reply, argc, argv, NULL);
}

int redis_append(redis *r, int argc, const char *const *argv, const size_t *lens) {
    if (r->count == r->queue_cap) {
        size_t cap = r->queue_cap ? r->queue_cap * 2 : 16;
        unsigned long long *q = malloc(cap * sizeof *q);
        if (!q) return wa_fail(WA_ENOMEM, NULL);
        for (size_t i = 0; i < r->count; i++) q[i] = r->queued[(r->head + i) % r->queue_cap];
        free(r->queued);
        r->queued = q;
        r->head = 0;
        r->queue_cap = cap;
    }
    int rc = encode_command(r, argc, argv, lens);
    if (rc == 0) r->queued[(r->head + r->count++) % r->queue_cap] = r->sent - 1;
    return rc;
}

int redis_get_reply(redis *r, redis_reply **reply) {
    *reply = NULL;
    int rc = flush_commands(r);
    if (rc) return rc;
    unsigned long long ticket;
    if (r->count) {
        ticket = r->queued[r->head];
        r->head = (r->head + 1) % r->queue_cap;
        r->count--;
    } else {
        ticket = r->sent++;              /* a message nobody asked for (pub/sub) */
    }
    return reply_for(r, ticket, reply);
}

int redis_connect(const char *host, int port, const char *password, double timeout, redis **out) {
    *out = NULL;
    redis *r = calloc(1, sizeof *r);
    if (!r || !(r->reading = wa_lock_new())) {
        free(r);
        return wa_fail(WA_ENOMEM, NULL);
    }
    int rc = wa_open_connection(host, port, timeout, &r->s);
    if (rc == 0 && password) {
        redis_reply *reply = NULL;
        rc = redis_call(r, &reply, "AUTH", password, (const char *)NULL);
        redis_reply_free(reply);
        if (rc == REDIS_EREPLY) {
            char why[256];
            snprintf(why, sizeof why, "%s", wa_errmsg());
            rc = wa_fail(REDIS_EAUTH, "authentication refused: %s", why);
        }
    }
    if (rc) {
        redis_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int redis_close(redis *r) {
    int rc = flush_commands(r);
    int closed = wa_stream_wait_closed(r->s);
    if (rc == 0) rc = closed;
    redis_free(r);
    return rc;
}

void redis_free(redis *r) {
    if (!r) return;
    wa_stream_free(r->s);
    wa_lock_free(r->reading);
    for (size_t i = 0; i < r->parked_count; i++) redis_reply_free(r->parked[i].reply);
    free(r->parked);
    free(r->in);
    free(r->out);
    free(r->queued);
    free(r);
}
