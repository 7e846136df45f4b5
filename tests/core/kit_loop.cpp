// The adapter kit's loop pieces, without a runtime: the run queue, cross-thread cancel
// requests, the timer helpers and the rules of socket_waits.
#include <doctest/doctest.h>

#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <thread>
#include <vector>

#include "interop/runtime/cancel_requests.hpp"
#include "interop/runtime/op_queue.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/pending_registry.hpp"
#include "interop/runtime/run_queue.hpp"
#include "interop/runtime/socket_waits.hpp"
#include "interop/runtime/timer_heap.hpp"

using interop::op_kind;
using interop::operation;
using interop::runtime_clock;
namespace kit = interop::kit;

namespace {

using registry = kit::pending_registry<kit::op_word<3, kit::registry_key>>;
using queue = kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>>;
using heap = kit::timer_heap<kit::op_word<0, std::size_t>>;

// Where completions are listed in the order they came, when a test wants to know.
std::vector<operation*>* completed_order = nullptr;

// What an operation's completion reported.
struct record {
    int calls = 0;
    std::error_code error;
    std::size_t bytes = 0;
};

template <typename Self>
void remember(operation* op, std::error_code e, std::size_t n) noexcept {
    auto* self = static_cast<Self*>(op);
    ++self->calls;
    self->error = e;
    self->bytes = n;
    if (completed_order) completed_order->push_back(op);
}

struct posted_op : operation, record {
    explicit posted_op(op_kind k = op_kind::post) : operation(k, &remember<posted_op>) {}
};

// A timer, read, accept or connect operation (their constructors take the function first).
template <typename Op>
struct recorded : Op, record {
    template <typename... Args>
    explicit recorded(Args... args) : Op(&remember<recorded>, args...) {}
};

runtime_clock::time_point at(std::int64_t ns) {
    return runtime_clock::time_point(runtime_clock::duration(ns));
}

const std::error_code canceled = std::make_error_code(std::errc::operation_canceled);
const std::error_code busy = std::make_error_code(std::errc::device_or_resource_busy);

// One try's outcome, as posix::attempt has it.
struct outcome {
    bool would_block = false;
    std::error_code error;
    std::size_t bytes = 0;
};

}  // namespace

TEST_CASE("kit: a run_queue runs a batch in order, and what it queues waits for the next") {
    std::vector<operation*> order;
    completed_order = &order;
    kit::run_queue q;
    posted_op a, b, c;
    CHECK(q.push(&a));  // was empty
    CHECK_FALSE(q.push(&b, canceled, 7));
    q.run_batch();
    CHECK(order == std::vector<operation*>{&a, &b});
    CHECK(b.error == canceled);
    CHECK(b.bytes == 7);
    CHECK(q.empty());

    // What is queued after a batch began runs in the next one only.
    order.clear();
    CHECK(q.post(&a, true) == kit::posted::on_loop_thread);
    q.run_batch();
    q.push(&c);
    CHECK(order == std::vector<operation*>{&a});
    q.run_batch();
    CHECK(order == std::vector<operation*>{&a, &c});
    completed_order = nullptr;
}

// A completion that queues itself again until it has run `limit` times (a task that
// keeps yielding), or queues `others` once (a task waking others).
struct requeuing_op : operation {
    kit::run_queue* queue = nullptr;
    int runs = 0;
    int limit = 0;
    std::vector<requeuing_op*> others;
    requeuing_op() : operation(op_kind::post, &on_complete) {}
    static void on_complete(operation* op, std::error_code, std::size_t) noexcept {
        auto* self = static_cast<requeuing_op*>(op);
        ++self->runs;
        if (self->runs < self->limit) self->queue->push(self);
        for (requeuing_op* o : self->others) self->queue->push(o);
        self->others.clear();
    }
};

TEST_CASE("kit: run_until_poll runs batches until the queue is empty or enough ran") {
    constexpr int per_poll = static_cast<int>(kit::run_queue::completions_per_poll);
    kit::run_queue q;

    // Fewer yields than the mark: all of them in one call, and the queue is empty.
    requeuing_op few;
    few.queue = &q;
    few.limit = per_poll - 1;
    q.push(&few);
    q.run_until_poll();
    CHECK(few.runs == per_poll - 1);
    CHECK(q.empty());

    // A task that never stops yielding: the call returns after the mark, work left.
    requeuing_op forever;
    forever.queue = &q;
    forever.limit = INT_MAX;
    q.push(&forever);
    q.run_until_poll();
    CHECK(forever.runs == per_poll);
    CHECK_FALSE(q.empty());
    q.run_until_poll();
    CHECK(forever.runs == 2 * per_poll);

    // The batch that crosses the mark runs to its end: every ready task runs once
    // before any runs twice, however many there are.
    kit::run_queue wide;
    std::vector<requeuing_op> many(static_cast<std::size_t>(per_poll) + 10);
    for (requeuing_op& op : many) {
        op.queue = &wide;
        op.limit = 2;
        wide.push(&op);
    }
    wide.run_until_poll();
    for (const requeuing_op& op : many) CHECK(op.runs == 1);
    CHECK_FALSE(wide.empty());
    wide.run_until_poll();
    for (const requeuing_op& op : many) CHECK(op.runs == 2);
    CHECK(wide.empty());

    // Stopped: nothing more runs, and the call returns.
    requeuing_op after_stop;
    after_stop.queue = &q;
    after_stop.limit = 1;
    q.push(&after_stop);
    q.stop();
    q.run_until_poll();
    CHECK(after_stop.runs == 0);
    CHECK(forever.runs == 2 * per_poll);
}

