/* Internal structures shared by the runtime files. Not installed. */
#ifndef WA_INTERNAL_H
#define WA_INTERNAL_H

#define WA_NO_SITES                      /* the runtime defines the functions the site macros wrap */
#include "wasyncio.h"
#include "host.h"
#include <stdint.h>
#include <stdlib.h>

/* Built with AddressSanitizer (gcc's and clang's spellings). */
#if defined(__SANITIZE_ADDRESS__)
#define WA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WA_ASAN 1
#endif
#endif

/* An entry of the ready queue. The same node also sits in a future's list of
 * done callbacks before that future completes: a node is in one list at most,
 * so completing a future splices its whole list onto the ready queue. */
typedef struct wa__handle {
    struct wa__handle *next;             /* next node in whichever list holds it */
    void (*run)(struct wa__handle *h);   /* what running this entry does */
} wa__handle;

/* A FIFO of handles. */
typedef struct wa__list {
    wa__handle *head, *tail;
} wa__list;

/* A deadline in the timer heap, embedded in its owner. */
typedef struct wa__timer {
    uint64_t deadline;                   /* loop clock, ns; fires when now >= deadline */
    uint32_t seq;                        /* insertion order: equal deadlines fire FIFO */
    uint32_t index;                      /* position in the heap, for removal */
    void (*fire)(struct wa__timer *tm);  /* called by the loop when due */
} wa__timer;

/* A suspended task's stack, saved by the switch. */
typedef struct wa__stack {
#ifndef __wasm__
    uintptr_t sp;                        /* stack pointer at suspension (wasm: the C bytes end at the top) */
#endif
    char *bytes;                         /* saved bytes: aux data, then the C stack */
    uint32_t aux_len;                    /* leading bytes that are not C stack (asyncify data) */
    uint32_t len;                        /* bytes in use; on the heap, WA__STACK_CAP(len) at least */
} wa__stack;
/* Allocations grow in steps, not per byte of depth: to the end of a 16-byte
 * block counting a 4-byte malloc header (dlmalloc's on wasm32), so that the
 * step costs no memory there. */
#define WA__STACK_CAP(len) ((((len) + 4u + 15u) & ~15u) - 4u)
/* The room a new task is given for its first save (saved_stack.c): at most
 * WA__SAVE_HINT_MAX, and WA__SAVE_HINT_FIRST before any task has run (a
 * shallow await or sleep fits). */
#define WA__SAVE_HINT_MAX 512u
#ifdef __wasm__
#define WA__SAVE_HINT_FIRST 16u
#else
#define WA__SAVE_HINT_FIRST 256u
#endif

/* What a wa_future is the first member of; WA__RETIRED once its memory
 * would have gone (retire.c), so a stale handle can be told apart. */
enum { WA__FUTURE = 0x51, WA__TASK = 0x52, WA__COMBINER = 0x53, WA__RETIRED = 0xde };

/* Every other object a user frees (lock ... executor) starts with a
 * wa__object, so its kind sits at the byte where a future keeps its own:
 * one comparison tells a live object of the expected type from a freed one
 * (WA__RETIRED, retire.c) or from an object of another type. */
enum {
    WA__LOCK = 0x61, WA__EVENT, WA__CONDITION, WA__SEMAPHORE, WA__BARRIER, WA__QUEUE, WA__CORO,
    WA__HANDLE, WA__TIMEOUT, WA__RESPONSE, WA__SESSION, WA__EXECUTOR,
    WA__ITERATOR,                        /* names an as_completed iterator in messages; it is a combiner */
    WA__TASK_GROUP, WA__LOOP, WA__STREAM, WA__SERVER, WA__HTTP_SERVER, WA__HTTP_REQUEST, WA__HTTP_RESPONSE
};

typedef struct wa__object {
    uint8_t spare;                       /* a future's state lives here */
    uint8_t kind;                        /* WA__LOCK ...; WA__RETIRED once freed */
} wa__object;

/* Marks of the walks over the graph of what waits on what (wa_future.walk). */
enum { WA__VISITED = 1, WA__CANCELLING = 2 };

