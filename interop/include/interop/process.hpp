/// \file
/// Child processes: start a program, talk to it through pipes, wait for it to end.
///
///     interop::command cmd("/bin/sh");
///     cmd.arg("-c").arg("read line; echo got $line").set_stdin(interop::stdio::piped)
///         .set_stdout(interop::stdio::piped);
///     interop::child sh = (co_await cmd.spawn()).value();
///     co_await interop::write_all(sh.stdin_pipe(), std::string_view("hi\n"));
///     (void)co_await sh.stdin_pipe().close();
///     std::string said;
///     co_await interop::read_to_end(sh.stdout_pipe(), said);   // "got hi\n"
///     interop::exit_status how = (co_await sh.wait()).value();  // how.code() == 0
///
///     auto out = co_await interop::command("pwd").current_dir("/tmp").output();
///
/// - A program without a '/' is looked up in PATH (the child's, if the command sets
///   one); a missing program is spawn's no_such_file_or_directory, one that cannot be
///   executed permission_denied, a working directory that does not exist
///   no_such_file_or_directory, an empty program or a NUL in any string
///   invalid_argument. A child that ends early does not change that: the failure of
///   its exec comes back as spawn's error.
/// - The child gets the environment, working directory and standard streams the
///   command asks for (each inherited, the null device, or a pipe to the parent), the
///   default action for every signal and an empty signal mask, and no other descriptor
///   of the parent's.
/// - wait() completes with how the child ended; it may be awaited again afterwards.
///   Cancelling a wait cancels the wait only. The runtime reaps every child it started
///   once it ends, whether anybody waits or not: no zombie is left behind.
/// - Kill on drop: a child destroyed before a wait saw it end is sent SIGKILL (and
///   reaped by the runtime), so a cancelled scope leaves no running child. With
///   kill_on_drop(false) it runs on (docs/processes.md).
/// - kill(sig) sends a signal; once the child is reaped it is no_such_process, and
///   never reaches another process that got the same pid.
///
/// Needs cap_process; on a runtime without it spawn is operation_not_supported. Like
/// tokio::process::Command and Child, and libuv's uv_spawn.
#pragma once

#include <coroutine>
#include <csignal>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "interop/context.hpp"
#include "interop/detail/leaf_operation.hpp"
#include "interop/io_result.hpp"
#include "interop/pipe.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/task.hpp"

namespace interop {

/// What a child's standard stream is connected to.
enum class stdio : std::uint8_t {
    inherit,  ///< the parent's own (the default)
    null,     ///< the null device: reading gives end of file, writing goes nowhere
    piped,    ///< a pipe to the parent: child::stdin_pipe(), stdout_pipe(), stderr_pipe()
};

/// How a child ended: it exited with a code, or a signal ended it.
class exit_status {
public:
    exit_status() noexcept = default;
    static exit_status exited(int code) noexcept { return exit_status{code, 0}; }
    static exit_status signalled(int signal_number) noexcept {
        return exit_status{0, signal_number};
    }

    /// Exited with code 0.
    bool success() const noexcept { return signal_ == 0 && code_ == 0; }
    /// The exit code, when it exited.
    std::optional<int> code() const noexcept {
        return signal_ == 0 ? std::optional<int>(code_) : std::nullopt;
    }
    /// The signal that ended it, when one did.
    std::optional<int> signal() const noexcept {
        return signal_ != 0 ? std::optional<int>(signal_) : std::nullopt;
    }
    friend bool operator==(const exit_status&, const exit_status&) = default;

private:
    exit_status(int code, int signal_number) noexcept : code_(code), signal_(signal_number) {}
    int code_ = 0;
    int signal_ = 0;
};

class child;
class command;
struct process_output;

namespace detail {

class process_wait_awaitable
    : public leaf_operation<process_wait_operation, process_wait_awaitable> {
public:
    static constexpr const char* operation_name = "interop::child::wait";

    explicit process_wait_awaitable(child* c) noexcept : child_(c) {}
    process_wait_awaitable(process_wait_awaitable&& other) noexcept
        : leaf_operation(std::move(other)), child_(other.child_) {}

    bool await_ready() const noexcept;
    runtime_ref select_runtime(runtime_ref from_context) const noexcept;
    void start(runtime_ref rt) noexcept;
    io_result<exit_status> await_resume() noexcept;

private:
    child* child_;
};

}  // namespace detail

/// A running (or ended) child process. Move-only; see the file comment for what
/// destroying one does.
class child {
public:
    child() noexcept = default;
    child(child&& other) noexcept;
    child& operator=(child&& other) noexcept;
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child();

    /// The child's process id; 0 for a child() that holds none.
    int pid() const noexcept { return pid_; }
    /// The parent's ends of piped streams: open only for a stream the command piped.
    /// Move them out to use them elsewhere; closing stdin_pipe() is end of file to the
    /// child.
    pipe_writer& stdin_pipe() noexcept { return stdin_; }
    pipe_reader& stdout_pipe() noexcept { return stdout_; }
    pipe_reader& stderr_pipe() noexcept { return stderr_; }

