// Waiting for readiness on Linux: the loop's epoll set (epoll_set.hpp).
//
// A socket joins the set when an operation first waits on it and leaves it when it is
// closed; a child's pidfd from spawn until the record is forgotten; the wake-up
// descriptor for the loop's life; the signal pipe while a signal_wait is pending. So a
// lap costs one epoll_wait, however many operations wait, and an operation that waits
// on a socket already in the set costs no system call of its own.
#include "loop.hpp"

#if defined(__linux__)

#include "process_record.hpp"
#include "signal_hub.hpp"

namespace interop::inline_detail {

void loop::prepare_wait(bool watching_signals) {
    if (watching_signals == signals_watched_) return;
    const int fd = signal_hub::readable_fd();
    if (!watching_signals) {
        epoll_.remove(fd);
        signals_watched_ = false;
        return;
    }
    // Refused only for want of kernel memory: then look again next lap (a wait stays
    // pending; the raise is counted and delivered once the pipe is watched).
    signals_watched_ = !epoll_.add(fd, epoll_set::readable_level, &signals_target_);
}

bool loop::wait_once(int timeout_ms) {
    const std::span<const epoll_event> events = epoll_.wait(timeout_ms);
    for (const epoll_event& event : events) {
        auto* target = static_cast<event_target*>(event.data.ptr);
        switch (target->source) {
            case event_source::socket: {
                const auto* socket = static_cast<const socket_slot*>(target);
                // A connect that failed earlier in this batch has closed its socket.
                if (socket->fd < 0) break;
                // Errors and hang-ups are reported whatever was asked for: both
                // directions retry their call, which then returns the error or the end.
                const bool failed = (event.events & (EPOLLERR | EPOLLHUP)) != 0;
                socket_ready(socket->handle, failed || (event.events & EPOLLIN) != 0,
                             failed || (event.events & EPOLLOUT) != 0,
                             failed || (event.events & EPOLLRDHUP) != 0);
                break;
            }
            case event_source::process:
                process_ended(static_cast<process_record*>(target));
                break;
            case event_source::wakeup:
                wakeup_.clear();
                break;
            case event_source::signals:
                signal_hub::acknowledge(&wakeup_);
                break;
        }
    }
    return !events.empty();
}

std::error_code loop::watch(socket_slot& socket) noexcept {
    if (socket.watched) return no_error;
    if (const std::error_code error = epoll_.add(socket.fd, epoll_set::edges, &socket)) {
        return error;
    }
    socket.watched = true;
    return {};
}

void loop::forget_socket(socket_handle handle) noexcept {
    socket_slot* socket = sockets_.find(handle);
    if (socket == nullptr) return;
    if (socket->watched) epoll_.remove(socket->fd);
    sockets_.remove(handle);
}

std::error_code loop::watch(process_record* record) noexcept {
    // Edge-triggered: a child that is reaped but not yet released stays in the set, its
    // pidfd readable for good, and must not be reported every lap.
    return epoll_.add(record->pidfd, epoll_set::readable_edge, record);
}

void loop::unwatch(process_record* record) noexcept {
    if (record->pidfd >= 0) epoll_.remove(record->pidfd);
}

}  // namespace interop::inline_detail

#endif
