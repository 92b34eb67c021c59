/* Synchronisation primitives (asyncio.Lock, Event, Condition, Semaphore,
 * BoundedSemaphore, Barrier), each a wait queue and a little state.
 *
 * Waiters are served first-in first-out. A lock or a semaphore unit freed
 * while tasks wait is handed to the first of them directly, so a task that
 * arrives later cannot take it first. A waiter cancelled after it was handed
 * one but before it ran ends cancelled, as asyncio's do, and passes it on. */
#include "internal.h"

#include <stdlib.h>

static void *alloc(size_t size, int kind) {
    wa__object *p = wa__calloc(1, size);
    if (p) p->kind = (uint8_t)kind;
    else wa__error(WA_ENOMEM, NULL);
    return p;
}

/* Wakes the tasks waiting in q, if any, with WA_ESTATE: the object is being freed. */
static void wake_freed(wa__waitq *q, const char *msg) {
    if (q->head) wa__waitq_wake_all(q, wa__error(WA_ESTATE, "%s", msg));
}

/* Waits in q as the running task; what is named in errors is `what`. */
static int park(wa__waitq *q, const char *what) {
    wa_task *t = wa__running(what);
    return t ? wa__waitq_wait(q, t) : WA_ENOTASK;
}

/* ------------------------------------------------------------------- lock */

struct wa_lock {
    wa__object obj;                      /* WA__LOCK */
    wa__waitq waiters;
    uint8_t locked;                      /* held; stays set while handed to a waiter */
};

wa_lock *wa_lock_new(void) { return alloc(sizeof(wa_lock), WA__LOCK); }

int wa_lock_free(wa_lock *l) {
    if (!l) return 0;
    if (!wa__is(l, WA__LOCK)) return wa__bad_object(l, WA__LOCK, "wa_lock_free");
    wake_freed(&l->waiters, "the lock was freed while tasks waited");
    wa__retire_object(l, sizeof *l);
    return 0;
}

int wa_lock_acquire(wa_lock *l) {
    if (!wa__is(l, WA__LOCK)) return wa__bad_object(l, WA__LOCK, "wa_lock_acquire");
    if (!l->locked) {                    /* unlocked means nobody waits */
        if (!wa__running("wa_lock_acquire")) return WA_ENOTASK;
        l->locked = 1;
        return 0;
    }
    wa_task *t = wa__running("wa_lock_acquire");
    if (!t) return WA_ENOTASK;
    int rc = wa__waitq_wait(&l->waiters, t);     /* 0: handed over, still locked */
    if (rc == 0 && wa__task_take_cancel(t)) {
        wa_lock_release(l);              /* cancelled before it ran: the next waiter gets it */
        return WA_ECANCELLED;
    }
    return rc;
}

int wa_lock_release(wa_lock *l) {
    if (!wa__is(l, WA__LOCK)) return wa__bad_object(l, WA__LOCK, "wa_lock_release");
    if (!l->locked) return wa__error(WA_ESTATE, "the lock is not acquired");
    if (!wa__waitq_wake(&l->waiters, 0, 0)) l->locked = 0;
    return 0;
}

int wa_lock_locked(const wa_lock *l) {
    if (!wa__is(l, WA__LOCK)) return WA__BAD(l, WA__LOCK, "wa_lock_locked", 0);
    return l->locked;
}

/* ------------------------------------------------------------------ event */

struct wa_event {
    wa__object obj;                      /* WA__EVENT */
    wa__waitq waiters;
    uint8_t set;
};

wa_event *wa_event_new(void) { return alloc(sizeof(wa_event), WA__EVENT); }

int wa_event_free(wa_event *e) {
    if (!e) return 0;
    if (!wa__is(e, WA__EVENT)) return wa__bad_object(e, WA__EVENT, "wa_event_free");
    wake_freed(&e->waiters, "the event was freed while tasks waited");
    wa__retire_object(e, sizeof *e);
    return 0;
}

int wa_event_wait(wa_event *e) {
    if (!wa__is(e, WA__EVENT)) return wa__bad_object(e, WA__EVENT, "wa_event_wait");
    if (e->set) return wa__running("wa_event_wait") ? 0 : WA_ENOTASK;
    wa_task *t = wa__running("wa_event_wait");
    if (!t) return WA_ENOTASK;
    int rc = wa__waitq_wait(&e->waiters, t);
    return rc == 0 && wa__task_take_cancel(t) ? WA_ECANCELLED : rc;
}

