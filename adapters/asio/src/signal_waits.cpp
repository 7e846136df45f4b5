#include "signal_waits.hpp"

#include <algorithm>

#include <asio/error.hpp>

#include "completion.hpp"
#include "errors.hpp"

namespace interop::asio_detail {
namespace {

// Keeps Asio's handler for `signal_number` installed after every runtime is gone: a
// signal_set on an io_context that is never run and never destroyed. Raises reaching
// it only bump a counter nobody reads.
void keep_installed(int signal_number) {
    static std::mutex mutex;
    static auto* const context = new asio::io_context(1);
    static auto* const keeper = new asio::signal_set(*context);
    std::lock_guard lock(mutex);
    std::error_code ignored;
    keeper->add(signal_number, ignored);
}

}  // namespace

std::error_code signal_waits::watch(int signal_number) noexcept {
    std::lock_guard lock(mutex_);
    return watch_locked(signal_number);
}

std::error_code signal_waits::watch_locked(int signal_number) noexcept {
    std::error_code error;
    try {
        if (!set_) set_.emplace(context_);
        // Adding a number that is already in the set does nothing.
        set_->add(signal_number, error);
        if (!error) {
            keep_installed(signal_number);
            arm();
        }
    } catch (const std::bad_alloc&) {
        error = std::make_error_code(std::errc::not_enough_memory);
    }
    return to_interop_error(error);
}

void signal_waits::wait(signal_operation* op) {
    std::error_code error;
    {
        std::lock_guard lock(mutex_);
        error = watch_locked(op->signal_number);
        if (!error) {
            auto unseen = raised_unseen_.find(op->signal_number);
            if (unseen != raised_unseen_.end() && unseen->second) {
                unseen->second = false;
                return complete_later(context_, multi_threaded_, op);
            }
            try {
                waiters_.push_back(op);
                arm();
                return;
            } catch (const std::bad_alloc&) {
                // This wait cannot be registered; the signal stays watched.
                if (!waiters_.empty() && waiters_.back() == op) waiters_.pop_back();
                error = std::make_error_code(std::errc::not_enough_memory);
            }
        }
    }
    op->complete(error, 0);  // not a signal we can catch, or out of memory
}

void signal_waits::cancel(signal_operation* op) {
    std::lock_guard lock(mutex_);
    const auto it = std::find(waiters_.begin(), waiters_.end(), op);
    if (it == waiters_.end()) return;  // already delivered
    waiters_.erase(it);
    complete_later(context_, multi_threaded_, op, canceled());
}

// A wait stays armed as long as any signal is watched, waiters or not: Asio would queue
// every raise nobody waits for and deliver each of them later, and the contract wants
// raises that nobody waited for to coalesce into one (raised_unseen_).
void signal_waits::arm() {
    if (armed_ || !set_) return;
    set_->async_wait(
        [this](const std::error_code& ec, int signal_number) { on_signal(ec, signal_number); });
    armed_ = true;  // once queued: a wait that could not be made is made by the next arm()
}

void signal_waits::on_signal(const std::error_code& ec, int signal_number) {
    if (ec == asio::error::operation_aborted) return;  // the runtime is going away
    std::lock_guard lock(mutex_);
    armed_ = false;
    if (!ec) {
        const auto delivered =
            std::remove_if(waiters_.begin(), waiters_.end(), [&](signal_operation* op) {
                if (op->signal_number != signal_number) return false;
                complete_later(context_, multi_threaded_, op);
                return true;
            });
        if (delivered == waiters_.end()) raised_unseen_[signal_number] = true;
        waiters_.erase(delivered, waiters_.end());
    }
    arm();
}

}  // namespace interop::asio_detail
