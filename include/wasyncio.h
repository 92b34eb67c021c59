/*
 * wasyncio: Python's asyncio model for C, on WebAssembly hosts and natively.
 *
 * This is the whole public API. Everything runs on one thread, inside wa_run().
 *
 * Conventions
 *   - Functions that can fail return an int: 0 on success, a negative WA_E* code
 *     on failure. wa_strerror() names a code; wa_errmsg() gives the message of the
 *     most recent error this library reported (like errno, overwritten by the next).
 *   - "May suspend" means the calling task is paused there and other tasks run;
 *     only tasks may call such functions (elsewhere they fail with WA_ENOTASK).
 *   - Every pointer parameter says who owns it. Tasks and futures are reference
 *     counted: each function that returns one hands the caller one reference.
 *     Handles are valid until released and at most until wa_run returns.
 *     Functions that return an int error accept NULL and fail with WA_EINVAL;
 *     plain getters (state, done, name, errmsg) need a valid handle.
 *   - Long-lived objects: wa_task, wa_future. One-shot operations: wa_sleep,
 *     wa_yield, wa_await.
 *   - Tasks share one stack, saved and restored around each suspension (that
 *     keeps a suspended task to ~100 bytes). So a pointer to a task's local
 *     variable is valid only while that task runs: data that other tasks or
 *     callbacks read must live in static or heap memory.
 *   - Callbacks and waking tasks run first-in first-out, in the order they were
 *     scheduled; a task starts on the loop round after it was created.
 */
#ifndef WASYNCIO_H
#define WASYNCIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

#define WA_OK          0   /**< success */
#define WA_ECANCELLED -1   /**< the task or future was cancelled (CancelledError) */
#define WA_ETIMEDOUT  -2   /**< a deadline passed (TimeoutError) */
#define WA_ESTATE     -3   /**< wrong state: result of a pending future, set twice (InvalidStateError) */
#define WA_EDEADLOCK  -4   /**< nothing can run, no timer, no I/O, yet tasks still wait */
#define WA_ENOTASK    -5   /**< an operation that suspends was called outside a task */
#define WA_ESTACK     -6   /**< the task's stack was too deep to suspend */
#define WA_ENOMEM     -7   /**< out of memory */
#define WA_EINVAL     -8   /**< bad argument */
#define WA_EIO        -9   /**< input/output error reported by the host */

/** Returns a static, human-readable name for an error code ("cancelled", ...).
 *  Unknown codes, including user-defined positive ones, give "unknown error". */
const char *wa_strerror(int code);

/** Returns the message of the most recent error reported by wasyncio on this
 *  thread (for example the waiting tasks of a deadlock, or the message a failed
 *  task gave to wa_fail). Never NULL; "" when there is none. The string is owned
 *  by the library and valid until the next wasyncio call. */
const char *wa_errmsg(void);

/* ------------------------------------------------------------------- tasks */

typedef struct wa_task wa_task;
typedef struct wa_future wa_future;

/** A task's body. Returns 0 when it succeeds (set a result value with
 *  wa_return), or a nonzero error code when it fails (negative codes are
 *  wasyncio's; users may use positive ones). A body that passes on the code of
 *  a failed call (`if (rc) return rc;`) keeps that call's message, as a
 *  re-raised exception would; wa_fail sets a message of its own. Returning
 *  WA_ECANCELLED marks the task cancelled, as a CancelledError would. */
typedef int (*wa_fn)(void *arg);

/** Creates an event loop, runs main(arg) as its first task and keeps running
 *  until main has finished; then cancels every task still pending, lets them
 *  clean up, and frees every task and future the run created that is still
 *  allocated. Returns main's code: 0, its error code, or WA_EDEADLOCK when
 *  nothing could make progress (wa_errmsg() names the waiting tasks; they are
 *  cancelled and allowed to clean up first). Fails with WA_EINVAL if called
 *  while a loop is already running, or with main NULL.
 *  arg is passed through untouched; the caller keeps ownership. */
int wa_run(wa_fn main, void *arg);

