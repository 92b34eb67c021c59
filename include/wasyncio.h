/*
 * wasyncio: Python's asyncio model for C, on WebAssembly hosts and natively.
 *
 * This is the whole public API. A loop runs on one thread, inside wa_run()
 * (or wa_loop_run_*): each thread may run loops of its own, one at a time,
 * and a loop with its tasks and objects belongs to the thread that made it.
 * All of the library's state is per loop or per thread (the running loop,
 * wa_errmsg, the shared task stack), so threads never share any of it;
 * executor threads only hand results back to their loop's thread.
 *
 * Conventions
 *   - Functions that can fail return an int: 0 on success, a negative WA_E* code
 *     on failure. wa_strerror() names a code; wa_errmsg() gives the message of the
 *     most recent error this library reported on the calling thread (like errno,
 *     overwritten by the next).
 *   - Each function's comment gives three facts: whether it suspends ("May
 *     suspend": the calling task is paused there and other tasks run; only
 *     tasks may call such functions, elsewhere they fail with WA_ENOTASK.
 *     "Does not suspend"), its error codes, and who owns each pointer.
 *   - Ownership: tasks and futures are reference counted: each function that
 *     returns one hands the caller one reference. Handles are valid until
 *     released and at most until wa_run returns (or the loop closes).
 *     Strings and objects a getter returns are borrowed unless said otherwise.
 *   - Bad arguments are refused, never a crash. One rule for every function:
 *     a NULL handle or pointer (unless the comment gives NULL a meaning, as
 *     "NULL: the running loop", or "may be NULL"), a handle whose object is
 *     gone (freed or released; see below), and an object of another type
 *     (a wa_lock cast to wa_queue) make
 *       - a function that returns an int error code return WA_EINVAL;
 *       - a function that returns a new object return NULL;
 *       - a getter, which cannot fail, return a neutral value: 0 (WA_PENDING
 *         for a state, NULL for a pointer) unless its comment names another
 *         ("" for the strings of tasks and futures, NaN for a time);
 *     and each sets wa_errmsg to a message that names the function
 *     ("wa_lock_acquire: the lock was freed", "wa_task_state: not a task (it
 *     is a lock)", "wa_task_name: the task is NULL"). _free and _release
 *     functions accept NULL and do nothing (return 0).
 *   - A _free or _release call ends the caller's ownership: the handle must
 *     not be used after it. Inside a running loop such a handle is still
 *     recognised while its record is among the loop's last 1,024 freed ones
 *     (tasks, futures, locks, events, conditions, semaphores, barriers,
 *     queues, coroutines, call handles, timeout scopes, task groups,
 *     as_completed iterators, responses, sessions, executors), so the rule
 *     above applies to it. A task or future lives on after its release while
 *     others hold it (the loop runs a task to its end; awaiters, callbacks):
 *     meanwhile pointers to it that were borrowed (wa_current_task,
 *     wa_all_tasks, a done callback's argument) stay valid, and only a second
 *     release is refused. A handle whose record has left that window, an
 *     object freed while no loop runs, and a closed loop are gone for good:
 *     a later use is undefined, as with free().
 *   - Long-lived objects: wa_task, wa_future. One-shot operations: wa_sleep,
 *     wa_yield, wa_await.
 *   - Tasks share one stack, saved and restored around each suspension (that
 *     keeps a suspended task to ~100 bytes). So a pointer to a task's local
 *     variable is valid only while that task runs: data that other tasks or
 *     callbacks read must live in static or heap memory.
 *   - Callbacks and waking tasks run first-in first-out, in the order they were
 *     scheduled; a task starts on the loop round after it was created.
 *   - A task suspends only through C (or C++) frames: on JS hosts, C code that
 *     JS called back while a task was inside a call to JS cannot suspend, and
 *     what would have suspended returns WA_ENOSUSPEND instead.
 *   - C++: the header compiles as C++11 and later. A task body is any function
 *     of wa_fn's type: a function, a template instance, a lambda without
 *     captures; std::function and capturing lambdas go through a trampoline
 *     (see tests/c/cxx_tasks.cpp). Bodies may suspend inside virtual calls and
 *     callbacks. Captures by reference of a task's locals follow the rule on
 *     the shared stack above. Exceptions: natively one may be thrown and
 *     caught across awaits inside a task body, but must not leave the body
 *     (the runtime's C frames cannot pass it on: the program terminates).
 *     WASI builds have no exceptions (WASI's libc++ is built without them).
 *     Emscripten builds (node, web) do not catch by default (a throw aborts);
 *     with -fexceptions, calls in any function with a try block or objects to
 *     destroy run through JS, so awaits there return WA_ENOSUSPEND.
 */
#ifndef WASYNCIO_H
#define WASYNCIO_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* The header's small wrappers: inline functions in C++ (one definition
 * across translation units), static inline in C. */
#ifdef __cplusplus
#define WA__INLINE inline
#else
#define WA__INLINE static inline
#endif

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
#define WA_EBROKEN   -10   /**< the barrier was reset or aborted (BrokenBarrierError) */
#define WA_EFULL     -11   /**< a _nowait put into a full queue (QueueFull) */
#define WA_EEMPTY    -12   /**< a _nowait get from an empty queue (QueueEmpty) */
#define WA_ESHUTDOWN -13   /**< the queue was shut down (QueueShutDown) */
#define WA_EJS       -14   /**< a JavaScript call failed or its promise was rejected */
#define WA_ECONNECT  -15   /**< a name lookup or a connection failed */
#define WA_ERESET    -16   /**< the connection was reset or closed mid-way */
#define WA_ETRUNCATED -17  /**< a body ended before its Content-Length */
#define WA_ETOOBIG   -18   /**< more than a set limit: a body over max_body, headers too large */
#define WA_EHTTP     -19   /**< an HTTP error status (>= 400), when asked to fail on one */
#define WA_ENOTSUP   -20   /**< this host cannot do it (network fetch on WASI and natively) */
#define WA_ENOSUSPEND -21  /**< cannot suspend here: a JS frame lies between this call and the loop (C called back from JS) */
#define WA_EPROTO    -22   /**< the peer sent a malformed message (an HTTP head, a protocol reply) */

/** Returns a static, human-readable name for an error code ("cancelled", ...).
 *  Unknown codes, including user-defined positive ones, give "unknown error".
 *  Does not suspend; never fails. */
const char *wa_strerror(int code);

/** Returns the message of the most recent error reported by wasyncio on this
 *  thread (for example the waiting tasks of a deadlock, or the message a failed
 *  task gave to wa_fail). Never NULL; "" when there is none. The string is owned
 *  by the library and valid until the next wasyncio call. Does not suspend. */
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
 *  cancelled and allowed to clean up first). Does not suspend: it blocks the
 *  calling thread while the loop runs. Fails with WA_EINVAL if called while a
 *  loop is already running (from a task too), or with main NULL; WA_ENOMEM.
 *  arg is passed through untouched; the caller keeps ownership. */
int wa_run(wa_fn main, void *arg);

/** Schedules fn(arg) as a new task; it starts on a later loop round, never
 *  inside this call (which does not suspend). The loop keeps the task alive
 *  until it finishes, whether or not anyone holds it. Returns the task with one
 *  reference owned by the caller, to give back with wa_task_release (at the
 *  latest, wa_run frees it when it ends). Returns NULL and sets wa_errmsg on
 *  failure: WA_EINVAL outside wa_run or for a NULL fn; WA_ENOMEM. arg is never
 *  inspected (an integer cast to a pointer is fine); debug builds warn on
 *  stderr when it points into the running task's stack (see the conventions
 *  above). arg stays owned by the caller and must outlive the task. */
wa_task *wa_create_task(wa_fn fn, void *arg);

/** Gives back the caller's reference to t (the one wa_create_task returned).
 *  Does not suspend. The task keeps running if it has not finished; its
 *  memory goes once it has finished and no reference remains. Returns 0 (also
 *  for NULL), or WA_EINVAL with a message when t is not a task or was
 *  already released: a second release is always detected while the task
 *  lives, and after it is gone for as long as its record is kept (the loop's
 *  last 1,024 freed objects; see "Released handles" in the README). */
int wa_task_release(wa_task *t);

/** Waits until t has finished. May suspend. Returns t's outcome: 0 when it
 *  succeeded, its error code when it failed, WA_ECANCELLED when it was
 *  cancelled or when the awaiting task itself is cancelled while waiting (the
 *  cancellation is passed on to t, as asyncio does). WA_EINVAL for a bad t
 *  (NULL, gone, not a task) and for one's own task; an await that would
 *  close a cycle (t already waits, directly or through other tasks and
 *  combiners, on the caller) returns WA_EDEADLOCK at once, with a message
 *  naming the tasks. t stays owned by the caller. */
int wa_await_task(wa_task *t);

/** Ends the calling task's body with value as its result: `return wa_return(v);`.
 *  Does not suspend. Returns 0. Outside a task it returns WA_ENOTASK. A later
 *  wa_return* replaces the result (an owned one is destroyed then). */
int wa_return(intptr_t value);

/** wa_return with a 64-bit integer or a double, whole on every target (on
 *  wasm32 intptr_t has 32 bits). Read them with wa_task_result_i64 /
 *  wa_task_result_double; wa_task_result answers WA_ESTATE for a double, or
 *  a 64-bit value that does not fit an intptr_t. Does not suspend. Returns 0,
 *  or WA_ENOTASK outside a task. */
int wa_return_i64(int64_t value);
int wa_return_double(double value);

/** Ends the body with ptr as an owned result: the task owns ptr and calls
 *  dtor(ptr) (dtor may be NULL) exactly once, unless someone takes it with
 *  wa_task_take_result: when the task ends failed or cancelled after all,
 *  when its last reference goes without a take, or when its loop closes.
 *  dtor runs on the loop's thread and should only free ptr. wa_task_result
 *  reads ptr without taking it. Does not suspend. Returns 0; WA_ENOTASK
 *  outside a task; WA_ENOMEM (ptr then stays the caller's). */
int wa_return_owned(void *ptr, void (*dtor)(void *ptr));

/** Records code and a printf-style message as the calling task's error, and
 *  returns code: `return wa_fail(WA_EIO, "read %s", path);`. Does not
 *  suspend; never fails. The message is copied; fmt NULL gives the code's
 *  name. Outside a task the message goes to wa_errmsg() only. */
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

/** Returns t's state. Does not suspend. WA_PENDING for a bad t (NULL, gone,
 *  not a task: see the conventions). */
wa_state wa_task_state(const wa_task *t);

/** Returns nonzero once t has finished (done, failed or cancelled). Does not
 *  suspend. 0 for a bad t. */
int wa_task_done(const wa_task *t);

/** Reads t's outcome without waiting. Does not suspend. Returns WA_ESTATE
 *  while t is pending (asyncio's InvalidStateError), WA_ECANCELLED if it was
 *  cancelled, its error code if it failed, WA_EINVAL for a bad t, else 0 and
 *  stores its result in *value (value may be NULL; else the caller's). */
int wa_task_result(const wa_task *t, intptr_t *value);

/** wa_task_result for a 64-bit integer or a double result (see
 *  wa_return_i64). Does not suspend. The same codes, plus WA_ESTATE when the
 *  result is of another kind; WA_EINVAL for NULL or a released t. */
int wa_task_result_i64(const wa_task *t, int64_t *value);
int wa_task_result_double(const wa_task *t, double *value);

/** Takes t's owned result (wa_return_owned): *ptr gets it and the caller now
 *  owns it, so its destructor will not run. Does not suspend. Returns 0;
 *  WA_ESTATE while pending, when the result is not an owned pointer or was
 *  already taken; t's error if it failed; WA_EINVAL for NULL arguments or a
 *  released t. */
int wa_task_take_result(wa_task *t, void **ptr);

/** Returns the message t failed with ("" if none). Owned by t. Does not
 *  suspend. "" for a bad t. */
const char *wa_task_errmsg(const wa_task *t);

/** Requests cancellation of t. If t has not started it never runs; if it is
 *  waiting, its pending await returns WA_ECANCELLED (and the future or task it
 *  awaits is cancelled too). Does not suspend. Returns 1 if the request was
 *  made, 0 if t had already finished, WA_EINVAL for a bad t. */
int wa_task_cancel(wa_task *t);

/** Returns t's name: the one given with wa_task_set_name, or "Task-N" by
 *  creation order. Owned by t; valid until renamed or freed. Does not
 *  suspend. "" for a bad t. */
const char *wa_task_name(const wa_task *t);

/** Renames t; name is copied. Does not suspend. Returns 0, WA_EINVAL for a
 *  bad t or a NULL name, or WA_ENOMEM. */
int wa_task_set_name(wa_task *t, const char *name);

/** Returns the task that is running, or NULL outside tasks. Borrowed: valid
 *  while the task lives, released or not. Does not suspend. */
wa_task *wa_current_task(void);

/** Requests cancellation of t like wa_task_cancel, with a message: the await
 *  that t receives WA_ECANCELLED from reports msg through wa_errmsg(), and if
 *  t ends cancelled, wa_task_errmsg(t) and its awaiters see msg too. msg is
 *  copied and may be NULL. Does not suspend. Returns 1 if the request was
 *  made, 0 if t had already finished, WA_EINVAL for a bad t, WA_ENOMEM. */
