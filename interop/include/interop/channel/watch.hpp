/// \file
/// A watch channel: one current value that receivers observe as it changes. Only the
/// latest value matters: a receiver that is slow sees the newest one, not each step.
///
///     auto [tx, rx] = interop::watch::make<config>(initial);
///     tx.send(updated);                  // replaces the value, wakes every receiver
///     auto ok = co_await rx.changed();   // waits for a value newer than the last seen
///     config now = rx.borrow();          // a copy of the current value
///
/// changed() returns channel_errc::closed once the sender is gone, and
/// operation_canceled if cancelled. next() (the AsyncIterator form) yields the
/// current value first, then each newer one, and ends when the sender is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "interop/channel/errors.hpp"
#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

/// Watch channels: one current value that receivers observe as it changes.
namespace interop::watch {

namespace detail {
template <typename T>
struct state {
    explicit state(T v) : value(std::move(v)) {}
    std::mutex mutex;
    T value;
    std::uint64_t version = 1;
    bool sender_alive = true;
    std::size_t receivers = 0;
    interop::detail::waiter_list waiting;
};
}  // namespace detail

template <typename T>
class receiver;

/// The sending side of a watch channel: replaces the current value.
template <typename T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    sender(sender&&) noexcept = default;
    sender& operator=(sender other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~sender() {
        if (!st_) return;
        wake_all([](detail::state<T>& st) { st.sender_alive = false; },
                 interop::detail::wait_outcome::closed);
    }

    /// Replaces the value and wakes every receiver waiting in changed(). Fails,
    /// handing the value back, when no receiver is left.
    send_result<T> send(T value) {
        {
            std::lock_guard lock(st_->mutex);
            if (st_->receivers == 0)
                return {make_error_code(channel_errc::closed), std::move(value)};
        }
        wake_all(
            [&](detail::state<T>& st) {
                st.value = std::move(value);
                ++st.version;
            },
            interop::detail::wait_outcome::granted);
        return {};
    }

    receiver<T> subscribe() { return receiver<T>{st_}; }

private:
    template <typename F>
    void wake_all(F&& change, interop::detail::wait_outcome outcome) {
        interop::detail::waiter_list woken;
        {
            std::lock_guard lock(st_->mutex);
            change(*st_);
            while (!st_->waiting.empty()) {
                woken.push_back(settle(st_->waiting, st_->waiting.front(), outcome));
            }
        }
        while (auto* n = woken.pop_front()) n->resume_posted();
    }
    std::shared_ptr<detail::state<T>> st_;
};

/// The receiving side of a watch channel: observes the current value as it changes.
template <typename T>
class receiver {
public:
    using value_type = T;

    explicit receiver(std::shared_ptr<detail::state<T>> st) : st_(std::move(st)) {
        std::lock_guard lock(st_->mutex);
        ++st_->receivers;
    }
    receiver(receiver&& other) noexcept : st_(std::move(other.st_)), seen_(other.seen_) {}
    receiver& operator=(receiver&& other) noexcept {
        // The old subscription goes away with `other`.
        std::swap(st_, other.st_);
        std::swap(seen_, other.seen_);
        return *this;
    }
    ~receiver() {
        if (!st_) return;
        std::lock_guard lock(st_->mutex);
        --st_->receivers;
    }

    /// A copy of the current value (it does not count as seen).
    T borrow() const {
        std::lock_guard lock(st_->mutex);
        return st_->value;
    }

    class changed_awaitable : public interop::detail::parking_awaitable<changed_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_watch_changed;
        explicit changed_awaitable(receiver* r) noexcept : r_(r) {}
        std::mutex& mutex() noexcept { return r_->st_->mutex; }
        interop::detail::waiter_list& list() noexcept { return r_->st_->waiting; }
        bool try_now() noexcept {
            if (r_->st_->version > r_->seen_) {
                r_->seen_ = r_->st_->version;
                this->node.outcome = interop::detail::wait_outcome::granted;
                return true;
            }
            if (!r_->st_->sender_alive) {
                this->node.outcome = interop::detail::wait_outcome::closed;
                return true;
            }
            return false;
        }
        io_result<void> await_resume() {
            this->finish();
            switch (this->node.outcome) {
                case interop::detail::wait_outcome::granted: {
                    std::lock_guard lock(r_->st_->mutex);
                    r_->seen_ = r_->st_->version;
                    return {};
                }
                case interop::detail::wait_outcome::cancelled:
                    return std::errc::operation_canceled;
                default:
                    return make_error_code(channel_errc::closed);
            }
        }

    private:
        receiver* r_;
    };

    /// Waits for a value newer than the last one this receiver saw.
    [[nodiscard]] changed_awaitable changed() noexcept { return changed_awaitable{this}; }

    task<std::optional<T>> next() {
        auto r = co_await changed();
        if (!r) co_return std::nullopt;
        co_return borrow();
    }

private:
    std::shared_ptr<detail::state<T>> st_;
    std::uint64_t seen_ = 0;
};

/// A watch channel: one current value that receivers observe as it changes.
template <typename T>
struct channel {
    sender<T> tx;
    receiver<T> rx;
};

/// A new watch channel whose current value is `initial`.
template <typename T>
channel<T> make(T initial) {
    auto st = std::make_shared<detail::state<T>>(std::move(initial));
    receiver<T> rx{st};
    return {sender<T>{st}, std::move(rx)};
}

}  // namespace interop::watch