/** Schedules fn(arg) as a new task; it starts on a later loop round, never
 *  inside this call. The loop keeps the task alive until it finishes, whether
 *  or not anyone holds it. Returns the task with one reference owned by the
 *  caller, to give back with wa_task_release (at the latest, wa_run frees it
 *  when it ends). Returns NULL and sets wa_errmsg on failure: WA_EINVAL
 *  outside wa_run, for a NULL fn, or for an arg that points into a task's
 *  stack (see the conventions above); WA_ENOMEM. arg stays owned by the caller
 *  and must outlive the task. */
wa_task *wa_create_task(wa_fn fn, void *arg);

/** Gives back one reference to t. The task keeps running if it has not
 *  finished; its memory goes once it has finished and no reference remains.
 *  NULL is ignored. */
void wa_task_release(wa_task *t);

/** Waits until t has finished. May suspend. Returns t's outcome: 0 when it
 *  succeeded, its error code when it failed, WA_ECANCELLED when it was
 *  cancelled or when the awaiting task itself is cancelled while waiting (the
 *  cancellation is passed on to t, as asyncio does). Awaiting one's own task
 *  returns WA_EINVAL. t stays owned by the caller. */
int wa_await_task(wa_task *t);

/** Ends the calling task's body with value as its result: `return wa_return(v);`.
 *  Returns 0. Outside a task it returns WA_ENOTASK. */
int wa_return(intptr_t value);

/** Records code and a printf-style message as the calling task's error, and
 *  returns code: `return wa_fail(WA_EIO, "read %s", path);`. The message is
 *  copied. Outside a task the message goes to wa_errmsg() only. */
