// One stop callback per task context, instead of one per operation that waits.
//
// A task waits on at most one operation at a time in a given context (everything in
// one context is an awaited chain; concurrent work gets a context of its own through
// a scope or a spawn). So a context's stop callback is registered once, on the first
// wait that can be cancelled, and stays until the context ends; each operation that
// waits only names itself in the slot (watch) and leaves it when it resumes
// (unwatch). That costs a few uncontended stores in the task's own record, where a
// callback per operation links and unlinks a node in the stop source's list, which
// is shared by every task under the same scope.
//
// The slots live where the library's own contexts live: in a driven task's record and
// in a scope. A task_context points at its slot; a copy of a context does not carry
// the pointer, so a context made or copied by hand takes the callback per operation,
// as does an operation that finds the slot taken (two coroutines sharing one context)
// or registered on another token (a context whose token was overwritten).
//
// Protocol, the shape of deadline_slot.hpp: a spin lock guards the watched operation.
// - watch() takes the lock, names the operation, and reads the stop flag. The stop
//   callback (fire) takes the same lock after the flag is set: either it comes after
//   watch() and finds the operation, or watch() comes after it and sees the flag (the
//   operation then cancels itself). No stop is lost.
// - fire() claims the watched operation under the lock and cancels it after the lock
//   is released: the claim keeps the operation and its awaiter alive until the cancel
//   has returned (leaf_operation.hpp). The cancel may end the task inline, which may
//   release and free the slot: nothing of the slot is touched after it.
// - release(), on the task's thread when the context ends and no operation waits,
//   removes the callback; if it is running on another thread, it waits for it to
//   return (stop_callback's contract). The owner must call it before the stop source
//   may die: a driver before it reports the task's end, a scope in its destructor.
#pragma once

#include <new>

#include "interop/detail/spin_lock.hpp"
#include "interop/stop_token.hpp"

namespace interop::detail {

// How a slot cancels a watched operation (leaf_operation's claim_cancel and
// cancel_claimed), one static table per kind of operation.
struct stop_cancel {
    bool (*claim)(void* op) noexcept;
    void (*cancel_claimed)(void* op) noexcept;
};

class context_stop {
public:
    enum class watch_result {
        watching,  // the operation is watched; a stop will cancel it
        stopped,   // watched, but stop was requested already: the operation cancels itself
        busy,      // another operation is watched: this one needs a callback of its own
    };

    context_stop() noexcept = default;
    context_stop(const context_stop&) = delete;
    context_stop& operator=(const context_stop&) = delete;
    ~context_stop() { release(); }

    // Whether an operation waiting on `token` may use the slot: it is not registered
    // yet, or registered on that token.
    bool usable(const stop_token& token) const noexcept {
        return callback_ == nullptr || token_ == token;
    }
    bool registered() const noexcept { return callback_ != nullptr; }

    // Registers the slot's callback, which runs at once if stop was requested already
    // (then nothing is watched and it does nothing). Never with the lock held.
    [[gnu::noinline]] void register_on(const stop_token& token) noexcept {
        token_ = token;
        callback_ = new (storage_) callback(token, fire{this});
    }

    // On the task's thread, after register_on(). Inline, as unwatch(): once per wait.
    [[gnu::always_inline]] watch_result watch(void* op, const stop_cancel* fns) noexcept {
        lock_.lock();
        if (op_ != nullptr) {
            lock_.unlock();
            return watch_result::busy;
        }
        op_ = op;
        fns_ = fns;
        // Read after op_ is set: see the top of this file.
        const bool stopped = token_.stop_requested();
        lock_.unlock();
        return stopped ? watch_result::stopped : watch_result::watching;
    }

    // Leaves the slot, unless the stop callback has claimed the operation meanwhile.
    [[gnu::always_inline]] void unwatch(const void* op) noexcept {
        lock_.lock();
        if (op_ == op) op_ = nullptr;
        lock_.unlock();
    }

    // The context ends: see the top of this file.
    void release() noexcept {
        if (callback_ != nullptr) {
            callback_->~callback();
            callback_ = nullptr;
        }
    }

private:
    struct fire {
        context_stop* slot;
        void operator()() const noexcept { slot->on_stop(); }
    };
    using callback = stop_callback<fire>;

    void on_stop() noexcept {
        lock_.lock();
        void* const op = op_;
        const stop_cancel* const fns = fns_;
        const bool claimed = op != nullptr && fns->claim(op);
        if (claimed) op_ = nullptr;
        lock_.unlock();
        // The last statement: the cancel may end the task and free the slot.
        if (claimed) fns->cancel_claimed(op);
    }

    spin_lock lock_;
    void* op_ = nullptr;  // the watched operation, under the lock
    const stop_cancel* fns_ = nullptr;
    // What the callback is registered on; written and read by the task only.
    stop_token token_{};
    // The callback, built in storage_ when registered. Not a std::optional: a task
    // record, which holds a slot, must stay a standard-layout type.
    callback* callback_ = nullptr;
    alignas(callback) unsigned char storage_[sizeof(callback)]{};
};

// What a task_context holds of its slot: a pointer that a copy does not carry, so a
// context copied by hand never shares the slot of the one it was copied from.
class context_stop_ref {
public:
    constexpr context_stop_ref() noexcept = default;
    constexpr context_stop_ref(const context_stop_ref&) noexcept {}
    constexpr context_stop_ref& operator=(const context_stop_ref&) noexcept {
        slot_ = nullptr;
        return *this;
    }
    ~context_stop_ref() = default;

    context_stop* get() const noexcept { return slot_; }
    void set(context_stop* slot) noexcept { slot_ = slot; }

private:
    context_stop* slot_ = nullptr;
};

}  // namespace interop::detail
