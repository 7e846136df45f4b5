/// \file
/// Child processes over POSIX, for adapters (as posix_pipe.hpp is for pipes): starting
/// a program with fork and exec, and reaping it through a pidfd, or, where there are no
/// pidfds (Linux before 5.3), through one SIGCHLD handler shared by the whole process
/// (posix_sigchld.hpp).
///
/// Why a pidfd. A child is known by its pid until it is reaped; after that the number
/// may name another process. SIGCHLD-based reaping needs one handler for the whole
/// process and a waitpid(-1) that takes other code's children too. A pidfd is a
/// descriptor for exactly this child: it becomes readable when the child ends (any loop
/// that polls descriptors can wait for it), waitid(P_PIDFD) reaps exactly this child,
/// and pidfd_send_signal never reaches another process once the child is gone. Without
/// pidfds the loop watches the child's notice pipe instead, and waitid(P_PID) reaps
/// exactly the child's pid; the pid stays the child's until this code reaps it.
///
/// Starting. spawn() prepares everything in the parent (the program's path looked up in
/// PATH, argv, the environment, the pipes, /dev/null), then forks. Between fork and
/// exec the child calls only async-signal-safe functions (the parent may have other
/// threads, whose locks the child inherits): it resets every signal to its default
/// action and empties its signal mask (interop ignores SIGPIPE, which a child such as
/// `yes | head` relies on getting), puts its standard streams in place, marks every
/// other descriptor close-on-exec, changes directory, and execs. If any step fails it
/// writes errno to a close-on-exec error pipe and exits with 127; the parent reads that
/// pipe (end of file means exec succeeded), reaps the child and reports the error, so
/// a missing program is spawn's error, not an exit status. Signals are blocked in the
/// parent around fork, so no handler of the parent runs in the child.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/posix_pipe.hpp"
#include "interop/runtime/posix_sigchld.hpp"
#include "interop/runtime/posix_socket.hpp"

extern "C" {
extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX leaves it undeclared
}

