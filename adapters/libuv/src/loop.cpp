// The executor: construction and teardown, run(), stop(), post(), cancel(), and the
// registry of pending operations.
#include "loop.hpp"

#include <cassert>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "errors.hpp"
#include "interop/runtime/posix_pipe.hpp"
#include "op_data.hpp"

namespace interop::libuv_detail {
namespace {

void throw_if_failed(int status, const char* what) {
    if (status < 0)
        throw std::system_error(error_from_uv(status),
                                std::string("interop::libuv_runtime: ") + what);
}

}  // namespace

// libuv writes to sockets with write(2)/writev(2), not send(MSG_NOSIGNAL), so writing
// to a connection the peer has closed raises SIGPIPE, whose default action ends the
// process. The contract wants broken_pipe instead, and libuv offers no per-call or
// per-socket way around that on Linux: a runtime being constructed ignores SIGPIPE as
// the kit does for a pipe (unless the program handles it itself).
loop::loop() {
    kit::posix::ignore_sigpipe();
    throw_if_failed(uv_loop_init(&uv_), "uv_loop_init");
    try {
        // Each handle's data points back here; the callbacks find the loop through it.
        throw_if_failed(uv_async_init(&uv_, &wake_, &loop::on_wake), "uv_async_init");
        wake_.data = this;
        throw_if_failed(uv_check_init(&uv_, &runner_), "uv_check_init");
        runner_.data = this;
        throw_if_failed(uv_check_start(&runner_, &loop::on_check), "uv_check_start");
        throw_if_failed(uv_idle_init(&uv_, &keep_polling_), "uv_idle_init");
        keep_polling_.data = this;
        throw_if_failed(uv_timer_init(&uv_, &timer_), "uv_timer_init");
        timer_.data = this;
    } catch (...) {
        close_everything();
        throw;
    }
}

loop::~loop() { close_everything(); }

// Closes every handle and lets libuv finish with them. No core code runs from here and
// no pending operation is touched (it may be gone already): sockets are closed with
// their operations abandoned, thread-pool callbacks see destroying_ and only free their
// requests, timers and signal waits are simply forgotten.
void loop::close_everything() noexcept {
    destroying_ = true;
    queue_.stop();
    sockets_.for_each([this](socket_base* socket) {
        if (stream_socket* tcp = socket->as<stream_socket>()) abandon_socket(tcp);
        if (udp_socket* udp = socket->as<udp_socket>()) abandon_udp(udp);
    });
    abandon_processes();
    // Our own handles, the signal watchers, and native handles of code that mixed
    // libuv in and left them open: all are closed, without a callback.
    uv_walk(
        &uv_,
        [](uv_handle_t* handle, void*) {
            if (!uv_is_closing(handle)) uv_close(handle, nullptr);
        },
        nullptr);
    // Runs the close callbacks, the cancelled write/connect/shutdown callbacks, and
    // waits for thread-pool requests (resolve, blocking work) to come back.
    while (uv_run(&uv_, UV_RUN_DEFAULT) != 0) {
    }
    [[maybe_unused]] const int closed = uv_loop_close(&uv_);
    assert(closed == 0 && "interop::libuv_runtime: a libuv handle or request outlived the loop");
    queue_.clear();
}

// --- executor ----------------------------------------------------------------------

bool loop::in_runtime_thread() const noexcept {
    return loop_thread_.load(std::memory_order_acquire) == std::this_thread::get_id();
}

bool loop::post(operation* op) noexcept {
    // The loop's own thread owns the run queue: no lock, no system call.
    const kit::posted how = queue_.post(op, in_runtime_thread());
    if (how == kit::posted::on_loop_thread) keep_polling();
    // Coalesces: repeated sends before the loop wakes cost one wake-up.
    if (how == kit::posted::from_other_thread) uv_async_send(&wake_);
    return how != kit::posted::refused;
}

void loop::stop() noexcept {
    queue_.stop();
    if (in_runtime_thread()) {
        uv_stop(&uv_);
    } else {
        uv_async_send(&wake_);  // on_wake sees stopped_ and stops the loop
    }
}

void loop::run() {
    if (in_runtime_thread())
        throw std::logic_error(
            "interop::libuv_runtime: run() called from inside the same runtime's loop; "
            "it would block the very loop it is meant to drive");
    if (running_.exchange(true))
        throw std::logic_error(
            "interop::libuv_runtime: run() called while another thread is running it; "
            "this runtime is driven by one thread at a time");
    loop_thread_.store(std::this_thread::get_id(), std::memory_order_release);
    struct leave_run {
        loop* self;
        ~leave_run() {
            self->loop_thread_.store(std::thread::id{}, std::memory_order_release);
            self->running_ = false;
        }
    } on_exit{this};

    take_requests();  // posts made before run()
    // stop() is final: a stopped loop returns at once. The wake-up handle is always
    // active, so uv_run only returns after uv_stop (or native code's uv_stop). Nothing
    // escapes it: out of memory in the loop's own bookkeeping ends the process rather
    // than unwind through libuv (docs/semantics.md).
    [this]() noexcept {
        while (!queue_.stopped()) uv_run(&uv_, UV_RUN_DEFAULT);
    }();
}

void loop::on_check(uv_check_t* check) { static_cast<loop*>(check->data)->run_ready_batch(); }

void loop::run_ready_batch() noexcept {
    if (queue_.empty()) return;
    queue_.run_until_poll();
    if (queue_.empty()) uv_idle_stop(&keep_polling_);
}

// An active idle handle makes libuv poll without blocking: there is work to run. The
// handle's callback has nothing to do; the batch runs from the check handle.
void loop::keep_polling() noexcept {
    uv_idle_start(&keep_polling_, [](uv_idle_t*) {});
}

void loop::on_wake(uv_async_t* async) {
    auto* self = static_cast<loop*>(async->data);
    self->take_requests();
    if (self->queue_.stopped()) uv_stop(&self->uv_);
}

void loop::take_requests() noexcept {
    if (queue_.take_inbox()) keep_polling();
    cancels_.take(pending_, [this](operation* op) { cancel_parked(op); });
}

// --- the life of an operation --------------------------------------------------------

void loop::queue_completion(operation* op, std::error_code error, std::size_t bytes) {
    if (queue_.push(op, error, bytes)) keep_polling();
}

void loop::finish(operation* op, std::error_code error, std::size_t bytes) {
    unpark(op);
    queue_completion(op, error, bytes);
}

void loop::finish_now(operation* op, std::error_code error, std::size_t bytes) {
    unpark(op);
    // A stopped loop runs no more core code; the completion waits like the others.
    if (queue_.stopped()) return queue_completion(op, error, bytes);
    op->complete(error, bytes);
}

// --- cancellation ------------------------------------------------------------------

// On the loop's thread a parked operation is taken out at once; another thread leaves
// a request for the loop, which owns the wait structures (kit::cancel_requests).
void loop::cancel(operation* op) noexcept {
    const auto take_out = [this](operation* parked) { cancel_parked(parked); };
    if (cancels_.cancel(op, in_runtime_thread(), pending_, take_out)) uv_async_send(&wake_);
}

// Takes a parked operation out of what it waits on and queues its completion. Never
// completes inline: the caller may be cancelling many operations in a row.
void loop::cancel_parked(operation* op) noexcept {
    switch (op->kind) {
        case op_kind::timer:
            timers_.remove(static_cast<timer_operation*>(op));
            break;
        case op_kind::read:
            // Detached only: reading stays on, and bytes that arrive go to the stash for
            // the next read. Nothing was consumed on this read's behalf.
            waits_on<stream_socket>(op)->read_op = nullptr;
            break;
        case op_kind::write:
            return cancel_write(static_cast<io_operation*>(op));
        case op_kind::accept: {
            // The listener is open: closing it would have completed this accept already.
            stream_socket* listener = find_socket(static_cast<accept_operation*>(op)->listener);
            listener->watch->accepts.remove(op);
            watch_listener(listener);
            break;
        }
        case op_kind::connect:
            // The half-made connection belongs to nobody else; closing it completes op.
            return close_socket(waits_on<stream_socket>(op));
        case op_kind::resolve:
            cancel_resolve(op);
            break;
        case op_kind::blocking:
            if (!cancel_blocking(op)) return;
            break;
        case op_kind::signal:
            cancel_signal_wait(static_cast<signal_operation*>(op));
            break;
        case op_kind::process_wait:
            cancel_process_wait(static_cast<process_wait_operation*>(op));
            break;
        case op_kind::receive_from:
            // Receiving stops: the next datagram stays with the system for the next receive.
            stop_receiving(waits_on<udp_socket>(op));
            break;
        case op_kind::send_to:  // with libuv, which cannot take it back (loop_udp.cpp)
        case op_kind::file:
            if (!cancel_file(op)) return;
            break;
        case op_kind::post:
            return;  // never parked
    }
    finish(op, canceled(), 0);
}

}  // namespace interop::libuv_detail
