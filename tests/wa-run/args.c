/* Prints argv and the whole environment, one entry a line, to check what wa-run passes. */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("arg:%s\n", argv[i]);
    for (char **e = environ; *e; e++) printf("env:%s\n", *e);
    return 0;
}