namespace interop::kit::posix {

namespace process_detail {

#if defined(__linux__)
#if !defined(SYS_pidfd_open)
#define SYS_pidfd_open 434
#endif
#if !defined(SYS_pidfd_send_signal)
#define SYS_pidfd_send_signal 424
#endif
#if !defined(SYS_close_range)
#define SYS_close_range 436
#endif
inline constexpr int pidfd_wait_type = 3;           // P_PIDFD
inline constexpr unsigned close_range_cloexec = 4;  // CLOSE_RANGE_CLOEXEC
#endif

inline int pidfd_open(int pid) noexcept {
#if defined(__linux__)
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

inline bool has_nul(std::string_view text) noexcept {
    return text.find('\0') != std::string_view::npos;
}

// In the child: report errno through the error pipe and end.
[[noreturn]] inline void child_failed(int error_fd) noexcept {
    const int error = errno;
    ssize_t written = 0;
    do {
        written = ::write(error_fd, &error, sizeof error);
    } while (written < 0 && errno == EINTR);
    ::_exit(127);
}

// Everything the child needs, prepared by the parent: the child only reads it.
struct child_setup {
    const char* path = nullptr;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    const char* working_directory = nullptr;  // null: stay
    int streams[3] = {-1, -1, -1};            // what becomes 0, 1, 2; -1: left as it is
    int error_fd = -1;
    int max_fd = 0;  // for marking descriptors close-on-exec without close_range
};

// Between fork and exec: async-signal-safe calls only.
[[noreturn]] inline void run_child(const child_setup& setup) noexcept {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigemptyset(&default_action.sa_mask);
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        ::sigaction(signal_number, &default_action, nullptr);  // fails for KILL and STOP
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    // A descriptor that is already 0, 1 or 2 (the parent had closed its stdio) would be
    // overwritten by another dup2, and dup2 onto itself keeps close-on-exec: move it up.
    int streams[3] = {setup.streams[0], setup.streams[1], setup.streams[2]};
    for (int& fd : streams) {
        if (fd >= 0 && fd <= STDERR_FILENO) {
            fd = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
            if (fd < 0) child_failed(setup.error_fd);
        }
    }
    for (int target = 0; target < 3; ++target) {
        const int fd = streams[target];
        if (fd >= 0 && ::dup2(fd, target) < 0) child_failed(setup.error_fd);
    }
    // Nothing of the parent's but 0, 1 and 2 reaches the program, whoever opened it and
    // however (interop's own descriptors are close-on-exec already).
#if defined(__linux__)
    if (::syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, close_range_cloexec) != 0)
#endif
    {
        for (int fd = STDERR_FILENO + 1; fd < setup.max_fd; ++fd) {
            const int flags = ::fcntl(fd, F_GETFD);
            if (flags >= 0 && (flags & FD_CLOEXEC) == 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }
    if (setup.working_directory != nullptr && ::chdir(setup.working_directory) != 0) {
        child_failed(setup.error_fd);
    }
    ::execve(setup.path, setup.argv, setup.envp);
    child_failed(setup.error_fd);
}

// Closes the descriptors it holds when it goes.
struct fd_list {
    std::vector<int> fds;
    fd_list() = default;
    fd_list(const fd_list&) = delete;
    fd_list& operator=(const fd_list&) = delete;
    ~fd_list() {
        for (const int fd : fds) ::close(fd);
    }
    int keep(int fd) {
        fds.push_back(fd);
        return fd;
    }
};

inline std::string_view name_of(std::string_view entry) noexcept {
    return entry.substr(0, entry.find('='));
}

// The child's environment as NAME=value entries.
inline std::vector<std::string> environment_of(const process_spec& spec) {
    std::vector<std::string> entries;
    if (!spec.clear_environment) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) entries.emplace_back(*e);
    }
    for (const process_env_change& change : spec.environment) {
        std::erase_if(entries, [&](const std::string& e) { return name_of(e) == change.name; });
        if (change.remove) continue;
        std::string entry;
        entry.reserve(change.name.size() + 1 + change.value.size());
        entry.append(change.name).append(1, '=').append(change.value);
        entries.push_back(std::move(entry));
    }
    return entries;
}

// Where exec finds `program`: as it is with a '/', else the first executable file of
// that name in a directory of PATH. A file found there that cannot be executed is
// permission_denied when no later directory has an executable one.
inline std::error_code find_program(const std::string& program,
                                    const std::vector<std::string>& environment,
                                    std::string* path) {
    if (program.find('/') != std::string::npos) {
        *path = program;
        return {};
    }
    std::string search;
    bool found_path = false;
    for (const std::string& entry : environment) {
        if (name_of(entry) == "PATH") {
            search = entry.substr(5);
            found_path = true;
        }
    }
    if (!found_path) {
        const char* parent = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only
        search = parent != nullptr ? parent : "/usr/local/bin:/usr/bin:/bin";
    }
    std::error_code error = std::make_error_code(std::errc::no_such_file_or_directory);
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = search.find(':', start);
        std::string directory = search.substr(start, end - start);
        if (directory.empty()) directory = ".";
        std::string candidate = std::move(directory);
        candidate.append(1, '/').append(program);
        struct stat info {};
        if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
            if (::access(candidate.c_str(), X_OK) == 0) {
                *path = std::move(candidate);
                return {};
            }
            error = std::make_error_code(std::errc::permission_denied);
        }
        if (end == std::string::npos) return error;
        start = end + 1;
    }
}

inline std::error_code invalid() noexcept {
    return std::make_error_code(std::errc::invalid_argument);
}

inline std::error_code check(const process_spec& spec) noexcept {
    if (spec.program.empty() || has_nul(spec.program) || has_nul(spec.working_directory)) {
        return invalid();
    }
    for (const std::string& arg : spec.args) {
        if (has_nul(arg)) return invalid();
    }
    for (const process_env_change& change : spec.environment) {
        if (change.name.empty() || change.name.find('=') != std::string::npos ||
            has_nul(change.name) || has_nul(change.value)) {
            return invalid();
        }
    }
    return {};
}

}  // namespace process_detail

/// Whether children are watched through pidfds (asked once): where pidfd_open works,
/// unless the environment has INTEROP_PROCESS_REAPER=sigchld (which tries the SIGCHLD
/// way on a system that has pidfds). Otherwise through posix_sigchld.hpp.
inline bool pidfds_in_use() noexcept {
    static const bool available = [] {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any child
        const char* reaper = std::getenv("INTEROP_PROCESS_REAPER");
        if (reaper != nullptr && std::string_view(reaper) == "sigchld") return false;
        const int fd = process_detail::pidfd_open(static_cast<int>(::getpid()));
        if (fd < 0) return false;
        ::close(fd);
        return true;
    }();
    return available;
}

