// The primitive contract where the core would hide a violation: these behaviours
// drive the runtime's vtable directly (conformance/primitive.hpp), as the core does,
// and look at what the adapter does at the moment it does it.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "interop/conformance/primitive.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

std::error_code canceled() { return std::make_error_code(std::errc::operation_canceled); }

// A connected pair made with the primitives alone.
struct raw_pair {
    runtime_ref rt;
    socket_handle listener = nullptr;
    socket_handle client = nullptr;
    socket_handle server = nullptr;

    void close() const {
        for (socket_handle s : {client, server, listener}) {
            if (s) rt.vtable->close(rt.self, s);
        }
    }
};

// Connects a new client to pair.listener and accepts its server end.
task<void> connect_to_listener(raw_pair& pair) {
    const runtime_ref rt = pair.rt;
    endpoint at;
    REQUIRE_FALSE(rt.vtable->local_endpoint(rt.self, pair.listener, &at));
    conf::manual_operation<connect_operation> connect;
    connect.peer = at;
    rt.vtable->tcp_connect(rt.self, &connect);
    REQUIRE(co_await conf::wait_for_completion(connect));
    REQUIRE_FALSE(connect.error());
    pair.client = connect.connected;
    // An accept may fail for a while (out of descriptors, or on the chaos backend on
    // purpose): the connection waits in the backlog, so try again.
    for (int tries = 0; tries < 100 && pair.server == nullptr; ++tries) {
        conf::manual_operation<accept_operation> accept;
        accept.listener = pair.listener;
        rt.vtable->tcp_accept(rt.self, &accept);
        REQUIRE(co_await conf::wait_for_completion(accept));
        if (!accept.error()) {
            pair.server = accept.accepted;
        } else {
            REQUIRE(interop::detail::accept_backs_off(accept.error()));
            (void)co_await sleep_for(1ms);
        }
    }
    REQUIRE(pair.server != nullptr);
}

task<raw_pair> raw_connect(runtime_ref rt) {
    raw_pair pair{rt};
    REQUIRE_FALSE(rt.vtable->tcp_listen(rt.self, conf::loopback_v4(), 16, &pair.listener));
    co_await connect_to_listener(pair);
    co_return pair;
}

void start_write(runtime_ref rt, io_operation& op, socket_handle s, const char* bytes,
                 std::size_t size) {
    op.kind = op_kind::write;  // an io_operation is a read unless told otherwise
    op.socket = s;
    // The adapter only reads through the pointer of a write.
    op.data = reinterpret_cast<std::byte*>(const_cast<char*>(bytes));
    op.size = size;
    rt.vtable->write(rt.self, &op);
}

// Writes `text` with the write primitive; on loopback it is taken at once.
task<void> raw_write(runtime_ref rt, socket_handle s, std::string_view text) {
    conf::manual_operation<io_operation> write;
    start_write(rt, write, s, text.data(), text.size());
    REQUIRE(co_await conf::wait_for_completion(write));
    REQUIRE(write.bytes() == text.size());
}

void start_read(runtime_ref rt, io_operation& op, socket_handle s, char* buffer, std::size_t size) {
    op.socket = s;
    op.data = reinterpret_cast<std::byte*>(buffer);
    op.size = size;
    rt.vtable->read(rt.self, &op);
}

// A read whose completion first runs a hook (on the runtime's thread, in the middle of
// the loop's delivery of completions).
struct hooked_read : io_operation {
    hooked_read() noexcept : io_operation(&hooked_read::on_complete) {}
    void (*hook)(void* context) = nullptr;
    void* context = nullptr;
    std::error_code error{};
    std::size_t bytes = 0;
    // Counted last, with release: a task that sees the count (perhaps on another
    // thread) sees the result, and the hook is done.
    std::atomic<int> completions{0};

    static void on_complete(operation* base, std::error_code ec, std::size_t n) noexcept {
        auto* self = static_cast<hooked_read*>(static_cast<io_operation*>(base));
        self->error = ec;
        self->bytes = n;
        if (self->hook) self->hook(self->context);
        self->completions.fetch_add(1, std::memory_order_release);
    }
};

}  // namespace

