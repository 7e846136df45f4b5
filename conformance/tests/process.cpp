// Child processes: spawn with arguments, environment, working directory and standard
// streams; wait for the exit code or the signal; kill; kill on drop; the errors of bad
// input (interop/process.hpp). The programs are the system's own (/bin/sh, cat, env,
// pwd, sleep, ...).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interop/conformance/loopback.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

command shell(std::string script) {
    command c("/bin/sh");
    c.arg("-c").arg(std::move(script));
    return c;
}

task<process_output> output_of(const command& c) {
    io_result<process_output> out = co_await c.output();
    REQUIRE(out.has_value());
    co_return std::move(*out);
}

// Whether `pid` is still a child of this process (running, or ended and not reaped),
// asked without reaping it.
enum class child_state { running, zombie, gone };
child_state state_of(int pid) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return errno == ECHILD ? child_state::gone : child_state::running;
    }
    return info.si_pid == 0 ? child_state::running : child_state::zombie;
}

// Lets the runtime run until `pid` is no child of ours any more (reaped), or 20 s pass.
task<bool> reaped_soon(int pid) {
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (state_of(pid) != child_state::gone) {
        if (std::chrono::steady_clock::now() >= give_up) co_return false;
        (void)co_await sleep_for(1ms);
    }
    co_return true;
}

// Whether a line of `text` is `line` (or, with `prefix`, starts with it).
// The signals a /proc/<pid>/status mask line ("SigIgn:\t<hex>") names, leaving out
// glibc's two internal real-time signals (32 and 33): no program can change their
// action through the C library, and a parent started by glibc's posix_spawn with
// POSIX_SPAWN_SETSIGDEF has them ignored, which a child then inherits.
unsigned long long signal_mask(std::string_view text, std::string_view name) {
    const std::size_t at = text.find(name);
    if (at == std::string_view::npos) return ~0ULL;
    const std::string hex(text.substr(at + name.size(), 16));
    const unsigned long long internal = (1ULL << 31) | (1ULL << 32);
    return std::stoull(hex, nullptr, 16) & ~internal;
}

bool has_line(std::string_view text, std::string_view line, bool prefix = false) {
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string_view current = text.substr(start, end - start);
        if (prefix ? current.substr(0, line.size()) == line : current == line) return true;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return false;
}

}  // namespace

TEST_CASE("process: wait reports exit codes 0, 1 and 42") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command yes("/bin/true");
        command no("/bin/false");
        command answer = shell("exit 42");
        child a = (co_await yes.spawn()).value();
        child b = (co_await no.spawn()).value();
        child c = (co_await answer.spawn()).value();
        CHECK(a.pid() > 0);
        const exit_status sa = (co_await a.wait()).value();
        const exit_status sb = (co_await b.wait()).value();
        const exit_status sc = (co_await c.wait()).value();
        CHECK(sa.success());
        CHECK(sa.code() == 0);
        CHECK(!sb.success());
        CHECK(sb.code() == 1);
        CHECK(sc.code() == 42);
        CHECK(!sc.signal().has_value());
    });
}

TEST_CASE("process: arguments reach the program intact, spaces and empty ones included") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c = shell("printf '[%s]' \"$@\"");
        c.args({"sh", "a b", "", "c'd", " "});
        const process_output out = co_await output_of(c);
        CHECK(out.status.success());
        CHECK(out.out == "[a b][][c'd][ ]");
    });
}

TEST_CASE("process: the environment is inherited, set, removed and cleared as asked") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command changed("env");
        changed.env("INTEROP_ONE", "1 2").env("INTEROP_TWO", "x").env_remove("INTEROP_TWO");
        changed.env_remove("PATH");
        const process_output a = co_await output_of(changed);
        CHECK(a.status.success());
        CHECK(has_line(a.out, "INTEROP_ONE=1 2"));
        CHECK(!has_line(a.out, "INTEROP_TWO=", true));
        CHECK(!has_line(a.out, "PATH=", true));

        command inherited("env");
        const process_output b = co_await output_of(inherited);
        CHECK(has_line(b.out, "PATH=", true));  // the parent's

        command cleared("env");
        cleared.env("INTEROP_GONE", "y").env_clear().env("INTEROP_ONLY", "z");
        const process_output c = co_await output_of(cleared);
        CHECK(c.status.success());
        CHECK(c.out == "INTEROP_ONLY=z\n");
    });
}

TEST_CASE("process: the child runs in the working directory it is given") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c("pwd");
        c.current_dir("/usr");
        const process_output out = co_await output_of(c);
        CHECK(out.status.success());
        CHECK(out.out == "/usr\n");
    });
}

