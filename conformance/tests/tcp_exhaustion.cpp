// TCP: out of descriptors. accept reports it, the connections stay in the backlog, a
// loop that retries at once does not spin (the next accept waits a back-off), and
// once descriptors are free again every waiting connection is accepted and served.
#include <set>
#include <string>
#include <vector>

#include "descriptor_exhaustion.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;
using conf::testing::descriptor_exhaustion;

namespace {

std::string tag(int i) { return "client" + std::to_string(10 + i); }  // 8 bytes each

}  // namespace

TEST_CASE(
    "tcp: out of descriptors, accept reports it, a retrying loop does not spin, and every waiting "
    "connection is served once descriptors are free") {
    conf::run([]() -> task<void> {
        constexpr int clients = 12;
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        const endpoint at = listener->local_endpoint().value();
        std::vector<tcp_stream> connected;
        for (int i = 0; i < clients; ++i) {
            auto c = co_await tcp_stream::connect(at);
            REQUIRE(c.has_value());
            const std::string hello = tag(i);
            auto sent = co_await write_all(*c, std::as_bytes(std::span(hello)));
            REQUIRE(sent.has_value());
            connected.push_back(std::move(*c));
        }

        int exhausted = 0;
        int attempts = 0;
        {
            descriptor_exhaustion exhausted_descriptors;
            REQUIRE(exhausted_descriptors.applied());
            // Retry at once, for half a second of the runtime's clock, whatever happens.
            const time_point start = co_await now();
            while (co_await now() - start < 500ms) {
                ++attempts;
                auto c = co_await listener->accept();
                CHECK(c.is(std::errc::too_many_files_open));
                if (!c) ++exhausted;
            }
            CHECK(exhausted >= 1);
            // 5, 10, 20, 40, 80, then 100 ms between tries: about ten in half a second.
            // An accept that fails at once every time makes a million.
            CHECK(attempts < 100);

            // Two descriptors come free, the limit stays: every client is accepted in
            // turn, with the bytes it sent before the episode.
            exhausted_descriptors.release(2);
            std::set<std::string> served;
            while (served.size() < static_cast<std::size_t>(clients)) {
                auto c = co_await timeout(5s, conf::accept(*listener));
                REQUIRE(c.has_value());
                std::string got(8, '\0');
                auto n = co_await read_exact(*c, std::as_writable_bytes(std::span(got)));
                CHECK(n.has_value());
                served.insert(got);
                (void)co_await c->close();
            }
            for (int i = 0; i < clients; ++i) CHECK(served.count(tag(i)) == 1);
        }
    });
}

TEST_CASE(
    "tcp: closing a listener ends an accept that is waiting out a back-off with "
    "operation_canceled") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        REQUIRE(client.has_value());
        {
            // Five failures in a row: the next accept waits 80 ms before it tries.
            descriptor_exhaustion exhausted_descriptors;
            REQUIRE(exhausted_descriptors.applied());
            for (int i = 0; i < 5; ++i) {
                auto c = co_await listener->accept();
                CHECK(c.is(std::errc::too_many_files_open));
            }
        }
        // Descriptors are free again, but the back-off holds the next accept; the
        // listener is closed well inside it, from another task.
        io_result<tcp_stream> accepted = std::errc::invalid_argument;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                (void)co_await sleep_for(30ms);
                (void)co_await listener->close();
            });
            accepted = co_await listener->accept();
        });
        CHECK(accepted.is(std::errc::operation_canceled));
        CHECK_FALSE(listener->is_open());
    });
}
