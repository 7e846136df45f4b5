// The Asio runtime, one thread running the io_context, as a conformance backend.
#include "interop/asio_runtime.hpp"
#include "interop/conformance/backend.hpp"

namespace interop::conformance {

namespace {
class asio_instance final : public runtime_instance {
public:
    runtime_ref ref() noexcept override { return runtime_.ref(); }

private:
    asio_runtime runtime_;
};
}  // namespace

backend make_backend() {
    return backend{
        "asio",
        cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp | cap_udp_multicast |
            cap_unix | cap_pipe | cap_stdio | cap_files | cap_process,
        [](const runtime_options&) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<asio_instance>();
        },
    };
}

}  // namespace interop::conformance
