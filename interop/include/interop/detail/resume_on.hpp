// Resuming a waiter on its own runtime.
//
// When something completes on one thread (a task finishing, a channel send) and
// wakes a coroutine that belongs to a runtime, the coroutine must continue on that
// runtime's thread(s), not on the waker's: a task of an Asio runtime woken from a
// libuv thread would otherwise run inside the wrong event loop.
#pragma once

#include <coroutine>

#include "interop/context.hpp"
#include "interop/detail/driver.hpp"

namespace interop::detail {

// What a waiter leaves behind so a waker can resume it in the right place.
struct remote_waiter {
    std::coroutine_handle<> handle{};
    runtime_ref runtime{};
    resume_operation op;

    template <typename Promise>
    void capture(std::coroutine_handle<Promise> h) noexcept {
        handle = h;
        if constexpr (context_promise<Promise>) {
            if (task_context* ctx = h.promise().context()) runtime = ctx->runtime;
        }
    }

    // Resumes inline when the caller already runs on the waiter's runtime (or the
    // waiter has none); otherwise posts the resumption to that runtime. A runtime
    // that no longer accepts posts has stopped running anything else, so the waiter
    // is then resumed here rather than lost.
    void resume() noexcept {
        if (runtime && !runtime.vtable->in_runtime_thread(runtime.self)) {
            op.coroutine = handle;
            if (runtime.vtable->post(runtime.self, &op)) return;
        }
        handle.resume();
    }
};

}  // namespace interop::detail
