/* The C side of the browser demo (web/index.html). JavaScript calls the
 * functions exported below with load().run(); each runs as a task of the
 * module's loop and starts tasks of its own:
 *   scenario(origin)  sleepers, downloads, a session limited to 2 connections
 *                     under a gather, a wait_for that times out, a failure
 *   download(origin)  a long streamed download, cancelled by an AbortSignal
 *   crunch(ms)        computes for ms milliseconds, yielding as it goes
 * The page draws the tasks from wa_loop_dump_tasks every frame. */
#include "wasyncio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ helpers */

/* Tasks are kept referenced until the next scenario, so the dump still
 * lists them (and their timings) once they have finished. */
#define KEPT_MAX 256
static wa_task *kept[KEPT_MAX];
static size_t nkept;
static int calls_running;                /* exported calls in flight: they may use kept tasks */

static char origin[200];                 /* the page's origin: fetch needs absolute URLs */
static char scratch[16384];              /* bodies are counted, not kept: one buffer for all */

/* Starts fn(arg) as a task named name; the task stays kept (never release
 * it). A macro, so that the dump names the caller's line as its creation site. */
#define spawn(name, fn, arg) (wa_debug_site(__FILE__, __LINE__), spawn_task(name, fn, arg))
static wa_task *spawn_task(const char *name, wa_fn fn, void *arg) {
    if (nkept == KEPT_MAX) {
        wa_debug_site(NULL, 0);          /* nothing is created: the site is nobody's */
        wa_fail(WA_ENOMEM, "too many tasks kept: run the scenario again to start over");
        return NULL;
    }
    wa_task *t = (wa_create_task)(fn, arg);  /* the function: the site is set already */
    if (!t) return NULL;
    wa_task_set_name(t, name);
    return kept[nkept++] = t;
}

/* Releases the kept tasks, unless another exported call may still use them. */
static void forget_kept(void) {
    if (calls_running > 1) return;
    for (size_t i = 0; i < nkept; i++) wa_task_release(kept[i]);
    nkept = 0;
}

/* Every exported call starts here: debug mode first, so the tasks it makes
 * carry their creation, start and finish times in the dump. */
static void enter_call(const char *name) {
    wa_loop_set_debug(NULL, 1);
    wa_task_set_name(wa_current_task(), name);
    calls_running++;
}

static int leave_call(int rc) {
    calls_running--;
    return rc;
}

/* A line for the page's log, through the JS function "log". */
static void say(const char *fmt, ...) {
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    wa_js_value v = wa_js_string(text);
    wa_js_handle h;
    if (wa_js_call("log", &v, 1, &h) == 0) wa_js_release(h);
}

static int set_origin(const wa_js_value *args, size_t nargs, const char *what) {
    if (nargs < 1 || args[0].type != WA_JS_STRING || args[0].len >= sizeof origin)
        return wa_fail(WA_EINVAL, "%s(origin): origin must be a short string", what);
    memcpy(origin, args[0].data, args[0].len + 1);
    return 0;
}

/* Reads r's body to its end and frees r; returns 0 with the length in *total. */
static int drain(wa_response *r, size_t *total) {
    size_t got;
    int rc;
    *total = 0;
    while ((rc = wa_response_read(r, scratch, sizeof scratch, &got)) == 0 && got) *total += got;
    wa_response_free(r);                 /* before its end: aborts the exchange */
    return rc;
}

static int get(const char *path, size_t *total) {
    char url[512];
    snprintf(url, sizeof url, "%s%s", origin, path);
    wa_fetch_options opts = {.fail_on_status = 1};
    wa_response *r;
    int rc = wa_fetch(url, &opts, &r);
    return rc ? rc : drain(r, total);
}

/* ------------------------------------------------------ the scenario */

static double t0;                        /* the scenario's start, on the loop clock */
static int scenario_running;

typedef struct sleeper {
    const char *name;
    int ms;
} sleeper;

/* Made in this order, so they finish in another: the timers decide. */
static sleeper sleepers[] = {{"sleep 1.0 s", 1000}, {"sleep 0.3 s", 300}, {"sleep 1.5 s", 1500}, {"sleep 0.6 s", 600}};
#define SLEEPERS (sizeof sleepers / sizeof *sleepers)

/* Wakes every 100 ms (each wake is a step on the timeline) until its time;
 * deadlines from one start time keep the sleepers' order exact. */
static int sleep_task(void *arg) {
    const sleeper *s = arg;
    for (int at = 100;; at += 100) {
        int rc = wa_sleep_until(t0 + (at < s->ms ? at : s->ms) / 1000.0);
        if (rc) return rc;
        if (at >= s->ms) break;
    }
    say("%s: woke at +%.3f s", s->name, wa_time() - t0);
    return wa_return(s->ms);
}