TEST_CASE("kit: a run_queue takes posts from other threads, and refuses them after stop") {
    kit::run_queue q;
    posted_op a, b;
    CHECK_FALSE(q.take_inbox());  // nothing left: no lock taken
    kit::posted how = kit::posted::refused;
    std::thread([&] { how = q.post(&a, false); }).join();
    CHECK(how == kit::posted::from_other_thread);
    CHECK(q.empty());  // not before the loop takes it
    CHECK(q.take_inbox());
    CHECK_FALSE(q.empty());
    q.run_batch();
    CHECK(a.calls == 1);

    // A completion from another thread (a worker's), then stop: still delivered.
    std::thread([&] { q.push_from_other_thread(&b, canceled, 0); }).join();
    q.stop();
    CHECK(q.stopped());
    CHECK(q.post(&a, true) == kit::posted::refused);
    CHECK(q.post(&a, false) == kit::posted::refused);
    CHECK(q.take_inbox());
    CHECK(a.calls == 1);

    // A stopped queue runs nothing more; refuse_if_stopped completes at once.
    q.run_batch();
    CHECK(b.calls == 0);
    CHECK_FALSE(q.empty());
    posted_op c;
    CHECK(q.refuse_if_stopped(&c));
    CHECK(c.calls == 1);
    CHECK(c.error == canceled);
    q.clear();
    CHECK(q.empty());
}

TEST_CASE("kit: a run_queue stopped in the middle of a batch leaves the rest queued") {
    kit::run_queue q;
    struct stopper : operation {
        kit::run_queue* queue;
        explicit stopper(kit::run_queue* q)
            : operation(op_kind::post,
                        [](operation* op, std::error_code, std::size_t) noexcept {
                            static_cast<stopper*>(op)->queue->stop();
                        }),
              queue(q) {}
    };
    stopper first(&q);
    posted_op second;
    q.push(&first);
    q.push(&second);
    q.run_batch();
    CHECK(second.calls == 0);
    CHECK_FALSE(q.empty());
}

TEST_CASE("kit: cancel_requests find only the operations still parked") {
    registry pending;
    kit::cancel_requests<registry> requests;
    posted_op waiting(op_kind::timer), done(op_kind::timer), reused(op_kind::timer);
    pending.park(&waiting);
    pending.park(&done);

    std::vector<operation*> cancelled;
    const auto cancel_parked = [&](operation* op) { cancelled.push_back(op); };
    requests.take(pending, cancel_parked);  // nothing requested
    CHECK(cancelled.empty());

    std::thread([&] {
        requests.push(&waiting);
        requests.push(&done);
    }).join();
    // `done` completes before the loop looks; a new wait takes its slot.
    pending.unpark(&done);
    pending.park(&reused);
    requests.take(pending, cancel_parked);
    CHECK(cancelled == std::vector<operation*>{&waiting});

    cancelled.clear();
    requests.take(pending, cancel_parked);  // each request is taken once
    CHECK(cancelled.empty());
}

TEST_CASE("kit: cancel_requests::cancel takes out on the loop's thread, or asks for a wake-up") {
    registry pending;
    kit::cancel_requests<registry> requests;
    posted_op parked(op_kind::timer), idle(op_kind::timer), elsewhere(op_kind::timer);
    pending.park(&parked);
    pending.park(&elsewhere);
    std::vector<operation*> cancelled;
    const auto cancel_parked = [&](operation* op) {
        pending.unpark(op);
        cancelled.push_back(op);
    };

    // The loop's thread: at once, and only what is parked; no wake-up.
    CHECK_FALSE(requests.cancel(&parked, true, pending, cancel_parked));
    CHECK(cancelled == std::vector<operation*>{&parked});
    CHECK_FALSE(requests.cancel(&parked, true, pending, cancel_parked));  // already out
    CHECK_FALSE(requests.cancel(&idle, true, pending, cancel_parked));    // never parked
    CHECK(cancelled.size() == 1);

    // Another thread: a request, and the caller wakes the loop, which takes it.
    bool wake = false;
    std::thread([&] { wake = requests.cancel(&elsewhere, false, pending, cancel_parked); }).join();
    CHECK(wake);
    CHECK(cancelled.size() == 1);
    requests.take(pending, cancel_parked);
    CHECK(cancelled == std::vector<operation*>{&parked, &elsewhere});
}

TEST_CASE("kit: steady_now follows steady_clock and never goes back") {
    const runtime_clock::time_point first = kit::steady_now();
    const auto steady = std::chrono::steady_clock::now().time_since_epoch();
    const runtime_clock::time_point second = kit::steady_now();
    CHECK(first <= second);
    CHECK(first.time_since_epoch() <= steady);
    CHECK(steady <= second.time_since_epoch());
}

