// Defect: cancelling a timer does nothing, so a cancelled sleep still runs to its
// deadline (and a long one never ends).
#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class ignores_timer_cancel final : public mutant_runtime {
public:
    explicit ignores_timer_cancel(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().cancel = [](void* self, operation* op) noexcept {
            if (op->kind == op_kind::timer) return;
            const runtime_ref in = of<ignores_timer_cancel>(self).inner();
            in.vtable->cancel(in.self, op);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::ignores_timer_cancel>("mutant-ignores-timer-cancel");
}
