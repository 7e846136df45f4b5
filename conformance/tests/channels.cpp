// Channels: back-pressure, close semantics, cancellation, wake-ups across threads
// and runtimes.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("channels: mpsc delivers items in order from several senders") {
    conf::run([]() -> task<void> {
        auto channel_1 = mpsc::unbounded<int>();
        auto& tx = channel_1.tx;
        auto& rx = channel_1.rx;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int sender_id = 0; sender_id < 3; ++sender_id) {
                s.spawn(
                    [](mpsc::sender<int> out, int id) -> task<void> {
                        for (int i = 0; i < 100; ++i) {
                            auto sent = co_await out.send(id * 1000 + i);
                            CHECK(sent.has_value());
                            if (i % 10 == 0) (void)co_await yield_now();
                        }
                    },
                    tx, sender_id);
            }
            co_return;
        });
        { auto drop = std::move(tx); }
        std::vector<int> last(3, -1);
        int count = 0;
        while (auto v = co_await rx.next()) {
            const int id = *v / 1000;
            CHECK(*v % 1000 == last[static_cast<std::size_t>(id)] + 1);  // per-sender order
            last[static_cast<std::size_t>(id)] = *v % 1000;
            ++count;
        }
        CHECK(count == 300);
    });
}

TEST_CASE("channels: a bounded send waits while the channel is full") {
    conf::run([]() -> task<void> {
        auto channel_2 = mpsc::bounded<int>(2);
        auto& tx = channel_2.tx;
        auto& rx = channel_2.rx;
        CHECK((co_await tx.send(1)).has_value());
        CHECK((co_await tx.send(2)).has_value());
        auto third = tx.try_send(3);
        CHECK(third.is(std::errc::resource_unavailable_try_again));
        CHECK(third.take_value() == 3);
        bool sent = false;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](mpsc::sender<int>* out, bool* done) -> task<void> {
                    auto r = co_await out->send(3);
                    *done = r.has_value();
                },
                &tx, &sent);
            (void)co_await sleep_for(5ms);
            CHECK_FALSE(sent);  // still waiting: the channel is full
            auto first = co_await rx.recv();
            CHECK(first.value() == std::optional<int>(1));
        });
        CHECK(sent);
        CHECK((co_await rx.recv()).value() == std::optional<int>(2));
        CHECK((co_await rx.recv()).value() == std::optional<int>(3));
    });
}

TEST_CASE("channels: a cancelled receive loses no item") {
    conf::run([]() -> task<void> {
        auto channel_3 = mpsc::bounded<int>(4);
        auto& tx = channel_3.tx;
        auto& rx = channel_3.rx;
        auto r = co_await timeout(2ms, rx.recv());
        CHECK(r.is(std::errc::timed_out));
        CHECK((co_await tx.send(7)).has_value());
        auto v = co_await rx.recv();
        CHECK(v.value() == std::optional<int>(7));
    });
}

TEST_CASE("channels: a cancelled send gives the value back") {
    conf::run([]() -> task<void> {
        auto channel_4 = mpsc::bounded<std::string>(1);
        auto& tx = channel_4.tx;
        auto& rx = channel_4.rx;
        CHECK((co_await tx.send("fills")).has_value());
        std::string returned;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](mpsc::sender<std::string>* out, std::string* back) -> task<void> {
                    auto r = co_await out->send("waits");
                    CHECK(r.is(std::errc::operation_canceled));
                    *back = r.take_value();
                },
                &tx, &returned);
            (void)co_await sleep_for(2ms);
            s.cancel();
            co_return;
        });
        CHECK(returned == "waits");
        CHECK((co_await rx.recv()).value() == std::optional<std::string>("fills"));
    });
}

TEST_CASE("channels: buffered items drain before the end is reported") {
    conf::run([]() -> task<void> {
        auto channel_5 = mpsc::bounded<int>(8);
        auto& tx = channel_5.tx;
        auto& rx = channel_5.rx;
        for (int i = 0; i < 3; ++i) (void)co_await tx.send(i);
        tx.reset();
        std::vector<int> got;
        while (auto v = co_await rx.next()) got.push_back(*v);
        const std::vector<int> expected{0, 1, 2};
        CHECK(got == expected);
        CHECK_FALSE((co_await rx.next()).has_value());
    });
}

TEST_CASE("channels: resetting the last mpsc sender ends the stream; the reset sender is closed") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::unbounded<int>();
        auto second = ch.tx;
        (void)co_await ch.tx.send(1);
        ch.tx.reset();
        CHECK(ch.tx.is_closed());
        auto refused = co_await ch.tx.send(2);
        CHECK(refused.is(channel_errc::closed));
        CHECK(refused.take_value() == 2);
        CHECK(ch.tx.try_send(3).is(channel_errc::closed));
        ch.tx.reset();  // twice: nothing happens
        auto copy_of_empty = ch.tx;
        CHECK(copy_of_empty.is_closed());
        // Another sender is alive: the receiver waits for it rather than ending.
        CHECK(*co_await ch.rx.next() == 1);
        auto pending = co_await timeout(20ms, ch.rx.recv());
        CHECK(pending.is(std::errc::timed_out));
        (void)co_await second.send(4);
        second.reset();
        CHECK(*co_await ch.rx.next() == 4);
        CHECK_FALSE((co_await ch.rx.next()).has_value());
    });
}

