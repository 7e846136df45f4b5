// Micro-benchmark of the message layer's share of a request on the server: the work
// serve_connection does with every request head (parse it, decide its framing, whether
// the connection stays open and what it expects) and the check of three fields of a
// typical answer before they are written.
//
//   interop-http-parse-bench [wrk|curl|browser] [iterations] [all|head|fields]
//
// `head` measures the four calls on the request, `fields` the three valid_field calls,
// `all` both. It prints the time and the heap allocations per iteration. For exact
// figures, count instructions with callgrind at two iteration counts and divide the
// difference by the difference of the counts, which takes out the start-up:
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null
//            interop-http-parse-bench wrk 10000 head      (then 60000)
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include "http/parse.hpp"
#include "http/serialize.hpp"

namespace {

std::atomic<std::uint64_t> allocations{0};

}  // namespace

// Every allocation of the process is counted, so that a parse that allocates more than
// its result holds shows up.
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void operator delete(void* p) noexcept { std::free(p); }

void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// What wrk sends (the request the server's benchmark uses).
constexpr std::string_view wrk_request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:18091\r\n\r\n";

// What curl sends by default.
constexpr std::string_view curl_request =
    "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
    "\r\n";

// What a browser sends for a page: twelve fields, a 100-byte User-Agent and a 200-byte
// Cookie.
constexpr std::string_view browser_request =
    "GET /articles/2026/12/http-parsing.html?ref=front HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.3\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-GB,en;q=0.7,fr;q=0.3\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=4f9c2a7e1b3d5f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d; theme=dark; "
    "consent=analytics%3Dno%26ads%3Dno; _ga=GA1.2.1234567890.1733500000; "
    "_gid=GA1.2.987654321.1733500000; lang=en; tz=Europe%2FParis123\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-User: ?1\r\n"
    "\r\n";

struct answer_field {
    std::string_view name;
    std::string_view value;
};

// Fields of a typical answer that the server checks before writing them.
constexpr answer_field answer_fields[] = {
    {"Content-Type", "text/plain; charset=utf-8"},
    {"Date", "Sun, 06 Dec 2026 21:51:13 GMT"},
    {"Server", "x"},
};

// What the server does with a request head; returns a number that depends on every
// answer, so that none of the calls can be left out.
std::uint64_t handle_head(std::string_view request, const http::limits& lim) {
    const http::head_result<http::request_head> parsed = http::parse_request_head(request, lim);
    if (parsed.state != http::parse_state::complete) return 1'000'000;
    const http::framing_result framing = http::request_framing(parsed.head, lim);
    const bool keep = http::keep_alive(parsed.head);
    const http::expect_result expect = http::expectation(parsed.head);
    return parsed.consumed + static_cast<std::uint64_t>(framing.framing.kind) * 3 +
           static_cast<std::uint64_t>(framing.status) + (keep ? 5U : 0U) +
           static_cast<std::uint64_t>(expect) * 7;
}

std::uint64_t check_fields() {
    std::uint64_t valid = 0;
    for (const answer_field& field : answer_fields) {
        if (http::valid_field(field.name, field.value)) ++valid;
    }
    return valid;
}

int usage(const char* program) {
    std::fprintf(stderr, "usage: %s [wrk|curl|browser] [iterations] [all|head|fields]\n", program);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view which = argc > 1 ? argv[1] : "wrk";
    const long iterations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 1'000'000;
    const std::string_view mode = argc > 3 ? argv[3] : "all";
    std::string_view request;
    if (which == "wrk") {
        request = wrk_request;
    } else if (which == "curl") {
        request = curl_request;
    } else if (which == "browser") {
        request = browser_request;
    } else {
        return usage(argv[0]);
    }
    if (iterations <= 0 || (mode != "all" && mode != "head" && mode != "fields")) {
        return usage(argv[0]);
    }
    const bool heads = mode != "fields";
    const bool fields = mode != "head";

    // The request comes from the heap, as it would from a connection's buffer.
    const std::string buffer(request);
    const http::limits lim;
    std::uint64_t sum = 0;
    const std::uint64_t allocations_before = allocations.load();
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) {
        if (heads) sum += handle_head(buffer, lim);
        if (fields) sum += check_fields();
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const double per_iteration =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
        static_cast<double>(iterations);
    const double allocs = static_cast<double>(allocations.load() - allocations_before) /
                          static_cast<double>(iterations);
    std::printf("%.*s %s: %ld iterations, %.1f ns and %.2f allocations each (checksum %llu)\n",
                static_cast<int>(which.size()), which.data(), mode.data(), iterations,
                per_iteration, allocs, static_cast<unsigned long long>(sum));
    return 0;
}
