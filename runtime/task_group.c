/* Task groups (asyncio.TaskGroup): a scope that owns the tasks started in
 * it. Leaving the scope waits for all of them; the first failure cancels the
 * others and the task that opened the group, and every failure is reported. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct member {
    wa__handle done;                     /* in the task's callbacks, then the ready queue */
    wa_task_group *group;
    wa_task *task;                       /* referenced until the group is freed */
} member;

struct wa_task_group {
    wa__object obj;                      /* WA__TASK_GROUP */
    wa__loop *loop;
    wa_task *parent;                     /* the task that opened the group */
    wa_task_group *outer;                /* the group this one is nested in, or NULL */
    member **members;                    /* every task started in the group */
    size_t count, cap;
    size_t live;                         /* members whose done handle has not run yet */
    wa_future *all_done;                 /* exit awaits it while members are live */
    int first_error;                     /* code of the first failure, or 0 */
    char *report;                        /* "name: message; name: message", or NULL */
    uint8_t open;                        /* between enter and exit (or the parent's end) */
    uint8_t exiting;                     /* the parent is in wa_task_group_exit */
    uint8_t aborting;                    /* a failure or a cancellation: members cancelled */
    uint8_t parent_cancel_requested;     /* the group cancelled its parent; exit withdraws it */
};

static void group_free(wa_task_group *g) {
    int closing = g->loop->closing;      /* then every object goes at once */
    for (size_t i = 0; i < g->count; i++) {
        if (!closing) wa__future_unref(&g->members[i]->task->fut);
        free(g->members[i]);
    }
    if (!closing) wa__future_unref(g->all_done);
    free(g->members);
    free(g->report);
    wa__retire_object(g, sizeof *g);     /* a later exit or create_task with it answers WA_EINVAL */
}

/* Adds "name: message" to the group's report. */
static void record(wa_task_group *g, const char *name, int code, const char *msg) {
    if (!g->first_error) g->first_error = code;
    if (!msg || !*msg) msg = wa_strerror(code);
    size_t used = g->report ? strlen(g->report) : 0;
    size_t len = used + strlen(name) + strlen(msg) + 5;
    char *report = wa__realloc(g->report, len);
    if (!report) return;                 /* out of memory: the code still stands */
    snprintf(report + used, len - used, "%s%s: %s", used ? "; " : "", name, msg);
    g->report = report;
}

static void abort_members(wa_task_group *g) {
    g->aborting = 1;
    for (size_t i = 0; i < g->count; i++) wa__task_request_cancel(g->members[i]->task, NULL);
}

static void member_failed(wa_task_group *g, wa_task *t, int code) {
    record(g, wa_task_name(t), code, t->fut.msg);
    if (!g->aborting) abort_members(g);
    if (!g->exiting && !g->parent_cancel_requested) {
        /* Stop the body wherever it awaits, so it reaches exit early. */
        g->parent_cancel_requested = 1;
        wa__task_request_cancel(g->parent, NULL);
    }
}

static void member_done(wa__handle *h) {
    member *m = (member *)h;
    wa_task_group *g = m->group;
    g->live--;
    if (g->open) {
        int code = wa__future_code(&m->task->fut);  /* the group reads every outcome */
        if (code && code != WA_ECANCELLED) member_failed(g, m->task, code);
        if (g->live == 0 && g->all_done->state == WA_PENDING)
            wa__future_complete(g->all_done, WA_DONE, 0, 0);
    } else if (g->live == 0) {
        group_free(g);                   /* the parent ended without exit: last one out */
    }
}

int wa_task_group_enter(wa_task_group **out) {
    wa_task *t = wa__running("wa_task_group_enter");
    if (!t) return WA_ENOTASK;
    if (!out) return wa__error(WA_EINVAL, "wa_task_group_enter: out is NULL");
    wa_task_group *g = wa__calloc(1, sizeof *g);
    if (!g) return wa__error(WA_ENOMEM, NULL);
    if (!(g->all_done = wa__future_new(t->fut.loop))) {
        free(g);
        return WA_ENOMEM;
    }
    g->obj.kind = WA__TASK_GROUP;
    g->loop = t->fut.loop;
    g->parent = t;
    g->open = 1;
    g->outer = t->groups;
    t->groups = g;
    *out = g;
    return 0;
}

