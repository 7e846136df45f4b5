// The core's bookkeeping for one runtime while interop::run drives it: how many
// tasks are alive outside any awaiting parent (the root and spawned tasks), the
// shutdown signal that cancels spawned tasks once the root has finished, and the
// root's own stop source, for an interop::request_stop from outside.
//
// The runtime is stopped only when the last of those tasks has finished, so every
// task frame is destroyed exactly once, by its own completion, and no operation is
// left pending inside the adapter.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>
#include "interop/detail/task_record.hpp"
#include "interop/runtime/interface.hpp"
#include "interop/stop_token.hpp"

namespace interop::detail {

class run_state {
public:
    explicit run_state(runtime_ref rt) noexcept : runtime_(rt) {}
    run_state(const run_state&) = delete;
    run_state& operator=(const run_state&) = delete;

    runtime_ref runtime() const noexcept { return runtime_; }
    stop_token root_token() const noexcept { return root_cancel_.get_token(); }
    stop_token shutdown_token() const noexcept { return shutdown_.get_token(); }

    // Counts a task that must finish before the runtime stops. False once the run
    // is shutting down: the caller must not start the task.
    bool enter() noexcept {
        if (shutting_down_.load(std::memory_order_acquire)) return false;
        live_.fetch_add(1, std::memory_order_acq_rel);
        return true;
    }
    void leave() noexcept {
        if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
            shutting_down_.load(std::memory_order_acquire)) {
            stop_runtime();
        }
    }
    // The root task finished: cancel what is left and stop when it has finished.
    void begin_shutdown() noexcept {
        shut_down();
        leave();  // the root's own count
    }
    // interop::request_stop was called: cancel the root too, and stop when every task
    // has finished. Called under run_slot_mutex(), which keeps this object alive.
    void cancel_everything() noexcept {
        shut_down();
        root_cancel_.request_stop();
    }
    bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }

    // The root and the spawned tasks of this run, while they run (task_record.hpp).
    task_list& tasks() noexcept { return tasks_; }
    // Every task of this run started and finished so far, scope children included.
    task_counters& counters() noexcept { return counters_; }

    // The run_state of a runtime currently driven by interop::run, or null.
    static run_state* of(runtime_ref rt) noexcept {
        return static_cast<run_state*>(rt.vtable->core(rt.self)->run_state);
    }

private:
    void shut_down() noexcept {
        shutting_down_.store(true, std::memory_order_release);  // first: no task starts after this
        shutdown_.request_stop();
    }
    // The runtime's stop(): every task has finished.
    void stop_runtime() noexcept;

    runtime_ref runtime_;
    std::atomic<std::int64_t> live_{1};  // the root
    std::atomic<bool> shutting_down_{false};
    stop_source shutdown_;
    stop_source root_cancel_;
    task_list tasks_;
    task_counters counters_;
};

// Guards the core slots of all runtimes against a foreign thread's spawn(rt, ...)
// racing the end of interop::run: run publishes and withdraws its run_state under
// it, and such a spawn holds it while it uses the run_state.
std::mutex& run_slot_mutex() noexcept;

// The runtimes interop::run is driving right now, in any thread, in the order their
// runs began (guarded by run_slot_mutex): a blocking entry point asks each whether the
// calling thread runs it; a task dump walks their tasks.
std::vector<runtime_ref>& driven_runtimes() noexcept;

// True while this thread holds run_slot_mutex to cancel a run's tasks (request_stop):
// code reached from a stop callback then must not take it again.
bool this_thread_holds_run_slots() noexcept;

// Requests stop on a stop_source; used to link a child's source to a parent token.
struct stop_requester {
    stop_source* target;
    void operator()() const noexcept { target->request_stop(); }
};

}  // namespace interop::detail
