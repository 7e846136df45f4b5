// Timers: the runtime's own queue of deadlines, driven by one asio::steady_timer.
//
// A sleep costs no allocation and no Asio timer of its own: it is an entry in an
// ordered map (whose nodes are pooled), and one steady_timer per runtime is armed for
// the earliest deadline. When it expires, the due operations are taken out in
// deadline order (start order for equal deadlines) and their completions queued on
// the io_context.
//
// The map and the steady_timer are guarded by one mutex, so timer_start(), cancel()
// and the expiry handler may run on any thread. cancel() removes a pending timer
// under that mutex and queues its cancelled completion; a timer that already fired
// is no longer in the map, so a late cancel() finds nothing and does nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory_resource>
#include <mutex>
#include <system_error>
#include <utility>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "interop/runtime/interface.hpp"

namespace interop::asio_detail {

class timer_queue {
public:
    timer_queue(asio::io_context& context, bool multi_threaded);
    timer_queue(const timer_queue&) = delete;
    timer_queue& operator=(const timer_queue&) = delete;

    static runtime_clock::time_point now() noexcept;

    // Completes `op` with ({}, 0) from the loop once op->deadline has passed; never
    // inside this call.
    void start(timer_operation* op);
    // Completes `op` with operation_canceled from the loop if it has not fired yet.
    void cancel(timer_operation* op);

private:
    // (deadline, start number): unique, and ordered by deadline, then start order.
    using key = std::pair<runtime_clock::time_point, std::uintptr_t>;

    void arm(runtime_clock::time_point earliest);  // mutex held
    void on_expiry(const std::error_code& ec);

    asio::io_context& context_;
    const bool multi_threaded_;
    std::mutex mutex_;
    std::uintptr_t next_number_ = 1;
    std::pmr::unsynchronized_pool_resource memory_;
    std::pmr::map<key, timer_operation*> pending_;
    asio::steady_timer timer_;
    // The expiry the steady_timer is armed for, while an expiry handler is outstanding.
    bool armed_ = false;
    runtime_clock::time_point armed_for_{};
};

}  // namespace interop::asio_detail
