/* Released handles stay recognisable. When the last reference to a future
 * or task goes, its record is not freed at once: it is marked WA__RETIRED
 * and kept among the loop's last WA__RETIRED_KEEP retired records, the
 * oldest of which is freed as each new one arrives. A second release, or an
 * await, cancel or read of the gone handle within that window, finds the mark
 * and fails with WA_EINVAL instead of touching freed memory. Under ASan the
 * rest of a kept record is poisoned, so any other use is still reported. */
#include "internal.h"

#include <stdlib.h>

#ifdef WA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The record bytes after the first word (state and kind stay readable). */
#define KEPT_HEAD offsetof(wa_future, refs)

static size_t record_size(const wa_future *f) {
    return f->kind == WA__TASK ? sizeof(wa_task) : f->kind == WA__COMBINER ? sizeof(wa__combiner) : sizeof(wa_future);
}

static void free_retired(wa_future *f, size_t size) {
    UNPOISON((char *)f + KEPT_HEAD, size - KEPT_HEAD);
    free(f);
}

void wa__retire(wa__loop *loop, wa_future *f) {
    if (!loop->retired && !loop->closing) loop->retired = calloc(WA__RETIRED_KEEP, sizeof *loop->retired);
    if (!loop->retired || loop->closing) {   /* nothing to keep it in, or everything goes now */
        free(f);
        return;
    }
    size_t size = record_size(f);
    wa__retired *slot = &loop->retired[loop->retired_next];
    if (slot->record) free_retired(slot->record, slot->size);
    slot->record = f;
    slot->size = size;
    loop->retired_next = (loop->retired_next + 1) % WA__RETIRED_KEEP;
    f->kind = WA__RETIRED;
    POISON((char *)f + KEPT_HEAD, size - KEPT_HEAD);
}

void wa__retired_free(wa__loop *loop) {
    if (!loop->retired) return;
    for (size_t i = 0; i < WA__RETIRED_KEEP; i++)
        if (loop->retired[i].record) free_retired(loop->retired[i].record, loop->retired[i].size);
    free(loop->retired);
    loop->retired = NULL;
}

__attribute__((noinline, cold)) int wa__gone_error(const char *what) {
    return wa__error(WA_EINVAL, "%s: the handle was released and what it named is gone", what);
}

__attribute__((noinline, cold)) int wa__released_error(const char *what, const wa_future *f) {
    if (f->kind == WA__TASK)
        return wa__error(WA_EINVAL, "%s: task '%s' was already released", what, wa_task_name((const wa_task *)f));
    return wa__error(WA_EINVAL, "%s: the future was already released", what);
}
