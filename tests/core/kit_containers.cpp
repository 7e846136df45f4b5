// The adapter kit's containers, without a runtime: typed adapter_data words, the
// intrusive operation queue and the timer heap.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "interop/conformance/heap.hpp"
#include "interop/runtime/op_queue.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/timer_heap.hpp"

using interop::operation;
using interop::runtime_clock;
using interop::timer_operation;
namespace kit = interop::kit;

namespace {

void never_called(operation*, std::error_code, std::size_t) noexcept {}

using prev_word = kit::op_word<1, operation*>;
using next_word = kit::op_word<2, operation*>;
using queue = kit::op_queue<prev_word, next_word>;
using index_word = kit::op_word<3, std::size_t>;
using heap = kit::timer_heap<index_word>;
using registry = kit::pending_registry<kit::op_word<0, kit::registry_key>>;

std::vector<operation*> drain(queue& q) {
    std::vector<operation*> out;
    while (operation* op = q.pop_front()) out.push_back(op);
    return out;
}

runtime_clock::time_point at(std::int64_t ns) {
    return runtime_clock::time_point(runtime_clock::duration(ns));
}

}  // namespace

TEST_CASE("kit: an op_word stores a value in its own word and leaves the others alone") {
    operation op(interop::op_kind::post, never_called);
    kit::op_word<0, std::size_t>::set(&op, 12345);
    kit::op_word<1, std::uint32_t>::set(&op, 0xdeadbeefU);
    kit::op_word<2, operation*>::set(&op, &op);
    CHECK(kit::op_word<0, std::size_t>::get(&op) == 12345);
    CHECK(kit::op_word<1, std::uint32_t>::get(&op) == 0xdeadbeefU);
    CHECK(kit::op_word<2, operation*>::get(&op) == &op);
    CHECK(op.adapter_data[3] == nullptr);
    kit::op_word<0, std::size_t>::set(&op, 7);
    CHECK(kit::op_word<0, std::size_t>::get(&op) == 7);
    CHECK(kit::op_word<2, operation*>::get(&op) == &op);
}

TEST_CASE("kit: an op_queue is first in, first out, and removes from anywhere") {
    std::vector<std::unique_ptr<operation>> ops;
    ops.reserve(5);
    for (int i = 0; i < 5; ++i)
        ops.push_back(std::make_unique<operation>(interop::op_kind::read, never_called));
    queue q;
    CHECK(q.empty());
    CHECK(q.pop_front() == nullptr);
    for (auto& op : ops) q.push_back(op.get());
    CHECK(q.front() == ops[0].get());

    q.remove(ops[2].get());  // the middle
    q.remove(ops[0].get());  // the head
    q.remove(ops[4].get());  // the tail
    CHECK(drain(q) == std::vector<operation*>{ops[1].get(), ops[3].get()});
    CHECK(q.empty());

    // Emptied, it works as new; the words it does not own are untouched.
    ops[0]->adapter_data[0] = ops[0].get();
    ops[0]->adapter_data[3] = ops[0].get();
    q.push_back(ops[0].get());
    q.push_back(ops[1].get());
    q.remove(ops[1].get());
    q.push_back(ops[2].get());
    CHECK(drain(q) == std::vector<operation*>{ops[0].get(), ops[2].get()});
    CHECK(ops[0]->adapter_data[0] == ops[0].get());
    CHECK(ops[0]->adapter_data[3] == ops[0].get());
}

TEST_CASE("kit: an op_queue queues and removes without allocating") {
    std::vector<std::unique_ptr<operation>> ops;
    ops.reserve(64);
    for (int i = 0; i < 64; ++i)
        ops.push_back(std::make_unique<operation>(interop::op_kind::read, never_called));
    queue q;
    const interop::conformance::heap_count counted;
    for (auto& op : ops) q.push_back(op.get());
    for (std::size_t i = 0; i < ops.size(); i += 2) q.remove(ops[i].get());
    while (q.pop_front() != nullptr) {
    }
    CHECK(counted.allocations() == 0);
}