int wa_event_set(wa_event *e) {
    if (!wa__is(e, WA__EVENT)) return wa__bad_object(e, WA__EVENT, "wa_event_set");
    e->set = 1;
    wa__waitq_wake_all(&e->waiters, 0);
    return 0;
}

int wa_event_clear(wa_event *e) {
    if (!wa__is(e, WA__EVENT)) return wa__bad_object(e, WA__EVENT, "wa_event_clear");
    e->set = 0;
    return 0;
}

int wa_event_is_set(const wa_event *e) {
    if (!wa__is(e, WA__EVENT)) return WA__BAD(e, WA__EVENT, "wa_event_is_set", 0);
    return e->set;
}

/* -------------------------------------------------------------- condition */

struct wa_condition {
    wa__object obj;                      /* WA__CONDITION */
    wa__waitq waiters;
    wa_lock *lock;                       /* the lock waits release and retake */
    uint8_t owns_lock;                   /* made by wa_condition_new, freed with it */
};

wa_condition *wa_condition_new(wa_lock *lock) {
    if (lock && !wa__is(lock, WA__LOCK)) {
        wa__bad_object(lock, WA__LOCK, "wa_condition_new");
        return NULL;
    }
    wa_condition *c = alloc(sizeof *c, WA__CONDITION);
    if (!c) return NULL;
    c->lock = lock ? lock : wa_lock_new();
    c->owns_lock = !lock;
    if (!c->lock) {
        free(c);
        return NULL;
    }
    return c;
}

int wa_condition_free(wa_condition *c) {
    if (!c) return 0;
    if (!wa__is(c, WA__CONDITION)) return wa__bad_object(c, WA__CONDITION, "wa_condition_free");
    wake_freed(&c->waiters, "the condition was freed while tasks waited");
    if (c->owns_lock) wa_lock_free(c->lock);
    wa__retire_object(c, sizeof *c);
    return 0;
}

wa_lock *wa_condition_lock(wa_condition *c) {
    if (!wa__is(c, WA__CONDITION)) return WA__BAD(c, WA__CONDITION, "wa_condition_lock", NULL);
    return c->lock;
}

/* The condition's lock, checked: a borrowed one may have been freed first. */
static int check_condition(const wa_condition *c, const char *fn) {
    if (!wa__is(c, WA__CONDITION)) return wa__bad_object(c, WA__CONDITION, fn);
    if (!wa__is(c->lock, WA__LOCK)) return wa__bad_object(c->lock, WA__LOCK, fn);
    return 0;
}

int wa_condition_wait(wa_condition *c) {
    int bad = check_condition(c, "wa_condition_wait");
    if (bad) return bad;
    if (!wa__running("wa_condition_wait")) return WA_ENOTASK;
    wa_lock *lock = c->lock;
    if (!lock->locked) return wa__error(WA_ESTATE, "wait on a condition whose lock is not acquired");
    wa_lock_release(lock);
    int rc = park(&c->waiters, "wa_condition_wait");
    if (rc == WA_ESTATE) return rc;      /* c was freed meanwhile (and an own lock with it) */
    /* The lock is taken back whatever happened, as asyncio does: callers
     * always leave holding it. A cancellation meanwhile is reported. */
    for (int again; (again = wa_lock_acquire(lock)) != 0;) {
        if (again != WA_ECANCELLED) return again;  /* could not even wait for it */
        rc = WA_ECANCELLED;
    }
    return rc;
}

int wa_condition_wait_for(wa_condition *c, int (*predicate)(void *arg), void *arg) {
    int bad = check_condition(c, "wa_condition_wait_for");
    if (bad) return bad;
    if (!predicate) return wa__error(WA_EINVAL, "wa_condition_wait_for: the predicate is NULL");
    while (!predicate(arg)) {
        int rc = wa_condition_wait(c);
        if (rc) return rc;
    }
    return 0;
}

