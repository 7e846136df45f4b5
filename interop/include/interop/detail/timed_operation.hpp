// timeout() over one leaf operation (a stream's read or write): the operation itself,
// watched by its task's deadline timer (deadline_slot.hpp) while it waits. No scope,
// no child tasks, no timer of its own: a read that completes in time costs a clock
// read and a few stores more than a plain one.
//
// A context made by hand has no deadline timer of its own, and a task whose timer is armed on
// another runtime cannot use it for this one: the operation then runs under
// timeout()'s general way (timeout_in_task), in a task started here.
#pragma once

#include <coroutine>
#include <system_error>
#include <type_traits>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/await_result.hpp"
#include "interop/detail/deadline_slot.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/detail/stream_io.hpp"
#include "interop/detail/task_record.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"
#include "interop/time.hpp"

namespace interop::detail {

template <typename Awaitable>
auto timeout_in_task(duration limit, Awaitable op)
    -> task<flat_io_result_t<await_result_t<Awaitable>>>;

// The operations that wait under a deadline timer: a stream's read and write.
template <typename Awaitable>
inline constexpr bool deadline_capable = false;
template <>
inline constexpr bool deadline_capable<stream_read> = true;
template <>
inline constexpr bool deadline_capable<stream_write> = true;

// The leaf_operation base of an operation.
template <typename Op, typename Derived>
leaf_operation<Op, Derived>& leaf_part_of(leaf_operation<Op, Derived>& op) noexcept {
    return op;
}

template <typename Leaf>
class timed_operation : private deadline_watch {
    using result_type = flat_io_result_t<await_result_t<Leaf>>;

public:
    timed_operation(Leaf op, duration limit) noexcept : op_(std::move(op)), limit_(limit) {}
    // Movable before it starts, as the operation is.
    timed_operation(timed_operation&& other) noexcept
        : deadline_watch(), op_(std::move(other.op_)), limit_(other.limit_) {}
    timed_operation(const timed_operation&) = delete;
    timed_operation& operator=(const timed_operation&) = delete;
    timed_operation& operator=(timed_operation&&) = delete;
    ~timed_operation() = default;

    bool await_ready() const noexcept { return op_.await_ready(); }

    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        task_context* ctx = leaf().context_for(awaiter);
        // Only a driven task has a slot, so one test covers the usual case.
        deadline_slot* slot = ctx->task->deadline;
        if (slot == nullptr || !slot->accepts(ctx->runtime)) [[unlikely]] {
            slot = first_slot(ctx);
            if (slot == nullptr) return start_in_task(awaiter, ctx);
        }
        switch (leaf().begin(awaiter, ctx)) {
            case leaf_base::began::refused:
                return false;
            case leaf_base::began::finished:
                return leaf().yield_if_over_budget(ctx);
            case leaf_base::began::pending:
                break;
        }
        // Watched before the handshake: once past it, the operation may complete and
        // its task resume and unwatch on another thread.
        at = saturating_add(ctx->runtime.vtable->now(ctx->runtime.self), limit_);
        cancel = &cancel_table;
        slot->watch(this, ctx->runtime);
        slot_ = slot;
        if (!leaf().wait_for_completion_inline(awaiter, ctx))
            return leaf().yield_if_over_budget(ctx);
        return true;
    }

    result_type await_resume() {
        if (in_task_.valid()) return in_task_.handle().promise().take_result();
        const bool timed_out = slot_ != nullptr && slot_->unwatch(this);
        // The result goes straight to the caller, not through a local and a copy,
        // unless the deadline expired.
        if (!timed_out) [[likely]]
            return op_.await_resume();
        return expired_result();
    }

private:
    using leaf_base = std::remove_reference_t<decltype(leaf_part_of(std::declval<Leaf&>()))>;

    leaf_base& leaf() noexcept { return leaf_part_of(op_); }

    static bool claim(deadline_watch* w) noexcept {
        return static_cast<timed_operation*>(w)->leaf().claim_cancel();
    }
    static void cancel_claimed(deadline_watch* w) noexcept {
        static_cast<timed_operation*>(w)->leaf().cancel_claimed();
    }
    static constexpr deadline_cancel cancel_table{&claim, &cancel_claimed};

    // Out of line: a second inlined await_resume() of the operation would make the
    // compiler call both out of line.
    [[gnu::noinline]] result_type expired_result() {
        result_type r = op_.await_resume();
        if (r.is(std::errc::operation_canceled)) return std::errc::timed_out;
        return r;
    }

    // The task's slot, made on its first deadline, or null when the operation must run
    // in a task of its own (the context was made by hand, or the timer is armed on
    // another runtime).
    static deadline_slot* first_slot(task_context* ctx) {
        task_record* record = ctx->task;
        if (!record->driven) return nullptr;
        if (record->deadline == nullptr) record->deadline = deadline_slot::make();
        return record->deadline->accepts(ctx->runtime) ? record->deadline : nullptr;
    }

    // Out of line: rare, and its frame would otherwise widen every await_suspend's.
    [[gnu::noinline]] bool start_in_task(std::coroutine_handle<> awaiter, task_context* ctx) {
        in_task_ = timeout_in_task(limit_, std::move(op_));
        auto& promise = in_task_.handle().promise();
        promise.set_context(ctx);
        return promise.start_awaited(in_task_.handle(), awaiter);
    }

    Leaf op_;
    duration limit_;
    deadline_slot* slot_ = nullptr;
    task<result_type> in_task_;
};

}  // namespace interop::detail
