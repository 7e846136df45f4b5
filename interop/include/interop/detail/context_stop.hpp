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
// Protocol, the shape of deadline_slot.hpp: a spin lock guards the watched operation
// and the slot's `stopped` flag.
// - The stop callback (on_stop) takes the lock, sets `stopped`, and claims the watched
//   operation if there is one. It runs after the stop source's own flag is set, and it
//   sets `stopped` even when nothing is watched, also when register_on() finds the
//   source stopped already and runs it at once.
// - watch() takes the lock, names the operation, and reads `stopped`, not the stop
//   source (whose line every task of a scope shares): the watch reads nothing outside
//   the task's own record. No stop is lost. One requested before begin()'s check refuses
//   the operation. Any later one runs the callback once the slot is registered: during
//   register_on() if the source is stopped by then (stop_callback's contract), else
//   from request_stop(). The callback takes the lock that watch() holds while it names
//   the operation and reads `stopped`: either it comes after watch() and finds the
//   operation, or watch() comes after it and sees `stopped` (the operation then
//   cancels itself). `stopped` is never cleared, so every later watch sees it too.
// - The callback cancels the operation it claimed after the lock is released: the
//   claim keeps the operation and its awaiter alive until the cancel has returned
//   (leaf_operation.hpp). The cancel may end the task inline, which may release and
//   free the slot: nothing of the slot is touched after it.
// - release(), on the task's thread when the context ends and no operation waits,
//   removes the callback; if it is running on another thread, it waits for it to
//   return (stop_callback's contract). The owner must call it before the stop source
//   may die: a driver before it reports the task's end, a scope in its destructor.
//
// Layout: what a wait touches comes first, 24 bytes (the lock with `stopped` beside
// it, the watched operation, the token the callback is registered on, which also
// says whether it is), then the callback's storage, touched only to register and
// release. How to cancel an operation is the operation's (stop_watcher), not a word
// of the slot written on every wait. task_record places these 24 bytes right after
// its wait state and context (task_record.hpp).
#pragma once

#include <cstddef>
#include <new>

#include "interop/detail/spin_lock.hpp"
#include "interop/stop_token.hpp"

namespace interop::detail {

struct stop_watcher;

// How a slot cancels a watched operation (leaf_operation's claim_cancel and
// cancel_claimed), one static table per kind of operation.
struct stop_cancel {
    bool (*claim)(stop_watcher* op) noexcept;
    void (*cancel_claimed)(stop_watcher* op) noexcept;
};

// What a slot watches: a base of the operation, one word. While the slot watches it,
// watch() notes its table here; while a stop callback of its own watches it instead
// (see leaf_operation.hpp), this points at that callback, which lives out of line (a
// block of the frame allocator): it is for a context made by hand or a busy slot, and
// kept in every awaiter it would widen each by six words. Never both at once. Unset
// until the operation is first watched.
struct stop_watcher {
    union {
        const stop_cancel* stop_fns;
        void* own_callback;
    };
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
    bool usable(const stop_token& token) const noexcept { return !registered() || token_ == token; }
    // Registered on a token, which has a source: a token without one is never
    // registered on (the caller tests stop_possible() first).
    bool registered() const noexcept { return token_.stop_possible(); }

    // Registers the slot's callback, which runs at once if stop was requested already
    // (then nothing is watched: it only sets `stopped`). Never with the lock held.
    [[gnu::noinline]] void register_on(const stop_token& token) noexcept {
        token_ = token;
        new (storage_) callback(token, fire{this});
    }

    // On the task's thread, after register_on(). Inline, as unwatch(): once per wait.
    [[gnu::always_inline]] watch_result watch(stop_watcher* op, const stop_cancel* fns) noexcept {
        op->stop_fns = fns;  // read by the callback under the lock
        lock_.lock();
        if (op_ != nullptr) {
            lock_.unlock();
            return watch_result::busy;
        }
        op_ = op;
        // Read after op_ is set, under the lock: see the top of this file.
        const bool stopped = stopped_;
        lock_.unlock();
        return stopped ? watch_result::stopped : watch_result::watching;
    }

    // Leaves the slot, unless the stop callback has claimed the operation meanwhile.
    [[gnu::always_inline]] void unwatch(const stop_watcher* op) noexcept {
        lock_.lock();
        if (op_ == op) op_ = nullptr;
        lock_.unlock();
    }

    // The context ends: see the top of this file.
    void release() noexcept {
        if (registered()) {
            std::launder(reinterpret_cast<callback*>(storage_))->~callback();
            token_ = stop_token{};
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
        stopped_ = true;
        stop_watcher* const op = op_;
        const stop_cancel* const fns = op != nullptr ? op->stop_fns : nullptr;
        const bool claimed = op != nullptr && fns->claim(op);
        if (claimed) op_ = nullptr;
        lock_.unlock();
        // The last statement: the cancel may end the task and free the slot.
        if (claimed) fns->cancel_claimed(op);
    }

    // Touched by every wait.
    spin_lock lock_;
    bool stopped_ = false;        // stop was requested: under the lock
    stop_watcher* op_ = nullptr;  // the watched operation: under the lock
    stop_token token_{};          // what the callback is registered on: the task's only
    // Touched only to register and release. Not a std::optional: a task record, which
    // holds a slot, must stay a standard-layout type.
    alignas(callback) unsigned char storage_[sizeof(callback)]{};

public:
    // How many bytes from the slot's start a wait touches: all but the storage.
    static constexpr std::size_t hot_bytes() noexcept;
};

constexpr std::size_t context_stop::hot_bytes() noexcept {
    return offsetof(context_stop, storage_);
}
static_assert(context_stop::hot_bytes() == 3 * sizeof(void*),
              "a wait touches three words of the slot");

// What a task_context holds of its slot: a pointer that a copy does not carry, so a
// context copied by hand never shares the slot of the one it was copied from.
class context_stop_ref {
public:
    constexpr context_stop_ref() noexcept = default;
    constexpr context_stop_ref(const context_stop_ref&) noexcept {}
    constexpr context_stop_ref& operator=(const context_stop_ref& other) noexcept {
        if (this != &other) slot_ = nullptr;  // assigned to itself, a context keeps its slot
        return *this;
    }
    ~context_stop_ref() = default;

    context_stop* get() const noexcept { return slot_; }
    void set(context_stop* slot) noexcept { slot_ = slot; }

private:
    context_stop* slot_ = nullptr;
};

}  // namespace interop::detail
