// Starting runtime primitives by hand, through runtime_ref's vtable.
//
// For behaviours the core offers no API for yet (name resolution, blocking offload,
// signals) and for what an adapter must do after stop(). The test owns the operation
// object, as the core would, and checks that the adapter completes it exactly once.
//
// An operation must outlive the runtime it was started on, in case the adapter
// still holds it when a failing test unwinds: declare it before the runtime.
//
//     conf::manual_operation<resolve_operation> op;
//     auto rt = conf::make_runtime();
//     op.host = "localhost";
//     rt->ref().vtable->resolve(rt->ref().self, &op);   // from a runtime thread
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <system_error>
#include <thread>

#include "interop/interop.hpp"

namespace interop::conformance {

namespace detail {
inline thread_local int calls_in_progress = 0;
}  // namespace detail

// Marks, for its lifetime, the calling thread as inside a primitive call (cancel,
// close, ...): a manual_operation completed on this thread meanwhile records that it
// was completed inside the call, which the contract forbids for cancel and close.
// (On a multi-threaded runtime another thread may complete it at the same moment;
// that is not inside the call.)
class inside_call {
public:
    inside_call() noexcept { ++detail::calls_in_progress; }
    ~inside_call() { --detail::calls_in_progress; }
    inside_call(const inside_call&) = delete;
    inside_call& operator=(const inside_call&) = delete;
};

template <typename Op>
class manual_operation : public Op {
public:
    manual_operation() noexcept : Op(&manual_operation::on_complete) {}

    bool completed() const noexcept { return completions_.load(std::memory_order_acquire) > 0; }
    // More than one is a broken adapter.
    int completions() const noexcept { return completions_.load(std::memory_order_acquire); }
    // Valid once completed().
    std::error_code error() const noexcept { return error_; }
    std::size_t bytes() const noexcept { return bytes_; }
    std::thread::id completed_on() const noexcept { return thread_; }
    // Completed on a thread that was inside a call marked with inside_call.
    bool completed_inside_call() const noexcept { return inside_call_; }

private:
    static void on_complete(operation* base, std::error_code ec, std::size_t n) noexcept {
        auto* self = static_cast<manual_operation*>(static_cast<Op*>(base));
        self->error_ = ec;
        self->bytes_ = n;
        self->thread_ = std::this_thread::get_id();
        if (detail::calls_in_progress > 0) self->inside_call_ = true;
        self->completions_.fetch_add(1, std::memory_order_release);
    }

    std::atomic<int> completions_{0};
    std::error_code error_{};
    std::size_t bytes_ = 0;
    std::thread::id thread_{};
    bool inside_call_ = false;
};

// Lets the calling task's runtime run (1 ms sleeps) until `op` has completed or
// `limit` of real time has passed; true when it completed.
template <typename Op>
task<bool> wait_for_completion(const manual_operation<Op>& op,
                               std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!op.completed()) {
        if (std::chrono::steady_clock::now() >= give_up) co_return false;
        (void)co_await sleep_for(std::chrono::milliseconds(1));
    }
    co_return true;
}

}  // namespace interop::conformance
