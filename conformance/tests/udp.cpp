// UDP: datagrams keep their boundaries and name their sender; a datagram too long for
// the buffer is message_size; a cancelled receive takes no datagram; a connected
// socket hears only its peer and learns of a closed port; bad input is refused the
// same way on every runtime (interop/net/udp_socket.hpp).
#include <array>
#include <atomic>
#include <string>
#include <string_view>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

task<udp_socket> bound(endpoint local = conf::loopback_v4()) {
    auto socket = co_await udp_socket::bind(local);
    REQUIRE(socket.has_value());
    co_return std::move(*socket);
}

endpoint where(const udp_socket& socket) { return socket.local_endpoint().value(); }

std::string text(const std::array<char, 64>& buffer, std::size_t n) {
    return std::string(buffer.data(), n);
}

// A port on loopback that nobody listens on: bound, then closed again.
task<endpoint> closed_port() {
    auto probe = co_await bound();
    const endpoint gone = where(probe);
    (void)co_await probe.close();
    co_return gone;
}

}  // namespace

TEST_CASE(
    "udp: send_to and receive_from keep datagram boundaries, empty ones too, and name the "
    "sender") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto b = co_await bound();
        for (std::string_view d : {"first", "", "the third one"}) {
            auto sent = co_await a.send_to(d, where(b));
            CHECK(sent.value() == d.size());
        }
        std::array<char, 64> buffer{};
        for (std::string_view d : {"first", "", "the third one"}) {
            auto got = co_await b.receive_from(buffer);
            REQUIRE(got.has_value());
            CHECK(text(buffer, got->size) == d);
            CHECK(got->peer == where(a));
        }
    });
}

TEST_CASE("udp: IPv6 sockets exchange datagrams") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    INTEROP_REQUIRE_CAPABILITY(cap_ipv6);
    conf::run([]() -> task<void> {
        auto a = co_await bound(conf::loopback_v6());
        auto b = co_await bound(conf::loopback_v6());
        CHECK((co_await a.send_to(std::string_view("over six"), where(b))).value() == 8);
        std::array<char, 64> buffer{};
        auto got = co_await b.receive_from(buffer);
        REQUIRE(got.has_value());
        CHECK(text(buffer, got->size) == "over six");
        CHECK(got->peer == where(a));
        CHECK(got->peer.address.is_v6());
    });
}

TEST_CASE(
    "udp: a datagram longer than the buffer fails the receive with message_size; the next "
    "datagram arrives whole") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto b = co_await bound();
        (void)co_await a.send_to(std::string_view("0123456789"), where(b));
        (void)co_await a.send_to(std::string_view("fits"), where(b));
        std::array<char, 4> small{};
        auto truncated = co_await b.receive(small);
        CHECK(truncated.is(std::errc::message_size));
        CHECK(std::string_view(small.data(), small.size()) == "0123");
        auto whole = co_await b.receive(small);
        CHECK(whole.value() == 4);
        CHECK(std::string_view(small.data(), small.size()) == "fits");
    });
}

TEST_CASE("udp: a receive cancelled before a datagram arrives consumes none; the next gets it") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto b = co_await bound();
        std::array<char, 64> buffer{};
        auto waiting = b.receive(buffer);
        auto gave_up = co_await timeout(20ms, std::move(waiting));
        CHECK(gave_up.is(std::errc::timed_out));
        (void)co_await a.send_to(std::string_view("kept"), where(b));
        auto got = co_await b.receive(buffer);
        CHECK(text(buffer, got.value()) == "kept");
    });
}

