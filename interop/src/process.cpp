#include "interop/process.hpp"

#include <new>

#include "interop/io/read_to_end.hpp"
#include "interop/scope.hpp"

namespace interop {

// --- child ---------------------------------------------------------------------------

child::child(child&& other) noexcept
    : rt_(other.rt_),
      handle_(std::exchange(other.handle_, nullptr)),
      lifetime_(other.lifetime_),
      pid_(std::exchange(other.pid_, 0)),
      kill_on_drop_(other.kill_on_drop_),
      status_(other.status_),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)) {}

child& child::operator=(child&& other) noexcept {
    if (this != &other) {
        release();
        rt_ = other.rt_;
        handle_ = std::exchange(other.handle_, nullptr);
        lifetime_ = other.lifetime_;
        pid_ = std::exchange(other.pid_, 0);
        kill_on_drop_ = other.kill_on_drop_;
        status_ = other.status_;
        stdin_ = std::move(other.stdin_);
        stdout_ = std::move(other.stdout_);
        stderr_ = std::move(other.stderr_);
    }
    return *this;
}

child::~child() { release(); }

// Kill on drop: a child nobody saw end is killed before its handle goes, and the runtime
// reaps it (process_release keeps watching a child that has not been reaped).
void child::release() noexcept {
    if (handle_ == nullptr) return;
    if (lifetime_.alive()) {
        if (kill_on_drop_ && !status_) (void)rt_.vtable->process_kill(rt_.self, handle_, SIGKILL);
        rt_.vtable->process_release(rt_.self, handle_);
    }
    handle_ = nullptr;
}

io_result<void> child::kill(int signal_number) noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    if (status_) return std::errc::no_such_process;
    return io_result<void>{rt_.vtable->process_kill(rt_.self, handle_, signal_number)};
}

// --- wait ----------------------------------------------------------------------------

namespace detail {

// Known already, or nothing to wait for: no operation starts.
bool process_wait_awaitable::await_ready() const noexcept {
    return child_->status_.has_value() || !child_->usable();
}

runtime_ref process_wait_awaitable::select_runtime(runtime_ref) const noexcept {
    return child_->rt_;
}

void process_wait_awaitable::start(runtime_ref rt) noexcept {
    op().process = child_->handle_;
    rt.vtable->process_wait(rt.self, &op());
}

io_result<exit_status> process_wait_awaitable::await_resume() noexcept {
    finish();  // harmless when nothing started (await_ready said so)
    if (child_->status_) return *child_->status_;
    if (!child_->usable()) return std::errc::bad_file_descriptor;
    if (error()) return error();
    const exit_status status = op().signal != 0 ? exit_status::signalled(op().signal)
                                                : exit_status::exited(op().exit_code);
    child_->status_ = status;
    return status;
}

// --- spawn ---------------------------------------------------------------------------

void process_spawn_awaitable::spawn_on(runtime_ref rt) { result.emplace(cmd->spawn(rt)); }

io_result<child> process_spawn_awaitable::await_resume() noexcept { return std::move(*result); }

}  // namespace detail

io_result<child> command::spawn(runtime_ref rt) const {
    if (!rt) return std::errc::invalid_argument;
    process_spawned made;
    if (const std::error_code error = rt.vtable->process_spawn(rt.self, spec_, &made)) return error;
    child c;
    c.rt_ = rt;
    c.handle_ = made.process;
    c.lifetime_ = rt.vtable->core(rt.self)->lifetime();
    c.pid_ = made.pid;
    c.kill_on_drop_ = kill_on_drop_;
    if (made.pipes[0] != nullptr) c.stdin_ = pipe_writer{rt, made.pipes[0]};
    if (made.pipes[1] != nullptr) c.stdout_ = pipe_reader{rt, made.pipes[1]};
    if (made.pipes[2] != nullptr) c.stderr_ = pipe_reader{rt, made.pipes[2]};
    return c;
}

task<io_result<process_output>> command::output() const {
    command collecting = *this;
    collecting.set_stdout(stdio::piped).set_stderr(stdio::piped);
    if (!stdin_chosen_) collecting.set_stdin(stdio::null);
    io_result<child> started = co_await collecting.spawn();
    if (!started) co_return started.error();
    child& running = *started;
    process_output result;
    std::error_code failed;
    // Both pipes at once: a child that fills its stderr pipe while we wait on its
    // stdout would otherwise wait for us forever.
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn([&]() -> task<void> {
            io_result<std::size_t> n = co_await read_to_end(running.stdout_pipe(), result.out);
            if (!n && !failed) failed = n.error();
        });
        s.spawn([&]() -> task<void> {
            io_result<std::size_t> n = co_await read_to_end(running.stderr_pipe(), result.err);
            if (!n && !failed) failed = n.error();
        });
        co_return;
    });
    if (failed) co_return failed;  // the child is killed as `running` goes
    io_result<exit_status> status = co_await running.wait();
    if (!status) co_return status.error();
    result.status = *status;
    co_return result;
}

}  // namespace interop
