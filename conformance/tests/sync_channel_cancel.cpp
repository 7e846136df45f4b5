// Cancelling waits on channels and sync primitives: a cancelled wait completes with
// operation_canceled and takes nothing, the primitive keeps working afterwards, and
// when a cancellation races a wake-up exactly one of them decides. Also: channel
// receivers are AsyncIterators that the iterator combinators accept.
//
// A wait is cancelled through the library's own cancellation: the waiting task is
// spawned and its join_handle cancelled. The short sleeps before a cancel only give
// the wait a chance to park; a wait cancelled before it parks must end the same way,
// so no assertion depends on them.
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "interop/channels.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

static_assert(AsyncIterator<mpsc::receiver<int>>);
static_assert(AsyncIterator<broadcast::receiver<int>>);
static_assert(AsyncIterator<watch::receiver<int>>);

namespace {

// Runs the wait that `start()` returns in a task of its own, cancels that task while
// the wait is pending, and returns what the wait completed with (std::nullopt if the
// task never got to the wait).
// Starts the wait that `start()` returns in a task of its own, which stores what the
// wait completed with in `*out` (the join handle itself only says the task was
// cancelled).
template <typename R, typename F>
task<join_handle<void>> spawn_recorded_wait(F start, std::optional<R>* out) {
    co_return co_await spawn(
        [](F begin, std::optional<R>* result) -> task<void> {
            auto waiting = begin();
            result->emplace(co_await std::move(waiting));
        },
        std::move(start), out);
}

template <typename R, typename F>
task<std::optional<R>> cancel_pending_wait(F start) {
    std::optional<R> result;
    auto h = co_await spawn_recorded_wait(std::move(start), &result);
    (void)co_await sleep_for(5ms);
    h.cancel();
    (void)co_await h;  // operation_canceled: the task was cancelled; the wait's own result is in
                       // `result`
    co_return std::move(result);
}

void spin(int n) {
    std::atomic<int> sink{0};
    for (int k = 0; k < n; ++k) sink.fetch_add(1, std::memory_order_relaxed);
}

// Runs `on_thread` on a thread of its own and `here` on this one, released together;
// round `i` delays one side or the other by a different amount, so that over the
// rounds both orders and the moments in between all occur.
template <typename F, typename G>
void race(int i, F on_thread, G here) {
    std::atomic<bool> ready{false};
    std::atomic<bool> go{false};
    const int delay = (i % 25) * 40;
    std::thread other([&] {
        ready.store(true, std::memory_order_release);
        while (!go.load(std::memory_order_acquire)) {
        }
        if (i % 2 != 0) spin(delay);
        on_thread();
    });
    while (!ready.load(std::memory_order_acquire)) std::this_thread::yield();
    go.store(true, std::memory_order_release);
    if (i % 2 == 0) spin(delay);
    here();
    other.join();
}

}  // namespace

// ---------------------------------------------------------------------------------
// 1. Cancelled receives take nothing.

