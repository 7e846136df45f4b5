// interop::stop_source, stop_token and stop_callback: the std::stop_token contract,
// in place and without allocating.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <thread>
#include <vector>

#include "interop/conformance/heap.hpp"
#include "interop/stop_token.hpp"

using interop::stop_callback;
using interop::stop_source;
using interop::stop_token;

namespace {

struct counter {
    int* count;
    void operator()() const noexcept { ++*count; }
};

// A callback type that can be named (for std::optional and std::unique_ptr) and runs
// whatever it is given.
struct action {
    std::function<void()> body;
    void operator()() const noexcept { body(); }
};

}  // namespace

TEST_CASE(
    "stop_token: request_stop runs each callback once, on the calling thread, and says who won") {
    stop_source source;
    int a = 0;
    int b = 0;
    std::thread::id ran_on;
    stop_callback first(source.get_token(), counter{&a});
    stop_callback second(source.get_token(), counter{&b});
    stop_callback where(source.get_token(),
                        [&ran_on]() noexcept { ran_on = std::this_thread::get_id(); });
    CHECK_FALSE(source.stop_requested());
    CHECK(source.request_stop());
    CHECK(source.stop_requested());
    CHECK(source.get_token().stop_requested());
    CHECK(a == 1);
    CHECK(b == 1);
    CHECK(ran_on == std::this_thread::get_id());
    CHECK_FALSE(source.request_stop());
    CHECK(a == 1);
}

TEST_CASE(
    "stop_token: a callback registered after the request runs at once; a removed one never runs") {
    stop_source source;
    int removed = 0;
    { stop_callback gone(source.get_token(), counter{&removed}); }
    source.request_stop();
    CHECK(removed == 0);
    int late = 0;
    stop_callback after(source.get_token(), counter{&late});
    CHECK(late == 1);
    CHECK_FALSE(after.attached());
}

TEST_CASE("stop_token: a default token is never stopped and its callbacks never run") {
    stop_token none;
    CHECK_FALSE(none.stop_possible());
    CHECK_FALSE(none.stop_requested());
    int count = 0;
    stop_callback cb(none, counter{&count});
    CHECK_FALSE(cb.attached());
    CHECK(count == 0);
    stop_source source;
    CHECK(source.get_token().stop_possible());
    CHECK(source.get_token() == source.get_token());
    CHECK_FALSE(source.get_token() == none);
}

TEST_CASE("stop_token: a callback may destroy itself, or one that has not run yet, while it runs") {
    stop_source source;
    std::optional<stop_callback<action>> self;
    std::optional<stop_callback<counter>> victim;
    int victim_runs = 0;
    bool self_ran = false;
    // Callbacks run newest first: `self` is registered last, so it runs before `victim`.
    victim.emplace(source.get_token(), counter{&victim_runs});
    self.emplace(source.get_token(), action{[&] {
                     self_ran = true;
                     victim.reset();
                     self.reset();
                 }});
    source.request_stop();
    CHECK(self_ran);
    CHECK_FALSE(self.has_value());
    CHECK(victim_runs == 0);
}

TEST_CASE("stop_token: destroying a callback waits while it runs on another thread") {
    stop_source source;
    std::atomic<bool> entered{false};
    std::atomic<bool> release{false};
    std::atomic<bool> returned{false};
    auto cb = std::make_unique<stop_callback<action>>(source.get_token(), action{[&] {
                                                          entered.store(true);
                                                          while (!release.load())
                                                              std::this_thread::yield();
                                                          returned.store(true);
                                                      }});
    std::thread requester([&] { source.request_stop(); });
    while (!entered.load()) std::this_thread::yield();
    std::atomic<bool> destroyed{false};
    std::thread destroyer([&] {
        cb.reset();
        // The callback must have returned before the destructor did.
        CHECK(returned.load());
        destroyed.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(destroyed.load());  // still waiting for the callback
    release.store(true);
    destroyer.join();
    requester.join();
    CHECK(destroyed.load());
}

TEST_CASE("stop_token: a callback that outlives its source is detached and never runs") {
    int count = 0;
    std::optional<stop_callback<counter>> orphan;
    {
        stop_source source;
        orphan.emplace(source.get_token(), counter{&count});
        CHECK(orphan->attached());
    }
    CHECK_FALSE(orphan->attached());
    orphan.reset();  // must not touch the source
    CHECK(count == 0);
}

TEST_CASE("stop_token: a callback that has run no longer looks at its source, which may be gone") {
    int count = 0;
    std::optional<stop_callback<counter>> ran;
    // The source lives in raw storage so that what is left there after its destructor
    // can be made hostile: a source byte with the lock bit set would hang anyone who
    // still took the lock.
    alignas(stop_source) unsigned char storage[sizeof(stop_source)];
    auto* source = new (storage) stop_source;
    ran.emplace(source->get_token(), counter{&count});
    CHECK(source->request_stop());
    CHECK(count == 1);
    source->~stop_source();
    std::memset(storage, 0xff, sizeof storage);
    CHECK_FALSE(ran->attached());
    ran.reset();
    CHECK(count == 1);
}

TEST_CASE("stop_token: registering, removing and requesting allocate nothing") {
    interop::conformance::heap_count heap;
    for (int round = 0; round < 1000; ++round) {
        stop_source source;
        int count = 0;
        stop_callback a(source.get_token(), counter{&count});
        { stop_callback b(source.get_token(), counter{&count}); }
        stop_callback c(source.get_token(), counter{&count});
        source.request_stop();
        REQUIRE(count == 2);
    }
    CHECK(heap.allocations() == 0);
}

TEST_CASE("stop_token: many threads registering and removing while another requests stop") {
    for (int round = 0; round < 50; ++round) {
        stop_source source;
        std::atomic<int> ran{0};
        std::atomic<int> registered_after_stop{0};
        std::vector<std::thread> threads;
        threads.reserve(4);
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i) {
                    const bool after = source.stop_requested();
                    stop_callback cb(source.get_token(), [&ran]() noexcept { ran.fetch_add(1); });
                    if (after) registered_after_stop.fetch_add(1);
                }
            });
        }
        std::thread requester([&] { source.request_stop(); });
        for (auto& t : threads) t.join();
        requester.join();
        // Each callback ran at most once; every one registered after the request ran
        // in its constructor.
        CHECK(ran.load() <= 800);
        CHECK(ran.load() >= registered_after_stop.load());
    }
}
