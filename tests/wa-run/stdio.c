/* Copies stdin to stdout after a prefix, and writes a fixed line to stderr,
 * so a test can tell the three streams apart. */
#include <stdio.h>

int main(void) {
    fputs("out:", stdout);
    int c;
    while ((c = getchar()) != EOF) putchar(c);
    fputs("to stderr\n", stderr);
    return 0;
}
