/* Executors: blocking work moved off the loop (loop.run_in_executor,
 * asyncio.to_thread). Natively and in emscripten -pthread builds a pool of
 * threads runs the work; a finished item goes onto its loop's lock-free list
 * of completions, the host's wait is woken, and the loop resolves the future
 * on its own thread. Where there are no threads (WASI, emscripten without
 * -pthread) the work runs on the loop's thread on the next round, blocking
 * it meanwhile, and debug mode says so. */
#include "internal.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Threads exist natively and in wasm built with -pthread (which defines
 * _REENTRANT); how many processors there are, the host says. */
#if !defined(__wasm__) || defined(_REENTRANT)
#define WA_THREADS 1
#include <pthread.h>
#endif

typedef struct wa__work {
    struct wa__work *next;               /* in the executor's queue, then in the loop's completions */
    wa__handle run;                      /* without threads: queued on the loop */
    wa_work_fn fn;
    void *arg;                           /* the submitter's, untouched */
    intptr_t result;
    int code;                            /* what fn returned */
    wa_future *future;                   /* referenced until resolved on the loop */
    wa__loop *loop;
} wa__work;

static void resolve(wa__work *w) {
    wa_future *f = w->future;
    if (f->state == WA_PENDING) {        /* it may have been cancelled meanwhile */
        if (w->code == 0) {
            wa_future_set_result(f, w->result);
        } else {
            char msg[80];
            snprintf(msg, sizeof msg, "the executor's work failed: %s (%d)", wa_strerror(w->code), w->code);
            wa_future_set_error(f, w->code, msg);
        }
    }
    wa__future_unref(f);
    free(w);
}

void wa__executor_drain(wa__loop *loop) {
    wa__work *w = atomic_exchange_explicit(&loop->completed, NULL, memory_order_acquire);
    wa__work *fifo = NULL;               /* the list is newest first: turn it around */
    while (w) {
        wa__work *next = w->next;
        w->next = fifo;
        fifo = w;
        w = next;
    }
    for (; fifo; fifo = w) {
        w = fifo->next;
        loop->work_in_flight--;
        resolve(fifo);
    }
}

#ifdef WA_THREADS

struct wa_executor {
    wa__object obj;                      /* WA__EXECUTOR */
    pthread_mutex_t mutex;
    pthread_cond_t work_ready;           /* signalled when work arrives or the pool stops */
    wa__work *head, *tail;               /* work not started yet */
    pthread_t *threads;
    size_t max_threads, started, idle;
    uint8_t stopping;
};

static void *worker(void *arg) {
    wa_executor *ex = arg;
    pthread_mutex_lock(&ex->mutex);
    for (;;) {
        while (!ex->head && !ex->stopping) {
            ex->idle++;
            pthread_cond_wait(&ex->work_ready, &ex->mutex);
            ex->idle--;
        }
        wa__work *w = ex->head;
        if (!w) break;                   /* stopping, and nothing left to do */
        if (!(ex->head = w->next)) ex->tail = NULL;
        pthread_mutex_unlock(&ex->mutex);
        w->code = w->fn(w->arg, &w->result);
        wa__loop *loop = w->loop;        /* w belongs to the loop once pushed */
        w->next = atomic_load_explicit(&loop->completed, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&loop->completed, &w->next, w, memory_order_release,
                                                      memory_order_relaxed)) {
        }
        wa__host_wake(loop->waker);
        pthread_mutex_lock(&ex->mutex);
    }
    pthread_mutex_unlock(&ex->mutex);
    return NULL;
}

static size_t cores(void) {
    size_t n = wa__host_cores();
    return n ? n : 1;
}