int wa_task_cancel_msg(wa_task *t, const char *msg);

/** Returns the number of cancellation requests t has received and not
 *  withdrawn with wa_task_uncancel (asyncio's Task.cancelling()). Every
 *  successful wa_task_cancel adds one. Does not suspend. 0 for a bad t. */
int wa_task_cancelling(const wa_task *t);

/** Withdraws one cancellation request (asyncio's Task.uncancel()), for code
 *  that handled a cancellation it caused itself, like a timeout. When the count
 *  reaches 0, a cancellation not yet delivered is dropped too. Does not
 *  suspend. Returns the remaining count (never below 0), or WA_EINVAL for a
 *  bad t. */
int wa_task_uncancel(wa_task *t);

/** Fills out[0..cap) with the tasks of the running loop that have not
 *  finished, in creation order, and returns how many there are (which may be
 *  more than cap: call again with a larger array). Does not suspend. out is
 *  the caller's; the pointers it gets are borrowed. Returns 0 outside a
 *  running loop. out may be NULL when cap is 0; NULL with cap > 0 returns 0
 *  and sets wa_errmsg. */
size_t wa_all_tasks(wa_task **out, size_t cap);

/* ----------------------------------------------------------------- futures */

/** Creates a pending future, resolved later by anyone with set_result,
 *  set_error or cancel. Does not suspend. Returns it with one reference owned
 *  by the caller, or NULL (WA_ENOMEM; WA_EINVAL outside wa_run). */
wa_future *wa_future_new(void);

/** Gives back the caller's reference. Does not suspend. A future freed while
 *  still pending is cancelled first, so its awaiters wake with WA_ECANCELLED.
 *  Returns 0 (also for NULL), or WA_EINVAL with a message when f is not a
 *  future or was already released, detected as for wa_task_release. */
int wa_future_release(wa_future *f);

/** Resolves f with value and wakes every awaiter (through the loop, never
 *  inline). Does not suspend. Returns 0, WA_ESTATE if f is already resolved
 *  or cancelled or is a task's, or WA_EINVAL for a bad f. */
int wa_future_set_result(wa_future *f, intptr_t value);

/** wa_future_set_result with a 64-bit integer, a double, or an owned pointer
 *  (its destructor runs exactly once unless wa_future_take_result takes it:
 *  when the future's last reference goes, or its loop closes). Do not
 *  suspend. Return 0; WA_ESTATE if f is done or is a task's; WA_EINVAL for
 *  NULL or a released f; the owned form WA_ENOMEM (ptr then stays the
 *  caller's, as on any error). */
int wa_future_set_result_i64(wa_future *f, int64_t value);
int wa_future_set_result_double(wa_future *f, double value);
int wa_future_set_result_owned(wa_future *f, void *ptr, void (*dtor)(void *ptr));

/** Resolves f with an error code (nonzero) and a message (copied, may be NULL).
 *  Does not suspend. Returns 0, WA_EINVAL for a bad f or code 0, WA_ESTATE if
 *  already resolved or f is a task's. */
int wa_future_set_error(wa_future *f, int code, const char *msg);

/** Cancels f if pending: awaiters wake with WA_ECANCELLED. Does not suspend.
 *  Returns 1 if it was cancelled by this call, 0 if it had already finished,
 *  WA_EINVAL for a bad f (NULL, gone, not a future). */
int wa_future_cancel(wa_future *f);

/** wa_future_cancel with a message (copied, may be NULL), which the awaiters'
 *  WA_ECANCELLED carries in wa_errmsg() and wa_future_errmsg(f) returns.
 *  Does not suspend. Returns 1, 0 as wa_future_cancel; WA_EINVAL for a bad
 *  f, WA_ENOMEM. */
int wa_future_cancel_msg(wa_future *f, const char *msg);

/** Returns nonzero once f is resolved or cancelled. Does not suspend. 0 for
 *  a bad f. */
int wa_future_done(const wa_future *f);

/** Returns f's state. Does not suspend. WA_PENDING for a bad f. */
wa_state wa_future_state(const wa_future *f);

/** Same contract as wa_task_result, for a future (does not suspend;
 *  WA_EINVAL for a bad f). */
int wa_future_result(const wa_future *f, intptr_t *value);

/** Same contracts as wa_task_result_i64, wa_task_result_double and
 *  wa_task_take_result, for a future. A shield's future holds its child's
 *  pointer without owning it: it reads, but cannot take. */
int wa_future_result_i64(const wa_future *f, int64_t *value);
int wa_future_result_double(const wa_future *f, double *value);
int wa_future_take_result(wa_future *f, void **ptr);

/** Returns the message f was failed with ("" if none). Owned by f. Does not
 *  suspend. "" for a bad f. */
const char *wa_future_errmsg(const wa_future *f);

/** Waits until f is resolved. May suspend. Returns 0 (read the value with
 *  wa_future_result), f's error code, or WA_ECANCELLED if f was cancelled or
 *  the waiting task was cancelled (which also cancels f, as asyncio does);
 *  WA_EDEADLOCK if f is a task or combiner that already waits on the caller;
 *  WA_EINVAL for a bad f or the caller's own task's future; WA_ENOTASK. f
 *  stays owned by the caller. */
int wa_await_future(wa_future *f);

/* The awaits, the sleeps and wa_yield are compiled into the caller, so that
 * a task suspends from its own frame: under Asyncify that frame is all a
 * suspension unwinds, rewinds and keeps. These are their parts, internal and
 * subject to change: call the functions. A begin answers in one word, so
 * that no variable of the caller's has its address taken (that would give
 * the caller's frame C stack to keep while suspended): the stack to suspend
 * (even), or, when the call is over at once, its result r as (r << 1) | 1.
 * wa__suspend_end gives the result after the suspension. */
struct wa__stack;
int wa__switch_suspend(struct wa__stack *st); /* suspends; 0 once resumed, or an error at once */
int wa__suspend_end(int rc);
uint64_t wa__await_begin(wa_future *f, int of_task);
uint64_t wa__sleep_begin(double t, int until); /* until: t is absolute */
uint64_t wa__yield_begin(void);
WA__INLINE int wa__suspend(uint64_t st) {
    if (st & 1) return (int)(uint32_t)(st >> 1);
    return wa__suspend_end(wa__switch_suspend((struct wa__stack *)(uintptr_t)st));
}
WA__INLINE int wa__await_task(wa_task *t) {
    return wa__suspend(wa__await_begin((wa_future *)(void *)t, 1));  /* a task starts with its future */
}
WA__INLINE int wa__await_future(wa_future *f) { return wa__suspend(wa__await_begin(f, 0)); }
#ifndef WA_NO_SITES
#define wa_await_task(t) wa__await_task(t)
#define wa_await_future(f) wa__await_future(f)
#define WA__AWAIT_TASK wa__await_task
#define WA__AWAIT_FUTURE wa__await_future
#else
#define WA__AWAIT_TASK wa_await_task
#define WA__AWAIT_FUTURE wa_await_future
#endif

