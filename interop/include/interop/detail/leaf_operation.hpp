// The bridge from a runtime primitive to a coroutine: an awaitable that owns one
// operation object, starts it in await_suspend, and resumes the awaiter when the
// adapter completes it.
//
// Completion may happen inline (inside the start call), later on the runtime
// thread, or on another thread of a multi-threaded runtime. An atomic handshake
// decides whether await_suspend returns false (the result is already there, keep
// going without suspending) or the completion resumes the awaiter.
//
// Cancellation: when the awaiting task's stop token is stopped, the stop callback of
// its context (context_stop.hpp), or one of the operation's own where the context has
// none to share, asks the adapter to cancel the operation; a deadline (timeout() over
// a stream's read or write, deadline_slot.hpp) may ask too. Whoever asks first claims
// the operation, so the adapter hears at most one cancel. A claimed operation does not
// resume its awaiter until the adapter's cancel() has returned as well as its
// completion: the one of the two that comes last resumes. So the adapter never sees a
// dangling operation, and the stop callback, left (or destroyed) before the awaiter
// continues, never waits for more than a claim that failed.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <new>
#include <system_error>
#include <type_traits>

#include "interop/context.hpp"
#include "interop/detail/context_stop.hpp"
#include "interop/detail/coop_budget.hpp"
#include "interop/detail/driver.hpp"
#include "interop/detail/frame_allocator.hpp"
#include "interop/detail/wait_kinds.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/stop_token.hpp"

namespace interop::detail {

template <typename Leaf>
class timed_operation;

// A member that its constructor leaves uninitialised, for a value always written before
// it is read: a runtime_ref and a coroutine handle initialise themselves otherwise.
template <typename T>
union written_before_read {
    static_assert(std::is_trivially_destructible_v<T>);
    // Written out, not defaulted: a defaulted one would be deleted, as T's default
    // constructor (which initialises) is not trivial.
    // NOLINTNEXTLINE(modernize-use-equals-default,cppcoreguidelines-pro-type-member-init)
    written_before_read() noexcept {}
    T value;
};

// Op: one of the operation structs of runtime/interface.hpp.
// Derived: provides `void start(runtime_ref)` that fills in and starts the op.
template <typename Op, typename Derived>
class leaf_operation : protected Op, private stop_watcher {
public:
    leaf_operation() noexcept : Op(&leaf_operation::on_complete) {}
    // Moving is allowed only before the operation starts (so an operation can be
    // handed to a combinator such as timeout()); there is no state to move yet.
    leaf_operation(leaf_operation&&) noexcept : Op(&leaf_operation::on_complete) {}
    leaf_operation(const leaf_operation&) = delete;
    leaf_operation& operator=(const leaf_operation&) = delete;
    leaf_operation& operator=(leaf_operation&&) = delete;
    // An operation abandoned while it waits (its frame destroyed) leaves its slot, or
    // removes its own callback. Inline: every operation ends here, for one test.
    [[gnu::always_inline]] ~leaf_operation() {
        if (stop_watch_ != not_watched) [[unlikely]]
            stop_watching();
    }

    bool await_ready() const noexcept { return false; }

    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        task_context* ctx = context_for(awaiter);
        switch (begin(awaiter, ctx)) {
            case began::refused:
                return false;
            case began::finished:
                return yield_if_over_budget(ctx);
            case began::pending:
                break;
        }
        if (!wait_for_completion(awaiter, ctx)) return yield_if_over_budget(ctx);
        return true;
    }

protected:
    template <typename Leaf>
    friend class timed_operation;

    // An operation on an object bound to a runtime (a socket) runs there; others
    // run on the awaiting task's runtime.
    runtime_ref select_runtime(runtime_ref from_context) const noexcept { return from_context; }

    // The runtime the operation runs on, for a task on `from_context`: worked out again
    // where it is needed rather than kept, as it is the object's (a socket's) or the
    // task's, both at hand.
    runtime_ref runtime_for(runtime_ref from_context) const noexcept {
        return static_cast<const Derived*>(this)->select_runtime(from_context);
    }

    // The steps of await_suspend, for an awaitable that does more than wait for one
    // operation (write_all on a stream continues in a coroutine of its own only when
    // the first write does not finish at once).
    enum class began { refused, finished, pending };