TEST_CASE("kit: park_timer parks a future deadline and refuses a due one") {
    heap timers;
    registry pending;
    recorded<interop::timer_operation> due, later, far;
    due.deadline = at(100);
    later.deadline = at(101);
    far.deadline = runtime_clock::time_point::max();
    CHECK_FALSE(kit::park_timer(timers, pending, &due, at(100)));  // at the deadline: due
    CHECK(timers.empty());
    CHECK_FALSE(pending.is_parked(&due));
    CHECK(kit::park_timer(timers, pending, &later, at(100)));
    CHECK(kit::park_timer(timers, pending, &far, at(100)));
    CHECK(timers.size() == 2);
    CHECK(pending.is_parked(&later));
    CHECK(timers.earliest() == at(101));
    // Far in the past: no arithmetic on the deadline, so no overflow.
    recorded<interop::timer_operation> past;
    past.deadline = runtime_clock::time_point::min();
    CHECK_FALSE(kit::park_timer(timers, pending, &past, at(100)));
}

TEST_CASE("kit: milliseconds_until rounds up and saturates") {
    CHECK(kit::milliseconds_until(at(5), at(5)) == 0);
    CHECK(kit::milliseconds_until(at(4), at(5)) == 0);
    CHECK(kit::milliseconds_until(at(1), at(0)) == 1);  // never wake before the deadline
    CHECK(kit::milliseconds_until(at(1'000'000), at(0)) == 1);
    CHECK(kit::milliseconds_until(at(1'000'001), at(0)) == 2);
    CHECK(kit::milliseconds_until(runtime_clock::time_point::max(), at(1)) == INT_MAX);
}

TEST_CASE("kit: socket_waits try at once, queue in order, and refuse a second read") {
    struct socket : kit::socket_waits<queue> {};
    socket s;
    std::vector<operation*> parked;
    const auto park = [&](operation* op) { parked.push_back(op); };
    const auto ready = [](operation*) { return outcome{false, {}, 3}; };
    const auto blocks = [](operation*) { return outcome{true, {}, 0}; };
    const auto never = [](operation*) -> outcome {
        FAIL("tried while another waits");
        return {};
    };

    // Done at once: completes inline and does not wait.
    posted_op read1(op_kind::read);
    socket::start(s.readers, &read1, ready, park);
    CHECK(read1.calls == 1);
    CHECK(read1.bytes == 3);
    CHECK(s.readers.empty());

    // Would block: waits; a second read is refused without trying.
    posted_op read2(op_kind::read), read3(op_kind::read);
    socket::start(s.readers, &read2, blocks, park);
    CHECK(read2.calls == 0);
    CHECK(parked == std::vector<operation*>{&read2});
    socket::start(s.readers, &read3, never, park);
    CHECK(read3.error == busy);
    CHECK(s.has_waiters());

    // Accepts queue up behind each other, never tried while one waits.
    socket listener;
    posted_op accept1(op_kind::accept), accept2(op_kind::accept), accept3(op_kind::accept);
    socket::start(listener.readers, &accept1, blocks, park);
    socket::start(listener.readers, &accept2, never, park);
    socket::start(listener.readers, &accept3, never, park);
    CHECK(accept2.calls == 0);

    // Served in order until a call would block.
    int tries = 0;
    std::vector<operation*> served;
    socket::serve(
        listener.readers,
        [&](operation*) {
            return outcome{++tries > 2, {}, 0};
        },
        [&](operation* op, const outcome&) { served.push_back(op); });
    CHECK(served == std::vector<operation*>{&accept1, &accept2});
    CHECK(listener.readers.front() == &accept3);

    // Cancel and close.
    listener.remove(&accept3);
    CHECK_FALSE(listener.has_waiters());
    posted_op write(op_kind::write);
    socket::start(s.writers, &write, blocks, park);
    std::vector<operation*> released;
    s.release_all([&](operation* op) { released.push_back(op); });
    CHECK(released == std::vector<operation*>{&read2, &write});
    CHECK_FALSE(s.has_waiters());
}

TEST_CASE("kit: socket_waits stop serving after a connect, whose socket may be gone") {
    struct socket : kit::socket_waits<queue> {};
    socket s;
    posted_op connect(op_kind::connect);
    s.writers.push_back(&connect);
    int done = 0;
    socket::serve(
        s.writers, [](operation*) { return outcome{}; },
        [&](operation* op, const outcome&) {
            ++done;
            CHECK(op == &connect);
        });
    CHECK(done == 1);
}

TEST_CASE("kit: socket_of names the socket a read, write or accept is on") {
    recorded<interop::io_operation> read(op_kind::read);
    recorded<interop::accept_operation> accept;
    recorded<interop::connect_operation> connect;
    int a = 0, b = 0;
    read.socket = &a;
    accept.listener = &b;
    CHECK(kit::socket_of(&read) == &a);
    CHECK(kit::socket_of(&accept) == &b);
    CHECK(kit::socket_of(&connect) == nullptr);
}
