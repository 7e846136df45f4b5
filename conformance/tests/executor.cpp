// Executor and spawn: how tasks start, finish, and hand back their results.
#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

task<int> forty_two() { co_return 42; }

task<int> add_one(int x) { co_return x + 1; }

task<int> recursive_spawn(int depth) {
    if (depth == 0) co_return 0;
    auto child = co_await spawn(recursive_spawn(depth - 1));
    auto r = co_await child;
    co_return r.value() + 1;
}

task<void> throws_logic_error() {
    (void)co_await yield_now();
    throw std::logic_error("boom");
}

}  // namespace

TEST_CASE("executor: a task started from main runs to completion") {
    CHECK(conf::run([]() -> task<int> { co_return co_await forty_two(); }) == 42);
}

TEST_CASE("executor: a recursive chain of 1,000 spawned tasks all complete") {
    CHECK(conf::run([]() -> task<int> { co_return co_await recursive_spawn(1000); }) == 1000);
}

TEST_CASE("executor: a join handle delivers the task's value") {
    conf::run([]() -> task<void> {
        auto handle = co_await spawn(add_one(1));
        auto value = co_await handle;
        REQUIRE(value.has_value());
        CHECK(*value == 2);
    });
}

TEST_CASE("executor: 100,000 spawned tasks complete and their frames are released") {
    const auto before = frame_stats().live_frames;
    std::atomic<int> finished{0};
    conf::run([&]() -> task<void> {
        std::vector<join_handle<void>> handles;
        handles.reserve(100000);
        for (int i = 0; i < 100000; ++i) {
            handles.push_back(co_await spawn(
                [](std::atomic<int>* n) -> task<void> {
                    n->fetch_add(1);
                    co_return;
                },
                &finished));
        }
        for (auto& h : handles) (void)co_await h;
    });
    CHECK(finished.load() == 100000);
    CHECK(frame_stats().live_frames == before);
}

TEST_CASE("executor: an exception in a spawned task reaches its joiner and others keep going") {
    conf::run([]() -> task<void> {
        auto failing = co_await spawn(throws_logic_error());
        auto healthy = co_await spawn(add_one(41));
        CHECK_THROWS_AS((void)co_await failing, std::logic_error);
        auto v = co_await healthy;
        CHECK(v.value() == 42);
    });
}

TEST_CASE("executor: an exception from the root task is rethrown by run") {
    CHECK_THROWS_WITH_AS(conf::run([]() -> task<void> { co_await throws_logic_error(); }), "boom",
                         std::logic_error);
}

TEST_CASE("executor: a yielding task lets every other ready task run before it runs twice") {
    INTEROP_REQUIRE_SINGLE_THREADED();
    std::vector<int> order;
    conf::run([&]() -> task<void> {
        co_await with_scope([&](scope& s) -> task<void> {
            for (int id = 0; id < 3; ++id) {
                s.spawn(
                    [](std::vector<int>* log, int me) -> task<void> {
                        for (int round = 0; round < 3; ++round) {
                            log->push_back(me);
                            (void)co_await yield_now();
                        }
                    },
                    &order, id);
            }
            co_return;
        });
    });
    REQUIRE(order.size() == 9);
    for (std::size_t round = 0; round < 3; ++round) {
        std::vector<int> slice(order.begin() + static_cast<long>(round * 3),
                               order.begin() + static_cast<long>(round * 3 + 3));
        std::sort(slice.begin(), slice.end());
        CHECK(slice == std::vector<int>{0, 1, 2});
    }
}

TEST_CASE("executor: tasks that keep yielding hold up neither a timer nor a read") {
    // The queue is never empty while they yield: the runtime must still look for
    // timers and I/O now and then, not only when it runs out of work.
    std::atomic<bool> stop{false};
    std::atomic<long> yields{0};
    std::string got;
    conf::run([&]() -> task<void> {
        auto pair = co_await conf::connect_loopback();
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                s.spawn(
                    [](std::atomic<bool>* until, std::atomic<long>* count) -> task<void> {
                        while (!until->load()) {
                            (void)co_await yield_now();
                            count->fetch_add(1);
                        }
                    },
                    &stop, &yields);
            }
            const long before_sleep = yields.load();
            (void)co_await sleep_for(5ms);
            CHECK(yields.load() > before_sleep);  // they kept the runtime busy meanwhile
            auto sent = co_await conf::write_text(pair.client, "ping");
            CHECK(sent.has_value());
            auto text = co_await conf::read_text(pair.server, 4);
            if (text) got = *text;
            stop = true;
        });
    });
    CHECK(got == "ping");
}

TEST_CASE(
    "executor: a chain of 1,000,000 synchronously completing awaits does not grow the stack") {
    // With the default 8 MiB stack this overflows unless every await continues
    // without nesting, including in unoptimised and sanitizer builds.
    auto sum = conf::run([]() -> task<long> {
        long total = 0;
        for (int i = 0; i < 1000000; ++i) total += co_await add_one(0);
        co_return total;
    });
    CHECK(sum == 1000000);
}