/// A started child, as spawn() leaves it to the adapter.
struct spawned_child {
    int pid = -1;
    /// What the loop watches, close-on-exec: the pidfd (readable once the child has
    /// ended), or without pidfds the notice pipe's read end (readable after a SIGCHLD).
    int pidfd = -1;
    sigchld_notice notice;  ///< without pidfds: registers the notice pipe
    /// The parent's ends of the piped streams, non-blocking and close-on-exec, or -1:
    /// [0] written (the child's stdin), [1] and [2] read.
    int pipes[3] = {-1, -1, -1};
};

namespace process_detail {

inline std::error_code spawn_or_throw(const process_spec& spec, spawned_child* out) {
    *out = spawned_child{};
    if (const std::error_code error = check(spec)) return error;

    std::vector<std::string> environment = environment_of(spec);
    std::string path;
    if (const std::error_code error = find_program(spec.program, environment, &path)) {
        return error;
    }
    std::vector<char*> argv;
    argv.reserve(spec.args.size() + 2);
    argv.push_back(const_cast<char*>(spec.program.c_str()));
    for (const std::string& arg : spec.args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);

    ignore_sigpipe();     // the parent writes to the child's stdin
    fd_list child_side;   // closed by the parent once the child has them (or on an error)
    fd_list parent_side;  // handed out on success
    child_setup setup;
    setup.path = path.c_str();
    setup.argv = argv.data();
    setup.envp = envp.data();
    setup.working_directory =
        spec.working_directory.empty() ? nullptr : spec.working_directory.c_str();
    struct rlimit limit {};
    constexpr rlim_t most = rlim_t{1} << 20;  // a loop over more would take too long
    setup.max_fd = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < most
                       ? static_cast<int>(limit.rlim_cur)
                       : static_cast<int>(most);
    int null_fd = -1;
    int parent_ends[3] = {-1, -1, -1};  // in *out once nothing can fail any more
    for (int stream = 0; stream < 3; ++stream) {
        switch (spec.stdio[stream]) {
            case process_stdio::inherit:
                break;
            case process_stdio::null:
                if (null_fd < 0) {
                    null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                    if (null_fd < 0) return last_error();
                    child_side.keep(null_fd);
                }
                setup.streams[stream] = null_fd;
                break;
            case process_stdio::piped: {
                int fds[2] = {-1, -1};
                if (::pipe2(fds, O_CLOEXEC) != 0) return last_error();
                const int child_end = stream == 0 ? fds[0] : fds[1];
                const int parent_end = stream == 0 ? fds[1] : fds[0];
                setup.streams[stream] = child_side.keep(child_end);
                parent_ends[stream] = parent_side.keep(parent_end);
                break;
            }
        }
    }
    // Without pidfds the notice is in place before the child exists: its SIGCHLD
    // cannot come first.
    const bool by_pidfd = pidfds_in_use();
    sigchld_notice notice;
    int notice_reader = -1;
    if (!by_pidfd) {
        if (const std::error_code error = notice.open(&notice_reader)) return error;
        parent_side.keep(notice_reader);
    }
    int error_pipe[2] = {-1, -1};
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) return last_error();
    const int error_reader = error_pipe[0];
    fd_list error_ends;
    error_ends.keep(error_pipe[0]);
    child_side.keep(error_pipe[1]);
    setup.error_fd = error_pipe[1];

    // No handler of the parent's may run in the child before it has reset them.
    sigset_t all;
    sigset_t previous;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    const pid_t pid = ::fork();
    if (pid == 0) run_child(setup);
    const int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) return error_from_errno(fork_error);

    for (const int fd : child_side.fds) ::close(fd);
    child_side.fds.clear();
    int child_error = 0;
    std::size_t got = 0;
    while (got < sizeof child_error) {
        const ssize_t n = ::read(error_reader, reinterpret_cast<char*>(&child_error) + got,
                                 sizeof child_error - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == sizeof child_error) {
        // The child exits at once with 127: reap it now, it is no one's to wait for.
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return error_from_errno(child_error != 0 ? child_error : EIO);
    }
    const int pidfd = by_pidfd ? pidfd_open(static_cast<int>(pid)) : notice_reader;
    if (pidfd < 0) {
        const int error = errno;
        ::kill(pid, SIGKILL);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return error_from_errno(error);
    }
    // Only the parent's ends are non-blocking: the child's stay as programs expect.
    for (const int fd : parent_side.fds) {
        if (fd == notice_reader) continue;  // non-blocking already
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    parent_side.fds.clear();
    for (int stream = 0; stream < 3; ++stream) out->pipes[stream] = parent_ends[stream];
    out->pid = static_cast<int>(pid);
    out->pidfd = pidfd;
    out->notice = std::move(notice);
    return {};
}

}  // namespace process_detail