    template <context_promise Promise>
    static task_context* context_for(std::coroutine_handle<Promise> awaiter) {
        task_context* ctx = awaiter.promise().context();
        if (ctx == nullptr || !ctx->runtime) throw no_runtime_error(Derived::operation_name);
        return ctx;
    }

    // Starts the operation for `awaiter`. refused: stop was already requested, the
    // result is operation_canceled and nothing started; finished: it completed inside
    // the start call; pending: it waits, and wait_for_completion must follow.
    began begin(std::coroutine_handle<> awaiter, task_context* ctx) noexcept {
        if (ctx->stop_token.stop_requested()) {
            set_error(std::make_error_code(std::errc::operation_canceled));
            return began::refused;
        }
        // Before the start: a deadline may cancel the operation (on runtime_for(post_to_))
        // as soon as it waits, before wait_for_completion.
        post_to_.value = ctx->runtime;
        awaiter_.value = awaiter;
        static_cast<Derived*>(this)->start(runtime_for(ctx->runtime));
        if (state_.load(std::memory_order_acquire) == done) return began::finished;
        return began::pending;
    }

    // The pending operation resumes `resume` when it completes (possibly on another
    // thread, possibly before this returns). Returns false when it completed before
    // the handshake: then nothing will be resumed and the caller continues itself.
    // Until the handshake, the completion does not look at the handle, so it may
    // differ from the one begin() was given.
    bool wait_for_completion(std::coroutine_handle<> resume, task_context* ctx) {
        return wait_for_completion_inline(resume, ctx);
    }
    // The same, always inlined: for the timed read and write (timed_operation.hpp), whose
    // own steps around it would otherwise pay a second call and its prologue per wait.
    [[gnu::always_inline]] bool wait_for_completion_inline(std::coroutine_handle<> resume,
                                                           task_context* ctx) {
        awaiter_.value = resume;
        // Written before the handshake: after it the completion may already clear it.
        // Also before the stop callback, whose cancel may be the last party to finish.
        wait_ = &ctx->task->wait;
        if constexpr (wait_notes) note_wait();
        if (ctx->stop_token.stop_possible()) watch_stop(ctx);
        if (finished_all(state_.fetch_or(suspended, std::memory_order_acq_rel))) {
            if constexpr (wait_notes) wait_->clear();
            return false;
        }
        coop_refill();
        return true;
    }

    // For a canceller other than the stop token (a deadline): claims the right to
    // cancel, which fails once the operation has completed or another canceller has
    // claimed it. A successful claim keeps the operation, and its awaiter, alive until
    // cancel_claimed() has returned.
    bool claim_cancel() noexcept {
        int s = state_.load(std::memory_order_acquire);
        do {
            if ((s & (done | claimed)) != 0) return false;
        } while (!state_.compare_exchange_weak(s, s | claimed, std::memory_order_acq_rel,
                                               std::memory_order_acquire));
        return true;
    }
    // After a successful claim: asks the adapter to cancel. Resumes the awaiter (by a
    // post to its runtime: this may run on any thread) if the operation completed
    // while the adapter was being asked.
    void cancel_claimed() noexcept {
        const runtime_ref on = runtime_for(post_to_.value);
        on.vtable->cancel(on.self, static_cast<operation*>(this));
        const int before = state_.fetch_or(cancel_returned, std::memory_order_acq_rel);
        if ((before & (done | suspended)) == (done | suspended)) resume_later();
    }

    // For the derived await_resume: called first, so no stop callback sees the
    // operation any more.
    void finish() noexcept {
        if (stop_watch_ > own_callback_failed) {
            watching_slot()->unwatch(this);
            stop_watch_ = not_watched;
        } else if (stop_watch_ != not_watched) [[unlikely]] {
            stop_watching();
        }
    }
    // The error as two words, not a std::error_code member: its default constructor
    // calls system_category() out of line, for every operation built.
    bool failed() const noexcept { return error_value_ != 0; }
    std::error_code error() const noexcept {
        return failed() ? std::error_code(error_value_, *error_category_) : no_error;
    }
    std::size_t transferred() const noexcept { return transferred_; }
    Op& op() noexcept { return *this; }

