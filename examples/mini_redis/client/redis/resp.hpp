// RESP2, the protocol Redis speaks: writing commands and reading replies. No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/command.hpp"
#include "redis/value.hpp"

namespace redis {

/// Appends `cmd` to `out` as an array of bulk strings: "*N\r\n$len\r\narg\r\n"...
void encode_command(std::string& out, const command& cmd);

/// What reply_parser::feed found.
enum class parse_status {
    incomplete,  // every byte given was used; more are needed for a whole reply
    complete,    // a reply is whole: take() it, then feed the rest
    failed,      // not RESP2 (or beyond the limits): the stream cannot be resynchronised
};

/// Limits that keep a broken or hostile server from exhausting memory.
struct parser_limits {
    std::size_t max_bulk = 512 * 1024 * 1024;  // Redis's own proto-max-bulk-len
    std::size_t max_line = 64 * 1024;          // a status, error or length line
    std::size_t max_depth = 64;                // arrays inside arrays
    std::int64_t max_elements = 1 << 24;       // elements of one array
};

/// Reads replies from a byte stream given in pieces of any size: state is kept
/// between calls, so a reply may be split at any byte, and no byte is read twice.
///
///     parser.feed(bytes) -> {consumed, status}; on complete, take() the reply and
///     feed bytes.substr(consumed) again: they may hold further replies.
class reply_parser {
public:
    struct result {
        std::size_t consumed = 0;
        parse_status status = parse_status::incomplete;
    };

    explicit reply_parser(const parser_limits& limits = {}) : limits_(limits) {}

    result feed(std::string_view data);
    /// The reply that made feed() answer complete.
    value take();
    /// Whether the parser is between replies (no partial reply buffered).
    bool idle() const noexcept;

private:
    struct frame {
        std::vector<value> elements;
        std::size_t expected = 0;
    };

    bool on_line(std::string_view line);
    bool on_value(value v);  // true: a whole reply is done

    parser_limits limits_;
    std::string line_;                 // a line so far, without its "\r\n"
    std::optional<std::size_t> bulk_;  // the bulk string being read: its length
    std::string bulk_data_;            // ... and what arrived of it (with the "\r\n")
    std::vector<frame> stack_;         // arrays still filling, innermost last
    std::optional<value> done_;
    bool failed_ = false;
};

}  // namespace redis
