/*
 * redis_seed.h: what the Redis ports share. A port takes its servers as
 * arguments, "redis://HOST:PORT" each, and their passwords from the
 * environment (WA_REDIS_PASSWORD, then WA_REDIS_PASSWORD2 for a second
 * server), as aioredis takes an address and a password.
 */
#ifndef WASYNCIO_REDIS_SEED_H
#define WASYNCIO_REDIS_SEED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../redis/redis.h"

struct address {
    const char *url;                     /* as given: printed */
    char host[64];
    int port;
    const char *password;                /* NULL: none */
};

/* Splits "redis://HOST:PORT" into a; 0, or -1 with a message on stderr. */
static inline int parse_address(const char *url, const char *password, struct address *a) {
    a->url = url;
    a->password = password && *password ? password : NULL;
    if (sscanf(url, "redis://%63[^:]:%d", a->host, &a->port) != 2) {
        fprintf(stderr, "not a redis://HOST:PORT address: %s\n", url);
        return -1;
    }
    return 0;
}

/* Prints a reply as Python prints what aioredis returns: a dict for an
 * array of pairs (hgetall), else a string, a number, None or a list. */
static inline void print_reply(const redis_reply *r, int as_dict) {
    switch (r->type) {
    case REDIS_STRING:
    case REDIS_STATUS: printf("'%s'", r->str); break;
    case REDIS_INTEGER: printf("%lld", r->integer); break;
    case REDIS_NIL: printf("None"); break;
    case REDIS_ERROR: printf("ReplyError('%s')", r->str); break;
    case REDIS_ARRAY:
        printf(as_dict ? "{" : "[");
        for (size_t i = 0; i < r->count; i++) {
            if (i) printf(as_dict && i % 2 ? ": " : ", ");
            print_reply(r->elements[i], 0);
        }
        printf(as_dict ? "}" : "]");
        break;
    }
}

#endif