TEST_CASE("executor: a steady-state loop of awaits allocates no new frames") {
    conf::run([]() -> task<void> {
        for (int i = 0; i < 1000; ++i) (void)co_await add_one(i);  // warm the frame cache
        const auto before = frame_stats().heap_allocations;
        for (int i = 0; i < 100000; ++i) (void)co_await add_one(i);
        CHECK(frame_stats().heap_allocations == before);
    });
}

TEST_CASE("executor: run called from inside a runtime thread is rejected with a clear error") {
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    runtime_ref ref = rt->ref();
    bool rejected = false;
    interop::run(ref, [](runtime_ref r, bool* flag) -> task<void> {
        try {
            interop::run(r, forty_two());
        } catch (const std::logic_error&) {
            *flag = true;
        }
        co_return;
    }(ref, &rejected));
    CHECK(rejected);
}

TEST_CASE(
    "executor: blocking on another runtime or with sync_wait from inside a runtime thread is "
    "rejected with a clear error") {
    auto rt = conf::make_runtime();
    auto other = conf::make_runtime();
    conf::hang_guard guard;
    int rejected = 0;
    interop::run(rt->ref(), [](runtime_ref second, int* count) -> task<void> {
        try {
            (void)interop::run(second, forty_two());
        } catch (const std::logic_error& e) {
            CHECK(std::string(e.what()).find("interop::run") != std::string::npos);
            ++*count;
        }
        try {
            (void)sync_wait(forty_two());
        } catch (const std::logic_error& e) {
            CHECK(std::string(e.what()).find("interop::sync_wait") != std::string::npos);
            ++*count;
        }
        co_return;
    }(other->ref(), &rejected));
    CHECK(rejected == 2);
    // Outside any runtime thread both work.
    CHECK(interop::run(other->ref(), forty_two()) == 42);
}

TEST_CASE("executor: spawn from a foreign OS thread reaches an idle runtime") {
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    runtime_ref ref = rt->ref();
    std::atomic<bool> ran{false};
    interop::run(ref, [](runtime_ref r, std::atomic<bool>* flag) -> task<void> {
        // The root waits (idle, nothing runnable) for work spawned from another thread.
        std::atomic<bool> spawned{false};
        std::thread foreign([&] {
            auto h = spawn(
                r,
                [](std::atomic<bool>* f) -> task<void> {
                    f->store(true);
                    co_return;
                },
                flag);
            h.detach();
            spawned = true;
        });
        while (!flag->load()) (void)co_await sleep_for(1ms);
        foreign.join();
        CHECK(spawned.load());
    }(ref, &ran));
    CHECK(ran.load());
}

TEST_CASE(
    "executor: spawned tasks still running when the root finishes are cancelled, then destroyed "
    "once") {
    std::atomic<int> destroyed{0};
    struct counts_destruction {
        std::atomic<int>* n;
        ~counts_destruction() { n->fetch_add(1); }
    };
    conf::run([&]() -> task<void> {
        for (int i = 0; i < 10; ++i) {
            auto h = co_await spawn(
                [](std::atomic<int>* n) -> task<void> {
                    counts_destruction local{n};
                    auto slept = co_await sleep_for(24h);
                    CHECK(slept.is(std::errc::operation_canceled));
                },
                &destroyed);
            h.detach();
        }
        co_return;
    });
    CHECK(destroyed.load() == 10);
}

TEST_CASE("executor: spawning after shutdown reports operation_canceled") {
    auto rt = conf::make_runtime();
    runtime_ref ref = rt->ref();
    conf::hang_guard guard;
    // A task detached during the run tries to spawn once the run is shutting down.
    std::atomic<bool> reported{false};
    interop::run(ref, [](std::atomic<bool>* flag) -> task<void> {
        auto h = co_await spawn(
            [](std::atomic<bool>* f) -> task<void> {
                (void)co_await sleep_for(24h);  // cancelled by the shutdown
                auto late = co_await spawn(forty_two());
                auto r = co_await late;
                f->store(r.is(std::errc::operation_canceled));
            },
            flag);
        h.detach();
        co_return;
    }(&reported));
    CHECK(reported.load());
}

TEST_CASE("executor: detaching a handle lets the task run to completion") {
    std::atomic<bool> done{false};
    conf::run([&]() -> task<void> {
        {
            auto h = co_await spawn(
                [](std::atomic<bool>* d) -> task<void> {
                    (void)co_await yield_now();
                    d->store(true);
                },
                &done);
        }  // handle destroyed: detached, not cancelled
        while (!done.load()) (void)co_await yield_now();
    });
    CHECK(done.load());
}

namespace {

// The other task of the fairness behaviours below: counts the turns it gets until *done.
task<void> count_turns_until(const bool* done, int* turns) {
    while (!*done) {
        ++*turns;
        (void)co_await yield_now();
    }
}

}  // namespace

