#include "interop/run.hpp"

#include <stdexcept>
#include <string>

namespace interop::detail {

void throw_if_in_runtime_thread(runtime_ref rt) {
    if (!rt) throw std::invalid_argument("interop::run: empty runtime_ref");
    if (rt.vtable->in_runtime_thread(rt.self)) {
        throw std::logic_error(std::string("interop::run called on a thread that is running the '") +
                               rt.vtable->name +
                               "' runtime: it would wait for work that only this thread can do. "
                               "Await the task, or spawn it, instead");
    }
    bool driven = false;
    {
        std::lock_guard lock(run_slot_mutex());
        driven = *rt.vtable->core_slot(rt.self) != nullptr;
    }
    if (driven) {
        throw std::logic_error("interop::run: this runtime is already being driven by interop::run");
    }
}

void throw_runtime_not_accepting() {
    throw std::logic_error("interop::run: the runtime has been stopped and accepts no more work");
}

std::mutex& run_slot_mutex() noexcept {
    static std::mutex m;
    return m;
}

core_slot_guard::core_slot_guard(runtime_ref rt, run_state* state) : rt_(rt) {
    std::lock_guard lock(run_slot_mutex());
    *rt.vtable->core_slot(rt.self) = state;
}

core_slot_guard::~core_slot_guard() {
    std::lock_guard lock(run_slot_mutex());
    *rt_.vtable->core_slot(rt_.self) = nullptr;
}

}  // namespace interop::detail
