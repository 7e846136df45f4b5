// Defect: a read cancelled after the runtime had read its bytes (its completion is on
// its way, in the same turn of the loop) reports operation_canceled: the bytes were
// consumed from the socket and are lost.
#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class cancel_loses_arrived_bytes final : public mutant_runtime {
public:
    explicit cancel_loses_arrived_bytes(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().cancel = [](void* self, operation* op) noexcept {
            const runtime_ref in = of<cancel_loses_arrived_bytes>(self).inner();
            if (op->kind == op_kind::read) {
                tap_completion(op, [](operation*, std::error_code& ec, std::size_t& n) noexcept {
                    if (!ec && n > 0) {
                        ec = std::make_error_code(std::errc::operation_canceled);
                        n = 0;
                    }
                });
            }
            in.vtable->cancel(in.self, op);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::cancel_loses_arrived_bytes>(
        "mutant-cancel-loses-arrived-bytes");
}
