#include "timer_queue.hpp"

#include <chrono>

#include <asio/error.hpp>

#include "completion.hpp"
#include "errors.hpp"
#include "interop/runtime/op_word.hpp"

namespace interop::asio_detail {
namespace {

// The start number of a timer in the queue lives in word 0; 0 means the timer never
// entered the queue (its deadline had passed when it started).
using start_number = kit::op_word<0, std::uintptr_t>;
std::uintptr_t number_of(const timer_operation* op) noexcept { return start_number::get(op); }
void set_number(timer_operation* op, std::uintptr_t number) noexcept {
    start_number::set(op, number);
}

std::chrono::steady_clock::time_point to_steady(runtime_clock::time_point t) noexcept {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}

}  // namespace

timer_queue::timer_queue(asio::io_context& context, bool multi_threaded)
    : context_(context), multi_threaded_(multi_threaded), pending_(&memory_), timer_(context) {}

// The runtime clock is steady_clock, the clock asio::steady_timer waits on, so an
// expiry of the steady_timer is never before the deadline it was armed for.
runtime_clock::time_point timer_queue::now() noexcept {
    const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return runtime_clock::time_point(
        std::chrono::duration_cast<runtime_clock::duration>(since_epoch));
}

void timer_queue::start(timer_operation* op) {
    set_number(op, 0);
    // Already due: complete at the next turn of the loop (a post), never here, so that
    // sleep_for(0) is a yield point. Comparing first keeps deadlines far in the past
    // out of any arithmetic.
    if (op->deadline <= now()) return complete_later(context_, multi_threaded_, op);

    std::lock_guard lock(mutex_);
    const std::uintptr_t number = next_number_++;
    set_number(op, number);
    pending_.emplace(key{op->deadline, number}, op);
    if (!armed_ || op->deadline < armed_for_) arm(op->deadline);
}

void timer_queue::cancel(timer_operation* op) {
    std::lock_guard lock(mutex_);
    const std::uintptr_t number = number_of(op);
    if (number == 0) return;  // its completion was queued when it started
    const auto it = pending_.find(key{op->deadline, number});
    if (it == pending_.end()) return;  // fired already: its completion is on its way
    pending_.erase(it);
    // If it was the earliest, the steady_timer stays armed for it and finds nothing due
    // when it expires; it then re-arms for the next one. Cheaper than re-arming now.
    complete_later(context_, multi_threaded_, op, canceled());
}

void timer_queue::arm(runtime_clock::time_point earliest) {
    // A deadline hours away (up to time_point::max()) is approached in steps of an
    // hour, so no arithmetic inside Asio meets the far future.
    const runtime_clock::time_point limit = now() + std::chrono::hours(1);
    const runtime_clock::time_point at = earliest < limit ? earliest : limit;
    // expires_at() aborts the wait it replaces; that handler sees operation_aborted.
    timer_.expires_at(to_steady(at));
    timer_.async_wait(
        recycled(multi_threaded_, [this](const std::error_code& ec) { on_expiry(ec); }));
    armed_ = true;
    armed_for_ = at;
}

void timer_queue::on_expiry(const std::error_code& ec) {
    // Aborted: a later arm() replaced this wait, or the runtime is being destroyed.
    if (ec == asio::error::operation_aborted) return;
    std::lock_guard lock(mutex_);
    armed_ = false;
    const runtime_clock::time_point current = now();
    while (!pending_.empty()) {
        const auto first = pending_.begin();
        if (first->first.first > current) break;
        // Queued in deadline order, so they also complete in that order.
        complete_later(context_, multi_threaded_, first->second);
        pending_.erase(first);
    }
    if (!pending_.empty()) arm(pending_.begin()->first.first);
}

}  // namespace interop::asio_detail