TEST_CASE(
    "udp: a receive cancelled as its datagram arrives either gets it or leaves it for the next "
    "receive, exactly once") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto b = co_await bound();
        for (int round = 0; round < 20; ++round) {
            std::array<char, 64> buffer{};
            std::atomic<bool> started{false};
            // What the receive itself returned: the join of a cancelled task reports
            // operation_canceled whatever the task did.
            io_result<std::size_t> first = std::errc::io_error;
            auto receiving = co_await spawn([&]() -> task<void> {
                started = true;
                first = co_await b.receive(buffer);
            });
            while (!started) (void)co_await yield_now();
            (void)co_await a.send_to(std::string_view("once"), where(b));
            receiving.cancel();
            (void)co_await receiving;
            if (first) {
                CHECK(text(buffer, *first) == "once");
                continue;
            }
            CHECK(first.is(std::errc::operation_canceled));
            auto second = co_await b.receive(buffer);
            CHECK(text(buffer, second.value()) == "once");
        }
        // Nothing is left over: a marker sent now is the next datagram.
        (void)co_await a.send_to(std::string_view("marker"), where(b));
        std::array<char, 64> buffer{};
        auto next = co_await b.receive(buffer);
        CHECK(text(buffer, next.value()) == "marker");
    });
}

TEST_CASE(
    "udp: a connected socket sends with send, refuses send_to with already_connected and "
    "receives only its peer's datagrams") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto peer = co_await bound();
        auto stranger = co_await bound();
        REQUIRE(a.connect(where(peer)).has_value());
        CHECK(a.peer_endpoint().value() == where(peer));
        (void)co_await stranger.send_to(std::string_view("ignored"), where(a));
        (void)co_await peer.send_to(std::string_view("from the peer"), where(a));
        std::array<char, 64> buffer{};
        auto got = co_await a.receive_from(buffer);
        REQUIRE(got.has_value());
        CHECK(text(buffer, got->size) == "from the peer");
        CHECK(got->peer == where(peer));
        CHECK((co_await a.send(std::string_view("back"))).value() == 4);
        auto elsewhere = co_await a.send_to(std::string_view("no"), where(stranger));
        CHECK(elsewhere.is(std::errc::already_connected));
        auto back = co_await peer.receive_from(buffer);
        CHECK(text(buffer, back.value().size) == "back");
        CHECK(back.value().peer == where(a));
    });
}

TEST_CASE(
    "udp: a connected socket whose datagram reached a closed port fails its next receive with "
    "connection_refused") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        const endpoint nobody = co_await closed_port();
        auto a = co_await bound();
        REQUIRE(a.connect(nobody).has_value());
        CHECK((co_await a.send(std::string_view("anyone?"))).value() == 7);
        std::array<char, 64> buffer{};
        auto refused = co_await timeout(10s, a.receive(buffer));
        CHECK(refused.is(std::errc::connection_refused));
    });
}

TEST_CASE("udp: a second receive while one is pending fails at once with device_or_resource_busy") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto b = co_await bound();
        // Two receivers start together (on several threads, either may get there first);
        // whichever reaches the socket second is refused. Only then is the datagram sent,
        // so the pending one is still waiting for it.
        event refused;
        io_result<std::size_t> results[2] = {std::size_t{0}, std::size_t{0}};
        std::array<char, 64> buffers[2] = {};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                s.spawn(
                    [&](int me) -> task<void> {
                        results[me] = co_await b.receive(buffers[me]);
                        if (results[me].is(std::errc::device_or_resource_busy)) refused.set();
                    },
                    i);
            }
            auto seen = co_await timeout(10s, refused.wait());
            CHECK(seen.has_value());
            (void)co_await a.send_to(std::string_view("one"), where(b));
        });
        const int busy = results[0].is(std::errc::device_or_resource_busy) ? 0 : 1;
        CHECK(results[busy].is(std::errc::device_or_resource_busy));
        CHECK(text(buffers[1 - busy], results[1 - busy].value()) == "one");
    });
}