typedef struct file_get {
    const char *name, *path;
    size_t bytes;
} file_get;

static file_get downloads[] = {
    {"GET index.html", "/web/index.html", 0},
    {"GET 384 KiB, streamed", "/api/bytes?n=393216&chunk=32768&every=25", 0},
};
#define DOWNLOADS (sizeof downloads / sizeof *downloads)

static int download_task(void *arg) {
    file_get *d = arg;
    int rc = get(d->path, &d->bytes);
    if (rc) return rc;
    say("%s: %zu bytes", d->name, d->bytes);
    return wa_return((intptr_t)d->bytes);
}

/* The session's pages: 6 requests through 2 connections come back in 3 waves. */
#define PAGES 6
#define SESSION_CONNECTIONS 2
static wa_session *session;
static int pages[PAGES];                 /* each page's number, as its task's argument */

/* Returns how many session requests the server had in flight when this one
 * arrived (it says so in the body). */
static int page_task(void *arg) {
    char path[64];                       /* one URL each: a browser runs requests for one URL one by one */
    snprintf(path, sizeof path, "/api/slow?ms=400&tag=session&page=%d", *(int *)arg);
    wa_response *r;
    int rc = wa_session_fetch(session, path, NULL, &r);
    if (rc) return rc;
    char *body;
    rc = wa_response_read_all(r, &body, NULL);
    wa_response_free(r);
    if (rc) return rc;
    const char *at = strstr(body, "\"inflight\":");
    int inflight = at ? atoi(at + 11) : 0;
    free(body);
    say("page %d: the server had %d session request%s in flight", *(int *)arg, inflight, inflight == 1 ? "" : "s");
    return wa_return(inflight);
}

static int crawler_task(void *arg) {
    (void)arg;
    wa_session_options so = {.base_url = origin, .max_connections = SESSION_CONNECTIONS};
    if (!(session = wa_session_new(&so))) return wa_fail(WA_ENOMEM, "no session: %s", wa_errmsg());
    wa_task *t[PAGES];
    int made = 0, rc = 0;
    for (; made < PAGES; made++) {
        char name[32];
        snprintf(name, sizeof name, "session page %d", made + 1);
        pages[made] = made + 1;
        if (!(t[made] = spawn(name, page_task, &pages[made]))) break;
    }
    intptr_t inflight[PAGES];
    int codes[PAGES];
    if (made == PAGES) rc = wa_gather(t, PAGES, inflight, codes, WA_RETURN_EXCEPTIONS);
    else rc = WA_ENOMEM;
    wa_session_free(session);
    session = NULL;
    if (rc) return rc;
    intptr_t most = 0;
    for (int i = 0; i < PAGES; i++) {
        if (codes[i]) return wa_fail(codes[i], "session page %d failed: %s", i + 1, wa_task_errmsg(t[i]));
        if (inflight[i] > most) most = inflight[i];
    }
    return wa_return(most);
}

static int slow_reply_task(void *arg) {
    (void)arg;
    size_t n;
    return get("/api/slow?ms=3000&tag=timeout", &n);
}

/* wait_for cancels the slow reply at its deadline (aborting the request)
 * and waits for it to finish before returning WA_ETIMEDOUT. */
static int impatient_task(void *arg) {
    (void)arg;
    wa_task *slow = spawn("slow reply (3 s)", slow_reply_task, NULL);
    if (!slow) return wa_fail(WA_ENOMEM, "%s", wa_errmsg());
    int rc = wa_wait_for(wa_task_future(slow), 0.5);
    if (rc == WA_ETIMEDOUT) return wa_fail(rc, "gave up on the slow reply after 0.5 s");
    return rc;
}

/* Fails: the server answers 503, and fail_on_status turns that into WA_EHTTP.
 * It asks once the slow reply is gone: a browser opens at most 6 connections
 * to one server, and more requests would queue behind the session's. */
static int flaky_task(void *arg) {
    (void)arg;
    int rc = wa_sleep(0.6);
    size_t n;
    return rc ? rc : get("/api/flaky", &n);
}

/* Starts every task of the scenario and waits for all of them; the result
 * is a JSON summary of what only C knows. */
