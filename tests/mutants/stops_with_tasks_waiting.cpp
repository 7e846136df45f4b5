// Defect: the runtime shuts down while tasks still wait, so their frames are never
// resumed or destroyed. It treats a timer more than a minute away as "nothing left to
// do" and stops, the way a loop that does not count timers as work would return.
#include <chrono>

#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class stops_with_tasks_waiting final : public mutant_runtime {
public:
    explicit stops_with_tasks_waiting(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().timer_start = [](void* self, timer_operation* op) noexcept {
            const runtime_ref in = of<stops_with_tasks_waiting>(self).inner();
            const bool far_away = op->deadline - in.vtable->now(in.self) > std::chrono::minutes(1);
            in.vtable->timer_start(in.self, op);
            if (far_away) in.vtable->stop(in.self);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::stops_with_tasks_waiting>(
        "mutant-stops-with-tasks-waiting");
}
