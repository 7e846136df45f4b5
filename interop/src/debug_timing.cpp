// Timing and the slow-poll watch (interop/debug.hpp): counting each task's runs (the
// slow paths of detail::wait_state), and a thread that reports a task holding its
// runtime's thread too long.
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

namespace interop::detail {

void wait_state::end_state(std::uint64_t now) noexcept {
    const wait_kind* before = kind_.load(std::memory_order_relaxed);
    if (before == nullptr) {
        end_run(now);
    } else if (tracing.load(std::memory_order_relaxed)) {
        end_wait(before, now);
    }
}

void wait_state::begin_run() noexcept {
    const std::uint64_t now = task_clock_now();
    if (tracing.load(std::memory_order_relaxed)) {
        const wait_kind* before = kind_.load(std::memory_order_relaxed);
        if (before != nullptr) end_wait(before, now);
    }
    wait_timing& t = record_of(*this).timing;
    t.resumed_at.store(now, std::memory_order_relaxed);
    t.resumptions.store(t.resumptions.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

void wait_state::clear_timed_and_resume(std::coroutine_handle<> task) noexcept {
    begin_run();
    kind_.store(nullptr, std::memory_order_release);
    task.resume();
}

void wait_state::set_timed(const wait_kind* kind, const void* object, std::int64_t value,
                           bool with_value) noexcept {
    const std::uint64_t now = task_clock_now();
    end_run(now);
    object_.store(object, std::memory_order_relaxed);
    if (with_value) value_.store(value, std::memory_order_relaxed);
    since_.store(now, std::memory_order_relaxed);
    kind_.store(kind, std::memory_order_release);
}

void wait_state::end_run(std::uint64_t now) noexcept {
    wait_timing& t = record_of(*this).timing;
    const std::uint64_t from = t.resumed_at.load(std::memory_order_relaxed);
    if (from == 0) return;  // resumed before timing was on
    t.busy.store(t.busy.load(std::memory_order_relaxed) + (now - from), std::memory_order_relaxed);
    t.resumed_at.store(0, std::memory_order_relaxed);
    if (tracing.load(std::memory_order_relaxed)) trace_run(*this, from, now);
}

void wait_state::end_wait(const wait_kind* kind, std::uint64_t now) const noexcept {
    trace_wait(*this, kind, object_.load(std::memory_order_relaxed),
               value_.load(std::memory_order_relaxed), since_.load(std::memory_order_relaxed), now);
}

void wait_state::finish() noexcept { end_run(task_clock_now()); }

wait_state::timing wait_state::read_timing() const noexcept {
    const wait_timing& t = record_of(*this).timing;
    return {t.resumptions.load(std::memory_order_relaxed), t.busy.load(std::memory_order_relaxed),
            t.resumed_at.load(std::memory_order_relaxed)};
}

}  // namespace interop::detail

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
