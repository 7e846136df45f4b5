// The client library against a real redis-server (client_test.sh starts one): every
// typed command, error replies, pipelining from many tasks, a pipeline batch, pub/sub,
// reconnecting, the timeout and retry layers. Built for every runtime.
//
//   interop-redis-client-test-<runtime> PORT [--restart]
//
// With --restart, the last test shuts the server down and expects the caller to start
// it again on the same port.
//
// Prints each failed check and exits with the number of failures (0: all passed).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "checks.hpp"
#include "interop/interop.hpp"
#include "redis/client.hpp"

using namespace std::chrono_literals;

namespace {

using redis_test::failures;

std::uint16_t port = 0;
bool restart = false;  // --restart: the script restarts a server that this test stops

redis::client_options options_for(std::uint16_t p) {
    redis::client_options o;
    o.port = p;
    o.command_timeout = 20s;
    return o;
}

// A connection of this test's own, without the client around it.
interop::task<interop::io_result<redis::connection<interop::tcp_stream>>> raw_connection() {
    auto connecting = redis::connect_tcp(options_for(port));
    auto stream = co_await std::move(connecting);
    if (!stream) co_return stream.error();
    auto opening = redis::connection<interop::tcp_stream>::open(std::move(*stream));
    co_return co_await std::move(opening);
}

interop::task<void> typed_commands() {
    std::puts("typed commands");
    redis::client c(options_for(port));
    auto flushed = c.execute(redis::command("FLUSHALL"));
    CHECK(co_await std::move(flushed));

    auto pong = c.ping();
    auto p = co_await std::move(pong);
    CHECK(p && *p == "PONG");
    auto echoing = c.echo("hello\r\nworld");
    auto e = co_await std::move(echoing);
    CHECK(e && *e == "hello\r\nworld");

    auto s1 = c.set("k", "v");
    auto set1 = co_await std::move(s1);
    CHECK(set1 && *set1);
    auto g1 = c.get("k");
    auto got1 = co_await std::move(g1);
    CHECK(got1 && *got1 && **got1 == "v");
    auto g2 = c.get("missing");
    auto got2 = co_await std::move(g2);
    CHECK(got2 && !*got2);

    auto s2 = c.set("k", "other", {.nx = true});
    auto set2 = co_await std::move(s2);
    CHECK(set2 && !*set2);  // k exists: NX refuses
    auto s3 = c.set("absent", "x", {.xx = true});
    auto set3 = co_await std::move(s3);
    CHECK(set3 && !*set3);  // absent does not: XX refuses
    auto s4 = c.set("k", "v2", {.xx = true});
    auto set4 = co_await std::move(s4);
    CHECK(set4 && *set4);
    auto g3 = c.get("k");
    auto got3 = co_await std::move(g3);
    CHECK(got3 && *got3 && **got3 == "v2");
    auto s5 = c.set("fresh", "1", {.nx = true});
    auto set5 = co_await std::move(s5);
    CHECK(set5 && *set5);

    auto s6 = c.set("ex", "1", {.ex = 100});
    CHECK(co_await std::move(s6));
    auto t1 = c.ttl("ex");
    auto ttl1 = co_await std::move(t1);
    CHECK(ttl1 && *ttl1 > 0 && *ttl1 <= 100);
    auto s7 = c.set("px", "1", {.px = 50000});
    CHECK(co_await std::move(s7));
    auto t2 = c.ttl("px");
    auto ttl2 = co_await std::move(t2);
    CHECK(ttl2 && *ttl2 > 0 && *ttl2 <= 50);
    auto t3 = c.ttl("k");
    auto ttl3 = co_await std::move(t3);
    CHECK(ttl3 && *ttl3 == -1);
    auto t4 = c.ttl("missing");
    auto ttl4 = co_await std::move(t4);
    CHECK(ttl4 && *ttl4 == -2);
    auto x1 = c.expire("k", 1000);
    auto exp1 = co_await std::move(x1);
    CHECK(exp1 && *exp1);
    auto x2 = c.expire("missing", 1000);
    auto exp2 = co_await std::move(x2);
    CHECK(exp2 && !*exp2);
    auto t5 = c.ttl("k");
    auto ttl5 = co_await std::move(t5);
    CHECK(ttl5 && *ttl5 > 900 && *ttl5 <= 1000);

    auto ex1 = c.exists({"k", "k", "missing", "fresh"});
    auto exists1 = co_await std::move(ex1);
    CHECK(exists1 && *exists1 == 3);  // EXISTS counts a key named twice twice
    auto d1 = c.del({"fresh", "missing"});
    auto del1 = co_await std::move(d1);
    CHECK(del1 && *del1 == 1);
    auto ex2 = c.exists({"fresh"});
    auto exists2 = co_await std::move(ex2);
    CHECK(exists2 && *exists2 == 0);

    auto i1 = c.incr("counter");
    auto inc1 = co_await std::move(i1);
    CHECK(inc1 && *inc1 == 1);
    auto i2 = c.incr("counter");
    auto inc2 = co_await std::move(i2);
    CHECK(inc2 && *inc2 == 2);
    auto i3 = c.decr("counter");
    auto dec1 = co_await std::move(i3);
    CHECK(dec1 && *dec1 == 1);
    auto i4 = c.decr("below");
    auto dec2 = co_await std::move(i4);
    CHECK(dec2 && *dec2 == -1);

    auto k1 = c.keys("*");
    auto keys1 = co_await std::move(k1);
    CHECK(keys1.has_value());
    if (keys1) {
        std::vector<std::string> names = *keys1;
        std::sort(names.begin(), names.end());
        CHECK(names == std::vector<std::string>{"below", "counter", "ex", "k", "px"});
    }
    auto k2 = c.keys("nothing*");
    auto keys2 = co_await std::move(k2);
    CHECK(keys2 && keys2->empty());

    auto pub = c.publish("nobody-listens", "hello");
    auto published = co_await std::move(pub);
    CHECK(published && *published == 0);
    CHECK(c.connects() == 1);
}

interop::task<void> error_replies() {
    std::puts("error replies");
    redis::client c(options_for(port));
    auto s = c.set("text", "hello");
    CHECK(co_await std::move(s));
    auto i = c.incr("text");
    auto inc = co_await std::move(i);
    CHECK(!inc);
    CHECK(inc.error() == redis::errc::server_error);
    CHECK(inc.error_text() == "ERR value is not an integer or out of range");
    // The untyped call keeps the error reply as a value.
    auto raw = c.call(redis::command("INCR", "text"));
    auto reply = co_await std::move(raw);
    CHECK(reply && reply->is_error() &&
          reply->text() == "ERR value is not an integer or out of range");
    auto bad = c.execute(redis::command("NOSUCHCOMMAND", "x"));
    auto unknown = co_await std::move(bad);
    CHECK(!unknown && unknown.error() == redis::errc::server_error &&
          unknown.error_text().rfind("ERR unknown command", 0) == 0);
    // A type the command does not have: GET answers a bulk string, not an array.
    auto wrong = c.get("text");
    auto text = co_await std::move(wrong);
    CHECK(text && *text && **text == "hello");
    auto k = c.keys("text");
    auto ks = co_await std::move(k);
    CHECK(ks && ks->size() == 1);
    // The connection carries on.
    auto pong = c.ping();
    auto p = co_await std::move(pong);
    CHECK(p && *p == "PONG");
    CHECK(c.connects() == 1);
}

// One task of the pipelining test: `n` INCRs one after another, each value kept.
interop::task<std::vector<std::int64_t>> incr_many(redis::client& c, int n) {
    std::vector<std::int64_t> seen;
    for (int i = 0; i < n; ++i) {
        auto calling = c.incr("shared-counter");
        auto r = co_await std::move(calling);
        if (!r) {
            std::fprintf(stderr, "INCR failed: %s\n", r.error_text().c_str());
            co_return seen;
        }
        seen.push_back(*r);
    }
    co_return seen;
}

interop::task<void> pipelining_from_many_tasks() {
    std::puts("pipelining from many tasks");
    redis::client c(options_for(port));
    auto d = c.del({"shared-counter"});
    CHECK(co_await std::move(d));
    std::vector<interop::task<std::vector<std::int64_t>>> tasks;
    tasks.reserve(10);
    for (int t = 0; t < 10; ++t) tasks.push_back(incr_many(c, 100));
    auto all = interop::when_all(std::move(tasks));
    std::vector<std::vector<std::int64_t>> results = co_await std::move(all);
    std::set<std::int64_t> distinct;
    std::size_t total = 0;
    for (const auto& seen : results) {
        CHECK(seen.size() == 100);
        // Each task's own INCRs are answered in its order.
        CHECK(std::is_sorted(seen.begin(), seen.end()));
        total += seen.size();
        distinct.insert(seen.begin(), seen.end());
    }
    CHECK(total == 1000);
    CHECK(distinct.size() == 1000);
    CHECK(!distinct.empty() && *distinct.begin() == 1 && *distinct.rbegin() == 1000);
    auto g = c.get("shared-counter");
    auto final_count = co_await std::move(g);
    CHECK(final_count && *final_count && **final_count == "1000");
    CHECK(c.connects() == 1);  // all of it over one connection

    // On a connection of its own: 200 calls started at once are all in flight
    // together, and each gets its own reply.
    auto opening = raw_connection();
    auto conn = co_await std::move(opening);
    CHECK(conn.has_value());
    if (!conn) co_return;
    std::vector<interop::task<interop::io_result<redis::value>>> echoes;
    echoes.reserve(200);
    for (int i = 0; i < 200; ++i) echoes.push_back(conn->call(redis::command("ECHO", i)));
    auto echoing = interop::when_all(std::move(echoes));
    auto replies = co_await std::move(echoing);
    int right = 0;
    for (int i = 0; i < 200; ++i) {
        if (replies[static_cast<std::size_t>(i)] &&
            replies[static_cast<std::size_t>(i)]->text() == std::to_string(i)) {
            ++right;
        }
    }
    CHECK(right == 200);
    CHECK(conn->in_flight() == 0);
}

// A tcp_stream that counts its writes, to see commands go out together.
class counting_stream {
public:
    counting_stream(interop::tcp_stream s, std::shared_ptr<int> writes)
        : stream_(std::move(s)), writes_(std::move(writes)) {}
    template <typename Buffer>
    auto read(Buffer buffer) {
        return stream_.read(buffer);
    }
    auto write(std::span<const std::byte> data) {
        ++*writes_;
        return stream_.write(data);
    }

private:
    interop::tcp_stream stream_;
    std::shared_ptr<int> writes_;
};

interop::task<void> commands_in_flight_together_go_out_in_one_write() {
    std::puts("batched writes");
    auto connecting = redis::connect_tcp(options_for(port));
    auto stream = co_await std::move(connecting);
    CHECK(stream.has_value());
    if (!stream) co_return;
    auto writes = std::make_shared<int>(0);
    auto opening =
        redis::connection<counting_stream>::open(counting_stream(std::move(*stream), writes));
    redis::connection<counting_stream> conn = co_await std::move(opening);
    std::vector<interop::task<interop::io_result<redis::value>>> calls;
    calls.reserve(100);
    for (int i = 0; i < 100; ++i) calls.push_back(conn.call(redis::command("INCR", "batched")));
    auto calling = interop::when_all(std::move(calls));
    auto replies = co_await std::move(calling);
    std::int64_t expected = 1;
    bool in_order = true;
    for (const auto& r : replies) in_order = in_order && r && r->integer() == expected++;
    CHECK(in_order);
    // 100 commands queued while the writer had not run yet: a handful of writes at
    // most, not one per command.
    std::printf("  100 calls: %d write(s)\n", *writes);
    CHECK(*writes >= 1 && *writes <= 5);
    const int before = *writes;
    std::vector<redis::command> batch(50, redis::command("INCR", "batched"));
    auto sending = conn.pipeline(std::move(batch));
    auto batched = co_await std::move(sending);
    CHECK(batched && batched->size() == 50 && batched->back().integer() == 150);
    CHECK(*writes - before == 1);
}

interop::task<void> pipeline_batch() {
    std::puts("pipeline batch");
    redis::client c(options_for(port));
    std::vector<redis::command> batch;
    batch.emplace_back("SET", "batch", "41");
    batch.emplace_back("INCR", "batch");
    batch.emplace_back("GET", "batch");
    batch.emplace_back("LPUSH", "batch", "x");  // wrong type: an error reply in place
    batch.emplace_back("GET", "no-batch");
    auto sending = c.pipeline(std::move(batch));
    auto replies = co_await std::move(sending);
    CHECK(replies && replies->size() == 5);
    if (!replies || replies->size() != 5) co_return;
    const auto& r = *replies;
    CHECK(r[0] == redis::value(redis::simple_string{"OK"}));
    CHECK(r[1].integer() == 42);
    CHECK(r[2] == redis::value(std::string("42")));
    CHECK(r[3].is_error() && r[3].text().rfind("WRONGTYPE", 0) == 0);
    CHECK(r[4].is_nil());
}

interop::task<void> publish_and_subscribe() {
    std::puts("pub/sub");
    redis::client c(options_for(port));
    auto subscribing = c.subscribe({"news", "weather"});
    auto sub = co_await std::move(subscribing);
    CHECK(sub.has_value());
    if (!sub) co_return;
    CHECK(sub->channel_count() == 2);
    for (int i = 0; i < 5; ++i) {
        auto pub = c.publish(i == 3 ? "weather" : "news", "message " + std::to_string(i));
        auto receivers = co_await std::move(pub);
        CHECK(receivers && *receivers == 1);
    }
    auto other = c.publish("sports", "nobody");
    auto none = co_await std::move(other);
    CHECK(none && *none == 0);
    for (int i = 0; i < 5; ++i) {
        auto next = interop::timeout(10s, sub->next());
        auto m = co_await std::move(next);
        CHECK(m && *m);
        if (!m || !*m) co_return;
        CHECK((*m)->channel == (i == 3 ? "weather" : "news"));
        CHECK((*m)->payload == "message " + std::to_string(i));
    }
    auto leaving = sub->unsubscribe();
    CHECK(co_await std::move(leaving));
    auto last = interop::timeout(10s, sub->next());
    auto end = co_await std::move(last);
    CHECK(end && !*end);  // the end, once the server confirmed
    CHECK(!sub->error());
    auto after = c.publish("news", "late");
    auto late = co_await std::move(after);
    CHECK(late && *late == 0);

    // An iterator like any other: interop's combinators take it.
    static_assert(interop::AsyncIterator<redis::subscription>);
    auto third = c.subscribe({"feed"});
    auto sub3 = co_await std::move(third);
    CHECK(sub3.has_value());
    if (!sub3) co_return;
    for (const char* text : {"a", "b", "c"}) {
        auto pub = c.publish("feed", text);
        CHECK(co_await std::move(pub));
    }
    auto payloads = std::move(*sub3) | interop::iter::take(2) |
                    interop::iter::map([](const redis::message& m) { return m.payload; }) |
                    interop::iter::collect();
    auto firsts = interop::timeout(10s, std::move(payloads));
    auto got = co_await std::move(firsts);
    CHECK(got && *got == std::vector<std::string>{"a", "b"});

    // A cancelled next() ends the iterator.
    auto fourth = c.subscribe({"quiet"});
    auto sub4 = co_await std::move(fourth);
    CHECK(sub4.has_value());
    if (!sub4) co_return;
    auto waiting = interop::timeout(100ms, sub4->next());
    auto cut_short = co_await std::move(waiting);
    // The cancelled next() answers the end, which timeout passes on.
    CHECK(cut_short && !*cut_short);
    auto after_cancel = sub4->next();
    auto nothing = co_await std::move(after_cancel);
    CHECK(!nothing);
    CHECK(sub4->error() == std::errc::operation_canceled);

    // The iterator ends when the server drops its connection.
    auto again = c.subscribe({"news"});
    auto sub2 = co_await std::move(again);
    CHECK(sub2.has_value());
    if (!sub2) co_return;
    auto kill = c.execute(redis::command("CLIENT", "KILL", "TYPE", "pubsub"));
    auto killed = co_await std::move(kill);
    CHECK(killed && killed->integer() >= 1);
    auto next = interop::timeout(10s, sub2->next());
    auto ended = co_await std::move(next);
    CHECK(ended && !*ended);
    CHECK(sub2->error() == redis::errc::connection_closed);
}

interop::task<void> reconnect_after_the_server_dropped_the_connection() {
    std::puts("reconnect");
    redis::client c(options_for(port));
    redis::client killer(options_for(port));
    auto s = c.set("survives", "yes");
    CHECK(co_await std::move(s));
    CHECK(c.connected() && c.connects() == 1);
    auto kill = killer.execute(redis::command("CLIENT", "KILL", "TYPE", "normal"));
    auto killed = co_await std::move(kill);
    CHECK(killed && killed->integer() >= 1);
    // The connection's reader sees the end of stream; the next call reconnects.
    for (int i = 0; i < 500 && c.connected(); ++i) (void)co_await interop::sleep_for(10ms);
    CHECK(!c.connected());
    auto g = c.get("survives");
    auto got = co_await std::move(g);
    CHECK(got && *got && **got == "yes");
    CHECK(c.connected() && c.connects() == 2);
}

interop::task<void> timeout_layer_and_a_blocked_call() {
    std::puts("timeout layer");
    auto opening = raw_connection();
    auto conn = co_await std::move(opening);
    CHECK(conn.has_value());
    if (!conn) co_return;
    auto svc = interop::stack(*conn, interop::timeout_layer(100ms));
    static_assert(interop::service<decltype(svc), redis::command>);
    const auto started = std::chrono::steady_clock::now();
    auto blocked = svc.call(redis::command("BLPOP", "nosuchlist", 2));
    auto r = co_await std::move(blocked);
    CHECK(!r && r.error() == std::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);  // before BLPOP gave up
    // The abandoned BLPOP's nil reply arrives after two seconds and is dropped: PING
    // gets its own PONG.
    auto ping = conn->call(redis::command("PING"));
    auto p = co_await std::move(ping);
    CHECK(p && *p == redis::value(redis::simple_string{"PONG"}));
    CHECK(conn->is_open() && conn->in_flight() == 0);

    // The same through a client whose command timeout is short.
    auto o = options_for(port);
    o.command_timeout = 100ms;
    redis::client c(o);
    auto b = c.execute(redis::command("BLPOP", "nosuchlist", 2));
    auto cr = co_await std::move(b);
    CHECK(!cr && cr.error() == std::errc::timed_out);
    // Pings time out too while the BLPOP blocks the connection on the server; once
    // its nil reply came (and was dropped), a ping gets its PONG on the same
    // connection.
    bool answered = false;
    for (int i = 0; i < 100 && !answered; ++i) {
        auto again = c.ping();
        auto ok = co_await std::move(again);
        answered = ok && *ok == "PONG";
        if (!answered) (void)co_await interop::sleep_for(100ms);
    }
    CHECK(answered);
    CHECK(c.connects() == 1);  // the connection stayed usable
}

interop::task<void> retry_layer_backs_off_on_refused_connections() {
    std::puts("retry layer");
    // A port with no server: bind one, take its number, close it.
    std::uint16_t dead = 0;
    {
        auto listening = interop::tcp_listener::bind("127.0.0.1:0");
        auto listener = co_await std::move(listening);
        CHECK(listener.has_value());
        if (!listener) co_return;
        auto local = listener->local_endpoint();
        CHECK(local.has_value());
        if (!local) co_return;
        dead = local->port;
    }
    auto o = options_for(dead);
    o.connect_retry.max_attempts = 4;
    o.connect_retry.first_backoff = 50ms;
    o.connect_retry.jitter = 0.0;
    redis::client c(o);
    const auto started = std::chrono::steady_clock::now();
    auto pinging = c.ping();
    auto p = co_await std::move(pinging);
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(!p && p.error() == std::errc::connection_refused);
    CHECK(waited >= 50ms + 100ms + 200ms);  // three back-offs: four attempts
    CHECK(c.connects() == 0);
}

// client_test.sh restarts the server on the same port once this test shut it down:
// the client's retry layer backs off on the refused connections until it is back.
interop::task<void> reconnect_after_the_server_restarted() {
    std::puts("server restart");
    auto o = options_for(port);
    o.command_timeout = 60s;
    o.connect_retry.max_attempts = 200;
    o.connect_retry.first_backoff = 20ms;
    o.connect_retry.max_backoff = 200ms;
    o.connect_retry.budget_burst = 200;
    redis::client c(o);
    auto pinging = c.ping();
    auto before = co_await std::move(pinging);
    CHECK(before && *before == "PONG");
    redis::client admin(options_for(port));
    auto shutting = admin.call(redis::command("SHUTDOWN", "NOSAVE"));
    auto shut = co_await std::move(shutting);
    CHECK(!shut);  // the server goes away without an answer
    for (int i = 0; i < 500 && c.connected(); ++i) (void)co_await interop::sleep_for(10ms);
    CHECK(!c.connected());
    auto again = c.ping();
    auto after = co_await std::move(again);
    CHECK(after && *after == "PONG");
    CHECK(c.connects() == 2);
}

interop::task<int> all() {
    auto t1 = typed_commands();
    co_await std::move(t1);
    auto t2 = error_replies();
    co_await std::move(t2);
    auto t3 = pipelining_from_many_tasks();
    co_await std::move(t3);
    auto t3b = commands_in_flight_together_go_out_in_one_write();
    co_await std::move(t3b);
    auto t4 = pipeline_batch();
    co_await std::move(t4);
    auto t5 = publish_and_subscribe();
    co_await std::move(t5);
    auto t6 = reconnect_after_the_server_dropped_the_connection();
    co_await std::move(t6);
    auto t7 = timeout_layer_and_a_blocked_call();
    co_await std::move(t7);
    auto t8 = retry_layer_backs_off_on_refused_connections();
    co_await std::move(t8);
    if (restart) {
        auto t9 = reconnect_after_the_server_restarted();
        co_await std::move(t9);
    }
    std::printf("%d failure(s)\n", failures);
    co_return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "--restart")) {
        std::fprintf(stderr, "usage: %s PORT [--restart]\n", argv[0]);
        return 2;
    }
    port = static_cast<std::uint16_t>(std::atoi(argv[1]));
    restart = argc == 3;
    return interop::run(all());
}
