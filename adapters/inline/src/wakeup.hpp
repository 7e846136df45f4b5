// Wakes the loop out of poll() from another thread (or a signal handler's helper).
//
// An eventfd on Linux, a non-blocking pipe elsewhere. Notifications coalesce: while
// one is pending and not yet cleared, further notify() calls write nothing, so a
// burst of cross-thread posts costs one system call, not one each.
#pragma once

#include <atomic>

namespace interop::inline_detail {

class wakeup {
public:
    wakeup();  // throws std::system_error when no descriptor can be created
    ~wakeup();
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;

    // Poll this for POLLIN.
    int fd() const noexcept { return read_fd_; }

    // Thread-safe.
    void notify() noexcept;

    // Loop thread: consumes pending notifications. Call it before looking at what
    // the notifiers left behind: whatever they add after that notifies anew.
    void clear() noexcept;

private:
    int read_fd_ = -1;
    int write_fd_ = -1;  // the same descriptor as read_fd_ for an eventfd
    std::atomic<bool> notified_{false};
};

}  // namespace interop::inline_detail
