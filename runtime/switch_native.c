/* Task switching for native builds (x86-64): the same copy-stack contract as
 * switch_asyncify.c. Tasks run on one shared stack region; a suspending task
 * swaps back to the scheduler, which copies out the bytes between the task's
 * stack pointer and the region's top. Resuming copies them back and swaps in. */
#define _DEFAULT_SOURCE 1 /* POSIX names under -std=c11 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "the native switch supports x86-64 only for now"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define WA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WA_ASAN 1
#endif
#endif

#ifdef WA_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define NO_ASAN
#endif

#define REGION_SIZE (8u * 1024 * 1024)   /* reserved, touched only as deep as tasks go */

/* Saves the callee-saved registers on the current stack, stores the stack
 * pointer in *save_sp, switches to load_sp and pops the registers saved there. */
void wa__ctx_swap(uintptr_t *save_sp, uintptr_t load_sp);
/* First frame of a task: calls r13(r12). */
void wa__ctx_boot(void);
__asm__(".text\n"
        ".globl wa__ctx_swap\n.hidden wa__ctx_swap\n.type wa__ctx_swap,@function\n"
        "wa__ctx_swap:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size wa__ctx_swap, .-wa__ctx_swap\n"
        ".globl wa__ctx_boot\n.hidden wa__ctx_boot\n.type wa__ctx_boot,@function\n"
        "wa__ctx_boot:\n"
        "  movq %r12, %rdi\n"
        "  callq *%r13\n"
        "  ud2\n"
        ".size wa__ctx_boot, .-wa__ctx_boot\n");

static struct {
    char *mapping;                       /* guard page + region */
    size_t mapping_size;
    uintptr_t top;                       /* highest address of the region: tasks start here */
    uintptr_t scheduler_sp;              /* where wa__switch_run waits while a task runs */
    int resume_code;                     /* what wa__switch_suspend returns next */
#ifdef WA_ASAN
    uintptr_t lowest_sp;                 /* deepest saved stack pointer: red zones lie above */
    void *scheduler_fake_stack;
    const void *scheduler_bottom;
    size_t scheduler_size;
#endif
} sw;

int wa__switch_init(void) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    sw.mapping_size = REGION_SIZE + page;
    if (wa__fault()) return WA_ENOMEM;
    void *m = mmap(NULL, sw.mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return WA_ENOMEM;
    mprotect(m, page, PROT_NONE);        /* an overflow faults instead of corrupting memory */
    sw.mapping = m;
    sw.top = (uintptr_t)m + sw.mapping_size;
    return 0;
}

void wa__switch_fini(void) {
    if (sw.mapping) munmap(sw.mapping, sw.mapping_size);
    memset(&sw, 0, sizeof sw);
}

/* Stack bytes are copied without the sanitizer's checks: they hold other
 * frames' red zones, which are not errors here. */
NO_ASAN static void copy_stack(void *dst, const void *src, size_t n) {
#ifdef WA_ASAN
    volatile char *d = dst;
    const volatile char *s = src;
    while (n--) *d++ = *s++;
#else
    memcpy(dst, src, n);
#endif
}

/* Suspended tasks leave their frames' red zones poisoned at addresses the
 * next task reuses with another layout: clear them before it runs. */
static void clear_poison(uintptr_t sp) {
#ifdef WA_ASAN
    if (sp < sw.lowest_sp || !sw.lowest_sp) sw.lowest_sp = sp;
    __asan_unpoison_memory_region((void *)sw.lowest_sp, sw.top - sw.lowest_sp);
#else
    (void)sp;
#endif
}

static void to_task(uintptr_t sp) {
#ifdef WA_ASAN
    __sanitizer_start_switch_fiber(&sw.scheduler_fake_stack, (void *)(sw.top - REGION_SIZE), REGION_SIZE);
#endif
    wa__ctx_swap(&sw.scheduler_sp, sp);
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(sw.scheduler_fake_stack, NULL, NULL);
#endif
}

static void arrived_in_task(void) {
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(NULL, &sw.scheduler_bottom, &sw.scheduler_size);
#endif
}

static void to_scheduler(uintptr_t *save_sp, int exiting) {
#ifdef WA_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(exiting ? NULL : &fake, sw.scheduler_bottom, sw.scheduler_size);
#else
    (void)exiting;
#endif
    wa__ctx_swap(save_sp, sw.scheduler_sp);
}

static void task_main(wa_task *t) {
    arrived_in_task();
    wa__task_entry(t);
    uintptr_t unused;
    to_scheduler(&unused, 1);            /* never comes back */
}

int wa__switch_suspend(wa__stack *st) {
    if (sw.top - (uintptr_t)&st > WA_STACK_LIMIT) return WA_ESTACK;
    to_scheduler(&st->sp, 0);
    arrived_in_task();
    return sw.resume_code;
}

static int save(wa__stack *st) {
    uint32_t len = (uint32_t)(sw.top - st->sp);
    int rc = wa__stack_reserve(st, len);
    if (rc) return rc;
    copy_stack(st->bytes, (void *)st->sp, len);
#ifdef WA_ASAN
    if (st->sp < sw.lowest_sp) sw.lowest_sp = st->sp;
#endif
    wa__stack_set_len(st, len);
    return 0;
}

