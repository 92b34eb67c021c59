/* Internal structures shared by the runtime files. Not installed. */
#ifndef WA_INTERNAL_H
#define WA_INTERNAL_H

#include "wasyncio.h"
#include <stdint.h>
#include <stdlib.h>

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
    uintptr_t sp;                        /* stack pointer at suspension */
    char *bytes;                         /* saved bytes: aux data, then the C stack */
    uint32_t aux_len;                    /* leading bytes that are not C stack (asyncify data) */
    uint32_t len;                        /* bytes in use */
    uint32_t cap;                        /* bytes allocated */
} wa__stack;

struct wa_future {
    uint8_t state;                       /* wa_state */
    uint8_t is_task;                     /* the first member of a wa_task */
    int32_t refs;                        /* owners: users, waiters, queued callbacks, the loop */
    int32_t code;                        /* error code when failed, else 0 */
    intptr_t value;                      /* result when done without error */
    char *msg;                           /* owned error message, or NULL */
    wa__list callbacks;                  /* run through the loop once done */
    struct wa_future *all_prev, *all_next; /* the loop's list of live objects */
};

struct wa_task {
    wa_future fut;                       /* completes when the body returns */
    wa_fn fn;                            /* the body */
    void *arg;                           /* its argument, owned by the creator */
    wa__handle wake;                     /* queued to run the task's next step */
    wa__timer timer;                     /* sleep deadline, while sleeping */
    wa_future *waiting_on;               /* what the task awaits, or NULL */
    char *name;                          /* owned name, or NULL for "Task-<id>" */
    uint32_t id;                         /* creation number, from 1 */
    uint8_t started;                     /* the body has begun */
    uint8_t must_cancel;                 /* deliver WA_ECANCELLED at the next await */
    uint8_t sleeping;                    /* timer is in the heap */
    uint8_t body_done;                   /* the body returned; exit_code holds its code */
    int32_t exit_code;                   /* the body's return value */
    wa__stack stack;                     /* saved while suspended */
};

typedef struct wa__heap {
    wa__timer **items;                   /* binary min-heap on (deadline, seq) */
    uint32_t count, cap;
    uint32_t next_seq;                   /* next insertion number */
} wa__heap;

typedef struct wa__loop {
    wa__list ready;                      /* runnable handles, FIFO */
    wa__heap timers;                     /* pending deadlines */
    wa_future *all;                      /* every live task and future */
    wa_task *current;                    /* the running task, or NULL */
    wa_task *main_task;                  /* wa_run's first task */
    size_t tasks_alive, tasks_pending;   /* counts for stats and deadlock checks */
    size_t saved_stack_bytes, max_saved_stack; /* memory held by suspended stacks */
    size_t io_pending;                   /* host operations that will complete later */
    uint32_t next_task_id;               /* names tasks Task-1, Task-2, ... */
    uint64_t last_host_yield;            /* when control last went back to the host */
    uint32_t handles_run;                /* since the clock was last read for batching */
} wa__loop;

extern wa__loop *wa__loop_now;           /* the running loop, or NULL */

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

/* errors.c */
int wa__error(int code, const char *fmt, ...);  /* sets wa_errmsg, returns code */
char *wa__strdup(const char *s);
const char *wa__message_for(int code);  /* the last message if it is code's, else its name */

/* list helpers (loop.c) */
void wa__list_push(wa__list *l, wa__handle *h);
void wa__list_splice(wa__list *dst, wa__list *src);
int wa__list_remove(wa__list *l, wa__handle *h);

/* timer_heap.c */
int wa__heap_push(wa__heap *hp, wa__timer *tm);
void wa__heap_remove(wa__heap *hp, wa__timer *tm);
wa__timer *wa__heap_top(const wa__heap *hp);
void wa__heap_free(wa__heap *hp);

/* future.c */
void wa__future_link(wa__loop *loop, wa_future *f);
void wa__future_ref(wa_future *f);
void wa__future_unref(wa_future *f);
void wa__future_complete(wa_future *f, wa_state state, int code, intptr_t value);
int wa__future_outcome(const wa_future *f, intptr_t *value);
void wa__future_destroy(wa_future *f);

/* task.c */
void wa__task_entry(wa_task *t);        /* runs the body; called by the switch */
int wa__task_request_cancel(wa_task *t);
void wa__task_discard(wa_task *t);       /* frees a task whose body never returns */

/* loop.c */
uint64_t wa__now(void);
int wa__timer_start(wa__timer *tm, uint64_t deadline);

/* saved_stack.c */
int wa__stack_reserve(wa__stack *st, uint32_t len); /* 0, WA_ESTACK over the limit, WA_ENOMEM */
void wa__stack_set_len(wa__stack *st, uint32_t len);

/* switch_*.c: the contract every switch implements */
int wa__switch_init(void);               /* 0 or WA_ENOMEM */
void wa__switch_fini(void);
void wa__switch_run(wa_task *t);         /* runs t until it suspends or its body returns */
int wa__switch_suspend(wa__stack *st);   /* in a task: 0 once resumed, or WA_ESTACK at once */
void wa__switch_forget(wa__stack *st);   /* frees saved bytes (saved_stack.c) */
int wa__switch_on_task_stack(const void *p); /* p lies in the shared task stack */

#endif
