// The client side: one HTTP/1.1 connection over any byte stream, as an
// interop::service of outgoing requests.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "http/chunked.hpp"
#include "http/client_errors.hpp"
#include "http/message.hpp"
#include "http/parse.hpp"
#include "http/serialize.hpp"
#include "interop/io/read_buffer.hpp"
#include "interop/io/write_all.hpp"
#include "interop/io_result.hpp"
#include "interop/task.hpp"

namespace http {

/// A request to send. The client adds Content-Length (or, with `chunked`,
/// Transfer-Encoding: chunked) for a body; Host and anything else are the caller's.
struct outgoing {
    request_head head{"GET", "/", 11, {}};  // version 11 or 10
    std::string body;
    bool chunked = false;  // send the body as chunks (HTTP/1.1 only)
};

/// A response as received, with its whole body.
struct incoming {
    response_head head;
    std::string body;
    int status() const noexcept { return head.status; }
};

/// One connection to a server: call() sends a request and reads its response, one at
/// a time; a connection the server keeps open (reusable()) takes the next call. An
/// error leaves the connection unusable.
template <typename Stream>
class client_connection {
public:
    using response = incoming;

    explicit client_connection(Stream stream, const limits& lim = {})
        : stream_(std::move(stream)), limits_(lim) {}

    /// Always ready: a call waits for nothing but the server.
    interop::task<interop::io_result<void>> ready() { co_return interop::io_result<void>{}; }

    /// Whether the server left the connection open for another request.
    bool reusable() const noexcept { return reusable_; }

    interop::task<interop::io_result<incoming>> call(outgoing req) {
        if (!reusable_) co_return make_error_code(client_errc::closed);
        reusable_ = false;
        if (!valid_request(req)) co_return std::make_error_code(std::errc::invalid_argument);
        std::string out;
        write_request(out, req);
        auto sent = co_await interop::write_all(stream_, std::string_view(out));
        if (!sent) co_return sent.error();

        // The response head, past any 1xx interim answer (100 Continue among them).
        incoming answer;
        for (;;) {
            head_result<response_head> parsed = parse_response_head(in_.data(), limits_);
            while (parsed.state == parse_state::incomplete) {
                auto more = co_await read_more();
                if (!more) co_return more.error();
                parsed = parse_response_head(in_.data(), limits_);
            }
            if (parsed.state == parse_state::failed) {
                co_return make_error_code(client_errc::malformed_response);
            }
            in_.consume(parsed.consumed);
            if (parsed.head.status >= 200 || parsed.head.status == 101) {
                answer.head = std::move(parsed.head);
                break;
            }
        }
        const framing_result framing = response_framing(answer.head, req.head.method);
        if (!framing.ok()) co_return make_error_code(client_errc::malformed_response);
        auto body = read_body(framing.framing, answer.body);
        if (auto got = co_await std::move(body); !got) co_return got.error();
        // An HTTP/1.0 exchange stays open only when the server says keep-alive.
        const bool kept = req.head.version >= 11
                              ? keep_alive(answer.head)
                              : has_token(answer.head.fields, "Connection", "keep-alive");
        reusable_ = framing.framing.kind != body_framing::kind_t::until_close && kept;
        co_return answer;
    }

    Stream& stream() noexcept { return stream_; }

private:
    static bool valid_request(const outgoing& req) {
        const request_head& h = req.head;
        if (!valid_request_line(h.method, h.target) || (h.version != 10 && h.version != 11)) {
            return false;
        }
        if (req.chunked && h.version < 11) return false;
        for (const header_field& f : h.fields) {
            if (!valid_field(f.name, f.value)) return false;
        }
        return true;
    }

    // The head with its framing field, then the body.
    static void write_request(std::string& out, outgoing& req) {
        if (req.chunked) {
            req.head.fields.add("Transfer-Encoding", "chunked");
        } else if (!req.body.empty() || req.head.method == "POST" || req.head.method == "PUT") {
            req.head.fields.add("Content-Length", std::to_string(req.body.size()));
        }
        write_head(out, req.head);
        if (!req.chunked) {
            out += req.body;
            return;
        }
        // In pieces of at most 64 KiB, as a body streamed from elsewhere would go.
        constexpr std::size_t piece = 64 * 1024;
        for (std::size_t at = 0; at < req.body.size(); at += piece) {
            write_chunk(out, std::string_view(req.body).substr(at, piece));
        }
        write_last_chunk(out);
    }

    // Reads more bytes: an error, or the server's end as client_errc::closed.
    interop::task<interop::io_result<void>> read_more() {
        auto got = co_await stream_.read(in_.space(4096));
        if (!got) co_return got.error();
        if (*got == 0) co_return make_error_code(client_errc::closed);
        in_.commit(*got);
        co_return interop::io_result<void>{};
    }

    interop::task<interop::io_result<void>> read_body(const body_framing& framing,
                                                      std::string& body) {
        switch (framing.kind) {
            case body_framing::kind_t::none:
                co_return interop::io_result<void>{};
            case body_framing::kind_t::length:
                while (body.size() < framing.length) {
                    if (in_.empty()) {
                        auto more = co_await read_more();
                        if (!more) co_return more.error();
                    }
                    const std::size_t take =
                        std::min<std::size_t>(framing.length - body.size(), in_.size());
                    body.append(in_.data().substr(0, take));
                    in_.consume(take);
                }
                co_return interop::io_result<void>{};
            case body_framing::kind_t::chunked: {
                chunked_decoder decoder(limits_);
                for (;;) {
                    if (!in_.empty()) {
                        const decode_result r = decoder.feed(in_.data(), body);
                        in_.consume(r.consumed);
                        if (r.state == parse_state::failed) {
                            co_return make_error_code(client_errc::malformed_response);
                        }
                        if (r.state == parse_state::complete) co_return interop::io_result<void>{};
                    }
                    auto more = co_await read_more();
                    if (!more) co_return more.error();
                }
            }
            case body_framing::kind_t::until_close:
                for (;;) {
                    body.append(in_.data());
                    in_.consume(in_.size());
                    if (body.size() > limits_.max_body) {
                        co_return make_error_code(client_errc::malformed_response);
                    }
                    auto more = co_await read_more();
                    if (!more) {
                        if (more.error() == make_error_code(client_errc::closed)) {
                            co_return interop::io_result<void>{};
                        }
                        co_return more.error();
                    }
                }
        }
        co_return interop::io_result<void>{};
    }

    Stream stream_;
    limits limits_;
    interop::read_buffer in_;
    bool reusable_ = true;
};

}  // namespace http
