/* The timer heap: a binary min-heap of deadlines, ties broken by insertion
 * order, so equal deadlines fire first-in first-out. */
#include "internal.h"

#include <stdlib.h>

static int earlier(const wa__timer *a, const wa__timer *b) {
    if (a->deadline != b->deadline) return a->deadline < b->deadline;
    return (int32_t)(a->seq - b->seq) < 0;   /* wraps safely below 2^31 timers */
}

static void place(wa__heap *hp, uint32_t i, wa__timer *tm) {
    hp->items[i] = tm;
    tm->index = i;
}

static void sift_up(wa__heap *hp, uint32_t i) {
    wa__timer *tm = hp->items[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!earlier(tm, hp->items[parent])) break;
        place(hp, i, hp->items[parent]);
        i = parent;
    }
    place(hp, i, tm);
}

static void sift_down(wa__heap *hp, uint32_t i) {
    wa__timer *tm = hp->items[i];
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= hp->count) break;
        if (child + 1 < hp->count && earlier(hp->items[child + 1], hp->items[child]))
            child++;
        if (!earlier(hp->items[child], tm)) break;
        place(hp, i, hp->items[child]);
        i = child;
    }
    place(hp, i, tm);
}

int wa__heap_push(wa__heap *hp, wa__timer *tm) {
    if (hp->count == hp->cap) {
        uint32_t cap = hp->cap ? hp->cap * 2 : 64;
        wa__timer **items = wa__realloc(hp->items, cap * sizeof *items);
        if (!items) return WA_ENOMEM;
        hp->items = items;
        hp->cap = cap;
    }
    tm->seq = hp->next_seq++;
    place(hp, hp->count++, tm);
    sift_up(hp, tm->index);
    return 0;
}

void wa__heap_remove(wa__heap *hp, wa__timer *tm) {
    uint32_t i = tm->index;
    wa__timer *last = hp->items[--hp->count];
    if (i == hp->count) return;
    place(hp, i, last);
    sift_down(hp, i);
    sift_up(hp, last->index);
}

wa__timer *wa__heap_top(const wa__heap *hp) {
    return hp->count ? hp->items[0] : NULL;
}

void wa__heap_free(wa__heap *hp) {
    free(hp->items);
    hp->items = NULL;
    hp->count = hp->cap = 0;
}
