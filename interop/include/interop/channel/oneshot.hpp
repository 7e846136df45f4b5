/// \file
/// A one-shot channel: one value, sent once, received once.
///
///     auto [tx, rx] = interop::oneshot::make<int>();
///     tx.send(42);                  // never waits; fails (value back) if rx is gone
///     auto v = co_await rx.recv();  // io_result<T>: the value, channel_errc::closed if
///                                   // tx was dropped unsent, or operation_canceled
///
/// Safe across threads and runtimes. A cancelled receive loses nothing: a later
/// recv() still gets the value.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "interop/channel/errors.hpp"
#include "interop/detail/waiter_list.hpp"
#include "interop/io_result.hpp"

/// One-shot channels: one value, sent once, received once.
namespace interop::oneshot {

namespace detail {
template <typename T>
struct state {
    std::mutex mutex;
    std::optional<T> value;
    bool sender_done = false;  // sent or dropped
    bool receiver_alive = true;
    interop::detail::waiter_list receivers;
};
}  // namespace detail

/// The sending side of a one-shot channel: sends one value, never waits.
template <typename T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    sender(sender&&) noexcept = default;
    sender& operator=(sender other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~sender() { finish(std::nullopt); }

    /// Delivers the value. Fails, handing it back, if the receiver is gone or a
    /// value was already sent.
    send_result<T> send(T value) {
        if (!st_) return {make_error_code(channel_errc::closed), std::move(value)};
        {
            std::lock_guard lock(st_->mutex);
            if (!st_->receiver_alive)
                return {make_error_code(channel_errc::closed), std::move(value)};
        }
        finish(std::move(value));
        return {};
    }
    bool is_closed() const {
        if (!st_) return true;
        std::lock_guard lock(st_->mutex);
        return !st_->receiver_alive;
    }

private:
    void finish(std::optional<T> value) {
        if (!st_) return;
        interop::detail::waiter_node* wake = nullptr;
        {
            std::lock_guard lock(st_->mutex);
            st_->value = std::move(value);
            st_->sender_done = true;
            if (!st_->receivers.empty()) {
                wake = settle(st_->receivers, st_->receivers.front(),
                              interop::detail::wait_outcome::granted);
            }
        }
        if (wake != nullptr) wake->resume_posted();
        st_.reset();
    }
    std::shared_ptr<detail::state<T>> st_;
};

/// The receiving side of a one-shot channel: receives the one value.
template <typename T>
class receiver {
public:
    explicit receiver(std::shared_ptr<detail::state<T>> st) noexcept : st_(std::move(st)) {}
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver other) noexcept {
        std::swap(st_, other.st_);
        return *this;
    }
    ~receiver() {
        if (!st_) return;
        std::lock_guard lock(st_->mutex);
        st_->receiver_alive = false;
    }

    class recv_awaitable : public interop::detail::parking_awaitable<recv_awaitable> {
    public:
        static constexpr const interop::detail::wait_kind* waits_on =
            &interop::detail::wait_oneshot_receive;
        explicit recv_awaitable(detail::state<T>* st) noexcept : st_(st) {}
        std::mutex& mutex() noexcept { return st_->mutex; }
        interop::detail::waiter_list& list() noexcept { return st_->receivers; }
        bool try_now() noexcept {
            if (!st_->sender_done) return false;
            this->node.outcome = interop::detail::wait_outcome::granted;
            return true;
        }
        io_result<T> await_resume() {
            this->finish();
            if (this->node.outcome == interop::detail::wait_outcome::cancelled) {
                return std::errc::operation_canceled;
            }
            std::lock_guard lock(st_->mutex);
            if (!st_->value) return make_error_code(channel_errc::closed);
            T v = std::move(*st_->value);
            st_->value.reset();
            return v;
        }

    private:
        detail::state<T>* st_;
    };

    [[nodiscard]] recv_awaitable recv() noexcept { return recv_awaitable{st_.get()}; }
    /// Alias so a receiver can be awaited directly: co_await rx.
    recv_awaitable operator co_await() noexcept { return recv(); }

private:
    std::shared_ptr<detail::state<T>> st_;
};

/// A one-shot channel: one value, sent once, received once.
template <typename T>
struct channel {
    sender<T> tx;
    receiver<T> rx;
};

/// A new one-shot channel.
template <typename T>
channel<T> make() {
    auto st = std::make_shared<detail::state<T>>();
    return {sender<T>{st}, receiver<T>{st}};
}

}  // namespace interop::oneshot
