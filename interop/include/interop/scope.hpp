/// \file
/// Structured concurrency: a scope owns the tasks spawned into it and cannot finish
/// before they have.
///
///     co_await interop::with_scope([&](interop::scope& s) -> interop::task<> {
///         s.spawn(serve(std::move(conn)));
///         co_return;
///     });
///
/// - with_scope returns only after the body and every child have finished.
/// - If a child (or the body) throws, the scope is cancelled: every other child and
///   the body see operation_canceled at their next suspension point, and the first
///   exception is rethrown by with_scope once everything has finished.
/// - Cancelling the task that runs with_scope cancels the scope, and so everything
///   below it, through nested scopes too.
#pragma once

#include <atomic>
#include <concepts>
#include <coroutine>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "interop/detail/awaited_temporary.hpp"
#include "interop/detail/driver.hpp"
#include "interop/detail/invoke_task.hpp"
#include "interop/detail/run_state.hpp"
#include "interop/detail/stored.hpp"
#include "interop/detail/wait_kinds.hpp"
#include "interop/stop_token.hpp"
#include "interop/task.hpp"
#include "interop/task_name.hpp"
#include "interop/this_task.hpp"

namespace interop {

class scope;

namespace detail {
driver drive_scope_child(task<void> t, scope* s);
template <typename F>
auto run_scope(F body) -> std::invoke_result_t<F&, scope&>;

template <typename T>
task<void> discard_value(task<T> t) {
    (void)co_await std::move(t);
}

// Awaits a task in a given context instead of the awaiter's own. It does not own
// the task: the caller keeps it in a named variable, because GCC 12 destroys a
// temporary awaiter that owns resources twice when it is built in the operand of
// co_await.
template <typename T>
struct in_context_awaiter {
    typename task<T>::handle_type child;
    task_context* ctx;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> parent) {
        child.promise().set_context(ctx);
        return child.promise().start_awaited(child, parent);
    }
    T await_resume() { return child.promise().take_result(); }
};
}  // namespace detail

/// Owns the tasks spawned into it and cannot finish before they have. with_scope
/// creates one, runs its body with it and returns once the body and every child have
/// finished.
class scope {
public:
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

    /// Starts `t` as a child of this scope (its value, if any, is discarded).
    template <typename T>
    void spawn(task<T> t, detail::spawn_site site = detail::spawn_site::here()) {
        spawn_as({}, site, std::move(t));
    }
    /// Same, with a name for task dumps (interop/debug.hpp).
    template <typename T>
    void spawn(const task_name& name, task<T> t) {
        spawn_as(name.text(), name.site(), std::move(t));
    }

    /// Calls `fn(args...)` inside the child's own frame, so captures and arguments
    /// live as long as the child.
    template <typename F, typename... Args>
        requires std::invocable<F, Args...>
    void spawn(F&& fn, Args&&... args) {
        spawn_as({}, {}, detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...));
    }
    /// Same, with a name for task dumps.
    template <typename F, typename... Args>
        requires std::invocable<F, Args...>
    void spawn(const task_name& name, F&& fn, Args&&... args) {
        spawn_as(name.text(), name.site(),
                 detail::invoke_task(std::forward<F>(fn), std::forward<Args>(args)...));
    }

    /// Cancels the body and every child; with_scope still waits for all of them.
    void cancel() noexcept { source_.request_stop(); }
    interop::stop_token stop_token() const noexcept { return source_.get_token(); }
    bool cancelled() const noexcept { return source_.stop_requested(); }