TEST_CASE("channels: a send on a closed channel returns the value") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::bounded<std::string>(1);
        ch.rx.close();
        auto r = co_await ch.tx.send("kept");
        CHECK(r.is(channel_errc::closed));
        CHECK(r.take_value() == "kept");
        auto ch2 = mpsc::unbounded<int>();
        { auto drop = std::move(ch2.rx); }
        auto r2 = co_await ch2.tx.send(5);
        CHECK(r2.is(channel_errc::closed));
        CHECK(ch2.tx.is_closed());
    });
}

TEST_CASE("channels: a capacity of 0 is rejected") {
    CHECK_THROWS_AS(mpsc::bounded<int>(0), std::invalid_argument);
    CHECK_THROWS_AS(broadcast::make<int>(0), std::invalid_argument);
}

TEST_CASE("channels: a dropped oneshot end is seen by the other") {
    conf::run([]() -> task<void> {
        auto a = oneshot::make<int>();
        { auto drop = std::move(a.tx); }
        auto r = co_await a.rx.recv();
        CHECK(r.is(channel_errc::closed));

        auto b = oneshot::make<int>();
        CHECK_FALSE(b.tx.is_closed());
        { auto drop = std::move(b.rx); }
        CHECK(b.tx.is_closed());
        auto s = b.tx.send(1);
        CHECK(s.is(channel_errc::closed));
        CHECK(s.take_value() == 1);

        auto c = oneshot::make<int>();
        co_await with_scope([&](scope& sc) -> task<void> {
            sc.spawn(
                [](oneshot::sender<int> tx) -> task<void> {
                    (void)co_await sleep_for(1ms);
                    (void)tx.send(42);
                },
                std::move(c.tx));
            auto v = co_await c.rx;
            CHECK(v.value() == 42);
        });
    });
}

TEST_CASE("channels: broadcast delivers every item to every receiver and reports lag") {
    conf::run([]() -> task<void> {
        auto channel_6 = broadcast::make<int>(4);
        auto& tx = channel_6.tx;
        auto& rx1 = channel_6.rx;
        auto rx2 = tx.subscribe();
        for (int i = 0; i < 3; ++i) CHECK(tx.send(i).has_value());
        for (int i = 0; i < 3; ++i) {
            CHECK((co_await rx1.recv()).value() == std::optional<int>(i));
            CHECK((co_await rx2.recv()).value() == std::optional<int>(i));
        }
        for (int i = 3; i < 10; ++i) (void)tx.send(i);  // rx1 falls 7 behind a ring of 4
        auto lag = co_await rx1.recv();
        CHECK(lag.is(channel_errc::lagged));
        CHECK(rx1.missed() == 3);
        CHECK((co_await rx1.recv()).value() == std::optional<int>(6));
        { auto drop = std::move(tx); }
        std::vector<int> rest;
        while (auto v = co_await rx1.next()) rest.push_back(*v);
        const std::vector<int> expected{7, 8, 9};
        CHECK(rest == expected);
    });
}

TEST_CASE("channels: watch receivers see the latest value") {
    conf::run([]() -> task<void> {
        auto channel_7 = watch::make<int>(0);
        auto& tx = channel_7.tx;
        auto& rx = channel_7.rx;
        auto first = co_await rx.next();
        CHECK(first == std::optional<int>(0));
        (void)tx.send(1);
        (void)tx.send(2);
        auto latest = co_await rx.next();
        CHECK(latest == std::optional<int>(2));  // the intermediate 1 is skipped
        auto waited = co_await timeout(2ms, rx.changed());
        CHECK(waited.is(std::errc::timed_out));
        { auto drop = std::move(tx); }
        CHECK_FALSE((co_await rx.next()).has_value());
    });
}

TEST_CASE("channels: wake-ups work across threads") {
    conf::run([]() -> task<void> {
        auto channel_8 = mpsc::bounded<int>(1);
        auto& tx = channel_8.tx;
        auto& rx = channel_8.rx;
        std::thread producer([tx = std::move(tx)]() mutable {
            for (int i = 0; i < 1000; ++i) {
                for (;;) {
                    auto r = tx.try_send(i);
                    if (r) break;
                    std::this_thread::yield();
                }
            }
        });
        long sum = 0;
        int n = 0;
        while (auto v = co_await rx.next()) {
            sum += *v;
            ++n;
        }
        producer.join();
        CHECK(n == 1000);
        CHECK(sum == 999L * 1000 / 2);
    });
}

TEST_CASE("channels: a channel works across two runtimes on two threads") {
    conf::hang_guard guard;
    auto producer_rt = conf::make_runtime();
    auto consumer_rt = conf::make_runtime();
    auto channel_9 = mpsc::bounded<int>(4);
    auto& tx = channel_9.tx;
    auto& rx = channel_9.rx;
    std::thread producer([&, tx = std::move(tx)]() mutable {
        interop::run(producer_rt->ref(), [](mpsc::sender<int> out) -> task<void> {
            for (int i = 0; i < 500; ++i) {
                auto r = co_await out.send(i);
                REQUIRE(r.has_value());
            }
        }(std::move(tx)));
    });
    runtime_ref consumer_ref = consumer_rt->ref();
    const int received =
        interop::run(consumer_ref, [](mpsc::receiver<int> in, runtime_ref self) -> task<int> {
            int expected = 0;
            while (auto v = co_await in.next()) {
                CHECK(*v == expected);
                CHECK(self.vtable->in_runtime_thread(self.self));  // resumed on our own runtime
                ++expected;
            }
            co_return expected;
        }(std::move(rx), consumer_ref));
    producer.join();
    CHECK(received == 500);
}
