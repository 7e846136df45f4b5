#include "interop/run.hpp"
#include "interop/spawn.hpp"

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace interop::detail {

void throw_if_in_runtime_thread(runtime_ref rt) {
    if (!rt) throw std::invalid_argument("interop::run: empty runtime_ref");
    if (rt.vtable->in_runtime_thread(rt.self)) {
        throw std::logic_error(
            std::string("interop::run called on a thread that is running the '") + rt.vtable->name +
            "' runtime: it would wait for work that only this thread can do. "
            "Await the task, or spawn it, instead");
    }
    throw_if_blocking_a_runtime_thread("interop::run");
    bool driven = false;
    {
        std::lock_guard lock(run_slot_mutex());
        driven = rt.vtable->core(rt.self)->run_state != nullptr;
    }
    if (driven) {
        throw std::logic_error(
            "interop::run: this runtime is already being driven by interop::run");
    }
}

void throw_runtime_not_accepting() {
    throw std::logic_error("interop::run: the runtime has been stopped and accepts no more work");
}

void throw_empty_join_handle() {
    throw std::logic_error(
        "interop::join_handle: awaited a handle that holds no task (default-constructed, "
        "moved from or detached)");
}

std::mutex& run_slot_mutex() noexcept {
    static std::mutex m;
    return m;
}

namespace {

// Set while request_stop cancels a run's tasks on this thread, holding run_slot_mutex: a
// request_stop reached from a cancellation callback finds the request already taken.
thread_local bool taking_over_stop = false;

}  // namespace

bool this_thread_holds_run_slots() noexcept { return taking_over_stop; }

std::vector<runtime_ref>& driven_runtimes() noexcept {
    static std::vector<runtime_ref> driven;
    return driven;
}

namespace {

// The name of a driven runtime the calling thread is running, or null.
const char* runtime_of_this_thread() {
    std::lock_guard lock(run_slot_mutex());
    for (const runtime_ref& rt : driven_runtimes()) {
        if (rt.vtable->in_runtime_thread(rt.self)) return rt.vtable->name;
    }
    return nullptr;
}

}  // namespace

void throw_if_blocking_a_runtime_thread(const char* entry_point) {
    if (const char* name = runtime_of_this_thread()) {
        throw std::logic_error(
            std::string(entry_point) + " called on a thread that is running the '" + name +
            "' runtime: it would block that runtime's loop until the call returns, and "
            "deadlock if the work waits for that loop. Await the task, or spawn it, instead");
    }
}

core_slot_guard::core_slot_guard(runtime_ref rt, run_state* state) : rt_(rt) {
    std::lock_guard lock(run_slot_mutex());
    driven_runtimes().push_back(rt);  // may throw: then nothing was published
    rt.vtable->core(rt.self)->run_state = state;
}

core_slot_guard::~core_slot_guard() {
    std::lock_guard lock(run_slot_mutex());
    rt_.vtable->core(rt_.self)->run_state = nullptr;
    auto& driven = driven_runtimes();
    for (auto it = driven.begin(); it != driven.end(); ++it) {
        if (it->self == rt_.self && it->vtable == rt_.vtable) {
            driven.erase(it);
            break;
        }
    }
}

namespace {

// While interop::run drives the runtime, the core takes the request over: it cancels
// every task, and stops the runtime itself once the last has finished. False when
// nothing drives the runtime: it must stop now.
bool core_takes_over_stop(core_slot* core) noexcept {
    if (taking_over_stop) return true;
    // Held while the tasks are cancelled: interop::run cannot forget its bookkeeping
    // (it takes this lock first) while it is being used here.
    std::lock_guard lock(run_slot_mutex());
    auto* state = static_cast<run_state*>(core->run_state);
    if (state == nullptr) return false;
    taking_over_stop = true;
    state->cancel_everything();
    taking_over_stop = false;
    return true;
}

}  // namespace

void run_state::stop_runtime() noexcept { runtime_.vtable->stop(runtime_.self); }

}  // namespace interop::detail

namespace interop {

void request_stop(runtime_ref rt) noexcept {
    if (!rt) return;
    if (!detail::core_takes_over_stop(rt.vtable->core(rt.self))) rt.vtable->stop(rt.self);
}

}  // namespace interop
