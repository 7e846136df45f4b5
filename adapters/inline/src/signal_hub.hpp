// Process-wide plumbing for signal_wait().
//
// Signal dispositions belong to the process, not to a runtime, so this is the one part
// of the inline runtime shared by every instance. The handler does only what is safe
// in a signal handler: it bumps a per-signal counter and writes a byte to a pipe. A
// runtime waiting for signals polls the pipe's read end and compares the counters
// with the counts it has already delivered.
//
// Several runtimes may poll the same pipe, and whichever drains it first would leave
// the others asleep, so the one that drains it then wakes every listening runtime.
#pragma once

#include <cstdint>
#include <system_error>

namespace interop::kit::posix {
class wakeup;
}

namespace interop::inline_detail {

using kit::posix::wakeup;

namespace signal_hub {

// Installs the handler for `signum` (once per process; it then stays installed, so
// that a second Ctrl-C between two waits is counted rather than killing the program).
// invalid_argument for numbers that cannot be caught (SIGKILL, SIGSTOP, out of range).
std::error_code watch(int signum) noexcept;

// How often `signum` has been raised since it was first watched (wraps around).
std::uint32_t raised_count(int signum) noexcept;

// Readable after a watched signal was raised. Valid once watch() has succeeded.
int readable_fd() noexcept;

// Drains readable_fd(), then wakes every listener except `self`.
void acknowledge(const wakeup* self) noexcept;

// A runtime waiting for signals registers its wakeup, and removes it before the
// wakeup is destroyed.
void add_listener(wakeup* w);
void remove_listener(wakeup* w) noexcept;

}  // namespace signal_hub
}  // namespace interop::inline_detail
