// The adapter kit's POSIX pieces, without a runtime: endpoint <-> sockaddr, the
// non-blocking socket calls over loopback, and the wake-up descriptor.
#include <doctest/doctest.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <thread>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interop/runtime/posix_address.hpp"
#include "interop/runtime/posix_socket.hpp"
#include "interop/runtime/posix_wakeup.hpp"

using interop::endpoint;
namespace posix = interop::kit::posix;

namespace {

endpoint parse(const char* text) { return endpoint::parse(text).value(); }

bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

bool writable(int fd, int timeout_ms) {
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

// A listener on a free loopback port, and a client connected to it.
struct connected_pair {
    int listener = -1;
    int client = -1;
    int server = -1;

    connected_pair() {
        REQUIRE_FALSE(posix::open_listener(parse("127.0.0.1:0"), 0, &listener));
        endpoint local;
        REQUIRE_FALSE(posix::local_address(listener, &local));
        const posix::attempt started = posix::start_connect(local, &client);
        REQUIRE_FALSE(started.error);
        REQUIRE(readable(listener, 5000));
        REQUIRE_FALSE(posix::accept_once(listener, &server).error);
        REQUIRE(writable(client, 5000));
        REQUIRE_FALSE(posix::connect_result(client));
    }
    ~connected_pair() {
        ::close(server);
        ::close(client);
        ::close(listener);
    }
};

}  // namespace

TEST_CASE("kit: posix endpoints go to sockaddr and back unchanged") {
    for (const char* text : {"127.0.0.1:8080", "0.0.0.0:0", "[::1]:443", "[fe80::1%3]:9"}) {
        const endpoint e = parse(text);
        const posix::socket_address native = posix::to_sockaddr(e);
        endpoint back;
        REQUIRE(posix::from_sockaddr(&native.storage, native.length, &back));
        CHECK(back == e);
    }
    // A family it does not know, or a length too short for the family.
    sockaddr_storage unix_like{};
    unix_like.ss_family = AF_UNIX;
    endpoint out;
    CHECK_FALSE(posix::from_sockaddr(&unix_like, sizeof unix_like, &out));
    const posix::socket_address v6 = posix::to_sockaddr(parse("[::1]:1"));
    CHECK_FALSE(posix::from_sockaddr(&v6.storage, sizeof(sockaddr_in), &out));
}

TEST_CASE("kit: posix errors are std::errc values") {
    CHECK_FALSE(posix::error_from_errno(0));
    CHECK(posix::error_from_errno(ECONNREFUSED) == std::errc::connection_refused);
    errno = EPIPE;
    CHECK(posix::last_error() == std::errc::broken_pipe);
    CHECK(posix::would_block(EAGAIN));
    CHECK(posix::would_block(EWOULDBLOCK));
    CHECK_FALSE(posix::would_block(EINTR));
}

TEST_CASE("kit: posix calls carry bytes over loopback and say when they would block") {
    connected_pair p;
    std::array<std::byte, 16> buffer{};

    // Nothing sent yet: the read would block rather than wait.
    const posix::attempt empty = posix::receive_once(p.server, buffer.data(), buffer.size());
    CHECK(empty.would_block);

    const char hello[] = "hello";
    const posix::attempt sent =
        posix::send_once(p.client, reinterpret_cast<const std::byte*>(hello), 5);
    CHECK_FALSE(sent.would_block);
    CHECK(sent.bytes == 5);
    REQUIRE(readable(p.server, 5000));
    const posix::attempt got = posix::receive_once(p.server, buffer.data(), buffer.size());
    CHECK(got.bytes == 5);
    CHECK(std::memcmp(buffer.data(), hello, 5) == 0);

    // The addresses of both ends match.
    endpoint client_local, server_remote, server_local, client_remote;
    CHECK_FALSE(posix::local_address(p.client, &client_local));
    CHECK_FALSE(posix::peer_address(p.server, &server_remote));
    CHECK(client_local == server_remote);
    CHECK_FALSE(posix::local_address(p.server, &server_local));
    CHECK_FALSE(posix::peer_address(p.client, &client_remote));
    CHECK(server_local == client_remote);
    CHECK_FALSE(posix::set_tcp_no_delay(p.client, true));

    // Shutting down the write half is end of stream for the peer: 0 bytes, no error.
    CHECK_FALSE(posix::shutdown_sending(p.client));
    REQUIRE(readable(p.server, 5000));
    const posix::attempt eof = posix::receive_once(p.server, buffer.data(), buffer.size());
    CHECK_FALSE(eof.would_block);
    CHECK_FALSE(eof.error);
    CHECK(eof.bytes == 0);

    // A listener with no connection waiting.
    int none = -1;
    CHECK(posix::accept_once(p.listener, &none).would_block);
}

TEST_CASE("kit: posix try_once makes the call an operation waits for") {
    connected_pair p;
    auto never = [](interop::operation*, std::error_code, std::size_t) noexcept {};
    std::array<std::byte, 4> data{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    interop::io_operation write(never, interop::op_kind::write);
    write.data = data.data();
    write.size = data.size();
    CHECK(posix::try_once(p.client, &write, nullptr).bytes == 4);

    std::array<std::byte, 4> in{};
    interop::io_operation read(never, interop::op_kind::read);
    read.data = in.data();
    read.size = in.size();
    REQUIRE(readable(p.server, 5000));
    CHECK(posix::try_once(p.server, &read, nullptr).bytes == 4);
    CHECK(in == data);

    interop::accept_operation accept(never);
    int accepted = -1;
    CHECK(posix::try_once(p.listener, &accept, &accepted).would_block);

    interop::connect_operation connect(never);
    const posix::attempt made = posix::try_once(p.client, &connect, nullptr);
    CHECK_FALSE(made.would_block);
    CHECK_FALSE(made.error);
}

TEST_CASE("kit: posix connect to a port nobody listens on is refused") {
    // Reserve a port with a bound socket that never listens.
    int reserved = -1;
    std::error_code error;
    reserved = posix::open_tcp_socket(parse("127.0.0.1:0").address, &error);
    REQUIRE(reserved >= 0);
    const posix::socket_address any = posix::to_sockaddr(parse("127.0.0.1:0"));
    REQUIRE(::bind(reserved, any.get(), any.length) == 0);
    endpoint port;
    REQUIRE_FALSE(posix::local_address(reserved, &port));

    int fd = -1;
    const posix::attempt started = posix::start_connect(port, &fd);
    std::error_code result = started.error;
    if (started.would_block) {
        REQUIRE(writable(fd, 5000));
        result = posix::connect_result(fd);
    }
    CHECK(result == std::errc::connection_refused);
    if (fd >= 0) ::close(fd);
    ::close(reserved);
}

TEST_CASE("kit: posix listen and connect hand their sockets to the loop") {
    auto never = [](interop::operation*, std::error_code, std::size_t) noexcept {};
    std::array<int, 2> fds{-1, -1};  // the sockets the "loop" was given; handle i + 1
    int added = 0;
    const auto add = [&](int fd) {
        fds.at(static_cast<std::size_t>(added)) = fd;
        return reinterpret_cast<interop::socket_handle>(static_cast<std::uintptr_t>(++added));
    };
    interop::socket_handle listener = nullptr;
    REQUIRE_FALSE(posix::listen(parse("127.0.0.1:0"), 0, &listener, add));
    CHECK(listener == reinterpret_cast<interop::socket_handle>(std::uintptr_t{1}));
    endpoint local;
    REQUIRE_FALSE(posix::local_address(fds[0], &local));

    // An address in use: no socket for the loop, and a null handle.
    interop::socket_handle second = listener;
    CHECK(posix::listen(local, 0, &second, add) == std::errc::address_in_use);
    CHECK(second == nullptr);
    CHECK(added == 1);

    interop::connect_operation connect(never);
    connect.peer = local;
    interop::socket_handle waiting = nullptr;
    posix::connect(&connect, add, [&](interop::socket_handle h) { waiting = h; });
    REQUIRE(added == 2);
    if (waiting != nullptr) {  // in progress: writable once made
        CHECK(connect.connected == nullptr);
        REQUIRE(writable(fds[1], 5000));
        CHECK_FALSE(posix::try_once(fds[1], &connect, nullptr).error);
    } else {  // made at once
        CHECK(connect.connected == reinterpret_cast<interop::socket_handle>(std::uintptr_t{2}));
    }
    ::close(fds[1]);
    ::close(fds[0]);
}

TEST_CASE("kit: posix connect that is refused leaves the loop no socket, or waits") {
    int reserved = -1;  // a port nobody listens on: bound, never listening
    std::error_code error;
    reserved = posix::open_tcp_socket(parse("127.0.0.1:0").address, &error);
    REQUIRE(reserved >= 0);
    const posix::socket_address any = posix::to_sockaddr(parse("127.0.0.1:0"));
    REQUIRE(::bind(reserved, any.get(), any.length) == 0);

    struct refused_connect : interop::connect_operation {
        int completions = 0;
        std::error_code error;
        refused_connect()
            : interop::connect_operation(
                  [](interop::operation* op, std::error_code e, std::size_t) noexcept {
                      auto* self = static_cast<refused_connect*>(op);
                      ++self->completions;
                      self->error = e;
                  }) {}
    } connect;
    REQUIRE_FALSE(posix::local_address(reserved, &connect.peer));
    int fd = -1;
    bool waited = false;
    const auto add = [&](int added) {
        fd = added;
        return reinterpret_cast<interop::socket_handle>(std::uintptr_t{1});
    };
    posix::connect(&connect, add, [&](interop::socket_handle) { waited = true; });
    if (waited) {  // in progress: the loop has the socket, and the outcome once writable
        CHECK(connect.completions == 0);
        REQUIRE(writable(fd, 5000));
        CHECK(posix::try_once(fd, &connect, nullptr).error == std::errc::connection_refused);
        ::close(fd);
    } else {  // refused at once: completed, and the loop was given nothing
        CHECK(connect.completions == 1);
        CHECK(connect.error == std::errc::connection_refused);
        CHECK(fd == -1);
    }
    CHECK(connect.connected == nullptr);
    ::close(reserved);
}

TEST_CASE("kit: posix open_listener reports an address in use and leaves no socket") {
    int first = -1;
    REQUIRE_FALSE(posix::open_listener(parse("127.0.0.1:0"), 0, &first));
    endpoint taken;
    REQUIRE_FALSE(posix::local_address(first, &taken));
    int second = 42;
    CHECK(posix::open_listener(taken, 0, &second) == std::errc::address_in_use);
    CHECK(second == -1);
    ::close(first);
}

TEST_CASE("kit: a posix wakeup is readable after notify, from any thread, until cleared") {
    posix::wakeup w;
    CHECK_FALSE(readable(w.fd(), 0));
    std::thread([&] {
        w.notify();
        w.notify();  // coalesces
    }).join();
    CHECK(readable(w.fd(), 5000));
    w.clear();
    CHECK_FALSE(readable(w.fd(), 0));
    w.notify();  // a notify after clear writes anew
    CHECK(readable(w.fd(), 5000));
}