    // The operation completed inline; see coop_budget.hpp. The finished operation
    // itself is posted to resume the awaiter (as a post: the adapter is done with it,
    // and the result is already kept in error_value_ and transferred_), so the awaiter
    // carries no second operation for the rare yield.
    bool yield_if_over_budget(task_context* ctx) noexcept {
        if (!coop_spend()) return false;
        return yield_turn(ctx);
    }
    // The yield itself, once the budget ran out, for an awaitable that finished without
    // begin(), which would have kept the awaiter for the yield to resume (write_all's
    // fast path, which builds the operation only to yield).
    bool yield_turn_for(task_context* ctx, std::coroutine_handle<> awaiter) noexcept {
        awaiter_.value = awaiter;
        return yield_turn(ctx);
    }

private:
    bool yield_turn(task_context* ctx) noexcept {
        operation& base = op();
        base.kind = op_kind::post;
        base.on_complete = &leaf_operation::on_yield_turn;
        wait_ = &ctx->task->wait;
        wait_->set(&wait_ready, nullptr, 0);
        if (ctx->runtime.vtable->post(ctx->runtime.self, &base)) return true;
        wait_->clear();
        return false;
    }

    // Bits of state_: the completion came (done), the awaiter has suspended or gone on
    // without suspending (suspended), a canceller claimed the operation (claimed), and
    // its call of the adapter's cancel() returned (cancel_returned).
    enum : int { starting = 0, done = 1, suspended = 2, claimed = 4, cancel_returned = 8 };

    // Whether the parties other than the one that just arrived (which `before` does
    // not show) are done: the completion, and a claimed cancel's call.
    static bool others_done(int before, int arriving) noexcept {
        const int after = before | arriving;
        const int needed =
            (after & claimed) != 0 ? done | suspended | cancel_returned : done | suspended;
        return (after & needed) == needed;
    }
    static bool finished_all(int before) noexcept { return others_done(before, suspended); }

    // The last party was a canceller, which may run on any thread (the one that
    // requested stop): the awaiter resumes on its runtime instead, as the completion
    // of the finished operation reused as a post, like a yield.
    void resume_later() noexcept {
        operation& base = op();
        base.kind = op_kind::post;
        base.on_complete = &leaf_operation::on_yield_turn;
        const runtime_ref to = post_to_.value;
        if (to.vtable->post(to.self, &base)) return;
        // The runtime no longer runs anything: resume here rather than never.
        on_yield_turn(&base, {}, 0);
    }

    static void on_yield_turn(operation* base, std::error_code, std::size_t) noexcept {
        auto* self = static_cast<leaf_operation*>(static_cast<Op*>(base));
        self->wait_->clear();
        self->awaiter_.value.resume();
    }

    // What the task now waits on, for task dumps: the derived awaitable may say more
    // than the operation does.
    void note_wait() noexcept {
        wait_note note{};
        if constexpr (requires(const Derived& d) { d.wait_note(); }) {
            note = static_cast<const Derived*>(this)->wait_note();
        } else {
            note = note_of(static_cast<const Op&>(*this));
        }
        // The operations on a socket (read, write, send, receive) show no number.
        constexpr bool with_value = !std::is_base_of_v<io_operation, Op>;
        wait_->set_from_running<with_value>(note.kind, note.object, note.value);
    }

    // Before the handshake, as the operation's cancel may be the last party to finish.
    // A stop requested meanwhile is caught either way: begin() refused the operation
    // before it, the callback finds the operation watched, or watch() sees the flag.
    void watch_stop(task_context* ctx) noexcept {
        context_stop* slot = ctx->stop_slot.get();
        if (slot != nullptr && slot->usable(ctx->stop_token)) [[likely]] {
            if (!slot->registered()) slot->register_on(ctx->stop_token);
            const context_stop::watch_result watched = slot->watch(this, &stop_table);
            // Busy: two operations wait in one context (see context_stop.hpp).
            if (watched != context_stop::watch_result::busy) [[likely]] {
                stop_watch_ = reinterpret_cast<std::uintptr_t>(slot);
                if (watched == context_stop::watch_result::stopped && claim_cancel())
                    cancel_claimed();
                return;
            }
        }
        watch_with_own_callback(ctx);
    }

