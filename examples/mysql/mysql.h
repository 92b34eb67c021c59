/* A MySQL/MariaDB client on wasyncio streams: the handshake (protocol v10,
 * capabilities of protocol 4.1), mysql_native_password authentication
 * (with the server's auth switch request), text queries (COM_QUERY) with
 * their result sets or OK packets, COM_PING and COM_QUIT; packets of 16 MiB
 * and more split and joined both ways, sequence ids checked. Like the Redis
 * client beside it, every command sent gets a ticket, so tasks may share
 * one connection: whichever task reads puts each reply in its ticket's
 * slot, and each caller gets its own whatever order the callers come to
 * read in. The reply being read lives in the connection, not in the
 * reading task, so a cancelled query loses nothing: its reply is read and
 * dropped by the next reader and the connection stays usable (the server
 * still runs the query to its end).
 * An example of a protocol client on the streams API; not part of the
 * library's header. */
#ifndef WA_EXAMPLE_MYSQL_H
#define WA_EXAMPLE_MYSQL_H

#include "wasyncio.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Errors of this client beside wasyncio's. Malformed packets are
 *  WA_EPROTO, after which the connection is unusable. */
#define MYSQL_ESERVER 1101               /* the server answered with an ERR packet */
#define MYSQL_EAUTH 1102                 /* the server refused the login, or wants an unknown method */

/** Where and as whom to connect. */
typedef struct mysql_options {
    const char *host;                    /* a name or address; NULL: "127.0.0.1" */
    int port;                            /* 0: 3306 */
    const char *user;                    /* NULL: "" (the anonymous user) */
    const char *password;                /* NULL or "": none */
    const char *database;                /* the default schema (USE); NULL: none */
    double timeout;                      /* seconds for connecting and logging in; 0: none */
} mysql_options;

/** Column types as the server sends them (enum_field_types). Text results
 *  carry every value as text whatever its type; the type says how to read it. */
enum {
    MYSQL_TYPE_DECIMAL = 0, MYSQL_TYPE_TINY = 1, MYSQL_TYPE_SHORT = 2, MYSQL_TYPE_LONG = 3,
    MYSQL_TYPE_FLOAT = 4, MYSQL_TYPE_DOUBLE = 5, MYSQL_TYPE_NULL = 6, MYSQL_TYPE_TIMESTAMP = 7,
    MYSQL_TYPE_LONGLONG = 8, MYSQL_TYPE_INT24 = 9, MYSQL_TYPE_DATE = 10, MYSQL_TYPE_TIME = 11,
    MYSQL_TYPE_DATETIME = 12, MYSQL_TYPE_YEAR = 13, MYSQL_TYPE_VARCHAR = 15, MYSQL_TYPE_BIT = 16,
    MYSQL_TYPE_JSON = 245, MYSQL_TYPE_NEWDECIMAL = 246, MYSQL_TYPE_ENUM = 247, MYSQL_TYPE_SET = 248,
    MYSQL_TYPE_TINY_BLOB = 249, MYSQL_TYPE_MEDIUM_BLOB = 250, MYSQL_TYPE_LONG_BLOB = 251,
    MYSQL_TYPE_BLOB = 252, MYSQL_TYPE_VAR_STRING = 253, MYSQL_TYPE_STRING = 254, MYSQL_TYPE_GEOMETRY = 255
};

/** Column flags (a few of them). */
#define MYSQL_NOT_NULL_FLAG 1
#define MYSQL_PRI_KEY_FLAG 2
#define MYSQL_UNSIGNED_FLAG 32
#define MYSQL_BINARY_FLAG 128

/** The charset number of binary data (BLOB, VARBINARY): not text. */
#define MYSQL_BINARY_CHARSET 63

/** A column of a result set. */
typedef struct mysql_column {
    char *name;                          /* as selected (AS alias), 0-terminated */
    char *table;                         /* the table's alias, "" for expressions */
    char *schema;                        /* the database, "" for expressions */
    char *org_name, *org_table;          /* before aliases */
    unsigned type;                       /* MYSQL_TYPE_... */
    unsigned flags;                      /* MYSQL_..._FLAG bits */
    unsigned charset;                    /* collation number; MYSQL_BINARY_CHARSET: bytes */
    unsigned long length;                /* the column's display length */
    unsigned decimals;
} mysql_column;

/** A value: len bytes at str followed by a 0 (values may hold 0 bytes
 *  too: use len); str is NULL for SQL NULL, "" (len 0) for an empty one. */
typedef struct mysql_value {
    const char *str;
    size_t len;
} mysql_value;

/** What a query gave, owned by the caller (mysql_result_free). A
 *  statement without a result set (INSERT, UPDATE, SET ...) has no columns
 *  and no rows, and says what it changed. */
typedef struct mysql_result {
    size_t column_count;
    mysql_column *columns;
    size_t row_count;
    mysql_value **rows;                  /* rows[r][c], row_count x column_count */
    unsigned long long affected_rows;    /* statements without a result set */
    unsigned long long insert_id;        /* an AUTO_INCREMENT value made, or 0 */
    unsigned warnings;
    unsigned status;                     /* the server's status flags after it */
    char *info;                          /* the server's message ("Records: 3 ..."), "" if none */
} mysql_result;

