/*
 * bench/compute.c: call-heavy code that never awaits, for the bench's Asyncify
 * cost row (bench/run.mjs drives it).
 *
 * Usage: compute [N]   (N: runs of each kernel; the fastest is reported)
 *
 * Three kernels: recursive fib(FIB_ARG), qsort of QSORT_COUNT seeded ints with
 * a comparison function, and a recursive-descent parser summing a generated
 * nested-array text. Built two ways from this one source: with
 * -DCOMPUTE_WASYNCIO by bin/wa-cc, the kernels running inside a wasyncio task
 * (wa_run), and as a plain program by the same compiler and flags without
 * wasyncio. Each prints, per kernel, one JSON line with the fastest run in ns
 * ({"metric":"compute_ns","variant":"fib","value":...}) and one with its
 * result, so the harness can check both builds did the same work.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(COMPUTE_WASYNCIO)
#include "wasyncio.h"
#endif

#define FIB_ARG 32
#define QSORT_COUNT 1000000
#define PARSE_LEAVES 200000 /* integers in the parser's text */
#define SEED 0x2545F491u     /* xorshift32, as in the other bench programs */

static uint32_t rng_state;
static uint32_t next_random(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- fib: a call per node of the recursion tree ---- */

static volatile int fib_arg = FIB_ARG; /* volatile: not folded at compile time */

static long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static long run_fib(void) {
    return fib(fib_arg);
}

/* ---- qsort: libc's sort calling back through a function pointer ---- */

static int *sort_data;

static int compare_ints(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void fill_sort_data(void) {
    rng_state = SEED;
    for (int i = 0; i < QSORT_COUNT; i++) sort_data[i] = (int)(next_random() >> 1);
}

static long run_qsort(void) {
    qsort(sort_data, QSORT_COUNT, sizeof *sort_data, compare_ints);
    long check = 0;
    for (int i = 0; i < QSORT_COUNT; i += 1000) check += sort_data[i] % 1000;
    return check;
}

/* ---- parse: recursive descent over "[12,[3,45],[[6]],...]" ---- */

static char *text;
static size_t text_len, text_cap;

static void put(char c) {
    if (text_len + 1 >= text_cap) {
        text_cap = text_cap ? text_cap * 2 : 1 << 20;
        text = realloc(text, text_cap);
        if (!text) {
            fprintf(stderr, "compute: out of memory generating the parser's text\n");
            exit(1);
        }
    }
    text[text_len++] = c;
}

/* An array of 1-4 items, each an integer or (while depth allows) a nested
 * array, until `leaves` integers are written. */
static void generate(int depth, long *leaves) {
    put('[');
    int items = 1 + (int)(next_random() % 4);
    for (int i = 0; i < items && *leaves > 0; i++) {
        if (i) put(',');
        if (depth < 12 && next_random() % 3 == 0) {
            generate(depth + 1, leaves);
        } else {
            char digits[12];
            int len = snprintf(digits, sizeof digits, "%u", next_random() % 100000);
            for (int k = 0; k < len; k++) put(digits[k]);
            --*leaves;
        }
    }
    put(']');
}

static void generate_text(void) {
    rng_state = SEED;
    long leaves = PARSE_LEAVES;
    put('[');
    for (int first = 1; leaves > 0; first = 0) {
        if (!first) put(',');
        generate(0, &leaves);
    }
    put(']');
    text[text_len] = '\0';
}

typedef struct parser {
    const char *at;
    int failed;
} parser;

static long parse_value(parser *p);

static long parse_number(parser *p) {
    long v = 0;
    if (*p->at < '0' || *p->at > '9') {
        p->failed = 1;
        return 0;
    }
    while (*p->at >= '0' && *p->at <= '9') v = v * 10 + (*p->at++ - '0');
    return v;
}

static long parse_array(parser *p) {
    long sum = 0;
    p->at++; /* '[' */
    if (*p->at == ']') {
        p->at++;
        return 0;
    }
    for (;;) {
        sum += parse_value(p);
        if (p->failed) return 0;
        if (*p->at == ',') {
            p->at++;
        } else if (*p->at == ']') {
            p->at++;
            return sum;
        } else {
            p->failed = 1;
            return 0;
        }
    }
}

static long parse_value(parser *p) {
    return *p->at == '[' ? parse_array(p) : parse_number(p);
}

static long run_parse(void) {
    parser p = {text, 0};
    long sum = parse_value(&p);
    if (p.failed || p.at != text + text_len) {
        fprintf(stderr, "compute: the parser stopped at byte %ld of %ld\n", (long)(p.at - text), (long)text_len);
        exit(1);
    }
    return sum;
}

/* ---- the runs ---- */

static long runs = 5;

static void measure(const char *name, long (*kernel)(void), void (*prepare)(void)) {
    double best = 0;
    long result = 0;
    for (long r = 0; r < runs; r++) {
        if (prepare) prepare(); /* untimed */
        double t0 = now_ns();
        long got = kernel();
        double ns = now_ns() - t0;
        if (r > 0 && got != result) {
            fprintf(stderr, "compute: %s gave %ld, then %ld\n", name, result, got);
            exit(1);
        }
        result = got;
        if (r == 0 || ns < best) best = ns;
    }
    printf("{\"metric\":\"compute_ns\",\"variant\":\"%s\",\"value\":%.0f}\n", name, best);
    printf("{\"metric\":\"compute_result\",\"variant\":\"%s\",\"value\":%ld}\n", name, result);
    fflush(stdout);
}

/* The task that runs the kernels also awaits between them, as a real program
 * would: so the runtime's switch is linked in and this function is
 * instrumented, while the kernels it calls never reach a suspension. */
static int pause_between(void) {
#if defined(COMPUTE_WASYNCIO)
    int rc = wa_yield();
    if (rc != 0) {
        fprintf(stderr, "compute: wa_yield: %s\n", wa_errmsg());
        exit(1);
    }
#endif
    return 0;
}

static int run_all(void *arg) {
    (void)arg;
    measure("fib", run_fib, NULL);
    pause_between();
    measure("qsort", run_qsort, fill_sort_data);
    pause_between();
    measure("parse", run_parse, NULL);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1) runs = strtol(argv[1], NULL, 10);
    if (runs < 1) {
        fprintf(stderr, "usage: compute [runs >= 1]\n");
        return 2;
    }
    sort_data = malloc(QSORT_COUNT * sizeof *sort_data);
    if (!sort_data) {
        fprintf(stderr, "compute: out of memory\n");
        return 1;
    }
    generate_text();
#if defined(COMPUTE_WASYNCIO)
    int rc = wa_run(run_all, NULL);
    if (rc != 0) {
        fprintf(stderr, "compute: wa_run: %s\n", wa_errmsg());
        return 1;
    }
#else
    run_all(NULL);
#endif
    free(sort_data);
    free(text);
    return 0;
}