int wa_condition_notify(wa_condition *c, size_t n) {
    int bad = check_condition(c, "wa_condition_notify");
    if (bad) return bad;
    if (!c->lock->locked) return wa__error(WA_ESTATE, "notify on a condition whose lock is not acquired");
    while (n-- && wa__waitq_wake(&c->waiters, 0, 0)) {
    }
    return 0;
}

int wa_condition_notify_all(wa_condition *c) { return wa_condition_notify(c, SIZE_MAX); }

/* -------------------------------------------------------------- semaphore */

struct wa_semaphore {
    wa__object obj;                      /* WA__SEMAPHORE, bounded or not */
    wa__waitq waiters;
    size_t value;                        /* units free; 0 while tasks wait */
    size_t bound;                        /* bounded: the most there may be free; else SIZE_MAX */
};

static wa_semaphore *semaphore_new(size_t value, size_t bound) {
    wa_semaphore *s = alloc(sizeof *s, WA__SEMAPHORE);
    if (s) {
        s->value = value;
        s->bound = bound;
    }
    return s;
}

wa_semaphore *wa_semaphore_new(size_t value) { return semaphore_new(value, SIZE_MAX); }

wa_semaphore *wa_bounded_semaphore_new(size_t value) { return semaphore_new(value, value); }

int wa_semaphore_free(wa_semaphore *s) {
    if (!s) return 0;
    if (!wa__is(s, WA__SEMAPHORE)) return wa__bad_object(s, WA__SEMAPHORE, "wa_semaphore_free");
    wake_freed(&s->waiters, "the semaphore was freed while tasks waited");
    wa__retire_object(s, sizeof *s);
    return 0;
}

int wa_semaphore_acquire(wa_semaphore *s) {
    if (!wa__is(s, WA__SEMAPHORE)) return wa__bad_object(s, WA__SEMAPHORE, "wa_semaphore_acquire");
    if (s->value) {                      /* free units mean nobody waits */
        if (!wa__running("wa_semaphore_acquire")) return WA_ENOTASK;
        s->value--;
        return 0;
    }
    wa_task *t = wa__running("wa_semaphore_acquire");
    if (!t) return WA_ENOTASK;
    int rc = wa__waitq_wait(&s->waiters, t);     /* 0: a unit was handed over */
    if (rc == 0 && wa__task_take_cancel(t)) {
        wa_semaphore_release(s);         /* cancelled before it ran: the unit goes on */
        return WA_ECANCELLED;
    }
    return rc;
}

int wa_semaphore_release(wa_semaphore *s) {
    if (!wa__is(s, WA__SEMAPHORE)) return wa__bad_object(s, WA__SEMAPHORE, "wa_semaphore_release");
    if (wa__waitq_wake(&s->waiters, 0, 0)) return 0;
    if (s->value >= s->bound) return wa__error(WA_ESTATE, "bounded semaphore released too many times");
    s->value++;
    return 0;
}

int wa_semaphore_locked(const wa_semaphore *s) {
    if (!wa__is(s, WA__SEMAPHORE)) return WA__BAD(s, WA__SEMAPHORE, "wa_semaphore_locked", 0);
    return s->value == 0;
}

size_t wa_semaphore_value(const wa_semaphore *s) {
    if (!wa__is(s, WA__SEMAPHORE)) return WA__BAD(s, WA__SEMAPHORE, "wa_semaphore_value", 0);
    return s->value;
}

/* ---------------------------------------------------------------- barrier */

/* asyncio's states: parties arrive while FILLING; the last one starts
 * DRAINING, and until every released party has resumed, new arrivals wait
 * to start the next cycle. A reset while parties are inside is RESETTING
 * until they have left; BROKEN (abort) fails every wait until a reset. */
enum { FILLING, DRAINING, RESETTING, BROKEN };

struct wa_barrier {
    wa__object obj;                      /* WA__BARRIER */
    wa__waitq waiters;                   /* arrived parties, waiting for the rest */
    wa__waitq blocked;                   /* arrivals waiting for a drain or reset to end */
    size_t parties;
    size_t inside;                       /* arrived and not yet resumed, this cycle */
    uint8_t state;
};

wa_barrier *wa_barrier_new(size_t parties) {
    if (parties == 0) {
        wa__error(WA_EINVAL, "wa_barrier_new: a barrier needs at least one party");
        return NULL;
    }
    wa_barrier *b = alloc(sizeof *b, WA__BARRIER);
    if (b) b->parties = parties;
    return b;
}

