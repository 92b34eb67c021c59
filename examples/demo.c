/* wasyncio demo: five "downloads" run concurrently as tasks, each sleeping in
 * steps the way a transfer waits for data. The loop interleaves them; the
 * program prints each step as it happens, then a timeline of the run, then
 * compares with doing the same work one after another. */
#include "wasyncio.h"

#include <stdio.h>
#include <string.h>

#define TASKS 5
#define COLUMNS 50                       /* timeline width */

typedef struct download {
    const char *name;
    int steps;                           /* chunks to fetch */
    double chunk_seconds;                /* wait per chunk */
    double started, finished;            /* loop clock */
} download;

static download downloads[TASKS] = {
    {"logo.png", 3, 0.10, 0, 0},   {"video.mp4", 6, 0.12, 0, 0}, {"paper.pdf", 2, 0.20, 0, 0},
    {"song.mp3", 4, 0.08, 0, 0},   {"data.csv", 5, 0.05, 0, 0},
};
static double t0;

static int fetch(void *arg) {
    download *d = arg;
    d->started = wa_time();
    for (int i = 1; i <= d->steps; i++) {
        int rc = wa_sleep(d->chunk_seconds);
        if (rc) return rc;
        printf("  [%5.2fs] %-10s chunk %d/%d\n", wa_time() - t0, d->name, i, d->steps);
    }
    d->finished = wa_time();
    return wa_return(d->steps);
}

static void timeline(double total) {
    printf("\n  timeline (each # is %.0f ms)\n", total / COLUMNS * 1e3);
    for (int i = 0; i < TASKS; i++) {
        char bar[COLUMNS + 1];
        memset(bar, ' ', COLUMNS);
        bar[COLUMNS] = 0;
        int from = (int)((downloads[i].started - t0) / total * COLUMNS);
        int to = (int)((downloads[i].finished - t0) / total * COLUMNS + 0.5);
        for (int c = from; c < to && c < COLUMNS; c++) bar[c] = '#';
        printf("  %-10s |%s|\n", downloads[i].name, bar);
    }
}

static int amain(void *arg) {
    (void)arg;
    double sequential = 0;
    for (int i = 0; i < TASKS; i++) sequential += downloads[i].steps * downloads[i].chunk_seconds;
    printf("  starting %d downloads as tasks\n", TASKS);
    t0 = wa_time();
    wa_task *tasks[TASKS];
    for (int i = 0; i < TASKS; i++) {
        tasks[i] = wa_create_task(fetch, &downloads[i]);
        if (!tasks[i]) return wa_fail(WA_ENOMEM, "cannot start %s: %s", downloads[i].name, wa_errmsg());
        wa_task_set_name(tasks[i], downloads[i].name);
    }
    int chunks = 0;
    for (int i = 0; i < TASKS; i++) {
        int rc = wa_await(tasks[i]);
        intptr_t got = 0;
        if (rc) return wa_fail(rc, "%s failed: %s", wa_task_name(tasks[i]), wa_errmsg());
        wa_task_result(tasks[i], &got);
        chunks += (int)got;
        wa_task_release(tasks[i]);
    }
    double total = wa_time() - t0;
    timeline(total);
    printf("\n  %d chunks in %.2f s concurrently; one after another it would take %.2f s\n", chunks,
           total, sequential);
    return 0;
}

int main(void) {
    int rc = wa_run(amain, NULL);
    if (rc) fprintf(stderr, "demo: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