/** A connection. */
typedef struct mysql mysql;

/** Connects, reads the server's greeting and logs in as opts->user with
 *  mysql_native_password (answering an auth switch request to it, with the
 *  new scramble); selects opts->database. May suspend. Returns 0 with *out
 *  owned by the caller (mysql_close or mysql_free); the errors of
 *  wa_open_connection; MYSQL_EAUTH (access denied: wa_errmsg has the
 *  server's code and words; or the server wants a method this client does
 *  not have, named in wa_errmsg); MYSQL_ESERVER (another refusal, e.g. an
 *  unknown database); WA_EPROTO (not a MySQL server, or one older than
 *  protocol 4.1); WA_ERESET (the server closed the connection);
 *  WA_ETIMEDOUT (opts->timeout passed first); WA_EINVAL. *out is NULL on
 *  failure. */
int mysql_connect(const mysql_options *opts, mysql **out);

/** Runs sql (one statement, text protocol) and waits for its result. May
 *  suspend. Returns 0 with *result owned by the caller; MYSQL_ESERVER when
 *  the server answered with an error (wa_errmsg: "ERROR code (state):
 *  message"; mysql_error_code and mysql_sqlstate have them; the connection
 *  stays usable); WA_ECANCELLED (the query still runs on the server: its
 *  result is read and dropped by the connection's next reader, and the
 *  connection stays usable); WA_EPROTO (malformed packets: the connection
 *  is then unusable, and every later call says so); WA_ERESET (the server
 *  closed the connection); the errors of wa_stream_read and drain;
 *  WA_EINVAL. *result is NULL on failure. Tasks may call it on one
 *  connection at once: the queries go in the order of the calls and each
 *  gets its own result. */
int mysql_query(mysql *c, const char *sql, mysql_result **result);

/** mysql_query with a statement of len bytes (which may hold 0 bytes in
 *  quoted strings). Statements of 16 MiB and more go as several packets;
 *  the server takes at most its max_allowed_packet. */
int mysql_query_len(mysql *c, const char *sql, size_t len, mysql_result **result);

/** COM_PING: asks the server whether it is alive. May suspend. Returns 0 or
 *  the errors of mysql_query. */
int mysql_ping(mysql *c);

/** The code of the server error the last failed call on c got (1064, 1045
 *  ...), 0 when it was not a server error. Does not suspend. */
int mysql_error_code(const mysql *c);

/** Its SQLSTATE, five characters ("42000"), "" when none. Does not suspend. */
const char *mysql_sqlstate(const mysql *c);

/** The server's version text ("10.11.6-MariaDB-...") and the id of this
 *  connection's thread there (for KILL). Do not suspend. */
const char *mysql_server_version(const mysql *c);
unsigned long mysql_thread_id(const mysql *c);

/** Value at row r, column col of a result, bounds checked: NULL when out of
 *  range. Does not suspend. */
const mysql_value *mysql_result_value(const mysql_result *res, size_t r, size_t col);

/** Frees a result. NULL is ignored. */
void mysql_result_free(mysql_result *res);

/** Sends COM_QUIT, waits until what was written has gone and the
 *  connection is closed, and frees c. May suspend. Returns 0 or the errors
 *  of wa_stream_wait_closed (c is freed all the same). Replies still
 *  owed to other tasks are not read: close only when no task uses c. */
int mysql_close(mysql *c);

/** Frees c, closing its connection at once (without COM_QUIT: the server
 *  sees the connection dropped). Does not suspend. NULL is ignored. */
void mysql_free(mysql *c);

/** Computes the 20-byte mysql_native_password answer to a 20-byte scramble:
 *  SHA1(password) XOR SHA1(scramble, SHA1(SHA1(password))). Does not suspend. */
void mysql_native_scramble(const char *password, const unsigned char scramble[20], unsigned char out[20]);

/** SHA-1 of len bytes (FIPS 180-4) into out. Does not suspend. */
void mysql_sha1(const void *data, size_t len, unsigned char out[20]);

/** Exposed for the fuzz test: parses the reply to a query from len bytes
 *  of packets at buf (the first with sequence id first_seq; deprecate_eof
 *  as negotiated). Returns the bytes it took (> 0) with *result set, or
 *  with *result NULL when the reply was an ERR packet (*server_error set to
 *  its code); 0 when the bytes end before the reply does; -1 when they are
 *  not a valid reply (wa_errmsg says why). Does not suspend. */
long mysql_parse_reply(const char *buf, size_t len, int first_seq, int deprecate_eof, mysql_result **result, int *server_error);

/** Exposed for the fuzz test: checks the server's greeting (the payload of
 *  its first packet, len bytes). Returns 0, or WA_EPROTO (wa_errmsg says
 *  why). Does not suspend. */
int mysql_parse_greeting(const char *payload, size_t len);

#ifdef __cplusplus
}
#endif

#endif