TEST_CASE(
    "primitive: cancel never completes the operation inside the call, the cancelled completion "
    "comes later from the loop") {
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        conf::manual_operation<timer_operation> timer;
        timer.deadline = rt.vtable->now(rt.self) + 1h;
        rt.vtable->timer_start(rt.self, &timer);
        auto pair = co_await raw_connect(rt);
        char buffer[8];
        conf::manual_operation<io_operation> read;
        start_read(rt, read, pair.server, buffer, sizeof buffer);
        conf::manual_operation<accept_operation> accept;
        accept.listener = pair.listener;
        rt.vtable->tcp_accept(rt.self, &accept);
        REQUIRE_FALSE(read.completed());    // nothing to read yet
        REQUIRE_FALSE(accept.completed());  // nobody connects
        {
            conf::inside_call cancelling;
            rt.vtable->cancel(rt.self, &timer);
            rt.vtable->cancel(rt.self, &read);
            rt.vtable->cancel(rt.self, &accept);
        }
        CHECK_FALSE(timer.completed_inside_call());
        CHECK_FALSE(read.completed_inside_call());
        CHECK_FALSE(accept.completed_inside_call());
        REQUIRE(co_await conf::wait_for_completion(timer));
        REQUIRE(co_await conf::wait_for_completion(read));
        REQUIRE(co_await conf::wait_for_completion(accept));
        CHECK(timer.error() == canceled());
        CHECK(read.error() == canceled());
        // (An accept may also fail before it is tried, as out of descriptors: the
        // chaos backend does that on purpose.)
        CHECK((accept.error() == canceled() || accept.error() == std::errc::too_many_files_open));
        CHECK(timer.completions() == 1);
        CHECK(read.completions() == 1);
        CHECK(accept.completions() == 1);
        pair.close();
    });
}

TEST_CASE(
    "primitive: close never completes pending operations inside the call, they complete later with "
    "operation_canceled") {
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        auto pair = co_await raw_connect(rt);
        char buffer[8];
        conf::manual_operation<io_operation> read;
        start_read(rt, read, pair.server, buffer, sizeof buffer);
        conf::manual_operation<accept_operation> accept;
        accept.listener = pair.listener;
        rt.vtable->tcp_accept(rt.self, &accept);
        REQUIRE_FALSE(read.completed());
        REQUIRE_FALSE(accept.completed());
        {
            conf::inside_call closing;
            rt.vtable->close(rt.self, pair.server);
            rt.vtable->close(rt.self, pair.listener);
        }
        CHECK_FALSE(read.completed_inside_call());
        CHECK_FALSE(accept.completed_inside_call());
        REQUIRE(co_await conf::wait_for_completion(read));
        REQUIRE(co_await conf::wait_for_completion(accept));
        CHECK(read.error() == canceled());
        CHECK((accept.error() == canceled() || accept.error() == std::errc::too_many_files_open));
        pair.server = pair.listener = nullptr;
        pair.close();
    });
}