TEST_CASE(
    "channels: a cancelled broadcast receive completes with operation_canceled and the next "
    "receive gets the next item") {
    conf::run([]() -> task<void> {
        auto ch = broadcast::make<int>(4);
        auto other = ch.tx.subscribe();
        auto r = co_await cancel_pending_wait<io_result<std::optional<int>>>(
            [rx = &ch.rx] { return rx->recv(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK(ch.tx.send(7).has_value());
        CHECK(ch.tx.send(8).has_value());
        CHECK((co_await ch.rx.recv()).value() == std::optional<int>(7));
        CHECK((co_await ch.rx.recv()).value() == std::optional<int>(8));
        CHECK(ch.rx.missed() == 0);
        // The other receiver is unaffected.
        CHECK((co_await other.recv()).value() == std::optional<int>(7));
    });
}

TEST_CASE(
    "channels: a cancelled watch wait completes with operation_canceled and the next change is "
    "still seen") {
    conf::run([]() -> task<void> {
        auto ch = watch::make<int>(0);
        CHECK((co_await ch.rx.next()) == std::optional<int>(0));  // the initial value, now seen
        auto r =
            co_await cancel_pending_wait<io_result<void>>([rx = &ch.rx] { return rx->changed(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK(ch.tx.send(5).has_value());
        auto changed = co_await timeout(10s, ch.rx.changed());  // at once: 5 is unseen
        CHECK(changed.has_value());
        CHECK(ch.rx.borrow() == 5);
    });
}

TEST_CASE(
    "channels: a cancelled oneshot receive completes with operation_canceled and a later receive "
    "gets the value") {
    conf::run([]() -> task<void> {
        auto ch = oneshot::make<std::string>();
        auto r = co_await cancel_pending_wait<io_result<std::string>>(
            [rx = &ch.rx] { return rx->recv(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK_FALSE(ch.tx.is_closed());  // the receiver is still there
        CHECK(ch.tx.send("sent after the cancel").has_value());
        auto v = co_await ch.rx;
        REQUIRE(v.has_value());
        CHECK(*v == "sent after the cancel");
    });
}

TEST_CASE(
    "channels: a cancelled mpsc receive completes with operation_canceled and the next receive "
    "gets the item") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::bounded<int>(2);
        auto r = co_await cancel_pending_wait<io_result<std::optional<int>>>(
            [rx = &ch.rx] { return rx->recv(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK(ch.tx.try_send(3).has_value());
        CHECK((co_await ch.rx.recv()).value() == std::optional<int>(3));
    });
}

// ---------------------------------------------------------------------------------
// 2. Cancelled waits on sync primitives.

TEST_CASE(
    "sync: a cancelled event wait completes with operation_canceled and the event still wakes "
    "later waiters") {
    conf::run([]() -> task<void> {
        event ev;
        auto r = co_await cancel_pending_wait<io_result<void>>([e = &ev] { return e->wait(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK_FALSE(ev.is_set());
        bool woken = false;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](event* e, bool* done) -> task<void> {
                    auto w = co_await e->wait();
                    *done = w.has_value();
                },
                &ev, &woken);
            ev.set();
            co_return;
        });
        CHECK(woken);
    });
}

TEST_CASE(
    "sync: a cancelled latch wait completes with operation_canceled and the latch still opens") {
    conf::run([]() -> task<void> {
        latch l(2);
        auto r = co_await cancel_pending_wait<io_result<void>>([p = &l] { return p->wait(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        CHECK_FALSE(l.try_wait());
        l.count_down();
        CHECK_FALSE(l.try_wait());
        l.count_down();
        CHECK(l.try_wait());
        CHECK((co_await l.wait()).has_value());
    });
}

TEST_CASE(
    "sync: a cancelled wait_group wait completes with operation_canceled and the group still "
    "reports idle") {
    conf::run([]() -> task<void> {
        wait_group group;
        group.add(2);
        auto r = co_await cancel_pending_wait<io_result<void>>([g = &group] { return g->wait(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));
        group.done();
        auto early = co_await timeout(2ms, group.wait());
        CHECK(early.is(std::errc::timed_out));  // one item is still pending
        group.done();
        CHECK((co_await group.wait()).has_value());
    });
}

// docs/channels-and-sync.md: "a task cancelled while waiting leaves the phase (its
// arrival no longer counts)". So the phase still needs `parties` arrivals after the
// cancelled one: two more arrivals on a barrier of 3 do not complete it, a third does.
TEST_CASE(
    "sync: a cancelled barrier waiter completes with operation_canceled and its arrival no longer "
    "counts") {
    conf::run([]() -> task<void> {
        barrier b(3);
        auto r = co_await cancel_pending_wait<io_result<bool>>(
            [p = &b] { return p->arrive_and_wait(); });
        REQUIRE(r.has_value());
        CHECK(r->is(std::errc::operation_canceled));

        std::atomic<int> released{0};
        std::atomic<int> leaders{0};
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                s.spawn(
                    [](barrier* br, std::atomic<int>* done, std::atomic<int>* lead) -> task<void> {
                        auto a = co_await br->arrive_and_wait();
                        REQUIRE(a.has_value());
                        if (*a) ++*lead;
                        ++*done;
                    },
                    &b, &released, &leaders);
            }
            (void)co_await sleep_for(5ms);
            CHECK(released.load() == 0);  // 2 of 3: the cancelled arrival does not count
            // The third arrival completes the phase (bounded so that a barrier that
            // already released the phase fails here instead of hanging).
            auto a = co_await timeout(10s, b.arrive_and_wait());
            REQUIRE(a.has_value());
            if (*a) ++leaders;
            ++released;
        });
        CHECK(released.load() == 3);
        CHECK(leaders.load() == 1);

        // The next phase works as usual.
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                s.spawn(
                    [](barrier* br, std::atomic<int>* done) -> task<void> {
                        auto a = co_await br->arrive_and_wait();
                        CHECK(a.has_value());
                        ++*done;
                    },
                    &b, &released);
            }
            co_return;
        });
        CHECK(released.load() == 6);
    });
}

// ---------------------------------------------------------------------------------
// 3. Semaphore fairness (docs: "Waiters are served first come, first served";
// "try_acquire() succeeds only when a permit is free and nobody is waiting").

TEST_CASE("sync: semaphore waiters are served first come, first served") {
    INTEROP_REQUIRE_SINGLE_THREADED();  // the queueing order below relies on one thread
    conf::run([]() -> task<void> {
        semaphore sem(0);
        std::vector<int> order;
        co_await with_scope([&](scope& s) -> task<void> {
            for (int i = 0; i < 5; ++i) {
                s.spawn(
                    [](semaphore* se, std::vector<int>* log, int id) -> task<void> {
                        auto p = co_await se->acquire();
                        REQUIRE(p.has_value());
                        log->push_back(id);
                        (void)co_await yield_now();  // holds the permit across a suspension
                    },
                    &sem, &order, i);
                (void)co_await yield_now();  // queue them in order
            }
            sem.release(1);  // one permit, passed from each waiter to the next
            co_return;
        });
        const std::vector<int> expected{0, 1, 2, 3, 4};
        CHECK(order == expected);
        CHECK(sem.available() == 1);
    });
}

TEST_CASE("sync: semaphore try_acquire does not overtake a queued waiter") {
    INTEROP_REQUIRE_SINGLE_THREADED();  // "queued" below relies on one thread
    conf::run([]() -> task<void> {
        semaphore sem(1);
        auto held = sem.try_acquire();
        REQUIRE(held.has_value());
        bool waiter_got_it = false;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](semaphore* se, bool* got) -> task<void> {
                    auto p = co_await se->acquire();
                    *got = p.has_value();
                },
                &sem, &waiter_got_it);
            (void)co_await yield_now();  // the waiter parks
            (void)co_await yield_now();
            CHECK_FALSE(sem.try_acquire().has_value());  // nothing free
            held.reset();  // the permit goes to the parked waiter, not to a newcomer
            CHECK(sem.available() == 0);
            CHECK_FALSE(sem.try_acquire().has_value());
            co_return;
        });
        CHECK(waiter_got_it);
        CHECK(sem.available() == 1);
        CHECK(sem.try_acquire().has_value());
    });
}

// ---------------------------------------------------------------------------------
// 4. Receivers in iterator pipelines.

TEST_CASE(
    "channels: an mpsc receiver piped through map and take yields the first items transformed") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::unbounded<int>();
        for (int i = 1; i <= 5; ++i) CHECK(ch.tx.try_send(i).has_value());
        // The sender stays alive: take(3) ends the pipeline without waiting for the end.
        auto pipeline = std::move(ch.rx) | iter::map([](int x) { return std::to_string(x * 10); }) |
                        iter::take(3) | iter::collect();
        auto items = co_await std::move(pipeline);
        const std::vector<std::string> expected{"10", "20", "30"};
        CHECK(items == expected);
    });
}

