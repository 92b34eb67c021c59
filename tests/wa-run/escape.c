/* escape.c PATH...: tries to open each PATH (to create it if written "w:PATH") and
 * prints "PATH: ok" or "PATH: <error>", to check that the preopen cannot be left.
 * Also asks the host directly, as wasi-libc never would, for an absolute path and
 * for a symlink to one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *result(int failed, int err) { return failed ? strerror(err) : "ok"; }

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int create = strncmp(argv[i], "w:", 2) == 0;
        const char *path = argv[i] + (create ? 2 : 0);
        int fd = create ? open(path, O_WRONLY | O_CREAT, 0666) : open(path, O_RDONLY);
        printf("%s: %s\n", argv[i], result(fd < 0, errno));
        if (fd >= 0) close(fd);
    }
    __wasi_fd_t fd;
    __wasi_errno_t err = __wasi_path_open(3, 0, "/etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    printf("path_open /etc/passwd: %s\n", result(err != 0, err));
    err = __wasi_path_symlink("/etc", 3, "abs-link");
    printf("path_symlink /etc: %s\n", result(err != 0, err));
    return 0;
}
