// The Asio runtime with one io_context run by four threads, as a conformance backend:
// every behaviour is checked with completions running in parallel.
#include "interop/asio_runtime.hpp"
#include "interop/conformance/backend.hpp"

namespace interop::conformance {

namespace {
class asio_mt_instance final : public runtime_instance {
public:
    runtime_ref ref() noexcept override { return runtime_.ref(); }

private:
    asio_runtime runtime_{asio_runtime::options{.threads = 4}};
};
}  // namespace

backend make_backend() {
    return backend{
        "asio-mt",
        cap_multi_threaded | cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp |
            cap_udp_multicast | cap_unix | cap_pipe | cap_stdio | cap_files | cap_process,
        [](const runtime_options&) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<asio_mt_instance>();
        },
    };
}

}  // namespace interop::conformance