TEST_CASE(
    "primitive: a read cancelled in the loop turn in which its bytes arrived keeps them: it "
    "reports the bytes, or nothing was consumed") {
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        auto first = co_await raw_connect(rt);
        auto second = co_await raw_connect(rt);
        // Both reads wait; then bytes arrive for both in the same turn of the loop.
        // Whichever read completes first cancels the other, whose byte may have been
        // read for it already: then it must report it, never operation_canceled.
        char a[8] = {};
        char b[8] = {};
        hooked_read read_a;
        hooked_read read_b;
        struct cancel_target {
            runtime_ref rt;
            operation* op;
        };
        cancel_target cancel_b{rt, &read_b};
        cancel_target cancel_a{rt, &read_a};
        const auto cancel_other = [](void* context) {
            auto* t = static_cast<cancel_target*>(context);
            t->rt.vtable->cancel(t->rt.self, t->op);
        };
        read_a.context = &cancel_b;
        read_a.hook = cancel_other;
        read_b.context = &cancel_a;
        read_b.hook = cancel_other;
        start_read(rt, read_a, first.server, a, sizeof a);
        start_read(rt, read_b, second.server, b, sizeof b);
        REQUIRE(read_a.completions.load() == 0);
        REQUIRE(read_b.completions.load() == 0);
        co_await raw_write(rt, first.client, "a");
        co_await raw_write(rt, second.client, "b");
        const time_point give_up = (co_await now()) + 10s;
        while ((read_a.completions.load() == 0 || read_b.completions.load() == 0) &&
               co_await now() < give_up) {
            (void)co_await sleep_for(1ms);
        }
        REQUIRE(read_a.completions.load() == 1);
        REQUIRE(read_b.completions.load() == 1);
        // Each read has its byte, or was cancelled before it read and left the byte for
        // the next read, ahead of anything written later.
        const auto kept = [&](const hooked_read& r, const char* buffer, const raw_pair& pair,
                              char expected) -> task<bool> {
            if (r.error != canceled()) co_return !r.error && r.bytes == 1 && buffer[0] == expected;
            co_await raw_write(rt, pair.client, "!");
            char again[8] = {};
            conf::manual_operation<io_operation> next;
            start_read(rt, next, pair.server, again, sizeof again);
            REQUIRE(co_await conf::wait_for_completion(next));
            co_return next.bytes() >= 1 && again[0] == expected;
        };
        CHECK(co_await kept(read_a, a, first, 'a'));
        CHECK(co_await kept(read_b, b, second, 'b'));
        first.close();
        second.close();
    });
}

TEST_CASE(
    "primitive: a late cancel from another thread, for an operation that completed, leaves a new "
    "operation at the same address alone") {
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        auto first = co_await raw_connect(rt);
        auto second = co_await raw_connect(rt);
        std::optional<conf::manual_operation<io_operation>> slot;  // one address, used twice
        char buffer[8] = {};
        slot.emplace();
        start_read(rt, *slot, first.server, buffer, sizeof buffer);
        co_await raw_write(rt, first.client, "x");
        REQUIRE(co_await conf::wait_for_completion(*slot));
        REQUIRE(slot->bytes() == 1);
        // The operation is done; a cancel for it arrives late, from another thread.
        operation* stale = &*slot;
        std::thread([&] { rt.vtable->cancel(rt.self, stale); }).join();
        // A new operation at the very same address, before the runtime looked at the
        // request.
        slot.emplace();
        REQUIRE(static_cast<operation*>(&*slot) == stale);
        start_read(rt, *slot, second.server, buffer, sizeof buffer);
        // Plenty of turns for the runtime to handle the request: it must not touch the
        // new read, which waits until its bytes come.
        for (int i = 0; i < 20; ++i) (void)co_await sleep_for(1ms);
        CHECK_FALSE(slot->completed());
        co_await raw_write(rt, second.client, "y");
        REQUIRE(co_await conf::wait_for_completion(*slot));
        CHECK_FALSE(slot->error());
        CHECK(slot->bytes() == 1);
        CHECK(buffer[0] == 'y');
        first.close();
        second.close();
    });
}

