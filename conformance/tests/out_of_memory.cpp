// Out of memory (docs/semantics.md, "A task that cannot start"): what one operation
// needs and cannot get fails that operation with not_enough_memory, and the runtime
// goes on. The primitives are started by hand (conformance/primitive.hpp) while
// operator new fails on this thread (heap_failure): through the core, the core's own
// allocations would fail first.
#include <coroutine>
#include <optional>
#include <string>
#include <vector>

#include "interop/conformance/heap.hpp"
#include "interop/conformance/loopback.hpp"
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

// The stop callback an operation builds for itself holds one pointer, and lives in a
// block of the frame allocator: what that asks operator new for when its cache is
// empty (frame_allocator.cpp: a 16-byte header, 64-byte granules).
struct one_pointer {
    void* target;
    void operator()() const noexcept {}
};
constexpr std::size_t callback_size = sizeof(stop_callback<one_pointer>);
constexpr std::size_t callback_block = (callback_size + 16 + 63) / 64 * 64;

// Awaits `inner` with the frame allocator's next block of the callback's size failing
// while it starts and begins to wait (await_suspend), and only then.
template <typename Inner>
struct failing_while_suspending {
    Inner inner;
    bool await_ready() { return inner.await_ready(); }
    template <typename Promise>
    auto await_suspend(std::coroutine_handle<Promise> awaiter) {
        const conf::next_allocation_fails fail(callback_block);
        return inner.await_suspend(awaiter);
    }
    auto await_resume() { return inner.await_resume(); }
};

// Takes every block of the callback's size class that this thread has cached, so that
// the next one comes from operator new; gives them back when it goes.
class drained_frame_cache {
public:
    drained_frame_cache() {
        for (;;) {
            const std::uint64_t before = frame_stats().heap_allocations;
            taken_.push_back({detail::allocate_frame(callback_size), callback_size});
            if (frame_stats().heap_allocations != before) break;
        }
    }
    ~drained_frame_cache() {
        for (const block& b : taken_) detail::deallocate_frame(b.at, b.size);
    }
    drained_frame_cache(const drained_frame_cache&) = delete;
    drained_frame_cache& operator=(const drained_frame_cache&) = delete;

private:
    struct block {
        void* at;
        std::size_t size;
    };
    std::vector<block> taken_;
};

// Reads once normally (so what the runtime keeps for a read has its room), then once
// with no memory, in a context of its own making: a copy has no stop slot of its task,
// so its read needs a stop callback of its own.
task<void> read_twice_in_copied_context(tcp_stream& server, io_result<std::size_t>* plain,
                                        io_result<std::size_t>* starved) {
    std::byte buffer[16];
    *plain = co_await server.read(buffer);
    drained_frame_cache drained;
    *starved =
        co_await failing_while_suspending<decltype(server.read(buffer))>{server.read(buffer)};
}

}  // namespace

TEST_CASE(
    "memory: a read that waits in a context made by hand, with no memory for its stop "
    "callback, fails with not_enough_memory and takes no byte") {
    INTEROP_REQUIRE_FAILING_ALLOCATIONS();
    conf::run([]() -> task<void> {
        auto pair = co_await conf::connect_loopback();
        REQUIRE((co_await conf::write_text(pair.client, "a")).has_value());
        io_result<std::size_t> plain = std::size_t{0};
        io_result<std::size_t> starved = std::size_t{0};
        event finished;
        auto reader = co_await spawn([&]() -> task<void> {
            task_context copy = *co_await current_context();
            REQUIRE(copy.stop_token.stop_possible());
            auto inner = read_twice_in_copied_context(pair.server, &plain, &starved);
            co_await detail::in_context_awaiter<void>{inner.handle(), &copy};
            finished.set();
        });
        // A read that got its memory after all (an allocator that cannot be made to
        // fail) would wait for bytes: give it one, so that the check below fails
        // rather than the behaviour hanging.
        const bool in_time = (co_await timeout(10s, finished.wait())).has_value();
        if (!in_time) REQUIRE((co_await conf::write_text(pair.client, "x")).has_value());
        (void)co_await reader;
        CHECK(in_time);
        CHECK(plain.value() == 1);
        REQUIRE_FALSE(starved.has_value());
        CHECK(starved.error() == std::errc::not_enough_memory);
        // Nothing was taken: what is written next arrives whole.
        REQUIRE((co_await conf::write_text(pair.client, "bc")).has_value());
        CHECK((co_await conf::read_text(pair.server, 2)).value() == "bc");
    });
}

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
