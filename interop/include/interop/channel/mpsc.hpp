/// \file
/// Multi-producer, single-consumer channels, bounded or unbounded.
///
///     auto [tx, rx] = interop::mpsc::bounded<int>(16);
///     co_await tx.send(1);                  // waits while the channel is full
///     while (auto v = co_await rx.next()) { ... }   // rx is an AsyncIterator<int>
///
/// - Senders are copyable; the channel ends for the receiver once every sender is
///   gone (or close() was called) and the buffered items have been drained.
/// - A send waits while a bounded channel is full. A send whose receiver is gone, or
///   that is cancelled while waiting, fails and hands the value back.
/// - recv() returns io_result<std::optional<T>>: an item, std::nullopt at the end,
///   or operation_canceled. A cancelled receive loses no item. next() is the
///   iterator form: cancellation ends the iteration.
/// - Safe across threads and runtimes; wake-ups resume the waiter on its own runtime.
#pragma once

#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "interop/channel/errors.hpp"
#include "interop/detail/ring.hpp"
#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

/// Multi-producer, single-consumer channels, bounded or unbounded.
namespace interop::mpsc {

namespace detail {

template <typename T>
struct state {
    explicit state(std::size_t cap) : capacity(cap) {}

    std::mutex mutex;
    interop::detail::ring<T> items;  // keeps its memory: no allocation once warm
    std::size_t capacity;            // max() for unbounded
    std::size_t senders = 1;
    bool receiver_alive = true;
    bool closed = false;                     // no more sends: receiver dropped or close() called
    interop::detail::waiter_list receivers;  // payload: std::optional<T>*
    interop::detail::waiter_list senders_waiting;  // payload: std::optional<T>*

    bool ended() const noexcept { return items.empty() && (senders == 0 || closed); }

    // With the mutex held: after an item left the buffer, let one parked sender in.
    interop::detail::waiter_node* admit_parked_sender() {
        if (senders_waiting.empty() || items.size() >= capacity) return nullptr;
        interop::detail::waiter_node* n = senders_waiting.front();
        auto* value = static_cast<std::optional<T>*>(n->payload);
        items.push_back(std::move(**value));
        value->reset();
        return settle(senders_waiting, n, interop::detail::wait_outcome::granted);
    }

    // With the mutex held: settles everybody parked with `closed`.
    void close_all(interop::detail::waiter_list& out) {
        while (!senders_waiting.empty()) {
            out.push_back(settle(senders_waiting, senders_waiting.front(),
                                 interop::detail::wait_outcome::closed));
        }
        while (!receivers.empty()) {
            out.push_back(
                settle(receivers, receivers.front(), interop::detail::wait_outcome::closed));
        }
    }
};

inline void resume_all(interop::detail::waiter_list& list) {
    while (interop::detail::waiter_node* n = list.pop_front()) n->resume_posted();
}

}  // namespace detail

/// The sending side of an mpsc channel; copyable.
template <typename T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    sender(const sender& other) : st_(other.st_) {
        if (!st_) return;
        std::lock_guard lock(st_->mutex);
        ++st_->senders;
    }
    sender(sender&&) noexcept = default;
    sender& operator=(sender other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~sender() { drop(); }

    class send_awaitable : public interop::detail::parking_awaitable<send_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_mpsc_send;
        send_awaitable(detail::state<T>* st, T value) : st_(st), value_(std::move(value)) {}
        // For a task dump: what the full channel holds.
        std::int64_t wait_value_locked() const noexcept {
            return st_ != nullptr ? static_cast<std::int64_t>(st_->items.size()) : 0;
        }
        send_awaitable(send_awaitable&& other) noexcept
            : st_(other.st_), value_(std::move(other.value_)) {}
        // A reset sender has no channel; its send completes at once as closed, under
        // a lock that guards nothing else.
        std::mutex& mutex() noexcept {
            static std::mutex no_channel;
            return st_ != nullptr ? st_->mutex : no_channel;
        }
        interop::detail::waiter_list& list() noexcept { return st_->senders_waiting; }
        bool try_now() {
            if (st_ == nullptr || st_->closed) {
                this->node.outcome = interop::detail::wait_outcome::closed;
                return true;
            }
            if (!st_->receivers.empty()) {
                // Hand the value straight to the parked receiver.
                interop::detail::waiter_node* r = st_->receivers.front();
                static_cast<std::optional<T>*>(r->payload)->emplace(std::move(*value_));
                value_.reset();
                wake_ = settle(st_->receivers, r, interop::detail::wait_outcome::granted);
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            if (st_->items.size() < st_->capacity) {
                st_->items.push_back(std::move(*value_));
                value_.reset();
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            this->node.payload = &value_;
            return false;
        }
        send_result<T> await_resume() {
            this->finish();
            if (wake_ != nullptr) wake_->resume_posted();
            switch (this->node.outcome) {
                case interop::detail::wait_outcome::granted:
                    return {};
                case interop::detail::wait_outcome::cancelled:
                    return {std::make_error_code(std::errc::operation_canceled),
                            std::move(*value_)};
                default:
                    return {make_error_code(channel_errc::closed), std::move(*value_)};
            }
        }

    private:
        detail::state<T>* st_;
        std::optional<T> value_;
        interop::detail::waiter_node* wake_ = nullptr;
    };

    /// Waits while the channel is full. On failure the value comes back in the result.
    [[nodiscard]] send_awaitable send(T value) {
        return send_awaitable{st_.get(), std::move(value)};
    }

    /// Sends without waiting: fails with the value if the channel is full or closed.
    send_result<T> try_send(T value) {
        interop::detail::waiter_node* wake = nullptr;
        {
            if (!st_) return {make_error_code(channel_errc::closed), std::move(value)};
            std::lock_guard lock(st_->mutex);
            if (st_->closed) return {make_error_code(channel_errc::closed), std::move(value)};
            if (!st_->receivers.empty()) {
                interop::detail::waiter_node* r = st_->receivers.front();
                static_cast<std::optional<T>*>(r->payload)->emplace(std::move(value));
                wake = settle(st_->receivers, r, interop::detail::wait_outcome::granted);
            } else if (st_->items.size() < st_->capacity) {
                st_->items.push_back(std::move(value));
            } else {
                return {std::make_error_code(std::errc::resource_unavailable_try_again),
                        std::move(value)};
            }
        }
        if (wake != nullptr) wake->resume_posted();
        return {};
    }

    /// True once the receiver is gone or closed the channel, or this sender was reset.
    bool is_closed() const {
        if (!st_) return true;
        std::lock_guard lock(st_->mutex);
        return st_->closed;
    }

    /// Lets go of the channel now, as the destructor would (tokio's `drop(tx)`): when
    /// it was the last sender, the receiver sees the end once the queued items are
    /// taken. Afterwards this sender is empty: send and try_send fail with
    /// channel_errc::closed, and resetting again does nothing.
    void reset() noexcept { drop(); }

private:
    void drop() noexcept {
        if (!st_) return;
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            if (--st_->senders == 0 && st_->items.empty()) {
                while (!st_->receivers.empty()) {
                    woken.push_back(settle(st_->receivers, st_->receivers.front(),
                                           interop::detail::wait_outcome::closed));
                }
            }
        }
        detail::resume_all(woken);
        st_.reset();
    }

    std::shared_ptr<detail::state<T>> st_;
};

/// The receiving side of an mpsc channel; an AsyncIterator of `T`.
template <typename T>
class receiver {
public:
    using value_type = T;

