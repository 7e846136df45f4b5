// The client library's connection over TLS, unchanged: redis::connection of an
// interop::tls::stream, under the timeout layer, against a server that speaks RESP
// over TLS (redis-server with --tls-port, or interop-mini-redis with
// --tls-cert-file). Built for every runtime; tls_client_test.sh starts the servers.
//
//   interop-redis-tls-client-test-<runtime> PORT CA_FILE
//
// Prints each failed check and exits with the number of failures (0: all passed).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "checks.hpp"
#include "interop/interop.hpp"
#include "interop/tls.hpp"
#include "redis/connection.hpp"

using namespace std::chrono_literals;

namespace {

using redis_test::failures;

using tls_connection = redis::connection<interop::tls::stream<interop::tcp_stream>>;

interop::task<interop::io_result<tls_connection>> connect(std::uint16_t port,
                                                          const interop::tls::context& ctx,
                                                          std::string host) {
    auto tcp = co_await interop::tcp_stream::connect(
        interop::endpoint{interop::ip_address::loopback_v4(), port});
    if (!tcp) co_return tcp.error();
    auto shaking = interop::tls::connect(ctx, std::move(*tcp), std::move(host));
    auto secured = co_await std::move(shaking);
    if (!secured) co_return secured.error();
    auto opening = tls_connection::open(std::move(*secured));
    co_return co_await std::move(opening);
}

// INCRs from several tasks at once over one TLS connection: each caller gets its own
// reply, and the count is exact.
template <typename Service>
interop::task<void> incr_from(Service* svc, int n, std::set<std::int64_t>* seen) {
    for (int i = 0; i < n; ++i) {
        auto calling = svc->call(redis::command("INCR", "tls:counter"));
        auto reply = co_await std::move(calling);
        CHECK(reply && reply->integer().has_value());
        if (reply && reply->integer()) seen->insert(*reply->integer());
    }
}

interop::task<int> run_all(std::uint16_t port, std::string ca_file) {
    auto ctx = interop::tls::context::client();
    ctx.trust_file(ca_file);

    auto connected = co_await connect(port, ctx, "localhost");
    CHECK(connected.has_value());
    if (!connected) {
        std::fprintf(stderr, "cannot connect over TLS: %s\n", connected.error().message().c_str());
        co_return 1;
    }
    // The connection is a service: the middleware wraps it as any other.
    auto svc = interop::stack(std::move(*connected), interop::timeout_layer(10s));

    auto deleting = svc.call(redis::command("DEL", "tls:counter", "tls:big"));
    CHECK(co_await std::move(deleting));
    auto pinging = svc.call(redis::command("PING"));
    auto pong = co_await std::move(pinging);
    CHECK(pong && pong->text() == "PONG");

    // A value larger than several TLS records, both ways.
    std::string big(300000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    auto setting = svc.call(redis::command("SET", "tls:big", big));
    auto set = co_await std::move(setting);
    CHECK(set && set->text() == "OK");
    auto getting = svc.call(redis::command("GET", "tls:big"));
    auto got = co_await std::move(getting);
    CHECK(got && got->is_bulk() && got->text() == big);

    std::set<std::int64_t> seen;
    std::vector<interop::task<void>> callers;
    callers.reserve(8);
    for (int t = 0; t < 8; ++t) callers.push_back(incr_from(&svc, 50, &seen));
    auto all = interop::when_all(std::move(callers));
    co_await std::move(all);
    CHECK(seen.size() == 400);
    CHECK(!seen.empty() && *seen.begin() == 1 && *seen.rbegin() == 400);

    // An error reply is a value with its text.
    auto wrong = svc.call(redis::command("INCR", "tls:big"));
    auto refused = co_await std::move(wrong);
    CHECK(refused && refused->is_error() &&
          refused->text() == "ERR value is not an integer or out of range");

    // A name the server's certificate does not have: the handshake fails with its code.
    auto misnamed = co_await connect(port, ctx, "wrong.example");
    CHECK(!misnamed && misnamed.error() == interop::tls::errc::hostname_mismatch);

    if (failures == 0) std::puts("all passed");
    co_return failures;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PORT CA_FILE\n", argv[0]);
        return 2;
    }
    const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
    return interop::run(run_all(port, argv[2]));
}
