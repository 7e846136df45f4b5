// The executor, timers, cancellation and the lap of the loop.
#include "loop.hpp"

#include <algorithm>
#include <stdexcept>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace tiny {
namespace {

thread_local const loop* running_loop = nullptr;

std::error_code canceled() noexcept { return std::make_error_code(std::errc::operation_canceled); }

int checked(int fd) {
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "tiny::runtime");
    return fd;
}

}  // namespace

loop::loop()
    : epoll_fd_(checked(::epoll_create1(EPOLL_CLOEXEC))),
      wake_fd_(checked(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.ptr = nullptr;  // the wake-up
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &e);
}

// Operations still pending are abandoned: interop::run stops a runtime only when
// nothing is left, so there are none in normal use.
loop::~loop() {
    for (socket* s : sockets_) {
        ::close(s->fd);
        delete s;
    }
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

bool loop::in_runtime_thread() const noexcept { return running_loop == this; }

interop::runtime_clock::time_point loop::now() const noexcept {
    using namespace std::chrono;
    return interop::runtime_clock::time_point(
        duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()));
}

void loop::wake() noexcept {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

// --- executor --------------------------------------------------------------------------

bool loop::post(operation* op) noexcept {
    if (in_runtime_thread()) {
        if (stopped_) return false;
        ready_.push_back({op, {}, 0});
        return true;
    }
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return false;  // under the lock stop() takes: before stop, or refused
        inbox_.push_back({op, {}, 0});
    }
    wake();
    return true;
}

void loop::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    wake();
}

void loop::run() {
    if (in_runtime_thread())
        throw std::logic_error("tiny::runtime: run() called from inside its own loop");
    const loop* const outer = running_loop;  // another runtime's loop may run us
    running_loop = this;
    while (!stopped_) {
        run_ready();
        if (stopped_) break;
        epoll_event events[64];
        const int n = ::epoll_wait(epoll_fd_, events, 64, epoll_timeout());
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) {
                std::uint64_t count;
                (void)!::read(wake_fd_, &count, sizeof count);
            } else {
                dispatch(static_cast<socket*>(events[i].data.ptr), events[i].events);
            }
        }
        take_inbox();
        fire_timers();
    }
    running_loop = outer;
}

void loop::run_ready() {
    batch_.swap(ready_);
    for (const completion& c : batch_) c.op->complete(c.error, c.bytes);
    batch_.clear();
}

int loop::epoll_timeout() noexcept {
    if (!ready_.empty()) return 0;
    if (timers_.empty()) return -1;
    const auto left = timers_.earliest() - now();
    if (left.count() <= 0) return 0;
    // Whole milliseconds, rounded up: never wake before the deadline.
    const auto ms = (left.count() + 999'999) / 1'000'000;
    return static_cast<int>(std::min<decltype(left.count())>(ms, 24 * 3600 * 1000));
}

void loop::take_inbox() {
    {
        std::lock_guard lock(mutex_);
        ready_.insert(ready_.end(), inbox_.begin(), inbox_.end());
        inbox_.clear();
        cancels_taken_.swap(cancel_requests_);
    }
    // Not if it completed meanwhile (maybe another operation lives there now): the
    // key then finds nothing.
    for (const registry::key key : cancels_taken_)
        if (operation* op = pending_.find(key)) cancel_waiting(op);
    cancels_taken_.clear();
}

// --- the life of an operation ----------------------------------------------------------

bool loop::refused_after_stop(operation* op) noexcept {
    if (!stopped_) return false;
    op->complete(canceled(), 0);
    return true;
}

void loop::finish(operation* op, std::error_code error, std::size_t bytes) {
    pending_.unpark(op);
    ready_.push_back({op, error, bytes});
}

// --- timers ----------------------------------------------------------------------------

void loop::timer_start(interop::timer_operation* op) noexcept {
    if (refused_after_stop(op)) return;
    wait(op);
    // Even a deadline that has passed waits for the next lap: never complete inline.
    timers_.push(op);
}

void loop::fire_timers() {
    const auto current = now();
    while (interop::timer_operation* due = timers_.pop_due(current)) finish(due, {}, 0);
}

// --- cancellation ----------------------------------------------------------------------

void loop::cancel(operation* op) noexcept {
    // The key was stored when the operation started waiting, inside its start call,
    // which returned before the core could ask to cancel it.
    const registry::key key = registry::key_of(op);
    if (in_runtime_thread()) {
        if (pending_.find(key) == op) cancel_waiting(op);
        return;
    }
    // Another thread: the loop owns the wait structures. Leave the key (the address
    // may hold another operation by the time the loop looks) and wake the loop.
    {
        std::lock_guard lock(mutex_);
        cancel_requests_.push_back(key);
    }
    wake();
}

// Takes the operation out of what it waits on and queues its cancelled completion:
// never completed inside cancel(), so a caller cancelling many is not re-entered.
void loop::cancel_waiting(operation* op) {
    switch (op->kind) {
        case interop::op_kind::timer:
            timers_.remove(static_cast<interop::timer_operation*>(op));
            break;
        case interop::op_kind::read:
        case interop::op_kind::write: {
            auto* s = static_cast<socket*>(static_cast<interop::io_operation*>(op)->socket);
            (op->kind == interop::op_kind::read ? s->readers : s->writers).remove(op);
            break;
        }
        case interop::op_kind::accept:
            static_cast<socket*>(static_cast<interop::accept_operation*>(op)->listener)
                ->readers.remove(op);
            break;
        case interop::op_kind::connect: {
            // The half-open socket belongs to nobody else.
            socket* s = connecting::get(op);
            s->writers.remove(op);
            remove_socket(s);
            break;
        }
        default:
            break;
    }
    finish(op, canceled(), 0);
}

}  // namespace tiny
