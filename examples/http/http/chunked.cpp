#include "http/chunked.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace http {

namespace {

// A chunk size of more hex digits than a 64-bit count holds is refused, however many
// of them are leading zeros: a reader that keeps fewer bits would see another size.
constexpr int max_size_digits = 16;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// What may follow the digits of a chunk size: the CRLF, an extension, or whitespace
// before an extension.
bool ends_chunk_size(char c) { return c == '\r' || c == ';' || c == ' ' || c == '\t'; }

// What a chunk extension may hold: visible characters, obs-text, SP and HT (the
// characters of its tokens and quoted strings), so never a CR, LF or NUL.
bool is_extension_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

}  // namespace

chunked_decoder::chunked_decoder(const limits& lim)
    : max_chunk_line_(lim.max_chunk_line),
      max_trailer_bytes_(lim.max_head_bytes),
      max_trailers_(lim.max_headers),
      max_body_(lim.max_body) {}

decode_result chunked_decoder::fail(std::size_t consumed, int status, std::string_view why) {
    step_ = step::failed;
    failed_status_ = status;
    failed_why_ = why;
    return {parse_state::failed, consumed, status, why};
}

decode_result chunked_decoder::feed(std::string_view in, std::string& out) {
    if (step_ == step::failed) return {parse_state::failed, 0, failed_status_, failed_why_};
    if (step_ == step::done) return {parse_state::complete, 0, 0, {}};

    std::size_t pos = 0;
    while (pos < in.size()) {
        const char c = in[pos];
        const bool in_size_line =
            step_ == step::size || step_ == step::size_space || step_ == step::extension;
        if (in_size_line && c != '\r' && ++size_line_bytes_ > max_chunk_line_) {
            return fail(pos, 400, "chunk size line too long");
        }
        switch (step_) {
            // chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1)
            case step::size:
                if (const int digit = hex_value(c); digit >= 0) {
                    if (++size_digits_ > max_size_digits) {
                        return fail(pos, 413, "chunk size too large");
                    }
                    chunk_size_ = chunk_size_ * 16 + static_cast<std::uint64_t>(digit);
                    if (chunk_size_ > max_body_ - body_size_) {
                        return fail(pos, 413, "body too large");
                    }
                } else if (c == '\n') {
                    return fail(pos, 400, "line ended by a bare LF");
                } else if (size_digits_ == 0 || !ends_chunk_size(c)) {
                    return fail(pos, 400, "invalid chunk size");
                } else if (c == '\r') {
                    step_ = step::size_lf;
                } else if (c == ';') {
                    step_ = step::extension;
                } else {
                    step_ = step::size_space;
                }
                break;
            case step::size_space:  // BWS, allowed only before an extension
                if (c == ';') {
                    step_ = step::extension;
                } else if (c != ' ' && c != '\t') {
                    return fail(pos, 400, "whitespace after the chunk size");
                }
                break;
            case step::extension:  // skipped: this server knows no chunk extension
                if (c == '\r') {
                    step_ = step::size_lf;
                } else if (c == '\n') {
                    return fail(pos, 400, "line ended by a bare LF");
                } else if (!is_extension_char(c)) {
                    return fail(pos, 400, "control character in a chunk extension");
                }
                break;
            case step::size_lf:
                if (c != '\n') return fail(pos, 400, "CR without LF");
                step_ = chunk_size_ == 0 ? step::trailer_line : step::data;
                break;
            case step::data: {
                const auto take =
                    static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, in.size() - pos));
                out.append(in.substr(pos, take));
                pos += take;
                chunk_size_ -= take;
                body_size_ += take;
                if (chunk_size_ == 0) step_ = step::data_cr;
                continue;  // `pos` has moved past the data already
            }
            case step::data_cr:
                if (c != '\r') return fail(pos, 400, "chunk data not followed by CRLF");
                step_ = step::data_lf;
                break;
            case step::data_lf:
                if (c != '\n') return fail(pos, 400, "chunk data not followed by CRLF");
                step_ = step::size;
                size_digits_ = 0;
                size_line_bytes_ = 0;
                break;
            // trailer-section CRLF (RFC 9112 §7.1.2): field lines, then an empty line.
            case step::trailer_line: {
                const std::string_view rest = in.substr(pos);
                const std::size_t stop = std::min(rest.find_first_of("\r\n"), rest.size());
                // Every byte of the line must leave room for its CR. Failing at the
                // first byte that does not, rather than at the line's start, fails at
                // the same byte however the input is split.
                const std::size_t room = max_trailer_bytes_ - trailer_bytes_;
                if (stop + 1 > room) {
                    return fail(pos + (room > 0 ? room - 1 : 0), 431, "trailer section too large");
                }
                trailer_line_.append(rest.substr(0, stop));
                trailer_bytes_ += stop;
                pos += stop;
                if (stop == rest.size()) continue;  // the line goes on in the next input
                if (rest[stop] == '\n') return fail(pos, 400, "line ended by a bare LF");
                ++trailer_bytes_;
                step_ = step::trailer_lf;
                break;
            }
            case step::trailer_lf:
                if (c != '\n') return fail(pos, 400, "CR without LF");
                if (trailer_bytes_ == max_trailer_bytes_) {
                    return fail(pos, 431, "trailer section too large");
                }
                ++trailer_bytes_;
                if (trailer_line_.empty()) {
                    step_ = step::done;
                    return {parse_state::complete, pos + 1, 0, {}};
                }
                if (trailer_line_.front() == ' ' || trailer_line_.front() == '\t') {
                    return fail(pos, 400, "obsolete line folding");
                }
                if (++trailers_ > max_trailers_) return fail(pos, 431, "too many trailer fields");
                {
                    // Checked as a header field would be, then dropped: nothing here
                    // needs what a trailer says.
                    header_field field;
                    if (const std::string_view why = detail::parse_field_line(trailer_line_, field);
                        !why.empty()) {
                        return fail(pos, 400, why);
                    }
                }
                trailer_line_.clear();
                step_ = step::trailer_line;
                break;
            case step::done:
            case step::failed:
                break;  // handled before the loop
        }
        ++pos;
    }
    return {parse_state::incomplete, pos, 0, {}};
}

void write_chunk(std::string& out, std::string_view data) {
    if (data.empty()) return;
    std::array<char, 16> size{};
    const auto [end, error] =
        std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
    (void)error;  // 16 hex digits hold any std::size_t
    out.append(size.data(), end).append("\r\n").append(data).append("\r\n");
}

void write_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

}  // namespace http
