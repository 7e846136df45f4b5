/// \file
/// Small awaitables that read or use the awaiting task's context without
/// suspending it (or, for yield_now, suspending it for one turn of the loop).
#pragma once

#include <coroutine>
#include <cstdint>

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
        task = awaiter.promise().context()->task;
        if (task != nullptr) task->wait.set(&wait_ready, nullptr, 0);
        if (rt.vtable->post(rt.self, &op)) return true;
        stopped = true;
        return false;
    }
    io_result<void> await_resume() const noexcept {
        if (task != nullptr) task->wait.clear();
        if (stopped) return std::errc::operation_canceled;
        return {};
    }
    resume_operation op;
    task_record* task = nullptr;
    bool stopped = false;
};

struct task_id_awaitable {
    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) noexcept {
        const task_context* ctx = awaiter.promise().context();
        if (ctx != nullptr && ctx->task != nullptr) id = ctx->task->id;
        return false;
    }
    std::uint64_t await_resume() const noexcept { return id; }
    std::uint64_t id = 0;
};

}  // namespace detail

/// The context (runtime, stop token) of the task that awaits this; null outside any task.
inline detail::context_awaitable current_context() noexcept { return {}; }

/// The id of the task that awaits this, as task dumps show it (interop/debug.hpp); 0
/// in a coroutine that no interop entry point started.
inline detail::task_id_awaitable current_task_id() noexcept { return {}; }

/// Lets every other ready task run before this one continues.
[[nodiscard]] inline detail::yield_awaitable yield_now() noexcept { return {}; }

}  // namespace interop