    explicit receiver(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~receiver() {
        if (!st_) return;
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            st_->receiver_alive = false;
            st_->closed = true;
            st_->close_all(woken);
        }
        detail::resume_all(woken);
    }

    class recv_awaitable : public interop::detail::parking_awaitable<recv_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_mpsc_receive;
        explicit recv_awaitable(detail::state<T>* st) noexcept : st_(st) {}
        // For a task dump: who could still send.
        std::int64_t wait_value_locked() const noexcept {
            return static_cast<std::int64_t>(st_->senders);
        }
        recv_awaitable(recv_awaitable&& other) noexcept : st_(other.st_) {}
        std::mutex& mutex() noexcept { return st_->mutex; }
        interop::detail::waiter_list& list() noexcept { return st_->receivers; }
        bool try_now() {
            if (!st_->items.empty()) {
                slot_.emplace(std::move(st_->items.front()));
                st_->items.pop_front();
                wake_ = st_->admit_parked_sender();
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            if (st_->ended()) {
                this->node.outcome = interop::detail::wait_outcome::closed;
                return true;
            }
            this->node.payload = &slot_;
            return false;
        }
        /// An item, std::nullopt at the end, or operation_canceled.
        io_result<std::optional<T>> await_resume() {
            this->finish();
            if (wake_ != nullptr) wake_->resume_posted();
            if (this->node.outcome == interop::detail::wait_outcome::cancelled) {
                return std::errc::operation_canceled;
            }
            return std::move(slot_);
        }

    private:
        detail::state<T>* st_;
        std::optional<T> slot_;
        interop::detail::waiter_node* wake_ = nullptr;
    };

    [[nodiscard]] recv_awaitable recv() noexcept { return recv_awaitable{st_.get()}; }

    /// The AsyncIterator form: the next item, or std::nullopt at the end or when
    /// the waiting task is cancelled.
    struct next_awaitable : recv_awaitable {
        using recv_awaitable::recv_awaitable;
        std::optional<T> await_resume() {
            auto r = recv_awaitable::await_resume();
            if (!r) return std::nullopt;
            return std::move(*r);
        }
    };
    [[nodiscard]] next_awaitable next() noexcept { return next_awaitable{st_.get()}; }

    /// Takes an item if one is buffered.
    std::optional<T> try_recv() {
        interop::detail::waiter_node* wake = nullptr;
        std::optional<T> item;
        {
            std::lock_guard lock(st_->mutex);
            if (st_->items.empty()) return std::nullopt;
            item.emplace(std::move(st_->items.front()));
            st_->items.pop_front();
            wake = st_->admit_parked_sender();
        }
        if (wake != nullptr) wake->resume_posted();
        return item;
    }

    /// No more sends are accepted (parked senders get their values back); items
    /// already buffered can still be received.
    void close() {
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            st_->closed = true;
            while (!st_->senders_waiting.empty()) {
                woken.push_back(settle(st_->senders_waiting, st_->senders_waiting.front(),
                                       interop::detail::wait_outcome::closed));
            }
        }
        detail::resume_all(woken);
    }

private:
    std::shared_ptr<detail::state<T>> st_;
};

/// A multi-producer, single-consumer channel: its sender and its receiver.
template <typename T>
struct channel {
    sender<T> tx;
    receiver<T> rx;
};

/// A channel that holds at most `capacity` items. A capacity of 0 is rejected with
/// std::invalid_argument: such a channel could never accept a send.
template <typename T>
channel<T> bounded(std::size_t capacity) {
    if (capacity == 0)
        throw std::invalid_argument("interop::mpsc::bounded: capacity must be at least 1");
    auto st = std::make_shared<detail::state<T>>(capacity);
    return {sender<T>{st}, receiver<T>{st}};
}

/// A channel whose sends never wait.
template <typename T>
channel<T> unbounded() {
    auto st = std::make_shared<detail::state<T>>(std::numeric_limits<std::size_t>::max());
    return {sender<T>{st}, receiver<T>{st}};
}

}  // namespace interop::mpsc
