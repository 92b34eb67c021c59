/*
 * Port of the aiohttp way of downloading pictures:
 *   - 003_c3bbfac469df662c.txt section "2. 协程意义" (why coroutines), the
 *     async way (异步方式): one task per URL in a ClientSession, each reading
 *     the whole body;
 *   - 002_27bfa55368f2bb5f.txt section "实例" (example), download_images: the
 *     same download printing '开始下载' url and '下载完成'. The seed runs
 *     requests.get in the default executor (ported as download_executor);
 *     with a fetch API it is this download.
 *
 *     async def fetch(session, url):
 *         print('开始下载', url)                    # start download (002)
 *         async with session.get(url) as response:
 *             content = await response.content.read()
 *             print('下载完成')                     # download finished (002)
 *             file_name = url.rsplit("_")[-1]
 *             with open(file_name, 'wb') as file_obj:
 *                 file_obj.write(content)
 *
 *     async def main():
 *         async with aiohttp.ClientSession() as session:
 *             url_list = []
 *             tasks = [asyncio.create_task(fetch(session, url)) for url in url_list]
 *             await asyncio.wait(tasks)
 *
 *     asyncio.run(main())
 *
 * Shows: while one download waits for the network the others go on, so
 * downloads of 1 s, 3 s and 2 s take about 3 s together (6 s one after
 * another: download_images shows both ways with sleeps alone), finishing in
 * order of length; a URL that fails is reported on its own.
 *
 * Differences from the seeds:
 *   - The seeds' URL lists are empty. Here data: URLs (they work on every
 *     host) hold three tiny pictures, a 1x1 GIF, a 1x1 PNG and an SVG, and
 *     are printed as the URLs; a fourth one is broken (cut off in a % escape)
 *     and fails in the fetch. The seeds catch nothing; the port adds,
 *     around the async with:
 *         except aiohttp.ClientError as e: print('下载失败', url, e); return
 *     where e's text is the runtime's message.
 *   - A data: URL is decoded at once, so each picture's network time is a
 *     sleep after the fetch: 1 s, 3 s and 2 s, as in download_images.
 *   - Nothing is written to disk (WASI may have no writable directory, and
 *     url.rsplit("_") names nothing in a data: URL): the finish line prints
 *     what would be written, the content type and size:
 *         print(f'download finished: {response.content_type}, {len(content)} bytes')
 *   - aiohttp.ClientSession() is a wa_session with max_connections 100,
 *     aiohttp's default limit.
 *   - With the environment variable WA_SEED_BASE_URL set, the session takes
 *     it as its base URL and the port fetches car_1.gif, car_2.png,
 *     car_3.svg and car_4.jpg relative to it, without the sleeps (http: and
 *     https: need a JS host); the output then depends on the server.
 * Added line: the elapsed time.
 *
 * Expected output: see download_session.expected.
 */
#include "seed_common.h"

struct picture {
    const char *url;                 /* the data: stand-in */
    const char *path;                /* the same picture under WA_SEED_BASE_URL */
    double seconds;                  /* the network time the sleep stands for */
};

static const struct picture url_list[] = {
    {"data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "car_1.gif", 1},
    {"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAsTj2FAAAAABJRU5ErkJggg==",
     "car_2.png", 3},
    {"data:image/svg+xml,<svg%20xmlns='http://www.w3.org/2000/svg'/>", "car_3.svg", 2},
    {"data:image/jpeg,%FF%D8%FF%E", "car_4.jpg", 0},   /* broken: a JPEG cut off mid-escape */
};
#define NURLS (sizeof url_list / sizeof url_list[0])

/* Read by every task: static storage. */
static wa_session *session;
static const char *base_url;         /* WA_SEED_BASE_URL, or NULL */

/* async def fetch(session, url); the argument is a struct picture. */
static int fetch(void *arg) {
    const struct picture *p = arg;
    const char *url = base_url ? p->path : p->url;
    printf("start download %s\n", url);
    wa_response *response = NULL;
    char *content = NULL;
    size_t len = 0;
    int rc = wa_session_fetch(session, url, NULL, &response);      /* session.get(url) */
    if (!rc && !base_url) rc = seed_sleep(p->seconds);             /* the network */
    if (!rc) rc = wa_response_read_all(response, &content, &len);  /* response.content.read() */
    if (!rc) {
        const char *type = wa_response_header(response, "content-type");
        printf("download finished: %s, %zu bytes\n", type ? type : "", len);
    } else if (rc != WA_ECANCELLED) {
        printf("download failed %s %s\n", url, wa_errmsg());
    }
    free(content);
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
    double t0 = seed_now();
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
    if (!rc) printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return rc;
}

int main(void) { return seed_main(amain); }
