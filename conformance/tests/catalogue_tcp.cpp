// What stopping a runtime does to I/O (catalogue item 34), through the core and at
// the level of the primitives.
#include <atomic>
#include <string_view>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/primitive.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// A post operation made by hand (operation itself needs its kind).
struct post_operation : operation {
    explicit post_operation(complete_fn fn) noexcept : operation(op_kind::post, fn) {}
};

}  // namespace

TEST_CASE(
    "tcp: when the run ends, a pending read completes with operation_canceled and I/O started "
    "afterwards fails at once") {
    std::atomic<bool> first_cancelled{false};
    std::atomic<bool> later_cancelled{false};
    conf::run([&]() -> task<void> {
        auto p = co_await conf::connect_loopback();
        // A detached task owns both ends and is still reading when the root finishes.
        auto reader = co_await spawn(
            [](conf::loopback_pair pair, std::atomic<bool>* first,
               std::atomic<bool>* later) -> task<void> {
                char buf[8];
                auto r = co_await pair.server.read(buf);
                first->store(r.is(std::errc::operation_canceled));
                auto again = co_await pair.server.read(buf);
                auto write = co_await pair.client.write(std::string_view("late"));
                auto slept = co_await sleep_for(1ms);
                later->store(again.is(std::errc::operation_canceled) &&
                             write.is(std::errc::operation_canceled) &&
                             slept.is(std::errc::operation_canceled));
            },
            std::move(p), &first_cancelled, &later_cancelled);
        reader.detach();
        (void)co_await sleep_for(2ms);  // the read is pending now
    });
    CHECK(first_cancelled.load());
    CHECK(later_cancelled.load());
}

TEST_CASE(
    "tcp: after stop(), posts are refused and new operations complete at once with "
    "operation_canceled") {
    // Declared before the runtime: they must outlive it (primitive.hpp).
    conf::manual_operation<post_operation> post_op;
    conf::manual_operation<timer_operation> timer_op;
    conf::manual_operation<connect_operation> connect_op;
    conf::manual_operation<accept_operation> accept_op;
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    const runtime_ref ref = rt->ref();

    // A listener made through the primitive during the run, still open after it.
    socket_handle listener = nullptr;
    interop::run(ref, [](runtime_ref r, socket_handle* out) -> task<void> {
        const std::error_code ec = r.vtable->tcp_listen(r.self, conf::loopback_v4(), 16, out);
        CHECK_FALSE(ec);
        co_return;
    }(ref, &listener));
    REQUIRE(listener != nullptr);
    endpoint where;
    CHECK_FALSE(ref.vtable->local_endpoint(ref.self, listener, &where));

    // interop::run has stopped the runtime, and no thread runs it now.
    CHECK_FALSE(ref.vtable->post(ref.self, &post_op));
    timer_op.deadline = ref.vtable->now(ref.self) + 1h;
    ref.vtable->timer_start(ref.self, &timer_op);
    connect_op.peer = where;
    ref.vtable->tcp_connect(ref.self, &connect_op);
    accept_op.listener = listener;
    ref.vtable->tcp_accept(ref.self, &accept_op);
    // "At once": inside the start call, or by a run() that returns at once after stop().
    if (!(timer_op.completed() && connect_op.completed() && accept_op.completed()))
        ref.vtable->run(ref.self);

    CHECK(post_op.completions() == 0);
    CHECK(timer_op.completions() == 1);
    CHECK(timer_op.error() == std::errc::operation_canceled);
    CHECK(connect_op.completions() == 1);
    CHECK(connect_op.error() == std::errc::operation_canceled);
    CHECK(accept_op.completions() == 1);
    CHECK(accept_op.error() == std::errc::operation_canceled);
    ref.vtable->close(ref.self, listener);  // releases the socket, stopped or not
}
