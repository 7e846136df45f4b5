// The inline runtime as a conformance backend.
#include "interop/conformance/backend.hpp"
#include "interop/inline_runtime.hpp"

namespace interop::conformance {

namespace {
class inline_instance final : public runtime_instance {
public:
    explicit inline_instance(const runtime_options& o)
        : runtime_(inline_runtime::options{.virtual_time = o.virtual_time}) {}
    runtime_ref ref() noexcept override { return runtime_.ref(); }

private:
    inline_runtime runtime_;
};
}  // namespace

backend make_backend() {
    return backend{
        "inline",
        cap_virtual_time | cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp |
            cap_udp_multicast | cap_unix | cap_pipe | cap_stdio | cap_files | cap_process |
            cap_write_at_once,
        [](const runtime_options& o) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<inline_instance>(o);
        },
    };
}

}  // namespace interop::conformance
