// Writing heads. The writers trust what they are given: whatever comes from outside
// (a name or value from a peer or a user) is checked with the predicates below first,
// or a CR or LF in it would end the line early and let the text write a field, or a
// whole message, of its own (response splitting).
#pragma once

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace http {

// Whether a field can be written as it is: the name is a token and the value holds no
// control character other than HT (so no CR, LF or NUL).
bool valid_field(std::string_view name, std::string_view value);

// Whether a request line can carry this method and target: a token, and a non-empty
// run of visible ASCII characters.
bool valid_request_line(std::string_view method, std::string_view target);

// Appends "HTTP/1.x status reason", the fields and the empty line, each ending in CRLF.
// An empty reason is replaced by reason_phrase(status). Content-Length or
// Transfer-Encoding is the caller's to set.
void write_head(std::string& out, const response_head& head);

// Appends "method target HTTP/1.x", the fields and the empty line, each ending in CRLF.
void write_head(std::string& out, const request_head& head);

}  // namespace http
