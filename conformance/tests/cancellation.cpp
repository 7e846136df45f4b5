// Cancellation: stop requests flow down, pending operations complete with
// operation_canceled, and nothing is lost or orphaned.
#include <atomic>
#include <optional>
#include <stdexcept>
#include <vector>

#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {
task<io_result<void>> long_sleep() { co_return co_await sleep_for(24h); }
}  // namespace

TEST_CASE("cancellation: cancelling a task completes its pending sleep with operation_canceled") {
    conf::run([]() -> task<void> {
        // The join reports operation_canceled for any cancelled task; what the sleep
        // itself returned is recorded by the task.
        event sleeping;
        std::optional<io_result<void>> slept;
        auto h = co_await spawn([&]() -> task<void> {
            sleeping.set();
            slept = co_await sleep_for(24h);
        });
        (void)co_await sleeping.wait();
        h.cancel();
        auto r = co_await h;
        CHECK(r.is(std::errc::operation_canceled));
        REQUIRE(slept.has_value());
        CHECK(slept->is(std::errc::operation_canceled));
    });
}

TEST_CASE(
    "cancellation: cancelling a task wakes its joiner; cancelling a finished task is a no-op") {
    conf::run([]() -> task<void> {
        auto done = co_await spawn([]() -> task<int> { co_return 5; });
        while (!done.done()) (void)co_await yield_now();
        done.cancel();
        auto v = co_await done;
        REQUIRE(v.has_value());
        CHECK(*v == 5);
    });
}

TEST_CASE("cancellation: a cancelled parent cancels its children, never the reverse") {
    conf::run([]() -> task<void> {
        // Cancelling a child scope leaves the parent running.
        co_await with_scope([](scope& outer) -> task<void> {
            co_await with_scope([](scope& inner) -> task<void> {
                inner.spawn(long_sleep());
                inner.cancel();
                co_return;
            });
            CHECK_FALSE(outer.cancelled());
            auto still_works = co_await sleep_for(1ms);
            CHECK(still_works.has_value());
        });
        // Cancelling the parent reaches grandchildren through nested scopes. (The
        // join says operation_canceled for any cancelled task: the grandchildren count
        // what their sleeps returned themselves.)
        std::atomic<int> cancelled{0};
        latch sleeping(3);
        auto h = co_await spawn([&]() -> task<void> {
            co_await with_scope([&](scope& s) -> task<void> {
                s.spawn([&]() -> task<void> {
                    co_await with_scope([&](scope& nested) -> task<void> {
                        for (int i = 0; i < 3; ++i) {
                            nested.spawn([&]() -> task<void> {
                                sleeping.count_down();
                                auto r = co_await sleep_for(24h);
                                if (r.is(std::errc::operation_canceled)) cancelled.fetch_add(1);
                            });
                        }
                        co_return;
                    });
                });
                co_return;
            });
        });
        (void)co_await sleeping.wait();
        h.cancel();
        auto r = co_await h;
        CHECK(r.is(std::errc::operation_canceled));
        CHECK(cancelled.load() == 3);
    });
}

TEST_CASE("cancellation: a child of an already-cancelled parent starts cancelled") {
    conf::run([]() -> task<void> {
        co_await with_scope([](scope& s) -> task<void> {
            s.cancel();
            s.spawn([]() -> task<void> {
                auto r = co_await sleep_for(24h);
                CHECK(r.is(std::errc::operation_canceled));
            });
            co_return;
        });
    });
}

TEST_CASE("cancellation: a cancellation request is observed at the task's next suspension point") {
    conf::run([]() -> task<void> {
        co_await with_scope([](scope& s) -> task<void> {
            s.cancel();
            // Work without suspension points is not interrupted...
            int counted = 0;
            for (int i = 0; i < 1000; ++i) ++counted;
            CHECK(counted == 1000);
            // ...and the next suspension point reports the cancellation.
            auto r = co_await yield_now();
            CHECK(r.has_value());  // a yield is not an operation that can fail
            auto slept = co_await sleep_for(1h);
            CHECK(slept.is(std::errc::operation_canceled));
        });
    });
}

TEST_CASE("cancellation: leaving a scope waits for every child") {
    std::atomic<int> finished{0};
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 1; i <= 5; ++i) {
                s.spawn(
                    [](std::atomic<int>* n, int ms) -> task<void> {
                        (void)co_await sleep_for(std::chrono::milliseconds(ms));
                        ++*n;
                    },
                    &finished, i);
            }
            co_return;
        });
        CHECK(finished.load() == 5);
    });
    CHECK(finished.load() == 5);
}

