// A request as a service sees it, and the response it gives back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "interop/any_iterator.hpp"

namespace http {

/// A request with its whole body (the server has read it, within its limits, before
/// the service is called).
struct request {
    request_head head;
    std::string body;

    std::string_view method() const noexcept { return head.method; }
    std::string_view target() const noexcept { return head.target; }
    /// The target up to '?'.
    std::string_view path() const noexcept;
    /// The target after '?', or empty.
    std::string_view query() const noexcept;
    /// The first field of that name (compared without case), or null.
    const std::string* header(std::string_view name) const { return head.fields.find(name); }
};

/// What a service answers. Content-Length, Transfer-Encoding and Connection are the
/// server's to write: a service sets the status, its own fields and the body.
struct response {
    int status = 200;
    headers fields;
    std::string body;
    /// When set, the body comes from this iterator instead, an item at a time: as
    /// chunks to an HTTP/1.1 client, until the connection closes to an HTTP/1.0 one.
    std::optional<interop::any_iterator<std::string>> stream;

    /// A response with a text body and its Content-Type.
    static response text(int status, std::string body,
                         std::string_view content_type = "text/plain; charset=utf-8");
};

}  // namespace http
