// The waiting room of a sync primitive or channel: an intrusive FIFO of suspended
// coroutines, and an awaitable base that parks a coroutine in it with cancellation.
//
// Every list belongs to a primitive that guards it with its own std::mutex. Wakers
// (unlock, release, send, ...) decide under that mutex, then resume the waiter by a
// post to the waiter's runtime, never inline: so a wake never re-enters the waker,
// a chain of hand-offs cannot grow the stack, and a waiter on another runtime
// continues on its own thread.
//
// Cancellation: while parked, a stop request on the waiting task unlinks the node
// under the primitive's mutex and resumes the waiter with `cancelled`. Whoever
// unlinks the node first decides its outcome, so a waiter that was granted a permit,
// a lock or an item never also reports cancellation, and a cancelled waiter never
// holds anything.
#pragma once

#include <coroutine>
#include <mutex>
#include <optional>

#include "interop/context.hpp"
#include "interop/detail/coop_budget.hpp"
#include "interop/detail/intrusive_list.hpp"
#include "interop/detail/resume_on.hpp"
#include "interop/detail/task_record.hpp"
#include "interop/detail/wait_kinds.hpp"
#include "interop/stop_token.hpp"

namespace interop::detail {

enum class wait_outcome : unsigned char { pending, granted, cancelled, closed };

struct waiter_node {
    waiter_node* prev = nullptr;
    waiter_node* next = nullptr;
    bool linked = false;
    wait_outcome outcome = wait_outcome::pending;
    remote_waiter wake{};
    void* payload = nullptr;      // per primitive: where an item goes, what a send offers
    task_record* task = nullptr;  // the parked task, for task dumps (task_record.hpp)

    // Posts the resumption; after this the node may be gone at any moment. Its task is
    // ready from here: the outcome is decided, so nothing else writes its state.
    void resume_posted() noexcept {
        if (task != nullptr) task->wait.set(&wait_ready, nullptr, 0);
        runtime_ref rt = wake.runtime;
        if (rt) {
            wake.op.coroutine = wake.handle;
            if (rt.vtable->post(rt.self, &wake.op)) return;
        }
        wake.handle.resume();
    }
};

// The waiters of one primitive, in arrival order; `linked` says whether a node is in.
class waiter_list {
public:
    bool empty() const noexcept { return nodes_.empty(); }
    waiter_node* front() const noexcept { return nodes_.front(); }

    void push_back(waiter_node* n) noexcept {
        nodes_.push_back(n);
        n->linked = true;
    }
    void remove(waiter_node* n) noexcept {
        nodes_.remove(n);
        n->linked = false;
    }
    waiter_node* pop_front() noexcept {
        waiter_node* n = nodes_.front();
        if (n != nullptr) remove(n);
        return n;
    }

private:
    intrusive_list<waiter_node> nodes_;
};

// Decides a parked waiter's outcome (under the primitive's mutex) and unlinks it;
// the caller resumes it with resume_posted() after unlocking.
inline waiter_node* settle(waiter_list& list, waiter_node* n, wait_outcome outcome) noexcept {
    list.remove(n);
    n->outcome = outcome;
    return n;
}

// Base of awaitables that may park in a waiter_list. Derived provides, all called
// with `mutex()` held:
//   std::mutex& mutex();
//   waiter_list& list();
//   bool try_now();                  // completes at once (sets node.outcome) or returns false;
//                                    // may be called twice for one wait, so false changes nothing
//   void on_park_locked();           // optional: count what parking counts
//   void on_cancel_locked();         // optional: undo what parking counted
//   static constexpr const wait_kind* waits_on;   // what a task dump calls the wait
//   std::int64_t wait_value_locked() const;       // optional: the number it shows
//   const void* waited_object() const;            // optional: the address it shows (the
//                                                 // primitive; default: its mutex())
// and reads node.outcome in its await_resume after calling finish().
template <typename Derived>
class parking_awaitable {
public:
    parking_awaitable() = default;
    // Moving is allowed only before the awaitable is awaited (so it can be handed to
    // a combinator such as timeout()); there is no waiting state to move yet.
    parking_awaitable(parking_awaitable&&) noexcept {}
    parking_awaitable(const parking_awaitable&) = delete;
    parking_awaitable& operator=(const parking_awaitable&) = delete;

