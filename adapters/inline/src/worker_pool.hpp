// Threads for work that may block: spawn_blocking() bodies and getaddrinfo().
//
// Threads start on demand, when a job arrives and no thread is idle, up to a small
// limit; they live until the runtime is destroyed. A job carries copies of everything
// it needs, so a worker never touches the operation it serves: the operation belongs
// to the loop thread, which may complete a cancelled resolve while the lookup is
// still running. Finished jobs go back to the loop through a callback.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "interop/runtime/interface.hpp"

namespace interop::inline_detail {

struct background_job {
    // The operation waiting for this job. Loop thread only; the loop sets it to
    // nullptr when it completes the operation early (a cancelled resolve).
    operation* op = nullptr;

    // Input: a blocking body, or a name to resolve.
    void (*work)(void* context) noexcept = nullptr;
    void* context = nullptr;
    std::string host;
    std::uint16_t port = 0;

    // Output of a resolve.
    std::vector<endpoint> results;
    std::error_code error;

    void run() noexcept;  // on a worker thread
};

// Whether this process may run on more than one CPU (its affinity mask, asked once).
// Waiting awake for the other side of a hand-off pays only then: on one CPU the spinner
// keeps the very thread it waits for from running.
bool several_cpus() noexcept;

class worker_pool {
public:
    using done_fn = std::function<void(std::unique_ptr<background_job>)>;

    explicit worker_pool(done_fn done) : done_(std::move(done)) {}
    ~worker_pool() { shutdown(); }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    // Queues the job (taking it from `job`), starting a thread if none is idle. Returns
    // resource_unavailable_try_again, leaving `job` with the caller, when no thread
    // exists and none can start (or the pool is closing); throws std::bad_alloc, with
    // nothing queued, when memory runs out.
    std::error_code submit(std::unique_ptr<background_job>& job);

    // Takes back a job that no worker has started yet; nullptr if one already has.
    std::unique_ptr<background_job> withdraw(const background_job* job) noexcept;

    // Waits for running jobs to finish and joins the threads. Jobs not yet started are
    // dropped. Idempotent.
    void shutdown() noexcept;

private:
    // Enough that a slow name lookup does not hold up other blocking work, few enough
    // that a runaway producer cannot spawn hundreds of threads.
    static constexpr std::size_t max_threads = 8;
    // How long a worker that finished a job looks for the next before it sleeps.
    static constexpr std::chrono::microseconds spin_before_sleep{50};

    void work_loop() noexcept;

    done_fn done_;
    std::mutex mutex_;
    std::condition_variable work_available_;
    std::deque<std::unique_ptr<background_job>> queue_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    std::atomic<std::size_t> queued_{0};  // queue_.size(), for a worker about to sleep
    const bool spin_ = several_cpus();
    bool closing_ = false;
};

}  // namespace interop::inline_detail
