/* grow.c N: makes N small allocations, so that memory grows many times (node:wasi
 * crashed on this), then frees them. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 0;
    void **p = malloc(n * sizeof *p);
    for (long i = 0; i < n; i++) p[i] = malloc(180);
    printf("allocated %ld\n", n);
    for (long i = 0; i < n; i++) free(p[i]);
    printf("freed\n");
    return 0;
}
