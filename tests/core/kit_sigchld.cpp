// The adapter kit's SIGCHLD notices (posix_sigchld.hpp), without a runtime: a notice
// pipe becomes readable when a child ends, a drained one stays quiet until the next
// SIGCHLD, a handler installed before the first notice still runs, and a closed notice
// is out of the handler's table.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <csignal>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interop/runtime/posix_sigchld.hpp"

namespace posix = interop::kit::posix;

namespace {

std::atomic<int> earlier_handler_calls{0};

void earlier_handler(int) { earlier_handler_calls.fetch_add(1); }

// Whether `fd` becomes readable within about `timeout_ms`; a SIGCHLD that interrupts
// the wait (EINTR) is waited through.
bool readable(int fd, int timeout_ms) {
    for (int waited = 0;; waited += 10) {
        pollfd p{fd, POLLIN, 0};
        const int n = ::poll(&p, 1, timeout_ms == 0 ? 0 : 10);
        if (n == 1) return true;
        if (n < 0 && errno != EINTR) return false;
        if (waited >= timeout_ms) return false;
    }
}

// A child that ends at once; returns its pid.
pid_t short_child() {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) ::_exit(0);
    return pid;
}

}  // namespace

TEST_CASE("kit sigchld: a notice is readable after a child ends; the earlier handler runs too") {
    struct sigaction earlier {};
    earlier.sa_handler = earlier_handler;
    ::sigemptyset(&earlier.sa_mask);
    struct sigaction saved {};
    REQUIRE(::sigaction(SIGCHLD, &earlier, &saved) == 0);

    posix::sigchld_notice notice;
    int reader = -1;
    REQUIRE(!notice.open(&reader));
    CHECK(notice.is_open());
    CHECK(!readable(reader, 0));

    const pid_t first = short_child();
    CHECK(readable(reader, 10000));
    int status = 0;
    CHECK(::waitpid(first, &status, 0) == first);
    CHECK(earlier_handler_calls.load() >= 1);

    posix::sigchld_notice::drain(reader);
    CHECK(!readable(reader, 0));  // heard: quiet until the next SIGCHLD
    const pid_t second = short_child();
    CHECK(readable(reader, 10000));
    CHECK(::waitpid(second, &status, 0) == second);

    // Out of the table: a SIGCHLD no longer reaches the pipe (its write end is closed,
    // so the reader sees end of file, not a byte).
    posix::sigchld_notice::drain(reader);
    notice.close();
    CHECK(!notice.is_open());
    const pid_t third = short_child();
    CHECK(::waitpid(third, &status, 0) == third);
    char byte = 1;
    CHECK(::read(reader, &byte, 1) == 0);
    ::close(reader);
}
