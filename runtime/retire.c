/* Released handles stay recognisable. When the last reference to a future
 * or task goes, or a user frees a lock, queue, coroutine, response or any
 * other object of the API, its record is not freed at once: it is marked
 * WA__RETIRED and kept among the loop's last WA__RETIRED_KEEP retired
 * records, the oldest of which is freed as each new one arrives. A second
 * release, or a use of the gone handle within that window, finds the mark
 * and fails with WA_EINVAL instead of touching freed memory. Under ASan the
 * rest of a kept record is poisoned, so any other use is still reported.
 * Objects freed while no loop runs have no window to go to and are freed. */
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

/* The record bytes after the first word (a future's state and kind, an
 * object's kind) stay readable. */
#define KEPT_HEAD offsetof(wa_future, refs)

_Static_assert(offsetof(wa__object, kind) == WA__KIND_AT, "an object's kind must sit where a future's does");
_Static_assert(KEPT_HEAD > WA__KIND_AT, "the kind must stay readable in a kept record");
_Static_assert(WA__TASK == WA__FUTURE + 1 && WA__COMBINER == WA__FUTURE + 2, "wa__is_future tests a range");

static size_t poisoned(size_t size) { return size > KEPT_HEAD ? size - KEPT_HEAD : 0; }

static size_t record_size(const wa_future *f) {
    if (f->kind == WA__TASK) return sizeof(wa_task) + ((const wa_task *)f)->save_space_len;
    return f->kind == WA__COMBINER ? sizeof(wa__combiner) : sizeof(wa_future);
}

static void free_retired(void *record, size_t size) {
    UNPOISON((char *)record + KEPT_HEAD, poisoned(size));
    free(record);
}

static void keep(wa__loop *loop, void *record, size_t size) {
    if (loop && !loop->retired && !loop->closing) loop->retired = calloc(WA__RETIRED_KEEP, sizeof *loop->retired);
    if (!loop || !loop->retired || loop->closing) {   /* nothing to keep it in, or everything goes now */
        free(record);
        return;
    }
    wa__retired *slot = &loop->retired[loop->retired_next];
    if (slot->record) free_retired(slot->record, slot->size);
    slot->record = record;
    slot->size = size;
    loop->retired_next = (loop->retired_next + 1) % WA__RETIRED_KEEP;
    ((uint8_t *)record)[WA__KIND_AT] = WA__RETIRED;
    POISON((char *)record + KEPT_HEAD, poisoned(size));
}

void wa__retire(wa__loop *loop, wa_future *f) { keep(loop, f, record_size(f)); }

void wa__retire_object(void *obj, size_t size) { keep(wa__loop_now, obj, size); }

void wa__retired_free(wa__loop *loop) {
    if (!loop->retired) return;
    for (size_t i = 0; i < WA__RETIRED_KEEP; i++)
        if (loop->retired[i].record) free_retired(loop->retired[i].record, loop->retired[i].size);
    free(loop->retired);
    loop->retired = NULL;
}

__attribute__((noinline, cold)) int wa__released_error(const char *what, const wa_future *f) {
    if (f->kind == WA__TASK)
        return wa__error(WA_EINVAL, "%s: task '%s' was already released", what, wa_task_name((const wa_task *)f));
    return wa__error(WA_EINVAL, "%s: the future was already released", what);
}

/* What each kind is called in messages, with its article; NULL: unknown. */
static const char *kind_name(int kind) {
    switch (kind) {
    case WA__FUTURE: return "a future";
    case WA__TASK: return "a task";
    case WA__COMBINER: return "a future of gather, wait, shield or as_completed";
    case WA__LOCK: return "a lock";
    case WA__EVENT: return "an event";
    case WA__CONDITION: return "a condition";
    case WA__SEMAPHORE: return "a semaphore";
    case WA__BARRIER: return "a barrier";
    case WA__QUEUE: return "a queue";
    case WA__CORO: return "a coroutine";
    case WA__HANDLE: return "a handle";
    case WA__TIMEOUT: return "a timeout scope";
    case WA__RESPONSE: return "a response";
    case WA__SESSION: return "a session";
    case WA__EXECUTOR: return "an executor";
    case WA__ITERATOR: return "an as_completed iterator";
    case WA__TASK_GROUP: return "a task group";
    case WA__LOOP: return "a loop";
    case WA__STREAM: return "a stream";
    case WA__SERVER: return "a server";
    case WA__HTTP_SERVER: return "an HTTP server";
    case WA__HTTP_REQUEST: return "an HTTP request";
    case WA__HTTP_RESPONSE: return "an HTTP response";
    default: return NULL;
    }
}

__attribute__((noinline, cold)) int wa__bad_object(const void *p, int kind, const char *fn) {
    const char *want = kind_name(kind);
    const char *noun = want + (want[1] == 'n' ? 3 : 2);   /* without its article */
    /* Handles, tasks and futures are given back (released), the others freed;
     * a released task or future is refused only once it is gone. */
    const char *gone = kind == WA__HANDLE                       ? "released"
                       : kind == WA__TASK || kind == WA__FUTURE ? "released and is gone"
                                                                : "freed";
    if (!p) return wa__error(WA_EINVAL, "%s: the %s is NULL", fn, noun);
    int is = ((const uint8_t *)p)[WA__KIND_AT];
    if (is == WA__RETIRED || is == kind) return wa__error(WA_EINVAL, "%s: the %s was %s", fn, noun, gone);
    const char *other = kind_name(is);
    if (other) return wa__error(WA_EINVAL, "%s: not %s (it is %s)", fn, want, other);
    return wa__error(WA_EINVAL, "%s: not %s", fn, want);
}
