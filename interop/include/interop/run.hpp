/// \file
/// Entry points that drive tasks from ordinary code: interop::run on a runtime,
/// interop::sync_wait without one.
#pragma once

#include <atomic>
#include <concepts>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "interop/detail/driver.hpp"
#include "interop/detail/invoke_task.hpp"
#include "interop/detail/run_state.hpp"
#include "interop/detail/stored.hpp"
#include "interop/runtime/default_runtime.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"

namespace interop {

namespace detail {

template <typename T>
struct outcome {
    std::variant<std::monostate, stored_t<T>, std::exception_ptr> state;

    T get() {
        if (state.index() == 0) {
            throw std::runtime_error(
                "interop::run: the runtime stopped before the task finished, and the task was "
                "abandoned "
                "where it waited: the runtime's loop returned by itself, or its stop() was called "
                "directly instead of through interop::request_stop");
        }
        if (state.index() == 2) std::rethrow_exception(std::get<2>(state));
        if constexpr (!std::is_void_v<T>) return std::move(std::get<1>(state));
    }
};

template <typename T>
driver drive_into(task<T> t, outcome<T>* out, void (*done)(void*) noexcept, void* done_arg) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(t);
            out->state.template emplace<1>();
        } else {
            out->state.template emplace<1>(co_await std::move(t));
        }
    } catch (...) {
        out->state.template emplace<2>(std::current_exception());
    }
    // The task's frame is freed here, before `done` reports the outcome: whoever waits
    // for it finds everything the task owned released. (Reset in place: a local to move
    // it into would take a word of this frame; see drive_scope_child.)
    t = task<T>{};
    task_record* record = (co_await current_context())->task;
    driver::release_stop(record);
    co_await driver::release_deadline{record};
    end_task(*record);
    done(done_arg);
}

void throw_if_in_runtime_thread(runtime_ref rt);
// logic_error if the calling thread runs a runtime that interop::run drives: a
// blocking entry point there would stall that runtime's loop.
void throw_if_blocking_a_runtime_thread(const char* entry_point);
void throw_runtime_not_accepting();

// Marks a runtime as driven by `state` for the lifetime of this object.
class core_slot_guard {
public:
    core_slot_guard(runtime_ref rt, run_state* state);
    ~core_slot_guard();
    core_slot_guard(const core_slot_guard&) = delete;
    core_slot_guard& operator=(const core_slot_guard&) = delete;

private:
    runtime_ref rt_;
};

}  // namespace detail

/// Drives `rt` on the calling thread until `t` has finished and every task spawned
/// during the run has finished too (they are cancelled once `t` is done). Returns
/// t's value or rethrows its exception. request_stop(rt), called meanwhile from any
/// thread, cancels `t` and every spawned task; run returns (or rethrows) what `t`
/// then produces, once they have all finished. Calling it from a thread that runs this or
/// any other runtime driven by interop::run is a logic error (std::logic_error): it
/// would block that runtime's loop, or deadlock.
template <typename T>
T run(runtime_ref rt, task<T> t) {
    detail::throw_if_in_runtime_thread(rt);
    detail::run_state state(rt);
    detail::core_slot_guard slot(rt, &state);
    task_context ctx{rt, state.root_token(), &state};
    detail::outcome<T> out;
    auto on_root_done = [](void* s) noexcept {
        static_cast<detail::run_state*>(s)->begin_shutdown();
    };
    const detail::task_origin origin{detail::task_kind::root, {}, detail::where_of(t), {}, 0,
                                     &state.tasks()};
    if (!detail::drive_into(std::move(t), &out, on_root_done, &state).start(&ctx, origin)) {
        detail::throw_runtime_not_accepting();
    }
    rt.vtable->run(rt.self);
    return out.get();
}

/// Same, calling `fn(args...)` inside the task's own frame, as spawn does: a lambda
/// needs no immediately-invoked `()`, and its captures and the arguments live as long
/// as the task. `interop::run(rt, serve_forever, port)`.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto run(runtime_ref rt, F&& fn, Args&&... args) {
    return run(rt, detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...));
}

/// Runs `t` on a new runtime of the kind selected at build time (INTEROP_RUNTIME).
template <typename T>
T run(task<T> t) {
    detail::owned_runtime owned = detail::make_default_runtime();
    struct destroyer {
        detail::owned_runtime& o;
        ~destroyer() { o.destroy(o.object); }
    } guard{owned};
    return run(owned.ref, std::move(t));
}

/// Same, calling `fn(args...)` inside the task's own frame, on a new runtime of the
/// kind selected at build time: `int main() { return interop::run(serve, 8080); }`.
template <typename F, typename... Args>
    requires std::invocable<F, Args...>
auto run(F&& fn, Args&&... args) {
    return run(detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...));
}

/// Runs `t` on the calling thread without any runtime, blocking until it finishes
/// (it may be completed by another thread, through a channel for example).
/// Awaiting a runtime operation inside it throws interop::no_runtime_error. Calling
/// it on a thread that runs a runtime driven by interop::run is a logic error
/// (std::logic_error): it would block that runtime's loop.
template <typename T>
T sync_wait(task<T> t) {
    detail::throw_if_blocking_a_runtime_thread("interop::sync_wait");
    task_context ctx{};
    detail::outcome<T> out;
    std::atomic<bool> finished{false};
    auto on_done = [](void* f) noexcept {
        auto* flag = static_cast<std::atomic<bool>*>(f);
        flag->store(true, std::memory_order_release);
        flag->notify_one();
    };
    const detail::task_origin origin{detail::task_kind::blocking, {}, detail::where_of(t)};
    detail::drive_into(std::move(t), &out, on_done, &finished).start(&ctx, origin);
    finished.wait(false, std::memory_order_acquire);
    return out.get();
}

}  // namespace interop
