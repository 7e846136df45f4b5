/// \file
/// Cancellation signals that live in place: stop_source, stop_token, stop_callback.
///
/// The same contract as std::stop_source and friends (and C++26's
/// std::inplace_stop_source), with the storage where the source is declared instead
/// of a heap-allocated shared state. A scope, a timeout or a spawn therefore costs no
/// allocation for its cancellation signal, and a registered callback is a node in an
/// intrusive list: registering and removing one is a short critical section on the
/// source, with no allocation and no reference counting.
///
/// - stop_source::request_stop() runs every registered callback on the calling thread,
///   once, and returns true for the first request only.
/// - A stop_callback constructed on a token whose stop was already requested runs at
///   once, in the constructor.
/// - ~stop_callback removes the callback; if it is running on another thread at that
///   moment, the destructor waits until it has returned, so whatever the callback
///   touches may be destroyed right after. A callback may destroy itself.
/// - A token does not keep its source alive: it refers to the source, which must
///   outlive every token use. Two uses after the source are allowed, when the
///   source's destruction does not race with the callback's own destructor: a
///   callback still registered when its source is destroyed is detached (it never
///   runs), and a callback that has run is done with its source; the destructors of
///   both leave the dead source alone.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>

namespace interop {

class stop_source;
class stop_token;

namespace detail {

// A registration in a stop_source's list; stop_callback<F> adds the callable.
class stop_callback_base {
public:
    stop_callback_base(const stop_callback_base&) = delete;
    stop_callback_base& operator=(const stop_callback_base&) = delete;

    // Still in a live source's list (false once it ran, was removed, or its source died).
    bool attached() const noexcept;

protected:
    using run_fn = void (*)(stop_callback_base*) noexcept;
    explicit stop_callback_base(run_fn run) noexcept : run_(run) {}
    ~stop_callback_base() = default;

    // Registers with the token's source; runs the callback at once if stop was
    // already requested.
    void attach(const stop_token& token) noexcept;
    void detach() noexcept;

private:
    friend class interop::stop_source;

    run_fn run_;
    stop_source* source_ = nullptr;  // null: never attached, or detached by the source
    stop_callback_base* next_ = nullptr;
    stop_callback_base** prev_ = nullptr;        // null once out of the list
    bool* removed_while_running_ = nullptr;      // set by request_stop while it runs us
    std::atomic<bool> finished_running_{false};  // the callback has returned
};

}  // namespace detail

/// The source of a stop signal, stored in place: request_stop() runs every
/// registered stop_callback once.
class stop_source {
public:
    stop_source() noexcept = default;
    stop_source(const stop_source&) = delete;
    stop_source& operator=(const stop_source&) = delete;
    ~stop_source();

    /// Requests stop and runs every registered callback on this thread. True for the
    /// request that did it, false when stop had already been requested.
    bool request_stop() noexcept;
    bool stop_requested() const noexcept {
        return (state_.load(std::memory_order_acquire) & stop_requested_bit) != 0;
    }
    static constexpr bool stop_possible() noexcept { return true; }

    stop_token get_token() const noexcept;

private:
    friend class detail::stop_callback_base;

    static constexpr std::uint8_t stop_requested_bit = 1;
    static constexpr std::uint8_t locked_bit = 2;

    // Takes the list's spin lock. With `unless_stopped`, returns false (not locked)
    // once stop has been requested. The uncontended case is one compare-exchange,
    // inline: every operation that waits adds and removes a callback.
    bool lock(bool unless_stopped) const noexcept {
        std::uint8_t unlocked = 0;
        if (state_.compare_exchange_strong(unlocked, locked_bit, std::memory_order_acquire,
                                           std::memory_order_acquire)) {
            return true;
        }
        return lock_contended(unless_stopped);
    }
    bool lock_contended(bool unless_stopped) const noexcept;
    // Nobody else writes the state while the lock is held (request_stop sets its flag
    // only by taking the lock), so a plain store releases it.
    void unlock() const noexcept {
        state_.store(
            static_cast<std::uint8_t>(state_.load(std::memory_order_relaxed) & ~locked_bit),
            std::memory_order_release);
    }
    bool add(detail::stop_callback_base* cb) noexcept;
    void remove(detail::stop_callback_base* cb) noexcept;
    // remove() of a callback that request_stop took out of the list, with the lock held.
    void remove_taken(detail::stop_callback_base* cb) noexcept;

    mutable std::atomic<std::uint8_t> state_{0};
    detail::stop_callback_base* callbacks_ = nullptr;
    std::thread::id requesting_thread_{};
};

/// A view of a stop_source, or of nothing (then stop is never possible). Copying it
/// copies a pointer.
class stop_token {
public:
    stop_token() noexcept = default;

    bool stop_requested() const noexcept { return source_ != nullptr && source_->stop_requested(); }
    bool stop_possible() const noexcept { return source_ != nullptr; }

    friend bool operator==(const stop_token&, const stop_token&) noexcept = default;

private:
    friend class stop_source;
    friend class detail::stop_callback_base;
    explicit stop_token(const stop_source* s) noexcept : source_(s) {}
    const stop_source* source_ = nullptr;
};

inline stop_token stop_source::get_token() const noexcept { return stop_token{this}; }

inline bool stop_source::add(detail::stop_callback_base* cb) noexcept {
    if (!lock(true)) return false;  // stop was requested: the caller runs the callback
    cb->source_ = this;
    cb->next_ = callbacks_;
    cb->prev_ = &callbacks_;
    if (callbacks_ != nullptr) callbacks_->prev_ = &cb->next_;
    callbacks_ = cb;
    unlock();
    return true;
}

inline void stop_source::remove(detail::stop_callback_base* cb) noexcept {
    lock(false);
    if (cb->prev_ == nullptr) return remove_taken(cb);
    // Still waiting: unlink it, and it will never run.
    *cb->prev_ = cb->next_;
    if (cb->next_ != nullptr) cb->next_->prev_ = cb->prev_;
    cb->prev_ = nullptr;
    cb->next_ = nullptr;
    unlock();
}

namespace detail {

inline void stop_callback_base::attach(const stop_token& token) noexcept {
    auto* source = const_cast<stop_source*>(token.source_);
    if (source == nullptr) return;
    if (!source->add(this)) run_(this);
}

// A callback that has run is out of its source's list for good: neither call looks at
// the source then, which may be gone by now.
inline void stop_callback_base::detach() noexcept {
    if (source_ == nullptr || finished_running_.load(std::memory_order_acquire)) return;
    source_->remove(this);
}

}  // namespace detail

/// Runs `f()` once when stop is requested on the token's source (at once if it has
/// been already), unless destroyed first.
template <typename F>
class stop_callback : public detail::stop_callback_base {
public:
    template <typename Init>
        requires std::constructible_from<F, Init> stop_callback(const stop_token& token,
                                                                Init&& init)
    noexcept(std::is_nothrow_constructible_v<F, Init>)
        : stop_callback_base(&stop_callback::invoke), f_(std::forward<Init>(init)) {
        attach(token);
    }
    ~stop_callback() { detach(); }

private:
    static void invoke(stop_callback_base* self) noexcept {
        static_assert(std::is_nothrow_invocable_v<F&>, "a stop callback must not throw");
        static_cast<stop_callback*>(self)->f_();
    }
    F f_;
};

template <typename F>
stop_callback(stop_token, F) -> stop_callback<F>;

}  // namespace interop