TEST_CASE("process: a MiB written to cat's piped stdin comes back whole from its piped stdout") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command cat("/bin/cat");
        cat.set_stdin(stdio::piped).set_stdout(stdio::piped);
        child c = (co_await cat.spawn()).value();
        CHECK(c.stdin_pipe().is_open());
        CHECK(c.stdout_pipe().is_open());
        CHECK(!c.stderr_pipe().is_open());
        pipe_writer in = std::move(c.stdin_pipe());
        pipe_reader& out = c.stdout_pipe();
        constexpr std::size_t size = 1 << 20;  // far more than a pipe holds
        const std::vector<std::byte> sent = conf::pattern(0, size);
        std::vector<std::byte> got;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                CHECK((co_await write_all(in, sent)).has_value());
                (void)co_await in.close();  // end of file for cat
            });
            s.spawn([&]() -> task<void> {
                io_result<std::size_t> n = co_await read_to_end(out, got);
                CHECK(n.value() == size);
            });
            co_return;
        });
        CHECK(got == sent);
        CHECK((co_await c.wait()).value().success());
    });
}

TEST_CASE("process: stdout and stderr are separate pipes, and output collects both") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c = shell("echo out; echo err >&2; echo more; exit 3");
        const process_output out = co_await output_of(c);
        CHECK(out.out == "out\nmore\n");
        CHECK(out.err == "err\n");
        CHECK(out.status.code() == 3);
    });
}

TEST_CASE("process: a null stdin reads end of file at once and a null stdout takes everything") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command reads = shell("cat; echo done");
        reads.set_stdin(stdio::null);
        const process_output a = co_await output_of(reads);
        CHECK(a.out == "done\n");

        command writes = shell("echo hidden; echo shown >&2");
        writes.set_stdout(stdio::null).set_stderr(stdio::piped);
        child c = (co_await writes.spawn()).value();
        CHECK(!c.stdout_pipe().is_open());
        std::string err;
        CHECK((co_await read_to_end(c.stderr_pipe(), err)).has_value());
        CHECK(err == "shown\n");
        CHECK((co_await c.wait()).value().success());
    });
}

TEST_CASE("process: a child with inherited stdio runs to its end") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        // Reads nothing from the inherited stdin, so it cannot wait for a terminal.
        command c = shell("exit 7");
        child running = (co_await c.spawn()).value();
        CHECK(!running.stdin_pipe().is_open());
        CHECK((co_await running.wait()).value().code() == 7);
    });
}

TEST_CASE("process: wait may be repeated once the child has ended; kill is then no_such_process") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c = shell("exit 5");
        child running = (co_await c.spawn()).value();
        CHECK(!running.status().has_value());
        CHECK((co_await running.wait()).value().code() == 5);
        CHECK((co_await running.wait()).value().code() == 5);
        CHECK(running.status() == exit_status::exited(5));
        CHECK(running.kill(SIGTERM).is(std::errc::no_such_process));
        CHECK(running.kill().is(std::errc::no_such_process));
        CHECK(co_await reaped_soon(running.pid()));
    });
}

TEST_CASE(
    "process: kill with SIGTERM ends the child by signal 15; a bad signal is invalid_argument") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c("/bin/sleep");
        c.arg("100");
        child running = (co_await c.spawn()).value();
        CHECK(running.kill(-1).is(std::errc::invalid_argument));
        CHECK(running.kill(100000).is(std::errc::invalid_argument));
        CHECK(running.kill(SIGTERM).has_value());
        const exit_status how = (co_await running.wait()).value();
        CHECK(how.signal() == SIGTERM);
        CHECK(!how.code().has_value());
        CHECK(!how.success());
    });
}

TEST_CASE("process: a scope cancelled around a wait leaves no running child and no zombie behind") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        std::atomic<int> pid{0};
        const auto body = [&]() -> task<io_result<exit_status>> {
            command c("/bin/sleep");
            c.arg("100");
            child running = (co_await c.spawn()).value();
            pid = running.pid();
            co_return co_await running.wait();
        };
        io_result<exit_status> waited = co_await timeout(50ms, body());
        CHECK(waited.is(std::errc::timed_out));
        REQUIRE(pid.load() > 0);
        CHECK(co_await reaped_soon(pid.load()));
    });
}

TEST_CASE("process: a cancelled wait cancels the wait only; the child runs on") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c = shell("read line; exit 9");
        c.set_stdin(stdio::piped);
        child running = (co_await c.spawn()).value();
        CHECK((co_await timeout(20ms, running.wait())).is(std::errc::timed_out));
        CHECK(state_of(running.pid()) == child_state::running);
        CHECK((co_await conf::write_text(running.stdin_pipe(), "go\n")).has_value());
        CHECK((co_await running.wait()).value().code() == 9);
    });
}

TEST_CASE("process: with kill_on_drop(false) a dropped child runs on, and is reaped when it ends") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        int pid = 0;
        {
            command c("/bin/sleep");
            c.arg("100").kill_on_drop(false);
            child running = (co_await c.spawn()).value();
            pid = running.pid();
        }
        (void)co_await sleep_for(20ms);
        CHECK(state_of(pid) == child_state::running);
        ::kill(pid, SIGKILL);  // still our child: the pid cannot be anyone else's yet
        CHECK(co_await reaped_soon(pid));
    });
}

