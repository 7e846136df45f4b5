#include "epoll_set.hpp"

#if defined(__linux__)

#include <cerrno>

#include <unistd.h>

namespace interop::inline_detail {

epoll_set::epoll_set() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

epoll_set::~epoll_set() { ::close(fd_); }

std::error_code epoll_set::add(int fd, std::uint32_t events, event_target* target) noexcept {
    epoll_event event{};
    event.events = events;
    event.data.ptr = target;
    if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) == 0) return {};
    return {errno, std::generic_category()};
}

void epoll_set::remove(int fd) noexcept {
    epoll_event ignored{};  // kernels before 2.6.9 want one
    (void)::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, &ignored);
}

std::span<const epoll_event> epoll_set::wait(int timeout_ms) noexcept {
    const int count =
        ::epoll_wait(fd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
    // count < 0 is EINTR (a signal arrived): nothing to dispatch, the next lap waits again.
    if (count <= 0) return {};
    return {events_.data(), static_cast<std::size_t>(count)};
}

}  // namespace interop::inline_detail

#endif
