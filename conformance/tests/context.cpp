// Context propagation: children inherit the runtime and the stop token; awaiting
// outside a runtime is a clear error.
#include <stdexcept>
#include <string>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {
task<runtime_ref> which_runtime() {
    task_context* ctx = co_await current_context();
    co_return ctx->runtime;
}
task<void> sleeps() { (void)co_await sleep_for(1ms); }
}  // namespace

TEST_CASE("context: an awaited task inherits its parent's runtime") {
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    runtime_ref expected = rt->ref();
    auto seen =
        interop::run(expected, []() -> task<runtime_ref> { co_return co_await which_runtime(); }());
    CHECK(seen == expected);
}

TEST_CASE("context: awaiting a sleep outside any runtime fails with no_runtime_error") {
    // sync_wait drives a task on this thread with no runtime at all.
    CHECK_THROWS_AS(sync_wait(sleeps()), no_runtime_error);
    try {
        sync_wait(sleeps());
    } catch (const no_runtime_error& e) {
        CHECK(std::string(e.what()).find("interop::sleep") != std::string::npos);
        CHECK(std::string(e.what()).find("interop::run") != std::string::npos);
    }
}

TEST_CASE("context: tasks without runtime operations run under sync_wait") {
    CHECK(sync_wait([]() -> task<int> { co_return 3; }()) == 3);
}
