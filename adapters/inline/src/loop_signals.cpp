// signal_wait(): completes on the loop thread after the signal is raised.
//
// Each runtime remembers, per signal number, how many raises it has delivered. A wait
// completes once the process-wide count (signal_hub) moves past that, and every wait
// for the same signal completes together. The count starts when the runtime first
// watches or waits for that signal, so a signal raised between two waits is not lost:
// the next wait completes at once.
//
// The starting count is read before the handler is installed: a raise that lands
// right after sigaction() then counts as new. (Read after, it would count as already
// delivered, and that first SIGTERM would be lost.)
#include <algorithm>

#include <new>

#include "loop.hpp"
#include "signal_hub.hpp"

namespace interop::inline_detail {

std::error_code loop::signal_watch(int signum) noexcept {
    if (queue_.stopped()) return std::make_error_code(std::errc::operation_canceled);
    if (signals_delivered_.count(signum) != 0) return {};
    const std::uint32_t before = signal_hub::raised_count(signum);
    if (const std::error_code error = signal_hub::watch(signum)) return error;
    try {
        if (!signal_listener_) {
            signal_hub::add_listener(&wakeup_);
            signal_listener_ = true;
        }
        signals_delivered_.emplace(signum, before);
    } catch (const std::bad_alloc&) {
        // Not watched by this runtime; the process-wide handler stays, harmlessly.
        return std::make_error_code(std::errc::not_enough_memory);
    }
    return {};
}

void loop::signal_wait(signal_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    if (const std::error_code error = signal_watch(op->signal_number))
        return op->complete(error, 0);
    try {
        signal_waiters_.push_back(op);
        park(op);
    } catch (const std::bad_alloc&) {
        if (!signal_waiters_.empty() && signal_waiters_.back() == op) signal_waiters_.pop_back();
        op->complete(std::make_error_code(std::errc::not_enough_memory), 0);
    }
}

void loop::deliver_signals() {
    for (auto& [signum, delivered] : signals_delivered_) {
        const std::uint32_t raised = signal_hub::raised_count(signum);
        if (raised == delivered) continue;
        bool anyone = false;
        for (auto it = signal_waiters_.begin(); it != signal_waiters_.end();) {
            if ((*it)->signal_number != signum) {
                ++it;
                continue;
            }
            finish(*it, {}, 0);
            it = signal_waiters_.erase(it);
            anyone = true;
        }
        if (anyone) delivered = raised;  // else keep it for the next wait
    }
}

void loop::cancel_signal_wait(operation* op) noexcept {
    const auto it = std::find(signal_waiters_.begin(), signal_waiters_.end(), op);
    if (it != signal_waiters_.end()) signal_waiters_.erase(it);
}

}  // namespace interop::inline_detail
