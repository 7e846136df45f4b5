// The chaos runtime over the inline runtime, as a conformance backend: every behaviour
// of the library must hold while reads and writes come back short, completions are
// held back and reordered, and accepts fail now and then (chaos_runtime.hpp).
//
// The faults follow a seed: INTEROP_CHAOS_SEED in the environment picks it (a failure
// on one seed is then reproduced with that seed), else each runtime gets the next one.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "interop/chaos_runtime.hpp"
#include "interop/conformance/backend.hpp"
#include "interop/inline_runtime.hpp"

namespace interop::conformance {

namespace {

std::uint64_t next_seed() {
    static std::atomic<std::uint64_t> counter{[] {
        const char* chosen = std::getenv("INTEROP_CHAOS_SEED");
        return chosen != nullptr ? std::stoull(chosen) : std::uint64_t{1};
    }()};
    return counter.fetch_add(1);
}

class chaos_instance final : public runtime_instance {
public:
    explicit chaos_instance(const runtime_options& o)
        : inner_(inline_runtime::options{.virtual_time = o.virtual_time}),
          chaos_(inner_.ref(), chaos_runtime::options{.seed = next_seed()}) {}
    runtime_ref ref() noexcept override { return chaos_.ref(); }

private:
    inline_runtime inner_;
    chaos_runtime chaos_;
};

}  // namespace

backend make_backend() {
    return backend{
        "chaos",
        cap_virtual_time | cap_ipv6 | cap_resolve | cap_blocking_offload | cap_signals | cap_udp |
            cap_udp_multicast | cap_unix | cap_pipe | cap_stdio | cap_files | cap_process |
            cap_write_at_once,
        [](const runtime_options& o) -> std::unique_ptr<runtime_instance> {
            return std::make_unique<chaos_instance>(o);
        },
    };
}

}  // namespace interop::conformance
