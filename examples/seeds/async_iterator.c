/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "异步迭代器" (async
 * iterator); 000_3f41389192140140.txt section "自定义异步迭代器" (custom async
 * iterator) describes the same protocol without code:
 *
 *     class Reader:
 *         def __init__(self):
 *             self.count = 0
 *
 *         async def read_count(self):
 *             # await asyncio.sleep(1)
 *             self.count += 1
 *             if self.count == 100:
 *                 return None
 *             return self.count
 *
 *         def __aiter__(self):
 *             return self
 *
 *         async def __anext__(self):
 *             val = await self.read_count()
 *             if val == None:
 *                 raise StopAsyncIteration
 *             return val
 *
 *     async def func():
 *         obj = Reader()
 *         async for item in obj:      # only inside a coroutine
 *             print(item)
 *
 *     asyncio.run(func())
 *
 * Shows: async for calls __anext__ and awaits what it returns, item after
 * item, until StopAsyncIteration ends the loop (an end, not an error): the
 * reader gives 1 to 99 and stops when its count reaches 100.
 *
 * In C the iterator is a wa_aiter: a next function that may await, with the
 * Reader as its state; it returns 1 with an item, or 0 where __anext__
 * raises StopAsyncIteration. async for is a loop over wa_aiter_next in a
 * task; __aiter__ returning self is the wa_aiter pointing at the Reader.
 * read_count's None is a return of 0 with no value. The sleep stays
 * commented out, as in the seed.
 *
 * Expected output: the numbers 1 to 99, one per line.
 */
#include "seed_common.h"

struct reader {
    int count;
};

/* async def read_count(self): 1 with the count in *val, 0 for None. */
static int read_count(struct reader *self, intptr_t *val) {
    /* await asyncio.sleep(1) */
    self->count += 1;
    if (self->count == 100) return 0;
    *val = self->count;
    return 1;
}

/* async def __anext__(self) */
static int reader_anext(void *self, intptr_t *item) {
    intptr_t val = 0;
    if (!read_count(self, &val)) return 0;  /* raise StopAsyncIteration */
    *item = val;
    return 1;
}

static struct reader obj;               /* static: see seed_common.h */

static int func(void *arg) {
    (void)arg;
    wa_aiter it = {reader_anext, &obj};  /* obj = Reader(); obj.__aiter__() */
    intptr_t item = 0;
    int rc;
    while ((rc = wa_aiter_next(&it, &item)) == 1)  /* async for item in obj: */
        printf("%ld\n", (long)item);
    return rc;                          /* 0 at the end of the iteration */
}

int main(void) { return seed_main(func); }
