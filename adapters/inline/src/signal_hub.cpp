#include "signal_hub.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include "interop/runtime/posix_socket.hpp"
#include "interop/runtime/posix_wakeup.hpp"

namespace interop::inline_detail::signal_hub {
namespace {

using kit::posix::last_error;
using kit::posix::make_nonblocking_cloexec;

#if defined(NSIG)
constexpr int signal_limit = NSIG;
#else
constexpr int signal_limit = 65;
#endif

// Touched by the handler, so: lock-free atomics with constant initialisation.
std::atomic<std::uint32_t> raised[signal_limit];
std::atomic<int> pipe_write_fd{-1};
int pipe_read_fd = -1;

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

void on_signal(int signum) {
    const int saved_errno = errno;  // the interrupted code may be about to read errno
    raised[signum].fetch_add(1, std::memory_order_relaxed);
    const char byte = 0;
    // If the pipe is full a wake-up is already pending; the count above is what matters.
    [[maybe_unused]] const auto ignored =
        ::write(pipe_write_fd.load(std::memory_order_relaxed), &byte, 1);
    errno = saved_errno;
}

struct hub_state {
    std::mutex mutex;
    bool installed[signal_limit] = {};
    std::vector<wakeup*> listeners;
};

// Never destroyed: a runtime may still be waiting for signals while static
// destructors run at exit.
hub_state& state() {
    static hub_state* const s = new hub_state;
    return *s;
}

std::error_code open_pipe() noexcept {
    int fds[2];
    if (::pipe(fds) != 0) return last_error();
    if (!make_nonblocking_cloexec(fds[0]) || !make_nonblocking_cloexec(fds[1])) {
        const std::error_code error = last_error();
        ::close(fds[0]);
        ::close(fds[1]);
        return error;
    }
    pipe_read_fd = fds[0];
    pipe_write_fd.store(fds[1]);
    return {};
}

}  // namespace

std::error_code watch(int signum) noexcept {
    if (signum <= 0 || signum >= signal_limit || signum == SIGKILL || signum == SIGSTOP)
        return std::make_error_code(std::errc::invalid_argument);

    hub_state& s = state();
    std::lock_guard lock(s.mutex);
    if (s.installed[signum]) return {};
    if (pipe_read_fd < 0)
        if (const std::error_code error = open_pipe()) return error;

    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // other threads' blocking calls should not see EINTR
    if (::sigaction(signum, &action, nullptr) != 0) return last_error();
    s.installed[signum] = true;
    return {};
}

std::uint32_t raised_count(int signum) noexcept {
    return raised[signum].load(std::memory_order_relaxed);
}

int readable_fd() noexcept { return pipe_read_fd; }

void acknowledge(const wakeup* self) noexcept {
    char sink[64];
    for (;;) {
        const auto got = ::read(pipe_read_fd, sink, sizeof sink);
        if (got > 0 || (got < 0 && errno == EINTR)) continue;
        break;
    }
    hub_state& s = state();
    std::lock_guard lock(s.mutex);
    for (wakeup* w : s.listeners)
        if (w != self) w->notify();
}

void add_listener(wakeup* w) {
    hub_state& s = state();
    std::lock_guard lock(s.mutex);
    s.listeners.push_back(w);
}

void remove_listener(wakeup* w) noexcept {
    hub_state& s = state();
    std::lock_guard lock(s.mutex);
    s.listeners.erase(std::remove(s.listeners.begin(), s.listeners.end(), w), s.listeners.end());
}

}  // namespace interop::inline_detail::signal_hub
