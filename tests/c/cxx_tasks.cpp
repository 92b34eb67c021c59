// C++ task bodies: a template, lambdas, virtual calls and std::function, each
// of which awaits. A body the build left uninstrumented would run again from
// its start when resumed: the event logs and entry counts would show it.
// What tasks share lives in static or heap memory, never in a task's locals
// (tasks share one stack, saved while they are suspended).
#include "check.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

static int entries;                      // bodies started; each starts once

namespace n {
template <typename T> int body(void *arg) {
    entries++;
    T value = *static_cast<T *>(arg);
    LOG("template %d", int(value));
    if (int rc = wa_sleep(0.001)) return rc;
    LOG("template %d resumed", int(value));
    return wa_return(intptr_t(value * 2));
}
} // namespace n

static int templates(void *) {
    static int i = 3;
    static long l = 5;
    wa_task *a = wa_create_task(n::body<int>, &i);
    wa_task *b = wa_create_task(n::body<long>, &l);
    CHECK_INT(wa_await(a), 0);
    CHECK_INT(wa_await(b), 0);
    intptr_t va = 0, vb = 0;
    wa_task_result(a, &va);
    wa_task_result(b, &vb);
    CHECK_INT(va, 6);
    CHECK_INT(vb, 10);
    CHECK_INT(entries, 2);
    CHECK_LOG("template 3 template 5 template 3 resumed template 5 resumed");
    wa_task_release(a);
    wa_task_release(b);
    return 0;
}

static int lambdas(void *) {
    entries = 0;
    // A lambda without captures is a wa_fn.
    wa_task *t = wa_create_task([](void *arg) -> int {
        entries++;
        LOG("lambda %s", static_cast<const char *>(arg));
        if (int rc = wa_yield()) return rc;
        LOG("lambda resumed");
        return wa_return(7);
    }, const_cast<char *>("plain"));
    CHECK_INT(wa_await(t), 0);
    intptr_t v = 0;
    wa_task_result(t, &v);
    CHECK_INT(v, 7);
    CHECK_INT(entries, 1);
    CHECK_LOG("lambda plain lambda resumed");
    wa_task_release(t);
    return 0;
}

struct Worker {
    virtual ~Worker() = default;
    virtual int step(int i) = 0;
};

struct Sleeper : Worker {
    std::string name;
    explicit Sleeper(std::string n) : name(std::move(n)) {}
    int step(int i) override {
        LOG("%s step %d", name.c_str(), i);
        return wa_sleep(0.001);          // suspends inside a virtual call
    }
};

static int run_worker(void *arg) {
    entries++;
    Worker *w = static_cast<Worker *>(arg);
    for (int i = 0; i < 2; i++)
        if (int rc = w->step(i)) return rc;
    return 0;
}

static int virtual_calls(void *) {
    entries = 0;
    std::unique_ptr<Worker> s(new Sleeper("s"));
    wa_task *t = wa_create_task(run_worker, s.get());
    CHECK_INT(wa_await(t), 0);
    CHECK_INT(entries, 1);
    CHECK_LOG("s step 0 s step 1");
    wa_task_release(t);
    return 0;
}

// std::function bodies, capturing state: a trampoline owns the function.
static int run_function(void *arg) {
    std::unique_ptr<std::function<int()>> fn(static_cast<std::function<int()> *>(arg));
    return (*fn)();
}

static wa_task *spawn(std::function<int()> fn) {
    return wa_create_task(run_function, new std::function<int()>(std::move(fn)));
}

static int functions(void *) {
    entries = 0;
    static std::vector<int> seen;        // written by the tasks: not on this task's stack
    seen.clear();
    std::vector<wa_task *> tasks;
    for (int i = 0; i < 3; i++) {
        tasks.push_back(spawn([i]() -> int {
            entries++;
            if (int rc = wa_sleep(0.01 * (3 - i))) return rc;    // finish in reverse order
            seen.push_back(i);
            return wa_return(i * 10);
        }));
    }
    for (size_t i = 0; i < tasks.size(); i++) {
        CHECK_INT(wa_await(tasks[i]), 0);
        intptr_t v = -1;
        wa_task_result(tasks[i], &v);
        CHECK_INT(v, int(i) * 10);
        wa_task_release(tasks[i]);
    }
    CHECK_INT(entries, 3);
    CHECK(seen == (std::vector<int>{2, 1, 0}));
    return 0;
}

#if defined(__cpp_exceptions) && !defined(__EMSCRIPTEN__)
// Natively an exception may cross an await inside a task body: the frames are
// back where they were when it is thrown. It must be caught inside the body.
static int exceptions(void *) {
    std::string caught;
    try {
        CHECK_INT(wa_sleep(0.001), 0);
        throw std::runtime_error("thrown after an await");
    } catch (const std::exception &e) {
        caught = e.what();
    }
    CHECK(caught == "thrown after an await");
    return 0;
}
#elif defined(__EMSCRIPTEN__) && defined(__cpp_exceptions) && defined(WA_TEST_EXCEPTIONS)
// Emscripten's exceptions (-fexceptions) run each call in a try block through
// JS (invoke_*), and Asyncify cannot unwind JS frames: an await there is
// refused with WA_ENOSUSPEND (in any function with a try block or with
// objects to destroy), and the task goes on.
static int exceptions(void *) {
    int rc = 0;
    std::string caught;
    try {
        rc = wa_sleep(0.001);
        if (rc) throw std::runtime_error(wa_errmsg());
    } catch (const std::exception &e) {
        caught = e.what();
    }
    CHECK_INT(rc, WA_ENOSUSPEND);
    CHECK(caught.find("cannot suspend here") != std::string::npos);
    return 0;
}
#endif

int main() {
#if defined(WA_TEST_EXCEPTIONS)
    check_plan(1);
#elif defined(__cpp_exceptions) && !defined(__EMSCRIPTEN__)
    check_plan(5);
#else
    check_plan(4);
#endif
#ifdef WA_TEST_EXCEPTIONS
    // Built with emscripten's -fexceptions, every call in a function with
    // destructors goes through JS: only the case made for it runs.
    run_case("C++ exceptions and awaits", exceptions, nullptr, 0);
    return check_exit();
#endif
    run_case("a template task body runs once", templates, nullptr, 0);
    run_case("a lambda task body runs once", lambdas, nullptr, 0);
    run_case("a task suspends inside a virtual call", virtual_calls, nullptr, 0);
    run_case("std::function task bodies with captures", functions, nullptr, 0);
#if defined(__cpp_exceptions) && !defined(__EMSCRIPTEN__)
    run_case("C++ exceptions and awaits", exceptions, nullptr, 0);
#endif
    return check_exit();
}
