// The queue between the tasks that produce a concurrent combinator's items and
// the iterator that hands them to the consumer.
//
// It bounds the work in flight. A producer reserves a slot before it starts an
// item, and the slot is free again only once the consumer has taken the item (or
// the producer gave the slot back). So at most `capacity` items are running or
// waiting to be taken, however slow the consumer is; a producer that finds no
// room waits, suspended, for one.
//
// Items are taken in one of two orders:
//   - completion: in the order fill() was called (buffer_unordered, merge);
//   - reservation: in the order reserve() granted the slots (buffered: the
//     producer reserves in source order, so items come out in source order).
//
// Producers and the consumer may run on different threads (items are separate
// tasks), so everything is guarded by one mutex; waiters park through the waiter
// machinery (interop/detail/waiter_list.hpp) and are woken by a post to their own
// runtime, never inline. A cancelled wait holds nothing: a cancelled take loses no
// item and a cancelled reserve holds no slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "interop/detail/ring.hpp"
#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

namespace interop::iter::detail {

// Waiters settled under a primitive's mutex, to be resumed once it is released.
//
// Deliberately not a waiter_list: pushing a node onto a list marks it linked
// again, and a stop request on the waiter's task (whose canceller reads `linked`
// under the primitive's mutex) would then take the node, already granted, for one
// still parked: it would unlink it from the wrong list and resume it a second time.
class wake_set {
public:
    wake_set() = default;
    wake_set(const wake_set&) = delete;
    wake_set& operator=(const wake_set&) = delete;

    void add(interop::detail::waiter_node* n) {
        if (count_ < inline_capacity) {
            nodes_[count_++] = n;
        } else {
            more_.push_back(n);
        }
    }

    // Posts every resumption; the set is empty afterwards.
    void resume_all() noexcept {
        for (std::size_t i = 0; i < count_; ++i) nodes_[i]->resume_posted();
        for (interop::detail::waiter_node* n : more_) n->resume_posted();
        count_ = 0;
        more_.clear();
    }

private:
    // A fill or a take wakes at most a consumer and a producer; only close() more.
    static constexpr std::size_t inline_capacity = 2;
    interop::detail::waiter_node* nodes_[inline_capacity] = {};
    std::size_t count_ = 0;
    std::vector<interop::detail::waiter_node*> more_;
};

template <typename V>
class handoff {
    using waiter_list = interop::detail::waiter_list;
    using waiter_node = interop::detail::waiter_node;
    using wait_outcome = interop::detail::wait_outcome;

public:
    using ticket = std::uint64_t;
    enum class order : unsigned char { completion, reservation };

    handoff(std::size_t capacity, order o) noexcept : capacity_(capacity), order_(o) {}
    handoff(const handoff&) = delete;
    handoff& operator=(const handoff&) = delete;

    // ---- producer side ------------------------------------------------------------

    class reserve_awaitable : public interop::detail::parking_awaitable<reserve_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_handoff_put;
        explicit reserve_awaitable(handoff* q) noexcept : q_(q) {}
        reserve_awaitable(reserve_awaitable&& other) noexcept : q_(other.q_) {}

        std::mutex& mutex() noexcept { return q_->mutex_; }
        waiter_list& list() noexcept { return q_->producers_; }
        bool try_now() {
            if (q_->closed_) {
                this->node.outcome = wait_outcome::closed;
                return true;
            }
            // Parked producers go first, so a newcomer never overtakes them.
            if (q_->producers_.empty() && q_->in_flight_ < q_->capacity_) {
                ticket_ = q_->grant_locked();
                this->node.outcome = wait_outcome::granted;
                return true;
            }
            this->node.payload = &ticket_;
            return false;
        }
        // A reserved slot, or std::nullopt when the wait was cancelled (or the
        // queue closed): then no slot is held.
        std::optional<ticket> await_resume() noexcept {
            this->finish();
            if (this->node.outcome != wait_outcome::granted) return std::nullopt;
            return ticket_;
        }

    private:
        handoff* q_;
        ticket ticket_ = 0;
    };

    // Waits for room for one more item in flight.
    [[nodiscard]] reserve_awaitable reserve() noexcept { return reserve_awaitable{this}; }

    // Puts the item of a reserved slot in the queue; never waits.
    void fill(ticket t, V value) {
        wake_set woken;
        {
            std::lock_guard lock(mutex_);
            if (order_ == order::reservation) {
                slots_[static_cast<std::size_t>(t - head_)].value.emplace(std::move(value));
            } else {
                slots_.push_back(slot{std::optional<V>(std::move(value)), false});
            }
            wake_consumer_locked(woken);
        }
        woken.resume_all();
    }

