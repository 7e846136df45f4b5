// The libuv runtime as a conformance backend.
#include "interop/conformance/backend.hpp"
#include "interop/libuv_runtime.hpp"

namespace interop::conformance {

namespace {
class libuv_instance final : public runtime_instance {
public:
    runtime_ref ref() noexcept override { return runtime_.ref(); }

private:
    libuv_runtime runtime_;
};
}  // namespace

backend make_backend() {
    return backend{
        "libuv",
        cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp | cap_udp_multicast |
            cap_unix | cap_pipe | cap_stdio | cap_files | cap_process | cap_write_at_once,
        [](const runtime_options&) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<libuv_instance>();
        },
    };
}

}  // namespace interop::conformance