TEST_CASE(
    "channels: an mpsc receiver piped through filter and map is drained until every sender is "
    "gone") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::bounded<int>(2);
        std::vector<int> items;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](mpsc::sender<int> tx) -> task<void> {
                    for (int i = 0; i < 20; ++i) {
                        auto sent = co_await tx.send(i);  // waits while the consumer lags
                        CHECK(sent.has_value());
                    }
                },
                std::move(ch.tx));
            auto pipeline = std::move(ch.rx) |
                            iter::filter([](const int& x) { return x % 2 == 0; }) |
                            iter::map([](int x) { return x * x; }) | iter::collect();
            items = co_await std::move(pipeline);
        });
        const std::vector<int> expected{0, 4, 16, 36, 64, 100, 144, 196, 256, 324};
        CHECK(items == expected);
    });
}

TEST_CASE("channels: a broadcast receiver piped through take collects items sent by another task") {
    conf::run([]() -> task<void> {
        auto ch = broadcast::make<int>(64);
        auto keep = ch.tx.subscribe();  // so sends after take(4) has let go still find a receiver
        std::vector<int> items;
        co_await with_scope([&](scope& s) -> task<void> {
            auto pipeline = std::move(ch.rx) | iter::take(4) | iter::collect();
            s.spawn(
                [](broadcast::sender<int>* tx) -> task<void> {
                    for (int i = 0; i < 6; ++i) {
                        CHECK(tx->send(i).has_value());
                        (void)co_await yield_now();
                    }
                },
                &ch.tx);
            items = co_await std::move(pipeline);
        });
        const std::vector<int> expected{0, 1, 2, 3};
        CHECK(items == expected);
    });
}

// ---------------------------------------------------------------------------------
// 5. A cancel racing a wake-up: whoever settles the waiter first decides. Each value
// is received exactly once (by the racing receive or by the next one); a permit is
// either granted (and returned) or never taken.

