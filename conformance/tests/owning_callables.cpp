// Callables that own resources, handed to the functions whose result is awaited
// (with_scope, serve, spawn_blocking): each keeps its copy alive for as long as the
// work runs and destroys it exactly once. The named form is what works everywhere;
// the temporary form is run where the compiler builds it correctly, and refused at
// compile time on GCC 12 (docs/compilers.md, tests/compile_errors).
#include <memory>
#include <string>

#include "interop/conformance/suite.hpp"
#include "interop/detail/awaited_temporary.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE(
    "lifetime: with_scope keeps a body that owns resources alive for the whole scope and "
    "destroys its copy once") {
    conf::run([]() -> task<void> {
        auto payload = std::make_shared<std::string>(100, 'x');
        auto body = [payload](scope& s) -> task<std::size_t> {
            s.spawn([payload]() -> task<void> {
                (void)co_await sleep_for(1ms);
                CHECK(payload->size() == 100);
            });
            (void)co_await sleep_for(1ms);
            co_return payload->size();
        };
        const std::size_t named = co_await with_scope(body);
        CHECK(named == 100);
        CHECK(payload.use_count() == 2);  // this test's and `body`'s: the copies are gone
#if !INTEROP_GCC_DESTROYS_AWAITED_AGGREGATES_TWICE
        const std::size_t temporary = co_await with_scope([payload](scope&) -> task<std::size_t> {
            (void)co_await sleep_for(1ms);
            co_return payload->size();
        });
        CHECK(temporary == 100);
        CHECK(payload.use_count() == 2);
#endif
        auto move_only = [owned = std::make_unique<std::string>("moved")](
                             scope&) -> task<std::size_t> { co_return owned->size(); };
        const std::size_t by_reference = co_await with_scope(std::ref(move_only));
        CHECK(by_reference == 5);
    });
}

TEST_CASE(
    "lifetime: serve keeps a handler that owns resources alive while it serves and destroys "
    "its copy once") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto greeting = std::make_shared<std::string>("hello");
        auto handler = [greeting](tcp_stream conn) -> task<void> {
            (void)co_await conf::write_text(conn, *greeting);
        };
        std::string received;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> { (void)co_await serve(*listener, handler); });
            auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
            REQUIRE(client.has_value());
            auto text = co_await conf::read_text(*client, 5);
            received = text.value();
            s.cancel();
        });
        CHECK(received == "hello");
        CHECK(greeting.use_count() == 2);  // this test's and `handler`'s
    });
}

TEST_CASE(
    "lifetime: spawn_blocking keeps work that owns resources alive until it has run and "
    "destroys its copy once") {
    INTEROP_REQUIRE_CAPABILITY(cap_blocking_offload);
    conf::run([]() -> task<void> {
        auto payload = std::make_shared<std::string>(100, 'x');
        auto work = [payload] { return payload->size(); };
        auto named = co_await spawn_blocking(work);
        CHECK(named.value() == 100);
        CHECK(payload.use_count() == 2);  // this test's and `work`'s
#if !INTEROP_GCC_DESTROYS_AWAITED_AGGREGATES_TWICE
        auto temporary = co_await spawn_blocking([payload] { return payload->size(); });
        CHECK(temporary.value() == 100);
        CHECK(payload.use_count() == 2);
#endif
    });
}