/* What a future's result holds (result.c): an integer (intptr_t or 64-bit),
 * a double, a pointer it owns (freed by its destructor unless taken), or a
 * pointer another future owns (a shield's copy). */
enum { WA__VAL_INT, WA__VAL_DOUBLE, WA__VAL_OWNED, WA__VAL_BORROWED };

typedef struct wa__owned {
    void *ptr;
    void (*dtor)(void *ptr);
} wa__owned;

typedef union wa__value {
    int64_t i;
    double d;
    wa__owned *owned;                    /* WA__VAL_OWNED: a box of its own */
    void *ptr;                           /* WA__VAL_BORROWED */
} wa__value;

struct wa_future {
    uint8_t state;                       /* wa_state */
    uint8_t kind;                        /* WA__FUTURE, WA__TASK, WA__COMBINER; WA__RETIRED when gone */
    uint8_t retrieved : 1;               /* someone read the outcome (debug reports) */
    uint8_t released : 1;                /* the user's reference was given back */
    uint8_t vtype : 2;                   /* WA__VAL_*: what value holds */
    uint8_t walk;                        /* WA__VISITED, WA__CANCELLING: graph walks in progress */
    int32_t refs;                        /* owners: users, waiters, queued callbacks, the loop */
    wa__value value;                     /* result when done without error (a task's: as set so far) */
    int32_t code;                        /* error code when failed, else 0 */
    char *msg;                           /* owned error or cancel message, or NULL */
    wa__list callbacks;                  /* run through the loop once done */
    struct wa_loop *loop;                /* the loop it belongs to */
    struct wa_future *all_prev, *all_next; /* the loop's list of live objects */
    struct wa__debug_info *debug;        /* debug mode: where it was made, and a task's times */
};

/* Tasks parked in FIFO order (waitq.c); the tasks are the nodes. */
typedef struct wa__waitq {
    struct wa_task *head, *tail;
    size_t count;
} wa__waitq;

struct wa_task {
    wa_future fut;                       /* completes when the body returns */
    wa_fn fn;                            /* the body */
    void *arg;                           /* its argument, owned by the creator */
    wa__handle wake;                     /* queued to run the task's next step */
    union {                              /* a task sleeps or parks, never both */
        wa__timer timer;                 /* sleep deadline, while sleeping */
        struct {                         /* while parked in a wait queue */
            wa__waitq *queue;            /* the queue it is in */
            struct wa_task *prev, *next;
            intptr_t value;              /* an item handed over (queues) */
            int32_t code;                /* what the wait returns, set by the waker */
            uint8_t cancelled;           /* it left the queue by cancellation */
        } wq;
    };
    wa_future *waiting_on;               /* what the task awaits, or NULL */
    wa_timeout *timeouts;                /* innermost open timeout scope, or NULL */
    wa_task_group *groups;               /* innermost open task group, or NULL */
    char *name;                          /* owned name, or NULL for "Task-<id>" */
    uint32_t id;                         /* creation number, from 1 */
    uint32_t parent_id;                  /* id of the task that created it, or 0 */
    uint32_t steps;                      /* how many times it has run */
    int32_t cancel_requests;             /* cancelling(): requests not withdrawn */
    uint8_t started : 1;                 /* the body has begun */
    uint8_t must_cancel : 1;             /* deliver WA_ECANCELLED at the next await */
    uint8_t sleeping : 1;                /* timer is in the heap */
    uint8_t parked : 1;                  /* in a wait queue: wq is in use */
    uint8_t body_done : 1;               /* the body returned; fut.code holds its return value until finish */
    uint16_t save_space_len;             /* bytes of save_space */
    wa__stack stack;                     /* saved while suspended: in save_space when it fits */
    char save_space[];                   /* room for the first save, given at creation (loop->save_hint) */
};

/* A deadline, embedded in its owner. It expires when the timers fire, in
 * deadline order with sleeps. An owner whose effect must come after what is
 * ready already (a task that a result has woken) defers it: expire then runs
 * again from the ready queue, with deferred set, after those handles. */
