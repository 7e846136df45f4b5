// A cooperative yield point for combinators that may always have an item ready.
//
// A pipeline over a source that never suspends (a synchronous generator, a
// channel that is always full) would otherwise run its consumer forever without
// giving other tasks a turn. Each combinator spends one unit of the thread's
// cooperative budget per item (interop/detail/coop_budget.hpp); when the budget
// runs out, the coroutine is posted to the back of its runtime's queue once.
//
//     co_await detail::cooperate();
//
// Without a runtime (under sync_wait, or inside a coroutine type that carries no
// interop context) there is nobody to yield to, so it continues at once.
#pragma once

#include <coroutine>

#include "interop/context.hpp"
#include "interop/detail/coop_budget.hpp"
#include "interop/detail/driver.hpp"

namespace interop::iter::detail {

struct cooperate_awaiter {
    // Spends the unit here: await_ready is called exactly once per co_await.
    bool await_ready() const noexcept { return !interop::detail::coop_spend(); }

    template <typename Promise>
    bool await_suspend(std::coroutine_handle<Promise> self) noexcept {
        if constexpr (interop::detail::context_promise<Promise>) {
            task_context* ctx = self.promise().context();
            if (ctx != nullptr && ctx->runtime) {
                op.coroutine = self;
                task = ctx->task;
                if (task != nullptr) task->wait.set(&interop::detail::wait_ready, nullptr, 0);
                // A runtime that no longer accepts posts is shutting down: go on.
                return ctx->runtime.vtable->post(ctx->runtime.self, &op);
            }
        }
        return false;
    }

    void await_resume() const noexcept {
        if (task != nullptr) task->wait.clear();
    }

    interop::detail::resume_operation op;
    interop::detail::task_record* task = nullptr;
};

// Trivially destructible, so it may be built inside a co_await operand.
[[nodiscard]] inline cooperate_awaiter cooperate() noexcept { return {}; }

}  // namespace interop::iter::detail
