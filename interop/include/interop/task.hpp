/// \file
/// task<T>: a lazy, move-only coroutine that produces a T (or throws).
///
/// Awaiting a task starts it inside await_suspend and, when it finishes before
/// suspending, continues the awaiter without suspending it. An atomic handshake
/// decides who continues the awaiter: the awaiter (child finished inline) or the
/// child's final_suspend (child finished later, possibly on another thread). This
/// keeps the stack flat for chains of synchronously completing awaits in every
/// build: unoptimised and sanitizer builds do not turn symmetric transfer into a
/// tail call, so relying on it alone would overflow the stack.
#pragma once

#include <atomic>
#include <cassert>
#include <concepts>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

#include "interop/context.hpp"
#include "interop/detail/frame_allocator.hpp"
#include "interop/detail/task_record.hpp"

/// A portable async standard library for C++20: tasks, scopes, time, networking,
/// byte streams, async iteration, channels and sync primitives, over any runtime.
namespace interop {

template <typename T = void>
class task;

namespace detail {

// The first parameter of invoke_task (invoke_task.hpp), which picks the promise's
// constructor that records no coroutine of its own.
struct invoke_tag {};

struct promise_base {
    // A parameter type of its own: a coroutine's parameters are offered to the
    // promise's constructor first, and none of them can be a coroutine_site.
    explicit promise_base(coroutine_site where = {}) noexcept : where_(where) {}

    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept {
        deallocate_frame(frame, size);
    }

    std::suspend_always initial_suspend() noexcept { return {}; }

    // Whoever reaches the handshake second continues the awaiter.
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            promise_base& p = self.promise();
            if (p.handshake.exchange(true, std::memory_order_acq_rel)) return p.continuation;
            return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }

    task_context* context() const noexcept { return context_; }
    void set_context(task_context* ctx) noexcept { context_ = ctx; }

    // Starts the (suspended) coroutine `self` with `awaiter` as its continuation.
    // Returns true when the awaiter must suspend, false when the child already
    // finished and the awaiter may simply continue.
    bool start_awaited(std::coroutine_handle<> self, std::coroutine_handle<> awaiter) {
        continuation = awaiter;
        self.resume();
        return !handshake.exchange(true, std::memory_order_acq_rel);
    }

    const coroutine_site& where() const noexcept { return where_; }

    task_context* context_ = nullptr;
    coroutine_site where_;
    std::coroutine_handle<> continuation{};
    std::atomic<bool> handshake{false};
};

template <typename T>
struct task_promise : promise_base {
    // A coroutine's parameters are offered to the promise's constructor first: these
    // take none but their own types, so every other coroutine gets the first one with
    // its default argument, evaluated in the coroutine.
    template <std::same_as<coroutine_site> Site = coroutine_site>
    explicit task_promise(Site where = coroutine_site::here()) noexcept : promise_base(where) {}
    // invoke_task's frame: its coroutine is the callable's, noted once it runs.
    template <std::same_as<invoke_tag> Tag, typename... Args>
    explicit task_promise(Tag, Args&&...) noexcept {}
    task<T> get_return_object() noexcept;

    template <typename U>
        requires std::convertible_to<U&&, T>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        result.template emplace<1>(std::forward<U>(value));
    }
    void unhandled_exception() noexcept { result.template emplace<2>(std::current_exception()); }

    T take_result() {
        if (result.index() == 2) std::rethrow_exception(std::get<2>(result));
        assert(result.index() == 1 && "task result taken before the task finished");
        return std::move(std::get<1>(result));
    }

    std::variant<std::monostate, T, std::exception_ptr> result;
};

template <>
struct task_promise<void> : promise_base {
    // A coroutine's parameters are offered to the promise's constructor first: these
    // take none but their own types, so every other coroutine gets the first one with
    // its default argument, evaluated in the coroutine.
    template <std::same_as<coroutine_site> Site = coroutine_site>
    explicit task_promise(Site where = coroutine_site::here()) noexcept : promise_base(where) {}
    // invoke_task's frame: its coroutine is the callable's, noted once it runs.
    template <std::same_as<invoke_tag> Tag, typename... Args>
    explicit task_promise(Tag, Args&&...) noexcept {}
    task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void unhandled_exception() noexcept { exception = std::current_exception(); }
    void take_result() {
        if (exception) std::rethrow_exception(exception);
    }
    std::exception_ptr exception;
};

}  // namespace detail

/// A lazy, move-only coroutine that produces a `T` (or throws). Awaiting a task
/// starts it; chains of awaits that complete at once keep the stack flat.
template <typename T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    task() noexcept = default;
    explicit task(handle_type h) noexcept : handle_(h) {}
    task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    task& operator=(task other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    ~task() {
        if (handle_) handle_.destroy();
    }

    bool valid() const noexcept { return static_cast<bool>(handle_); }

    struct awaiter {
        handle_type child;

        bool await_ready() const noexcept { return false; }
        template <typename Promise>
        bool await_suspend(std::coroutine_handle<Promise> parent) {
            if constexpr (detail::context_promise<Promise>) {
                child.promise().set_context(parent.promise().context());
            }
            return child.promise().start_awaited(child, parent);
        }
        T await_resume() { return child.promise().take_result(); }
    };

    awaiter operator co_await() && noexcept {
        assert(handle_ && "awaiting an empty task");
        return awaiter{handle_};
    }

    /// For the machinery that runs tasks (spawn, scope, run): take the frame.
    handle_type release() noexcept { return std::exchange(handle_, {}); }
    handle_type handle() const noexcept { return handle_; }

private:
    handle_type handle_{};
};

namespace detail {
template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

// The coroutine of a task, for task dumps; nothing for an empty task.
template <typename T>
coroutine_site where_of(const task<T>& t) noexcept {
    return t.valid() ? t.handle().promise().where() : coroutine_site{};
}
}  // namespace detail

}  // namespace interop
