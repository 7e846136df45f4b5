// The vtable, the executor, timers, cancellation and the lap of the loop.
#include "tiny_runtime.hpp"

#include <cerrno>
#include <stdexcept>

#include <interop/runtime/vtable.hpp>

#include <sys/epoll.h>
#include <unistd.h>

namespace tiny {
namespace {

// The primitives tiny does not offer (name resolution, blocking offload, signals)
// complete with operation_not_supported, and their capability bits stay clear.
constexpr interop::runtime_vtable vtable = kit::make_vtable<runtime, interop::cap_ipv6>("tiny");

thread_local const runtime* running = nullptr;

int checked(int fd) {
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "tiny::runtime");
    return fd;
}

}  // namespace

runtime::runtime() : epoll_fd_(checked(::epoll_create1(EPOLL_CLOEXEC))) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.ptr = nullptr;  // the wake-up
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_.fd(), &e);
}

// Operations still pending are abandoned: interop::run stops a runtime only when
// nothing is left, so there are none in normal use.
runtime::~runtime() {
    while (!sockets_.empty()) remove_socket(*sockets_.begin());
    ::close(epoll_fd_);
}

interop::runtime_ref runtime::ref() noexcept { return {&vtable, this}; }

bool runtime::in_runtime_thread() const noexcept { return running == this; }

// --- executor --------------------------------------------------------------------------

bool runtime::post(operation* op) noexcept {
    const kit::posted how = queue_.post(op, in_runtime_thread());
    // A lost wake-up here is a hang (see the lost_foreign_wake mutant).
    if (how == kit::posted::from_other_thread) wakeup_.notify();
    return how != kit::posted::refused;
}

// An operation stops waiting: its completion runs from the run queue.
void runtime::finish(operation* op, std::error_code error, std::size_t bytes) {
    pending_.unpark(op);
    queue_.push(op, error, bytes);
}

void runtime::stop() noexcept {
    queue_.stop();
    wakeup_.notify();
}

void runtime::run() {
    if (in_runtime_thread())
        throw std::logic_error("tiny::runtime: run() called from inside its own loop");
    const runtime* const outer = running;  // another runtime's loop may run us
    running = this;
    while (!queue_.stopped()) {
        queue_.run_until_poll();
        if (queue_.stopped()) break;
        epoll_event events[64];
        const int n = ::epoll_wait(epoll_fd_, events, 64, epoll_timeout());
        for (int i = 0; i < n; ++i) {
            if (auto* s = static_cast<socket*>(events[i].data.ptr))
                dispatch(s, events[i].events);
            else
                wakeup_.clear();  // null is the wake-up: cleared before taking what was left
        }
        queue_.take_inbox();
        cancels_.take(pending_, [this](operation* op) { cancel_waiting(op); });
        fire_timers();
    }
    running = outer;
}

int runtime::epoll_timeout() noexcept {
    if (!queue_.empty()) return 0;
    if (timers_.empty()) return -1;
    return kit::milliseconds_until(timers_.earliest(), now());  // rounded up
}

// --- timers ----------------------------------------------------------------------------

void runtime::timer_start(interop::timer_operation* op) noexcept {
    if (refused(op)) return;
    // A deadline that has passed completes on the next lap: never inline.
    if (!kit::park_timer(timers_, pending_, op, now())) queue_.push(op);
}

void runtime::fire_timers() {
    const auto current = now();
    while (interop::timer_operation* due = timers_.pop_due(current)) finish(due, {}, 0);
}

// --- cancellation ----------------------------------------------------------------------

// On the loop's thread, a pending operation is taken out at once. Another thread
// leaves a request (by the operation's key, which a late one cannot mistake), and
// the loop, woken, takes it out on its next lap.
void runtime::cancel(operation* op) noexcept {
    const auto take_out = [this](operation* waiting) { cancel_waiting(waiting); };
    if (cancels_.cancel(op, in_runtime_thread(), pending_, take_out)) wakeup_.notify();
}

// Takes the operation out of what it waits on and queues its cancelled completion:
// never completed inside cancel(), so a caller cancelling many is not re-entered.
void runtime::cancel_waiting(operation* op) {
    if (op->kind == interop::op_kind::timer) {
        timers_.remove(static_cast<interop::timer_operation*>(op));
    } else if (op->kind == interop::op_kind::connect) {
        socket* s = connecting::get(op);  // half-open: it belongs to nobody else
        s->remove(op);
        remove_socket(s);
    } else {
        static_cast<socket*>(kit::socket_of(op))->remove(op);
    }
    finish(op, std::make_error_code(std::errc::operation_canceled), 0);
}

}  // namespace tiny
