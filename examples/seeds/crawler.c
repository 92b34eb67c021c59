/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "爬虫" (crawler): an aiohttp
 * session fetching pages concurrently, one task per URL.
 *
 *     async def fetch(session, url):
 *         print('发送请求', url)                      # send request
 *         async with session.get(url, verify_ssl=False) as response:
 *             text = await response.text()
 *             print('得到结果', url, len(text))        # got result
 *
 *     async def main():
 *         async with aiohttp.ClientSession() as session:
 *             url_list = ['https://python.org', 'https://www.baidu.com']
 *             tasks = [asyncio.create_task(fetch(session, url)) for url in url_list]
 *             await asyncio.wait(tasks)
 *
 *     asyncio.run(main())
 *
 * Shows: every request is sent before any answer arrives, and each result is
 * printed as it arrives (the faster page first); a URL that fails is reported
 * on its own and the other tasks go on.
 *
 * Differences from the seed:
 *   - The seed's two typos are fixed: it passes a generator to create_task
 *     (a closing parenthesis misplaced) and reads response.text uncalled;
 *     either is a TypeError in Python.
 *   - data: URLs stand in for the two pages (they work on every host) and
 *     are printed as the URLs; a third one is broken (it claims base64 but
 *     is not) and fails in the fetch. The seed catches nothing; the port
 *     adds, around the async with:
 *         except aiohttp.ClientError as e: print('请求失败', url, e)
 *     where e's text is the runtime's message.
 *   - A data: URL is decoded at once, so each page's network time is a sleep
 *     after the fetch: 2 s for python.org, 1 s for baidu. The broken URL
 *     fails before any network.
 *   - aiohttp.ClientSession() is a wa_session with max_connections 100,
 *     aiohttp's default limit; with three URLs it never binds. verify_ssl has
 *     no counterpart: TLS is the host's.
 *   - With the environment variable WA_SEED_BASE_URL set, the session takes
 *     it as its base URL and the port fetches python.html, baidu.html and
 *     broken.html relative to it, without the sleeps (http: and https: need a
 *     JS host); the output then depends on the server.
 *
 * Expected output: see crawler.expected.
 */
#include "seed_common.h"

struct page {
    const char *url;                 /* the data: stand-in */
    const char *path;                /* the same page under WA_SEED_BASE_URL */
    double seconds;                  /* the network time the sleep stands for */
};

static const struct page url_list[] = {
    {"data:text/html,<title>Welcome%20to%20Python.org</title>", "python.html", 2},  /* python.org */
    {"data:text/html,<title>Baidu</title>", "baidu.html", 1},                        /* www.baidu.com */
    {"data:text/html;base64,<title>", "broken.html", 0},                             /* broken */
};
#define NURLS (sizeof url_list / sizeof url_list[0])

/* Read by every task: static storage. */
static wa_session *session;
static const char *base_url;         /* WA_SEED_BASE_URL, or NULL */

/* async def fetch(session, url); the argument is a struct page. */
static int fetch(void *arg) {
    const struct page *p = arg;
    const char *url = base_url ? p->path : p->url;
    printf("send request %s\n", url);
    wa_response *response = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = wa_session_fetch(session, url, NULL, &response);   /* session.get(url) */
    if (!rc && !base_url) rc = seed_sleep(p->seconds);          /* the network */
    if (!rc) rc = wa_response_read_all(response, &text, &len);  /* await response.text() */
    if (!rc) printf("got result %s %zu\n", url, len);
    else if (rc != WA_ECANCELLED) printf("request failed %s %s\n", url, wa_errmsg());
    free(text);
    wa_response_free(response);      /* the end of async with */
    return rc == WA_ECANCELLED ? rc : 0;
}

static int amain(void *arg) {
    (void)arg;
    base_url = getenv("WA_SEED_BASE_URL");
    if (base_url && !*base_url) base_url = NULL;
    wa_session_options options = {.base_url = base_url, .max_connections = 100};
    session = wa_session_new(&options);    /* async with aiohttp.ClientSession() */
    if (!session) return WA_ENOMEM;

    int rc = 0;
    wa_task *tasks[NURLS] = {NULL};
    for (size_t i = 0; i < NURLS && !rc; i++) {
        tasks[i] = wa_create_task(fetch, (void *)&url_list[i]);
        if (!tasks[i]) rc = wa_fail(WA_ENOMEM, "cannot create task");
    }
    if (!rc) {                             /* await asyncio.wait(tasks) */
        int ndone = wa_wait(tasks, NURLS, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
        if (ndone < 0) rc = ndone;
    }
    for (size_t i = 0; i < NURLS; i++) wa_task_release(tasks[i]);
    wa_session_free(session);
    session = NULL;
    return rc;
}

int main(void) { return seed_main(amain); }
