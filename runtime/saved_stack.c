/* The bytes a suspended task keeps: grown as needed, counted for wa_loop_get_stats.
 * Both switches store their copies here.
 *
 * A task is created with room for a first save at the end of its record, as
 * much as the last task to run needed (loop->save_hint): its first save, or
 * none if it ended without suspending. Tasks made together mostly run the
 * same body. A save that fits stays there, so most tasks never allocate for
 * their stack, and the memory a suspension needs is touched when the task is
 * made, not in the round where a crowd of new tasks first suspends. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Room comes in a few sizes (WA__SAVE_HINT_FIRST, then powers of two), so
 * that records of tasks with slightly different bodies share sizes and reuse
 * each other's freed blocks. */
void wa__save_hint_learn(wa__loop *loop, uint32_t len) {
    uint32_t room = len ? WA__SAVE_HINT_FIRST : 0;
    while (room < len) room *= 2;
    loop->save_hint = room <= WA__SAVE_HINT_MAX ? room : 0;
}

/* Called when a save of len bytes does not fit wa__stack_room(t), which a
 * first save never does. */
int wa__stack_reserve(wa_task *t, uint32_t len) {
    wa__stack *st = &t->stack;
    if (len > WA_STACK_LIMIT) return WA_ESTACK;
    if (!st->len) wa__save_hint_learn(wa__loop_now, len);  /* a first save */
    if (!st->bytes && len <= t->save_space_len) {
        st->bytes = t->save_space;
        return 0;
    }
    /* The heap: what is there now is rewritten whole by the save. */
    char *heap = st->bytes == t->save_space ? NULL : st->bytes;
    char *bytes = wa__realloc(heap, WA__STACK_CAP(len));
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

void wa__switch_forget(wa__loop *loop, wa_task *t) {
    wa__stack *st = &t->stack;
    loop->saved_stack_bytes -= st->len;
    if (st->bytes != t->save_space) free(st->bytes);
    memset(st, 0, sizeof *st);
}