TEST_CASE("cancellation: a child's failure cancels its siblings and reaches the scope's owner") {
    conf::run([]() -> task<void> {
        bool sibling_cancelled = false;
        bool body_cancelled = false;
        CHECK_THROWS_WITH_AS(co_await with_scope([&](scope& s) -> task<void> {
                                 s.spawn(
                                     [](bool* flag) -> task<void> {
                                         auto r = co_await sleep_for(24h);
                                         *flag = r.is(std::errc::operation_canceled);
                                     },
                                     &sibling_cancelled);
                                 s.spawn([]() -> task<void> {
                                     (void)co_await sleep_for(1ms);
                                     throw std::runtime_error("child failed");
                                 });
                                 auto r = co_await sleep_for(24h);
                                 body_cancelled = r.is(std::errc::operation_canceled);
                             }),
                             "child failed", std::runtime_error);
        CHECK(sibling_cancelled);
        CHECK(body_cancelled);
    });
}

TEST_CASE("cancellation: when_any cancels the losers and awaits them before returning") {
    conf::run([]() -> task<void> {
        bool loser_finished = false;
        auto winner = co_await when_any(
            []() -> task<int> {
                (void)co_await sleep_for(1ms);
                co_return 1;
            }(),
            [](bool* flag) -> task<int> {
                auto r = co_await sleep_for(24h);
                *flag = r.is(std::errc::operation_canceled);
                co_return 2;
            }(&loser_finished));
        CHECK(winner.index() == 0);
        CHECK(std::get<0>(winner) == 1);
        CHECK(loser_finished);
    });
}

TEST_CASE("cancellation: cancelling a task cancels its pending read, which consumes no bytes") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        REQUIRE(client.has_value());
        auto server = co_await conf::accept(*listener);
        REQUIRE(server.has_value());

        auto reader = co_await spawn(
            [](tcp_stream* s) -> task<io_result<std::size_t>> {
                char buf[16];
                co_return co_await s->read(buf);
            },
            &*server);
        (void)co_await sleep_for(2ms);
        reader.cancel();
        auto r = co_await reader;
        CHECK(r.is(std::errc::operation_canceled));

        CHECK((co_await conf::write_text(*client, "hello")).has_value());
        CHECK((co_await conf::read_text(*server, 5)).value() == "hello");
    });
}

TEST_CASE(
    "cancellation: after a timeout cancels a read, the stream still works and the next read gets "
    "the data") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        auto server = co_await conf::accept(*listener);
        REQUIRE(server.has_value());
        char buf[16];
        auto r = co_await timeout(5ms, server->read(buf));
        CHECK(r.is(std::errc::timed_out));
        CHECK((co_await conf::write_text(*client, "late")).has_value());
        auto n = co_await timeout(5s, conf::read_text(*server, 4));
        CHECK(n.value() == "late");
    });
}

TEST_CASE(
    "cancellation: cancelling a pending accept and connecting afterwards loses no connection") {
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        REQUIRE(listener.has_value());
        auto first = co_await timeout(2ms, conf::accept(*listener));
        CHECK(first.is(std::errc::timed_out));
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        REQUIRE(client.has_value());
        auto accepted = co_await timeout(5s, conf::accept(*listener));
        CHECK(accepted.has_value());
    });
}

TEST_CASE(
    "cancellation: a task cancelled before connect completes sees operation_canceled or a "
    "connection") {
    conf::run([]() -> task<void> {
        // Cancelled before it starts: refused at once.
        auto listener = co_await tcp_listener::bind(conf::loopback_v4(), 1);
        REQUIRE(listener.has_value());
        const endpoint ep = listener->local_endpoint().value();
        co_await with_scope([&](scope& s) -> task<void> {
            s.cancel();
            auto c = co_await tcp_stream::connect(ep);
            CHECK(c.is(std::errc::operation_canceled));
        });
        // Cancelled while it waits for the peer: a listener whose backlog is full (it
        // accepts nothing) drops the next handshake, so that connect waits until
        // timeout() cancels it, and then reports nothing but the cancellation.
        std::vector<tcp_stream> queued;
        bool cancelled_while_waiting = false;
        for (int i = 0; i < 16 && !cancelled_while_waiting; ++i) {
            auto c = co_await timeout(200ms, tcp_stream::connect(ep));
            if (c) {
                queued.push_back(std::move(*c));
            } else {
                CHECK(c.is(std::errc::timed_out));
                cancelled_while_waiting = true;
            }
        }
        CHECK(cancelled_while_waiting);
        // The half-made connection was released: the listener still accepts the queued ones.
        for (std::size_t i = 0; i < queued.size(); ++i) {
            auto accepted = co_await timeout(5s, conf::accept(*listener));
            CHECK(accepted.has_value());
        }
    });
}
