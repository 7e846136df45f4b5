// detail::context_stop, the stop callback a task context shares between the
// operations that wait in it: registered once, watched per wait, released at the end.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "interop/context.hpp"
#include "interop/detail/context_stop.hpp"
#include "interop/stop_token.hpp"

using interop::stop_source;
using interop::stop_token;
using interop::detail::context_stop;
using interop::detail::stop_cancel;
using interop::detail::stop_watcher;
using watch_result = interop::detail::context_stop::watch_result;

namespace {

// Stands for a leaf operation: claimed at most once, and not once it has completed.
struct fake_operation : stop_watcher {
    std::atomic<bool> claimed{false};
    bool completed = false;
    std::atomic<int> cancels{0};
    std::function<void()> while_cancelling{};

    static bool claim(stop_watcher* self) noexcept {
        auto* op = static_cast<fake_operation*>(self);
        if (op->completed) return false;
        return !op->claimed.exchange(true);
    }
    static void cancel_claimed(stop_watcher* self) noexcept {
        auto* op = static_cast<fake_operation*>(self);
        if (op->while_cancelling) op->while_cancelling();
        op->cancels.fetch_add(1);
    }
    static constexpr stop_cancel table{&fake_operation::claim, &fake_operation::cancel_claimed};
};

}  // namespace

TEST_CASE("context_stop: the callback is registered on demand, on one token only") {
    stop_source source;
    stop_source other;
    context_stop slot;
    CHECK_FALSE(slot.registered());
    CHECK(slot.usable(source.get_token()));
    CHECK(slot.usable(other.get_token()));
    slot.register_on(source.get_token());
    CHECK(slot.registered());
    CHECK(slot.usable(source.get_token()));
    CHECK_FALSE(slot.usable(other.get_token()));
    CHECK_FALSE(slot.usable(stop_token{}));
}

TEST_CASE("context_stop: a stop cancels the watched operation once, and nothing after unwatch") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    fake_operation first;
    CHECK(slot.watch(&first, &fake_operation::table) == watch_result::watching);
    slot.unwatch(&first);
    fake_operation second;
    CHECK(slot.watch(&second, &fake_operation::table) == watch_result::watching);
    CHECK(source.request_stop());
    CHECK(first.cancels.load() == 0);
    CHECK(second.cancels.load() == 1);
    // The claim took it out of the slot: the operation's own unwatch finds nothing.
    slot.unwatch(&second);
    CHECK(second.cancels.load() == 1);
}

TEST_CASE("context_stop: a stop before registration is seen by the first watch") {
    stop_source source;
    source.request_stop();
    context_stop slot;
    slot.register_on(source.get_token());  // the callback runs at once, with nothing watched
    fake_operation op;
    CHECK(slot.watch(&op, &fake_operation::table) == watch_result::stopped);
    CHECK(op.cancels.load() == 0);  // the operation cancels itself, not the slot
    slot.unwatch(&op);
}

TEST_CASE("context_stop: once the callback has run, every later watch sees the stop") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    source.request_stop();
    for (int i = 0; i < 3; ++i) {
        fake_operation op;
        CHECK(slot.watch(&op, &fake_operation::table) == watch_result::stopped);
        slot.unwatch(&op);
        CHECK(op.cancels.load() == 0);
    }
}

TEST_CASE("context_stop: a stop while nothing waits is seen by the next watch") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    fake_operation before;
    CHECK(slot.watch(&before, &fake_operation::table) == watch_result::watching);
    slot.unwatch(&before);
    source.request_stop();
    CHECK(before.cancels.load() == 0);
    fake_operation after;
    CHECK(slot.watch(&after, &fake_operation::table) == watch_result::stopped);
    CHECK(after.cancels.load() == 0);
}

TEST_CASE("context_stop: a second operation waiting in the same context is refused") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    fake_operation first;
    fake_operation second;
    CHECK(slot.watch(&first, &fake_operation::table) == watch_result::watching);
    CHECK(slot.watch(&second, &fake_operation::table) == watch_result::busy);
    source.request_stop();
    CHECK(first.cancels.load() == 1);
    CHECK(second.cancels.load() == 0);  // not watched: its own callback is the caller's
    CHECK(slot.watch(&second, &fake_operation::table) == watch_result::stopped);
}

TEST_CASE("context_stop: an operation that completed is not cancelled") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    fake_operation op;
    op.completed = true;
    CHECK(slot.watch(&op, &fake_operation::table) == watch_result::watching);
    source.request_stop();
    CHECK(op.cancels.load() == 0);
    slot.unwatch(&op);
}

TEST_CASE("context_stop: a released slot's callback never runs") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    slot.release();
    CHECK_FALSE(slot.registered());
    fake_operation op;
    CHECK(slot.watch(&op, &fake_operation::table) == watch_result::watching);
    source.request_stop();
    CHECK(op.cancels.load() == 0);
    slot.unwatch(&op);
}

TEST_CASE("context_stop: release waits while the callback cancels on another thread") {
    stop_source source;
    context_stop slot;
    slot.register_on(source.get_token());
    std::atomic<bool> entered{false};
    std::atomic<bool> go_on{false};
    fake_operation op;
    op.while_cancelling = [&] {
        entered.store(true);
        while (!go_on.load()) std::this_thread::yield();
    };
    CHECK(slot.watch(&op, &fake_operation::table) == watch_result::watching);
    std::thread requester([&] { source.request_stop(); });
    while (!entered.load()) std::this_thread::yield();
    // The operation was claimed, so its task may leave the slot while the cancel runs.
    slot.unwatch(&op);
    std::atomic<bool> released{false};
    std::thread releaser([&] {
        slot.release();
        // The callback must have returned before release() did.
        CHECK(op.cancels.load() == 1);
        released.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(released.load());  // still waiting for the callback
    go_on.store(true);
    releaser.join();
    requester.join();
    CHECK(released.load());
}

TEST_CASE("context_stop: a stop racing with watch and unwatch is never lost") {
    for (int round = 0; round < 500; ++round) {
        stop_source source;
        context_stop slot;
        slot.register_on(source.get_token());
        fake_operation ops[8];
        int self_cancels[8] = {};
        std::atomic<bool> start{false};
        std::thread requester([&] {
            while (!start.load()) std::this_thread::yield();
            source.request_stop();
        });
        start.store(true);
        // Operations wait one after the other; the last one waits until the request
        // is over. What a leaf operation does on `stopped`: it claims itself, as the
        // callback may too.
        for (int i = 0; i < 8; ++i) {
            const watch_result r = slot.watch(&ops[i], &fake_operation::table);
            REQUIRE(r != watch_result::busy);
            if (r == watch_result::stopped) {
                if (fake_operation::claim(&ops[i])) ++self_cancels[i];
                break;
            }
            if (i < 7) slot.unwatch(&ops[i]);
        }
        requester.join();
        int total = 0;
        for (int i = 0; i < 8; ++i) {
            const int cancels = ops[i].cancels.load() + self_cancels[i];
            CHECK(cancels <= 1);
            total += cancels;
        }
        // The operation watched when the stop came, or the first one after it.
        CHECK(total >= 1);
    }
}

TEST_CASE("context_stop: a copy of a task_context does not share its slot") {
    context_stop slot;
    interop::task_context original{};
    original.stop_slot.set(&slot);
    CHECK(original.stop_slot.get() == &slot);
    const interop::task_context copy = original;
    CHECK(copy.stop_slot.get() == nullptr);
    interop::task_context assigned{};
    assigned.stop_slot.set(&slot);
    assigned = copy;
    CHECK(assigned.stop_slot.get() == nullptr);
}
