// The descriptors the loop waits on, in one epoll instance (Linux).
//
// Each descriptor is registered with a pointer to what it is (event_target) and given
// back with its events. Sockets and pidfds are edge-triggered: a socket is registered
// once, for reading and writing both, and stays so until it is closed, so an operation
// that waits costs no epoll_ctl call (an echo server's reads wait on every message).
// An edge says only "something changed": the loop serves whatever waits until a call
// would block, and an operation that starts later tries its call first (kit::socket_waits),
// so readiness reported while nothing waits is not lost. The wake-up descriptor and the
// signal pipe are level-triggered: the loop drains them whenever they are reported.
#pragma once

#if defined(__linux__)

#include <array>
#include <cstdint>
#include <span>
#include <system_error>

#include <sys/epoll.h>

#include "socket_table.hpp"

namespace interop::inline_detail {

class epoll_set {
public:
    // Throws std::system_error when the instance cannot be created.
    epoll_set();
    ~epoll_set();
    epoll_set(const epoll_set&) = delete;
    epoll_set& operator=(const epoll_set&) = delete;

    // EPOLLRDHUP: the peer's half-close, which may come with the last bytes.
    static constexpr std::uint32_t edges = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    static constexpr std::uint32_t readable_edge = EPOLLIN | EPOLLET;  // a pidfd
    static constexpr std::uint32_t readable_level = EPOLLIN;

    // Registers fd with `events`; the error when the kernel refuses it (out of memory,
    // or the per-user limit of watched descriptors).
    std::error_code add(int fd, std::uint32_t events, event_target* target) noexcept;
    // Before fd is closed: a duplicate of it (a child between fork and exec) would
    // otherwise keep it registered.
    void remove(int fd) noexcept;
    // Waits up to timeout_ms (-1: no limit) and returns the events; none when a signal
    // interrupted the wait. Descriptors ready beyond the buffer are reported next time.
    std::span<const epoll_event> wait(int timeout_ms) noexcept;

private:
    int fd_ = -1;
    std::array<epoll_event, 128> events_{};
};

}  // namespace interop::inline_detail

#endif
