// Requests as a Redis server reads them: RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
// and inline commands ("GET k\r\n", what telnet users type), parsed incrementally.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redis {

/// Sizes a request may announce or take, as in Redis's configuration.
struct parser_limits {
    /// The longest bulk argument (Redis's proto-max-bulk-len); a longer announced
    /// length is "invalid bulk length".
    std::size_t max_bulk = std::size_t{512} * 1024 * 1024;
    /// The longest inline request, and the longest count line of a multibulk request
    /// (Redis's PROTO_INLINE_MAX_SIZE).
    std::size_t max_inline = std::size_t{64} * 1024;
};

enum class parse_status { incomplete, complete, failed };

/// Finds one request at the front of a connection's buffered bytes. A request that is
/// not all there yet leaves its progress in the parser, and the next call goes on
/// from there, so a long request is not scanned again with each read. Nothing is
/// allocated for what a request announces: memory follows the bytes that arrived.
class request_parser {
public:
    explicit request_parser(parser_limits limits = {}) : limits_(limits) {}

    /// Parses the request at the front of `buffer`. Until reset(), each call must see
    /// the same bytes at the front as the previous one, and maybe more after them.
    parse_status parse(std::string_view buffer);

    /// After `complete`: the request's arguments, which refer into the buffer given to
    /// parse() (or into the parser, for inline requests); empty for an empty request
    /// ("*0\r\n", a blank line), which Redis skips.
    std::span<const std::string_view> arguments() const noexcept { return arguments_; }
    /// After `complete`: how many bytes of the buffer the request took.
    std::size_t consumed() const noexcept { return position_; }
    /// After `failed`: Redis's error text, without the "ERR " code.
    const std::string& error() const noexcept { return error_; }

    /// Forgets the request, for the next one (the caller has dropped consumed() bytes).
    void reset() noexcept;

private:
    parse_status parse_multibulk(std::string_view buffer);
    parse_status parse_inline(std::string_view buffer);
    parse_status fail(std::string message);

    parser_limits limits_;
    enum class kind { unknown, multibulk, inline_command } kind_ = kind::unknown;
    std::size_t position_ = 0;       // bytes parsed so far
    long long arguments_left_ = -1;  // multibulk: -1 until the count is read
    long long bulk_length_ = -1;     // multibulk: -1 until a bulk's length is read
    std::vector<std::pair<std::size_t, std::size_t>> spans_;  // offset, length
    std::vector<std::string_view> arguments_;
    std::vector<std::string> inline_words_;
    std::string error_;
};

/// Splits an inline request into its words as Redis does: blanks separate them,
/// "double quotes" allow \n, \r, \t, \b, \a, \\, \" and \xHH escapes, 'single quotes'
/// allow \'; a closing quote must be followed by a blank or the end. False for
/// unbalanced quotes. A NUL byte ends the line.
bool split_inline(std::string_view line, std::vector<std::string>& words);

}  // namespace redis
