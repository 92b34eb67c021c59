/* Results of tasks and futures: an integer (a word, or 64 bits on every
 * target), a double, or a pointer the future owns with its destructor.
 *
 * An owned result's destructor runs exactly once, unless the result is taken
 * (wa_task_take_result, wa_future_take_result): when the task ends without
 * it (it failed, was cancelled, or set another result), when the last
 * reference goes, or when the loop closes. A shield's future borrows its
 * child's pointer and never frees it. */
#include "internal.h"

#include <stdlib.h>

void wa__value_drop(wa_future *f) {
    if (f->vtype == WA__VAL_OWNED) {
        wa__owned *o = f->value.owned;
        f->vtype = WA__VAL_INT;
        f->value.i = 0;
        if (o->dtor) o->dtor(o->ptr);
        free(o);
    } else {
        f->vtype = WA__VAL_INT;
        f->value.i = 0;
    }
}

intptr_t wa__value_word(const wa_future *f) {
    switch (f->vtype) {
    case WA__VAL_OWNED: return (intptr_t)f->value.owned->ptr;
    case WA__VAL_BORROWED: return (intptr_t)f->value.ptr;
    case WA__VAL_DOUBLE: return 0;
    default: return (intptr_t)f->value.i;
    }
}

void wa__value_borrow(wa_future *to, const wa_future *from) {
    wa__value_drop(to);
    if (from->vtype == WA__VAL_OWNED || from->vtype == WA__VAL_BORROWED) {
        to->value.ptr = (void *)wa__value_word(from);
        to->vtype = WA__VAL_BORROWED;
    } else {
        to->value = from->value;
        to->vtype = from->vtype;
    }
}

/* ------------------------------------------------------------ setting */

static void set_int(wa_future *f, int64_t v) {
    wa__value_drop(f);
    f->value.i = v;
}

static void set_double(wa_future *f, double v) {
    wa__value_drop(f);
    f->value.d = v;
    f->vtype = WA__VAL_DOUBLE;
}

static int set_owned(wa_future *f, void *ptr, void (*dtor)(void *ptr)) {
    wa__owned *o = wa__malloc(sizeof *o);
    if (!o) return wa__error(WA_ENOMEM, "no memory for an owned result (it stays the caller's)");
    wa__value_drop(f);
    *o = (wa__owned){ptr, dtor};
    f->value.owned = o;
    f->vtype = WA__VAL_OWNED;
    return 0;
}

int wa_return(intptr_t value) {
    wa_task *t = wa__running("wa_return");
    if (!t) return WA_ENOTASK;
    set_int(&t->fut, value);
    return 0;
}

int wa_return_i64(int64_t value) {
    wa_task *t = wa__running("wa_return_i64");
    if (!t) return WA_ENOTASK;
    set_int(&t->fut, value);
    return 0;
}

int wa_return_double(double value) {
    wa_task *t = wa__running("wa_return_double");
    if (!t) return WA_ENOTASK;
    set_double(&t->fut, value);
    return 0;
}

int wa_return_owned(void *ptr, void (*dtor)(void *ptr)) {
    wa_task *t = wa__running("wa_return_owned");
    if (!t) return WA_ENOTASK;
    return set_owned(&t->fut, ptr, dtor);
}

int wa_future_set_result_i64(wa_future *f, int64_t value) {
    int rc = wa__future_settable(f, "wa_future_set_result_i64");
    if (rc) return rc;
    set_int(f, value);
    wa__future_settle(f, WA_DONE, 0);
    return 0;
}

int wa_future_set_result_double(wa_future *f, double value) {
    int rc = wa__future_settable(f, "wa_future_set_result_double");
    if (rc) return rc;
    set_double(f, value);
    wa__future_settle(f, WA_DONE, 0);
    return 0;
}

int wa_future_set_result_owned(wa_future *f, void *ptr, void (*dtor)(void *ptr)) {
    int rc = wa__future_settable(f, "wa_future_set_result_owned");
    if (!rc) rc = set_owned(f, ptr, dtor);
    if (rc) return rc;
    wa__future_settle(f, WA_DONE, 0);
    return 0;
}

/* ------------------------------------------------------------ reading */

/* 0 when f holds a result of type vtype to read, else its error. */
static int readable(const wa_future *f, int vtype, const char *what) {
    if (!wa__is_future(f)) return wa__bad_object(f, WA__FUTURE, what);
    int rc = wa__future_outcome(f, NULL);
    if (rc) return rc;
    if (f->vtype == vtype || (vtype == WA__VAL_OWNED && f->vtype == WA__VAL_BORROWED)) return 0;
    static const char *const names[] = {"an integer", "a double", "an owned pointer", "a borrowed pointer"};
    return wa__error(WA_ESTATE, "%s: the result is %s", what, names[f->vtype]);
}

static int read_i64(const wa_future *f, int64_t *value, const char *what) {
    int rc = readable(f, WA__VAL_INT, what);
    if (rc == 0 && value) *value = f->value.i;
    return rc;
}

static int read_double(const wa_future *f, double *value, const char *what) {
    int rc = readable(f, WA__VAL_DOUBLE, what);
    if (rc == 0 && value) *value = f->value.d;
    return rc;
}

static int take(wa_future *f, void **ptr, const char *what) {
    if (!ptr) return wa__error(WA_EINVAL, "%s: ptr is NULL", what);
    int rc = readable(f, WA__VAL_OWNED, what);
    if (rc) return rc;
    if (f->vtype == WA__VAL_BORROWED) return wa__error(WA_ESTATE, "%s: a shield's result is its child's to give", what);
    wa__owned *o = f->value.owned;
    *ptr = o->ptr;
    free(o);
    f->vtype = WA__VAL_INT;              /* taken: a second take finds an integer 0 */
    f->value.i = 0;
    return 0;
}

int wa_task_result_i64(const wa_task *t, int64_t *value) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_result_i64");
    return read_i64(&t->fut, value, "wa_task_result_i64");
}

int wa_task_result_double(const wa_task *t, double *value) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_result_double");
    return read_double(&t->fut, value, "wa_task_result_double");
}

int wa_task_take_result(wa_task *t, void **ptr) {
    if (!wa__is(t, WA__TASK)) return wa__bad_object(t, WA__TASK, "wa_task_take_result");
    return take(&t->fut, ptr, "wa_task_take_result");
}
int wa_future_result_i64(const wa_future *f, int64_t *value) { return read_i64(f, value, "wa_future_result_i64"); }
int wa_future_result_double(const wa_future *f, double *value) { return read_double(f, value, "wa_future_result_double"); }
int wa_future_take_result(wa_future *f, void **ptr) { return take(f, ptr, "wa_future_take_result"); }
