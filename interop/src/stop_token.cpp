// The list of a stop_source: an intrusive doubly linked list of callbacks guarded by
// a spin lock kept in the same atomic byte as the stop flag. The lock is held only
// to link or unlink one node (never while a callback runs), so spinning is short.
#include "interop/stop_token.hpp"

namespace interop {
namespace {

// Spins a little, then lets other threads run: the holder may have been preempted.
void back_off(int& spins) noexcept {
    if (++spins > 64) std::this_thread::yield();
}

}  // namespace

bool stop_source::lock_contended(bool unless_stopped) const noexcept {
    // Acquire loads throughout: a caller told "stop was requested" runs its callback
    // at once, and must see what the requesting thread wrote before the request.
    std::uint8_t old = state_.load(std::memory_order_acquire);
    for (int spins = 0;;) {
        if (unless_stopped && (old & stop_requested_bit) != 0) return false;
        if ((old & locked_bit) != 0) {
            back_off(spins);
            old = state_.load(std::memory_order_acquire);
            continue;
        }
        if (state_.compare_exchange_weak(old, static_cast<std::uint8_t>(old | locked_bit),
                                         std::memory_order_acquire, std::memory_order_acquire)) {
            return true;
        }
    }
}

stop_source::~stop_source() {
    // Callbacks still registered are detached: they will never run, and their
    // destructors will not come back here.
    lock(false);
    while (detail::stop_callback_base* cb = callbacks_) {
        callbacks_ = cb->next_;
        cb->next_ = nullptr;
        cb->prev_ = nullptr;
        cb->source_ = nullptr;
    }
    unlock();
}

bool stop_source::request_stop() noexcept {
    // Take the lock and set the flag in one step, so exactly one request wins.
    std::uint8_t old = state_.load(std::memory_order_relaxed);
    for (int spins = 0;;) {
        if ((old & stop_requested_bit) != 0) return false;
        if ((old & locked_bit) != 0) {
            back_off(spins);
            old = state_.load(std::memory_order_relaxed);
            continue;
        }
        if (state_.compare_exchange_weak(
                old, static_cast<std::uint8_t>(old | locked_bit | stop_requested_bit),
                std::memory_order_acq_rel, std::memory_order_relaxed)) {
            break;
        }
    }
    requesting_thread_ = std::this_thread::get_id();
    while (detail::stop_callback_base* cb = callbacks_) {
        callbacks_ = cb->next_;
        if (callbacks_ != nullptr) callbacks_->prev_ = &callbacks_;
        cb->next_ = nullptr;
        cb->prev_ = nullptr;  // out of the list: its destructor now waits for the run to end
        bool removed_while_running = false;
        cb->removed_while_running_ = &removed_while_running;
        unlock();
        cb->run_(cb);
        if (!removed_while_running) {  // otherwise the callback destroyed itself
            cb->removed_while_running_ = nullptr;
            // The last touch: once this is seen the callback may be destroyed at once,
            // so there is no notify after it (the waiter polls, see remove()).
            cb->finished_running_.store(true, std::memory_order_release);
        }
        lock(false);
    }
    unlock();
    return true;
}

void stop_source::remove_taken(detail::stop_callback_base* cb) noexcept {
    // request_stop took it out of the list: it has run, or is running now.
    const bool on_requesting_thread = requesting_thread_ == std::this_thread::get_id();
    unlock();
    if (on_requesting_thread) {
        // Destroyed by a callback that request_stop is running on this very thread
        // (itself, or another one): that call must not touch it after it returns.
        if (cb->removed_while_running_ != nullptr) *cb->removed_while_running_ = true;
        return;
    }
    // Running on another thread: wait until it has returned. Polling, not an atomic
    // wait: a notify would come after the store that lets this destructor go on and
    // free the callback. Callbacks are short (they post a cancellation), so is this.
    for (int spins = 0; !cb->finished_running_.load(std::memory_order_acquire);) back_off(spins);
}

namespace detail {

bool stop_callback_base::attached() const noexcept {
    stop_source* source = source_;
    if (source == nullptr || finished_running_.load(std::memory_order_acquire)) return false;
    source->lock(false);
    const bool in_list = prev_ != nullptr;
    source->unlock();
    return in_list;
}

}  // namespace detail
}  // namespace interop