TEST_CASE("executor: a task whose reads always complete at once still lets other tasks run") {
    INTEROP_REQUIRE_SINGLE_THREADED();
    conf::run([]() -> task<void> {
        auto listener = co_await tcp_listener::bind(conf::loopback_v4());
        auto client = co_await tcp_stream::connect(listener->local_endpoint().value());
        auto server = co_await conf::accept(*listener);
        REQUIRE(server.has_value());
        const std::vector<std::byte> data(4096, std::byte{1});
        (void)co_await write_all(*client, data);
        (void)co_await sleep_for(5ms);  // all of it is waiting in the socket now
        bool reader_done = false;
        int other_turns_during_read = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* srv, bool* done) -> task<void> {
                    std::byte one[1];
                    for (int i = 0; i < 4096; ++i)
                        (void)co_await srv->read(one);  // each completes at once
                    *done = true;
                },
                &*server, &reader_done);
            s.spawn(count_turns_until, &reader_done, &other_turns_during_read);
            co_return;
        });
        CHECK(other_turns_during_read > 1);
    });
}

TEST_CASE("executor: a task whose writes always complete at once still lets other tasks run") {
    INTEROP_REQUIRE_SINGLE_THREADED();
    conf::run([]() -> task<void> {
        auto pair = co_await conf::connect_loopback();
        bool writer_done = false;
        int other_turns_during_writes = 0;
        std::size_t written = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](tcp_stream* cl, bool* done, std::size_t* total) -> task<void> {
                    const std::byte one[1] = {std::byte{7}};
                    // 4096 bytes fit in the send buffer: each write_all completes at once.
                    for (int i = 0; i < 4096; ++i) {
                        auto n = co_await write_all(*cl, one);
                        *total += n.value_or(0);
                    }
                    *done = true;
                },
                &pair.client, &writer_done, &written);
            s.spawn(count_turns_until, &writer_done, &other_turns_during_writes);
            co_return;
        });
        CHECK(written == 4096);
        CHECK(other_turns_during_writes > 1);
    });
}

TEST_CASE("executor: a receiver that always finds an item still lets other tasks run") {
    INTEROP_REQUIRE_SINGLE_THREADED();
    conf::run([]() -> task<void> {
        auto channel_1 = mpsc::unbounded<int>();
        auto& tx = channel_1.tx;
        auto& rx = channel_1.rx;
        for (int i = 0; i < 5000; ++i) (void)tx.try_send(i);
        bool consumer_done = false;
        int other_turns = 0;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](mpsc::receiver<int>* in, bool* done) -> task<void> {
                    for (int i = 0; i < 5000; ++i) (void)co_await in->recv();
                    *done = true;
                },
                &rx, &consumer_done);
            s.spawn(count_turns_until, &consumer_done, &other_turns);
            co_return;
        });
        CHECK(other_turns > 1);
    });
}

TEST_CASE("executor: run takes a callable and its arguments, kept alive for the task") {
    auto rt = conf::make_runtime();
    conf::hang_guard guard;
    auto owned = std::make_unique<int>(40);
    // A capturing lambda, a move-only argument and a copied one: no immediately
    // invoked lambda, and nothing dangles while the task waits.
    const int total = interop::run(
        rt->ref(),
        [base = std::string("x")](std::unique_ptr<int> p, int extra) -> task<int> {
            (void)co_await sleep_for(1ms);
            co_return *p + extra + static_cast<int>(base.size());
        },
        std::move(owned), 1);
    CHECK(total == 42);
}

TEST_CASE("executor: awaiting an empty, moved-from or detached join handle is a logic error") {
    conf::run([]() -> task<void> {
        join_handle<int> empty;
        CHECK_THROWS_AS((void)co_await empty, std::logic_error);
        auto original = co_await spawn(forty_two());
        auto moved = std::move(original);
        // NOLINTNEXTLINE(bugprone-use-after-move): awaiting the moved-from handle is the point
        CHECK_THROWS_AS((void)co_await original, std::logic_error);
        auto value = co_await moved;
        CHECK(value.value() == 42);
        auto detached = co_await spawn(forty_two());
        detached.detach();
        CHECK_THROWS_AS((void)co_await detached, std::logic_error);
    });
}

TEST_CASE("executor: joining a task that returns io_result<T> gives io_result<T>, not nested") {
    conf::run([]() -> task<void> {
        auto ok = co_await spawn([]() -> task<io_result<int>> { co_return 5; });
        auto failed =
            co_await spawn([]() -> task<io_result<int>> { co_return std::errc::connection_reset; });
        auto cancelled = co_await spawn([]() -> task<io_result<int>> {
            (void)co_await sleep_for(24h);
            co_return 0;
        });
        cancelled.cancel();
        auto a = co_await ok;
        auto b = co_await failed;
        auto c = co_await cancelled;
        static_assert(std::is_same_v<decltype(a), io_result<int>>);
        CHECK(a.value() == 5);
        CHECK(b.is(std::errc::connection_reset));
        CHECK(c.is(std::errc::operation_canceled));
    });
}