namespace {

const std::error_code wrong_kind = std::make_error_code(std::errc::bad_file_descriptor);

// A stream's read, write and shutdown on `s`, which is not a stream.
task<void> check_stream_calls_refused(runtime_ref rt, socket_handle s) {
    char buffer[8] = {};
    conf::manual_operation<io_operation> read;
    start_read(rt, read, s, buffer, sizeof buffer);
    REQUIRE(co_await conf::wait_for_completion(read));
    CHECK(read.error() == wrong_kind);
    CHECK(read.bytes() == 0);
    conf::manual_operation<io_operation> write;
    start_write(rt, write, s, buffer, 1);
    REQUIRE(co_await conf::wait_for_completion(write));
    CHECK(write.error() == wrong_kind);
    CHECK(write.bytes() == 0);
    CHECK(rt.vtable->shutdown_write(rt.self, s) == wrong_kind);
}

task<void> check_accept_refused(runtime_ref rt, socket_handle s) {
    conf::manual_operation<accept_operation> accept;
    accept.listener = s;
    rt.vtable->tcp_accept(rt.self, &accept);
    REQUIRE(co_await conf::wait_for_completion(accept));
    CHECK(accept.error() == wrong_kind);
    CHECK(accept.accepted == nullptr);
}

// One byte from client to server: nothing was taken from the connection. (One byte:
// the chaos backend may take part of a longer write.)
task<void> check_still_connected(runtime_ref rt, const raw_pair& pair) {
    co_await raw_write(rt, pair.client, "k");
    char buffer[8] = {};
    conf::manual_operation<io_operation> read;
    start_read(rt, read, pair.server, buffer, sizeof buffer);
    REQUIRE(co_await conf::wait_for_completion(read));
    CHECK_FALSE(read.error());
    CHECK(std::string_view(buffer, read.bytes()) == "k");
}

// One datagram of `buffer`'s first byte from `s` to `to`; its send's completion.
task<std::error_code> send_datagram(runtime_ref rt, socket_handle s, const endpoint& to,
                                    char* buffer) {
    conf::manual_operation<datagram_operation> send;
    send.kind = op_kind::send_to;  // a receive_from unless told otherwise
    send.socket = s;
    send.data = reinterpret_cast<std::byte*>(buffer);
    send.size = 1;
    send.peer = to;
    send.has_peer = true;
    rt.vtable->send_to(rt.self, &send);
    REQUIRE(co_await conf::wait_for_completion(send));
    co_return send.error();
}

// A datagram received on `s` into `buffer`: the receive's error, or its length.
task<io_result<std::size_t>> receive_datagram(runtime_ref rt, socket_handle s, char* buffer,
                                              std::size_t size) {
    conf::manual_operation<datagram_operation> receive;
    receive.socket = s;
    receive.data = reinterpret_cast<std::byte*>(buffer);
    receive.size = size;
    rt.vtable->receive_from(rt.self, &receive);
    REQUIRE(co_await conf::wait_for_completion(receive));
    if (receive.error()) co_return receive.error();
    co_return receive.bytes();
}

}  // namespace

TEST_CASE(
    "primitive: a stream's call on a listener, or an accept on a connection, fails at once with "
    "bad_file_descriptor, and both still work") {
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        auto pair = co_await raw_connect(rt);
        co_await check_stream_calls_refused(rt, pair.listener);
        co_await check_accept_refused(rt, pair.server);
        co_await check_still_connected(rt, pair);
        // The listener still accepts.
        rt.vtable->close(rt.self, pair.client);
        rt.vtable->close(rt.self, pair.server);
        pair.client = pair.server = nullptr;
        co_await connect_to_listener(pair);
        co_await check_still_connected(rt, pair);
        pair.close();
    });
}

TEST_CASE(
    "primitive: TCP and UDP handles refuse each other's calls at once with bad_file_descriptor, "
    "and still work") {
    INTEROP_REQUIRE_CAPABILITY(cap_udp);
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        auto pair = co_await raw_connect(rt);
        socket_handle udp = nullptr;
        REQUIRE_FALSE(rt.vtable->udp_bind(rt.self, conf::loopback_v4(), &udp));
        co_await check_stream_calls_refused(rt, udp);
        co_await check_accept_refused(rt, udp);
        endpoint udp_at;
        REQUIRE_FALSE(rt.vtable->local_endpoint(rt.self, udp, &udp_at));
        char buffer[8] = {'d'};
        for (socket_handle s : {pair.server, pair.listener}) {
            CHECK(co_await send_datagram(rt, s, udp_at, buffer) == wrong_kind);
            const io_result<std::size_t> received =
                co_await receive_datagram(rt, s, buffer, sizeof buffer);
            CHECK(received.error() == wrong_kind);
        }
        co_await check_still_connected(rt, pair);
        // The UDP socket still sends and receives: a datagram to itself.
        CHECK_FALSE(co_await send_datagram(rt, udp, udp_at, buffer));
        const io_result<std::size_t> received =
            co_await receive_datagram(rt, udp, buffer, sizeof buffer);
        CHECK(received.value() == 1);
        rt.vtable->close(rt.self, udp);
        pair.close();
    });
}

