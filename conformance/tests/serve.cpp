// interop::serve: the accept loop of a TCP server. Connections run in a scope; accept
// errors that leave the listener usable never end it; closing the listener drains;
// cancelling cancels everything; max_connections caps what is served at once.
#include <atomic>
#include <mutex>
#include <optional>
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

task<std::vector<tcp_stream>> connect_clients(endpoint at, int n) {
    std::vector<tcp_stream> clients;
    for (int i = 0; i < n; ++i) {
        auto c = co_await tcp_stream::connect(at);
        REQUIRE(c.has_value());
        clients.push_back(std::move(*c));
    }
    co_return clients;
}

// Echoes one byte back once `release` is set; counts the connections it holds (from
// several threads at once on a multi-threaded runtime).
struct held_echo {
    event* release;
    std::atomic<int>* holding;
    std::atomic<int>* done;
    task<void> operator()(tcp_stream conn) const {
        ++*holding;
        char byte = 0;
        auto n = co_await conn.read(std::span(&byte, 1));
        if (n && *n == 1) {
            (void)co_await release->wait();
            (void)co_await conn.write(std::span<const char>(&byte, 1));
        }
        --*holding;
        ++*done;
    }
};

// Lets the runtime run until `ready()` holds (at most `limit` of its clock).
template <typename Ready>
task<bool> eventually(Ready ready, duration limit = std::chrono::seconds(10)) {
    const time_point give_up = (co_await now()) + limit;
    while (!ready()) {
        if (co_await now() >= give_up) co_return false;
        (void)co_await sleep_for(1ms);
    }
    co_return true;
}

}  // namespace

TEST_CASE(
    "serve: every connection runs the handler; closing the listener drains the open ones, then "
    "serve returns bad_file_descriptor") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        event release;
        std::atomic<int> holding{0};
        std::atomic<int> done{0};
        std::optional<io_result<void>> served;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                served = co_await serve(*listener, held_echo{&release, &holding, &done});
            });
            auto clients = co_await connect_clients(listener->local_endpoint().value(), 3);
            for (auto& c : clients) CHECK((co_await c.write(std::string_view("x"))).has_value());
            CHECK(co_await eventually([&] { return holding == 3; }));
            (void)co_await listener->close();
            // The listener is closed, the connections are not: serve waits for them.
            (void)co_await sleep_for(20ms);
            CHECK_FALSE(served.has_value());
            release.set();
            for (auto& c : clients) {
                char back = 0;
                auto n = co_await c.read(std::span(&back, 1));
                CHECK(n.value() == 1);
                CHECK(back == 'x');
            }
        });
        CHECK(done == 3);
        REQUIRE(served.has_value());
        CHECK(served->is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE(
    "serve: cancelling it cancels every connection and returns operation_canceled once they have "
    "finished") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        event never;
        std::atomic<int> holding{0};
        std::atomic<int> done{0};
        std::optional<io_result<void>> served;
        auto clients = std::vector<tcp_stream>{};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                served = co_await serve(*listener, held_echo{&never, &holding, &done});
            });
            clients = co_await connect_clients(listener->local_endpoint().value(), 2);
            for (auto& c : clients) CHECK((co_await c.write(std::string_view("x"))).has_value());
            CHECK(co_await eventually([&] { return holding == 2; }));
            s.cancel();
        });
        CHECK(holding == 0);
        CHECK(done == 2);
        REQUIRE(served.has_value());
        CHECK(served->is(std::errc::operation_canceled));
        CHECK(listener->is_open());
    });
}

TEST_CASE(
    "serve: max_connections caps the connections served at once; the next waits in the backlog") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        event release;
        std::atomic<int> holding{0};
        std::atomic<int> done{0};
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                (void)co_await serve(*listener, held_echo{&release, &holding, &done},
                                     {.max_connections = 2});
            });
            auto clients = co_await connect_clients(listener->local_endpoint().value(), 3);
            for (auto& c : clients) CHECK((co_await c.write(std::string_view("x"))).has_value());
            CHECK(co_await eventually([&] { return holding == 2; }));
            (void)co_await sleep_for(20ms);
            CHECK(holding == 2);  // the third waits
            release.set();
            CHECK(co_await eventually([&] { return done == 3; }));
            s.cancel();
        });
        CHECK(done == 3);
    });
}

TEST_CASE(
    "serve: out of descriptors it reports the accept errors, does not spin, and serves every "
    "waiting client once descriptors are free") {
    conf::run([]() -> task<void> {
        constexpr int clients = 8;
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto connected = co_await connect_clients(listener->local_endpoint().value(), clients);
        for (int i = 0; i < clients; ++i) {
            const std::string hello = "client" + std::to_string(10 + i);
            CHECK((co_await write_all(connected[static_cast<std::size_t>(i)],
                                      std::as_bytes(std::span(hello))))
                      .has_value());
        }
        std::optional<descriptor_exhaustion> exhausted_descriptors(std::in_place);
        REQUIRE(exhausted_descriptors->applied());

        // Connections may run on several threads at once: the counts are shared.
        std::atomic<int> errors{0};
        std::atomic<bool> only_exhaustion{true};
        std::mutex served_mutex;
        std::set<std::string> served;
        auto served_count = [&] {
            std::lock_guard lock(served_mutex);
            return served.size();
        };
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                auto serving = serve(
                    *listener,
                    [&](tcp_stream conn) -> task<void> {
                        std::string got(8, '\0');
                        auto n = co_await read_exact(conn, std::as_writable_bytes(std::span(got)));
                        if (n) {
                            std::lock_guard lock(served_mutex);
                            served.insert(got);
                        }
                    },
                    {},
                    [&](std::error_code ec) {
                        ++errors;
                        if (ec != std::errc::too_many_files_open) only_exhaustion = false;
                    });
                (void)co_await std::move(serving);
            });
            // Half a second out of descriptors: errors, each after a back-off.
            (void)co_await sleep_for(500ms);
            CHECK(errors.load() >= 1);
            CHECK(errors.load() < 100);
            CHECK(served_count() == 0);
            // Two descriptors come free: serve goes on and serves every client.
            exhausted_descriptors->release(2);
            CHECK(co_await eventually(
                [&] { return served_count() == static_cast<std::size_t>(clients); }));
            s.cancel();
        });
        exhausted_descriptors.reset();
        CHECK(only_exhaustion.load());
        CHECK(served.size() == static_cast<std::size_t>(clients));
    });
}