typedef struct wa__deadline {
    wa__timer timer;                     /* in the heap while ARMED */
    wa__handle expiry;                   /* in the ready queue while QUEUED */
    uint8_t state;                       /* WA__IDLE, WA__ARMED, WA__QUEUED */
    struct wa_loop *loop;                /* set by wa__deadline_arm */
    void (*expire)(struct wa__deadline *d, int deferred);
} wa__deadline;

enum { WA__IDLE, WA__ARMED, WA__QUEUED };

/* A future that completes when some condition over other futures holds:
 * gather, wait, as_completed and shield are one each (combine.c). */
enum { WA__GATHER, WA__WAIT, WA__AS_COMPLETED, WA__SHIELD };

typedef struct wa__watch {               /* one child of a combiner */
    wa__handle handle;                   /* in the child's callbacks, then the ready queue */
    struct wa__combiner *owner;          /* referenced while the watch is linked */
    wa_future *child;                    /* referenced until the combiner is freed */
    uint8_t linked;                      /* in the child's callbacks or the ready queue */
} wa__watch;

typedef struct wa__combiner {
    wa_future fut;                       /* completes when the mode's condition holds */
    uint8_t mode;                        /* WA__GATHER ... */
    uint8_t flags;                       /* gather: WA_RETURN_EXCEPTIONS */
    uint8_t return_when;                 /* wait: WA_FIRST_COMPLETED ... */
    uint8_t cancel_requested;            /* gather: cancelled, children told */
    uint8_t timed_out;                   /* as_completed: the timeout passed */
    uint8_t closed;                      /* as_completed: freed by its owner */
    size_t n, finished;                  /* children, and how many of them ended */
    size_t *order, handed_out;           /* as_completed: indices in finishing order */
    wa__deadline deadline;               /* wait, as_completed: the timeout */
    wa__watch watches[];                 /* one per child, in argument order */
} wa__combiner;

/* A heap slot keeps its timer's deadline beside it: comparisons read the
 * heap's own memory, not timers spread over the records that hold them. */
typedef struct wa__heap_slot {
    uint64_t deadline;
    wa__timer *tm;
} wa__heap_slot;

typedef struct wa__heap {
    wa__heap_slot *slots;                /* 4-ary min-heap on (deadline, seq) */
    uint32_t count, cap;
    uint32_t next_seq;                   /* next insertion number */
} wa__heap;

/* The byte every object's kind is at; wa__object's agrees (retire.c checks). */
#define WA__KIND_AT offsetof(wa_future, kind)

/* A retired record kept so a stale handle is recognised (retire.c). */
typedef struct wa__retired {
    void *record;                        /* a future, task, combiner or wa__object */
    size_t size;                         /* its bytes, to unpoison under ASan */
} wa__retired;
#define WA__RETIRED_KEEP 1024

