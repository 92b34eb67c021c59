/* wa_read: a pipe (natively) and stdin fed in delayed chunks are read
 * without blocking the loop, a waiting read can be cancelled, a file reads
 * to its end, and misuse. argv[1] is a file to read; argv[2], when given,
 * the bytes stdin will get, in chunks apart: only then is stdin read (run
 * by hand, stdin may be a terminal or already at its end). */
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

/* Reads descriptor (intptr_t)arg to its end; returns the bytes read. */
static int reader_task(void *arg) {
    long n = read_to_end((int)(intptr_t)arg, sizeof(char[4096]));
    return n < 0 ? (int)n : wa_return(n);
}

/* Reads fd, into which chunks arrive apart totalling `bytes`: a read
 * waiting on nothing yet is cancelled, then the reader gets every byte in
 * more than one read while the loop goes on ticking. */
static void read_chunks(int fd, long bytes) {
    wa_task *cancelled = wa_create_task(reader_task, (void *)(intptr_t)fd);
    CHECK_INT(wa_sleep(0.002), 0);
    CHECK_INT(wa_task_cancel(cancelled), 1);         /* nothing has come yet */
    CHECK_INT(wa_await(cancelled), WA_ECANCELLED);
    wa_task_release(cancelled);
    wa_task *tick = wa_create_task(ticker, NULL);
    wa_task *reader = wa_create_task(reader_task, (void *)(intptr_t)fd);
    ticks = reads = 0;
    CHECK_INT(wa_await(reader), 0);
    intptr_t total = -1;
    CHECK_INT(wa_task_result(reader, &total), 0);
    printf("  read %ld bytes from fd %d in %d reads; the loop ticked %d times meanwhile\n", (long)total, fd, reads, ticks);
    CHECK_INT(total, bytes);
    CHECK(reads >= 2);                               /* the chunks came apart */
    CHECK(ticks >= 5);                               /* and the loop went on between them */
    CHECK_INT(wa_task_cancel(tick), 1);
    CHECK_INT(wa_await(tick), 0);
    wa_task_release(tick);
    wa_task_release(reader);
}
#endif

#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)  /* WASI has no pipe() */
static const char *const CHUNKS[] = {"abc\n", "defg\n", "hi\n"};

/* Writes CHUNKS 40 ms apart into descriptor (intptr_t)arg, then closes it. */
static int pipe_writer(void *arg) {
    int fd = (int)(intptr_t)arg;
    int rc = wa_sleep(0.04);
    for (size_t i = 0; !rc && i < sizeof CHUNKS / sizeof *CHUNKS; i++) {
        size_t n = strlen(CHUNKS[i]);
        CHECK_INT(write(fd, CHUNKS[i], n), (long)n); /* a pipe holds far more */
        rc = wa_sleep(0.04);
    }
    close(fd);
    return rc;
}

static int reads_a_pipe(void *arg) {
    (void)arg;
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    wa_task *writer = wa_create_task(pipe_writer, (void *)(intptr_t)fds[1]);
    read_chunks(fds[0], 12);
    CHECK_INT(wa_await(writer), 0);
    wa_task_release(writer);
    close(fds[0]);
    return 0;
}
#endif

static int reads_stdin(void *arg) {
    (void)arg;
#ifdef __EMSCRIPTEN__
    size_t got;
    char c;
    CHECK_INT(wa_read(0, &c, 1, &got), WA_ENOTSUP);  /* JS hosts read files with fetch */
#else
    printf("  reading stdin\n");      /* the harness starts writing when it sees this */
    fflush(stdout);
    read_chunks(0, stdin_bytes);
#endif
    return 0;
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
#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
    check_plan(stdin_bytes >= 0 ? 3 : 2);
#elif defined(__EMSCRIPTEN__)
    check_plan(2);
#else
    check_plan(stdin_bytes >= 0 ? 2 : 1);
#endif
    size_t got;
    char c;
    CHECK_INT(wa_read(0, &c, 1, &got), WA_ENOTASK);
#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
    run_case("a pipe is read as it comes, without blocking the loop", reads_a_pipe, NULL, 0);
#endif
#ifndef __EMSCRIPTEN__
    if (stdin_bytes >= 0)
#endif
        run_case("stdin is read as it comes, without blocking the loop", reads_stdin, NULL, 0);
    run_case("a file reads to its end; bad arguments", reads_a_file, NULL, 0);
    return check_exit();
}