    // Gives back a reserved slot that will carry no item (the source ended, or the
    // slot only bounded some work that is now done).
    void unreserve(ticket t) {
        wake_set woken;
        {
            std::lock_guard lock(mutex_);
            --in_flight_;
            if (order_ == order::reservation)
                slots_[static_cast<std::size_t>(t - head_)].skipped = true;
            admit_producer_locked(woken);
            wake_consumer_locked(woken);
        }
        woken.resume_all();
    }

    // No producer will fill anything any more: once the items already filled have
    // been taken, the consumer sees the end. Slots reserved but never filled (an
    // item that could not start because the runtime was stopping) are dropped.
    void close() {
        wake_set woken;
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            while (!producers_.empty()) {
                woken.add(settle(producers_, producers_.front(), wait_outcome::closed));
            }
            wake_consumer_locked(woken);
        }
        woken.resume_all();
    }

    // ---- consumer side (one consumer at a time) --------------------------------------

    class take_awaitable : public interop::detail::parking_awaitable<take_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_handoff_take;
        explicit take_awaitable(handoff* q) noexcept : q_(q) {}
        take_awaitable(take_awaitable&& other) noexcept : q_(other.q_) {}

        std::mutex& mutex() noexcept { return q_->mutex_; }
        waiter_list& list() noexcept { return q_->consumers_; }
        bool try_now() {
            if (q_->pop_ready_locked(item_, woken_)) {
                this->node.outcome = wait_outcome::granted;
                return true;
            }
            if (q_->closed_) {
                this->node.outcome = wait_outcome::closed;
                return true;
            }
            this->node.payload = &item_;
            return false;
        }
        // An item, std::nullopt at the end, or operation_canceled (no item lost).
        io_result<std::optional<V>> await_resume() {
            this->finish();
            woken_.resume_all();
            if (this->node.outcome == wait_outcome::cancelled) return std::errc::operation_canceled;
            return std::move(item_);
        }

    private:
        handoff* q_;
        std::optional<V> item_;
        wake_set woken_;  // a producer let in by taking at once
    };

    // Waits for the next item.
    [[nodiscard]] take_awaitable take() noexcept { return take_awaitable{this}; }

    // Takes the next item if it is there.
    std::optional<V> try_take() {
        std::optional<V> item;
        wake_set woken;
        {
            std::lock_guard lock(mutex_);
            pop_ready_locked(item, woken);
        }
        woken.resume_all();
        return item;
    }

private:
    struct slot {
        std::optional<V> value;
        bool skipped = false;
    };

    ticket grant_locked() {
        ++in_flight_;
        if (order_ == order::reservation) {
            slots_.emplace_back();
            return head_ + slots_.size() - 1;
        }
        return 0;
    }

    // A slot became free: the longest-waiting producer gets it.
    void admit_producer_locked(wake_set& woken) {
        if (producers_.empty() || in_flight_ >= capacity_) return;
        waiter_node* n = producers_.front();
        *static_cast<ticket*>(n->payload) = grant_locked();
        woken.add(settle(producers_, n, wait_outcome::granted));
    }

    // Moves the next deliverable item into `out`, dropping skipped slots (and, once
    // closed, slots that can no longer be filled) in front of it.
    bool pop_ready_locked(std::optional<V>& out, wake_set& woken) {
        while (!slots_.empty()) {
            slot& front = slots_.front();
            if (front.value) {
                out.emplace(std::move(*front.value));
                slots_.pop_front();
                ++head_;
                --in_flight_;
                admit_producer_locked(woken);
                return true;
            }
            if (!front.skipped && !closed_) return false;
            slots_.pop_front();
            ++head_;
        }
        return false;
    }

    // Hands the next item (or the end) to a parked consumer.
    void wake_consumer_locked(wake_set& woken) {
        if (consumers_.empty()) return;
        waiter_node* n = consumers_.front();
        auto* out = static_cast<std::optional<V>*>(n->payload);
        if (pop_ready_locked(*out, woken)) {
            woken.add(settle(consumers_, n, wait_outcome::granted));
        } else if (closed_) {
            woken.add(settle(consumers_, n, wait_outcome::closed));
        }
    }

    std::mutex mutex_;
    const std::size_t capacity_;
    const order order_;
    interop::detail::ring<slot> slots_;  // keeps its memory: no allocation once warm
    ticket head_ = 0;                    // the ticket of slots_.front() (reservation order)
    std::size_t in_flight_ = 0;          // slots reserved and not yet taken or given back
    bool closed_ = false;
    waiter_list producers_;  // payload: ticket*
    waiter_list consumers_;  // payload: std::optional<V>*
};

}  // namespace interop::iter::detail
