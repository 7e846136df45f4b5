// The executor, timers, cancellation and the lap of the loop.
#include "loop.hpp"

#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <sys/epoll.h>
#include <unistd.h>

namespace tiny {
namespace {

thread_local const loop* running_loop = nullptr;

int checked(int fd) {
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "tiny::runtime");
    return fd;
}

}  // namespace

loop::loop() : epoll_fd_(checked(::epoll_create1(EPOLL_CLOEXEC))) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.ptr = nullptr;  // the wake-up
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_.fd(), &e);
}

// Operations still pending are abandoned: interop::run stops a runtime only when
// nothing is left, so there are none in normal use.
loop::~loop() {
    for (socket* s : sockets_) {
        ::close(s->fd);
        delete s;
    }
    ::close(epoll_fd_);
}

bool loop::in_runtime_thread() const noexcept { return running_loop == this; }

interop::runtime_clock::time_point loop::now() const noexcept {
    using namespace std::chrono;
    return interop::runtime_clock::time_point(
        duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()));
}

// --- executor --------------------------------------------------------------------------

bool loop::post(operation* op) noexcept {
    const kit::posted how = queue_.post(op, in_runtime_thread());
    // A lost wake-up here is a hang (see the lost_foreign_wake mutant).
    if (how == kit::posted::from_other_thread) wakeup_.notify();
    return how != kit::posted::refused;
}

void loop::stop() noexcept {
    queue_.stop();
    wakeup_.notify();
}

void loop::run() {
    if (in_runtime_thread())
        throw std::logic_error("tiny::runtime: run() called from inside its own loop");
    const loop* const outer = running_loop;  // another runtime's loop may run us
    running_loop = this;
    while (!queue_.stopped()) {
        queue_.run_batch();
        if (queue_.stopped()) break;
        epoll_event events[64];
        const int n = ::epoll_wait(epoll_fd_, events, 64, epoll_timeout());
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) {
                wakeup_.clear();  // before taking what the notifiers left
            } else {
                dispatch(static_cast<socket*>(events[i].data.ptr), events[i].events);
            }
        }
        queue_.take_inbox();
        cancels_.take(pending_, [this](operation* op) { cancel_waiting(op); });
        fire_timers();
    }
    running_loop = outer;
}

int loop::epoll_timeout() noexcept {
    if (!queue_.empty()) return 0;
    if (timers_.empty()) return -1;
    return kit::milliseconds_until(timers_.earliest(), now());  // rounded up
}

// --- the life of an operation ----------------------------------------------------------

void loop::finish(operation* op, std::error_code error, std::size_t bytes) {
    pending_.unpark(op);
    queue_.push(op, error, bytes);
}

// --- timers ----------------------------------------------------------------------------

void loop::timer_start(interop::timer_operation* op) noexcept {
    if (refused(op)) return;
    // A deadline that has passed completes on the next lap: never inline.
    if (!kit::park_timer(timers_, pending_, op, now())) queue_.push(op);
}

void loop::fire_timers() {
    const auto current = now();
    while (interop::timer_operation* due = timers_.pop_due(current)) finish(due, {}, 0);
}

// --- cancellation ----------------------------------------------------------------------

void loop::cancel(operation* op) noexcept {
    if (in_runtime_thread()) {
        if (pending_.is_parked(op)) cancel_waiting(op);
        return;
    }
    // Another thread: the loop owns the wait structures. Leave a request (by the
    // operation's key, which a late one cannot mistake) and wake the loop.
    cancels_.push(op);
    wakeup_.notify();
}

// Takes the operation out of what it waits on and queues its cancelled completion:
// never completed inside cancel(), so a caller cancelling many is not re-entered.
void loop::cancel_waiting(operation* op) {
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