typedef struct wa_loop {
    wa__object obj;                      /* WA__LOOP: a loop handle is type-checked like the others */
    wa__list ready;                      /* runnable handles, FIFO: the next round */
    wa__handle until_done;               /* run_until_complete's done callback: stops the run */
    wa__list round;                      /* what is left of the round being run */
    wa__heap timers;                     /* pending deadlines */
    wa_future *all;                      /* every live task and future */
    wa_task *current;                    /* the running task, or NULL */
    size_t tasks_alive, tasks_pending;   /* counts for stats and deadlock checks */
    size_t futures_alive;                /* records in `all`, tasks included (stats) */
    size_t saved_stack_bytes, max_saved_stack; /* memory held by suspended stacks */
    uint32_t save_hint;                  /* the last task's first save (0: none): new tasks get that much room */
    size_t io_pending;                   /* host operations that will complete later */
    uint32_t next_task_id;               /* names tasks Task-1, Task-2, ... */
    uint64_t last_host_yield;            /* when control last went back to the host */
    uint32_t handles_run, rounds_run;    /* since the clock was last read for batching */
    uint8_t running;                     /* inside run_until_complete / run_forever */
    uint8_t stopping;                    /* wa_loop_stop: end after this round */
    uint8_t debug;                       /* debug mode: reports on stderr */
    uint8_t closing;                     /* wa_loop_close is freeing every object at once */
    struct wa_handle *handles;           /* calls scheduled and not yet run, for close */
    _Atomic(struct wa__work *) completed; /* executor work finished on other threads, newest first */
    size_t work_in_flight;               /* executor work submitted and not yet resolved */
    wa_executor *default_executor;       /* made on first use, shut down by wa_loop_close */
    uint8_t warned_no_threads;           /* debug mode said executors run inline here */
    wa_response *exchanges;              /* fetches the host still holds (fetch.c) */
    wa__retired *retired;                /* the last records whose references all went */
    size_t retired_next;                 /* the slot the next one takes */
    struct wa__cancel_frame *cancel_frames; /* cancel.c's explicit stack, kept between cancels */
    size_t cancel_count, cancel_cap;
    wa_future **walk_items;              /* task.c's cycle check: futures still to look at */
    size_t walk_count, walk_cap;
    wa__fd_watch *fd_watches;            /* fdio.c: what the host's wait watches */
    struct wa__fd_waiter *fd_waiters;    /* fd_waiters[i] wakes when fd_watches[i] is ready */
    size_t fd_count, fd_cap;
    const void *thread;                  /* the thread it belongs to: a thread-local's address there */
    void *waker;                         /* the host's wake-up for that thread (executor threads use it) */
} wa__loop;

extern _Thread_local wa__loop *wa__loop_now; /* this thread's running loop, or NULL */

/* Every allocation of the runtime goes through these. Built with
 * -DWA_FAULT_INJECTION, they fail once wa__fault_allocs_left successes are
 * used up (a negative count: never), so tests can prove each WA_ENOMEM path. */
#ifdef WA_FAULT_INJECTION
extern long wa__fault_allocs_left;
int wa__fault(void);                     /* 1 when this allocation must fail */
#else
#define wa__fault() 0
#endif
#define wa__malloc(n) (wa__fault() ? NULL : malloc(n))
#define wa__calloc(count, n) (wa__fault() ? NULL : calloc(count, n))
#define wa__realloc(p, n) (wa__fault() ? NULL : realloc(p, n))

/* Grows the byte buffer *buf of *cap bytes, used bytes in use, so that
 * more bytes fit after them: doubling from first (or *cap). 0, or
 * WA_ENOMEM with *buf unchanged. */
static inline int wa__bytes_reserve(char **buf, size_t *cap, size_t used, size_t more, size_t first) {
    if (*cap - used >= more) return 0;
    size_t n = *cap ? *cap : first;
    while (n - used < more) n *= 2;
    char *grown = wa__realloc(*buf, n);
    if (!grown) return wa__error(WA_ENOMEM, NULL);
    *buf = grown;
    *cap = n;
    return 0;
}

/* retire.c: records outlive their last reference for a while, marked */
void wa__retire(wa__loop *loop, wa_future *f);
void wa__retired_free(wa__loop *loop);
int wa__released_error(const char *what, const wa_future *f);
/* f is a live future: a plain one, a task's or a combiner's; NULL, a
 * released one that is gone and an object of another type are not. */
static inline int wa__is_future(const void *f) {
    /* WA__FUTURE, WA__TASK and WA__COMBINER are consecutive: one comparison */
    return __builtin_expect(f && (uint8_t)(((const uint8_t *)f)[WA__KIND_AT] - WA__FUTURE) <= 2, 1);
}
void wa__retire_object(void *obj, size_t size); /* kept in the running loop's window; freed if none runs */
/* p is a live object of this kind; NULL, freed objects and other types are not. */
static inline int wa__is(const void *p, int kind) {
    return __builtin_expect(p && ((const uint8_t *)p)[WA__KIND_AT] == kind, 1);  /* the misuse path is cold */
}
/* WA_EINVAL for an object that is not (wa__is): NULL, freed, or another type,
 * with a message naming fn. An object of the kind, which its caller found
 * given back already (a released handle, a freed session), counts as freed.
 * kind WA__FUTURE stands for any future (wa__is_future). */
