// Anonymous pipes: a reader end and a writer end with the rules of a TCP stream's two
// directions; end of stream when the writer closes, broken_pipe (not SIGPIPE) when
// the reader has (interop/pipe.hpp).
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "interop/conformance/loopback.hpp"
#include "read_cancel_race.hpp"

using namespace interop;
using namespace std::chrono_literals;
namespace conf = interop::conformance;

namespace {

task<pipe_ends> opened() {
    auto ends = co_await open_pipe();
    REQUIRE(ends.has_value());
    co_return std::move(*ends);
}

}  // namespace

TEST_CASE(
    "pipe: what the writer writes arrives in order, a MiB through a full pipe included, "
    "and closing the writer is end of stream") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto ends = co_await opened();
        auto& reader = ends.reader;  // named references: lambdas below capture them
        auto& writer = ends.writer;
        constexpr std::size_t size = 1 << 20;  // far more than a pipe holds
        const std::vector<std::byte> sent = conf::pattern(0, size);
        std::vector<std::byte> got;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                CHECK((co_await write_all(writer, sent)).has_value());
                (void)co_await writer.close();
            });
            s.spawn([&]() -> task<void> {
                auto n = co_await read_to_end(reader, got);
                CHECK(n.value() == size);
            });
            co_return;
        });
        CHECK(got == sent);
        std::array<char, 4> buffer{};
        CHECK((co_await reader.read(buffer)).value() == 0);  // and again
    });
}

TEST_CASE("pipe: a write once the reader is closed fails with broken_pipe, and nothing dies") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto [reader, writer] = co_await opened();
        (void)co_await reader.close();
        auto wrote = co_await writer.write(std::string_view("lost"));
        CHECK(wrote.is(std::errc::broken_pipe));
        CHECK((co_await writer.write(std::string_view("again"))).is(std::errc::broken_pipe));
    });
}

TEST_CASE("pipe: a cancelled read consumes nothing; the next read gets the bytes") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto [reader, writer] = co_await opened();
        std::array<char, 16> buffer{};
        CHECK((co_await timeout(5ms, reader.read(buffer))).is(std::errc::timed_out));
        CHECK((co_await conf::write_text(writer, "kept")).has_value());
        CHECK((co_await conf::read_text(reader, 4)).value() == "kept");
    });
}

TEST_CASE(
    "pipe: an empty read buffer is invalid_argument; after close every use is "
    "bad_file_descriptor and a second close is harmless") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto [reader, writer] = co_await opened();
        CHECK((co_await reader.read(std::span<char>())).is(std::errc::invalid_argument));
        CHECK((co_await writer.write(std::string_view())).value() == 0);
        (void)co_await reader.close();
        (void)co_await reader.close();
        (void)co_await writer.close();
        (void)co_await writer.close();
        std::array<char, 4> buffer{};
        CHECK(!reader.is_open());
        CHECK((co_await reader.read(buffer)).is(std::errc::bad_file_descriptor));
        CHECK((co_await writer.write(std::string_view("x"))).is(std::errc::bad_file_descriptor));
    });
}

TEST_CASE("pipe: a second read while one is pending fails at once with device_or_resource_busy") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto ends = co_await opened();
        auto& reader = ends.reader;
        auto& writer = ends.writer;
        std::array<char, 8> first{};
        std::array<char, 8> second{};
        io_result<std::size_t> pending = std::size_t{0};
        conf::arrival reading;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn([&]() -> task<void> {
                reading.arrive();
                pending = co_await reader.read(first);
            });
            co_await reading.wait();
            CHECK((co_await reader.read(second)).is(std::errc::device_or_resource_busy));
            CHECK((co_await conf::write_text(writer, "x")).has_value());
        });
        CHECK(pending.value() == 1);
        CHECK(first[0] == 'x');
    });
}

TEST_CASE(
    "pipe: a read cancelled in the loop turn in which its bytes arrived reports them or leaves "
    "them for the next read") {
    INTEROP_REQUIRE_CAPABILITY(cap_pipe);
    conf::run([]() -> task<void> {
        auto first = co_await opened();
        auto second = co_await opened();
        CHECK(co_await conf::testing::read_cancel_race(first.reader, first.writer, second.reader,
                                                       second.writer));
    });
}
