// Sync primitives: mutex, semaphore, event, latch, wait_group, barrier.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

TEST_CASE("sync: the mutex serializes critical sections across suspension points") {
    conf::run([]() -> task<void> {
        async_mutex m;
        std::atomic<int> inside{0};
        std::atomic<int> max_inside{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 10; ++i) {
                s.spawn(
                    [](async_mutex* mu, std::atomic<int>* in,
                       std::atomic<int>* max_in) -> task<void> {
                        auto guard = co_await mu->lock();
                        REQUIRE(guard.has_value());
                        const int now_inside = ++*in;
                        int seen = max_in->load();
                        while (seen < now_inside &&
                               !max_in->compare_exchange_weak(seen, now_inside)) {
                        }
                        (void)co_await sleep_for(1ms);
                        --*in;
                    },
                    &m, &inside, &max_inside);
            }
            co_return;
        });
        CHECK(max_inside.load() == 1);
    });
}

TEST_CASE("sync: mutex waiters are served first come, first served") {
    INTEROP_REQUIRE_SINGLE_THREADED();  // the queueing order below relies on one thread
    conf::run([]() -> task<void> {
        async_mutex m;
        std::vector<int> order;
        auto held = m.try_lock();
        REQUIRE(held.has_value());
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 5; ++i) {
                s.spawn(
                    [](async_mutex* mu, std::vector<int>* log, int id) -> task<void> {
                        auto g = co_await mu->lock();
                        log->push_back(id);
                    },
                    &m, &order, i);
                (void)co_await yield_now();  // queue them in order
            }
            held->unlock();
        });
        const std::vector<int> expected{0, 1, 2, 3, 4};
        CHECK(order == expected);
    });
}

TEST_CASE("sync: a cancelled mutex waiter never holds the lock") {
    conf::run([]() -> task<void> {
        async_mutex m;
        auto held = m.try_lock();
        auto r = co_await timeout(2ms, m.lock());
        CHECK(r.is(std::errc::timed_out));
        held->unlock();
        auto again = m.try_lock();
        CHECK(again.has_value());  // nobody else owns it
    });
}

TEST_CASE("sync: a semaphore never has more permits out than it holds") {
    conf::run([]() -> task<void> {
        semaphore sem(3);
        std::atomic<int> inside{0};
        std::atomic<int> max_inside{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 12; ++i) {
                s.spawn(
                    [](semaphore* se, std::atomic<int>* in,
                       std::atomic<int>* max_in) -> task<void> {
                        auto p = co_await se->acquire();
                        REQUIRE(p.has_value());
                        const int now_inside = ++*in;
                        int seen = max_in->load();
                        while (seen < now_inside &&
                               !max_in->compare_exchange_weak(seen, now_inside)) {
                        }
                        (void)co_await sleep_for(1ms);
                        --*in;
                    },
                    &sem, &inside, &max_inside);
            }
            co_return;
        });
        CHECK(max_inside.load() == 3);
        CHECK(sem.available() == 3);
    });
}

TEST_CASE("sync: a cancelled semaphore waiter never holds a permit") {
    conf::run([]() -> task<void> {
        semaphore sem(1);
        auto held = sem.try_acquire();
        REQUIRE(held.has_value());
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                s.spawn(
                    [](semaphore* se) -> task<void> {
                        auto p = co_await se->acquire();
                        CHECK(p.is(std::errc::operation_canceled));
                    },
                    &sem);
            }
            (void)co_await sleep_for(2ms);
            s.cancel();
            co_return;
        });
        held.reset();
        CHECK(sem.available() == 1);
    });
}

TEST_CASE("sync: an event wakes every waiter, also from another thread") {
    conf::run([]() -> task<void> {
        event ev;
        std::atomic<int> woken{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 4; ++i) {
                s.spawn(
                    [](event* e, std::atomic<int>* n) -> task<void> {
                        auto r = co_await e->wait();
                        if (r) ++*n;
                    },
                    &ev, &woken);
            }
            (void)co_await sleep_for(2ms);
            std::thread setter([&ev] { ev.set(); });
            setter.join();
            co_return;
        });
        CHECK(woken.load() == 4);
        CHECK((co_await ev.wait()).has_value());  // stays set
    });
}

TEST_CASE("sync: latch and wait_group release waiters when the count reaches zero") {
    conf::run([]() -> task<void> {
        latch done(3);
        wait_group group;
        std::atomic<int> finished{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                group.add();
                s.spawn(
                    [](latch* l, wait_group* g, std::atomic<int>* n) -> task<void> {
                        (void)co_await sleep_for(1ms);
                        ++*n;
                        l->count_down();
                        g->done();
                    },
                    &done, &group, &finished);
            }
            CHECK((co_await done.wait()).has_value());
            CHECK(finished.load() == 3);
            CHECK((co_await group.wait()).has_value());
        });
    });
}

TEST_CASE("sync: a barrier releases a phase when the last party arrives") {
    conf::run([]() -> task<void> {
        barrier b(3);
        std::atomic<int> leaders{0};
        std::vector<int> phase_log;
        std::mutex log_mutex;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                s.spawn(
                    [](barrier* br, std::atomic<int>* lead, std::vector<int>* log,
                       std::mutex* m) -> task<void> {
                        for (int phase = 0; phase < 2; ++phase) {
                            {
                                std::lock_guard lock(*m);
                                log->push_back(phase);
                            }
                            auto r = co_await br->arrive_and_wait();
                            REQUIRE(r.has_value());
                            if (*r) lead->fetch_add(1);
                        }
                    },
                    &b, &leaders, &phase_log, &log_mutex);
            }
            co_return;
        });
        CHECK(leaders.load() == 2);  // one per phase
        const std::vector<int> expected{0, 0, 0, 1, 1, 1};
        CHECK(phase_log == expected);
    });
}
