/* The bytes a suspended task keeps: grown as needed, counted for wa_loop_get_stats.
 * Both switches store their copies here. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int wa__stack_reserve(wa__stack *st, uint32_t len) {
    if (len > WA_STACK_LIMIT) return WA_ESTACK;
    if (st->bytes && WA__STACK_CAP(len) <= WA__STACK_CAP(st->len)) return 0;
    char *bytes = wa__realloc(st->bytes, WA__STACK_CAP(len));
    if (!bytes) return WA_ENOMEM;
    st->bytes = bytes;
    return 0;
}

void wa__stack_set_len(wa__stack *st, uint32_t len) {
    wa__loop *loop = wa__loop_now;
    loop->saved_stack_bytes += len - st->len;
    if (len > loop->max_saved_stack) loop->max_saved_stack = len;
    st->len = len;
}

void wa__switch_forget(wa__loop *loop, wa__stack *st) {
    loop->saved_stack_bytes -= st->len;
    free(st->bytes);
    memset(st, 0, sizeof *st);
}
