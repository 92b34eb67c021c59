/* Task switching for native builds: the same copy-stack contract as
 * switch_asyncify.c. Tasks run on one shared stack region; a suspending task
 * swaps back to the scheduler, which copies out the bytes between the task's
 * stack pointer and the region's top. Resuming copies them back and swaps in.
 *
 * The swap itself is a few lines of assembly for x86-64 and AArch64 (ELF and
 * Mach-O), or ucontext's swapcontext elsewhere, and where WA_SWITCH_UCONTEXT
 * asks for it (it is slower: swapcontext saves the signal mask). */
#define _DEFAULT_SOURCE 1 /* POSIX names under -std=c11 */
#if defined(__APPLE__)
#define _XOPEN_SOURCE 700 /* ucontext on macOS */
#define _DARWIN_C_SOURCE 1
#endif
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(WA_SWITCH_UCONTEXT) && !defined(__x86_64__) && !defined(__aarch64__)
#define WA_SWITCH_UCONTEXT 1
#endif

#ifdef WA_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define NO_ASAN
#endif

#define REGION_SIZE (8u * 1024 * 1024)   /* reserved, touched only as deep as tasks go */

/* ctx_swap(save, load) saves the running context, stores its handle in
 * *save and switches to the context whose handle is load. first_context
 * makes a handle that, switched to, calls fn(arg) on the stack [lo, lo+size),
 * fn never returning. SAVED_FROM(handle) is the lowest stack address a
 * suspended context needs kept. */
typedef void (*ctx_fn)(void *arg);

#ifndef WA_SWITCH_UCONTEXT
/* A handle is the stack pointer after the callee-saved registers were pushed. */
void wa__ctx_swap(uintptr_t *save_sp, uintptr_t load_sp);
void wa__ctx_boot(void);                 /* first frame: calls fn(arg) from saved registers */

#if defined(__APPLE__)
#define ASM_FUNC(name) ".globl _" #name "\n.private_extern _" #name "\n.p2align 4\n_" #name ":\n"
#define ASM_END(name) ""
#else
#define ASM_FUNC(name) ".globl " #name "\n.hidden " #name "\n.type " #name ",@function\n" #name ":\n"
#define ASM_END(name) ".size " #name ", .-" #name "\n"
#endif

#if defined(__x86_64__)
/* Pushes rbp rbx r12-r15; the first frame's r13 is fn, r12 arg, then a return into boot. */
__asm__(".text\n" ASM_FUNC(wa__ctx_swap)
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n" ASM_END(wa__ctx_swap)
        ASM_FUNC(wa__ctx_boot)
        "  movq %r12, %rdi\n"
        "  callq *%r13\n"
        "  ud2\n" ASM_END(wa__ctx_boot));
enum { FRAME_WORDS = 7, FRAME_FN = 2, FRAME_ARG = 3, FRAME_RET = 6 };  /* fn starts with rsp + 8 aligned */
#else /* AArch64: x19-x30 and d8-d15, 160 bytes; the first frame's x19 is fn, x20 arg, x30 boot. */
__asm__(".text\n.p2align 2\n" ASM_FUNC(wa__ctx_swap)
        "  sub sp, sp, #160\n"
        "  stp x19, x20, [sp, #0]\n  stp x21, x22, [sp, #16]\n  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n  stp x27, x28, [sp, #64]\n  stp x29, x30, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n  stp d10, d11, [sp, #112]\n  stp d12, d13, [sp, #128]\n  stp d14, d15, [sp, #144]\n"
        "  mov x9, sp\n  str x9, [x0]\n  mov sp, x1\n"
        "  ldp x19, x20, [sp, #0]\n  ldp x21, x22, [sp, #16]\n  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n  ldp x27, x28, [sp, #64]\n  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n  ldp d10, d11, [sp, #112]\n  ldp d12, d13, [sp, #128]\n  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #160\n"
        "  ret\n" ASM_END(wa__ctx_swap)
        ASM_FUNC(wa__ctx_boot)
        "  mov x0, x20\n"
        "  blr x19\n"
        "  brk #0\n" ASM_END(wa__ctx_boot));
enum { FRAME_WORDS = 20, FRAME_FN = 0, FRAME_ARG = 1, FRAME_RET = 11 };
#endif

static void ctx_swap(uintptr_t *save, uintptr_t load) { wa__ctx_swap(save, load); }

