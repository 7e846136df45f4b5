// signal_wait(): completes on the loop thread after the signal is raised.
//
// Each runtime remembers, per signal number, how many raises it has delivered. A wait
// completes once the process-wide count (signal_hub) moves past that, and every wait
// for the same signal completes together. The count starts when the runtime first
// waits for that signal, so a signal raised between two waits is not lost: the next
// wait completes at once.
#include <algorithm>

#include "loop.hpp"
#include "signal_hub.hpp"

namespace interop::inline_detail {

void loop::signal_wait(signal_operation* op) noexcept {
    if (refuse_if_stopped(op)) return;
    const int signum = op->signal_number;
    if (const std::error_code error = signal_hub::watch(signum)) return op->complete(error, 0);
    if (!signal_listener_) {
        signal_hub::add_listener(&wakeup_);
        signal_listener_ = true;
    }
    signals_delivered_.try_emplace(signum, signal_hub::raised_count(signum));
    signal_waiters_.push_back(op);
    park(op);
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
