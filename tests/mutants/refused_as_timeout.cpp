// Defect: a native error is mapped to the wrong errc. A refused connection reaches the
// core as timed_out instead of connection_refused.
#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class refused_as_timeout final : public mutant_runtime {
public:
    explicit refused_as_timeout(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().tcp_connect = [](void* self, connect_operation* op) noexcept {
            tap_completion(op, [](operation*, std::error_code& ec, std::size_t&) noexcept {
                if (ec == std::errc::connection_refused)
                    ec = std::make_error_code(std::errc::timed_out);
            });
            const runtime_ref in = of<refused_as_timeout>(self).inner();
            in.vtable->tcp_connect(in.self, op);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::refused_as_timeout>("mutant-refused-as-timeout");
}