    // A callback of the operation's own, out of line. The operation has started, so
    // if there is no memory for it the operation is cancelled at once, and reports
    // not_enough_memory unless it completed first (finish()): it fails cleanly and, as
    // any cancelled read, consumes nothing; it never waits unseen by a stop.
    [[gnu::noinline]] void watch_with_own_callback(task_context* ctx) noexcept {
        try {
            own_callback = allocate_frame(sizeof(own_callback_type));
        } catch (const std::bad_alloc&) {
            stop_watch_ = own_callback_failed;
            if (claim_cancel()) cancel_claimed();
            return;
        }
        new (own_callback) own_callback_type(ctx->stop_token, canceller{this});
        stop_watch_ = own_callback_watches;
    }

    context_stop* watching_slot() const noexcept {
        return reinterpret_cast<context_stop*>(stop_watch_);
    }

    // Out of line: rare, and out of the way of the destructor and of finish(), which
    // stays small enough for the derived await_resume to be inlined where it is used.
    [[gnu::noinline]] void stop_watching() noexcept {
        if (stop_watch_ == own_callback_failed) {
            // Cancelled for want of memory (watch_with_own_callback), not for a stop.
            if (error() == std::errc::operation_canceled)
                set_error(std::make_error_code(std::errc::not_enough_memory));
        } else if (stop_watch_ == own_callback_watches) {
            static_cast<own_callback_type*>(own_callback)->~own_callback_type();
            deallocate_frame(own_callback, sizeof(own_callback_type));
        } else if (stop_watch_ > own_callback_failed) {
            watching_slot()->unwatch(this);
        }
        stop_watch_ = not_watched;
    }

    static bool claim_for_stop(stop_watcher* self) noexcept {
        return static_cast<leaf_operation*>(self)->claim_cancel();
    }
    static void cancel_for_stop(stop_watcher* self) noexcept {
        static_cast<leaf_operation*>(self)->cancel_claimed();
    }
    static constexpr stop_cancel stop_table{&claim_for_stop, &cancel_for_stop};

    struct canceller {
        leaf_operation* self;
        void operator()() const noexcept {
            if (self->claim_cancel()) self->cancel_claimed();
        }
    };

    void set_error(const std::error_code& ec) noexcept {
        error_value_ = ec.value();
        error_category_ = &ec.category();
    }

    static void on_complete(operation* base, std::error_code ec, std::size_t n) noexcept {
        auto* self = static_cast<leaf_operation*>(static_cast<Op*>(base));
        self->set_error(ec);
        self->transferred_ = n;
        const int before = self->state_.fetch_or(done, std::memory_order_acq_rel);
        if ((before & suspended) != 0 && others_done(before, done)) {
            if constexpr (wait_notes) {
                self->wait_->clear_and_resume(self->awaiter_.value);
            } else {
                self->awaiter_.value.resume();
            }
        }
    }

    // Every operation is built per call, and one under timeout() twice (it is moved into
    // the timed awaiter): what begin() or the completion writes before anything reads
    // it is left uninitialised until then. Only state_ and stop_watch_ start set.
    //
    // The awaiting task's runtime, where a late resumption goes; the operation runs on
    // runtime_for(post_to_). Set by begin().
    written_before_read<runtime_ref> post_to_;
    written_before_read<std::coroutine_handle<>> awaiter_;  // set by begin()
    // The awaiting task's state, written before any path that reads it (a wait, a
    // yield).
    wait_state* wait_;
    std::atomic<int> state_{starting};
    // The result: set by the completion, or by begin() when it refuses. await_resume()
    // reads it only after begin() (await_ready() is false, or the derived awaitable
    // answers a ready one itself).
    int error_value_;
    const std::error_category* error_category_;
    std::size_t transferred_;
    // What watches the operation for a stop while it waits, in one word that the
    // destructor tests: nothing, a stop callback of its own (out of line, at the
    // stop_watcher base's pointer), none because there was no memory for one (the
    // operation was cancelled instead), or else its context's slot, by address.
    static constexpr std::uintptr_t not_watched = 0;
    static constexpr std::uintptr_t own_callback_watches = 1;
    static constexpr std::uintptr_t own_callback_failed = 2;
    std::uintptr_t stop_watch_ = not_watched;
    using own_callback_type = stop_callback<canceller>;
};

}  // namespace interop::detail