int wa__bad_object(const void *p, int kind, const char *fn);
/* What a function that cannot return an error code (a getter, a
 * constructor) answers to a bad object: wa_errmsg as wa__bad_object sets
 * it, and value (0, NULL, ""...). */
#define WA__BAD(p, kind, fn, value) (wa__bad_object((p), (kind), (fn)), (value))

/* errors.c (and wa__error, in host.h) */
char *wa__strdup(const char *s);
const char *wa__message_for(int code);  /* the last message if it is code's, else its name */
int wa__last_code(void);                 /* the code the last message belongs to */

/* list helpers (loop.c; push is inline: it is on the path of every wake-up) */
static inline void wa__list_push(wa__list *l, wa__handle *h) {
    h->next = NULL;
    if (l->tail) l->tail->next = h;
    else l->head = h;
    l->tail = h;
}
void wa__list_splice(wa__list *dst, wa__list *src);
int wa__list_remove(wa__list *l, wa__handle *h);

/* timer_heap.c */
int wa__heap_push(wa__heap *hp, wa__timer *tm);
void wa__heap_remove(wa__heap *hp, wa__timer *tm);
/* The earliest timer, or NULL. */
static inline wa__timer *wa__heap_top(const wa__heap *hp) { return hp->count ? hp->slots[0].tm : NULL; }
void wa__heap_free(wa__heap *hp);

/* future.c */
void wa__future_link(wa__loop *loop, wa_future *f);   /* wa__future_ref/unref: in host.h */
void wa__future_complete(wa_future *f, wa_state state, int code, intptr_t value);
void wa__future_settle(wa_future *f, wa_state state, int code); /* complete, keeping the value set */
int wa__future_settable(wa_future *f, const char *fn); /* 0, or why a user may not set f (named fn) */

/* result.c */
void wa__value_drop(wa_future *f);       /* runs an owned result's destructor; leaves 0 */
intptr_t wa__value_word(const wa_future *f); /* an integer or pointer result as a word; 0 for a double */
void wa__value_borrow(wa_future *to, const wa_future *from); /* a shield's copy of its child's result */
int wa__future_outcome(const wa_future *f, intptr_t *value);
void wa__future_destroy(wa_future *f);
/* The runtime, which sees a future's fields, takes and drops references
 * inline; hosts call the functions (future.c). */
#define wa__future_ref(f) ((void)((f)->refs++))
#define wa__future_unref(f) wa__future_unref_inline(f)
static inline void wa__future_unref_inline(wa_future *f) {
    if (--f->refs == 0) wa__future_destroy(f);
}
void wa__future_drop_callbacks(wa_future *f);  /* frees queued done callbacks (loop close) */

/* cancel.c */
int wa__future_cancel(wa_future *f, const char *msg); /* wa_future_cancel_msg without checks: 1, or 0 */
void wa__cancel_free(wa__loop *loop);    /* the walk's stack (loop close) */
void wa__future_set_msg(wa_future *f, const char *msg); /* replaces the message; NULL clears */
void wa__future_reset(wa_future *f);     /* back to pending; only its own awaiter may do this */
wa_future *wa__future_new(wa__loop *loop); /* a plain future for the runtime's own use */
int wa__future_code(const wa_future *f); /* 0, its error, or WA_ECANCELLED; marks it retrieved */

/* combine.c */
int wa__combiner_cancel(wa__combiner *c, const char *msg); /* wait, shield, as_completed: not gather */
void wa__combiner_destroy(wa__combiner *c); /* frees what the combiner holds, not itself */

/* timeout.c */
void wa__timeouts_drop(wa_task *t);      /* a task ended inside open scopes */

/* task_group.c */
void wa__groups_drop(wa_task *t);        /* a task ended inside open groups */

/* handle.c */
void wa__handles_drop(wa__loop *loop);   /* loop close: forget every scheduled call */

