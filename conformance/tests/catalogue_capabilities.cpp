// The n/a verdicts rest on what a backend declares, so the declaration is checked
// against what its runtimes actually report.
#include <string>

#include "interop/conformance/suite.hpp"

using namespace interop;
namespace conf = interop::conformance;

namespace {
std::string names(std::uint32_t caps) {
    std::string out;
    for (const std::string& n : conf::capability_names(caps)) out += (out.empty() ? "" : " ") + n;
    return out.empty() ? "(none)" : out;
}
}  // namespace

TEST_CASE("capabilities: a backend declares exactly the capabilities its runtimes report") {
    const conf::backend& b = conf::current_backend();
    CHECK(std::string(b.name).size() > 0);
    std::uint32_t reported = 0;
    {
        auto rt = conf::make_runtime();
        const runtime_ref ref = rt->ref();
        REQUIRE(ref.vtable != nullptr);
        CHECK(ref.vtable->name != nullptr);
        // A runtime made without asking for virtual time runs on real time.
        CHECK_FALSE(ref.has(cap_virtual_time));
        reported |= ref.vtable->capabilities;
    }
    if ((b.capabilities & cap_virtual_time) != 0) {
        auto rt = conf::make_runtime(conf::runtime_options{.virtual_time = true});
        CHECK(rt->ref().has(cap_virtual_time));
        reported |= rt->ref().vtable->capabilities;
    }
    INFO("declared: " << names(b.capabilities) << "; reported: " << names(reported));
    CHECK(reported == b.capabilities);
}
