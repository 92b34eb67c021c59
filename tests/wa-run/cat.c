/* cat.c PATH: copies the file to stdout; exit 1 with a message if it cannot open it. */
#include <stdio.h>

int main(int argc, char **argv) {
    FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
    if (!f) {
        perror(argc > 1 ? argv[1] : "no path");
        return 1;
    }
    int c;
    while ((c = fgetc(f)) != EOF) putchar(c);
    fclose(f);
    return 0;
}
