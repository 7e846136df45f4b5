// signal_wait(): one asio::signal_set per runtime, shared by every wait.
//
// A signal number joins the set when the runtime first waits for it and stays in it,
// so a signal raised between two waits is not lost: the next wait for it completes at
// once. Every wait pending for a signal completes when it is raised. The set, the
// waiters and the undelivered counts are guarded by one mutex, so waits, cancels and
// the signal handler may run on any thread.
//
// Asio restores a signal's default action when the last signal_set holding it goes
// away. The contract wants the handler to stay installed for the rest of the process
// (a late SIGINT must not kill a program whose runtime asked for it once), so every
// number waited for is also added to a process-wide set that is never destroyed.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "interop/runtime/interface.hpp"

namespace interop::asio_detail {

class signal_waits {
public:
    signal_waits(asio::io_context& context, bool multi_threaded)
        : context_(context), multi_threaded_(multi_threaded) {}
    signal_waits(const signal_waits&) = delete;
    signal_waits& operator=(const signal_waits&) = delete;

    // Adds the number to the set now; Asio queues a raise that no wait takes yet.
    std::error_code watch(int signal_number) noexcept;
    void wait(signal_operation* op);
    void cancel(signal_operation* op);

private:
    std::error_code watch_locked(int signal_number) noexcept;  // mutex held
    void arm();                                                // mutex held
    void on_signal(const std::error_code& ec, int signal_number);

    asio::io_context& context_;
    const bool multi_threaded_;
    std::mutex mutex_;
    std::optional<asio::signal_set> set_;  // created by the first wait
    std::vector<signal_operation*> waiters_;
    std::map<int, bool> raised_unseen_;  // raised while nobody waited for it
    bool armed_ = false;
};

}  // namespace interop::asio_detail
