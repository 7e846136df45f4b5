// Unix domain sockets: streams with every rule of TCP streams, a listener that
// removes its file, pairs, abstract names, and bad addresses refused the same way on
// every runtime (interop/net/unix_listener.hpp, unix_stream.hpp).
#include <array>
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "interop/conformance/loopback.hpp"
#include "read_cancel_race.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// A fresh path in the temporary directory, short enough for sun_path; nothing there.
std::string fresh_path() {
    static std::atomic<int> counter{0};
    const auto name = "interop-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter.fetch_add(1)) + ".sock";
    auto path = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove(path);
    return path.string();
}

// A name in the abstract namespace that no other test process uses.
std::string fresh_abstract_name() { return std::filesystem::path(fresh_path()).filename(); }

// Leaves a socket file at `path` that nobody listens on.
void leave_stale_socket_file(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    CHECK(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
}

task<unix_listener> listening(const std::string& path) {
    auto listener = co_await unix_listener::bind(path);
    REQUIRE(listener.has_value());
    co_return std::move(*listener);
}

struct connected {
    unix_stream client;
    unix_stream server;
};

task<connected> connect_to(unix_listener& listener, const std::string& path) {
    auto client = co_await unix_stream::connect(path);
    REQUIRE(client.has_value());
    auto server = co_await conf::accept(listener);
    REQUIRE(server.has_value());
    co_return connected{std::move(*client), std::move(*server)};
}

}  // namespace

TEST_CASE(
    "unix: a stream connects by path, carries bytes both ways, names both ends and reads "
    "end of stream after the peer's shutdown_write") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        auto listener = co_await listening(path);
        CHECK(std::filesystem::is_socket(path));
        CHECK(listener.local_address()->to_string() == path);
        auto c = co_await connect_to(listener, path);
        CHECK((co_await conf::write_text(c.client, "ping")).has_value());
        CHECK((co_await conf::read_text(c.server, 4)).value() == "ping");
        CHECK((co_await conf::write_text(c.server, "pong!")).has_value());
        CHECK((co_await conf::read_text(c.client, 5)).value() == "pong!");

        CHECK(c.client.peer_address()->to_string() == path);
        CHECK(c.server.local_address()->to_string() == path);
        CHECK(c.client.local_address()->is_unnamed());

        CHECK(c.client.shutdown_write().has_value());
        std::array<char, 8> buffer{};
        CHECK((co_await c.server.read(buffer)).value() == 0);
        // The other direction still works after a half-close.
        CHECK((co_await conf::write_text(c.server, "late")).has_value());
        CHECK((co_await conf::read_text(c.client, 4)).value() == "late");
    });
}

TEST_CASE("unix: a pair is two connected, unnamed streams that the byte-stream helpers drive") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    conf::run([]() -> task<void> {
        auto made = co_await unix_stream::pair();
        REQUIRE(made.has_value());
        unix_stream& a = made->first;  // named references: lambdas below capture them
        unix_stream& b = made->second;
        CHECK(a.local_address()->is_unnamed());
        CHECK(b.peer_address()->is_unnamed());
        // One MiB each way at once, through write_all and read_exact.
        constexpr std::size_t size = 1 << 20;
        const std::vector<std::byte> sent = conf::pattern(0, size);
        std::vector<std::byte> got_by_a(size);
        std::vector<std::byte> got_by_b(size);
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> { CHECK((co_await write_all(a, sent)).has_value()); });
            s.spawn([&]() -> task<void> { CHECK((co_await write_all(b, sent)).has_value()); });
            s.spawn([&]() -> task<void> { CHECK((co_await read_exact(a, got_by_a)).has_value()); });
            s.spawn([&]() -> task<void> { CHECK((co_await read_exact(b, got_by_b)).has_value()); });
            co_return;
        });
        CHECK(got_by_a == sent);
        CHECK(got_by_b == sent);
    });
}