/** Await a task or a future: wa_await(t) picks the right function. */
#ifdef __cplusplus
}
WA__INLINE int wa_await(wa_task *t) { return wa_await_task(t); }
WA__INLINE int wa_await(wa_future *f) { return wa_await_future(f); }
extern "C" {
#else
#define wa_await(x) _Generic((x), wa_task *: WA__AWAIT_TASK, wa_future *: WA__AWAIT_FUTURE)(x)
#endif

/** Adds fn(f, arg) to run once f is done, through the loop (never inline); if
 *  f is already done it is scheduled at once. Does not suspend. Returns 0,
 *  WA_EINVAL (a bad f, NULL fn) or WA_ENOMEM. f stays alive until the
 *  callback has run; arg stays owned by the caller. For a task use
 *  wa_task_future(). */
int wa_future_add_done_callback(wa_future *f, void (*fn)(wa_future *f, void *arg),
                                void *arg);

/** Removes every callback added to the pending future f with this fn and
 *  arg. Does not suspend. Returns how many were removed: 0 once f is done
 *  (its callbacks are then already scheduled), WA_EINVAL for a bad f or a
 *  NULL fn. */
int wa_future_remove_done_callback(wa_future *f, void (*fn)(wa_future *f, void *arg),
                                   void *arg);

/** Returns the future that completes with t (a task is a future, as in
 *  asyncio). Borrowed: valid as long as t is. Does not suspend. NULL for a
 *  bad t. */
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

#ifndef WA_NO_SITES                     /* compiled into the caller, as the awaits are */
#define wa_sleep(seconds) wa__suspend(wa__sleep_begin((seconds), 0))
#define wa_sleep_until(when) wa__suspend(wa__sleep_begin((when), 1))
#define wa_yield() wa__suspend(wa__yield_begin())
#endif

/** Returns the loop's monotonic clock in seconds (asyncio's loop.time()).
 *  Does not suspend; needs no loop. */
double wa_time(void);

/* ------------------------------------------------------ combining awaits
 *
 * The functions below take an array of tasks or of futures: wa_gather(),
 * wa_wait() and wa_as_completed() are macros that pick the _tasks or _futures
 * function from the array's type (C11 _Generic; overloads in C++). To mix
 * tasks and futures, put wa_task_future(t) in a future array. The array and
 * the objects in it stay owned by the caller and must stay valid for the call
 * (for wa_as_completed: until wa_as_completed_free). An object may appear more
 * than once; it is then counted once per appearance. An element that is
 * NULL, gone, not a task (not a future), of another loop, or the calling
 * task itself fails the call with WA_EINVAL, naming its position.
 */

/** A timeout that never expires. Timeouts are in seconds on the loop clock;
 *  NaN is rejected with WA_EINVAL. */
#define WA_FOREVER INFINITY

/** wa_gather flag: report each child's error in codes[] instead of failing. */
#define WA_RETURN_EXCEPTIONS 1

/** Waits for every one of the n awaitables (asyncio.gather). May suspend. On
 *  success returns 0 with results[i] holding the i-th one's result, in argument
 *  order (results may be NULL). Without WA_RETURN_EXCEPTIONS, the first child
 *  to fail (in completion order; a cancelled child fails with WA_ECANCELLED)
 *  makes the gather return its code and message at once; the other children
 *  keep running. With WA_RETURN_EXCEPTIONS, it waits for all: codes[i] gets
 *  each child's code (0, its error, or WA_ECANCELLED) and results[i] its result
 *  (0 when it failed); codes must then be non-NULL. Without the flag codes may
 *  be NULL, or gets 0 for each child on success. If the calling task is
 *  cancelled while waiting, every unfinished child is cancelled; the gather
 *  returns WA_ECANCELLED once the first of them ends (with
 *  WA_RETURN_EXCEPTIONS: once all have ended). n == 0 returns 0 at once.
 *  Errors: WA_EINVAL (NULL array with n > 0, a bad element, codes NULL with the
 *  flag, unknown flags), WA_ENOMEM, WA_ENOTASK. results and codes are the
 *  caller's, n long. */
int wa_gather_tasks(wa_task *const *tasks, size_t n, intptr_t *results, int *codes, int flags);
int wa_gather_futures(wa_future *const *futures, size_t n, intptr_t *results, int *codes,
                      int flags);

/** wa_wait's return_when: return as soon as one finishes... */
#define WA_FIRST_COMPLETED 1
/** ...as soon as one fails with an error (cancellation does not count), or
 *  all have finished... */
#define WA_FIRST_EXCEPTION 2
/** ...when all have finished. */
#define WA_ALL_COMPLETED 3

/** Waits until return_when holds or timeout seconds have passed (asyncio.wait).
 *  Never cancels anything: on timeout the unfinished ones keep running. May
 *  suspend. Returns the number of finished ones, d >= 0; done_out[0..d) gets
 *  them and pending_out[0..n-d) the others, each in argument order (either
 *  array may be NULL; each, if given, has room for n). Read each outcome with
 *  wa_task_result / wa_future_result. If the calling task is cancelled,
 *  returns WA_ECANCELLED and the awaited ones keep running. Errors: WA_EINVAL
 *  (n == 0, NULL array, a bad element, NaN timeout, bad return_when),
 *  WA_ENOMEM, WA_ENOTASK. done_out and pending_out are the caller's. */
int wa_wait_tasks(wa_task *const *tasks, size_t n, double timeout, int return_when,
                  wa_task **done_out, wa_task **pending_out);
int wa_wait_futures(wa_future *const *futures, size_t n, double timeout, int return_when,
                    wa_future **done_out, wa_future **pending_out);

/** Awaits aw with a deadline (asyncio.wait_for): if timeout seconds pass first,
 *  aw is cancelled, the call waits for it to finish, and returns WA_ETIMEDOUT
 *  (or aw's outcome if it finished anyway). Otherwise returns aw's outcome, as
 *  wa_await_future does. WA_FOREVER waits without limit; a timeout <= 0 cancels
 *  aw at once unless it is already done. May suspend. aw stays owned by the
 *  caller. Errors as wa_await_future (WA_EINVAL for a bad aw), plus WA_EINVAL
 *  for NaN and WA_ENOMEM. For a task, pass wa_task_future(t). */
int wa_wait_for(wa_future *aw, double timeout);

/** Returns a future that completes with aw's outcome, but whose cancellation
 *  does not cancel aw (asyncio.shield): a task cancelled while awaiting the
 *  shield gets WA_ECANCELLED while aw keeps running. The returned future is
 *  owned by the caller (wa_future_release); aw stays the caller's and may be
 *  released at once: the shield keeps what it needs. Does not suspend. NULL
 *  and wa_errmsg on failure: WA_EINVAL (a bad aw, outside wa_run),
 *  WA_ENOMEM. */
wa_future *wa_shield(wa_future *aw);

/** An iterator over awaitables in the order they finish. */
typedef struct wa_as_completed_iter wa_as_completed_iter;
#ifndef __cplusplus
/** Deprecated: the iterator's old name, which C++ cannot have beside the
 *  wa_as_completed() overloads. Use wa_as_completed_iter. */
typedef wa_as_completed_iter wa_as_completed;
#endif

/** Starts watching the n awaitables (asyncio.as_completed); timeout (seconds
 *  from now, or WA_FOREVER) bounds the whole iteration. Does not suspend.
 *  Returns the iterator, owned by the caller (wa_as_completed_free), or NULL
 *  and wa_errmsg: WA_EINVAL (NULL array with n > 0, a bad element, NaN
 *  timeout, outside wa_run), WA_ENOMEM. */
wa_as_completed_iter *wa_as_completed_tasks(wa_task *const *tasks, size_t n, double timeout);
wa_as_completed_iter *wa_as_completed_futures(wa_future *const *futures, size_t n, double timeout);

/** Waits for the next awaitable to finish. May suspend. Returns 1 and stores
 *  its position in the array in *index; 0 when every one has been returned;
 *  WA_ETIMEDOUT once the timeout has passed and every one that finished
 *  before it has been returned (the rest keep running; later calls also
 *  return WA_ETIMEDOUT); WA_ECANCELLED if the calling task is
 *  cancelled; WA_EINVAL for NULL arguments, a freed iterator or another
 *  object; WA_ENOTASK. index is the caller's. */
int wa_as_completed_next(wa_as_completed_iter *it, size_t *index);

/** Stops watching and frees the iterator. Nothing is cancelled; a
 *  wa_as_completed_next waiting on it in another task returns WA_ECANCELLED.
 *  Does not suspend. Returns 0 (also for NULL), or WA_EINVAL when it was
 *  already freed or is not an iterator. */
int wa_as_completed_free(wa_as_completed_iter *it);

#ifdef __cplusplus
}
WA__INLINE int wa_gather(wa_task *const *a, size_t n, intptr_t *r, int *c, int f) {
    return wa_gather_tasks(a, n, r, c, f);
}
WA__INLINE int wa_gather(wa_future *const *a, size_t n, intptr_t *r, int *c, int f) {
    return wa_gather_futures(a, n, r, c, f);
}
WA__INLINE int wa_wait(wa_task *const *a, size_t n, double t, int w, wa_task **d, wa_task **p) {
    return wa_wait_tasks(a, n, t, w, d, p);
}
WA__INLINE int wa_wait(wa_future *const *a, size_t n, double t, int w, wa_future **d,
                          wa_future **p) {
    return wa_wait_futures(a, n, t, w, d, p);
}
WA__INLINE wa_as_completed_iter *wa_as_completed(wa_task *const *a, size_t n, double t) {
    return wa_as_completed_tasks(a, n, t);
}
WA__INLINE wa_as_completed_iter *wa_as_completed(wa_future *const *a, size_t n, double t) {
    return wa_as_completed_futures(a, n, t);
}
extern "C" {
#else
#define WA__BY_ARRAY(a, tasks_fn, futures_fn)                                   \
    _Generic((a), wa_task **: tasks_fn, wa_task *const *: tasks_fn,           \
             wa_future **: futures_fn, wa_future *const *: futures_fn)
#define wa_gather(a, n, results, codes, flags)                                \
    WA__BY_ARRAY(a, wa_gather_tasks, wa_gather_futures)(a, n, results, codes, flags)
#define wa_wait(a, n, timeout, return_when, done_out, pending_out)            \
    WA__BY_ARRAY(a, wa_wait_tasks, wa_wait_futures)(a, n, timeout, return_when, done_out, \
                                                    pending_out)
#define wa_as_completed(a, n, timeout)                                        \
    WA__BY_ARRAY(a, wa_as_completed_tasks, wa_as_completed_futures)(a, n, timeout)
#endif

/* ---------------------------------------------------------- timeout scopes */

/** A deadline over a block of awaits (asyncio.timeout). */
typedef struct wa_timeout wa_timeout;

/** Opens a timeout scope in the calling task: once delay seconds have passed
 *  (WA_FOREVER: never, until rescheduled; a negative delay is a deadline
 *  already past), the task is cancelled, so the await it is in returns
 *  WA_ECANCELLED; wa_timeout_exit then turns that into WA_ETIMEDOUT. Does not
 *  suspend. Scopes nest and must be exited innermost first, by the task that
 *  opened them:
 *
 *      wa_timeout *tm;
 *      int rc = wa_timeout_enter(2.0, &tm);
 *      if (rc) return rc;
 *      rc = fetch_all();                  // awaits; WA_ECANCELLED at the deadline
 *      rc = wa_timeout_exit(tm, rc);      // WA_ETIMEDOUT if this scope expired
 *      int late = wa_timeout_expired(tm); // still readable after exit
 *      wa_timeout_free(tm);
 *
 *  Stores the scope in *out, owned by the caller: free it with
 *  wa_timeout_free, after exit or instead of it. If the task ends inside a
 *  scope, the scope is closed (its deadline gone) and still needs freeing.
 *  Errors: WA_EINVAL (NULL out, NaN), WA_ENOMEM, WA_ENOTASK. */
int wa_timeout_enter(double delay, wa_timeout **out);

/** Same as wa_timeout_enter with an absolute deadline on the loop clock
 *  (asyncio.timeout_at); a deadline already past expires on the next round,
 *  and wa_timeout_when reports it as given. Does not suspend; the same
 *  errors and ownership. */
int wa_timeout_enter_at(double when, wa_timeout **out);

/** Moves the deadline to when (absolute loop time; WA_FOREVER removes it).
 *  Does not suspend. Returns 0; WA_ESTATE if the scope has already expired
 *  or has been exited; WA_EINVAL for a bad tm (NULL, freed, another object)
 *  or NaN; WA_ENOMEM. */
int wa_timeout_reschedule(wa_timeout *tm, double when);

/** Returns the scope's deadline on the loop clock, or WA_FOREVER; also
 *  after exit. Does not suspend. NaN for a bad tm. */
double wa_timeout_when(const wa_timeout *tm);

/** Returns nonzero once the deadline has passed and the task was cancelled;
 *  also after exit (asyncio's Timeout.expired()). Does not suspend. 0 for a
 *  bad tm. */
int wa_timeout_expired(const wa_timeout *tm);

/** Closes the scope; it stays readable until wa_timeout_free. Does not
 *  suspend. rc is the outcome of the block: returns WA_ETIMEDOUT if this
 *  scope expired and rc is the WA_ECANCELLED that the expiry caused (its
 *  cancellation request is withdrawn); otherwise returns rc unchanged.
 *  Returns WA_EINVAL if tm is bad, already exited, not the calling
 *  task's innermost scope, or called from another task (tm is then left
 *  open); WA_ENOTASK outside a task. */
int wa_timeout_exit(wa_timeout *tm, int rc);

/** Frees a scope. Does not suspend. A scope still open is closed first
 *  (withdrawing its cancellation if it expired), which only the task that
 *  opened it can do, innermost first. Returns 0 (also for NULL), or WA_EINVAL
 *  for an open scope that is not the running task's innermost one (it is
 *  then left as it was), and for a scope already freed or another object. */
int wa_timeout_free(wa_timeout *tm);

/* ------------------------------------------------------------- task groups */

/** A scope that owns the tasks started in it (asyncio.TaskGroup). */
typedef struct wa_task_group wa_task_group;

/** Opens a task group in the calling task, stored in *out (owned by the
 *  runtime, which frees it in wa_task_group_exit). Does not suspend.
 *  Errors: WA_EINVAL (NULL out), WA_ENOMEM, WA_ENOTASK. */
int wa_task_group_enter(wa_task_group **out);

/** Starts fn(arg) as a task of the group, as wa_create_task does (the caller
 *  gets one reference; releasing it at once is fine). When a task of the
 *  group fails (cancellation is not a failure), every other task of the group
 *  is cancelled, and so is the task that opened the group, so that its body
 *  reaches wa_task_group_exit early. Does not suspend. Returns NULL and sets
 *  wa_errmsg: WA_EINVAL for a bad g (NULL, exited, another object) or a NULL
 *  fn; WA_ESTATE once the group is shutting down after a failure or its
 *  tasks have ended; WA_ENOMEM. */
wa_task *wa_task_group_create_task(wa_task_group *g, wa_fn fn, void *arg);

/** Closes the group: waits until every task of it has finished, then frees
 *  the group. May suspend. rc is the outcome of the group's body; a failure
 *  there (other than WA_ECANCELLED) cancels the group's tasks, as a task
 *  failure does. Returns 0 if nothing failed; otherwise the code of the first
 *  failure (in the order they happened; the body's own error counts last),
 *  with a message in wa_errmsg() listing every failure as "name: message";
 *  WA_ECANCELLED if the opening task was cancelled from outside (and nothing
 *  failed). A cancellation of the opening task while it waits here cancels
 *  the group's tasks. Must be called exactly once per group, by the task that
 *  opened it; WA_EINVAL otherwise (a bad g, an exited one, another task, not
 *  the innermost group); WA_ENOTASK. */
int wa_task_group_exit(wa_task_group *g, int rc);

/* ------------------------------------------------------------ synchronisation
 *
 * asyncio's primitives. Each is a long-lived object made with _new and freed
 * with _free by its owner (freeing one that tasks wait on wakes them with
 * WA_ESTATE). They are not tied to a loop. Waiting tasks are served first in,
 * first out: a lock or semaphore unit given back while tasks wait goes to the
 * first of them, and no task arriving later can take it first.
 *
 * Cancellation while waiting: the wait returns WA_ECANCELLED and leaves the
 * primitive as if the task had never waited. A task cancelled after its wait
 * was satisfied but before it ran again keeps what it got (the lock, the
 * unit, the item) and gets the cancellation at its next await instead.
 *
 * The functions that wait may suspend and need a task (WA_ENOTASK
 * elsewhere); the others do not suspend and may be called from anywhere on
 * the loop's thread. The _new functions return an object owned by the
 * caller; the _free functions end that ownership. Every function returning
 * an error returns WA_EINVAL for a NULL, freed or foreign object (see the
 * conventions at the top); getters then return 0. */

/** A mutual exclusion lock (asyncio.Lock); not owned by a task: any task may
 *  release it. */
typedef struct wa_lock wa_lock;

/** Creates an unlocked lock, owned by the caller (wa_lock_free); NULL and
 *  WA_ENOMEM on failure. Does not suspend. */
wa_lock *wa_lock_new(void);

/** Frees l; tasks waiting for it wake with WA_ESTATE. Does not suspend.
 *  Returns 0 (also for NULL), or WA_EINVAL when l was already freed. */
int wa_lock_free(wa_lock *l);

/** Takes the lock, waiting while another holds it. May suspend. Returns 0
 *  once held, WA_ECANCELLED, WA_ESTATE if l is freed meanwhile, WA_EINVAL,
 *  WA_ENOTASK. */
int wa_lock_acquire(wa_lock *l);

/** Gives the lock back (to the first waiter if any). Does not suspend.
 *  Returns 0, WA_ESTATE if it is not held, WA_EINVAL. */
int wa_lock_release(wa_lock *l);

/** Returns nonzero while the lock is held. Does not suspend. 0 for a bad l. */
int wa_lock_locked(const wa_lock *l);

/** A flag tasks can wait for (asyncio.Event). */
typedef struct wa_event wa_event;

/** Creates a clear event, owned by the caller (wa_event_free); NULL on
 *  WA_ENOMEM. Does not suspend. */
wa_event *wa_event_new(void);

/** Frees e; tasks waiting for it wake with WA_ESTATE. Does not suspend.
 *  Returns 0 (also for NULL), or WA_EINVAL when e was already freed. */
int wa_event_free(wa_event *e);

/** Waits until the event is set; returns at once if it is. May suspend.
 *  Returns 0, WA_ECANCELLED, WA_ESTATE if e is freed meanwhile, WA_EINVAL,
 *  WA_ENOTASK. */
int wa_event_wait(wa_event *e);

/** Sets the event and wakes every waiter. Does not suspend. Returns 0 or
 *  WA_EINVAL. */
int wa_event_set(wa_event *e);

/** Clears the event: later waits wait again. Does not suspend. Returns 0 or
 *  WA_EINVAL. */
int wa_event_clear(wa_event *e);

/** Returns nonzero while the event is set. Does not suspend. 0 for a bad e. */
int wa_event_is_set(const wa_event *e);

/** A condition variable over a lock (asyncio.Condition). */
typedef struct wa_condition wa_condition;

/** Creates a condition using lock (borrowed: it must outlive the condition),
 *  or with NULL a lock of its own (freed with it). Owned by the caller
 *  (wa_condition_free). Does not suspend. NULL on WA_ENOMEM, or WA_EINVAL
 *  for a freed lock or another object. */
wa_condition *wa_condition_new(wa_lock *lock);

/** Frees c (and its own lock); tasks waiting in wa_condition_wait wake
 *  with WA_ESTATE. Does not suspend. Returns 0 (also for NULL), or
 *  WA_EINVAL when c was already freed. */
int wa_condition_free(wa_condition *c);

/** Returns the condition's lock, to acquire and release. Borrowed. Does not
 *  suspend. NULL for a bad c. */
wa_lock *wa_condition_lock(wa_condition *c);

/** With the lock held: releases it, waits for a notify, and takes the lock
 *  back before returning, whatever happened (also when cancelled). May
 *  suspend. Returns 0 once notified, WA_ECANCELLED, WA_ESTATE if the lock is
 *  not held or if c is freed while the task waits (the lock is then not
 *  taken back), WA_ENOTASK; WA_EINVAL if c or its borrowed lock was freed. */
int wa_condition_wait(wa_condition *c);

/** Waits (as wa_condition_wait) until predicate(arg) returns nonzero; checks
 *  it first. May suspend. Returns 0, or the first error of a wait; WA_EINVAL
 *  also for a NULL predicate. arg stays the caller's. */
int wa_condition_wait_for(wa_condition *c, int (*predicate)(void *arg), void *arg);

/** With the lock held, wakes up to n waiters, in the order they waited.
 *  Does not suspend. Returns 0, WA_ESTATE if the lock is not held, or
 *  WA_EINVAL (c or its borrowed lock bad). */
int wa_condition_notify(wa_condition *c, size_t n);

/** Wakes every waiter; same rules as wa_condition_notify (does not suspend). */
int wa_condition_notify_all(wa_condition *c);

/** A counting semaphore (asyncio.Semaphore, BoundedSemaphore). */
typedef struct wa_semaphore wa_semaphore;

/** Creates a semaphore with value free units, owned by the caller
 *  (wa_semaphore_free); NULL on WA_ENOMEM. Does not suspend. */
wa_semaphore *wa_semaphore_new(size_t value);

/** Same as wa_semaphore_new, bounded: releasing more units than value is an
 *  error (WA_ESTATE). */
wa_semaphore *wa_bounded_semaphore_new(size_t value);

/** Frees s; tasks waiting for a unit wake with WA_ESTATE. Does not
 *  suspend. Returns 0 (also for NULL), or WA_EINVAL when s was already
 *  freed. */
int wa_semaphore_free(wa_semaphore *s);

/** Takes a unit, waiting while none is free. May suspend. Returns 0,
 *  WA_ECANCELLED, WA_ESTATE if s is freed meanwhile, WA_EINVAL, WA_ENOTASK. */
int wa_semaphore_acquire(wa_semaphore *s);

/** Gives a unit back (to the first waiter if any). Does not suspend.
 *  Returns 0, WA_ESTATE when a bounded semaphore would exceed its initial
 *  value, or WA_EINVAL. */
int wa_semaphore_release(wa_semaphore *s);

/** Returns nonzero when no unit is free. Does not suspend. 0 for a bad s. */
int wa_semaphore_locked(const wa_semaphore *s);

/** Returns the number of free units. Does not suspend. 0 for a bad s. */
size_t wa_semaphore_value(const wa_semaphore *s);

/** A barrier for a number of parties (asyncio.Barrier). */
typedef struct wa_barrier wa_barrier;

/** Creates a barrier for parties tasks (at least 1), owned by the caller
 *  (wa_barrier_free). Does not suspend. NULL and WA_EINVAL (parties 0) or
 *  WA_ENOMEM on failure. */
wa_barrier *wa_barrier_new(size_t parties);

/** Frees b; tasks waiting on it wake with WA_ESTATE. Does not suspend.
 *  Returns 0 (also for NULL), or WA_EINVAL when b was already freed. */
int wa_barrier_free(wa_barrier *b);

/** Waits until parties tasks are waiting, then releases them all. May
 *  suspend. A task arriving while released tasks have not all resumed yet
 *  (the barrier is draining) or while a reset is under way waits for that to
 *  end first, so cycles never mix. On success stores the task's arrival
 *  position (0 to parties-1) in *index (index may be NULL). Returns 0;
 *  WA_EBROKEN if the barrier is broken, or is reset or aborted while the task
 *  waits or after it was released but before it resumed; WA_ECANCELLED (the
 *  task then no longer counts as waiting); WA_ESTATE if b is freed while it
 *  waits; WA_ENOTASK; WA_EINVAL for a bad b. index is the caller's. */
int wa_barrier_wait(wa_barrier *b, size_t *index);

/** Wakes the waiting tasks with WA_EBROKEN and returns the barrier to empty
 *  and unbroken once they have left; new arrivals wait until then. Does not
 *  suspend. Returns 0, or WA_EINVAL for a bad b. */
int wa_barrier_reset(wa_barrier *b);

/** Breaks the barrier: waiting tasks, released tasks that have not resumed
 *  yet, and every later wait get WA_EBROKEN until wa_barrier_reset. Does not
 *  suspend. Returns 0, or WA_EINVAL for a bad b. */
int wa_barrier_abort(wa_barrier *b);

/** Returns the number of parties. Does not suspend. 0 for a bad b. */
size_t wa_barrier_parties(const wa_barrier *b);

/** Returns how many tasks are waiting for the barrier to fill (0 while it
 *  drains, resets or is broken, as asyncio's n_waiting). Does not suspend. 0
 *  for a bad b. */
size_t wa_barrier_n_waiting(const wa_barrier *b);

/** Returns nonzero while the barrier is broken. Does not suspend. 0 for a
 *  bad b. */
int wa_barrier_broken(const wa_barrier *b);

/* ------------------------------------------------------------------ queues
 *
 * asyncio.Queue, LifoQueue and PriorityQueue, holding intptr_t items (a
 * number, or a pointer whose target the caller owns). A queue with maxsize 0
 * is unbounded. Getters and putters wait in FIFO order, and an item meets a
 * waiting getter directly. Shutdown follows Python 3.13: puts fail with
 * WA_ESHUTDOWN; gets drain what is left, then fail with WA_ESHUTDOWN. */

/** A queue. */
typedef struct wa_queue wa_queue;

/** Creates a first-in first-out queue, owned by the caller (wa_queue_free);
 *  NULL on WA_ENOMEM. Does not suspend. */
wa_queue *wa_queue_new(size_t maxsize);

/** Creates a last-in first-out queue (a stack); as wa_queue_new. */
wa_queue *wa_lifo_queue_new(size_t maxsize);

/** Creates a priority queue: get returns the item that compare orders first
 *  (compare(a, b) < 0: a before b); items that compare equal come out in the
 *  order they were put. As wa_queue_new; a NULL compare fails with
 *  WA_EINVAL. */
wa_queue *wa_priority_queue_new(size_t maxsize, int (*compare)(intptr_t a, intptr_t b));

/** Frees q: tasks still waiting on it wake with WA_ESTATE, and items still
 *  queued are dropped (take them out first if they own memory). Does not
 *  suspend. Returns 0 (also for NULL), or WA_EINVAL when q was already
 *  freed. Every other function below returns WA_EINVAL for a bad q (NULL,
 *  freed, another object), and its getters, which do not suspend, read it
 *  as empty (0 items, maxsize 0, not full) and shut down. */
int wa_queue_free(wa_queue *q);

/** Puts item, waiting while the queue is full. May suspend. Returns 0,
 *  WA_ESHUTDOWN, WA_ECANCELLED (the item was not put), WA_ESTATE if q is
 *  freed meanwhile, WA_ENOMEM, WA_EINVAL, WA_ENOTASK. */
int wa_queue_put(wa_queue *q, intptr_t item);

/** Puts item without waiting. Does not suspend. Returns 0, WA_EFULL,
 *  WA_ESHUTDOWN, WA_ENOMEM, WA_EINVAL. */
int wa_queue_put_nowait(wa_queue *q, intptr_t item);

/** Takes the next item into *item, waiting while the queue is empty. May
 *  suspend. Returns 0, WA_ESHUTDOWN once shut down and empty, WA_ECANCELLED
 *  (no item was taken), WA_ESTATE if q is freed meanwhile, WA_EINVAL (also
 *  for a NULL item), WA_ENOTASK. item is the caller's. */
int wa_queue_get(wa_queue *q, intptr_t *item);

/** Takes the next item without waiting. Does not suspend. Returns 0,
 *  WA_EEMPTY, WA_ESHUTDOWN (shut down and empty), WA_EINVAL (also for a
 *  NULL item). */
int wa_queue_get_nowait(wa_queue *q, intptr_t *item);

/** Marks one item taken by a get as processed (Queue.task_done). Does not
 *  suspend. Returns 0, WA_ESTATE if called more times than items were put,
 *  WA_EINVAL. */
int wa_queue_task_done(wa_queue *q);

/** Waits until every item put has been marked done (Queue.join). May
 *  suspend. Returns 0, WA_ECANCELLED, WA_ESTATE if q is freed meanwhile,
 *  WA_EINVAL, WA_ENOTASK. */
int wa_queue_join(wa_queue *q);

/** Shuts the queue down (Python 3.13): waiting putters and getters wake with
 *  WA_ESHUTDOWN, later puts fail; with immediate nonzero the queued items are
 *  dropped too (and count as done for join). Does not suspend. Returns 0 or
 *  WA_EINVAL. */
int wa_queue_shutdown(wa_queue *q, int immediate);

/** Returns the number of items queued. Does not suspend. 0 for a bad q. */
size_t wa_queue_qsize(const wa_queue *q);

/** Returns the queue's maxsize (0: unbounded). Does not suspend.
 *  0 for a bad q. */
size_t wa_queue_maxsize(const wa_queue *q);

/** Returns nonzero when the queue holds no item. Does not suspend.
 *  1 for a bad q. */
int wa_queue_empty(const wa_queue *q);

/** Returns nonzero when a bounded queue holds maxsize items. Does not suspend.
 *  0 for a bad q. */
int wa_queue_full(const wa_queue *q);

/** Returns nonzero once wa_queue_shutdown was called. Does not suspend.
 *  1 for a bad q. */
int wa_queue_is_shut_down(const wa_queue *q);

/* -------------------------------------------------- coroutines, generators
 *
 * Lua-style coroutine objects, outside the event loop: created suspended,
 * run by wa_coro_resume until the body calls wa_coro_yield or returns. They
 * are the seeds' greenlet and yield/send generators in C. A coroutine runs on
 * a stack of its own (64 KiB in wasm, 256 KiB natively), so it may be resumed
 * from main, a task, a callback or another coroutine; it cannot await (its
 * awaits fail with WA_ENOTASK), since only tasks suspend on the loop. */

/** A coroutine object. */
typedef struct wa_coro wa_coro;

/** A coroutine's body: gets arg and the value of the first resume; its
 *  return value is what the last resume receives. */
typedef intptr_t (*wa_coro_fn)(void *arg, intptr_t in);

/** Coroutine states, as Lua's coroutine.status names them. */
typedef enum wa_coro_state {
    WA_CORO_SUSPENDED = 0,   /**< not started, or stopped in wa_coro_yield */
    WA_CORO_RUNNING = 1,     /**< its body is executing */
    WA_CORO_NORMAL = 2,      /**< it resumed another coroutine, which runs */
    WA_CORO_DEAD = 3         /**< its body returned */
} wa_coro_state;

/** Creates a suspended coroutine running fn(arg, in) once resumed. Owned by
 *  the caller (wa_coro_free); arg stays the caller's. Does not suspend. NULL
 *  and wa_errmsg on failure: WA_EINVAL (NULL fn), WA_ENOMEM. */
wa_coro *wa_coro_new(wa_coro_fn fn, void *arg);

/** Frees co. A coroutine suspended inside its body is dropped there: the
 *  rest of the body never runs (free what it holds before). Does not
 *  suspend. Returns 0 (also for NULL), or WA_EINVAL when co was already
 *  freed or is running (or resumed the one running). */
int wa_coro_free(wa_coro *co);

/** Runs co until it yields or returns, passing in (the first resume's in is
 *  the body's argument; later ones are what wa_coro_yield gives back). Does
 *  not suspend the calling task (co's body runs on its own stack meanwhile).
 *  Returns 1 when it yielded and 0 when its body returned, storing the
 *  yielded or returned value in *out (out may be NULL); WA_ESTATE for a dead
 *  coroutine, WA_EINVAL for a running or normal one, WA_ENOMEM if its state
 *  could not be kept (it is then dead); WA_EINVAL for NULL, a freed one or
 *  another object. out is the caller's. */
int wa_coro_resume(wa_coro *co, intptr_t in, intptr_t *out);

/** In a coroutine's body: suspends it, handing value to its resumer, until
 *  the next wa_coro_resume, whose in is stored in *in (in may be NULL). It
 *  switches coroutines and does not suspend a task. Returns 0, WA_ESTATE
 *  outside a coroutine, WA_ENOSUSPEND under a JS frame. */
int wa_coro_yield(intptr_t value, intptr_t *in);

/** Returns co's state. Does not suspend. WA_CORO_DEAD for a bad co (NULL,
 *  freed, another object). */
wa_coro_state wa_coro_status(const wa_coro *co);

/** Returns the coroutine whose body is running, or NULL. Borrowed. Does not
 *  suspend. */
wa_coro *wa_coro_running(void);

/** A generator is a coroutine driven by next and send (Python's generators):
 *  `for (intptr_t v = 0; wa_gen_next(g, &v) == 1;)` visits every yielded value. */
typedef wa_coro wa_gen;

/** Creates a generator; the body calls wa_gen_yield for each value. As
 *  wa_coro_new. */
WA__INLINE wa_gen *wa_gen_new(wa_coro_fn fn, void *arg) { return wa_coro_new(fn, arg); }

/** Next value (next(gen)): 1 and *value, or 0 once the body returned (*value
 *  then holds its return value), or an error as wa_coro_resume (which it
 *  is: it does not suspend the task; WA_EINVAL for a bad g). */
WA__INLINE int wa_gen_next(wa_gen *g, intptr_t *value) { return wa_coro_resume(g, 0, value); }

/** gen.send(in): resumes with in as wa_gen_yield's result; as wa_gen_next. */
WA__INLINE int wa_gen_send(wa_gen *g, intptr_t in, intptr_t *value) {
    return wa_coro_resume(g, in, value);
}

/** In a generator's body: yield value; *sent gets what the next send passed
 *  (0 for wa_gen_next). sent may be NULL. As wa_coro_yield. */
WA__INLINE int wa_gen_yield(intptr_t value, intptr_t *sent) { return wa_coro_yield(value, sent); }

/** Frees g, as wa_coro_free, and returns what it returns. */
WA__INLINE int wa_gen_free(wa_gen *g) { return wa_coro_free(g); }

/* --------------------------------------------------------------- executors
 *
 * Blocking work off the loop (loop.run_in_executor, asyncio.to_thread). The
 * work runs on a pool of threads natively and in emscripten builds made with
 * threads (wa-cc --threads; browsers need cross-origin isolation), while the
 * loop goes on serving tasks and timers. On hosts without threads (WASI,
 * whose wasi-libc has none, and emscripten builds without --threads) the
 * work runs on the loop's own thread on the next loop round, blocking the
 * loop until it returns: wa_executor_has_threads() tells which, and debug
 * mode warns once. Work functions run on another thread: they must not call
 * wasyncio functions, and what they share with tasks is theirs to guard. */

/** A pool of threads for blocking work (concurrent.futures.ThreadPoolExecutor). */
typedef struct wa_executor wa_executor;

/** Blocking work: returns 0 and stores its result in *result, or returns a
 *  nonzero error code. Runs on an executor thread. */
typedef int (*wa_work_fn)(void *arg, intptr_t *result);

/** Creates an executor of up to threads threads (0: one per core), started as
 *  work needs them. Owned by the caller (wa_executor_free); NULL on WA_ENOMEM.
 *  Does not suspend. Each loop has a default one, made on first use and shut
 *  down by wa_loop_close (and so by wa_run). */
wa_executor *wa_executor_new(size_t threads);

/** Shuts ex down and frees it: waits (blocking the calling thread, without
 *  suspending) until the work already submitted has run, then joins the
 *  threads. Their results still reach their futures. Returns 0 (also for
 *  NULL), or WA_EINVAL when ex was already freed or is another object. */
int wa_executor_free(wa_executor *ex);

/** Runs fn(arg) on ex (NULL: the running loop's default executor) and
 *  returns a future for its outcome, owned by the caller (wa_future_release):
 *  the result, or fn's error code. Cancelling the future does not stop the
 *  work (a thread cannot be interrupted); its outcome is then dropped. The
 *  loop waits for work in flight before it closes. Does not suspend. arg
 *  stays the caller's and must outlive the work. NULL and wa_errmsg on
 *  failure: WA_EINVAL (NULL fn, no running loop, an ex freed or of another
 *  type), WA_ESTATE (ex is shutting down), WA_ENOMEM. */
wa_future *wa_run_in_executor(wa_executor *ex, wa_work_fn fn, void *arg);

/** `await asyncio.to_thread(fn, arg)`: runs fn(arg) on the default executor
 *  and waits for it. May suspend. Returns 0 with the result in *result
 *  (result may be NULL, else the caller's), fn's error, WA_ECANCELLED (the
 *  work goes on, its result dropped), WA_ENOTASK, or the errors of
 *  wa_run_in_executor (WA_EINVAL for a NULL fn). */
int wa_to_thread(wa_work_fn fn, void *arg, intptr_t *result);

/** Returns nonzero where executors run work on threads of their own, zero
 *  where the work runs on the loop's thread. Does not suspend. */
int wa_executor_has_threads(void);

/* ------------------------------------------------------------ descriptors */

/** Reads up to cap bytes from the file descriptor fd (stdin, a pipe, a
 *  file) into buf, first waiting without blocking the loop until fd is
 *  readable: other tasks and timers go on meanwhile. May suspend. Returns 0
 *  with *got bytes read (0 at the end of input), WA_EIO, WA_ECANCELLED (nothing
 *  was read), WA_ENOTSUP on JS hosts (read files there with wa_fetch and
 *  file: URLs), WA_EINVAL (fd < 0, NULL got, NULL buf with cap > 0),
 *  WA_ENOTASK. buf and got are the caller's; buf need not outlive a
 *  suspension: the bytes are read after the wait. On WASI the wait
 *  is poll_oneoff; natively poll. */
int wa_read(int fd, void *buf, size_t cap, size_t *got);

/* ------------------------------------------------------------------ streams
 *
 * asyncio's streams over TCP: one wa_stream is a connection's StreamReader
 * and StreamWriter at once. Bytes that arrive are read into the stream's
 * buffer and reads take them from there, suspending while it holds less than
 * they need; a read that fails or is cancelled leaves every byte already
 * received in the buffer for the next one. Writes never suspend: what the
 * socket does not take at once waits in the stream's write buffer, which the
 * loop sends in the background; wa_stream_drain suspends while that buffer
 * is over its high-water mark, so a peer that does not read holds the writer
 * back and memory stays bounded. Natively the sockets are non-blocking
 * descriptors the loop polls (IPv4 and IPv6). On WASI a program serves on
 * sockets its runner preopens (`wasmtime run --tcplisten`, `wa-run
 * --tcplisten`) and cannot connect out (preview1 has no connect:
 * WA_ENOTSUP). In node they are node's net sockets.
 *
 * WebSockets: browsers have no TCP, so there wa_open_connection takes a
 * ws:// or wss:// URL as host and opens a WebSocket (node too, where it has
 * WebSocket: from version 22; other hosts answer WA_ENOTSUP). Each write
 * goes as binary messages; the bytes of every message received (binary, or
 * text as UTF-8) join the stream in order, so reads work as over TCP. port 0
 * keeps the URL's port; another replaces it. A close by the peer with code
 * 1000, 1001 or 1005 is the end of the stream; any other close after the
 * socket opened is WA_ERESET once the bytes before it are read; failing to
 * open is WA_ECONNECT. The browser takes bytes from the stream's buffer
 * while it holds under 256 KiB unsent (bufferedAmount), so drain's marks
 * apply to the buffer on top of that. Receiving has no backpressure: the
 * WebSocket API cannot pause, so what the peer sends waits in JS until C
 * reads it, however much. There is no half-close (wa_stream_write_eof is
 * WA_ENOTSUP), the peer's address is the URL's host and port and the local
 * one is unknown (WA_ENOTSUP); pages cannot serve (wa_start_server is
 * WA_ENOTSUP). */

/** A TCP (or WebSocket) connection: reader and writer. */
typedef struct wa_stream wa_stream;
/** A listening socket whose connections each run a handler task. */
typedef struct wa_server wa_server;

/** Default limit of wa_stream_readline and wa_stream_readuntil (asyncio's). */
#define WA_STREAM_LIMIT (64 * 1024)
/** Default write-buffer marks: drain waits above HIGH until at or below LOW. */
#define WA_STREAM_HIGH_WATER (64 * 1024)
#define WA_STREAM_LOW_WATER (16 * 1024)

/** `asyncio.open_connection(host, port)`: connects to host:port (a name or
 *  a numeric IPv4 or IPv6 address; or a ws:// or wss:// URL, see above) and
 *  sets *out to the connected stream, owned by the caller (wa_stream_free).
 *  timeout > 0 bounds the connect, in seconds. May suspend. Returns 0,
 *  WA_ECONNECT (refused, unreachable, unknown name, the WebSocket handshake
 *  failed; wa_errmsg says which), WA_ETIMEDOUT, WA_ECANCELLED, WA_ENOTSUP
 *  (WASI; browsers but for ws: URLs; ws: URLs without WebSocket), WA_EINVAL
 *  (NULL host or out, port outside 0-65535, a URL but ws: or wss:),
 *  WA_ENOMEM, WA_ENOTASK. *out is NULL on failure. */
int wa_open_connection(const char *host, int port, double timeout, wa_stream **out);

/** `reader.read(n)`: reads at most cap bytes into buf, suspending until at
 *  least one byte is there or the peer has ended. May suspend. Returns 0 with
 *  *got bytes (0 only at the end of the stream), WA_ERESET (the connection
 *  was lost), WA_ECANCELLED, WA_ESTATE (the stream is closed), WA_EINVAL,
 *  WA_ENOMEM, WA_ENOTASK. buf and got stay the caller's. */
int wa_stream_read(wa_stream *s, void *buf, size_t cap, size_t *got);

/** `reader.readexactly(n)`: reads exactly n bytes into buf. May suspend.
 *  Returns 0; WA_ETRUNCATED (IncompleteReadError) when the stream ends
 *  first: the bytes that did come stay in the buffer (wa_stream_buffered,
 *  then wa_stream_read takes them); or the errors of wa_stream_read. */
int wa_stream_readexactly(wa_stream *s, void *buf, size_t n);

/** `reader.readuntil(separator)`: reads up to and including the first
 *  sep_len-byte separator sep into buf and sets *got. The line may be at most
 *  cap bytes and at most the stream's limit (WA_STREAM_LIMIT unless set).
 *  May suspend. Returns 0; WA_ETOOBIG (LimitOverrunError) when no separator
 *  comes within the limit, WA_ETRUNCATED (IncompleteReadError) when the
 *  stream ends before one: in both cases the bytes stay in the buffer; or
 *  the errors of wa_stream_read. */
int wa_stream_readuntil(wa_stream *s, const void *sep, size_t sep_len, void *buf, size_t cap, size_t *got);

/** `reader.readline()`: wa_stream_readuntil with "\n", except that at the
 *  end of the stream it returns what is left (*got 0 once nothing is). */
int wa_stream_readline(wa_stream *s, void *buf, size_t cap, size_t *got);

/** Bytes received and not yet read. Does not suspend. 0 for a bad s. */
size_t wa_stream_buffered(const wa_stream *s);

/** `reader.at_eof()`: nonzero when the peer has ended and every byte has
 *  been read. Does not suspend. 0 for a bad s. */
int wa_stream_at_eof(const wa_stream *s);

/** `writer.write(data)`: sends len bytes of data, what the socket does not
 *  take at once later, in order, from the stream's buffer (the bytes are
 *  copied: data stays the caller's). Does not suspend. Returns 0, WA_ERESET
 *  (the connection was lost: nothing more will go), WA_ESTATE (after
 *  wa_stream_write_eof or wa_stream_close), WA_EINVAL, WA_ENOMEM. */
int wa_stream_write(wa_stream *s, const void *data, size_t len);

/** Bytes written and not yet taken by the socket. Does not suspend. */
size_t wa_stream_write_buffered(const wa_stream *s);

/** `await writer.drain()`: suspends while the write buffer holds more than
 *  the high-water mark, until it is at or below the low one. May suspend.
 *  Returns 0, WA_ERESET (the connection was lost), WA_ECANCELLED (nothing
 *  written is lost: it still goes), WA_EINVAL, WA_ENOMEM, WA_ENOTASK. */
int wa_stream_drain(wa_stream *s);

/** Sets the limit of readline/readuntil and the write-buffer marks (0 keeps
 *  one; low must not exceed high). Does not suspend. Returns 0 or WA_EINVAL. */
int wa_stream_set_limits(wa_stream *s, size_t read_limit, size_t high_water, size_t low_water);

/** `writer.write_eof()`: once the write buffer is sent, ends this side of
 *  the connection; the peer reads its end, and this side can still read.
 *  Does not suspend. Returns 0, WA_ESTATE (already ended or closed),
 *  WA_ERESET, WA_ENOTSUP (a WebSocket: nothing changes), WA_EINVAL. */
int wa_stream_write_eof(wa_stream *s);

/** `writer.close()`: closes the stream once its write buffer is sent (or
 *  the connection is lost); reads and writes after it are WA_ESTATE, and a
 *  task waiting to read resumes with WA_ESTATE. Does not suspend. Returns 0
 *  (also when already closing) or WA_EINVAL. */
int wa_stream_close(wa_stream *s);

/** `await writer.wait_closed()`: suspends until the stream is closed, its
 *  buffer sent. Closes it first if wa_stream_close was not called. May
 *  suspend. Returns 0, WA_ERESET (the connection was lost before the buffer
 *  went), WA_ECANCELLED, WA_EINVAL, WA_ENOTASK. */
int wa_stream_wait_closed(wa_stream *s);

/** Frees s, closing the socket at once if it is still open (unsent bytes
 *  are dropped: wa_stream_wait_closed first to send them). Not for a stream
 *  a server handed to its handler: the server frees those. Does not
 *  suspend. Returns 0, or WA_EINVAL (already freed, another object, a
 *  server's stream, a task still waiting on it). NULL is 0. */
int wa_stream_free(wa_stream *s);

/** `writer.get_extra_info("peername"/"sockname")`: the peer's (peer != 0)
 *  or the local address of s as text into buf (cap bytes; 46 hold any) and
 *  its port into *port (port may be NULL). Does not suspend. Returns 0,
 *  WA_ERESET (no peer any more), WA_ESTATE (s is closed), WA_ENOTSUP (WASI
 *  knows no addresses; a WebSocket's local one), WA_EINVAL (a bad s, NULL
 *  buf, buf too small). A WebSocket's peer is its URL's host and port. */
int wa_stream_address(const wa_stream *s, int peer, char *buf, size_t cap, int *port);

/** A server's handler: runs as a task for each connection with its stream,
 *  which the server closes (sending what is left of it) and frees once the
 *  handler returns. Its return value is the task's: an error code fails the
 *  task (debug mode reports it) and the server goes on. */
typedef int (*wa_stream_fn)(wa_stream *s, void *arg);

/** `asyncio.start_server(handler, host, port, backlog=backlog)`: listens
 *  on host:port (NULL or "": every local address; port 0: any free port,
 *  wa_server_port tells which) and runs handler(stream, arg) as a task for
 *  each connection. backlog <= 0 means 100. Sets *out to the server, owned
 *  by the caller (wa_server_free). On WASI it serves on the next socket the
 *  runner preopened, whatever host and port say. Natively and on WASI it
 *  does not suspend; in node it suspends until the socket is bound (node
 *  binds asynchronously), so there it must be called from a task
 *  (WA_ENOTASK otherwise). Returns 0, WA_ECONNECT (the address is taken or
 *  unknown), WA_ENOTSUP (browsers), WA_EINVAL (NULL handler or out, port
 *  outside 0-65535, no running loop), WA_ENOMEM. arg stays the caller's and
 *  must outlive the server. */
int wa_start_server(wa_stream_fn handler, void *arg, const char *host, int port, int backlog, wa_server **out);

/** The port srv listens on. Does not suspend. 0 for a bad srv (and on WASI,
 *  where the runner chose it). */
int wa_server_port(const wa_server *srv);

/** Connections srv's handlers are serving now. Does not suspend. */
size_t wa_server_connections(const wa_server *srv);

/** `server.close()`: stops listening; handlers already running go on.
 *  Does not suspend. Returns 0 (also when already closed) or WA_EINVAL. */
int wa_server_close(wa_server *srv);

/** `await server.wait_closed()`: suspends until srv is closed (by
 *  wa_server_close, or serve_forever cancelled) and every handler has returned
 *  and its stream is closed. May suspend. Returns 0, WA_ECANCELLED (also when
 *  srv is freed meanwhile), WA_EINVAL, WA_ENOTASK. */
int wa_server_wait_closed(wa_server *srv);

/** `await server.serve_forever()`: suspends until the calling task is
 *  cancelled, then closes srv and returns WA_ECANCELLED (handlers go on:
 *  wa_server_wait_closed waits for them). May suspend. Returns WA_ECANCELLED,
 *  WA_EINVAL, WA_ENOTASK. */
int wa_server_serve_forever(wa_server *srv);

/** Frees srv: closes it if it is not, cancels the handlers still running
 *  and frees their streams as they end. Does not suspend. Returns 0, or
 *  WA_EINVAL (already freed, another object). NULL is 0. */
int wa_server_free(wa_server *srv);

/* --------------------------------------------------------------- HTTP client
 *
 * fetch from C: in browsers over the page's fetch; natively and in node
 * (http: URLs) over the runtime's HTTP/1.1 client on the streams, which
 * keeps idle connections per loop (keep-alive) and sends a request that may
 * be repeated (GET, HEAD, PUT, DELETE, OPTIONS) once more on a new
 * connection when a kept one turns out closed. https: needs a JS host (TLS
 * is not built in: WA_ENOTSUP elsewhere; node fetches it with undici). On
 * WASI, whose preview1 cannot connect out, http: fails with WA_ENOTSUP. data: URLs work on
 * every host; file: URLs natively, on WASI (paths in the directories the
 * runner preopens) and in node. A response's body is read as it arrives:
 * at most one chunk (about 64 KiB) is read ahead while C is not reading, so
 * a large body streams in flat memory. Cancelling a task in wa_fetch aborts
 * the exchange (its connection closes); freeing a response before its end
 * aborts the rest. */

/** wa_fetch_options.redirect: follow redirects (up to 20)... */
#define WA_REDIRECT_FOLLOW 0
/** ...fail with WA_EHTTP on a redirect... */
#define WA_REDIRECT_ERROR 1
/** ...or return the redirect response itself. */
#define WA_REDIRECT_MANUAL 2

/** How to fetch; zeroed means a GET with no extra headers, no timeout,
 *  redirects followed, any status returned, a 64 MiB wa_response_read_all
 *  limit. Every pointer is borrowed for the call. */
typedef struct wa_fetch_options {
    const char *method;                  /**< "GET" when NULL */
    const char *const *headers;          /**< NULL, or name, value, name, value, ..., NULL */
    const void *body;                    /**< request body, copied; NULL for none */
    size_t body_len;
    double timeout;                      /**< seconds for the whole exchange, body included; 0: none */
    int redirect;                        /**< WA_REDIRECT_FOLLOW, _ERROR or _MANUAL */
    size_t max_body;                     /**< wa_response_read_all fails beyond this; 0: 64 MiB */
    int fail_on_status;                  /**< nonzero: a status >= 400 fails with WA_EHTTP */
} wa_fetch_options;

/** A response: status, headers, and a body read as it arrives. */
typedef struct wa_response wa_response;

/** Fetches url and waits for the response's status and headers. May suspend.
 *  Stores the response in *out, owned by the caller (wa_response_free). Returns
 *  0 (whatever the status, unless fail_on_status), or WA_EINVAL (NULL url or
 *  out, bad URL, options, method or header), WA_ECONNECT, WA_ERESET,
 *  WA_ETIMEDOUT, WA_ETOOBIG (headers too large), WA_EPROTO (a malformed
 *  response), WA_EHTTP, WA_ENOTSUP, WA_EIO (file: errors),
 *  WA_ECANCELLED (the exchange is aborted), WA_ENOMEM, WA_ENOTASK; wa_errmsg()
 *  says what failed. opts may be NULL; it and its strings are borrowed for the
 *  call. */
int wa_fetch(const char *url, const wa_fetch_options *opts, wa_response **out);

/** Returns the HTTP status (200 for data: and file: URLs). Does not
 *  suspend. 0 for a bad r (NULL, freed, another object). */
int wa_response_status(const wa_response *r);

/** Returns the final URL, after redirects. Owned by r. Does not suspend.
 *  NULL for a bad r. */
const char *wa_response_url(const wa_response *r);

/** Returns the value of header name (case-insensitive; repeated headers
 *  joined with ", "), or NULL: no such header, a bad r or a NULL name (these
 *  two set wa_errmsg). Owned by r, valid until the next call for r. Does not
 *  suspend. */
const char *wa_response_header(const wa_response *r, const char *name);

/** Returns the number of headers. Does not suspend. 0 for a bad r. */
size_t wa_response_header_count(const wa_response *r);

/** Stores header i's name (lower case) and value; both owned by r (name and
 *  value may be NULL: not stored). Does not suspend. Returns 0, or WA_EINVAL
 *  if i is out of range or r is bad. */
int wa_response_header_at(const wa_response *r, size_t i, const char **name, const char **value);

/** Reads up to cap bytes of the body into buf (the caller's; it need not
 *  outlive a suspension: data is copied in after the wait). May suspend
 *  until data arrives. Returns 0 with *got bytes, *got == 0 at the end of
 *  the body; or the exchange's error (WA_ERESET, WA_ETRUNCATED,
 *  WA_ETIMEDOUT, WA_EPROTO, ...), WA_ECANCELLED (the exchange stays open), WA_ESTATE
 *  when r is freed by another task meanwhile, WA_EINVAL for a bad r (NULL,
 *  freed, another object), a NULL got or a NULL buf with cap > 0;
 *  WA_ENOTASK. */
int wa_response_read(wa_response *r, void *buf, size_t cap, size_t *got);

/** Reads the rest of the body into a new buffer, NUL-terminated (not
 *  counted in *len), owned by the caller (free()). May suspend. Fails with
 *  WA_ETOOBIG beyond the fetch's max_body, WA_EINVAL for a NULL body, and as
 *  wa_response_read. len may be NULL. */
int wa_response_read_all(wa_response *r, char **body, size_t *len);

/** Frees r; an exchange not finished is aborted, and tasks reading its body
 *  wake with WA_ESTATE. Does not suspend. Returns 0 (also for NULL), or
 *  WA_EINVAL when r was already freed or is another object. */
int wa_response_free(wa_response *r);

/** A client session (aiohttp.ClientSession): a base URL, default headers,
 *  and a limit on exchanges in flight, reusing connections (keep-alive). */
typedef struct wa_session wa_session;

/** Session settings; every pointer is copied. */
typedef struct wa_session_options {
    const char *base_url;                /**< relative URLs resolve against it; NULL: none */
    const char *const *headers;          /**< sent with every request, as in wa_fetch_options */
    size_t max_connections;              /**< exchanges in flight at once; 0: 100 */
} wa_session_options;

/** Creates a session, owned by the caller (wa_session_free); opts (may be
 *  NULL: defaults) and its strings are copied. Does not suspend. NULL and
 *  wa_errmsg on failure (WA_ENOMEM; WA_EINVAL
 *  outside a running loop or for headers with a name left without a value). */
wa_session *wa_session_new(const wa_session_options *opts);

/** wa_fetch through the session: url may be relative to the base URL; the
 *  session's headers come first, opts' override those of the same name.
 *  Waits for a free connection slot first; the response holds its slot
 *  until its body has ended or it is freed. May suspend. Returns what
 *  wa_fetch returns, or WA_ESTATE if s was freed while this call waited for
 *  a slot; WA_EINVAL for a bad s (NULL, freed, another object). */
int wa_session_fetch(wa_session *s, const char *url, const wa_fetch_options *opts, wa_response **out);

/** Frees s: tasks waiting in wa_session_fetch for a slot fail with
 *  WA_ESTATE; exchanges already under way and responses still alive keep
 *  working, and give their slots back to nothing. Does not suspend.
 *  Returns 0 (also for NULL), or WA_EINVAL when s was already freed or is
 *  another object. */
int wa_session_free(wa_session *s);

/* --------------------------------------------------------------- HTTP server
 *
 * HTTP/1.1 and 1.0 on the streams' servers: each connection is a task that
 * reads requests in order (keep-alive, pipelining) and runs the handler for
 * each, one at a time. Heads are parsed strictly (RFC 9112) in the
 * connection's buffer: a malformed one is answered 400, one over max_head
 * 431, and the connection closes. A request's strings point into that
 * buffer; for a small GET answered with a small body the server allocates
 * nothing per request (the loop's wait for the socket makes one future) and
 * the answer goes out in one write. Responses to pipelined requests that
 * arrived together go out together, when the last of them is answered.
 * Request bodies (Content-Length or chunked) are read in full up to a limit
 * or streamed; responses carry a Content-Length or are streamed chunked (to
 * the close for HTTP/1.0 clients). A body the handler leaves unread is read
 * and dropped (up to max_body) so the connection can go on. `Expect:
 * 100-continue` is answered when the handler first reads the body. Hosts:
 * those of wa_start_server (natively, node, WASI with a preopened socket). */

/** An HTTP server: a wa_server whose connections speak HTTP/1.x. */
typedef struct wa_http_server wa_http_server;
/** A request, valid while its handler runs: method, target, headers, body. */
typedef struct wa_http_request wa_http_request;
/** The response to one request, valid while its handler runs. */
typedef struct wa_http_response wa_http_response;

/** A request's handler: runs in its connection's task for each request,
 *  which it answers through res (wa_http_respond, or wa_http_response_start,
 *  _write, _end). It may suspend. Return 0 once it has answered. An error
 *  code with nothing sent gets a 500 (413 when reading the body failed with
 *  WA_ETOOBIG, 400 when the body was malformed), and the connection goes on
 *  when it can; an error during a streamed body closes the connection
 *  before the body's end, so the client sees it cut short. Returning 0
 *  without answering also gets a 500. A streamed body still open when the
 *  handler returns 0 is ended. req and res, and every string they give,
 *  are valid until the handler returns, and only in its task (they live
 *  in the connection's buffers). */
typedef int (*wa_http_handler)(wa_http_request *req, wa_http_response *res, void *arg);

/** Server settings; zeroed means the defaults. */
typedef struct wa_http_server_options {
    size_t max_head;                     /**< bytes of a request head (431 beyond); 0: 8 KiB */
    size_t max_body;                     /**< wa_http_request_body's limit, and of a body left unread; 0: 1 MiB */
    double idle_timeout;                 /**< seconds a connection may wait for its next request's head; 0: 5; WA_FOREVER: no limit */
    int backlog;                         /**< as wa_start_server's; <= 0: 100 */
} wa_http_server_options;

/** Listens on host:port as wa_start_server does (NULL or "": every address;
 *  port 0: any free port, wa_http_server_port tells which; on WASI the
 *  runner's preopened socket) and serves HTTP: handler(req, res, arg) runs
 *  for each request. Sets *out to the server, owned by the caller
 *  (wa_http_server_free). Does not suspend natively and on WASI; in node it
 *  suspends until the socket is bound, so there it must be called from a
 *  task. Returns 0 or what wa_start_server returns (WA_ECONNECT,
 *  WA_ENOTSUP, WA_EINVAL also for a NULL handler or out, WA_ENOMEM). opts
 *  may be NULL (defaults) and is copied; arg stays the caller's and must
 *  outlive the server. */
int wa_http_serve(const char *host, int port, wa_http_handler handler, void *arg,
                  const wa_http_server_options *opts, wa_http_server **out);

/** The port srv listens on (0 on WASI, and for a bad srv). Does not suspend. */
int wa_http_server_port(const wa_http_server *srv);

/** Connections open now. Does not suspend. 0 for a bad srv. */
size_t wa_http_server_connections(const wa_http_server *srv);

/** Stops listening. Connections waiting for a request close now; those in
 *  a request close once it is answered. Does not suspend. Returns 0 (also
 *  when already closed) or WA_EINVAL. */
int wa_http_server_close(wa_http_server *srv);

/** Suspends until srv is closed and every connection has ended. May
 *  suspend. Returns 0, WA_ECANCELLED (also when srv is freed meanwhile),
 *  WA_EINVAL, WA_ENOTASK. */
int wa_http_server_wait_closed(wa_http_server *srv);

/** Suspends until the calling task is cancelled, then closes srv (as
 *  wa_http_server_close) and returns WA_ECANCELLED. May suspend. Returns
 *  WA_ECANCELLED, WA_EINVAL, WA_ENOTASK. */
int wa_http_server_serve_forever(wa_http_server *srv);

/** Frees srv: closes it, cancels the connections' tasks (a handler running
 *  sees WA_ECANCELLED at its next await) and frees what they hold as they
 *  end. Does not suspend. Returns 0, or WA_EINVAL (already freed, another
 *  object). NULL is 0. */
int wa_http_server_free(wa_http_server *srv);

/** The request's method ("GET"), target as sent ("/a/b?x=1"), path (the
 *  target before any '?', not percent-decoded: "/a/b") and query (after
 *  the '?': "x=1"; "" without one). Owned by req. Do not suspend. "" for a
 *  bad req (NULL, another object, a request whose handler has returned). */
const char *wa_http_request_method(const wa_http_request *req);
const char *wa_http_request_target(const wa_http_request *req);
const char *wa_http_request_path(const wa_http_request *req);
const char *wa_http_request_query(const wa_http_request *req);

/** The request's HTTP version: 10 or 11. Does not suspend. 0 for a bad req. */
int wa_http_request_version(const wa_http_request *req);

/** The value of the first header called name (case-insensitive), without
 *  blanks around it; NULL when there is none, or for a bad req or NULL name
 *  (these two set wa_errmsg). Owned by req. Does not suspend. */
const char *wa_http_request_header(const wa_http_request *req, const char *name);

/** The number of header lines. Does not suspend. 0 for a bad req. */
size_t wa_http_request_header_count(const wa_http_request *req);

/** Stores header line i's name (as sent) and value; both owned by req,
 *  either pointer may be NULL. Does not suspend. Returns 0, or WA_EINVAL
 *  (i out of range, a bad req). */
int wa_http_request_header_at(const wa_http_request *req, size_t i, const char **name, const char **value);

/** The body's length from Content-Length; -1 when it is chunked, 0 when
 *  there is no body. Does not suspend. -1 for a bad req. */
int64_t wa_http_request_content_length(const wa_http_request *req);

/** Reads up to cap bytes of the body (decoded from chunks) into buf. May
 *  suspend. Returns 0 with *got bytes, 0 only at the body's end; WA_EPROTO
 *  (a malformed chunk), WA_ETRUNCATED (the client ended mid-body),
 *  WA_ERESET, WA_ECANCELLED, WA_EINVAL (a bad req, NULL got, NULL buf with
 *  cap > 0), WA_ENOMEM, WA_ENOTASK. After an error the connection closes
 *  once the handler returns. buf is the caller's. */
int wa_http_request_read(wa_http_request *req, void *buf, size_t cap, size_t *got);

/** Reads the rest of the body and sets *body to all of it (NUL-terminated,
 *  the NUL not counted in *len), owned by req. Calling it again gives the
 *  same. May suspend. Returns 0; WA_ETOOBIG when the body is over the
 *  server's max_body (a Content-Length over it fails at once, before any
 *  100 Continue), and the errors of wa_http_request_read. len may be NULL. */
int wa_http_request_body(wa_http_request *req, const char **body, size_t *len);

/** Adds a header line to the response (name and value are copied). The
 *  server writes Date, Content-Length or Transfer-Encoding, and Connection
 *  itself; "Connection: close" asks it to close after this response. Does
 *  not suspend. Returns 0; WA_EINVAL (a bad res, a name that is not a
 *  token, a value with a control byte, Content-Length or
 *  Transfer-Encoding), WA_ESTATE (the head has gone out), WA_ENOMEM. */
int wa_http_response_header(wa_http_response *res, const char *name, const char *value);

/** Answers with status (200-999), an optional Content-Type (NULL: none)
 *  and len bytes of body (copied) with a Content-Length, in one write with
 *  the head (no body for HEAD requests and statuses 204 and 304). Does not
 *  suspend. Returns 0; WA_ESTATE (already answered), WA_EINVAL (a bad res,
 *  status, content_type, NULL body with len > 0), WA_ERESET (the client has
 *  gone), WA_ENOMEM. */
int wa_http_respond(wa_http_response *res, int status, const char *content_type, const void *body, size_t len);

/** Starts a streamed answer: sends the head with `Transfer-Encoding:
 *  chunked` (for an HTTP/1.0 client, no length: the body runs to the
 *  close). Does not suspend. Returns 0, or as wa_http_respond. */
int wa_http_response_start(wa_http_response *res, int status, const char *content_type);

/** Sends len bytes of a streamed body as one chunk, then waits while the
 *  connection's write buffer is over its high-water mark (the client reads
 *  slowly). May suspend. Returns 0; WA_ESTATE (not started, or ended),
 *  WA_ERESET, WA_ECANCELLED (the chunk still goes), WA_EINVAL, WA_ENOMEM,
 *  WA_ENOTASK. data is the caller's. */
int wa_http_response_write(wa_http_response *res, const void *data, size_t len);

/** Ends a streamed body (the last, empty chunk). Does not suspend. Returns
 *  0, WA_ESTATE (not started, or ended), WA_ERESET, WA_EINVAL, WA_ENOMEM. */
int wa_http_response_end(wa_http_response *res);

/* ------------------------------------- async iterators, async context managers
 *
 * The protocols behind `async for` and `async with`, as C structs of
 * functions that may await. Both are called from a task. */

/** An async iterator (__anext__): next may await, and returns 1 with an item
 *  in *item, 0 at the end of the iteration (StopAsyncIteration, not an
 *  error), or a negative error code. self is the iterator's state, owned by
 *  whoever made it. */
typedef struct wa_aiter {
    int (*next)(void *self, intptr_t *item);
    void *self;
} wa_aiter;

/** Gets the next item: `for (intptr_t v = 0; (rc = wa_aiter_next(&it, &v)) == 1;)`
 *  is `async for v in it`. May suspend (as next does). Returns as next does;
 *  WA_EINVAL when it or it->next is NULL (item is passed on to next as is).
 *  it stays the caller's. */
int wa_aiter_next(const wa_aiter *it, intptr_t *item);

/** An async context manager (__aenter__ / __aexit__); both may await. enter
 *  returns 0, or an error that skips the body and exit. exit gets the body's
 *  outcome (0, an error, or WA_ECANCELLED) and returns the outcome to pass on:
 *  returning 0 swallows the body's error, as __aexit__ returning True does. */
typedef struct wa_async_cm {
    int (*enter)(void *self);
    int (*exit)(void *self, int rc);
} wa_async_cm;

/** `async with cm as self: body`: runs cm->enter(self), then body(self, arg),
 *  then cm->exit(self, rc) on every way out of the body, including errors and
 *  cancellation (the cancellation has reached the body, so exit's own awaits
 *  run unless the task is cancelled again). May suspend. Returns enter's
 *  error, or what exit returns; WA_EINVAL, before anything runs, when cm,
 *  one of its functions or body is NULL. cm, self and arg stay the caller's. */
int wa_async_with(const wa_async_cm *cm, void *self, int (*body)(void *self, void *arg),
                  void *arg);

#if defined(__EMSCRIPTEN__)
/* ------------------------------------------------------ JavaScript hosts
 *
 * The Promise bridge, in builds for node and browsers (wa-cc --target=node
 * or web). C tasks call JavaScript functions given to the module (the
 * `imports` of start() or load()) and await what they return, promises
 * included; JavaScript calls exported C functions with run(name, ...args)
 * and gets a promise of their result (see bindings/js/driver.mjs). Values
 * cross as numbers, UTF-8 strings or bytes. */

/** The kinds of value that cross between C and JavaScript. undefined and
 *  null arrive as WA_JS_UNDEFINED, booleans as numbers (1, 0), typed arrays
 *  and ArrayBuffers as bytes, other objects as their JSON text. */
typedef enum wa_js_type {
    WA_JS_UNDEFINED = 0,
    WA_JS_NUMBER = 1,
    WA_JS_STRING = 2,
    WA_JS_BYTES = 3
} wa_js_type;

/** A value crossing the bridge. data holds a string's UTF-8 bytes (with a
 *  terminating NUL not counted in len) or the bytes. Who owns data is said
 *  by each function. */
typedef struct wa_js_value {
    wa_js_type type;
    double number;                       /**< WA_JS_NUMBER */
    char *data;                          /**< WA_JS_STRING, WA_JS_BYTES */
    size_t len;                          /**< bytes in data */
} wa_js_value;

/** A number to pass to JavaScript. These three build values, never fail
 *  and do not suspend. */
WA__INLINE wa_js_value wa_js_number(double n) {
    wa_js_value v = {WA_JS_NUMBER, n, NULL, 0};
    return v;
}

/** A string to pass to JavaScript; s is borrowed, and copied when it
 *  crosses. NULL gives an empty string. */
WA__INLINE wa_js_value wa_js_string(const char *s) {
    wa_js_value v = {WA_JS_STRING, 0, (char *)s, 0};
    while (s && s[v.len]) v.len++;
    return v;
}

/** Bytes to pass to JavaScript (a Uint8Array there); borrowed, copied. data
 *  may be NULL only with len 0 (wa_js_call refuses the value otherwise). */
WA__INLINE wa_js_value wa_js_bytes(const void *data, size_t len) {
    wa_js_value v = {WA_JS_BYTES, 0, (char *)data, len};
    return v;
}

/** Frees the data of a value the bridge gave you (wa_await_js's) and makes
 *  it undefined. Does not suspend. NULL is ignored. */
void wa_js_value_free(wa_js_value *v);

/** A JavaScript value held for C, such as the promise a call returned. */
typedef int wa_js_handle;

/** Calls the JavaScript function given to the module as name with args
 *  (borrowed, copied), and stores a handle to what it returned (a promise
 *  or any value; a thrown exception becomes a rejected promise) in *out.
 *  Does not suspend. Returns 0, WA_EJS if there is no such function,
 *  WA_EINVAL for a NULL name or out, NULL args with nargs > 0, or an
 *  argument of no known type or with NULL data and len > 0. The handle is
 *  the caller's: await it or release it. */
int wa_js_call(const char *name, const wa_js_value *args, size_t nargs, wa_js_handle *out);

/** Waits until the promise (or value) behind h settles, then releases h.
 *  May suspend. Returns 0 and stores the value in *out (its data owned by
 *  the caller: wa_js_value_free), WA_EJS if the promise was rejected
 *  (wa_errmsg() has the rejection's message), WA_ECANCELLED, WA_ENOMEM,
 *  WA_ENOTASK; WA_EINVAL for a NULL out or an h released already or never
 *  made (h is then left as it was). */
int wa_await_js(wa_js_handle h, wa_js_value *out);

/** Releases h without awaiting it. Does not suspend. 0 is ignored; an h
 *  released already (or awaited) or never made sets wa_errmsg. */
void wa_js_release(wa_js_handle h);

/** A C function JavaScript can call with run(name, ...args): it runs as a
 *  task, so it may await. args are the call's arguments, owned by the
 *  bridge until the task ends. It returns 0 and may set *result (a string's
 *  or bytes' data must be malloc'd: the bridge copies it to JavaScript and
 *  frees it), or an error code, which rejects the call's promise with
 *  wa_errmsg's message; cancelling the call (an AbortSignal) cancels the
 *  task. */
typedef int (*wa_js_fn)(const wa_js_value *args, size_t nargs, wa_js_value *result);

/** Makes fn callable from JavaScript as run("fn", ...). Use at file scope. */
#define WA_JS_EXPORT(fn) \
    __attribute__((used)) wa_js_fn wa_js_export_##fn(void) { return fn; }
#endif

/* ------------------------------------------------------------------ loops */

/** An event loop (asyncio's loop object). wa_run() creates and closes one
 *  for you; create one yourself to run it in steps, to schedule plain
 *  callbacks before it runs, or to run it forever. One loop runs at a time. */
typedef struct wa_loop wa_loop;

/** A plain callback scheduled on a loop; it cannot suspend. */
typedef void (*wa_callback)(void *arg);

/** A scheduled callback that can be cancelled. */
typedef struct wa_handle wa_handle;

/** Creates a loop, not running yet. Owned by the caller (wa_loop_close). Does
 *  not suspend. Returns NULL and sets wa_errmsg on failure (WA_ENOMEM). Debug
 *  mode starts on when the environment variable WASYNCIO_DEBUG is set to a
 *  non-empty value other than "0". */
wa_loop *wa_loop_new(void);

/** Returns the running loop (asyncio.get_running_loop), or NULL. Borrowed.
 *  Does not suspend. */
wa_loop *wa_running_loop(void);

/** Same as wa_create_task, on loop (NULL: the running loop), which need not be
 *  running: the task starts once the loop runs. Does not suspend. Errors as
 *  wa_create_task, and WA_EINVAL for a loop that is not one. */
wa_task *wa_loop_create_task(wa_loop *loop, wa_fn fn, void *arg);

/** Runs loop until f is done (loop.run_until_complete), then returns f's
 *  outcome as wa_future_result would (the value stays readable from f).
 *  Tasks still pending stay so, to continue when the loop runs again; tasks
 *  and futures of the loop may be read and released between runs. For a
 *  task, pass wa_task_future(t). Does not suspend: it blocks the calling
 *  thread while the loop runs. Returns WA_EINVAL (a bad loop or f: NULL,
 *  gone, another object; f of another loop; a loop already running, as in a
 *  task), WA_ESTATE if wa_loop_stop ended the run first, WA_EDEADLOCK when
 *  nothing can make progress (tasks stay as they are), or f's outcome. f
 *  stays owned by the caller. */
int wa_loop_run_until_complete(wa_loop *loop, wa_future *f);

/** Runs loop until wa_loop_stop is called (loop.run_forever). Does not
 *  suspend (it blocks, as run_until_complete). Returns 0 once stopped,
 *  WA_EINVAL as above, WA_EDEADLOCK if nothing is scheduled and
 *  nothing can wake the loop (where asyncio would hang). */
int wa_loop_run_forever(wa_loop *loop);

/** Makes run_forever/run_until_complete return after the callbacks of the
 *  current round (loop.stop); before the loop runs, the next run returns after
 *  one round. Does not suspend. Returns 0, WA_EINVAL for a bad loop (NULL
 *  included). */
int wa_loop_stop(wa_loop *loop);

/** Returns nonzero while loop is running. Does not suspend. 0 for a bad loop
 *  (NULL included). */
int wa_loop_is_running(const wa_loop *loop);

/** Closes loop and frees it: every task still pending is cancelled and run
 *  until it ends (so its cleanup runs), scheduled callbacks are dropped, and
 *  every task, future and handle of the loop is freed. Does not suspend (it
 *  blocks while the pending tasks end). Returns 0, or WA_EINVAL for a bad
 *  loop (NULL included), a running one or one of another thread. The
 *  caller's ownership ends: a closed loop is gone for good. */
int wa_loop_close(wa_loop *loop);

/** Returns the loop clock, as wa_time (loop.time()); every loop shares it,
 *  so loop may be NULL. Does not suspend. NaN for a loop of another type. */
double wa_loop_time(const wa_loop *loop);

/** Schedules fn(arg) to run on the next round of loop (NULL: the running
 *  loop), after what is already ready (loop.call_soon). If out is non-NULL it
 *  receives a handle, owned by the caller (wa_handle_release), to cancel the
 *  call; with NULL the loop frees the call once it ran. arg stays the caller's.
 *  Does not suspend. Returns 0, WA_EINVAL (NULL fn, no loop, a loop of
 *  another type), WA_ENOMEM. */
int wa_loop_call_soon(wa_loop *loop, wa_callback fn, void *arg, wa_handle **out);

/** Same as wa_loop_call_soon, running fn once delay seconds have passed
 *  (loop.call_later); calls due at the same time run in scheduling order.
 *  WA_EINVAL also for a NaN delay. */
int wa_loop_call_later(wa_loop *loop, double delay, wa_callback fn, void *arg, wa_handle **out);

/** Same as wa_loop_call_soon, running fn once the loop clock reaches when
 *  (loop.call_at). WA_EINVAL also for a NaN when. */
int wa_loop_call_at(wa_loop *loop, double when, wa_callback fn, void *arg, wa_handle **out);

/** Cancels the call if it has not run yet. Does not suspend. Returns 1 if
 *  this call cancelled it, 0 if it had already run or been cancelled,
 *  WA_EINVAL for a bad h (NULL, released, another object). */
int wa_handle_cancel(wa_handle *h);

/** Returns nonzero once h was cancelled. Does not suspend. 0 for a bad h. */
int wa_handle_cancelled(const wa_handle *h);

/** Returns when a call_later/call_at handle is due (loop clock); for call_soon
 *  handles, the time it was scheduled. Does not suspend. NaN for a bad h. */
double wa_handle_when(const wa_handle *h);

/** Gives back the caller's handle; the call still runs unless cancelled.
 *  Does not suspend. Returns 0 (also for NULL), or WA_EINVAL when h was
 *  already released or is another object. */
int wa_handle_release(wa_handle *h);

/* ------------------------------------------------------------------- debug */

/** Turns debug mode of loop (NULL: the running loop) on or off. In debug
 *  mode the loop reports on stderr, one line each starting "wasyncio debug:",
 *  naming tasks and where they were created: callbacks or task steps that run
 *  longer than 100 ms without giving the loop back; tasks still pending when
 *  the loop closes, and what they wait on; tasks and futures freed after
 *  failing with an error nobody read (by awaiting, wa_*_result or a done
 *  callback); futures freed without ever being awaited or read. Creation
 *  sites are recorded for objects created while debug mode is on. Does not
 *  suspend. Returns 0, or WA_EINVAL when loop is NULL and none is running,
 *  or is another object. */
int wa_loop_set_debug(wa_loop *loop, int on);

/** Returns nonzero if loop (NULL: the running loop) is in debug mode. Does
 *  not suspend. 0 when loop is NULL and none runs, or is another object. */
int wa_loop_get_debug(const wa_loop *loop);

/** Describes every task of loop (NULL: the running loop) as JSON:
 *  {"time": t, "tasks": [{"id", "name", "state" ("pending"|"done"|"cancelled"),
 *  "parent" (id of the task that created it, or 0), "waits_on" (null, or
 *  {"kind": "task", "id"}, {"kind": "future"}, {"kind": "sleep", "until"},
 *  {"kind": "wait_queue"} (a lock, event, condition, semaphore, barrier,
 *  queue or response body),
 *  {"kind": "gather"|"wait"|"as_completed"|"shield", "ids": [ids of the
 *  tasks among the awaited], "futures": how many plain futures among them}),
 *  "cancelling", "steps" (how many times it ran), "error" (null or
 *  {"code", "message"}), and for tasks made in debug mode "created",
 *  "started", "finished" (loop times, or null) and "run_ms" (its time
 *  running in all), "created_at" ("file:line" or null)}]}. Tasks are listed
 *  in creation order. Does not suspend. Returns a string the caller frees
 *  with free(), or NULL (WA_EINVAL: no loop running, or loop is another
 *  object; WA_ENOMEM). */
char *wa_loop_dump_tasks(wa_loop *loop);

/** Records where the next task or future is created, for debug reports. The
 *  macros below call it; call it yourself from wrappers of your own. file must
 *  be a static string (borrowed; NULL records no site). Does not suspend;
 *  never fails. */
void wa_debug_site(const char *file, int line);

#ifndef WA_NO_SITES
#define wa_create_task(fn, arg) (wa_debug_site(__FILE__, __LINE__), wa_create_task(fn, arg))
#define wa_loop_create_task(loop, fn, arg)                                     \
    (wa_debug_site(__FILE__, __LINE__), wa_loop_create_task(loop, fn, arg))
#define wa_task_group_create_task(g, fn, arg)                                  \
    (wa_debug_site(__FILE__, __LINE__), wa_task_group_create_task(g, fn, arg))
#define wa_future_new() (wa_debug_site(__FILE__, __LINE__), wa_future_new())
#endif


/** Statistics about the running loop, for tests and tools. */
typedef struct wa_stats {
    size_t tasks_alive;      /**< tasks allocated (pending or still referenced) */
    size_t tasks_pending;    /**< tasks that have not finished */
    size_t timers_armed;     /**< timers in the heap */
    size_t saved_stack_bytes;/**< bytes held by suspended tasks' saved stacks */
    size_t max_saved_stack;  /**< largest stack one task saved so far */
    size_t futures_alive;    /**< futures allocated, not counting tasks: the user's,
                                  and those of gather, wait, shield and timeouts */
} wa_stats;

/** Fills *out (the caller's) with loop's statistics (NULL: the running
 *  loop's). Does not suspend. Returns 0, or WA_EINVAL for a NULL out, no loop
 *  given outside wa_run, or a loop that is gone or not a loop. */
int wa_loop_get_stats(const wa_loop *loop, wa_stats *out);

/** The most stack, in bytes, a task may hold while suspended; deeper awaits
 *  fail with WA_ESTACK instead of suspending. A constant of the runtime as it
 *  was compiled: wa-cc compiles the runtime with the program's -D flags, so
 *  -DWA_STACK_LIMIT=n on its command line (or in CMake's definitions for the
 *  library) changes it; a #define in a source file changes only what that
 *  file reads, not the limit. */
#ifndef WA_STACK_LIMIT
#define WA_STACK_LIMIT (256 * 1024)
#endif

/* ------------------------------------------------------- deprecated names */

/* Names of the previous release, kept for this one only: each calls its new
 * name and warns where it is used (see the README's list). */
#if defined(__cplusplus) && __cplusplus >= 201402L
#define WA__DEPRECATED(use) [[deprecated("use " use)]]
#elif defined(__GNUC__) || defined(__clang__)
#define WA__DEPRECATED(use) __attribute__((deprecated("use " use)))
#else
#define WA__DEPRECATED(use)
#endif

WA__DEPRECATED("wa_future_release") WA__INLINE int wa_future_free(wa_future *f) { return wa_future_release(f); }
WA__DEPRECATED("wa_loop_get_stats") WA__INLINE int wa_get_stats(wa_stats *out) { return wa_loop_get_stats(NULL, out); }
WA__DEPRECATED("wa_loop_dump_tasks") WA__INLINE char *wa_dump_tasks(wa_loop *loop) { return wa_loop_dump_tasks(loop); }
WA__DEPRECATED("wa_loop_call_soon")
WA__INLINE int wa_call_soon(wa_loop *loop, wa_callback fn, void *arg, wa_handle **out) {
    return wa_loop_call_soon(loop, fn, arg, out);
}
WA__DEPRECATED("wa_loop_call_later")
WA__INLINE int wa_call_later(wa_loop *loop, double delay, wa_callback fn, void *arg, wa_handle **out) {
    return wa_loop_call_later(loop, delay, fn, arg, out);
}
WA__DEPRECATED("wa_loop_call_at")
WA__INLINE int wa_call_at(wa_loop *loop, double when, wa_callback fn, void *arg, wa_handle **out) {
    return wa_loop_call_at(loop, when, fn, arg, out);
}

#ifdef __cplusplus
}
#endif
#endif /* WASYNCIO_H */
