// Defect: timers fire early. Each timer is armed for a tenth of the time left until
// its deadline, so a sleep ends well before now() + d.
#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class early_timers final : public mutant_runtime {
public:
    explicit early_timers(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().timer_start = [](void* self, timer_operation* op) noexcept {
            const runtime_ref in = of<early_timers>(self).inner();
            const runtime_clock::time_point now = in.vtable->now(in.self);
            if (op->deadline > now) op->deadline = now + (op->deadline - now) / 10;
            in.vtable->timer_start(in.self, op);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::early_timers>("mutant-early-timers");
}
