/* Suspensions on paths a call graph shows least plainly: through a table of
 * function pointers, inside a qsort comparator (libc calls it), and (on JS
 * hosts) inside a C function that JS calls back, which must be refused with
 * WA_ENOSUSPEND rather than corrupt the task. Each body counts its entries:
 * one that was left uninstrumented would start again when resumed. */
#include "check.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

static int entries;

static int step_a(int x) {
    entries++;
    if (wa_yield()) return -1;
    return x + 1;
}

static int step_b(int x) {
    entries++;
    if (wa_sleep(0.001)) return -1;
    return x * 2;
}

static int (*const steps[])(int) = {step_a, step_b, step_a};

static int table_calls(void *arg) {
    (void)arg;
    entries = 0;
    int x = 1;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) x = steps[i](x);
    CHECK_INT(x, 5);                     /* ((1 + 1) * 2) + 1 */
    CHECK_INT(entries, 3);
    return 0;
}

static int comparisons;

/* A comparator that lets other tasks run between comparisons. */
static int compare_slowly(const void *a, const void *b) {
    comparisons++;
    wa_yield();
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int ticks;

static int ticker(void *arg) {
    (void)arg;
    for (;;) {
        ticks++;
        if (wa_yield()) return 0;
    }
}

static int sort_with_awaits(void *arg) {
    (void)arg;
    static int values[] = {5, 3, 9, 1, 7, 2, 8};  /* static: other tasks run mid-sort */
    wa_task *t = wa_create_task(ticker, NULL);
    wa_yield();                          /* let the ticker start */
    comparisons = ticks = 0;
    qsort(values, sizeof values / sizeof *values, sizeof *values, compare_slowly);
    for (size_t i = 1; i < sizeof values / sizeof *values; i++) CHECK(values[i - 1] <= values[i]);
    CHECK(comparisons > 0);
    CHECK(ticks >= comparisons);         /* the ticker ran at each comparison */
    wa_task_cancel(t);
    CHECK_INT(wa_await(t), 0);
    wa_task_release(t);
    return 0;
}

#ifdef __EMSCRIPTEN__
static int callback_rc = 1;

/* Called by JS (below) while the task is inside that JS call. */
static void called_back(int x) {
    callback_rc = wa_sleep(0.001 * x);
}

EM_JS(void, call_from_js, (int fn, int x), {
    wasmTable.get(fn)(x);
});

static int sleeper(void *arg) {
    (void)arg;
    return wa_sleep(0.001);
}

static int loop_rc = 1;

/* JS calls this outside any loop: neither the loop's tasks nor the loop
 * itself can suspend here, since only the driver can give control back to
 * the JS event loop. */
static void run_loop(int x) {
    (void)x;
    loop_rc = wa_run(sleeper, NULL);
}

static int loop_from_js(void) {
    call_from_js((int)(intptr_t)run_loop, 0);
    int ok = loop_rc == WA_ENOSUSPEND && strstr(wa_errmsg(), "cannot") != NULL;
    if (!ok) printf("  wa_run returned %d: %s\n", loop_rc, wa_errmsg());
    return ok;
}

static int js_callback(void *arg) {
    (void)arg;
    call_from_js((int)(intptr_t)called_back, 1);
    CHECK_INT(callback_rc, WA_ENOSUSPEND);
    CHECK(strstr(wa_errmsg(), "cannot suspend here") != NULL);
    CHECK_INT(wa_sleep(0.001), 0);       /* back in C called from C, it suspends */
    return 0;
}
#endif

int main(void) {
#ifdef __EMSCRIPTEN__
    check_plan(4);
#else
    check_plan(2);
#endif
    run_case("awaits through a table of function pointers", table_calls, NULL, 0);
    run_case("awaits inside a qsort comparator", sort_with_awaits, NULL, 0);
#ifdef __EMSCRIPTEN__
    run_case("an await in C called back from JS is refused", js_callback, NULL, 0);
    CASE("a loop run from C called back from JS is refused", loop_from_js);
#endif
    return check_exit();
}
