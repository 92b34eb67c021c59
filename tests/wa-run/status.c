/* status.c N: returns N from main; status.c N exit: calls exit(N) instead. */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    if (argc > 2 && strcmp(argv[2], "exit") == 0) exit(code);
    return code;
}
