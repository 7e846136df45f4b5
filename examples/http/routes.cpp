#include "routes.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

namespace http_example {

namespace {

constexpr std::string_view greeting = "Hello, world!\n";

interop::generator<std::string> numbered_lines(int n) {
    for (int i = 1; i <= n; ++i) co_yield "line " + std::to_string(i) + "\n";
}

http::response method_not_allowed(std::string_view allow) {
    http::response r = http::response::text(405, "Method Not Allowed\n");
    r.fields.add("Allow", std::string(allow));
    return r;
}

// The value of `name` in a query such as "n=5&x=1", or empty.
std::string_view query_value(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

// The number `text` spells, if it is all digits and within [0, most].
std::optional<int> number_in(std::string_view text, int most) {
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n < 0 || n > most) {
        return std::nullopt;
    }
    return n;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The path of a file under the root for a request path, or empty when the path could
// leave the root or is not a plain path: percent-decoded, no "." or ".." segment, no
// NUL, no backslash.
std::string file_path(std::string_view root, std::string_view path) {
    std::string decoded;
    for (std::size_t i = 0; i < path.size(); ++i) {
        char c = path[i];
        if (c == '%') {
            if (i + 2 >= path.size()) return {};
            const int hi = hex_digit(path[i + 1]);
            const int lo = hex_digit(path[i + 2]);
            if (hi < 0 || lo < 0) return {};
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') return {};
        decoded += c;
    }
    if (decoded.empty() || decoded[0] != '/') return {};
    std::string_view rest = decoded;
    while (!rest.empty()) {
        rest.remove_prefix(1);  // the '/'
        const std::string_view segment = rest.substr(0, rest.find('/'));
        if (segment == "." || segment == "..") return {};
        rest.remove_prefix(segment.size());
    }
    if (decoded.back() == '/') decoded += "index.html";
    return std::string(root) + decoded;
}

std::string_view content_type(std::string_view path) {
    const std::size_t dot = path.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
    if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
    if (ext == "txt") return "text/plain; charset=utf-8";
    if (ext == "css") return "text/css";
    if (ext == "js") return "text/javascript";
    if (ext == "json") return "application/json";
    if (ext == "png") return "image/png";
    if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
    if (ext == "svg") return "image/svg+xml";
    return "application/octet-stream";
}

interop::task<interop::io_result<http::response>> serve_file(std::string path) {
    if (path.empty()) co_return http::response::text(404, "Not Found\n");
    auto meta = co_await interop::metadata(path);
    if (!meta || !meta->is_file()) co_return http::response::text(404, "Not Found\n");
    auto contents = co_await interop::read_file(path);
    if (!contents) co_return http::response::text(403, "Forbidden\n");
    http::response r;
    r.fields.add("Content-Type", std::string(content_type(path)));
    r.body = std::move(*contents);
    co_return r;
}

}  // namespace

interop::task<interop::io_result<http::response>> route(const std::string* root,
                                                        http::request req) {
    const std::string_view path = req.path();
    const std::string_view method = req.method();
    const bool get = method == "GET" || method == "HEAD";
    if (path == "/hello") {
        if (!get) co_return method_not_allowed("GET, HEAD");
        // "text/plain" fits a std::string without an allocation; the greeting is ASCII.
        co_return http::response::text(200, std::string(greeting), "text/plain");
    }
    if (path == "/echo") {
        if (method != "POST" && method != "PUT") co_return method_not_allowed("POST, PUT");
        http::response r;
        const std::string* type = req.header("Content-Type");
        r.fields.add("Content-Type", type != nullptr ? *type : "application/octet-stream");
        r.body = std::move(req.body);
        co_return r;
    }
    if (path == "/stream") {
        if (!get) co_return method_not_allowed("GET, HEAD");
        const std::string_view n_text = query_value(req.query(), "n");
        const std::optional<int> n =
            n_text.empty() ? std::optional<int>(10) : number_in(n_text, 1000000);
        if (!n) co_return http::response::text(400, "n must be a number from 0 to 1000000\n");
        http::response r;
        r.fields.add("Content-Type", "text/plain; charset=utf-8");
        r.stream.emplace(numbered_lines(*n));
        co_return r;
    }
    if (path == "/slow") {
        // Answers after ?ms=N milliseconds: a request that stays under way, to watch a
        // graceful shutdown or a handler timeout.
        if (!get) co_return method_not_allowed("GET, HEAD");
        const std::string_view ms_text = query_value(req.query(), "ms");
        const std::optional<int> ms = number_in(ms_text, std::numeric_limits<int>::max());
        if (!ms) co_return http::response::text(400, "ms must be a number of milliseconds\n");
        auto slept = co_await interop::sleep_for(std::chrono::milliseconds(*ms));
        if (!slept) co_return slept.error();
        co_return http::response::text(200, "slept " + std::string(ms_text) + " ms\n");
    }
    if (root->empty()) co_return http::response::text(404, "Not Found\n");
    if (!get) co_return method_not_allowed("GET, HEAD");
    auto file = serve_file(file_path(*root, path));
    co_return co_await std::move(file);
}

}  // namespace http_example
