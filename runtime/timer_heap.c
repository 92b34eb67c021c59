/* The timer heap: a 4-ary min-heap of deadlines, ties broken by insertion
 * order, so equal deadlines fire first-in first-out.
 *
 * Each slot holds its timer's deadline, so sifting compares slots that sit
 * together (a node's four children share a cache line) and reads a timer
 * only for its sequence number on a tie. With the timers in 100k task
 * records, reading each one's deadline made a removal a chain of cache
 * misses, one per level and child. */
#include "internal.h"

#include <stdlib.h>

#define ARITY 4

static int earlier(const wa__heap_slot *a, const wa__heap_slot *b) {
    if (a->deadline != b->deadline) return a->deadline < b->deadline;
    return (int32_t)(a->tm->seq - b->tm->seq) < 0;   /* wraps safely below 2^31 timers */
}

static void place(wa__heap *hp, uint32_t i, wa__heap_slot slot) {
    hp->slots[i] = slot;
    slot.tm->index = i;
}

static void sift_up(wa__heap *hp, uint32_t i) {
    wa__heap_slot slot = hp->slots[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / ARITY;
        if (!earlier(&slot, &hp->slots[parent])) break;
        place(hp, i, hp->slots[parent]);
        i = parent;
    }
    place(hp, i, slot);
}

static void sift_down(wa__heap *hp, uint32_t i) {
    wa__heap_slot slot = hp->slots[i];
    for (;;) {
        uint32_t first = ARITY * i + 1;
        if (first >= hp->count) break;
        uint32_t end = first + ARITY < hp->count ? first + ARITY : hp->count;
        uint32_t best = first;
        for (uint32_t c = first + 1; c < end; c++)
            if (earlier(&hp->slots[c], &hp->slots[best])) best = c;
        if (!earlier(&hp->slots[best], &slot)) break;
        place(hp, i, hp->slots[best]);
        i = best;
    }
    place(hp, i, slot);
}

int wa__heap_push(wa__heap *hp, wa__timer *tm) {
    if (hp->count == hp->cap) {
        uint32_t cap = hp->cap ? hp->cap * 2 : 64;
        wa__heap_slot *slots = wa__realloc(hp->slots, cap * sizeof *slots);
        if (!slots) return WA_ENOMEM;
        hp->slots = slots;
        hp->cap = cap;
    }
    tm->seq = hp->next_seq++;
    uint32_t i = hp->count++;
    place(hp, i, (wa__heap_slot){tm->deadline, tm});
    sift_up(hp, i);
    return 0;
}

void wa__heap_remove(wa__heap *hp, wa__timer *tm) {
    uint32_t i = tm->index;
    wa__heap_slot last = hp->slots[--hp->count];
    if (i == hp->count) return;
    place(hp, i, last);
    sift_down(hp, i);
    sift_up(hp, last.tm->index);
}

void wa__heap_free(wa__heap *hp) {
    free(hp->slots);
    hp->slots = NULL;
    hp->count = hp->cap = 0;
}
