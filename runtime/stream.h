/* A stream's record, shared by streams (stream.c) and servers (server.c). */
#ifndef WA_STREAM_H
#define WA_STREAM_H

#include "internal.h"

enum { WA__STREAM_OPEN, WA__STREAM_CLOSING, WA__STREAM_CLOSED };

struct wa_stream {
    wa__object obj;                      /* WA__STREAM */
    uint8_t state;                       /* WA__STREAM_OPEN ... */
    uint8_t eof;                         /* the peer has ended: no more input */
    uint8_t flushing;                    /* the loop will call flush when writable */
    uint8_t paused;                      /* output over high water: drain waits */
    uint8_t eof_wanted, eof_sent;        /* write_eof: asked, and done */
    uint8_t websocket;                   /* a ws: or wss: URL's: no half-close */
    int fd;                              /* the host's socket; -1 once closed */
    int error, in_error;                 /* the connection failed sending, receiving */
    char *lost, *in_lost;                /* and how (malloc'd messages) */
    wa__loop *loop;
    char *in;                            /* received, unread: in[in_pos, in_len) */
    size_t in_pos, in_len, in_cap;
    char *out;                           /* written, unsent: out[out_pos, out_len) */
    size_t out_pos, out_len, out_cap;
    size_t limit, high, low;             /* readuntil's limit, drain's marks */
    wa__waitq drainers, closers;         /* tasks in drain, in wait_closed */
    unsigned waiting;                    /* tasks inside a call that waits on it */
    struct wa_server *server;            /* the server that owns it, if any */
};

wa_stream *wa__stream_new(wa__loop *loop, int fd); /* NULL on WA_ENOMEM; fd stays the caller's then */
void wa__stream_destroy(wa_stream *s);   /* closes the socket if open, frees */

/* For runtime code that parses in[in_pos, in_len) in place: suspends the
 * running task t until more bytes are buffered or the peer has ended (eof
 * set). 0, or the error of wa_stream_read (the stream's receive error,
 * WA_ESTATE when closed, WA_ECANCELLED, WA_ENOMEM). The buffer may move. */
int wa__stream_fill(wa_stream *s, wa_task *t);

#endif