TEST_CASE(
    "udp: bad input is refused: an address that is not numeric, an empty receive buffer, a "
    "destination of the other family, any use after close") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto not_numeric = co_await udp_socket::bind("localhost:0");
        CHECK(not_numeric.is(std::errc::invalid_argument));
        auto a = co_await bound();
        CHECK(a.connect("nowhere").is(std::errc::invalid_argument));
        std::array<char, 1> none{};
        auto empty = co_await a.receive(std::span<char>(none.data(), 0));
        CHECK(empty.is(std::errc::invalid_argument));
        auto other_family =
            co_await a.send_to(std::string_view("x"), endpoint{ip_address::loopback_v6(), 9});
        CHECK(other_family.is(std::errc::address_family_not_supported));
        CHECK(a.connect(endpoint{ip_address::loopback_v6(), 9})
                  .is(std::errc::address_family_not_supported));
        auto unconnected = co_await a.send(std::string_view("x"));
        CHECK(unconnected.is(std::errc::destination_address_required));
        CHECK(a.peer_endpoint().is(std::errc::not_connected));
        (void)co_await a.close();
        (void)co_await a.close();  // harmless
        CHECK_FALSE(a.is_open());
        auto after = co_await a.send_to(std::string_view("x"), conf::loopback_v4());
        CHECK(after.is(std::errc::bad_file_descriptor));
        std::array<char, 8> buffer{};
        CHECK((co_await a.receive(buffer)).is(std::errc::bad_file_descriptor));
        CHECK(a.local_endpoint().is(std::errc::bad_file_descriptor));
        CHECK(a.set_broadcast(true).is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("udp: binding an address in use fails with address_in_use") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        auto a = co_await bound();
        auto again = co_await udp_socket::bind(where(a));
        CHECK(again.is(std::errc::address_in_use));
    });
}

TEST_CASE(
    "udp: broadcast needs set_broadcast: without it permission_denied, with it the datagram "
    "arrives") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        // Loopback's broadcast address reaches a socket bound to any address.
        auto listener = co_await bound(endpoint{ip_address::any_v4(), 0});
        auto sender = co_await bound();
        const endpoint everyone{ip_address::v4({127, 255, 255, 255}), where(listener).port};
        auto refused = co_await sender.send_to(std::string_view("all"), everyone);
        CHECK(refused.is(std::errc::permission_denied));
        REQUIRE(sender.set_broadcast(true).has_value());
        CHECK((co_await sender.send_to(std::string_view("all"), everyone)).value() == 3);
        std::array<char, 64> buffer{};
        auto got = co_await timeout(10s, listener.receive_from(buffer));
        REQUIRE(got.has_value());
        CHECK(text(buffer, got->size) == "all");
    });
}

TEST_CASE(
    "udp: a member of a multicast group on the loopback interface receives what is sent to the "
    "group") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    INTEROP_REQUIRE_CAPABILITY(cap_udp_multicast);
    conf::run([]() -> task<void> {
        const ip_address group = ip_address::v4({239, 255, 42, 99});
        auto member = co_await bound(endpoint{ip_address::any_v4(), 0});
        REQUIRE(member.join_multicast(group, ip_address::loopback_v4()).has_value());
        auto sender = co_await bound();
        REQUIRE(sender.set_multicast_interface(ip_address::loopback_v4()).has_value());
        REQUIRE(sender.set_multicast_loop(true).has_value());
        REQUIRE(sender.set_multicast_hops(1).has_value());
        CHECK(sender.set_multicast_hops(256).is(std::errc::invalid_argument));
        const endpoint to_group{group, where(member).port};
        CHECK((co_await sender.send_to(std::string_view("to all members"), to_group)).value() ==
              14);
        std::array<char, 64> buffer{};
        auto got = co_await timeout(10s, member.receive_from(buffer));
        REQUIRE(got.has_value());
        CHECK(text(buffer, got->size) == "to all members");
        CHECK(got->peer == where(sender));
        CHECK(member.leave_multicast(group, ip_address::loopback_v4()).has_value());
        CHECK(member.join_multicast(ip_address::loopback_v6())
                  .is(std::errc::address_family_not_supported));
    });
}
