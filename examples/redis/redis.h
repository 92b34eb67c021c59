/* A Redis client on wasyncio streams: RESP2 commands, pipelining (from one
 * task with redis_append, or from many tasks sharing a connection: replies
 * come back in the order the commands went) and pub/sub. The parser works
 * on bytes already received, so a cancelled call loses nothing and leaves
 * the connection usable. An example of a protocol client on the streams API;
 * not part of the library's header. */
#ifndef WA_EXAMPLE_REDIS_H
#define WA_EXAMPLE_REDIS_H

#include "wasyncio.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a reply is (RESP2's types). */
enum { REDIS_STRING = 1, REDIS_STATUS, REDIS_ERROR, REDIS_INTEGER, REDIS_NIL, REDIS_ARRAY };

/** A reply, owned by the caller (redis_reply_free). */
typedef struct redis_reply {
    int type;                            /* REDIS_STRING ... */
    long long integer;                   /* REDIS_INTEGER */
    char *str;                           /* STRING, STATUS, ERROR: len bytes and a 0 */
    size_t len;
    struct redis_reply **elements;       /* ARRAY: count replies */
    size_t count;
} redis_reply;

/** A connection. */
typedef struct redis redis;

/** Connects to host:port (timeout in seconds, 0: none) and, when password is
 *  not NULL, authenticates. May suspend. Returns 0 with *out owned by the
 *  caller (redis_free); the errors of wa_open_connection; REDIS_EAUTH (a
 *  password refused: wa_errmsg has the server's words). */
int redis_connect(const char *host, int port, const char *password, double timeout, redis **out);

/** Errors of this client beside wasyncio's: the server answered with an
 *  error reply (redis_call), or sent bytes that are not RESP. */
#define REDIS_EREPLY 1001
#define REDIS_EPROTOCOL 1002
#define REDIS_EAUTH 1003

/** Sends one command of argc arguments (lens[i] bytes each, or strlen when
 *  lens is NULL) and waits for its reply. May suspend. Returns 0 with
 *  *reply (the caller's); an error reply is a reply too (type REDIS_ERROR),
 *  returned with REDIS_EREPLY and wa_errmsg set to it. Errors: those of
 *  wa_stream_read, REDIS_EPROTOCOL (the connection is then unusable),
 *  WA_ECANCELLED (the reply, when it comes, is skipped). Tasks may call it
 *  on one connection at once: the commands are pipelined. */
int redis_command(redis *r, redis_reply **reply, int argc, const char *const *argv, const size_t *lens);

/** redis_command with its arguments as strings, ending with NULL:
 *  redis_call(r, &reply, "HSET", "car", "key1", "1", NULL). */
int redis_call(redis *r, redis_reply **reply, ...);

/** Queues a command without waiting (pipelining from one task): each one
 *  queued takes its reply with redis_get_reply, in order. The commands
 *  queued are written together by the next redis_get_reply, redis_command
 *  or redis_close: a pipeline costs one write. Does not suspend. Returns 0,
 *  WA_ENOMEM, WA_EINVAL (no command name) or REDIS_EPROTOCOL. */
int redis_append(redis *r, int argc, const char *const *argv, const size_t *lens);

/** The next reply: of the oldest command queued with redis_append and not
 *  yet answered, or, once subscribed (SUBSCRIBE), the next message
 *  (["message", channel, data]). May suspend. The same returns as
 *  redis_command. */
int redis_get_reply(redis *r, redis_reply **reply);

/** Frees a reply and its elements. NULL is ignored. */
void redis_reply_free(redis_reply *reply);

/** Writes the commands still queued, closes the connection once what was
 *  written has gone (wait_closed) and frees r. May suspend. Returns 0 or the errors of wa_stream_wait_closed
 *  (r is freed all the same). */
int redis_close(redis *r);

/** Frees r, closing its connection at once. Does not suspend. NULL is ignored. */
void redis_free(redis *r);

/** Parses one reply from len bytes at buf. Returns the bytes it took (> 0)
 *  with *reply set, 0 when the bytes end before the reply does, or -1 when
 *  they are not RESP (wa_errmsg says why). Does not suspend. Exposed for
 *  the fuzz test. */
long redis_parse(const char *buf, size_t len, redis_reply **reply);

#ifdef __cplusplus
}
#endif

#endif
