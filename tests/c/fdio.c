/* wa_read: stdin fed in delayed chunks is read without blocking the loop,
 * a waiting read can be cancelled, a file reads to its end, and misuse.
 * argv[1] is a file to read; argv[2], when given, the bytes stdin will get. */
#define _DEFAULT_SOURCE 1                /* open, close under -std=c11 */
#include "check.h"

#include <fcntl.h>
#include <unistd.h>

static const char *file_path;
static long stdin_bytes = -1;

#ifndef __EMSCRIPTEN__                   /* JS hosts have no descriptors to wait on */
static int ticks, reads;

static int ticker(void *arg) {
    (void)arg;
    for (;;) {
        if (wa_sleep(0.005)) return 0;
        ticks++;
    }
}

static long read_to_end(int fd, size_t chunk) {
    static char buf[4096];
    long total = 0;
    for (;;) {
        size_t got = 0;
        int rc = wa_read(fd, buf, chunk, &got);
        if (rc) return rc;
        if (got == 0) return total;
        total += (long)got;
        reads++;
    }
}

static int stdin_reader(void *arg) {
    (void)arg;
    long n = read_to_end(0, sizeof(char[4096]));
    return n < 0 ? (int)n : wa_return(n);
}

#endif

static int reads_stdin(void *arg) {
    (void)arg;
#ifdef __EMSCRIPTEN__
    size_t got;
    char c;
    CHECK_INT(wa_read(0, &c, 1, &got), WA_ENOTSUP);  /* JS hosts read files with fetch */
    return 0;
#else
    wa_task *cancelled = wa_create_task(stdin_reader, NULL);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(cancelled), 1);         /* stdin has nothing yet */
    CHECK_INT(wa_await(cancelled), WA_ECANCELLED);
    wa_task_release(cancelled);
    wa_task *tick = wa_create_task(ticker, NULL);
    wa_task *reader = wa_create_task(stdin_reader, NULL);
    ticks = reads = 0;
    CHECK_INT(wa_await(reader), 0);
    intptr_t total = -1;
    CHECK_INT(wa_task_result(reader, &total), 0);
    if (stdin_bytes >= 0) {
        printf("  read %ld bytes of stdin in %d reads; the loop ticked %d times meanwhile\n", (long)total, reads, ticks);
        CHECK_INT(total, stdin_bytes);
        CHECK(reads >= 2);                           /* the chunks came apart */
        CHECK(ticks >= 5);                           /* and the loop went on between them */
    }
    CHECK_INT(wa_task_cancel(tick), 1);
    CHECK_INT(wa_await(tick), 0);
    wa_task_release(tick);
    wa_task_release(reader);
    return 0;
#endif
}

static int reads_a_file(void *arg) {
    (void)arg;
#ifndef __EMSCRIPTEN__
    int fd = open(file_path, O_RDONLY);
    CHECK(fd >= 0);
    if (fd < 0) return 0;
    long total = read_to_end(fd, 100);
    CHECK(total > 1000);
    long again = (lseek(fd, 0, SEEK_SET), read_to_end(fd, 4096));
    CHECK_INT(again, total);
    close(fd);
#endif
    size_t got;
    char c;
    CHECK_INT(wa_read(-1, &c, 1, &got), WA_EINVAL);
    CHECK_INT(wa_read(0, &c, 1, NULL), WA_EINVAL);
    return 0;
}

int main(int argc, char **argv) {
    file_path = argc > 1 ? argv[1] : __FILE__;
    if (argc > 2) stdin_bytes = strtol(argv[2], NULL, 10);
    size_t got;
    char c;
    CHECK_INT(wa_read(0, &c, 1, &got), WA_ENOTASK);
    run_case("stdin is read as it comes, without blocking the loop", reads_stdin, NULL, 0);
    run_case("a file reads to its end; bad arguments", reads_a_file, NULL, 0);
    return check_exit();
}
