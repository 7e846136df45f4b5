// Cancellation through a context's stop callback, which the operations that wait one
// after the other in a task (or in a scope's body) share: a stop finds whichever of
// them waits when it comes, from whatever thread it comes, and a context copied by
// hand still cancels what waits in it.
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>

#include "interop/conformance/loopback.hpp"
#include "interop/conformance/suite.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

// The bytes written and read: 0, 1, ..., 250, 0, 1, ... (251 is prime, so no read
// size lines up with it and a lost byte always shows).
constexpr unsigned sequence_period = 251;

struct sequence {
    unsigned next = 0;
    std::size_t count = 0;
    // False at the first byte out of sequence.
    bool take(std::span<const char> bytes) {
        for (char c : bytes) {
            if (static_cast<unsigned char>(c) != next) return false;
            next = (next + 1) % sequence_period;
            ++count;
        }
        return true;
    }
    std::string make(std::size_t n) {
        std::string text;
        for (std::size_t i = 0; i < n; ++i) {
            text.push_back(static_cast<char>(static_cast<unsigned char>(next)));
            next = (next + 1) % sequence_period;
            ++count;
        }
        return text;
    }
};

// Reads until a read fails, and says how it failed.
task<void> read_until_failure(tcp_stream* stream, sequence* read, std::error_code* failure) {
    char buf[32];
    for (;;) {
        auto n = co_await stream->read(buf);
        if (!n) {
            *failure = n.error();
            co_return;
        }
        if (!read->take(std::span<const char>(buf, *n))) {
            *failure = std::make_error_code(std::errc::illegal_byte_sequence);
            co_return;
        }
    }
}

task<void> sleep_recording(event* sleeping, std::optional<io_result<void>>* slept) {
    sleeping->set();
    *slept = co_await sleep_for(24h);
}

generator<int> sleep_then_yield(std::optional<io_result<void>>* slept) {
    *slept = co_await sleep_for(24h);
    co_yield 1;
}

}  // namespace

TEST_CASE(
    "cancellation: a stop from another thread cancels one of a task's reads in a row, losing no "
    "byte") {
    conf::run([]() -> task<void> {
        auto pair = co_await conf::connect_loopback();
        tcp_stream& client = pair.client;
        tcp_stream& server = pair.server;

        sequence written;
        sequence read;
        for (int round = 0; round < 50; ++round) {
            std::error_code failure;
            auto reader = co_await spawn(read_until_failure, &server, &read, &failure);
            // The stop comes from a thread of its own, after a while that differs from
            // round to round: while a read waits, or between two reads.
            std::thread canceller([&reader, round] {
                std::this_thread::sleep_for(std::chrono::microseconds(round % 5 * 100));
                reader.cancel();
            });
            std::size_t chunk = 1;
            bool writes_succeeded = true;
            while (!reader.done() && writes_succeeded) {
                const std::string bytes = written.make(chunk);
                auto wrote = co_await conf::write_text(client, bytes);
                writes_succeeded = wrote.has_value();
                chunk = chunk % 7 + 1;
                (void)co_await yield_now();
            }
            CHECK(writes_succeeded);
            canceller.join();
            (void)co_await reader;
            CHECK(failure == std::errc::operation_canceled);
        }
        // What the cancelled reads left is all still there, in order.
        REQUIRE(written.count >= read.count);
        auto rest_read = conf::read_text(server, written.count - read.count);
        auto rest = co_await timeout(10s, std::move(rest_read));
        REQUIRE(rest.has_value());
        CHECK(read.take(*rest));
        CHECK(read.count == written.count);
    });
}

TEST_CASE("cancellation: a read in a scope's body is cancelled when a child cancels the scope") {
    conf::run([]() -> task<void> {
        auto pair = co_await conf::connect_loopback();
        tcp_stream& client = pair.client;
        tcp_stream& server = pair.server;

        std::optional<io_result<std::size_t>> body_read;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(
                [](scope* owner) -> task<void> {
                    (void)co_await sleep_for(2ms);
                    owner->cancel();
                },
                &s);
            char buf[16];
            body_read = co_await server.read(buf);
        });
        REQUIRE(body_read.has_value());
        CHECK(body_read->is(std::errc::operation_canceled));
        // The stop was the scope's: its owner reads on, and no byte was lost.
        CHECK((co_await conf::write_text(client, "after")).has_value());
        CHECK((co_await conf::read_text(server, 5)).value() == "after");
    });
}

TEST_CASE("cancellation: a generator's wait is cancelled with the task that consumes it") {
    conf::run([]() -> task<void> {
        std::optional<io_result<void>> slept;
        event consuming;
        auto consumer = co_await spawn([&]() -> task<void> {
            generator<int> items = sleep_then_yield(&slept);
            consuming.set();
            (void)co_await items.next();
        });
        (void)co_await consuming.wait();
        (void)co_await sleep_for(2ms);
        consumer.cancel();
        (void)co_await consumer;
        REQUIRE(slept.has_value());
        CHECK(slept->is(std::errc::operation_canceled));
    });
}

TEST_CASE("context: a task run in a copy of its parent's context is cancelled with it") {
    conf::run([]() -> task<void> {
        std::optional<io_result<void>> slept;
        event sleeping;
        auto outer = co_await spawn([&]() -> task<void> {
            // A copy made by hand, with the spawned task's runtime and stop token.
            task_context copy = *co_await current_context();
            auto inner = sleep_recording(&sleeping, &slept);
            co_await detail::in_context_awaiter<void>{inner.handle(), &copy};
        });
        (void)co_await sleeping.wait();
        (void)co_await sleep_for(2ms);
        outer.cancel();
        (void)co_await outer;
        REQUIRE(slept.has_value());
        CHECK(slept->is(std::errc::operation_canceled));
    });
}