    /// Completes with how the child ended (at once when a wait saw it already).
    [[nodiscard]] detail::process_wait_awaitable wait() noexcept {
        return detail::process_wait_awaitable{this};
    }
    /// How the child ended, once a wait saw it.
    std::optional<exit_status> status() const noexcept { return status_; }
    /// Sends `signal_number`: no_such_process once the child is reaped (a wait saw it
    /// end, or the runtime reaped it on its own), invalid_argument for a number that
    /// is no signal, bad_file_descriptor for a child() that holds none.
    io_result<void> kill(int signal_number = SIGKILL) noexcept;
    /// Whether destroying this child kills it (from the command; true by default).
    void kill_on_drop(bool enabled) noexcept { kill_on_drop_ = enabled; }
    runtime_ref runtime() const noexcept { return rt_; }

private:
    friend class command;
    friend class detail::process_wait_awaitable;
    void release() noexcept;
    bool usable() const noexcept { return handle_ != nullptr && lifetime_.alive(); }

    runtime_ref rt_{};
    process_handle handle_ = nullptr;
    runtime_lifetime lifetime_;
    int pid_ = 0;
    bool kill_on_drop_ = true;
    std::optional<exit_status> status_;
    pipe_writer stdin_;
    pipe_reader stdout_;
    pipe_reader stderr_;
};

namespace detail {

struct process_spawn_awaitable {
    explicit process_spawn_awaitable(const command* c) noexcept : cmd(c) {}

    const command* cmd;
    std::optional<io_result<child>> result;

    bool await_ready() const noexcept { return false; }
    template <context_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiter) {
        spawn_on(runtime_of(awaiter, "interop::command::spawn"));
        return false;
    }
    io_result<child> await_resume() noexcept;
    void spawn_on(runtime_ref rt);
};

}  // namespace detail

/// What output() collected.
struct process_output {
    exit_status status;
    std::string out;  ///< everything the child wrote to its stdout
    std::string err;  ///< and to its stderr
};

/// A program to start, and how. Each setter returns the command, for chaining.
class command {
public:
    explicit command(std::string program) { spec_.program = std::move(program); }

    /// One more argument, passed as it is (no shell: spaces and quotes are the
    /// argument's own).
    command& arg(std::string argument) {
        spec_.args.push_back(std::move(argument));
        return *this;
    }
    command& args(std::initializer_list<std::string_view> arguments) {
        for (std::string_view a : arguments) spec_.args.emplace_back(a);
        return *this;
    }
    /// Sets a variable of the child's environment.
    command& env(std::string name, std::string value) {
        spec_.environment.push_back({std::move(name), std::move(value), false});
        return *this;
    }
    /// Removes a variable from the child's environment.
    command& env_remove(std::string name) {
        spec_.environment.push_back({std::move(name), {}, true});
        return *this;
    }
    /// Starts the child's environment empty (not the parent's), forgetting what env()
    /// and env_remove() set so far.
    command& env_clear() {
        spec_.clear_environment = true;
        spec_.environment.clear();
        return *this;
    }
    /// The child's working directory (default: the parent's).
    command& current_dir(std::string directory) {
        spec_.working_directory = std::move(directory);
        return *this;
    }
    command& set_stdin(stdio how) noexcept {
        spec_.stdio[0] = to_spec(how);
        stdin_chosen_ = true;
        return *this;
    }
    command& set_stdout(stdio how) noexcept {
        spec_.stdio[1] = to_spec(how);
        return *this;
    }
    command& set_stderr(stdio how) noexcept {
        spec_.stdio[2] = to_spec(how);
        return *this;
    }
    /// Whether destroying the child before a wait saw it end kills it (default: true).
    command& kill_on_drop(bool enabled) noexcept {
        kill_on_drop_ = enabled;
        return *this;
    }

    /// Starts the program on the awaiting task's runtime: io_result<child>.
    [[nodiscard]] detail::process_spawn_awaitable spawn() const noexcept {
        return detail::process_spawn_awaitable{this};
    }
    /// Starts the program on `rt`, from outside a task.
    io_result<child> spawn(runtime_ref rt) const;
    /// Runs the program to its end with stdout and stderr piped and collected (both at
    /// once, so a child that fills one pipe while the other is read cannot stall) and
    /// stdin the null device unless set_stdin chose otherwise.
    task<io_result<process_output>> output() const;

    /// What the runtime is given.
    const process_spec& spec() const noexcept { return spec_; }

private:
    static process_stdio to_spec(stdio how) noexcept { return static_cast<process_stdio>(how); }

    process_spec spec_;
    bool kill_on_drop_ = true;
    bool stdin_chosen_ = false;
};

}  // namespace interop