TEST_CASE(
    "kit: a timer_heap fires by deadline, equal deadlines in start order, and only when due") {
    std::mt19937 random(42);
    std::vector<std::unique_ptr<timer_operation>> timers;
    heap h;
    for (int i = 0; i < 200; ++i) {
        auto t = std::make_unique<timer_operation>(never_called);
        t->deadline = at(static_cast<std::int64_t>(random() % 20));  // many ties
        h.push(t.get());
        timers.push_back(std::move(t));
    }
    CHECK(h.size() == 200);
    CHECK(h.earliest() == at(0));

    // Cancel every third one, wherever it sits.
    std::vector<timer_operation*> expected;
    for (std::size_t i = 0; i < timers.size(); ++i) {
        if (i % 3 == 0) {
            h.remove(timers[i].get());
        } else {
            expected.push_back(timers[i].get());
        }
    }
    // Stable: equal deadlines keep the order they were started in.
    std::stable_sort(expected.begin(), expected.end(),
                     [](const timer_operation* a, const timer_operation* b) {
                         return a->deadline < b->deadline;
                     });

    std::vector<timer_operation*> fired;
    for (std::int64_t now = 0; now < 20; ++now) {
        while (timer_operation* t = h.pop_due(at(now))) {
            CHECK(t->deadline <= at(now));
            fired.push_back(t);
        }
        CHECK((h.empty() || h.earliest() > at(now)));
    }
    CHECK(h.empty());
    CHECK(fired == expected);
}

TEST_CASE("kit: a timer_heap reuses its memory: after its largest size, no allocation") {
    std::vector<std::unique_ptr<timer_operation>> timers;
    for (int i = 0; i < 32; ++i) {
        timers.push_back(std::make_unique<timer_operation>(never_called));
        timers.back()->deadline = at(i % 7);
    }
    heap h;
    for (auto& t : timers) h.push(t.get());
    while (h.pop_due(at(100)) != nullptr) {
    }
    const interop::conformance::heap_count counted;
    for (int round = 0; round < 10; ++round) {
        for (auto& t : timers) h.push(t.get());
        for (std::size_t i = 0; i < timers.size(); i += 2) h.remove(timers[i].get());
        while (h.pop_due(at(100)) != nullptr) {
        }
    }
    CHECK(counted.allocations() == 0);
}

TEST_CASE("kit: a pending_registry finds an operation only while that very wait lasts") {
    operation a(interop::op_kind::read, never_called);
    operation b(interop::op_kind::read, never_called);
    registry r;
    r.park(&a);
    const registry::key first_wait = registry::key_of(&a);
    CHECK(r.find(first_wait) == &a);
    CHECK(r.is_parked(&a));
    CHECK(r.size() == 1);

    // The wait ends; the same object waits again, in the same slot: a cancel that
    // carries the key of the first wait finds nothing.
    r.unpark(&a);
    CHECK(r.find(first_wait) == nullptr);
    CHECK_FALSE(r.is_parked(&a));
    r.park(&a);
    CHECK(registry::key_of(&a).index == first_wait.index);
    CHECK(r.find(first_wait) == nullptr);
    CHECK(r.find(registry::key_of(&a)) == &a);

    // Another operation takes a slot of its own; unparking twice is harmless.
    r.park(&b);
    CHECK(r.find(registry::key_of(&b)) == &b);
    r.unpark(&b);
    r.unpark(&b);
    CHECK(r.size() == 1);

    // An operation that starts again and completes without waiting carries no key.
    r.unpark(&a);
    registry::clear_key(&a);
    CHECK(registry::key_of(&a).generation == 0);
    CHECK(r.find(registry::key_of(&a)) == nullptr);
    CHECK(r.size() == 0);
}

TEST_CASE("kit: a pending_registry at its working size parks and unparks without allocating") {
    std::vector<std::unique_ptr<operation>> ops;
    ops.reserve(64);
    for (int i = 0; i < 64; ++i)
        ops.push_back(std::make_unique<operation>(interop::op_kind::read, never_called));
    registry r;
    for (auto& op : ops) r.park(op.get());
    for (auto& op : ops) r.unpark(op.get());
    const interop::conformance::heap_count counted;
    for (int round = 0; round < 10; ++round) {
        for (auto& op : ops) r.park(op.get());
        int seen = 0;
        r.for_each([&](operation*) { ++seen; });
        CHECK(seen == 64);
        for (auto& op : ops) r.unpark(op.get());
    }
    CHECK(counted.allocations() == 0);
}