wa_task *wa_task_group_create_task(wa_task_group *g, wa_fn fn, void *arg) {
    if (!wa__is(g, WA__TASK_GROUP)) return WA__BAD(g, WA__TASK_GROUP, "wa_task_group_create_task", NULL);
    if (!fn) {
        wa__error(WA_EINVAL, "wa_task_group_create_task: the task body is NULL");
        return NULL;
    }
    if (!g->open || (g->exiting && !g->live) || g->aborting) {
        wa__error(WA_ESTATE, g->aborting ? "wa_task_group_create_task: the task group is shutting down"
                                         : "wa_task_group_create_task: the task group has ended");
        return NULL;
    }
    if (g->count == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        member **members = wa__realloc(g->members, cap * sizeof *members);
        if (!members) {
            wa__error(WA_ENOMEM, NULL);
            return NULL;
        }
        g->members = members;
        g->cap = cap;
    }
    member *m = wa__malloc(sizeof *m);
    wa_task *t = m ? wa__task_new(wa__loop_now, fn, arg) : NULL;
    if (!t) {
        if (!m) wa__error(WA_ENOMEM, NULL);
        free(m);
        return NULL;
    }
    m->done.run = member_done;
    m->group = g;
    m->task = t;
    wa__future_ref(&t->fut);
    wa__list_push(&t->fut.callbacks, &m->done);
    g->members[g->count++] = m;
    g->live++;
    return t;
}

/* The parent can no longer wait here: the members finish on their own, and
 * the last one frees the group. */
static void orphan(wa_task_group *g) {
    g->open = 0;
    for (size_t i = 0; i < g->count; i++) {
        member *m = g->members[i];
        if (m->task->fut.state == WA_PENDING && wa__list_remove(&m->task->fut.callbacks, &m->done))
            g->live--;
    }
    if (g->live == 0) group_free(g);
}

int wa_task_group_exit(wa_task_group *g, int rc) {
    wa_task *t = wa__running("wa_task_group_exit");
    if (!t) return WA_ENOTASK;
    if (!wa__is(g, WA__TASK_GROUP)) return wa__bad_object(g, WA__TASK_GROUP, "wa_task_group_exit");
    if (g->parent != t || t->groups != g || g->exiting)
        return wa__error(WA_EINVAL, "wa_task_group_exit: %s",
                         g->parent != t ? "a task group must be exited by the task that opened it"
                                        : "task groups must be exited once, innermost first");
    g->exiting = 1;
    char *body_msg = rc && rc != WA_ECANCELLED ? wa__strdup(wa__message_for(rc)) : NULL;
    int cancelled = rc == WA_ECANCELLED;
    if (g->parent_cancel_requested && wa_task_uncancel(t) == 0) cancelled = 0; /* ours, not outside's */
    if (rc && !g->aborting) abort_members(g);
    while (g->live) {
        if (g->all_done->state != WA_PENDING) wa__future_reset(g->all_done);
        int wait_rc = wa_await_future(g->all_done);
        if (wait_rc == WA_ECANCELLED) {  /* cancelled from outside while waiting here */
            cancelled = 1;
            if (!g->aborting) abort_members(g);
        } else if (wait_rc) {            /* cannot suspend here: let the members finish alone */
            t->groups = g->outer;
            orphan(g);
            free(body_msg);
            return wait_rc;
        }
    }
    if (rc && rc != WA_ECANCELLED) record(g, wa_task_name(t), rc, body_msg);
    free(body_msg);
    int result = g->first_error ? wa__error(g->first_error, "%s", g->report ? g->report : wa_strerror(g->first_error))
                 : cancelled    ? WA_ECANCELLED
                                : 0;
    t->groups = g->outer;
    g->open = 0;
    group_free(g);
    return result;
}

void wa__groups_drop(wa_task *t) {
    while (t->groups) {
        wa_task_group *g = t->groups;
        t->groups = g->outer;
        if (t->fut.loop->closing) {
            g->live = 0;
            group_free(g);
        } else {
            orphan(g);
        }
    }
}
