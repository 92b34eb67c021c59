/* wa_fetch on every host without a network: data: URLs (plain, base64,
 * escapes, and bad ones), file: URLs (argv[1], or this file), the errors of
 * a missing file, and network URLs where nothing listens or cannot be
 * reached (WASI cannot connect out; https: needs a JS host's TLS). */
#include "check.h"

static const char *file_path;

static int read_all(const char *url, const wa_fetch_options *opts, char **body, size_t *len) {
    wa_response *r;
    int rc = wa_fetch(url, opts, &r);
    if (rc) return rc;
    rc = wa_response_read_all(r, body, len);
    wa_response_free(r);
    return rc;
}

static int data_urls(void *arg) {
    (void)arg;
    char *body = NULL;
    size_t len = 0;
    wa_response *r;
    CHECK_INT(wa_fetch("data:,Hello%2C%20World", NULL, &r), 0);
    CHECK_INT(wa_response_status(r), 200);
    CHECK(strcmp(wa_response_header(r, "Content-Type"), "text/plain;charset=US-ASCII") == 0);
    CHECK_INT(wa_response_read_all(r, &body, &len), 0);
    CHECK(body && strcmp(body, "Hello, World") == 0);
    CHECK_INT(len, 12);
    free(body);
    size_t got = 99;
    CHECK_INT(wa_response_read(r, &got, sizeof got, &got), 0);   /* the end stays the end */
    CHECK_INT(got, 0);
    wa_response_free(r);
    CHECK_INT(read_all("data:application/octet-stream;base64,AAEC/w==", NULL, &body, &len), 0);
    CHECK(len == 4 && (unsigned char)body[0] == 0 && (unsigned char)body[3] == 255);
    free(body);
    CHECK_INT(wa_fetch("data:text/html;base64,PGI+aGk8L2I+", NULL, &r), 0);
    CHECK(strcmp(wa_response_header(r, "content-type"), "text/html") == 0);
    wa_response_free(r);
    CHECK_INT(wa_fetch("data:no-comma", NULL, &r), WA_EINVAL);
    CHECK_INT(wa_fetch("data:;base64,!!!!", NULL, &r), WA_EINVAL);
    CHECK_INT(wa_fetch("data:,bad%zz", NULL, &r), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "bad escape") != NULL);
    CHECK_INT(wa_fetch("data:;base64,QUJD%", NULL, &r), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "bad escape") != NULL);   /* the escape, not the base64 */
    wa_fetch_options tight = {.max_body = 4};
    CHECK_INT(read_all("data:,too%20long", &tight, &body, &len), WA_ETOOBIG);
    return 0;
}

static int file_urls(void *arg) {
    (void)arg;
    static char url[1024];
    snprintf(url, sizeof url, "file://%s", file_path);
    char *body = NULL;
    size_t len = 0;
    CHECK_INT(read_all(url, NULL, &body, &len), 0);
    CHECK(body && strncmp(body, "/* wa_fetch on every host", 25) == 0);
    CHECK(len > 1000);
    free(body);
    /* in small reads, as a stream */
    wa_response *r;
    CHECK_INT(wa_fetch(url, NULL, &r), 0);
    static char part[100];
    size_t total = 0;
    for (size_t got; wa_response_read(r, part, sizeof part, &got) == 0 && got;) total += got;
    CHECK_INT(total, len);
    wa_response_free(r);
    snprintf(url, sizeof url, "file://%s.missing", file_path);
    CHECK_INT(wa_fetch(url, NULL, &r), WA_EIO);
    CHECK(strstr(wa_errmsg(), ".missing") != NULL);
    /* A directory is no file: the fetch, or its first read, fails. */
    const char *slash = strrchr(file_path, '/');
    snprintf(url, sizeof url, "file://%.*s", slash ? (int)(slash - file_path) : 1, slash ? file_path : ".");
    int rc = wa_fetch(url, NULL, &r);
    if (rc == 0) {
        size_t got = 1;
        rc = wa_response_read(r, part, sizeof part, &got);
        CHECK_INT(got, 0);
        wa_response_free(r);
    }
    CHECK_INT(rc, WA_EIO);
    return 0;
}

