// Out of memory (docs/semantics.md, "A task that cannot start"): what one operation
// needs and cannot get fails that operation with not_enough_memory, and the runtime
// goes on. The primitives are started by hand (conformance/primitive.hpp) while
// operator new fails on this thread (heap_failure): through the core, the core's own
// allocations would fail first.
#include <optional>
#include <string>

#include "interop/conformance/heap.hpp"
#include "interop/conformance/primitive.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

const std::error_code no_memory = std::make_error_code(std::errc::not_enough_memory);

// Starts a lookup of a name (not a numeric address: that needs a real lookup).
task<std::error_code> lookup(runtime_ref rt, bool failing) {
    conf::manual_operation<resolve_operation> op;
    op.host = "localhost";
    op.port = 80;
    {
        std::optional<conf::heap_failure> fail;
        if (failing) fail.emplace();
        rt.vtable->resolve(rt.self, &op);
    }
    REQUIRE(co_await conf::wait_for_completion(op));
    CHECK(op.completions() == 1);
    co_return op.error();
}

void do_nothing(void*) noexcept {}

task<std::error_code> blocking_job(runtime_ref rt, bool failing) {
    conf::manual_operation<blocking_operation> op;
    op.work = &do_nothing;
    {
        std::optional<conf::heap_failure> fail;
        if (failing) fail.emplace();
        rt.vtable->spawn_blocking(rt.self, &op);
    }
    REQUIRE(co_await conf::wait_for_completion(op));
    CHECK(op.completions() == 1);
    co_return op.error();
}

std::error_code listen_and_close(runtime_ref rt, bool failing) {
    socket_handle s = nullptr;
    std::error_code error;
    {
        std::optional<conf::heap_failure> fail;
        if (failing) fail.emplace();
        error = rt.vtable->tcp_listen(rt.self, conf::loopback_v4(), 4, &s);
    }
    if (!error) rt.vtable->close(rt.self, s);
    return error;
}

}  // namespace

TEST_CASE(
    "memory: out of memory for a lookup fails it with not_enough_memory; the next lookup "
    "works") {
    INTEROP_REQUIRE_CAPABILITY(cap_resolve);
    INTEROP_REQUIRE_FAILING_ALLOCATIONS();
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        // Once first, so that what is kept for every operation (the registry of pending
        // operations, pools) has its room: only what this lookup needs is left to fail.
        CHECK_FALSE(co_await lookup(rt, false));
        CHECK(co_await lookup(rt, true) == no_memory);
        CHECK_FALSE(co_await lookup(rt, false));
    });
}

TEST_CASE(
    "memory: out of memory for blocking work or a listener fails only that call; the runtime "
    "goes on") {
    INTEROP_REQUIRE_CAPABILITY(cap_blocking_offload);
    INTEROP_REQUIRE_FAILING_ALLOCATIONS();
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        CHECK_FALSE(co_await blocking_job(rt, false));
        CHECK_FALSE(listen_and_close(rt, false));
        // An adapter that has what it needs at hand succeeds; one that must allocate
        // reports not_enough_memory. Never an exception, a lost operation or an end.
        const std::error_code job = co_await blocking_job(rt, true);
        CHECK((!job || job == no_memory));
        const std::error_code listener = listen_and_close(rt, true);
        CHECK((!listener || listener == no_memory));
        CHECK_FALSE(co_await blocking_job(rt, false));
        CHECK_FALSE(listen_and_close(rt, false));
    });
}
