// The task that does a concurrent combinator's work, run alongside its consumer.
//
// A concurrent combinator is a generator, and a generator's body runs only while
// its consumer awaits next(). The work that must keep going in between (items in
// flight, sources being drained, a deadline being watched) therefore runs in a
// task of its own: the generator spawns it on its first next() and talks to it
// through a queue (handoff.hpp). That task opens a scope and spawns the items into
// it, so they progress whenever the runtime runs, whatever the consumer is doing.
//
// `background` lives in the generator's frame and ties that task to the iterator:
//   - follow(ctx) links it to the consuming task's stop token, so cancelling the
//     consumer cancels the work at once (and through its scope, every item);
//   - join() waits until it has finished, which the generator does before it
//     reports the end, a failure or a cancellation, so those leave nothing running;
//   - destroying the iterator mid-way cancels it. The cancelled work then finishes
//     on its runtime, and interop::run waits for it like any spawned task. It owns
//     everything it uses (the source, the callables), so it never touches the
//     consumer's frame.
#pragma once

#include <optional>
#include <utility>

#include "interop/context.hpp"
#include "interop/spawn.hpp"
#include "interop/stop_token.hpp"
#include "interop/task.hpp"

namespace interop::iter::detail {

class background {
public:
    background() = default;
    background(const background&) = delete;
    background& operator=(const background&) = delete;
    ~background() { cancel(); }

    // Spawns `work` on the runtime of the awaiting task.
    task<void> start(task<void> work) {
        auto spawning = interop::spawn(std::move(work));
        handle_ = co_await std::move(spawning);
    }

    // Links the work to the stop token of the task that now consumes the iterator
    // (the consumer may change from one next() to the next).
    void follow(const task_context* ctx) {
        // The same token is linked already, unless its source has gone meanwhile (a
        // new one may sit at the same address) or has run the link.
        if (ctx == nullptr) return;
        if (linked_ && token_ == ctx->stop_token && (!link_ || link_->attached())) return;
        link_.reset();
        token_ = ctx->stop_token;
        linked_ = true;
        if (token_.stop_possible()) link_.emplace(token_, canceller{&handle_});
    }

    void cancel() noexcept {
        link_.reset();
        handle_.cancel();
    }

    // `co_await bg.join()`: waits for the work to finish; rethrows what escaped it.
    join_handle<void>& join() noexcept { return handle_; }

private:
    struct canceller {
        join_handle<void>* handle;
        void operator()() const noexcept { handle->cancel(); }
    };

    join_handle<void> handle_;  // declared first: the link that points at it goes first
    stop_token token_;
    bool linked_ = false;
    std::optional<stop_callback<canceller>> link_;
};

}  // namespace interop::iter::detail
