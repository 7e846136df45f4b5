// The race a cancelled read must survive: bytes arrive for two pending reads in the
// same turn of the loop, and whichever completes first cancels the other, whose bytes
// may have been read for it already. Then it must report them; if it reports
// operation_canceled instead, the bytes must still be there for the next read.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "interop/conformance/suite.hpp"

namespace interop::conformance::testing {

// Whether `read` (what a cancelled-or-not read of `reader` reported into `buffer`)
// kept `expected`, which was written to `writer` when `written`.
template <typename Reader, typename Writer>
task<bool> kept(Reader& reader, Writer& writer, const io_result<std::size_t>& read,
                const std::array<char, 8>& buffer, bool written, char expected) {
    if (read) co_return *read == 1 && buffer[0] == expected;
    if (!read.is(std::errc::operation_canceled)) co_return false;
    // Cancelled: the byte, if it was sent, is the next one read, ahead of a later one.
    io_result<std::size_t> marked = co_await write_text(writer, "!");
    if (!marked) co_return false;
    io_result<std::string> next = co_await read_text(reader, 1);
    co_return next && (*next)[0] == (written ? expected : '!');
}

// Runs the race on two reader/writer pairs; true when both reads kept their bytes.
template <typename Reader, typename Writer>
task<bool> read_cancel_race(Reader& reader_a, Writer& writer_a, Reader& reader_b,
                            Writer& writer_b) {
    std::array<char, 8> a{};
    std::array<char, 8> b{};
    io_result<std::size_t> read_a = std::errc::io_error;
    io_result<std::size_t> read_b = std::errc::io_error;
    bool wrote_a = false;
    bool wrote_b = false;
    co_await with_scope([&](scope& s) -> task<void> {
        s.spawn([&]() -> task<void> {
            read_a = co_await reader_a.read(a);
            s.cancel();
        });
        s.spawn([&]() -> task<void> {
            read_b = co_await reader_b.read(b);
            s.cancel();
        });
        (void)co_await yield_now();
        (void)co_await yield_now();
        // Named results: GCC 12 cannot type a co_await inside an expression here.
        io_result<std::size_t> sent_a = co_await writer_a.write(std::string_view("a"));
        wrote_a = sent_a.has_value();
        io_result<std::size_t> sent_b = co_await writer_b.write(std::string_view("b"));
        wrote_b = sent_b.has_value();
    });
    const bool a_kept = co_await kept(reader_a, writer_a, read_a, a, wrote_a, 'a');
    const bool b_kept = co_await kept(reader_b, writer_b, read_b, b, wrote_b, 'b');
    co_return a_kept&& b_kept;
}

}  // namespace interop::conformance::testing
