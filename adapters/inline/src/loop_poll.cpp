// Waiting for readiness where there is no epoll: poll(2) (loop_epoll.cpp on Linux).
//
// Each lap builds the poll set afresh: the wake-up descriptor, the signal pipe while a
// signal_wait is pending, every socket an operation waits on (for what it waits for)
// and the pidfd of every child not yet reaped. poll() is level-triggered, so a socket
// that nobody waits on is left out, or its readiness would be reported every lap.
#include "loop.hpp"

#if !defined(__linux__)

#include "process_record.hpp"
#include "signal_hub.hpp"

namespace interop::inline_detail {

void loop::prepare_wait(bool watching_signals) {
    poll_set_.clear();
    poll_sockets_.clear();
    poll_set_.push_back({wakeup_.fd(), POLLIN, 0});
    poll_sockets_.push_back(nullptr);
    if (watching_signals) {
        poll_set_.push_back({signal_hub::readable_fd(), POLLIN, 0});
        poll_sockets_.push_back(nullptr);
    }
    add_sockets_to_poll_set();
    add_processes_to_poll_set();
}

void loop::add_sockets_to_poll_set() {
    sockets_.for_each_waiting([this](socket_handle handle, const socket_slot& socket) {
        const int events =
            (socket.readers.empty() ? 0 : POLLIN) | (socket.writers.empty() ? 0 : POLLOUT);
        poll_set_.push_back({socket.fd, static_cast<short>(events), 0});
        poll_sockets_.push_back(handle);
    });
}

void loop::add_processes_to_poll_set() {
    poll_processes_from_ = poll_set_.size();
    poll_processes_.clear();
    for (process_record* record : processes_) {
        if (record->reaped) continue;
        poll_set_.push_back({record->pidfd, POLLIN, 0});
        poll_processes_.push_back(record);
    }
}

bool loop::wait_once(int timeout_ms) {
    const int ready_count =
        ::poll(poll_set_.data(), static_cast<nfds_t>(poll_set_.size()), timeout_ms);
    // ready_count < 0 is EINTR (a signal arrived) or a transient error: nothing to
    // dispatch this lap, and the next lap polls again.
    if (ready_count <= 0) return false;
    for (std::size_t i = 0; i < poll_set_.size(); ++i) {
        const short revents = poll_set_[i].revents;
        if (revents == 0) continue;
        if (i >= poll_processes_from_) {
            process_ended(poll_processes_[i - poll_processes_from_]);
        } else if (poll_sockets_[i] != nullptr) {
            // Errors and hang-ups are reported whatever was asked for: both directions
            // retry their call, which then returns the error or the end.
            const bool failed = (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
            socket_ready(poll_sockets_[i], failed || (revents & POLLIN) != 0,
                         failed || (revents & POLLOUT) != 0, failed);
        } else if (i == 0) {
            wakeup_.clear();
        } else {
            signal_hub::acknowledge(&wakeup_);
        }
    }
    return true;
}

std::error_code loop::watch(socket_slot&) noexcept { return {}; }

void loop::forget_socket(socket_handle handle) noexcept { sockets_.remove(handle); }

std::error_code loop::watch(process_record*) noexcept { return {}; }

void loop::unwatch(process_record*) noexcept {}

}  // namespace interop::inline_detail

#endif