/// Starts `spec`'s program (see the file comment). On an error nothing is left open and
/// no child is left behind; running out of memory is not_enough_memory. Blocks while
/// the child execs.
inline std::error_code spawn(const process_spec& spec, spawned_child* out) noexcept {
    try {
        return process_detail::spawn_or_throw(spec, out);
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/// What an adapter keeps of a child: whether it has been reaped and how it ended, the
/// one wait pending and whether the core still holds the handle.
struct child_state {
    int pid = -1;
    int pidfd = -1;         ///< spawned_child::pidfd: the descriptor the loop watches
    sigchld_notice notice;  ///< without pidfds
    bool reaped = false;
    bool killed = false;  ///< SIGKILL was sent: waiting for it at teardown is short
    int exit_code = 0;
    int signal = 0;                            ///< the signal that ended it; 0 when it exited
    process_wait_operation* waiter = nullptr;  ///< the one wait pending, if any
    bool released = false;                     ///< the core has let go of the handle

    /// Takes over what the loop needs of a spawned child (`made` keeps its pipes, and
    /// its pid and pidfd for discard()).
    void take(spawned_child& made) noexcept {
        pid = made.pid;
        pidfd = made.pidfd;
        notice = std::move(made.notice);
    }

    /// Gives a wait how the child ended (once reaped).
    void report(process_wait_operation* op) const noexcept {
        op->exit_code = exit_code;
        op->signal = signal;
    }

    /// How process_wait goes on: a second wait is busy; a child that has ended is
    /// reported into the operation at once (complete it with success); otherwise the
    /// adapter parks the operation and sets `waiter`.
    enum class wait_start : std::uint8_t { busy, now, park };
    wait_start start_wait(process_wait_operation* op) noexcept {
        if (waiter != nullptr) return wait_start::busy;
        if (!try_reap()) return wait_start::park;
        report(op);
        return wait_start::now;
    }

    /// process_wait on a loop of one thread: completes `op` at once (busy, or the child
    /// has ended), or parks it with `park(op)` (which may throw std::bad_alloc: the wait
    /// is then not_enough_memory) and makes it the pending wait.
    template <typename Park>
    void wait_or_park(process_wait_operation* op, Park&& park) noexcept {
        switch (start_wait(op)) {
            case wait_start::busy:
                return op->complete(std::make_error_code(std::errc::device_or_resource_busy), 0);
            case wait_start::now:
                return op->complete({}, 0);
            case wait_start::park:
                break;
        }
        try {
            park(op);
        } catch (const std::bad_alloc&) {
            return op->complete(std::make_error_code(std::errc::not_enough_memory), 0);
        }
        waiter = op;
    }

    /// The pidfd is readable: reaps the child. Returns false while it still runs; once
    /// reaped, *done is the wait to complete with success (null when none is pending).
    bool ended(process_wait_operation** done) noexcept {
        *done = nullptr;
        if (!try_reap()) return false;
        if ((*done = std::exchange(waiter, nullptr)) != nullptr) report(*done);
        return true;
    }

    /// process_release: the core lets go. Returns the pending wait, to complete with
    /// operation_canceled (null when none is).
    process_wait_operation* release() noexcept {
        released = true;
        return std::exchange(waiter, nullptr);
    }

    /// A cancel of `op`: true when it was the pending wait, which is no longer.
    bool drop_waiter(const operation* op) noexcept {
        if (waiter != op) return false;
        waiter = nullptr;
        return true;
    }

    /// Reaps the child if it has ended (never blocks); true once it is reaped.
    bool try_reap() noexcept {
        if (reaped) return true;
        const bool by_pidfd = pidfds_in_use();
        // The notice's bytes are heard before the look: a SIGCHLD after it writes anew.
        if (!by_pidfd) sigchld_notice::drain(pidfd);
        for (;;) {
            siginfo_t info{};
            const int result =
                by_pidfd ? ::waitid(static_cast<idtype_t>(process_detail::pidfd_wait_type),
                                    static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG)
                         : ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG);
            if (result < 0 && errno == EINTR) continue;
            if (result < 0) {
                // Still running (a non-blocking pidfd says EAGAIN); or ECHILD: somebody
                // else reaped it (SIGCHLD set to SIG_IGN), and how it ended is lost.
                if (errno != ECHILD) return false;
                reaped = true;
                exit_code = 0;
                signal = 0;
                return true;
            }
            if (info.si_pid == 0) return false;  // still running
            reaped = true;
            if (info.si_code == CLD_EXITED) {
                exit_code = info.si_status;
            } else {
                signal = info.si_status;
            }
            return true;
        }
    }

    /// Blocks until the child has ended, and reaps it.
    void reap() noexcept {
        while (!try_reap()) {
            pollfd readable{pidfd, POLLIN, 0};
            ::poll(&readable, 1, -1);
        }
    }

    /// process_kill of the contract.
    std::error_code kill(int signal_number) noexcept {
        if (reaped) return std::make_error_code(std::errc::no_such_process);
        if (signal_number < 0 || signal_number >= NSIG) {
            return std::make_error_code(std::errc::invalid_argument);
        }
        // Not reaped: the pid is still this child's (the kernel keeps it until then).
#if defined(__linux__)
        const long sent = pidfds_in_use()
                              ? ::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0)
                              : ::kill(static_cast<pid_t>(pid), signal_number);
#else
        const long sent = ::kill(static_cast<pid_t>(pid), signal_number);
#endif
        if (sent != 0) {
            // The child has ended but is not reaped yet: nothing left to signal.
            if (errno == ESRCH) return {};
            return last_error();
        }
        if (signal_number == SIGKILL) killed = true;
        return {};
    }

    /// At the runtime's teardown: a killed child is waited for (it is about to end), any
    /// other left to run. Closes the pidfd when `close_pidfd`.
    void abandon(bool close_pidfd) noexcept {
        if (!reaped && killed) reap();
        if (close_pidfd && pidfd >= 0) ::close(pidfd);
        pidfd = -1;
        notice.close();
    }
};

