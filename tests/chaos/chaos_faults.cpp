// The chaos runtime does inject its faults: short reads and writes, accepts that fail
// before they are tried, completions delivered in another order than their events.
// (The conformance suite's "chaos" backend then shows the library holds under them.)
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <array>
#include <string_view>
#include <vector>

#include <interop/chaos_runtime.hpp>
#include <interop/conformance/primitive.hpp>
#include <interop/inline_runtime.hpp>
#include <interop/interop.hpp>

using namespace interop;
using namespace std::chrono_literals;

namespace {

template <typename F>
auto run_on_chaos(F body, chaos_runtime::options options = {}) {
    inline_runtime inner;
    chaos_runtime chaos(inner.ref(), options);
    return interop::run(chaos.ref(), body());
}

}  // namespace

TEST_CASE(
    "chaos: reads and writes come back short, down to one byte, and every byte still arrives") {
    run_on_chaos([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(endpoint::parse("127.0.0.1:0").value());
        REQUIRE(listener.has_value());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        REQUIRE(client.has_value());
        std::optional<tcp_stream> server;
        while (!server) {
            auto accepted = co_await listener->accept();
            if (accepted) server.emplace(std::move(*accepted));
        }
        std::array<std::byte, 64> block{};
        int short_writes = 0;
        int short_reads = 0;
        int one_byte = 0;
        for (int round = 0; round < 100; ++round) {
            auto w = co_await client->write(block);
            REQUIRE(w.has_value());
            if (*w < block.size()) ++short_writes;
            REQUIRE((co_await write_all(*client, std::span(block).subspan(*w))).has_value());
            std::size_t got = 0;
            while (got < block.size()) {
                auto r = co_await server->read(std::span(block).subspan(got));
                REQUIRE(r.has_value());
                if (got == 0 && *r < block.size()) ++short_reads;
                if (*r == 1) ++one_byte;
                got += *r;
            }
        }
        CHECK(short_writes > 10);
        CHECK(short_reads > 10);
        CHECK(one_byte > 10);
    });
}

TEST_CASE(
    "chaos: accepts fail now and then with too_many_files_open, and the connection waits for the "
    "next one") {
    run_on_chaos([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(endpoint::parse("127.0.0.1:0").value());
        REQUIRE(listener.has_value());
        int failures = 0;
        int accepted = 0;
        for (int i = 0; i < 40; ++i) {
            auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
            REQUIRE(client.has_value());
            for (;;) {
                auto c = co_await listener->accept();
                if (c) {
                    ++accepted;
                    break;
                }
                CHECK(c.is(std::errc::too_many_files_open));
                ++failures;
            }
        }
        CHECK(accepted == 40);
        CHECK(failures > 0);
    });
}

TEST_CASE("chaos: completions are held back and come in another order than their events") {
    run_on_chaos([]() -> task<void> {
        // Timers started in deadline order, all due at once: a plain runtime completes
        // them in that order; the chaos runtime shuffles them.
        std::vector<int> order;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 20; ++i) {
                s.spawn(
                    [&order](int me) -> task<void> {
                        (void)co_await sleep_for(0ms);
                        order.push_back(me);
                    },
                    i);
            }
            co_return;
        });
        REQUIRE(order.size() == 20);
        bool reordered = false;
        for (std::size_t i = 1; i < order.size(); ++i)
            reordered = reordered || order[i] < order[i - 1];
        CHECK(reordered);
    });
}

namespace {

// An accept started by hand: its error, once it completed (held back or not).
task<std::error_code> accept_on(socket_handle s) {
    const runtime_ref rt = (co_await current_context())->runtime;
    conformance::manual_operation<accept_operation> accept;
    accept.listener = s;
    rt.vtable->tcp_accept(rt.self, &accept);
    REQUIRE(co_await conformance::wait_for_completion(accept));
    if (accept.accepted != nullptr) rt.vtable->close(rt.self, accept.accepted);
    co_return accept.error();
}

}  // namespace

TEST_CASE(
    "chaos: an accept fails as out of descriptors only on a listener; on another socket it gets "
    "bad_file_descriptor, as the wrapped runtime answers") {
    chaos_runtime::options always_failing;
    always_failing.accept_errors_percent = 100;
    run_on_chaos(
        []() -> task<void> {
            const runtime_ref rt = (co_await current_context())->runtime;
            const endpoint local = endpoint::parse("127.0.0.1:0").value();
            socket_handle listener = nullptr;
            REQUIRE_FALSE(rt.vtable->tcp_listen(rt.self, local, 16, &listener));
            socket_handle datagrams = nullptr;
            REQUIRE_FALSE(rt.vtable->udp_bind(rt.self, local, &datagrams));
            for (int i = 0; i < 10; ++i) {
                CHECK(co_await accept_on(datagrams) == std::errc::bad_file_descriptor);
                CHECK(co_await accept_on(listener) == std::errc::too_many_files_open);
            }
            rt.vtable->close(rt.self, datagrams);
            rt.vtable->close(rt.self, listener);
            // Closed, the listener's handle is no listener any more either.
            CHECK(co_await accept_on(listener) == std::errc::bad_file_descriptor);
        },
        always_failing);
}
