/// \file
/// Small awaitables that read or use the awaiting task's context without
/// suspending it (or, for yield_now, suspending it for one turn of the loop).
#pragma once

#include <coroutine>

#include "interop/context.hpp"
#include "interop/detail/driver.hpp"
#include "interop/io_result.hpp"

namespace interop {

namespace detail {

struct context_awaitable {
    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) noexcept {
        ctx = awaiter.promise().context();
        return false;
    }
    task_context* await_resume() const noexcept { return ctx; }
    task_context* ctx = nullptr;
};

struct yield_awaitable {
    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        runtime_ref rt = runtime_of(awaiter, "interop::yield_now");
        op.coroutine = awaiter;
        if (rt.vtable->post(rt.self, &op)) return true;
        stopped = true;
        return false;
    }
    io_result<void> await_resume() const noexcept {
        if (stopped) return std::errc::operation_canceled;
        return {};
    }
    resume_operation op;
    bool stopped = false;
};

}  // namespace detail

/// The context (runtime, stop token) of the task that awaits this; null outside any task.
inline detail::context_awaitable current_context() noexcept { return {}; }

/// Lets every other ready task run before this one continues.
[[nodiscard]] inline detail::yield_awaitable yield_now() noexcept { return {}; }

}  // namespace interop