TEST_CASE(
    "process: bad input is refused by spawn: a missing program or directory, one that cannot be "
    "executed, an empty program, a NUL in an argument") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        const auto spawned = [](const command& c) -> task<std::error_code> {
            io_result<child> made = co_await c.spawn();
            co_return made ? std::error_code{} : made.error();
        };
        command missing("/nonexistent/interop-no-such-program");
        CHECK((co_await spawned(missing)) == std::errc::no_such_file_or_directory);
        command not_in_path("interop-no-such-program");
        CHECK((co_await spawned(not_in_path)) == std::errc::no_such_file_or_directory);
        command not_executable("/etc/passwd");
        CHECK((co_await spawned(not_executable)) == std::errc::permission_denied);
        command directory("/usr");
        CHECK((co_await spawned(directory)) == std::errc::permission_denied);
        command bad_directory("/bin/true");
        bad_directory.current_dir("/nonexistent/interop-no-such-directory");
        CHECK((co_await spawned(bad_directory)) == std::errc::no_such_file_or_directory);
        command empty("");
        CHECK((co_await spawned(empty)) == std::errc::invalid_argument);
        command nul("/bin/true");
        nul.arg(std::string("a\0b", 3));
        CHECK((co_await spawned(nul)) == std::errc::invalid_argument);
        command bad_name("/bin/true");
        bad_name.env("A=B", "c");
        CHECK((co_await spawned(bad_name)) == std::errc::invalid_argument);
        // What failed to start was reaped by spawn: no child of ours is left.
        siginfo_t info{};
        CHECK(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1);
        CHECK(errno == ECHILD);
    });
}

TEST_CASE("process: writing to a child that closed its stdin fails with broken_pipe, not SIGPIPE") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        command c("/bin/true");
        c.set_stdin(stdio::piped);
        child running = (co_await c.spawn()).value();
        CHECK((co_await running.wait()).value().success());
        auto wrote = co_await running.stdin_pipe().write(std::string_view("lost"));
        CHECK(wrote.is(std::errc::broken_pipe));
    });
}

TEST_CASE(
    "process: the child starts with default signal actions, an empty signal mask and no "
    "descriptor of the parent's but 0, 1 and 2") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        // A descriptor opened without close-on-exec, far from the ones the child opens.
        const int leaked = ::fcntl(STDERR_FILENO, F_DUPFD, 200);
        REQUIRE(leaked >= 200);
        command status("/bin/cat");
        status.arg("/proc/self/status");
        const process_output a = co_await output_of(status);
        command fds("/bin/ls");
        fds.arg("/proc/self/fd");
        const process_output b = co_await output_of(fds);
        ::close(leaked);
        CHECK(signal_mask(a.out, "SigIgn:\t") == 0);  // SIGPIPE is ignored here
        CHECK(signal_mask(a.out, "SigBlk:\t") == 0);
        CHECK(has_line(b.out, "0"));
        CHECK(!has_line(b.out, std::to_string(leaked)));
    });
}

TEST_CASE("process: fifty children spawned and waited for at once each report their own code") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        std::atomic<int> right{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 50; ++i) {
                s.spawn([&right, i]() -> task<void> {
                    command c = shell("exit " + std::to_string(i));
                    io_result<child> made = co_await c.spawn();
                    REQUIRE(made.has_value());
                    io_result<exit_status> how = co_await made->wait();
                    if (how && how->code() == i) right.fetch_add(1);
                });
            }
            co_return;
        });
        CHECK(right.load() == 50);
    });
}

TEST_CASE(
    "process: a child that other code forked is never reaped by the runtime: its own waitpid "
    "gets its status") {
    INTEROP_REQUIRE_CAPABILITY(cap_process);
    conf::run([]() -> task<void> {
        const pid_t other = ::fork();
        REQUIRE(other >= 0);
        if (other == 0) ::_exit(7);  // async-signal-safe only, in a child of a threaded parent
        // Ours end around it, before and after it does: each SIGCHLD makes the runtime look.
        for (int i = 0; i < 3; ++i) {
            child c = (co_await shell("exit 3").spawn()).value();
            CHECK((co_await c.wait()).value().code() == 3);
        }
        const auto give_up = std::chrono::steady_clock::now() + 20s;
        while (state_of(other) == child_state::running &&
               std::chrono::steady_clock::now() < give_up) {
            (void)co_await sleep_for(1ms);
        }
        child again = (co_await shell("exit 4").spawn()).value();
        CHECK((co_await again.wait()).value().code() == 4);
        CHECK(state_of(other) == child_state::zombie);  // ended, still other code's to reap
        int status = 0;
        CHECK(::waitpid(other, &status, 0) == other);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 7);
    });
}