/* debug.c */
void wa__debug_stamp(wa__loop *loop, wa_future *f); /* records the creation site, in debug mode */
void wa__debug_step(wa_task *t, uint64_t began, uint64_t ended); /* a step of t, or a callback (NULL) */
void wa__debug_destroyed(const wa_future *f); /* reports an outcome nobody read */
void wa__describe_wait(const wa_task *t, char *buf, size_t cap); /* "Task-2", "a future", ... */
void wa__describe_wait_on(const wa_future *on, char *buf, size_t cap); /* the same, for what is awaited */
void wa__debug_pending_at_close(wa__loop *loop);
void wa__debug_stack_arg(const wa_task *t); /* its argument may point into the shared stack */
int wa__debug_env(void);

/* waitq.c; wa__waitq_wait is inline, below */
wa_task *wa__waitq_wake(wa__waitq *q, int code, intptr_t value); /* the first, or NULL */
void wa__waitq_wake_all(wa__waitq *q, int code);
int wa__waitq_cancel(wa_task *t);        /* takes a parked t out, to be cancelled; 1 if it was */
void wa__waitq_leave(wa_task *t);        /* takes a parked t out, nothing more (loop close) */

/* coro.c and the switches: a coroutine's own stack */
typedef struct wa__costack wa__costack;
wa__costack *wa__costack_new(void);      /* NULL when out of memory */
void wa__costack_free(wa__costack *cs);
int wa__costack_resume(wa__costack *cs, void *ctx); /* runs wa__coro_entry(ctx) on it until a yield */
void wa__costack_yield(wa__costack *cs); /* in the coroutine: back to the resume */
void wa__coro_entry(void *ctx);          /* coro.c: runs the body */
int wa__in_coroutine(void);

/* fdio.c */
/* fdio.c: who waits on a watched descriptor: a future (a task waiting) or a
 * callback of the runtime's, called from the loop, once. */
typedef struct wa__fd_waiter {
    wa_future *f;
    void (*cb)(void *ctx);
    void *ctx;
} wa__fd_waiter;
void wa__fd_wake_ready(wa__loop *loop); /* wakes the waiters whose descriptors are ready */
void wa__fd_free(wa__loop *loop);        /* the watch arrays (loop close) */
/* Suspends t (the running task) until fd is ready for events (WA__FD_READ,
 * WA__FD_WRITE): 0, WA_ECANCELLED, WA_ENOMEM, or the code wa__fd_forget gave. */
int wa__fd_wait(wa_task *t, int fd, int events);
/* Calls cb(ctx) from the loop once fd is ready for events: 0 or WA_ENOMEM. */
int wa__fd_arm(wa__loop *loop, int fd, int events, void (*cb)(void *ctx), void *ctx);
/* Before fd closes: its waiting tasks resume with code, its callbacks are dropped. */
void wa__fd_forget(wa__loop *loop, int fd, int code);

/* fetch.c */
void wa__fetch_close_loop(wa__loop *loop); /* aborts the exchanges the host still holds */
int wa__fetch(const char *url, const wa_fetch_options *opts, const char *const *headers, size_t nheaders,
              int pool, wa_response **out); /* wa_fetch with headers first and a host keep-alive pool */
void wa__response_hold_slot(wa_response *r, wa_session *s); /* given back at the body's end */
void wa__session_give_back(wa_session *s);  /* a slot's end; frees a freed session's last remains */
int wa__scheme_is(const char *url, const char *scheme); /* scheme in lower case, with its colon */
size_t wa__header_count(const char *const *headers);    /* entries before the NULL; 0 for NULL */

/* executor.c */
void wa__executor_drain(wa__loop *loop); /* resolves the futures of finished work */
void wa__executors_close(wa__loop *loop); /* waits for work in flight, stops the default pool */

