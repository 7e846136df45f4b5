/// \file
/// A broadcast channel: every receiver sees every item sent after it subscribed, as
/// long as it keeps up. The channel retains the last `capacity` items; a receiver
/// that falls further behind skips ahead to the oldest retained item and is told how
/// many it missed (channel_errc::lagged, then missed()).
///
///     auto [tx, rx] = interop::broadcast::make<std::string>(64);
///     auto rx2 = tx.subscribe();
///     tx.send("hello");                 // never waits; fails if nobody listens
///     auto item = co_await rx.recv();   // io_result<std::optional<T>>
///
/// recv() returns an item, std::nullopt once every sender is gone and the receiver
/// has seen everything, channel_errc::lagged, or operation_canceled. next() (the
/// AsyncIterator form) skips over lag and ends on cancellation. T must be copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "interop/channel/errors.hpp"
#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

/// Broadcast channels: every receiver sees every item sent after it subscribed.
namespace interop::broadcast {

namespace detail {

template <typename T>
struct parked {
    std::optional<T>* slot;
    std::uint64_t* cursor;
};

template <typename T>
struct state {
    explicit state(std::size_t cap) : ring(cap) {}

    std::mutex mutex;
    std::vector<std::optional<T>> ring;
    std::uint64_t head = 0;  // sequence number of the next item sent
    std::size_t senders = 1;
    std::size_t receivers = 0;
    interop::detail::waiter_list waiting;  // payload: parked<T>*

    std::uint64_t oldest() const noexcept { return head > ring.size() ? head - ring.size() : 0; }
};

}  // namespace detail

template <typename T>
class receiver;

/// The sending side of a broadcast channel; subscribe() adds receivers.
template <typename T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    sender(const sender& other) : st_(other.st_) {
        std::lock_guard lock(st_->mutex);
        ++st_->senders;
    }
    sender(sender&&) noexcept = default;
    sender& operator=(sender other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~sender() {
        if (!st_) return;
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            if (--st_->senders == 0) {
                while (!st_->waiting.empty()) {
                    woken.push_back(settle(st_->waiting, st_->waiting.front(),
                                           interop::detail::wait_outcome::closed));
                }
            }
        }
        while (auto* n = woken.pop_front()) n->resume_posted();
    }

    /// Sends to every current receiver. Fails, handing the value back, when there
    /// is none.
    send_result<T> send(T value) {
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            if (st_->receivers == 0)
                return {make_error_code(channel_errc::closed), std::move(value)};
            const std::uint64_t seq = st_->head++;
            // Parked receivers are caught up: this item is theirs right away.
            while (!st_->waiting.empty()) {
                auto* n = st_->waiting.front();
                auto* p = static_cast<detail::parked<T>*>(n->payload);
                p->slot->emplace(value);
                *p->cursor = seq + 1;
                woken.push_back(settle(st_->waiting, n, interop::detail::wait_outcome::granted));
            }
            st_->ring[seq % st_->ring.size()] = std::move(value);
        }
        while (auto* n = woken.pop_front()) n->resume_posted();
        return {};
    }

    /// A new receiver that sees items sent from now on.
    receiver<T> subscribe() { return receiver<T>{st_}; }

    std::size_t receiver_count() const {
        std::lock_guard lock(st_->mutex);
        return st_->receivers;
    }

private:
    std::shared_ptr<detail::state<T>> st_;
};

/// A receiver of a broadcast channel: every item sent after it subscribed, as long
/// as it keeps up.
template <typename T>
class receiver {
public:
    using value_type = T;

    explicit receiver(std::shared_ptr<detail::state<T>> st) : st_(std::move(st)) {
        std::lock_guard lock(st_->mutex);
        ++st_->receivers;
        cursor_ = st_->head;
    }
    receiver(receiver&& other) noexcept
        : st_(std::move(other.st_)), cursor_(other.cursor_), missed_(other.missed_) {}
    receiver& operator=(receiver&& other) noexcept {
        // The old subscription goes away with `other`.
        std::swap(st_, other.st_);
        std::swap(cursor_, other.cursor_);
        std::swap(missed_, other.missed_);
        return *this;
    }
    ~receiver() {
        if (!st_) return;
        std::lock_guard lock(st_->mutex);
        --st_->receivers;
    }

    class recv_awaitable : public interop::detail::parking_awaitable<recv_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_broadcast_receive;
        explicit recv_awaitable(receiver* r) noexcept : r_(r) {}
        std::mutex& mutex() noexcept { return r_->st_->mutex; }
        interop::detail::waiter_list& list() noexcept { return r_->st_->waiting; }
        bool try_now() {
            auto& st = *r_->st_;
            if (r_->cursor_ < st.oldest()) {
                r_->missed_ = st.oldest() - r_->cursor_;
                r_->cursor_ = st.oldest();
                lagged_ = true;
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            if (r_->cursor_ < st.head) {
                slot_.emplace(*st.ring[r_->cursor_ % st.ring.size()]);
                ++r_->cursor_;
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            if (st.senders == 0) {
                this->node.outcome = interop::detail::wait_outcome::closed;
                return true;
            }
            parked_ = {&slot_, &r_->cursor_};
            this->node.payload = &parked_;
            return false;
        }
        io_result<std::optional<T>> await_resume() {
            this->finish();
            if (this->node.outcome == interop::detail::wait_outcome::cancelled) {
                return std::errc::operation_canceled;
            }
            if (lagged_) return make_error_code(channel_errc::lagged);
            return std::move(slot_);
        }

    private:
        receiver* r_;
        std::optional<T> slot_;
        detail::parked<T> parked_{};
        bool lagged_ = false;
    };

    [[nodiscard]] recv_awaitable recv() noexcept { return recv_awaitable{this}; }

    /// The AsyncIterator form: skips over lag; ends at the end or on cancellation.
    task<std::optional<T>> next() {
        for (;;) {
            auto r = co_await recv();
            if (r) co_return std::move(*r);
            if (r.error() != make_error_code(channel_errc::lagged)) co_return std::nullopt;
        }
    }

    /// How many items the last lagged recv() skipped.
    std::uint64_t missed() const noexcept { return missed_; }

private:
    std::shared_ptr<detail::state<T>> st_;
    std::uint64_t cursor_ = 0;
    std::uint64_t missed_ = 0;
};

/// A broadcast channel: a sender and a first receiver.
template <typename T>
struct channel {
    sender<T> tx;
    receiver<T> rx;
};

/// A new broadcast channel that retains the last `capacity` items. A capacity of 0
/// is rejected with std::invalid_argument.
template <typename T>
channel<T> make(std::size_t capacity) {
    if (capacity == 0)
        throw std::invalid_argument("interop::broadcast::make: capacity must be at least 1");
    auto st = std::make_shared<detail::state<T>>(capacity);
    receiver<T> rx{st};
    return {sender<T>{st}, std::move(rx)};
}

}  // namespace interop::broadcast