void wa__switch_run(wa_task *t) {
    wa__stack *st = &t->stack;
    uintptr_t sp;
    if (!st->len) {                      /* first run: a frame that returns into wa__ctx_boot */
        uintptr_t *frame = (uintptr_t *)(sw.top - 56);
        clear_poison((uintptr_t)frame);
        memset(frame, 0, 56);
        frame[2] = (uintptr_t)task_main;  /* r13 */
        frame[3] = (uintptr_t)t;          /* r12 */
        frame[6] = (uintptr_t)wa__ctx_boot;
        sp = (uintptr_t)frame;
    } else {
        clear_poison(st->sp);
        copy_stack((void *)st->sp, st->bytes, st->len);
        sp = st->sp;
    }
    sw.resume_code = 0;                  /* each resume sets it: another task's error is not ours */
    to_task(sp);
    while (!t->body_done) {              /* it suspended: keep its stack */
        int rc = save(st);
        if (rc == 0) break;
        sw.resume_code = rc;             /* could not keep it: resume with the error */
        to_task(st->sp);
    }
}


int wa__switch_on_task_stack(const void *p) {
    return sw.mapping && (uintptr_t)p >= sw.top - REGION_SIZE && (uintptr_t)p < sw.top;
}

/* ------------------------------------------------------------- coroutines
 *
 * A coroutine runs on a mapping of its own with a guard page below it, so
 * nothing is copied: a switch saves the registers and moves the stack
 * pointer. */

#define COROUTINE_STACK (256u * 1024)    /* reserved; pages are touched only as used */

struct wa__costack {
    char *mapping;
    size_t mapping_size;
    uintptr_t sp;                        /* the coroutine's, while it is suspended */
    uintptr_t resumer_sp;                /* the resumer's, while the coroutine runs */
    void *ctx;                           /* handed to wa__coro_entry */
    uint8_t started;
#ifdef WA_ASAN
    void *resumer_fake, *own_fake;       /* each side's fake stack while the other runs */
    const void *resumer_bottom;          /* the resumer's stack, to switch back to */
    size_t resumer_size;
#endif
};

wa__costack *wa__costack_new(void) {
    wa__costack *cs = wa__calloc(1, sizeof *cs);
    if (!cs || wa__fault()) {
        free(cs);
        return NULL;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    cs->mapping_size = COROUTINE_STACK + page;
    void *m = mmap(NULL, cs->mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        free(cs);
        return NULL;
    }
    mprotect(m, page, PROT_NONE);
    cs->mapping = m;
    return cs;
}

void wa__costack_free(wa__costack *cs) {
    if (!cs) return;
#ifdef WA_ASAN
    __asan_unpoison_memory_region(cs->mapping, cs->mapping_size);
#endif
    munmap(cs->mapping, cs->mapping_size);
    free(cs);
}

static uintptr_t costack_top(const wa__costack *cs) { return (uintptr_t)cs->mapping + cs->mapping_size; }

/* The coroutine's side of a switch: out to the resumer, and back in. */
static void leave_coroutine(wa__costack *cs, uintptr_t *save_sp, int exiting) {
#ifdef WA_ASAN
    __sanitizer_start_switch_fiber(exiting ? NULL : &cs->own_fake, cs->resumer_bottom, cs->resumer_size);
#else
    (void)exiting;
#endif
    wa__ctx_swap(save_sp, cs->resumer_sp);
}

static void arrived_in_coroutine(wa__costack *cs) {
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(cs->own_fake, &cs->resumer_bottom, &cs->resumer_size);
#else
    (void)cs;
#endif
}

static void coroutine_main(wa__costack *cs) {
    arrived_in_coroutine(cs);
    wa__coro_entry(cs->ctx);
    uintptr_t unused;
    leave_coroutine(cs, &unused, 1);     /* never comes back */
}

void wa__costack_yield(wa__costack *cs) {
    leave_coroutine(cs, &cs->sp, 0);
    arrived_in_coroutine(cs);
}

int wa__costack_resume(wa__costack *cs, void *ctx) {
    cs->ctx = ctx;
    if (!cs->started) {                  /* a first frame that returns into wa__ctx_boot */
        cs->started = 1;
        uintptr_t *frame = (uintptr_t *)(costack_top(cs) - 56);
        memset(frame, 0, 56);
        frame[2] = (uintptr_t)coroutine_main;  /* r13 */
        frame[3] = (uintptr_t)cs;              /* r12 */
        frame[6] = (uintptr_t)wa__ctx_boot;
        cs->sp = (uintptr_t)frame;
    }
#ifdef WA_ASAN
    __sanitizer_start_switch_fiber(&cs->resumer_fake, cs->mapping + cs->mapping_size - COROUTINE_STACK,
                                   COROUTINE_STACK);
#endif
    wa__ctx_swap(&cs->resumer_sp, cs->sp);
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(cs->resumer_fake, NULL, NULL);
#endif
    return 0;
}
