// The executor: run(), stop(), post(), cancel(), and the registry of pending operations.
#include "loop.hpp"

#include <stdexcept>
#include <system_error>

#include "signal_hub.hpp"

namespace interop::inline_detail {
namespace {

// The loop the current thread is running, if any. Thread-local rather than a stored
// thread id so that in_runtime_thread() costs one load and needs no synchronisation.
thread_local const loop* running_loop = nullptr;

std::error_code canceled() noexcept { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

loop::loop(bool virtual_time)
    : virtual_time_(virtual_time),
      workers_([this](std::unique_ptr<background_job> job) { job_finished(std::move(job)); }) {
#if defined(__linux__)
    if (const std::error_code error =
            epoll_.add(wakeup_.fd(), epoll_set::readable_level, &wakeup_target_)) {
        throw std::system_error(error, "epoll_ctl");
    }
#endif
}

loop::~loop() {
    queue_.stop();
    workers_.shutdown();  // after this no other thread reports into the loop
    if (signal_listener_) signal_hub::remove_listener(&wakeup_);
    abandon_processes();
    // Operations still pending are abandoned: completing them here would run core code
    // from a destructor, and the core guarantees there are none in normal use. The
    // socket table closes the descriptors.
}

// --- executor ----------------------------------------------------------------------

bool loop::in_runtime_thread() const noexcept { return running_loop == this; }

bool loop::post(operation* op) noexcept {
    const kit::posted how = queue_.post(op, in_runtime_thread());
    if (how == kit::posted::from_other_thread) wakeup_.notify();
    return how != kit::posted::refused;
}

void loop::stop() noexcept {
    queue_.stop();
    wakeup_.notify();
}

void loop::run() {
    if (in_runtime_thread())
        throw std::logic_error(
            "interop::inline_runtime: run() called from inside the same runtime's loop; "
            "it would block the very loop it is meant to drive");
    if (running_.exchange(true))
        throw std::logic_error(
            "interop::inline_runtime: run() called while another thread is running it; "
            "this runtime is driven by one thread at a time");

    const loop* const outer = running_loop;  // set when called from another runtime's loop
    running_loop = this;
    struct restore {
        loop* self;
        const loop* outer;
        ~restore() {
            running_loop = outer;
            self->running_ = false;
        }
    } on_exit{this, outer};

    // stop() is final: a stopped loop returns at once. Nothing escapes a lap: out of
    // memory in the loop's own bookkeeping ends the process, rather than leave the
    // operations taken off a queue uncompleted (docs/semantics.md).
    [this]() noexcept {
        while (!queue_.stopped()) {
            queue_.run_until_poll();
            if (queue_.stopped()) break;
            wait_for_events(poll_timeout());
            fire_due_timers();
        }
    }();
}

void loop::wait_for_events(int timeout_ms) {
    const bool watching_signals = !signal_waiters_.empty();
    prepare_wait(watching_signals);
    // Blocking work often finishes within microseconds (a file call served from the
    // page cache). With nothing else ready, wait for it a moment awake: being woken
    // from the wait costs more than that.
    const bool may_spin = timeout_ms != 0 && background_outstanding_ > 0 && several_cpus();
    if (!wait_once(may_spin ? 0 : timeout_ms) && may_spin) {
        (void)wait_once(wakeup_is_near() ? 0 : timeout_ms);
    }
    take_inbox();
    if (watching_signals || !signal_waiters_.empty()) deliver_signals();
}

bool loop::wakeup_is_near() const noexcept {
    const auto until = std::chrono::steady_clock::now() + spin_before_poll;
    while (!wakeup_.notified()) {
        if (std::chrono::steady_clock::now() >= until) return false;
    }
    return true;
}

void loop::take_inbox() {
    queue_.take_inbox();
    cancels_.take(pending_, [this](operation* op) { cancel_parked(op); });
    {
        std::lock_guard lock(mutex_);
        jobs_taken_.swap(finished_jobs_);
    }
    for (std::unique_ptr<background_job>& job : jobs_taken_) background_done(std::move(job));
    jobs_taken_.clear();
}

// --- the life of an operation --------------------------------------------------------

void loop::queue_completion(operation* op, std::error_code error, std::size_t bytes) {
    if (in_runtime_thread()) {
        queue_.push(op, error, bytes);
        return;
    }
    // A primitive called while no thread runs the loop (before run(), say).
    queue_.push_from_other_thread(op, error, bytes);
    wakeup_.notify();
}

void loop::finish(operation* op, std::error_code error, std::size_t bytes) {
    unpark(op);
    queue_completion(op, error, bytes);
}

// --- cancellation ------------------------------------------------------------------

// On the loop's thread a parked operation is taken out at once; another thread leaves
// a request for the loop, which owns the wait structures (kit::cancel_requests).
void loop::cancel(operation* op) noexcept {
    const auto take_out = [this](operation* parked) { cancel_parked(parked); };
    if (cancels_.cancel(op, in_runtime_thread(), pending_, take_out)) wakeup_.notify();
}

// Takes a pending operation out of whatever it waits on and queues its cancelled
// completion. Never completes inline: the caller may be cancelling many operations
// in a row and must not be re-entered.
void loop::cancel_parked(operation* op) {
    switch (op->kind) {
        case op_kind::timer:
            timers_.remove(static_cast<timer_operation*>(op));
            break;
        case op_kind::accept:
        case op_kind::connect:
        case op_kind::read:
        case op_kind::write:
        case op_kind::send_to:
        case op_kind::receive_from:
            cancel_socket_wait(op);
            break;
        case op_kind::resolve:
        case op_kind::blocking:
            if (!cancel_background(op)) return;  // already running; it completes normally
            break;
        case op_kind::signal:
            cancel_signal_wait(op);
            break;
        case op_kind::process_wait:
            cancel_process_wait(op);
            break;
        case op_kind::post:
        case op_kind::file:  // the pool's operation is cancelled instead (kit::make_vtable)
            return;          // never parked
    }
    finish(op, canceled(), 0);
}

}  // namespace interop::inline_detail