namespace {

std::size_t try_write(runtime_ref rt, socket_handle s, std::string_view text) {
    return rt.vtable->try_write(rt.self, s, reinterpret_cast<const std::byte*>(text.data()),
                                text.size());
}

// Reads `s` to its end: how many bytes came, and whether each was `expected`.
task<std::pair<std::size_t, bool>> read_to_end(runtime_ref rt, socket_handle s, char expected) {
    std::vector<char> buffer(64 * 1024);
    std::size_t count = 0;
    bool all_expected = true;
    for (;;) {
        conf::manual_operation<io_operation> read;
        start_read(rt, read, s, buffer.data(), buffer.size());
        REQUIRE(co_await conf::wait_for_completion(read));
        REQUIRE_FALSE(read.error());
        if (read.bytes() == 0) co_return std::pair{count, all_expected};
        for (std::size_t i = 0; i < read.bytes(); ++i) all_expected &= buffer[i] == expected;
        count += read.bytes();
    }
}

// Writes 'f's with the write primitive until a write waits for room, then checks that
// try_write writes nothing while it waits, and after shutdown_write once it is done.
// Returns every byte written.
task<std::size_t> fill_then_try(runtime_ref rt, socket_handle s, std::size_t written) {
    const std::vector<char> chunk(64 * 1024, 'f');
    std::optional<conf::manual_operation<io_operation>> write;
    for (int n = 0; n < 4096; ++n) {
        start_write(rt, write.emplace(), s, chunk.data(), chunk.size());
        if (!write->completed()) break;
        REQUIRE_FALSE(write->error());
        written += write->bytes();
    }
    REQUIRE_FALSE(write->completed());  // 256 MiB did not all fit
    CHECK(try_write(rt, s, "y") == 0);
    REQUIRE(co_await conf::wait_for_completion(*write));
    REQUIRE_FALSE(write->error());
    written += write->bytes();
    REQUIRE_FALSE(rt.vtable->shutdown_write(rt.self, s));
    CHECK(try_write(rt, s, "z") == 0);
    co_return written;
}

}  // namespace

TEST_CASE(
    "primitive: try_write writes what a stream takes at once, and nothing while a write waits, "
    "after shutdown_write, on a listener, a closed handle or with no byte") {
    INTEROP_REQUIRE_CAPABILITY(cap_write_at_once);
    conf::run([]() -> task<void> {
        const runtime_ref rt = (co_await current_context())->runtime;
        const bool offered = rt.vtable->try_write != nullptr;
        REQUIRE(offered);
        auto pair = co_await raw_connect(rt);
        CHECK(try_write(rt, pair.listener, "f") == 0);
        CHECK(try_write(rt, pair.client, std::string_view{}) == 0);
        // The fast path takes bytes at once (the chaos backend declines at random, and
        // may take part of them).
        std::size_t first = 0;
        for (int tries = 0; tries < 1000 && first == 0; ++tries)
            first = try_write(rt, pair.client, "fffff");
        REQUIRE(first >= 1);
        REQUIRE(first <= 5);
        // What the server reads is exactly what was written, with no 'y' or 'z'.
        auto [received, written] = co_await when_all(read_to_end(rt, pair.server, 'f'),
                                                     fill_then_try(rt, pair.client, first));
        CHECK(received.first == written);
        CHECK(received.second);
        // A closed handle.
        const socket_handle closed = pair.client;
        rt.vtable->close(rt.self, closed);
        pair.client = nullptr;
        CHECK(try_write(rt, closed, "f") == 0);
        pair.close();
    });
}

TEST_CASE(
    "timer: the runtime clock moves on within a turn of the loop, and a sleep started late in a "
    "long turn waits its whole duration") {
    conf::run([]() -> task<void> {
        (void)co_await yield_now();  // the start of a turn
        const time_point before = co_await now();
        std::this_thread::sleep_for(20ms);  // a long turn: the loop is held up
        const time_point after = co_await now();
        CHECK(after - before >= 20ms);
        const auto started = std::chrono::steady_clock::now();
        (void)co_await sleep_for(10ms);
        CHECK(std::chrono::steady_clock::now() - started >= 10ms);
    });
}