int wa_fail(int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Task states, as asyncio names them. */
typedef enum wa_state {
    WA_PENDING = 0,   /**< not finished: scheduled, running or waiting */
    WA_DONE = 1,      /**< finished with a result or an error */
    WA_CANCELLED = 2  /**< finished by cancellation */
} wa_state;

/** Returns t's state. */
wa_state wa_task_state(const wa_task *t);

/** Returns nonzero once t has finished (done, failed or cancelled). */
int wa_task_done(const wa_task *t);

/** Reads t's outcome without waiting. Returns WA_ESTATE while t is pending
 *  (asyncio's InvalidStateError), WA_ECANCELLED if it was cancelled, its error
 *  code if it failed, else 0 and stores its result in *value (value may be NULL). */
int wa_task_result(const wa_task *t, intptr_t *value);

/** Returns the message t failed with ("" if none). Owned by t. */
const char *wa_task_errmsg(const wa_task *t);

/** Requests cancellation of t. If t has not started it never runs; if it is
 *  waiting, its pending await returns WA_ECANCELLED (and the future or task it
 *  awaits is cancelled too). Returns 1 if the request was made, 0 if t had
 *  already finished. */
int wa_task_cancel(wa_task *t);

/** Returns t's name: the one given with wa_task_set_name, or "Task-N" by
 *  creation order. Owned by t; valid until renamed or freed. */
const char *wa_task_name(const wa_task *t);

/** Renames t; name is copied. Returns 0, WA_EINVAL for NULL, or WA_ENOMEM. */
int wa_task_set_name(wa_task *t, const char *name);

/** Returns the task that is running, or NULL outside tasks. Borrowed. */
wa_task *wa_current_task(void);

/* ----------------------------------------------------------------- futures */

/** Creates a pending future, resolved later by anyone with set_result,
 *  set_error or cancel. Returns it with one reference owned by the caller, or
 *  NULL (WA_ENOMEM; WA_EINVAL outside wa_run). */
wa_future *wa_future_new(void);

/** Gives back the caller's reference. A future freed while still pending is
 *  cancelled first, so its awaiters wake with WA_ECANCELLED. NULL is ignored. */
void wa_future_free(wa_future *f);

/** Resolves f with value and wakes every awaiter (through the loop, never
 *  inline). Returns 0, or WA_ESTATE if f is already resolved or cancelled. */
int wa_future_set_result(wa_future *f, intptr_t value);

/** Resolves f with an error code (nonzero) and a message (copied, may be NULL).
 *  Returns 0, WA_EINVAL for code 0, WA_ESTATE if already resolved. */
int wa_future_set_error(wa_future *f, int code, const char *msg);

/** Cancels f if pending: awaiters wake with WA_ECANCELLED. Returns 1 if it was
 *  cancelled by this call, 0 if it had already finished. */
int wa_future_cancel(wa_future *f);

/** Returns nonzero once f is resolved or cancelled. */
int wa_future_done(const wa_future *f);

/** Returns f's state. */
wa_state wa_future_state(const wa_future *f);

/** Same contract as wa_task_result, for a future. */
int wa_future_result(const wa_future *f, intptr_t *value);

/** Returns the message f was failed with ("" if none). Owned by f. */
const char *wa_future_errmsg(const wa_future *f);

/** Waits until f is resolved. May suspend. Returns 0 (read the value with
 *  wa_future_result), f's error code, or WA_ECANCELLED if f was cancelled or
 *  the waiting task was cancelled (which also cancels f, as asyncio does). */
int wa_await_future(wa_future *f);

/** Await a task or a future: wa_await(t) picks the right function. */
#ifdef __cplusplus
}
static inline int wa_await(wa_task *t) { return wa_await_task(t); }
static inline int wa_await(wa_future *f) { return wa_await_future(f); }
extern "C" {
#else
#define wa_await(x) _Generic((x), wa_task *: wa_await_task, wa_future *: wa_await_future)(x)
#endif

/** Adds fn(f, arg) to run once f is done, through the loop (never inline); if
 *  f is already done it is scheduled at once. Returns 0 or WA_ENOMEM.
 *  arg stays owned by the caller. For a task use wa_task_future(). */
int wa_future_add_done_callback(wa_future *f, void (*fn)(wa_future *f, void *arg),
                                void *arg);

/** Returns the future that completes with t (a task is a future, as in
 *  asyncio). Borrowed: valid as long as t is. */
wa_future *wa_task_future(wa_task *t);

/* -------------------------------------------------------------------- time */

/** Suspends the calling task for at least seconds (never less). A value <= 0
 *  behaves as wa_yield. May suspend. Returns 0, WA_ECANCELLED if the task was
 *  cancelled meanwhile, WA_EINVAL for NaN, WA_ENOTASK outside a task. */
int wa_sleep(double seconds);

/** Suspends the calling task until wa_time() reaches when (an absolute time
 *  on the loop clock), never earlier; a time already past wakes it on the next
 *  loop round, in deadline order with the other timers due then.
 *  Sleeping until deadlines taken from one wa_time() reading keeps their order
 *  exact, which successive wa_sleep calls (each from its own now) do not.
 *  May suspend. Returns 0, WA_ECANCELLED, WA_EINVAL for NaN, WA_ENOTASK. */
int wa_sleep_until(double when);

/** Lets every other ready task run once, then continues (asyncio.sleep(0)).
 *  May suspend. Returns 0, WA_ECANCELLED or WA_ENOTASK. */
int wa_yield(void);

/** Returns the loop's monotonic clock in seconds (asyncio's loop.time()). */
double wa_time(void);

/* ------------------------------------------------------------------- debug */

/** Statistics about the running loop, for tests and tools. */
typedef struct wa_stats {
    size_t tasks_alive;      /**< tasks allocated (pending or still referenced) */
    size_t tasks_pending;    /**< tasks that have not finished */
    size_t timers_armed;     /**< timers in the heap */
    size_t saved_stack_bytes;/**< bytes held by suspended tasks' saved stacks */
    size_t max_saved_stack;  /**< largest stack one task saved so far */
} wa_stats;

/** Fills *out with the running loop's statistics. Returns 0, or WA_EINVAL
 *  outside wa_run or for a NULL out. */
int wa_get_stats(wa_stats *out);

/** The most stack, in bytes, a task may hold while suspended; deeper awaits
 *  fail with WA_ESTACK instead of suspending. */
#ifndef WA_STACK_LIMIT
#define WA_STACK_LIMIT (256 * 1024)
#endif

#ifdef __cplusplus
}
#endif
#endif /* WASYNCIO_H */
