#include "worker_pool.hpp"

#include <algorithm>
#include <chrono>

#include <sched.h>

#include "resolver.hpp"

namespace interop::inline_detail {

bool several_cpus() noexcept {
    static const bool several = [] {
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return false;
        return CPU_COUNT(&allowed) > 1;
    }();
    return several;
}

void background_job::run() noexcept {
    if (work) {
        work(context);
    } else {
        error = resolve_host(host, port, &results);
    }
}

std::error_code worker_pool::submit(std::unique_ptr<background_job>& job) {
    std::lock_guard lock(mutex_);
    if (closing_) return std::make_error_code(std::errc::resource_unavailable_try_again);
    if (queue_.size() + 1 > idle_ && threads_.size() < max_threads) {
        try {
            threads_.emplace_back([this] { work_loop(); });
            ++idle_;
        } catch (const std::system_error&) {
            // Out of threads. The ones we have will get to the job eventually.
            if (threads_.empty())
                return std::make_error_code(std::errc::resource_unavailable_try_again);
        }
    }
    queue_.push_back(std::move(job));  // may throw std::bad_alloc: nothing queued then
    queued_.store(queue_.size(), std::memory_order_relaxed);
    work_available_.notify_one();
    return {};
}

std::unique_ptr<background_job> worker_pool::withdraw(const background_job* job) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(queue_.begin(), queue_.end(),
                                 [job](const auto& queued) { return queued.get() == job; });
    if (it == queue_.end()) return nullptr;
    std::unique_ptr<background_job> taken = std::move(*it);
    queue_.erase(it);
    queued_.store(queue_.size(), std::memory_order_relaxed);
    return taken;
}

void worker_pool::shutdown() noexcept {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        queue_.clear();
        queued_.store(0, std::memory_order_relaxed);
    }
    work_available_.notify_all();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
}

void worker_pool::work_loop() noexcept {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_available_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (closing_) return;
        std::unique_ptr<background_job> job = std::move(queue_.front());
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_relaxed);
        --idle_;
        lock.unlock();
        job->run();
        // Idle again before the loop hears of it: the job the loop queues in answer
        // (the next read of a copy) must find this thread, not start another one.
        lock.lock();
        ++idle_;
        lock.unlock();
        done_(std::move(job));
        // A loop that answers a finished job with the next one (a copy's next read)
        // does so within microseconds: look for it a moment before sleeping, so that
        // it starts without a wake-up, which costs more than the wait.
        const auto until = std::chrono::steady_clock::now() +
                           (spin_ ? spin_before_sleep : std::chrono::microseconds(0));
        while (queued_.load(std::memory_order_relaxed) == 0 &&
               std::chrono::steady_clock::now() < until) {
        }
        lock.lock();
    }
}

}  // namespace interop::inline_detail