wa_executor *wa_executor_new(size_t threads) {
    wa_executor *ex = wa__calloc(1, sizeof *ex);
    if (ex) ex->max_threads = threads ? threads : cores();
    if (ex && !(ex->threads = wa__calloc(ex->max_threads, sizeof *ex->threads))) {
        free(ex);
        ex = NULL;
    }
    if (!ex) {
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    ex->obj.kind = WA__EXECUTOR;
    pthread_mutex_init(&ex->mutex, NULL);
    pthread_cond_init(&ex->work_ready, NULL);
    return ex;
}

int wa_executor_free(wa_executor *ex) {
    if (!ex) return 0;
    if (!wa__is(ex, WA__EXECUTOR)) return wa__bad_object(ex, WA__EXECUTOR, "wa_executor_free");
    pthread_mutex_lock(&ex->mutex);
    ex->stopping = 1;                    /* the threads finish what is queued, then end */
    pthread_cond_broadcast(&ex->work_ready);
    pthread_mutex_unlock(&ex->mutex);
    for (size_t i = 0; i < ex->started; i++) pthread_join(ex->threads[i], NULL);
    pthread_cond_destroy(&ex->work_ready);
    pthread_mutex_destroy(&ex->mutex);
    free(ex->threads);
    wa__retire_object(ex, sizeof *ex);
    return 0;
}

static int submit(wa_executor *ex, wa__work *w) {
    pthread_mutex_lock(&ex->mutex);
    int rc = 0;
    if (ex->stopping) {
        rc = wa__error(WA_ESTATE, "the executor is shutting down");
    } else if (ex->idle == 0 && ex->started < ex->max_threads &&  /* threads start as work needs them */
               pthread_create(&ex->threads[ex->started], NULL, worker, ex) == 0) {
        ex->started++;
    } else if (ex->started == 0) {
        rc = wa__error(WA_ENOMEM, "cannot start a thread for the executor");
    }
    if (rc == 0) {
        w->next = NULL;
        if (ex->tail) ex->tail->next = w;
        else ex->head = w;
        ex->tail = w;
        pthread_cond_signal(&ex->work_ready);
    }
    pthread_mutex_unlock(&ex->mutex);
    return rc;
}

int wa_executor_has_threads(void) { return 1; }

#else /* no threads: the work runs on the loop */

struct wa_executor {
    wa__object obj;                      /* WA__EXECUTOR */
};

wa_executor *wa_executor_new(size_t threads) {
    (void)threads;
    wa_executor *ex = wa__calloc(1, sizeof *ex);
    if (ex) ex->obj.kind = WA__EXECUTOR;
    else wa__error(WA_ENOMEM, NULL);
    return ex;
}

int wa_executor_free(wa_executor *ex) {
    if (!ex) return 0;
    if (!wa__is(ex, WA__EXECUTOR)) return wa__bad_object(ex, WA__EXECUTOR, "wa_executor_free");
    wa__retire_object(ex, sizeof *ex);
    return 0;
}

static void run_inline(wa__handle *h) {
    wa__work *w = (wa__work *)((char *)h - offsetof(wa__work, run));
    w->code = w->fn(w->arg, &w->result);
    w->loop->work_in_flight--;
    resolve(w);
}

static int submit(wa_executor *ex, wa__work *w) {
    (void)ex;
    if (w->loop->debug && !w->loop->warned_no_threads) {
        w->loop->warned_no_threads = 1;
        fprintf(stderr, "wasyncio debug: this host has no threads: executor work runs on the loop's "
                        "thread and blocks it\n");
    }
    w->run.run = run_inline;
    wa__list_push(&w->loop->ready, &w->run);
    return 0;
}

int wa_executor_has_threads(void) { return 0; }

#endif

wa_future *wa_run_in_executor(wa_executor *ex, wa_work_fn fn, void *arg) {
    wa__loop *loop = wa__loop_now;
    if (ex && !wa__is(ex, WA__EXECUTOR)) return WA__BAD(ex, WA__EXECUTOR, "wa_run_in_executor", NULL);
    if (!loop || !fn) {
        wa__error(WA_EINVAL, loop ? "wa_run_in_executor: the work function is NULL"
                                  : "wa_run_in_executor: no loop is running");
        return NULL;
    }
    if (!ex && !(ex = loop->default_executor) && !(ex = loop->default_executor = wa_executor_new(0)))
        return NULL;
    wa__work *w = wa__calloc(1, sizeof *w);
    wa_future *f = w ? wa__future_new(loop) : NULL;
    if (!f) {
        free(w);
        wa__error(WA_ENOMEM, NULL);
        return NULL;
    }
    w->fn = fn;
    w->arg = arg;
    w->loop = loop;
    w->future = f;
    wa__future_ref(f);                   /* the work's reference; the caller has the other */
    if (submit(ex, w)) {
        wa__future_unref(f);
        wa__future_unref(f);
        free(w);
        return NULL;
    }
    loop->work_in_flight++;
    return f;
}

int wa_to_thread(wa_work_fn fn, void *arg, intptr_t *result) {
    if (!wa__running("wa_to_thread")) return WA_ENOTASK;
    if (!fn) return wa__error(WA_EINVAL, "wa_to_thread: the work function is NULL");
    wa_future *f = wa_run_in_executor(NULL, fn, arg);
    if (!f) return wa__last_code();
    int rc = wa_await_future(f);
    if (rc == 0) rc = wa_future_result(f, result);
    wa_future_release(f);
    return rc;
}

void wa__executors_close(wa__loop *loop) {
    while (loop->work_in_flight) {       /* threads still hold pointers into this loop */
        if (atomic_load_explicit(&loop->completed, memory_order_acquire)) wa__executor_drain(loop);
        else wa__host_wait(-1, NULL, 0);
    }
    wa_executor_free(loop->default_executor);
    loop->default_executor = NULL;
}
