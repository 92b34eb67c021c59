/* The HTTP server's records, shared by its connection loop and requests
 * (http_server.c) and its responses (http_response.c). */
#ifndef WA_HTTP_SERVER_H
#define WA_HTTP_SERVER_H

#include "http_parse.h"
#include "stream.h"

typedef struct wa__http_conn wa__http_conn;

/* Where a request's body stands. */
enum {
    WA__BODY_DONE,                       /* read to its end (or there is none) */
    WA__BODY_LENGTH,                     /* left bytes of a Content-Length body to come */
    WA__BODY_CHUNK_SIZE,                 /* a chunk-size line comes next */
    WA__BODY_CHUNK_DATA,                 /* left bytes of the current chunk to come */
    WA__BODY_CHUNK_END,                  /* the CRLF after a chunk's data comes next */
    WA__BODY_TRAILER,                    /* the trailer section comes next */
    WA__BODY_FAILED                      /* malformed, cut short or lost: the connection closes */
};

struct wa_http_request {
    wa__object obj;                      /* WA__HTTP_REQUEST */
    uint8_t live;                        /* its handler is running */
    uint8_t body_state;                  /* WA__BODY_* */
    uint8_t continued;                   /* 100 Continue sent */
    int body_error;                      /* why the body failed (WA__BODY_FAILED) */
    wa__http_conn *c;
    wa__http_head head;                  /* spans NUL-terminated, in the stream's buffer or c->copy */
    const char *head_at;                 /* where the head's bytes are */
    size_t head_len;
    const char *path, *query;
    uint64_t left;                       /* of the body or of the chunk */
    char *body;                          /* wa_http_request_body's, in c->body; NULL until called */
    size_t body_len;
};

/* Where a response stands. */
enum { WA__RES_NONE, WA__RES_STREAMING, WA__RES_DONE };

struct wa_http_response {
    wa__object obj;                      /* WA__HTTP_RESPONSE */
    uint8_t live;                        /* its handler is running */
    uint8_t state;                       /* WA__RES_* */
    uint8_t close;                       /* the connection closes after this response */
    uint8_t chunked;                     /* a streamed body in chunks (else to the close) */
    uint8_t no_body;                     /* HEAD, 204, 304: the head only */
    wa__http_conn *c;
    char *fields;                        /* header lines wa_http_response_header added */
    size_t fields_len, fields_cap;
};

struct wa__http_conn {
    wa_http_request req;
    wa_http_response res;
    struct wa_http_server *srv;
    wa_stream *s;
    wa__http_conn *prev, *next;          /* the server's connections */
    uint8_t waiting;                     /* for a request head: the idle timeout applies */
    double since;                        /* when that wait began */
    wa__deadline idle;                   /* checks the wait now and then */
    char *out;                           /* responses not yet written to the stream */
    size_t out_len, out_cap;
    char *copy, *body;                   /* a head moved out of the stream's buffer; a body read in full */
    size_t copy_cap, body_cap;
    char *path;                          /* a target's path, when it has a query */
    size_t path_cap;
};

struct wa_http_server {
    wa__object obj;                      /* WA__HTTP_SERVER; WA__RETIRED once freed by its owner */
    uint8_t closing;                     /* no new requests after the ones under way */
    uint8_t freed;                       /* by its owner: goes with the last connection */
    wa_server *tcp;
    wa_http_handler handler;
    void *arg;
    size_t max_head, max_body;
    double idle;
    wa__http_conn *conns;
    size_t connections;
};

/* http_response.c */
int wa__http_out(wa__http_conn *c, const void *data, size_t len); /* 0 or WA_ENOMEM */
int wa__http_flush(wa__http_conn *c);    /* writes out what is held; 0 or the stream's error */
void wa__http_response_reset(wa_http_response *res);
int wa__http_error_response(wa__http_conn *c, int status, const char *text); /* and close after it */
int wa__http_continue(wa__http_conn *c); /* 100 Continue */

#endif
