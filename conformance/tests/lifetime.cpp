// Handles that outlive their runtime: streams, listeners, join handles, channels and
// sync primitives kept past interop::run, used and destroyed after the runtime is
// gone. The runtime closed its sockets when it was destroyed; a handle then fails
// every use with bad_file_descriptor and releases nothing twice. Under the sanitizers
// (which CI runs on every backend) any touch of the dead runtime is a failure.
#include <dirent.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "interop/conformance/suite.hpp"

using namespace interop;
namespace conf = interop::conformance;

namespace {

// The descriptors this process has open.
std::size_t open_descriptors() {
    std::size_t n = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (const dirent* entry = ::readdir(dir)) {
            if (entry->d_name[0] != '.') ++n;
        }
        ::closedir(dir);
    }
    return n - 1;  // the directory stream's own
}

}  // namespace

TEST_CASE(
    "lifetime: streams and listeners that outlive their runtime fail with bad_file_descriptor and "
    "release nothing twice") {
    conf::hang_guard guard;
    // An event loop may open process-wide descriptors once (libuv's signal pipe): let
    // a first runtime do that before counting.
    conf::make_runtime().reset();
    const std::size_t descriptors_before = open_descriptors();
    tcp_listener listener;
    tcp_stream client;
    tcp_stream server;
    {
        auto rt = conf::make_runtime();
        interop::run(rt->ref(), [&]() -> task<void> {
            auto bound = co_await tcp_listener::bind(conf::loopback_v4());
            REQUIRE(bound.has_value());
            listener = std::move(*bound);
            auto connected = co_await tcp_stream::connect(listener.local_endpoint().value());
            REQUIRE(connected.has_value());
            client = std::move(*connected);
            auto accepted = co_await conf::accept(listener);
            REQUIRE(accepted.has_value());
            server = std::move(*accepted);
            auto sent = co_await client.write(std::string_view("kept"));
            CHECK(sent.has_value());
        }());
        CHECK(client.is_open());
    }
    // The runtime closed every socket it had when it was destroyed.
    CHECK(open_descriptors() == descriptors_before);
    CHECK_FALSE(client.is_open());
    CHECK_FALSE(server.is_open());
    CHECK_FALSE(listener.is_open());
    CHECK(client.local_endpoint().is(std::errc::bad_file_descriptor));
    CHECK(server.peer_endpoint().is(std::errc::bad_file_descriptor));
    CHECK(server.shutdown_write().is(std::errc::bad_file_descriptor));
    CHECK(client.set_no_delay(true).is(std::errc::bad_file_descriptor));
    CHECK(listener.local_endpoint().is(std::errc::bad_file_descriptor));
    // Closing, moving and destroying must not reach the runtime.
    (void)client.close();
    (void)listener.close();
    tcp_stream moved = std::move(server);
    CHECK_FALSE(moved.is_open());
}

TEST_CASE(
    "lifetime: an operation awaited on a stream whose runtime is gone fails with "
    "bad_file_descriptor") {
    tcp_stream orphan;
    {
        auto rt = conf::make_runtime();
        interop::run(rt->ref(), [&]() -> task<void> {
            auto listener = co_await tcp_listener::bind(conf::loopback_v4());
            REQUIRE(listener.has_value());
            auto connected = co_await tcp_stream::connect(listener->local_endpoint().value());
            REQUIRE(connected.has_value());
            orphan = std::move(*connected);
        }());
    }
    // Awaited from a task of another runtime: the stream's own runtime is gone.
    conf::run([&]() -> task<void> {
        char buf[4];
        CHECK((co_await orphan.read(buf)).is(std::errc::bad_file_descriptor));
        CHECK((co_await orphan.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
        CHECK((co_await write_all(orphan, std::as_bytes(std::span("xy", 2))))
                  .is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("lifetime: join handles, channels and sync primitives work after their runtime is gone") {
    conf::hang_guard guard;
    std::optional<join_handle<int>> handle;
    std::optional<mpsc::channel<int>> channel;
    event ready;
    {
        auto rt = conf::make_runtime();
        interop::run(rt->ref(), [&]() -> task<void> {
            handle.emplace(co_await spawn([]() -> task<int> { co_return 7; }));
            channel.emplace(mpsc::bounded<int>(4));
            auto sent = co_await channel->tx.send(1);
            CHECK(sent.has_value());
            ready.set();
        }());
    }
    // The join handle still delivers the task's value, from outside any runtime.
    handle->cancel();  // finished: nothing to cancel
    auto joined =
        interop::sync_wait([&]() -> task<io_result<int>> { co_return co_await *handle; }());
    CHECK(joined.value() == 7);
    handle.reset();
    // The channel still holds what was sent on the dead runtime, and still works.
    CHECK(channel->rx.try_recv() == 1);
    CHECK(channel->tx.try_send(2).has_value());
    auto received = interop::sync_wait(
        [&]() -> task<io_result<std::optional<int>>> { co_return co_await channel->rx.recv(); }());
    CHECK(received.value() == 2);
    channel.reset();
    // An event set on the dead runtime is still set.
    auto waited =
        interop::sync_wait([&]() -> task<io_result<void>> { co_return co_await ready.wait(); }());
    CHECK(waited.has_value());
}
