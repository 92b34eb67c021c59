/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "实例" (example), after
 * "concurrent.futures.Future对象": downloading pictures with requests, which
 * blocks, from coroutines through the default thread pool:
 *
 *     async def download_images(url):
 *         # send the request; on network I/O switch to other tasks
 *         print('开始下载', url)                     # start download
 *         loop = asyncio.get_event_loop()
 *         # requests does not support async: use the thread pool with it
 *         future = loop.run_in_executor(None, requests.get, url)
 *         response = await future
 *         print('下载完成')                          # download finished
 *         file_name = url.rsplit('-')[-1]
 *         with open(file_name, mode='wb') as file_obj:
 *             file_obj.write(response.content)
 *
 *     if __name__ == '__main__':
 *         url_list = []
 *         tasks = [download_images(url) for url in url_list]
 *         loop = asyncio.get_event_loop()
 *         loop.run_until_complete(asyncio.wait(tasks))
 *
 * Shows: a blocking call goes into the loop's default executor, and the
 * coroutine awaits its future; every task starts its download before any
 * finishes.
 *
 * Differences from the seed: requests.get is a function that blocks its
 * thread for 1 s, 2 s or 3 s (seed_block) and returns no content; the URLs
 * are made up (the seed's list is empty) and nothing is written to disk:
 * the finish line names the file the seed would save ("download finished:
 * 1.jpg"). Python 3.11 refuses coroutines in asyncio.wait, so the tasks are
 * made on the loop first (loop.create_task(download_images(url))), and
 * asyncio.wait(tasks) is the task body seed_wait_all. The lengths grow with
 * the URLs so that the downloads finish in list order on every host: on
 * threads they overlap and finish after 1, 2 and 3 s; where the host has no
 * threads the work runs on the loop's thread, one call after another, in the
 * same order. For the same reason no elapsed time is printed (3 s on three
 * threads, 6 s without threads). The same downloads with sleeps instead of
 * blocking calls are the port download_images.
 *
 * Expected output: "start download <url>" for the three URLs, then
 * "download finished: 1.jpg", "2.jpg", "3.jpg".
 */
#include <string.h>

#include "seed_common.h"

#define NURLS 3

struct download {
    const char *url;
    double seconds;                     /* scaled on the loop's thread */
};

/* Read by the tasks and the pool's threads: static storage. */
static struct download downloads[NURLS] = {
    {"https://www.example.com/pictures/car-1.jpg", 1},
    {"https://www.example.com/pictures/car-2.jpg", 2},
    {"https://www.example.com/pictures/car-3.jpg", 3},
};
static wa_task *tasks[NURLS];
static struct seed_task_list task_list = {tasks, NURLS};

/* requests.get(url): blocks the thread it runs on. */
static int requests_get(void *arg, intptr_t *response) {
    const struct download *d = arg;
    seed_block(d->seconds);
    *response = 0;                      /* no content */
    return 0;
}

/* async def download_images(url) */
static int download_images(void *arg) {
    struct download *d = arg;
    printf("start download %s\n", d->url);
    /* loop.run_in_executor(None, requests.get, url): the running loop's default pool */
    wa_future *future = wa_run_in_executor(NULL, requests_get, d);
    if (!future) return wa_fail(WA_ENOMEM, "cannot submit the work");
    int rc = wa_await(future);          /* response = await future */
    wa_future_release(future);
    if (rc) return rc;
    const char *dash = strrchr(d->url, '-');   /* url.rsplit('-')[-1] */
    printf("download finished: %s\n", dash ? dash + 1 : d->url);
    return 0;
}

static int run(wa_loop *loop) {
    for (int i = 0; i < NURLS; i++) {
        downloads[i].seconds *= seed_scale();
        tasks[i] = wa_loop_create_task(loop, download_images, &downloads[i]);
        if (!tasks[i]) return WA_ENOMEM;
    }
    return seed_run_until_complete(loop, seed_wait_all, &task_list, NULL);
}

int main(void) {
    wa_loop *loop = wa_loop_new();      /* asyncio.get_event_loop() */
    if (!loop) return seed_exit(WA_ENOMEM);
    int rc = run(loop);                 /* loop.run_until_complete(asyncio.wait(tasks)) */
    for (int i = 0; i < NURLS; i++) wa_task_release(tasks[i]);
    int status = seed_exit(rc);
    wa_loop_close(loop);
    return status;
}
