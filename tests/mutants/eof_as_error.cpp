// Defect: end of stream is reported as an error. A read that completes with 0 bytes
// reaches the core as connection_reset.
#include "mutant_runtime.hpp"

namespace interop::mutants {
namespace {

class eof_as_error final : public mutant_runtime {
public:
    explicit eof_as_error(const conformance::runtime_options& o) : mutant_runtime(o) {
        entries().read = [](void* self, io_operation* op) noexcept {
            tap_completion(op, [](operation*, std::error_code& ec, std::size_t& n) noexcept {
                if (!ec && n == 0) ec = std::make_error_code(std::errc::connection_reset);
            });
            const runtime_ref in = of<eof_as_error>(self).inner();
            in.vtable->read(in.self, op);
        };
    }
};

}  // namespace
}  // namespace interop::mutants

interop::conformance::backend interop::conformance::make_backend() {
    return mutants::backend_of<mutants::eof_as_error>("mutant-eof-as-error");
}
