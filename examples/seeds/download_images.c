/*
 * Port of the "download pictures" examples:
 *   - 003_c3bbfac469df662c.txt section "2. 协程意义" (why coroutines): the
 *     ordinary way (download one picture after another) versus the async way
 *     (one task per URL, then wait for all);
 *   - 002_27bfa55368f2bb5f.txt section "实例" (example): download_images(url)
 *     prints '开始下载' url, fetches, prints '下载完成', and saves the file
 *     under url.rsplit('-')[-1];
 *   - 001_ade296bdac61d605.txt sections 3/4 name the sleeps "network I/O
 *     request: download a picture".
 *
 *     async def download_image(url):
 *         print('开始下载', url)            # start download
 *         response = await <network>       # aiohttp / executor in the seeds
 *         print('下载完成')                 # download finished
 *         file_name = url.rsplit('-')[-1]
 *         open(file_name, 'wb').write(response.content)
 *
 *     for url in url_list: download_pic(url)                         # ordinary
 *     tasks = [asyncio.create_task(download_image(u)) for u in url_list]
 *     await asyncio.wait(tasks)                                      # async
 *
 * Shows: with coroutines the thread does other work while a download waits,
 * so three downloads of 1 s, 3 s and 2 s take 6 s one after another but about
 * 3 s (the longest) concurrently, and they finish in order of length.
 *
 * Differences from the seeds: sleeps of 1 s, 3 s and 2 s stand in for the
 * network (the seeds' URL lists are empty; these URLs are made up and never
 * fetched) and nothing is written to disk: the finish line names the file the
 * seed would save ("download finished: 1.jpg"). The ordinary way awaits each
 * download in turn (the seed blocks in requests.get; same order and time).
 * Added lines: "sequential:"/"concurrent:" headings and the elapsed times.
 *
 * Expected output: see download_images.expected.
 */
#include <string.h>

#include "seed_common.h"

#define NURLS 3

static const char *const url_list[NURLS] = {
    "https://www.example.com/pictures/car-1.jpg",
    "https://www.example.com/pictures/car-2.jpg",
    "https://www.example.com/pictures/car-3.jpg",
};
static const double download_seconds[NURLS] = {1, 3, 2};

/* async def download_image(url): the coroutine, also called directly. */
static int download_image(int i) {
    const char *url = url_list[i];
    printf("start download %s\n", url);
    int rc = seed_sleep(download_seconds[i]);   /* the network request */
    if (rc) return rc;
    const char *dash = strrchr(url, '-');       /* url.rsplit('-')[-1] */
    const char *file_name = dash ? dash + 1 : url;
    printf("download finished: %s\n", file_name);
    return 0;
}

/* Task body: the argument points at the URL's index (static storage). */
static const int indexes[NURLS] = {0, 1, 2};

static int download_task(void *arg) {
    return download_image(*(const int *)arg);
}

static int amain(void *arg) {
    (void)arg;
    int rc = 0;

    printf("sequential:\n");
    double t0 = seed_now();
    for (int i = 0; i < NURLS && !rc; i++)      /* for url in url_list: download */
        rc = download_image(i);
    if (rc) return rc;
    printf("elapsed ~%ld s\n", seed_whole_seconds(t0));

    printf("concurrent:\n");
    t0 = seed_now();
    wa_task *tasks[NURLS] = {NULL};
    for (int i = 0; i < NURLS && !rc; i++) {    /* asyncio.create_task(download_image(url)) */
        tasks[i] = wa_create_task(download_task, (void *)&indexes[i]);
        if (!tasks[i]) rc = wa_fail(WA_ENOMEM, "cannot create task");
    }
    if (!rc) {                                  /* await asyncio.wait(tasks) */
        int ndone = wa_wait(tasks, NURLS, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
        if (ndone < 0) rc = ndone;
    }
    for (int i = 0; i < NURLS; i++) wa_task_release(tasks[i]);
    if (rc) return rc;
    printf("elapsed ~%ld s\n", seed_whole_seconds(t0));
    return 0;
}

int main(void) { return seed_main(amain); }
