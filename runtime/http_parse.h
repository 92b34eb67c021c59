/* HTTP/1.x message heads and chunked framing, parsed strictly from bytes
 * already received (RFC 9112). Shared by the HTTP server (http_server.c)
 * and the HTTP client (http_client.c). Nothing here suspends or allocates:
 * names and values point into the caller's buffer, which must outlive
 * the head. */
#ifndef WA_HTTP_PARSE_H
#define WA_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* At most this many header lines in one head; more is an error. */
#define WA__HTTP_MAX_HEADERS 100
/* A chunk-size line (size and extensions) longer than this is malformed. */
#define WA__HTTP_MAX_CHUNK_LINE 4096

typedef struct wa__http_span {
    const char *p;                       /* into the caller's buffer; not NUL-terminated */
    size_t n;
} wa__http_span;

typedef struct wa__http_header {
    wa__http_span name, value;           /* value without surrounding blanks */
} wa__http_header;

typedef struct wa__http_head {
    wa__http_span method, target;        /* a request's */
    int status;                          /* a response's, 100..999 */
    wa__http_span reason;
    int minor;                           /* HTTP/1.<minor>: 0 or 1 */
    size_t header_count;
    wa__http_header headers[WA__HTTP_MAX_HEADERS];
    /* Framing, read from the headers: */
    int64_t content_length;              /* -1: no Content-Length */
    uint8_t chunked;                     /* Transfer-Encoding ends in chunked */
    uint8_t keep_alive;                  /* the connection may carry another message */
    uint8_t expect_continue;             /* Expect: 100-continue (requests) */
    uint8_t upgrade;                     /* Connection: upgrade with Upgrade: */
} wa__http_head;

/* Parses a request head (is_request != 0) or a response head from
 * buf[0, len). Returns the head's length in bytes (through the blank line)
 * when it is complete and valid; 0 when more bytes are needed (nothing in
 * buf is invalid so far); or WA_EPROTO with wa_errmsg() naming what is
 * malformed (bad request line or status line, a bad header name or value,
 * obs-fold, a bare CR, a conflicting or bad Content-Length, Content-Length
 * beside Transfer-Encoding, too many headers). Does not look past max_head
 * bytes: a head not complete within them is WA_ETOOBIG.
 * Strict RFC 9112: lines end in CRLF only (a bare LF is WA_EPROTO, as is a
 * bare CR); methods and header names are tokens, no whitespace before a
 * header's colon; versions HTTP/1.0 and HTTP/1.1 (1.2-1.9 read as 1.1);
 * an HTTP/1.1 request must carry exactly one Host; Transfer-Encoding must
 * end in chunked (once) in a request, and is refused in HTTP/1.0 messages.
 * Empty lines before a request line are skipped (and counted in the
 * length). A status line may end after its code ("HTTP/1.1 200").
 * keep_alive follows the version's default and Connection's close and
 * keep-alive tokens; it is 0 for a response whose body runs to the close
 * (no length, not chunked, a status that has a body). */
int64_t wa__http_parse_head(const char *buf, size_t len, int is_request, size_t max_head,
                            wa__http_head *head);

/* Finds header name (case-insensitive) in head; NULL when absent. */
const wa__http_span *wa__http_find(const wa__http_head *head, const char *name);

/* Nonzero when the comma list (a Connection value, say) holds token
 * (given in lower case), compared without case. A malformed list
 * holds no token. */
int wa__http_has_token(wa__http_span list, const char *token);

/* Parses a chunk-size line ("1a;ext=x\r\n") at buf[0, len). Returns the
 * line's length and stores the size in *size; 0 when the line is not
 * complete; WA_EPROTO for a malformed line, one longer than
 * WA__HTTP_MAX_CHUNK_LINE, or a size of 2^62 or more. */
int64_t wa__http_parse_chunk_size(const char *buf, size_t len, uint64_t *size);

/* Parses the trailer section after the last chunk: zero or more header
 * lines and a blank line. Returns its length, 0 when incomplete, or
 * WA_EPROTO / WA_ETOOBIG (beyond max bytes). */
int64_t wa__http_parse_trailer(const char *buf, size_t len, size_t max);

#endif