/// Undoes a spawn() whose child cannot be handed out (out of memory for its record):
/// kills and reaps the child and closes every descriptor left in `made`.
inline void discard(spawned_child& made) noexcept {
    child_state state;
    state.take(made);
    (void)state.kill(SIGKILL);
    state.abandon(true);
    for (int& fd : made.pipes) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    made.pidfd = -1;
}

/// process_spawn's pipes for the loop: each parent end in made.pipes given to it with
/// adopt(fd, &handle) (which closes fd when it fails and returns why), the handles in
/// `pipes`. When one cannot be adopted, the ones adopted already go back with
/// drop(handle), and the child is discarded.
template <typename Adopt, typename Drop>
std::error_code adopt_pipes(spawned_child& made, socket_handle pipes[3], Adopt&& adopt,
                            Drop&& drop) {
    for (int stream = 0; stream < 3; ++stream) {
        pipes[stream] = nullptr;
        if (made.pipes[stream] < 0) continue;
        const int fd = std::exchange(made.pipes[stream], -1);
        if (const std::error_code error = adopt(fd, &pipes[stream])) {
            for (int done = 0; done < stream; ++done) {
                if (pipes[done] != nullptr) drop(pipes[done]);
                pipes[done] = nullptr;
            }
            pipes[stream] = nullptr;
            discard(made);
            return error;
        }
    }
    return {};
}

/// An adapter's record of a child, made (with `make_room()`: room in the adapter's
/// own list) before the fork, so that running out of memory leaves no child to undo.
/// Null when there is no memory.
template <typename Record, typename MakeRoom, typename... Args>
std::unique_ptr<Record> new_child_record(MakeRoom&& make_room, Args&&... args) noexcept {
    try {
        make_room();
        return std::make_unique<Record>(std::forward<Args>(args)...);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

/// What every adapter's process_spawn does once its record of the child is made:
/// spawn(), then adopt_pipes() through the adapter's own `pipe_adopt(fd, &handle)` and
/// `close(handle)`. `made` then holds the child for child_state::take().
template <typename Adapter>
std::error_code spawn_with_pipes(const process_spec& spec, process_spawned* out,
                                 spawned_child* made, Adapter& adapter) {
    if (const std::error_code error = spawn(spec, made)) return error;
    return adopt_pipes(
        *made, out->pipes,
        [&adapter](int fd, socket_handle* handle) { return adapter.pipe_adopt(fd, handle); },
        [&adapter](socket_handle s) { adapter.close(s); });
}

}  // namespace interop::kit::posix
