/* files.c DIR: file operations in the preopened directory DIR, a line of output each
 * for the test to compare. Exits 1 at the first surprise, saying which. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            printf("failed: %s (line %d: %s)\n", #cond, __LINE__, strerror(errno)); \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

/* Prints the names in DIR other than . and .., sorted. */
static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir) {
    char *names[16];
    int n = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        CHECK(n < 16);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    CHECK(argc > 1 && chdir(argv[1]) == 0);

    FILE *f = fopen("a.txt", "w");
    CHECK(f != NULL);
    fputs("hello, wasi\n", f);
    CHECK(fclose(f) == 0);

    char buf[64] = {0};
    f = fopen("a.txt", "r+");
    CHECK(f != NULL && fseek(f, 7, SEEK_SET) == 0);
    CHECK(fread(buf, 1, 4, f) == 4);
    printf("read at 7: %s, now at %ld\n", buf, ftell(f));
    CHECK(fseek(f, 0, SEEK_END) == 0 && fputs("more\n", f) >= 0);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    printf("whole file: %zu bytes: %s", n, buf);
    CHECK(fclose(f) == 0);

    int fd = open("a.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "end\n", 4) == 4 && close(fd) == 0);
    fd = open("a.txt", O_RDONLY);
    CHECK(fd >= 0 && pread(fd, buf, 4, 17) == 4 && lseek(fd, -4, SEEK_END) == 17);
    buf[4] = 0;
    printf("pread at 17: %s", buf);
    CHECK(close(fd) == 0);

    struct stat st;
    CHECK(stat("a.txt", &st) == 0);
    printf("stat: %s, %lld bytes\n", S_ISREG(st.st_mode) ? "file" : "not a file", (long long)st.st_size);
    CHECK(truncate("a.txt", 5) == 0 && stat("a.txt", &st) == 0);
    printf("truncated to %lld bytes\n", (long long)st.st_size);

    CHECK(mkdir("sub", 0777) == 0 && stat("sub", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(mkdir("sub", 0777) == -1 && errno == EEXIST);
    CHECK(open("a.txt", O_WRONLY | O_CREAT | O_EXCL, 0666) == -1 && errno == EEXIST);
    CHECK(open("missing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("a.txt/x", O_RDONLY) == -1 && errno == ENOTDIR);
    list(".");

    CHECK(rename("a.txt", "sub/b.txt") == 0);
    CHECK(stat("a.txt", &st) == -1 && errno == ENOENT);
    CHECK(rmdir("sub") == -1 && errno == ENOTEMPTY);
    list("sub");
    f = fopen("sub/b.txt", "r");
    CHECK(f != NULL && fgets(buf, sizeof buf, f) != NULL && fclose(f) == 0);
    printf("renamed: %s\n", buf);

    CHECK(unlink("sub/b.txt") == 0 && rmdir("sub") == 0);
    list(".");
    return 0;
}
