/* Client sessions (aiohttp.ClientSession): a base URL that relative URLs
 * resolve against, headers sent with every request, and a semaphore of
 * connection slots. A response holds its slot until its body has ended, so
 * a freed session keeps its struct until the last slot comes back. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECTIONS 100

struct wa_session {
    wa__object obj;                      /* WA__SESSION */
    char *base_url;
    char **headers;                      /* name, value, ..., NULL: copies */
    size_t nheaders;                     /* entries in headers, NULL excluded */
    wa_semaphore *slots;                 /* NULL once the session is freed */
    size_t held;                         /* slots in use by exchanges and responses */
    size_t max_connections;              /* for the host's pool */
    int host_id;                         /* the host's keep-alive pool, or 0 until the first fetch */
};

void wa__session_give_back(wa_session *s) {
    if (s->slots) wa_semaphore_release(s->slots);
    if (--s->held == 0 && !s->slots) wa__retire_object(s, sizeof *s);
}

/* Frees what s owns; the struct stays until its last slot comes back. */
static void drop_parts(wa_session *s) {
    if (s->host_id) wa__host_http->session_free(s->host_id);
    for (size_t i = 0; s->headers && s->headers[i]; i++) free(s->headers[i]);
    free(s->headers);
    free(s->base_url);
    s->headers = NULL;
    s->base_url = NULL;
    wa_semaphore_free(s->slots);         /* tasks waiting for a slot fail with WA_ESTATE */
    s->slots = NULL;
}

wa_session *wa_session_new(const wa_session_options *opts) {
    if (!wa__loop_now) {
        wa__error(WA_EINVAL, "wa_session_new: no running loop");
        return NULL;
    }
    static const wa_session_options defaults;
    if (!opts) opts = &defaults;
    size_t n = wa__header_count(opts->headers);
    if (n % 2) {
        wa__error(WA_EINVAL, "wa_session_new: headers come in name, value pairs: one name has no value");
        return NULL;
    }
    wa_session *s = wa__calloc(1, sizeof *s);
    if (s) s->obj.kind = WA__SESSION;
    if (s) s->headers = wa__calloc(n + 1, sizeof *s->headers);
    int ok = s && s->headers && (!opts->base_url || (s->base_url = wa__strdup(opts->base_url)));
    for (size_t i = 0; ok && i < n; i++) ok = (s->headers[i] = wa__strdup(opts->headers[i])) != NULL;
    size_t max = opts->max_connections ? opts->max_connections : DEFAULT_CONNECTIONS;
    if (ok) ok = (s->slots = wa_semaphore_new(max)) != NULL;
    if (!ok) {
        if (s) drop_parts(s);
        free(s);
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    s->nheaders = n;
    s->max_connections = max;
    return s;
}

/* A session its owner has not freed (slots go with wa_session_free). */
static int live(const wa_session *s) { return wa__is(s, WA__SESSION) && s->slots; }

int wa_session_free(wa_session *s) {
    if (!s) return 0;
    if (!live(s)) return wa__bad_object(s, WA__SESSION, "wa_session_free");
    drop_parts(s);
    if (!s->held) wa__retire_object(s, sizeof *s);  /* else the last slot given back does */
    return 0;
}

/* url against the base: absolute URLs stand; "/x" keeps the base's origin;
 * anything else is appended after the base's last slash. */
static char *resolve(const char *base, const char *url) {
    if (!base || strstr(url, "://") || wa__scheme_is(url, "data:")) return wa__strdup(url);
    const char *scheme_end = strstr(base, "://");
    const char *origin_end = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    size_t keep = url[0] == '/' ? (origin_end ? (size_t)(origin_end - base) : strlen(base))
                                : (size_t)(strrchr(base, '/') - base) + 1;
    if (url[0] != '/' && (!origin_end || strrchr(base, '/') < origin_end)) keep = strlen(base);
    size_t n = strlen(url);
    char *out = wa__malloc(keep + n + 2);
    if (!out) return NULL;
    memcpy(out, base, keep);
    size_t at = keep;
    if (url[0] != '/' && (at == 0 || out[at - 1] != '/')) out[at++] = '/';
    memcpy(out + at, url, n + 1);
    return out;
}

int wa_session_fetch(wa_session *s, const char *url, const wa_fetch_options *opts, wa_response **out) {
    if (!live(s)) return wa__bad_object(s, WA__SESSION, "wa_session_fetch");
    if (!url || !out) return wa__error(WA_EINVAL, "wa_session_fetch: NULL argument");
    if (!wa__running("wa_session_fetch")) return WA_ENOTASK;   /* before the slot's own check names another call */
    char *full = resolve(s->base_url, url);
    if (!full) return wa__error(WA_ENOMEM, NULL);
    int rc = wa_semaphore_acquire(s->slots);
    if (rc == 0 && !live(s)) rc = WA_ESTATE;   /* handed a slot, but freed before this task ran */
    if (rc == WA_ESTATE) rc = wa__error(WA_ESTATE, "wa_session_fetch: the session was freed while waiting for a connection");
    if (rc == 0) {
        s->held++;                       /* s stays valid across the exchange, even if freed meanwhile */
        /* The host's pool is made by the first fetch: only sessions that
         * fetch hold one, and wa_session_new stays free of an indirect call
         * of a task body's wasm type, which Asyncify would instrument. */
        if (!s->host_id && wa__host_http) s->host_id = wa__host_http->session_new(s->max_connections);
        rc = wa__fetch(full, opts, (const char *const *)s->headers, s->nheaders, s->host_id, out);
        if (rc == 0) wa__response_hold_slot(*out, s);
        else wa__session_give_back(s);
    }
    free(full);
    return rc;
}
