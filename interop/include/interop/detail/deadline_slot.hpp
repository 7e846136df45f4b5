// A task's deadline timer: what makes timeout() over a stream's read or write cost a
// few stores instead of a timer started and cancelled per operation.
//
// Each task (its driver's frame) has one slot with one timer operation. An operation
// under a deadline registers itself in the slot while it waits (watch) and leaves it
// when it resumes (unwatch). The timer is armed lazily: for the first deadline, and
// afterwards only when a deadline comes earlier than the one it is armed for. When it
// fires, it looks at what is watched then: an operation whose deadline has passed is
// cancelled (and reports timed_out); one whose deadline is later gets the timer
// re-armed for it; with nothing watched the timer falls idle. So a loop that reads
// under the same timeout over and over arms the timer about once per timeout period,
// not once per read, and never cancels it.
//
// The timer may thus outlive the operation that armed it, never the task: when the
// task ends, its driver cancels an armed timer and waits for its completion (release)
// before it frees the slot. The slot is made when the task's first operation waits
// under a deadline, so a task that never does pays nothing for it.
//
// Threads: the task's thread watches and unwatches; the timer's completion may run on
// another thread of a multi-threaded runtime. A spin lock guards the slot; the
// adapter's timer_start() and cancel() are called under it, which the contract allows
// (neither ever completes an operation inside the call). An expired operation is
// claimed under the lock and cancelled after it (leaf_operation: a claimed operation
// stays alive until its cancel has returned).
#pragma once

#include <atomic>
#include <coroutine>
#include <new>
#include <system_error>

#include "interop/detail/frame_allocator.hpp"
#include "interop/detail/spin_lock.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

struct deadline_watch;

// How a slot cancels a watched operation (leaf_operation's claim_cancel and
// cancel_claimed), one static table per kind of operation.
struct deadline_cancel {
    bool (*claim)(deadline_watch*) noexcept;
    void (*cancel_claimed)(deadline_watch*) noexcept;
};

// What a slot sees of an operation under a deadline. `at` and `cancel` are filled in
// by the operation before watch().
struct deadline_watch {
    runtime_clock::time_point at{};
    const deadline_cancel* cancel = nullptr;
    bool expired = false;  // the deadline cancelled the operation (set under the slot's lock)
};

class deadline_slot {
public:
    deadline_slot() noexcept = default;
    deadline_slot(const deadline_slot&) = delete;
    deadline_slot& operator=(const deadline_slot&) = delete;
    ~deadline_slot() = default;

    // From the frame allocator: in steady state a slot is a recycled block, no heap.
    static deadline_slot* make() {
        return new (allocate_frame(sizeof(deadline_slot))) deadline_slot;
    }
    static void destroy(deadline_slot* slot) noexcept {
        slot->~deadline_slot();
        deallocate_frame(slot, sizeof(deadline_slot));
    }

    // Whether an operation on `rt` may be watched: the timer is idle or armed there.
    // Only the task arms it, or the timer re-arms itself on the runtime it is on while
    // an operation is watched: what this says stays true until the task watches.
    bool accepts(runtime_ref rt) const noexcept {
        const void* on = armed_on_.load(std::memory_order_relaxed);
        return on == nullptr || on == rt.self;
    }

    // Watches `w` (its `at` and `cancel` filled in) with the timer on `rt`, which accepts()
    // allowed.
    void watch(deadline_watch* w, runtime_ref rt) noexcept {
        lock_.lock();
        watched_ = w;
        if (!armed()) {
            rt_ = rt;
            arm(w->at);
        } else if (w->at < timer_.deadline && !rearming_) {
            // Armed for later than this deadline: cancel, and the completion re-arms
            // for what is watched then.
            rearming_ = true;
            rt_.vtable->cancel(rt_.self, &timer_);
        }
        lock_.unlock();
    }

    // Returns whether the deadline expired (and cancelled the operation).
    bool unwatch(deadline_watch* w) noexcept {
        lock_.lock();
        if (watched_ == w) watched_ = nullptr;
        const bool expired = w->expired;
        lock_.unlock();
        return expired;
    }

    // At the end of the task: true when the timer is armed; it is then cancelled and
    // its completion resumes `ender`.
    bool release(std::coroutine_handle<> ender) noexcept {
        lock_.lock();
        if (!armed()) {
            lock_.unlock();
            return false;
        }
        ender_ = ender;
        if (!rearming_) {
            rearming_ = true;
            rt_.vtable->cancel(rt_.self, &timer_);
        }
        lock_.unlock();
        return true;
    }

private:
    // The timer operation, with the way back to its slot.
    struct timer : timer_operation {
        explicit timer(deadline_slot* s) noexcept : timer_operation(&timer::on_fire), slot(s) {}
        static void on_fire(operation* base, std::error_code ec, std::size_t) noexcept {
            static_cast<timer*>(static_cast<timer_operation*>(base))->slot->fire(ec);
        }
        deadline_slot* slot;
    };

    // Under the lock. A runtime that has stopped refuses the timer by completing it
    // inside timer_start(): that completion, on this thread with the lock held, only
    // notes the refusal (arming_).
    void arm(runtime_clock::time_point at) noexcept {
        armed_on_.store(rt_.self, std::memory_order_relaxed);
        rearming_ = false;
        timer_.deadline = at;
        arming_ = this;
        rt_.vtable->timer_start(rt_.self, &timer_);
        arming_ = nullptr;
    }

    void fire(std::error_code ec) noexcept {
        if (arming_ == this) {
            disarmed();  // refused: the runtime runs nothing more, and cancels what waits
            return;
        }
        lock_.lock();
        disarmed();
        if (ender_) {
            // Nothing of the slot is touched after the lock is released: the driver
            // frees it as soon as it goes on.
            const std::coroutine_handle<> ender = ender_;
            lock_.unlock();
            ender.resume();
            return;
        }
        deadline_watch* w = watched_;
        // Cancelled without a re-arm asked for: the runtime is stopping.
        const bool stopping = ec && !rearming_;
        if (w == nullptr || stopping) {
            lock_.unlock();
            return;
        }
        const runtime_clock::time_point now = rt_.vtable->now(rt_.self);
        if (w->at > now) {
            arm(w->at);
            lock_.unlock();
            return;
        }
        rearming_ = false;
        watched_ = nullptr;
        const deadline_cancel* cancel = w->cancel;
        const bool claimed = cancel->claim(w);
        if (claimed) w->expired = true;
        lock_.unlock();
        // The claim keeps the operation alive until this returns.
        if (claimed) cancel->cancel_claimed(w);
    }

    // Under the lock, or (accepts()) from the task's own thread.
    bool armed() const noexcept { return armed_on_.load(std::memory_order_relaxed) != nullptr; }
    void disarmed() noexcept { armed_on_.store(nullptr, std::memory_order_relaxed); }

    static inline thread_local const deadline_slot* arming_ = nullptr;

    spin_lock lock_;
    bool rearming_ = false;  // a cancel() of the armed timer is on its way
    runtime_ref rt_{};
    // rt_.self while the timer is armed, null while idle. Atomic for accepts(), which
    // reads it without the lock.
    std::atomic<const void*> armed_on_{nullptr};
    deadline_watch* watched_ = nullptr;
    std::coroutine_handle<> ender_{};
    timer timer_{this};
};

}  // namespace interop::detail
