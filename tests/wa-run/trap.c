/* Prints a line, then traps (wasm `unreachable`). */
#include <stdio.h>

int main(void) {
    puts("before trap");
    fflush(stdout);
    __builtin_trap();
}