    bool await_ready() const noexcept { return false; }

    template <typename Promise>
    bool await_suspend(std::coroutine_handle<Promise> h) {
        Derived& self = static_cast<Derived&>(*this);
        const stop_token* token = nullptr;
        task_record* task = nullptr;
        if constexpr (context_promise<Promise>) {
            if (task_context* ctx = h.promise().context()) {
                token = &ctx->stop_token;
                task = ctx->task;
            }
        }
        node.wake.capture(h);
        node.task = task;  // try_now may note who holds what it grants
        if (token != nullptr && token->stop_possible()) {
            // Most waits complete at once: try first, and pay for a stop callback only
            // when the wait may park.
            {
                std::lock_guard lock(self.mutex());
                if (token->stop_requested()) {
                    node.outcome = wait_outcome::cancelled;
                    return false;
                }
                if (self.try_now()) return yield_if_over_budget();
            }
            // Registered before the node is linked, so nothing touches this frame after
            // the unlock below: once linked, a waker on another thread may resume it.
            on_stop_.emplace(*token, canceller{this});
        }
        std::lock_guard lock(self.mutex());
        if (cancelled_early_) {
            node.outcome = wait_outcome::cancelled;
            return false;
        }
        if (self.try_now()) return yield_if_over_budget();
        if constexpr (requires { self.on_park_locked(); }) self.on_park_locked();
        if (task != nullptr) {
            const void* object = &self.mutex();
            if constexpr (requires { self.waited_object(); }) object = self.waited_object();
            task->wait.set(Derived::waits_on, object, self.wait_value_locked());
        }
        self.list().push_back(&node);
        coop_refill();
        return true;
    }

protected:
    // First thing in the derived await_resume.
    void finish() noexcept {
        on_stop_.reset();
        if (node.task != nullptr) node.task->wait.clear();
    }

    // What a dump shows with the kind of wait (Derived::waits_on): by default nothing.
    std::int64_t wait_value_locked() const noexcept { return 0; }

    waiter_node node;

private:
    // Completed at once; see coop_budget.hpp. The node is not linked, so its
    // resume operation is free to carry the yield.
    bool yield_if_over_budget() noexcept {
        if (!coop_spend() || !node.wake.runtime) return false;
        node.wake.op.coroutine = node.wake.handle;
        if (node.task != nullptr) node.task->wait.set(&wait_ready, nullptr, 0);
        if (node.wake.runtime.vtable->post(node.wake.runtime.self, &node.wake.op)) return true;
        if (node.task != nullptr) node.task->wait.clear();
        return false;
    }

    struct canceller {
        parking_awaitable* self;
        void operator()() const noexcept {
            Derived& d = static_cast<Derived&>(*self);
            waiter_node* to_resume = nullptr;
            {
                std::lock_guard lock(d.mutex());
                // The outcome is decided under this mutex; `linked` is not (a waker
                // moves a settled node to a list of its own after unlocking). So only
                // a node still pending is ours to cancel.
                if (self->node.outcome == wait_outcome::pending) {
                    if (self->node.linked) {
                        to_resume = settle(d.list(), &self->node, wait_outcome::cancelled);
                        if constexpr (requires { d.on_cancel_locked(); }) d.on_cancel_locked();
                    } else {
                        self->cancelled_early_ = true;  // not parked yet
                    }
                }
            }
            if (to_resume != nullptr) to_resume->resume_posted();
        }
    };

    bool cancelled_early_ = false;
    std::optional<stop_callback<canceller>> on_stop_;
};

}  // namespace interop::detail