TEST_CASE("unix: an abstract name needs no file and shows as @name") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string name = fresh_abstract_name();
    conf::run([&]() -> task<void> {
        const unix_address address = unix_address::from_abstract(name).value();
        auto listener = co_await unix_listener::bind(address);
        REQUIRE(listener.has_value());
        CHECK(listener->local_address()->to_string() == "@" + name);
        CHECK((co_await unix_listener::bind(address)).is(std::errc::address_in_use));
        auto client = co_await unix_stream::connect(address);
        REQUIRE(client.has_value());
        auto server = co_await conf::accept(*listener);
        REQUIRE(server.has_value());
        CHECK(client->peer_address().value() == address);
        CHECK((co_await conf::write_text(*client, "hidden")).has_value());
        CHECK((co_await conf::read_text(*server, 6)).value() == "hidden");
        // The same name through text with a leading NUL, as Asio and libuv spell it.
        auto again = co_await unix_stream::connect(std::string(1, '\0') + name);
        CHECK(again.has_value());
        // Closed, the name is free at once: no file was left to remove.
        (void)co_await listener->close();
        CHECK((co_await unix_listener::bind(address)).has_value());
        CHECK(unix_address::from_abstract("").is(std::errc::invalid_argument));
    });
}

TEST_CASE(
    "unix: a path and an abstract name of exactly 107 bytes bind, connect and read back "
    "whole; 108 is filename_too_long") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    std::string path = fresh_path();
    std::string name = fresh_abstract_name();
    REQUIRE(path.size() < unix_address::max_length);
    path.resize(unix_address::max_length, 'p');
    name.resize(unix_address::max_length, 'n');
    conf::run([&]() -> task<void> {
        for (const unix_address& address :
             {unix_address::from_path(path).value(), unix_address::from_abstract(name).value()}) {
            REQUIRE(address.name().size() == unix_address::max_length);
            auto listener = co_await unix_listener::bind(address);
            REQUIRE(listener.has_value());
            auto client = co_await unix_stream::connect(address);
            REQUIRE(client.has_value());
            auto server = co_await conf::accept(*listener);
            REQUIRE(server.has_value());
            CHECK(listener->local_address().value() == address);
            CHECK(client->peer_address().value() == address);
            CHECK(server->local_address().value() == address);
        }
        CHECK((co_await unix_listener::bind(path + "x")).is(std::errc::filename_too_long));
        CHECK(unix_address::from_abstract(name + "x").is(std::errc::filename_too_long));
    });
}

TEST_CASE(
    "unix: a read cancelled in the loop turn in which its bytes arrived reports them or "
    "leaves them for the next read") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    conf::run([]() -> task<void> {
        auto first = (co_await unix_stream::pair()).value();
        auto second = (co_await unix_stream::pair()).value();
        CHECK(co_await conf::testing::read_cancel_race(first.first, first.second, second.first,
                                                       second.second));
    });
}

TEST_CASE(
    "unix: a path longer than 107 bytes is filename_too_long, an empty one invalid_argument, "
    "for bind and connect alike") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    conf::run([]() -> task<void> {
        const std::string longest(unix_address::max_length, 'x');
        const std::string too_long = "/tmp/" + std::string(unix_address::max_length, 'x');
        CHECK(unix_address::from_path(longest).has_value());
        CHECK(unix_address::from_path(too_long).is(std::errc::filename_too_long));
        CHECK((co_await unix_listener::bind(too_long)).is(std::errc::filename_too_long));
        CHECK((co_await unix_stream::connect(too_long)).is(std::errc::filename_too_long));
        CHECK((co_await unix_listener::bind("")).is(std::errc::invalid_argument));
        CHECK((co_await unix_stream::connect("")).is(std::errc::invalid_argument));
        CHECK((co_await unix_stream::connect(std::string_view("a\0b", 3)))
                  .is(std::errc::invalid_argument));
        CHECK((co_await unix_listener::bind(unix_address{})).is(std::errc::invalid_argument));
    });
}

TEST_CASE(
    "unix: binding an existing path is address_in_use; a closed or destroyed listener removes "
    "its file and a moved-from one does not") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        {
            auto first = co_await listening(path);
            CHECK((co_await unix_listener::bind(path)).is(std::errc::address_in_use));
            unix_listener moved = std::move(first);
            first = unix_listener{};  // the moved-from one, destroyed: the file stays
            CHECK(std::filesystem::is_socket(path));
            (void)co_await moved.close();
            CHECK(!std::filesystem::exists(path));
            CHECK(!moved.is_open());
            (void)co_await moved.close();  // twice is harmless
        }
        {
            auto second = co_await listening(path);  // the path is free again
            CHECK(std::filesystem::is_socket(path));
        }
        CHECK(!std::filesystem::exists(path));  // destroyed: removed too
        // A file that is not the listener's is never touched: bind refuses it.
        { std::ofstream{path} << "data"; }
        CHECK((co_await unix_listener::bind(path)).is(std::errc::address_in_use));
        CHECK(std::filesystem::file_size(path) == 4);
        std::filesystem::remove(path);
    });
}