/* A response keeps working after its session is freed, and a task waiting
 * for a connection slot then fails instead of waiting forever. */
static wa_session *closing;

static int waits_for_a_slot(void *arg) {
    wa_response *r = NULL;
    int rc = wa_session_fetch(closing, arg, NULL, &r);
    wa_response_free(r);
    return rc;
}

static int response_outlives_session(void *arg) {
    (void)arg;
    static char url[1024];
    snprintf(url, sizeof url, "file://%s", file_path);
    wa_session_options one = {.max_connections = 1};
    closing = wa_session_new(&one);
    CHECK(closing != NULL);
    wa_response *r;
    CHECK_INT(wa_session_fetch(closing, url, NULL, &r), 0);   /* holds the only slot */
    wa_task *waiter = wa_create_task(waits_for_a_slot, url);
    CHECK_INT(wa_yield(), 0);
    CHECK_INT(wa_task_state(waiter), WA_PENDING);
    wa_session_free(closing);
    CHECK_INT(wa_await(waiter), WA_ESTATE);
    CHECK(strstr(wa_task_errmsg(waiter), "session was freed") != NULL);
    wa_task_release(waiter);
    static char part[4096];
    size_t total = 0;
    for (size_t got; wa_response_read(r, part, sizeof part, &got) == 0 && got;) total += got;
    CHECK(total > 1000);                 /* its end gives the slot back to a session that is gone */
    wa_response_free(r);
    return 0;
}

static int network_and_misuse(void *arg) {
    (void)arg;
    wa_response *r;
    int rc = wa_fetch("http://127.0.0.1:1/", NULL, &r);
#ifdef __wasi__
    CHECK_INT(rc, WA_ENOTSUP);           /* the client is there, but preview1 cannot connect */
    CHECK(strstr(wa_errmsg(), "cannot open connections") != NULL);
#else
    CHECK_INT(rc, WA_ECONNECT);          /* it tries, and the port is closed */
#endif
#ifndef __EMSCRIPTEN__
    CHECK_INT(wa_fetch("https://127.0.0.1:1/", NULL, &r), WA_ENOTSUP);
    CHECK(strstr(wa_errmsg(), "TLS is not built in") != NULL);
#endif
    CHECK_INT(wa_fetch(NULL, NULL, &r), WA_EINVAL);
    CHECK_INT(wa_fetch("data:,x", NULL, NULL), WA_EINVAL);
    wa_fetch_options bad = {.redirect = 7};
    CHECK_INT(wa_fetch("data:,x", &bad, &r), WA_EINVAL);
    static const char *const name_only[] = {"x-a", "1", "x-b", NULL};
    wa_fetch_options odd = {.headers = name_only};
    CHECK_INT(wa_fetch("data:,x", &odd, &r), WA_EINVAL);
    CHECK(strstr(wa_errmsg(), "pairs") != NULL);
    wa_session_options odd_session = {.headers = name_only};
    CHECK(wa_session_new(&odd_session) == NULL);
    CHECK(strstr(wa_errmsg(), "pairs") != NULL);
    wa_response_free(NULL);
    return 0;
}

int main(int argc, char **argv) {
    check_plan(4);
    file_path = argc > 1 ? argv[1] : __FILE__;
    wa_response *r;
    CHECK_INT(wa_fetch("data:,x", NULL, &r), WA_ENOTASK);
    run_case("data: URLs", data_urls, NULL, 0);
    run_case("file: URLs, whole and streamed, and a missing file", file_urls, NULL, 0);
    run_case("a response outlives its session", response_outlives_session, NULL, 0);
    run_case("network URLs without a server, and bad arguments", network_and_misuse, NULL, 0);
    return check_exit();
}
