// How a response goes on the wire: its status line, fields and framing.
#pragma once

#include <optional>
#include <string>

#include "http/exchange.hpp"

namespace http {

/// What the server knows about the exchange a response answers.
struct reply_shape {
    int version = 11;        // the request's: 10 or 11
    bool head_only = false;  // a HEAD request: the fields a GET would get, no body
    bool close = false;      // the connection closes after this response
};

/// How the body follows the head.
enum class body_mode { none, length, chunked, until_close };

/// Appends the status line, the service's fields and the framing fields
/// (Content-Length or Transfer-Encoding, Connection) to `out`, and returns how the
/// body must be sent; a body streamed to an HTTP/1.0 client is sent until close, so
/// the caller must close after it. Nothing is appended, and nullopt returned, when a
/// field of the service's could not be written safely (a CR or LF in it, a name that
/// is not a token, or a framing field the server writes itself).
std::optional<body_mode> write_response_head(std::string& out, const response& r,
                                             const reply_shape& shape);

/// Appends a whole response with `status` and a one-line text body, closing the
/// connection: what the server answers to a request it cannot serve.
void write_error_response(std::string& out, int status);

}  // namespace http