TEST_CASE(
    "channels: an mpsc receive cancelled while a value is sent from another thread loses and "
    "duplicates nothing") {
    conf::run([]() -> task<void> {
        auto ch = mpsc::unbounded<int>();
        int by_racer = 0;
        int left_in_channel = 0;
        for (int i = 0; i < 200; ++i) {
            std::optional<io_result<std::optional<int>>> result;
            auto h = co_await spawn_recorded_wait([rx = &ch.rx] { return rx->recv(); }, &result);
            for (int y = 0; y < i % 3; ++y) (void)co_await yield_now();  // parked, or not yet
            bool sent = false;
            race(
                i, [&] { sent = ch.tx.try_send(i).has_value(); }, [&] { h.cancel(); });
            (void)co_await h;
            REQUIRE(sent);
            CHECK(ch.tx.try_send(-1).has_value());  // a marker after the raced value
            std::vector<int> rest;
            while (auto v = ch.rx.try_recv()) rest.push_back(*v);
            if (result && result->has_value()) {
                CHECK(**result == std::optional<int>(i));
                CHECK(rest == std::vector<int>{-1});
                ++by_racer;
            } else {
                if (result) CHECK(result->is(std::errc::operation_canceled));
                CHECK(rest == std::vector<int>{i, -1});
                ++left_in_channel;
            }
        }
        CHECK(by_racer + left_in_channel == 200);
    });
}

TEST_CASE(
    "channels: a broadcast receive cancelled while an item is sent from another thread loses and "
    "duplicates nothing") {
    conf::run([]() -> task<void> {
        auto ch = broadcast::make<int>(8);
        for (int i = 0; i < 200; ++i) {
            std::optional<io_result<std::optional<int>>> result;
            auto h = co_await spawn_recorded_wait([rx = &ch.rx] { return rx->recv(); }, &result);
            for (int y = 0; y < i % 3; ++y) (void)co_await yield_now();
            bool sent = false;
            race(
                i, [&] { sent = ch.tx.send(i).has_value(); }, [&] { h.cancel(); });
            (void)co_await h;
            REQUIRE(sent);
            CHECK(ch.tx.send(-1).has_value());  // a marker after the raced item
            if (!(result && result->has_value())) {
                if (result) CHECK(result->is(std::errc::operation_canceled));
                CHECK((co_await ch.rx.recv()).value() == std::optional<int>(i));
            } else {
                CHECK(**result == std::optional<int>(i));
            }
            CHECK((co_await ch.rx.recv()).value() == std::optional<int>(-1));  // nothing in between
        }
    });
}

TEST_CASE(
    "channels: a oneshot receive cancelled while the value is sent from another thread loses "
    "nothing") {
    conf::run([]() -> task<void> {
        for (int i = 0; i < 200; ++i) {
            auto ch = oneshot::make<int>();
            std::optional<io_result<int>> result;
            auto h = co_await spawn_recorded_wait([rx = &ch.rx] { return rx->recv(); }, &result);
            for (int y = 0; y < i % 3; ++y) (void)co_await yield_now();
            bool sent = false;
            race(
                i, [&] { sent = ch.tx.send(i).has_value(); }, [&] { h.cancel(); });
            (void)co_await h;
            REQUIRE(sent);
            if (result && result->has_value()) {
                CHECK(**result == i);
            } else {
                if (result) CHECK(result->is(std::errc::operation_canceled));
                auto later = co_await ch.rx.recv();
                REQUIRE(later.has_value());
                CHECK(*later == i);
            }
        }
    });
}

TEST_CASE(
    "sync: a semaphore acquire cancelled while a permit is released from another thread never "
    "loses the permit") {
    conf::run([]() -> task<void> {
        semaphore sem(1);
        int granted = 0;
        int cancelled = 0;
        for (int i = 0; i < 200; ++i) {
            auto held = sem.try_acquire();
            REQUIRE(held.has_value());
            int outcome = 0;  // 1: granted and owned, 2: operation_canceled, 3: anything else
            auto h = co_await spawn(
                [](semaphore* se, int* out) -> task<void> {
                    auto waiting = se->acquire();
                    auto p = co_await std::move(waiting);
                    if (p.has_value()) {
                        *out = p->owns() ? 1 : 3;  // the permit goes back when p is destroyed
                    } else {
                        *out = p.is(std::errc::operation_canceled) ? 2 : 3;
                    }
                },
                &sem, &outcome);
            for (int y = 0; y < i % 3; ++y) (void)co_await yield_now();
            race(
                i, [&] { held.reset(); }, [&] { h.cancel(); });
            (void)co_await h;
            CHECK(outcome != 3);
            if (outcome == 1) ++granted;
            if (outcome == 2) ++cancelled;
            CHECK(sem.available() == 1);  // exactly the one permit, back with the semaphore
        }
        CHECK(granted + cancelled <=
              200);  // 0 outcomes: cancelled before the task reached the wait
    });
}
