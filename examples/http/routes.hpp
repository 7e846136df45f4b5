// The routes of interop-http-serve.
#pragma once

#include <string>

#include "http/exchange.hpp"
#include "interop/interop.hpp"

namespace http_example {

/// Answers GET /hello, POST or PUT /echo, GET /stream?n=N, GET /slow?ms=N, and GET or
/// HEAD of the files under `*root` (none when it is empty), which must outlive the call.
interop::task<interop::io_result<http::response>> route(const std::string* root, http::request req);

/// route() as a service.
inline auto routes(std::string root) {
    return interop::service_fn<http::response>(
        [root = std::move(root)](http::request req) { return route(&root, std::move(req)); });
}

}  // namespace http_example
