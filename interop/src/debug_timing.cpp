// Timing and the slow-poll watch (interop/debug.hpp): counting each task's runs, and a
// thread that reports a task holding its runtime's thread too long.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "debug_text.hpp"
#include "debug_walk.hpp"
#include "interop/debug.hpp"
#include "interop/detail/task_record.hpp"

namespace interop::debug {

timing::timing() noexcept { detail::timing_users.fetch_add(1, std::memory_order_relaxed); }
timing::~timing() { detail::timing_users.fetch_sub(1, std::memory_order_relaxed); }

namespace {

void write_to_standard_error(const task_info& t) {
    std::ostringstream line;
    line << "slow poll: ";
    text::write_task_line(line, t, 0);
    std::cerr << line.str() << std::flush;
}

}  // namespace

struct slow_poll_watch::state {
    std::chrono::nanoseconds threshold;
    slow_poll_report report;
    timing on;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;

    // One look at every task: a running one that has run `threshold` or longer, and
    // was not reported in this run (the same resumption count), is reported.
    void look(std::vector<std::pair<std::uint64_t, std::uint64_t>>& reported) {
        const std::vector<runtime_info> runtimes = snapshot();
        std::vector<const task_info*> running;
        auto if_running = [&running](const task_info& t) {
            if (t.state == task_state::running) running.push_back(&t);
        };
        for (const runtime_info& rt : runtimes) walk::each_task(rt.tasks, if_running);
        std::vector<std::pair<std::uint64_t, std::uint64_t>> still;
        for (const task_info* t : running) {
            if (t->waited < threshold) continue;
            const std::pair<std::uint64_t, std::uint64_t> run{t->id, t->resumptions};
            still.push_back(run);
            if (std::find(reported.begin(), reported.end(), run) == reported.end()) report(*t);
        }
        reported = std::move(still);  // a run that ended is forgotten
    }

    void watch() {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> reported;
        std::unique_lock lock(mutex);
        const std::chrono::nanoseconds period =
            std::max<std::chrono::nanoseconds>(threshold / 2, std::chrono::microseconds(100));
        while (!wake.wait_for(lock, period, [this] { return stopping; })) {
            lock.unlock();
            look(reported);
            lock.lock();
        }
    }
};

slow_poll_watch::slow_poll_watch() noexcept = default;
slow_poll_watch::slow_poll_watch(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
slow_poll_watch::slow_poll_watch(slow_poll_watch&&) noexcept = default;
slow_poll_watch& slow_poll_watch::operator=(slow_poll_watch&& other) noexcept {
    if (this != &other) {
        stop();
        state_ = std::move(other.state_);
    }
    return *this;
}
slow_poll_watch::~slow_poll_watch() { stop(); }

void slow_poll_watch::stop() noexcept {
    if (!state_) return;
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_one();
    if (state_->thread.joinable()) state_->thread.join();
    state_.reset();
}

slow_poll_watch watch_slow_polls(std::chrono::nanoseconds threshold, slow_poll_report report) {
    auto s = std::make_unique<slow_poll_watch::state>();
    s->threshold = threshold;
    s->report = report ? std::move(report) : slow_poll_report(&write_to_standard_error);
    s->thread = std::thread([watched = s.get()] { watched->watch(); });
    return slow_poll_watch(std::move(s));
}

}  // namespace interop::debug