static uintptr_t first_context(char *lo, size_t size, ctx_fn fn, void *arg) {
    uintptr_t *frame = (uintptr_t *)((((uintptr_t)lo + size) & ~(uintptr_t)15) - FRAME_WORDS * sizeof(uintptr_t));
    memset(frame, 0, FRAME_WORDS * sizeof *frame);
    frame[FRAME_FN] = (uintptr_t)fn;
    frame[FRAME_ARG] = (uintptr_t)arg;
    frame[FRAME_RET] = (uintptr_t)wa__ctx_boot;
    return (uintptr_t)frame;
}

#define SAVED_FROM(handle) (handle)

#else /* ucontext */
#include <ucontext.h>

/* A handle is the address of a ucontext_t on the suspended stack itself, so
 * it is saved and restored with the stack. Below it lie the rest of
 * ctx_swap's frame and swapcontext's return address: SLACK covers them. */
#define SLACK 512
#define SAVED_FROM(handle) ((handle) - SLACK)

__attribute__((noinline)) static void ctx_swap(uintptr_t *save, uintptr_t load) {
    ucontext_t here;
    *save = (uintptr_t)&here;
    swapcontext(&here, (ucontext_t *)load);
}

/* The context a first switch enters; used at once, so one per thread is enough. */
static _Thread_local struct {
    ucontext_t uc;
    ctx_fn fn;
    void *arg;
} boot;

static void boot_entry(void) {
    boot.fn(boot.arg);
    abort();                             /* fn never returns */
}

static uintptr_t first_context(char *lo, size_t size, ctx_fn fn, void *arg) {
    getcontext(&boot.uc);
    boot.uc.uc_stack.ss_sp = lo;
    boot.uc.uc_stack.ss_size = size;
    boot.uc.uc_link = NULL;
    makecontext(&boot.uc, boot_entry, 0);
    boot.fn = fn;
    boot.arg = arg;
    return (uintptr_t)&boot.uc;
}
#endif

/* Each thread that runs loops has its own shared task stack. */
static _Thread_local struct {
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
    ctx_swap(&sw.scheduler_sp, sp);
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
    ctx_swap(save_sp, sw.scheduler_sp);
}

static void task_main(void *arg) {
    wa_task *t = arg;
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

static int save(wa_task *t) {
    wa__stack *st = &t->stack;
    uintptr_t from = SAVED_FROM(st->sp);
    uint32_t len = (uint32_t)(sw.top - from);
    if (len > wa__stack_room(t)) {
        int rc = wa__stack_reserve(t, len);
        if (rc) return rc;
    }
    copy_stack(st->bytes, (void *)from, len);
#ifdef WA_ASAN
    if (from < sw.lowest_sp) sw.lowest_sp = from;
#endif
    wa__stack_set_len(st, len);
    return 0;
}

void wa__switch_run(wa_task *t) {
    wa__stack *st = &t->stack;
    uintptr_t sp;
    if (!st->len) {                      /* first run: a context that calls task_main(t) */
        clear_poison(sw.top - 1024);
        sp = first_context((char *)(sw.top - REGION_SIZE), REGION_SIZE, task_main, t);
    } else {
        clear_poison(SAVED_FROM(st->sp));
        copy_stack((void *)SAVED_FROM(st->sp), st->bytes, st->len);
        sp = st->sp;
    }
    sw.resume_code = 0;                  /* each resume sets it: another task's error is not ours */
    to_task(sp);
    while (!t->body_done) {              /* it suspended: keep its stack */
        int rc = save(t);
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


/* The coroutine's side of a switch: out to the resumer, and back in. */
static void leave_coroutine(wa__costack *cs, uintptr_t *save_sp, int exiting) {
#ifdef WA_ASAN
    __sanitizer_start_switch_fiber(exiting ? NULL : &cs->own_fake, cs->resumer_bottom, cs->resumer_size);
#else
    (void)exiting;
#endif
    ctx_swap(save_sp, cs->resumer_sp);
}

static void arrived_in_coroutine(wa__costack *cs) {
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(cs->own_fake, &cs->resumer_bottom, &cs->resumer_size);
#else
    (void)cs;
#endif
}

static void coroutine_main(void *arg) {
    wa__costack *cs = arg;
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
    if (!cs->started) {                  /* a first context that calls coroutine_main(cs) */
        cs->started = 1;
        cs->sp = first_context(cs->mapping + cs->mapping_size - COROUTINE_STACK, COROUTINE_STACK, coroutine_main, cs);
    }
#ifdef WA_ASAN
    __sanitizer_start_switch_fiber(&cs->resumer_fake, cs->mapping + cs->mapping_size - COROUTINE_STACK,
                                   COROUTINE_STACK);
#endif
    ctx_swap(&cs->resumer_sp, cs->sp);
#ifdef WA_ASAN
    __sanitizer_finish_switch_fiber(cs->resumer_fake, NULL, NULL);
#endif
    return 0;
}
