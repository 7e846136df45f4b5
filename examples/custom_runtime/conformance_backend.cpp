// tiny::runtime as a conformance backend: what the suite needs to make runtimes of it,
// and what it declares. interop_add_conformance() in CMakeLists.txt builds this file
// with the suite.
#include <interop/conformance/backend.hpp>

#include "tiny_runtime.hpp"

namespace {

class tiny_instance final : public interop::conformance::runtime_instance {
public:
    interop::runtime_ref ref() noexcept override { return runtime_.ref(); }

private:
    tiny::runtime runtime_;
};

}  // namespace

interop::conformance::backend interop::conformance::make_backend() {
    return backend{
        "tiny",
        cap_ipv6,  // the same bits as the vtable's capabilities
        [](const runtime_options&) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<tiny_instance>();
        },
    };
}
