#include "child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace interop::conformance::runner {
namespace {

// posix_spawn's C structures, released on every path.
struct spawn_setup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    spawn_setup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

// The children running now, so that an interrupted run can stop them.
std::mutex running_mutex;
std::set<pid_t>& running() {
    static std::set<pid_t> pids;
    return pids;
}

struct registered_child {
    pid_t pid;
    explicit registered_child(pid_t p) : pid(p) {
        std::lock_guard lock(running_mutex);
        running().insert(pid);
    }
    ~registered_child() {
        std::lock_guard lock(running_mutex);
        running().erase(pid);
    }
    registered_child(const registered_child&) = delete;
    registered_child& operator=(const registered_child&) = delete;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

child_outcome ended(int status, std::chrono::steady_clock::time_point start) {
    child_outcome o;
    o.seconds = seconds_since(start);
    if (WIFSIGNALED(status)) {
        o.how = child_outcome::ending::signalled;
        o.code = WTERMSIG(status);
    } else {
        o.how = child_outcome::ending::exited;
        o.code = WEXITSTATUS(status);
    }
    return o;
}

}  // namespace

child_outcome run_child(const std::vector<std::string>& argv, const std::filesystem::path& output,
                        std::chrono::duration<double> limit) {
    spawn_setup setup;
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);

    // A process group of its own (so a timeout kills everything it started), no
    // blocked signals and default dispositions, whatever this process has.
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setpgroup(&setup.attributes, 0);
    posix_spawnattr_setsigmask(&setup.attributes, &none);
    posix_spawnattr_setsigdefault(&setup.attributes, &all);
    posix_spawnattr_setflags(
        &setup.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int error =
        posix_spawn(&pid, args[0], &setup.actions, &setup.attributes, args.data(), environ);
    if (error != 0) {
        child_outcome o;
        o.problem = "cannot start " + argv[0] + ": " + std::strerror(error);
        return o;
    }

    const registered_child registration(pid);

    // Poll for the exit: short sleeps first (most behaviours take milliseconds), then
    // up to 20 ms apart.
    auto pause = std::chrono::microseconds(200);
    for (;;) {
        int status = 0;
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return ended(status, start);
        if (done < 0 && errno != EINTR) {
            child_outcome o;
            o.problem = std::string("waitpid: ") + std::strerror(errno);
            return o;
        }
        if (std::chrono::steady_clock::now() - start >= limit) break;
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
    }

    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    child_outcome o;
    o.how = child_outcome::ending::timed_out;
    o.seconds = seconds_since(start);
    return o;
}

void kill_running_children() noexcept {
    std::lock_guard lock(running_mutex);
    for (pid_t pid : running()) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
}

std::string signal_name(int signal_number) {
    switch (signal_number) {
        case SIGABRT:
            return "SIGABRT";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGHUP:
            return "SIGHUP";
        case SIGILL:
            return "SIGILL";
        case SIGINT:
            return "SIGINT";
        case SIGKILL:
            return "SIGKILL";
        case SIGPIPE:
            return "SIGPIPE";
        case SIGQUIT:
            return "SIGQUIT";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGTERM:
            return "SIGTERM";
        case SIGTRAP:
            return "SIGTRAP";
        case SIGUSR1:
            return "SIGUSR1";
        case SIGUSR2:
            return "SIGUSR2";
        default:
            return "signal " + std::to_string(signal_number);
    }
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string last_lines(const std::filesystem::path& file, std::size_t max_lines) {
    std::string text = read_file(file);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    std::size_t start = text.size();
    for (std::size_t lines = 0; start > 0 && lines < max_lines; --start) {
        if (text[start - 1] == '\n' && ++lines == max_lines) break;
    }
    // A single runaway line must not flood the report either.
    constexpr std::size_t max_chars = 4000;
    if (text.size() - start > max_chars) start = text.size() - max_chars;
    return text.substr(start);
}

}  // namespace interop::conformance::runner