/* Woken with this code, a waiter does not touch the barrier again. */
#define FREED WA_ESTATE

int wa_barrier_free(wa_barrier *b) {
    if (!b) return 0;
    if (!wa__is(b, WA__BARRIER)) return wa__bad_object(b, WA__BARRIER, "wa_barrier_free");
    wake_freed(&b->waiters, "the barrier was freed while tasks waited");
    wake_freed(&b->blocked, "the barrier was freed while tasks waited");
    wa__retire_object(b, sizeof *b);
    return 0;
}

/* A party leaves the barrier; the last one out ends a drain or a reset. */
static void leave(wa_barrier *b) {
    if (--b->inside == 0 && (b->state == DRAINING || b->state == RESETTING)) {
        b->state = FILLING;
        wa__waitq_wake_all(&b->blocked, 0);
    }
}

__attribute__((noinline, cold)) static int broken_error(const wa_barrier *b) {
    return wa__error(WA_EBROKEN, b->state == BROKEN ? "the barrier is broken" : "the barrier was reset");
}

int wa_barrier_wait(wa_barrier *b, size_t *index) {
    if (!wa__is(b, WA__BARRIER)) return wa__bad_object(b, WA__BARRIER, "wa_barrier_wait");
    wa_task *t = wa__running("wa_barrier_wait");
    if (!t) return WA_ENOTASK;
    while (b->state == DRAINING || b->state == RESETTING) {
        int rc = wa__waitq_wait(&b->blocked, t);
        if (rc) return rc;
        if (!wa__is(b, WA__BARRIER)) return wa__bad_object(b, WA__BARRIER, "wa_barrier_wait");  /* freed before it ran */
    }
    if (b->state == BROKEN) return broken_error(b);
    size_t arrived = b->inside++;
    if (b->inside == b->parties) {       /* the last party releases the others */
        b->state = DRAINING;
        wa__waitq_wake_all(&b->waiters, 0);
    } else {
        int rc = wa__waitq_wait(&b->waiters, t);
        if (rc == FREED) return rc;
        if (!wa__is(b, WA__BARRIER)) {   /* freed after it released this task, before it ran */
            if (rc == 0 && index) *index = arrived;
            return rc;
        }
        /* Released, but aborted or reset before it ran: broken too. */
        if (rc == 0 && (b->state == BROKEN || b->state == RESETTING)) rc = broken_error(b);
        else if (rc == WA_EBROKEN) rc = broken_error(b);
        if (rc) {
            leave(b);
            return rc;
        }
    }
    leave(b);
    if (index) *index = arrived;
    return 0;
}

int wa_barrier_reset(wa_barrier *b) {
    if (!wa__is(b, WA__BARRIER)) return wa__bad_object(b, WA__BARRIER, "wa_barrier_reset");
    b->state = b->inside ? RESETTING : FILLING;
    wa__waitq_wake_all(&b->waiters, WA_EBROKEN);
    if (b->state == FILLING) wa__waitq_wake_all(&b->blocked, 0);
    return 0;
}

int wa_barrier_abort(wa_barrier *b) {
    if (!wa__is(b, WA__BARRIER)) return wa__bad_object(b, WA__BARRIER, "wa_barrier_abort");
    b->state = BROKEN;
    wa__waitq_wake_all(&b->waiters, WA_EBROKEN);
    wa__waitq_wake_all(&b->blocked, 0);  /* they find it broken */
    return 0;
}

size_t wa_barrier_parties(const wa_barrier *b) {
    if (!wa__is(b, WA__BARRIER)) return WA__BAD(b, WA__BARRIER, "wa_barrier_parties", 0);
    return b->parties;
}

size_t wa_barrier_n_waiting(const wa_barrier *b) {
    if (!wa__is(b, WA__BARRIER)) return WA__BAD(b, WA__BARRIER, "wa_barrier_n_waiting", 0);
    return b->state == FILLING ? b->inside : 0;
}

int wa_barrier_broken(const wa_barrier *b) {
    if (!wa__is(b, WA__BARRIER)) return WA__BAD(b, WA__BARRIER, "wa_barrier_broken", 0);
    return b->state == BROKEN;
}