static int run_scenario(wa_js_value *result) {
    forget_kept();
    t0 = wa_time();
    wa_task *t[SLEEPERS + DOWNLOADS + 3];
    size_t n = 0;
    for (size_t i = 0; i < SLEEPERS; i++) t[n++] = spawn(sleepers[i].name, sleep_task, &sleepers[i]);
    for (size_t i = 0; i < DOWNLOADS; i++) t[n++] = spawn(downloads[i].name, download_task, &downloads[i]);
    t[n++] = spawn("crawler: gather", crawler_task, NULL);
    t[n++] = spawn("impatient: wait_for", impatient_task, NULL);
    t[n++] = spawn("flaky", flaky_task, NULL);
    for (size_t i = 0; i < n; i++)
        if (!t[i]) return wa_fail(WA_ENOMEM, "cannot start the scenario: %s", wa_errmsg());
    /* wait, unlike gather, never fails early: every outcome is read below */
    int rc = wa_wait(t, n, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
    if (rc < 0) return rc;
    intptr_t most = 0;
    wa_task_result(t[SLEEPERS + DOWNLOADS], &most);
    for (size_t i = 0; i < n; i++)
        if (wa_task_result(t[i], NULL) && wa_task_state(t[i]) == WA_DONE)
            say("%s failed: %s", wa_task_name(t[i]), wa_task_errmsg(t[i]));
    char *json = malloc(256);
    if (!json) return wa_fail(WA_ENOMEM, "no memory for the summary");
    int len = snprintf(json, 256, "{\"seconds\":%.3f,\"bytes\":[%zu,%zu],\"session_max_inflight\":%d}",
                       wa_time() - t0, downloads[0].bytes, downloads[1].bytes, (int)most);
    *result = (wa_js_value){WA_JS_STRING, 0, json, (size_t)len};
    return 0;
}

static int scenario(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    enter_call("scenario()");
    int rc = set_origin(args, nargs, "scenario");
    if (rc) return leave_call(rc);
    if (scenario_running) return leave_call(wa_fail(WA_ESTATE, "a scenario is already running"));
    scenario_running = 1;
    rc = run_scenario(result);
    scenario_running = 0;
    return leave_call(rc);
}
WA_JS_EXPORT(scenario)

/* ------------------------------------------------------ the long download */

static size_t long_bytes;

/* Streams a minute of chunks; the page's Cancel button cancels it. */
static int long_task(void *arg) {
    (void)arg;
    char url[512];
    snprintf(url, sizeof url, "%s/api/stream?chunks=600&every=100&tag=long", origin);
    wa_fetch_options opts = {.fail_on_status = 1};
    wa_response *r;
    int rc = wa_fetch(url, &opts, &r);
    if (rc) return rc;
    long_bytes = 0;
    size_t got;
    while ((rc = wa_response_read(r, scratch, sizeof scratch, &got)) == 0 && got) long_bytes += got;
    wa_response_free(r);                 /* when cancelled: aborts the request */
    if (rc == WA_ECANCELLED) say("long download: cancelled after %zu bytes; the request is aborted", long_bytes);
    return rc ? rc : wa_return((intptr_t)long_bytes);
}

static int download(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    enter_call("download()");
    int rc = set_origin(args, nargs, "download");
    if (rc) return leave_call(rc);
    wa_task *t = spawn("long download", long_task, NULL);
    if (!t) return leave_call(WA_ENOMEM);
    rc = wa_await(t);                    /* cancelling this call cancels t too */
    if (rc == 0) *result = wa_js_number((double)long_bytes);
    return leave_call(rc);
}
WA_JS_EXPORT(download)

/* ------------------------------------------------------ computing */

static double crunch_ms;

static int is_prime(unsigned n) {
    if (n < 2) return 0;
    for (unsigned d = 2; d * d <= n; d++)
        if (n % d == 0) return 0;
    return 1;
}

/* Counts primes for crunch_ms, yielding every 2,000 numbers: the loop then
 * gives the browser a frame whenever it has run for 8 ms. */
static int crunch_task(void *arg) {
    (void)arg;
    double start = wa_time(), until = start + crunch_ms / 1000;
    unsigned n = 0;
    long primes = 0;
    while (wa_time() < until) {
        for (int i = 0; i < 2000; i++) primes += is_prime(n++);
        int rc = wa_yield();
        if (rc) return rc;
    }
    say("crunch: %ld primes below %u in %.0f ms", primes, n, (wa_time() - start) * 1000);
    return wa_return(primes);
}

static int crunch(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    enter_call("crunch()");
    if (nargs < 1 || args[0].type != WA_JS_NUMBER) return leave_call(wa_fail(WA_EINVAL, "crunch(ms)"));
    crunch_ms = args[0].number;
    wa_task *t = spawn("crunch: primes", crunch_task, NULL);
    if (!t) return leave_call(WA_ENOMEM);
    int rc = wa_await(t);
    intptr_t primes = 0;
    if (rc == 0) wa_task_result(t, &primes);
    *result = wa_js_number((double)primes);
    return leave_call(rc);
}
WA_JS_EXPORT(crunch)

/* Turns debug mode on before the page's first real call. */
static int setup(const wa_js_value *args, size_t nargs, wa_js_value *result) {
    (void)args, (void)nargs;
    enter_call("setup()");
    *result = wa_js_number(wa_loop_get_debug(NULL));
    return leave_call(0);
}
WA_JS_EXPORT(setup)