private:
    template <typename F>
    friend auto detail::run_scope(F body) -> std::invoke_result_t<F&, scope&>;
    friend detail::driver detail::drive_scope_child(task<void> t, scope* s);

    // The body runs in context_, as part of the task that runs with_scope.
    explicit scope(task_context* parent)
        : context_{parent ? parent->runtime : runtime_ref{}, source_.get_token(),
                   parent ? parent->run : nullptr,
                   parent ? parent->task : &detail::unrecorded_task} {
        context_.stop_slot.set(&stop_);
        if (parent != nullptr && parent->stop_token.stop_possible()) {
            parent_link_.emplace(parent->stop_token, detail::stop_requester{&source_});
        }
    }

    template <typename T>
    void spawn_as(std::string_view name, detail::spawn_site site, task<T> t) {
        const detail::coroutine_site coroutine = detail::where_of(t);
        if constexpr (std::is_void_v<T>) {
            spawn_void(std::move(t), name, site, coroutine);
        } else {
            spawn_void(detail::discard_value(std::move(t)), name, site, coroutine);
        }
    }

    void spawn_void(task<void> t, std::string_view name, detail::spawn_site site,
                    detail::coroutine_site coroutine) {
        // A context made by hand has no record of its own (detail::unrecorded_task):
        // its scopes' children are listed with the run's tasks instead.
        detail::task_record* owner =
            context_.task != &detail::unrecorded_task ? context_.task : nullptr;
        const detail::task_origin origin{
            detail::task_kind::child,
            name,
            coroutine,
            site,
            owner ? owner->id : 0,
            owner ? &owner->children : (context_.run ? &context_.run->tasks() : nullptr),
            0,
            this};
        active_.fetch_add(1, std::memory_order_relaxed);
        if (!detail::drive_scope_child(std::move(t), this).start(&context_, origin)) {
            // The runtime accepts no more work: the child is cancelled before it runs,
            // and so is the rest of the scope, as everywhere a task cannot start
            // (docs/semantics.md, "A task that cannot start").
            cancel();
            child_done();
        }
    }

    void fail(std::exception_ptr e) noexcept {
        {
            std::lock_guard lock(failure_mutex_);
            if (!failure_) failure_ = std::move(e);
        }
        cancel();
    }

    void child_done() noexcept {
        if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) joiner_.resume();
    }

    struct join_awaiter {
        scope* s;
        bool await_ready() const noexcept { return false; }
        bool await_suspend(std::coroutine_handle<> joiner) noexcept {
            s->joiner_ = joiner;
            detail::task_record* task = s->context_.task;
            // A dump counts the children still there itself (task_record::children).
            if (task != nullptr) task->wait.set(&detail::wait_scope, s, 0);
            // Drop the body's own count; the last child to finish resumes us.
            if (s->active_.fetch_sub(1, std::memory_order_acq_rel) != 1) return true;
            if (task != nullptr) task->wait.clear();
            return false;
        }
        void await_resume() const noexcept {
            if (s->context_.task != nullptr) s->context_.task->wait.clear();
        }
    };
    join_awaiter join() noexcept { return {this}; }

    stop_source source_;
    // The body's stop callback, registered on source_. Declared after it, so that it is
    // destroyed, which removes the callback, before source_ is.
    detail::context_stop stop_;
    task_context context_;
    std::optional<stop_callback<detail::stop_requester>> parent_link_;
    std::atomic<std::size_t> active_{1};  // the body, plus one per running child
    std::coroutine_handle<> joiner_{};
    std::mutex failure_mutex_;
    std::exception_ptr failure_;
};

namespace detail {
inline driver drive_scope_child(task<void> t, scope* s) {
    try {
        co_await std::move(t);
    } catch (...) {
        s->fail(std::current_exception());
    }
    // The child's frame (with the arguments and captures it owns) is freed here, before
    // the scope hears that the child is done: once with_scope returns, nothing a child
    // owned is still alive. Reset in place rather than moved into a local of a block:
    // a local would take a word of this frame, which holds every spawned task's record,
    // and push it into the next size class of the frame allocator.
    t = task<void>{};
    task_record* record = (co_await current_context())->task;
    driver::release_stop(record);
    co_await driver::release_deadline{record};
    end_task(*record);
    s->child_done();
}
}  // namespace detail

namespace detail {
template <typename F>
auto run_scope(F body) -> std::invoke_result_t<F&, scope&> {
    using body_task = std::invoke_result_t<F&, scope&>;
    using T = typename body_task::value_type;
    scope s(co_await current_context());
    std::exception_ptr body_failure;
    std::optional<detail::stored_t<T>> result;
    try {
        body_task running = body(s);
        if constexpr (std::is_void_v<T>) {
            co_await detail::in_context_awaiter<T>{running.handle(), &s.context_};
            result.emplace();
        } else {
            result.emplace(co_await detail::in_context_awaiter<T>{running.handle(), &s.context_});
        }
    } catch (...) {
        body_failure = std::current_exception();
        s.cancel();
    }
    co_await s.join();
    if (body_failure) std::rethrow_exception(body_failure);
    if (s.failure_) std::rethrow_exception(s.failure_);
    if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}
}  // namespace detail

/// Runs `body(scope&)` and returns its result once the body and every task it
/// spawned into the scope have finished. See the top of this file. The body is
/// copied (or moved) into the returned task; on GCC 12 a temporary that owns
/// resources is refused at compile time (detail/awaited_temporary.hpp).
template <typename F>
    requires std::invocable < std::decay_t<F>
&, scope& > auto with_scope(F&& body) {
    detail::reject_awaited_owning_temporary<F>();
    return detail::run_scope(std::decay_t<F>(std::forward<F>(body)));
}

}  // namespace interop