/* task.c */
int wa__suspend_error(wa_task *t, int rc); /* names the task in the message; returns rc */
int wa__cancel_delivered(wa_task *t);    /* clears must_cancel, reports the message; returns 1 */
void wa__task_entry(wa_task *t);        /* runs the body (native switch; the wasm one calls bodies itself) */
int wa__task_request_cancel(wa_task *t, const char *msg); /* cancel.c: 1 if requested, 0 if done */
wa_task *wa__running(const char *what); /* the running task, or NULL with WA_ENOTASK */
wa_task *wa__task_new(wa__loop *loop, wa_fn fn, void *arg);
wa_task *wa__task_of_step(wa__handle *h);  /* the task h wakes, or NULL if h is something else */
void wa__task_discard(wa_task *t);       /* frees a task whose body never returns */

/* loop.c */
uint64_t wa__now(void);
int wa__timer_start(wa__timer *tm, uint64_t deadline);
uint64_t wa__deadline_ns(double when);   /* loop seconds as ns, rounded up: never early */
int wa__deadline_arm(wa__loop *loop, wa__deadline *d, uint64_t ns); /* (re)arms; 0 or WA_ENOMEM */
void wa__deadline_disarm(wa__loop *loop, wa__deadline *d);
void wa__deadline_defer(wa__deadline *d); /* from expire: run again after what is ready */

/* saved_stack.c */
int wa__stack_reserve(wa_task *t, uint32_t len); /* more room: 0, WA_ESTACK over the limit, WA_ENOMEM */
void wa__stack_set_len(wa__stack *st, uint32_t len);
void wa__save_hint_learn(wa__loop *loop, uint32_t len); /* a task's first save took len (0: it never saved) */
/* Bytes t's saved stack can hold without a call to wa__stack_reserve. */
static inline uint32_t wa__stack_room(const wa_task *t) {
    return t->stack.bytes == t->save_space ? t->save_space_len : t->stack.bytes ? WA__STACK_CAP(t->stack.len) : 0;
}

/* switch_*.c: the contract every switch implements */
int wa__switch_init(void);               /* 0 or WA_ENOMEM */
void wa__switch_fini(void);
void wa__switch_run(wa_task *t);         /* runs t until it suspends or its body returns */
int wa__switch_suspend(wa__stack *st);   /* in a task: 0 once resumed, or WA_ESTACK at once */
void wa__switch_forget(wa__loop *loop, wa_task *t); /* frees saved bytes (saved_stack.c) */
int wa__switch_on_task_stack(const void *p); /* p lies in the shared task stack */

/* Takes a pending cancellation, if any: the await that sees it returns
 * WA_ECANCELLED. */
static inline int wa__task_take_cancel(wa_task *t) { return t->must_cancel ? wa__cancel_delivered(t) : 0; }

/* Suspends the running task t: 0 once resumed, or WA_ESTACK / WA_ENOMEM.
 * Inline, so a waiting primitive adds no frame to what a suspension keeps. */
static inline int wa__task_suspend(wa_task *t) {
    if (wa__host_foreign_frames) return wa__suspend_error(t, WA_ENOSUSPEND);
    int rc = wa__switch_suspend(&t->stack);
    return rc ? wa__suspend_error(t, rc) : 0;
}


/* The running task t waits in q: returns the waker's code, or WA_ECANCELLED
 * if cancelled while queued, or a suspend error. Inline, so that a
 * primitive's wait (a queue's get) suspends from the primitive's own frame. */
static inline __attribute__((always_inline)) int wa__waitq_wait(wa__waitq *q, wa_task *t) {
    if (wa__task_take_cancel(t)) return WA_ECANCELLED;  /* cancelled before it could wait */
    t->parked = 1;
    t->wq.queue = q;
    t->wq.cancelled = 0;
    t->wq.next = NULL;
    t->wq.prev = q->tail;
    if (q->tail) q->tail->wq.next = t;
    else q->head = t;
    q->tail = t;
    q->count++;
    int rc = wa__task_suspend(t);
    if (rc) {                            /* could not suspend: not waiting after all */
        wa__waitq_leave(t);
        return rc;
    }
    if (!t->wq.cancelled) return t->wq.code;   /* woken: a later cancel waits for the next await */
    t->wq.cancelled = 0;
    wa__task_take_cancel(t);
    return WA_ECANCELLED;
}

#endif