TEST_CASE(
    "unix: connecting where nobody listens is connection_refused, to no file at all "
    "no_such_file_or_directory") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        CHECK((co_await unix_stream::connect(path)).is(std::errc::no_such_file_or_directory));
        // A socket file nobody listens on, as a program that died leaves behind.
        leave_stale_socket_file(path);
        CHECK((co_await unix_stream::connect(path)).is(std::errc::connection_refused));
        std::filesystem::remove(path);
    });
}

TEST_CASE(
    "unix: connecting to a listener whose backlog is full fails at once with "
    "resource_unavailable_try_again") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        auto listener = co_await unix_listener::bind(path, 1);
        REQUIRE(listener.has_value());
        // Nobody accepts: the backlog fills after a connection or two.
        std::vector<unix_stream> waiting;
        io_result<unix_stream> last = std::errc::io_error;
        for (int i = 0; i < 64; ++i) {
            last = co_await unix_stream::connect(path);
            if (!last) break;
            waiting.push_back(std::move(*last));
        }
        CHECK(last.is(std::errc::resource_unavailable_try_again));
        CHECK(waiting.size() >= 1);
        CHECK(waiting.size() < 64);
    });
}

TEST_CASE("unix: a cancelled read consumes nothing and a cancelled accept loses no connection") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        auto listener = co_await listening(path);
        // Nobody connects: the accept times out (or, on the chaos backend, may fail on
        // purpose first); either way the connection that comes next is not lost.
        auto no_one = co_await timeout(5ms, listener.accept());
        CHECK(!no_one.has_value());
        auto c = co_await connect_to(listener, path);  // the accept after a cancelled one
        std::array<char, 16> buffer{};
        auto nothing = co_await timeout(5ms, c.server.read(buffer));
        CHECK(nothing.is(std::errc::timed_out));
        CHECK((co_await conf::write_text(c.client, "kept")).has_value());
        CHECK((co_await conf::read_text(c.server, 4)).value() == "kept");
    });
}

TEST_CASE(
    "unix: after close every use is bad_file_descriptor, a second close is harmless, and "
    "writing to a closed peer is broken_pipe") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    conf::run([]() -> task<void> {
        auto made = co_await unix_stream::pair();
        REQUIRE(made.has_value());
        auto& [a, b] = *made;
        (void)co_await b.close();
        (void)co_await b.close();
        std::array<char, 4> buffer{};
        CHECK((co_await b.read(buffer)).is(std::errc::bad_file_descriptor));
        CHECK((co_await b.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        CHECK(b.local_address().is(std::errc::bad_file_descriptor));
        CHECK((co_await a.read(buffer)).value() == 0);  // the peer's close is end of stream
        io_result<std::size_t> wrote = std::size_t{0};
        for (int i = 0; i < 100 && wrote; ++i) wrote = co_await a.write(std::string_view("x"));
        CHECK(wrote.is(std::errc::broken_pipe));
    });
}

TEST_CASE("unix: interop::serve serves a Unix listener, and closing the listener drains it") {
    INTEROP_REQUIRE_CAPABILITY(cap_unix);
    const std::string path = fresh_path();
    conf::run([&]() -> task<void> {
        auto listener = co_await listening(path);
        io_result<void> served = std::errc::io_error;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                // Echoes one line of each connection, then closes it.
                served = co_await serve(listener, [](unix_stream conn) -> task<void> {
                    auto got = co_await conf::read_text(conn, 5);
                    if (got) (void)co_await conf::write_text(conn, *got);
                });
            });
            for (std::string_view word : {"alpha", "omega"}) {
                auto client = co_await unix_stream::connect(path);
                REQUIRE(client.has_value());
                CHECK((co_await conf::write_text(*client, word)).has_value());
                CHECK((co_await conf::read_text(*client, 5)).value() == word);
            }
            (void)co_await listener.close();
        });
        CHECK(served.is(std::errc::bad_file_descriptor));
        CHECK(!std::filesystem::exists(path));
    });
}
