// The chunked transfer coding (RFC 9112 §7.1): an incremental decoder that takes the
// bytes after a head in pieces of any size, down to one byte, and the two writers that
// produce it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/parse.hpp"

namespace http {

struct decode_result {
    // complete: the body ended (last chunk, trailer section, final CRLF); incomplete:
    // every byte was used and more are needed; failed: the body is malformed.
    parse_state state = parse_state::incomplete;
    // Input bytes used by this call. When complete, the rest of the input belongs to
    // the next message on the connection.
    std::size_t consumed = 0;
    // When failed: 400 (malformed), 413 (body over max_body) or 431 (trailers too
    // large); the connection must close. 0 otherwise.
    int status = 0;
    std::string_view why;
};

class chunked_decoder {
public:
    explicit chunked_decoder(const limits& lim = {});

    // Decodes as much of `in` as it can, appending body bytes to `out`. After complete
    // or failed, further calls consume nothing and answer the same.
    decode_result feed(std::string_view in, std::string& out);

    bool done() const { return step_ == step::done; }
    // Body bytes decoded so far.
    std::uint64_t body_size() const { return body_size_; }

private:
    enum class step {
        size,        // hex digits of the chunk size
        size_space,  // whitespace after the size, before a ';'
        extension,   // ";name=value..." after the size, skipped
        size_lf,     // the LF ending the size line
        data,        // chunk data
        data_cr,     // the CRLF after chunk data
        data_lf,
        trailer_line,  // a trailer field line, or the final empty line
        trailer_lf,
        done,
        failed,
    };

    decode_result fail(std::size_t consumed, int status, std::string_view why);

    std::size_t max_chunk_line_;
    std::size_t max_trailer_bytes_;
    std::size_t max_trailers_;
    std::uint64_t max_body_;

    step step_ = step::size;
    std::uint64_t chunk_size_ = 0;  // the size being read, then what is left of the chunk
    int size_digits_ = 0;
    std::size_t size_line_bytes_ = 0;  // of the chunk-size line so far, without its CRLF
    std::uint64_t body_size_ = 0;
    std::string trailer_line_;       // the trailer line being read
    std::size_t trailer_bytes_ = 0;  // of the whole trailer section so far
    std::size_t trailers_ = 0;
    int failed_status_ = 0;
    std::string_view failed_why_;
};

// Appends `data` as one chunk. Empty data writes nothing: an empty chunk would be the
// last-chunk and end the body.
void write_chunk(std::string& out, std::string_view data);

// Appends the last-chunk and an empty trailer section, ending a chunked body.
void write_last_chunk(std::string& out);

}  // namespace http
