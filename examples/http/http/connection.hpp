// One connection of an HTTP/1.1 server: requests read in order, each handed to a
// service, each answer written before the next request's (pipelining keeps the order).
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "http/chunked.hpp"
#include "http/connection_state.hpp"
#include "http/exchange.hpp"
#include "http/parse.hpp"
#include "http/response_writer.hpp"
#include "http/server_options.hpp"
#include "interop/combinators.hpp"
#include "interop/io/read_buffer.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io/write_all.hpp"
#include "interop/scope.hpp"
#include "interop/service.hpp"
#include "interop/sync/event.hpp"
#include "interop/task.hpp"
#include "interop/this_task.hpp"
#include "interop/time.hpp"
#include "interop/timeout.hpp"

namespace http {

namespace detail {

// How much a read asks for at least.
inline constexpr std::size_t read_size = 4096;

// Why the exchange loop stopped, and so how the connection ends.
enum class ending {
    peer_done,  // the client closed, or the connection failed: close at once
    answered,   // the last response is written: linger, then close
};

template <typename Stream>
interop::task<bool> flush(Stream& stream, std::string& out) {
    auto written = co_await interop::write_all(stream, std::string_view(out));
    out.clear();
    co_return written.has_value();
}

// Reads more bytes into `in`: false at the end of the stream, on an error or when
// cancelled.
template <typename Stream>
interop::task<bool> read_more(Stream& stream, interop::read_buffer& in) {
    auto got = co_await stream.read(in.space(read_size));
    if (!got || *got == 0) co_return false;
    in.commit(*got);
    co_return true;
}

// The body the framing announces, into `body`: 0 when it arrived, otherwise the
// status to answer (or -1 when the connection ended first).
template <typename Stream>
interop::task<int> read_body(Stream& stream, interop::read_buffer& in, const body_framing& framing,
                             const limits& lim, std::string& body) {
    if (framing.kind == body_framing::kind_t::length) {
        const auto wanted = static_cast<std::size_t>(framing.length);
        body.reserve(wanted);
        while (body.size() < wanted) {
            if (in.empty() && !co_await read_more(stream, in)) co_return -1;
            const std::size_t take = std::min(wanted - body.size(), in.size());
            body.append(in.data().substr(0, take));
            in.consume(take);
        }
        co_return 0;
    }
    if (framing.kind == body_framing::kind_t::chunked) {
        chunked_decoder decoder(lim);
        for (;;) {
            if (!in.empty()) {
                const decode_result r = decoder.feed(in.data(), body);
                in.consume(r.consumed);
                if (r.state == parse_state::failed) co_return r.status;
                if (r.state == parse_state::complete) co_return 0;
            }
            if (!co_await read_more(stream, in)) co_return -1;
        }
    }
    co_return 0;
}

// Writes a streamed body: chunks to HTTP/1.1, bare bytes (until close) to HTTP/1.0.
template <typename Stream>
interop::task<bool> send_stream(Stream& stream, interop::any_iterator<std::string>& items,
                                bool chunked, std::string& out) {
    while (std::optional<std::string> item = co_await items.next()) {
        if (item->empty()) continue;  // an empty chunk would end the body
        if (chunked) {
            write_chunk(out, *item);
        } else {
            out += *item;
        }
        if (!co_await flush(stream, out)) co_return false;
    }
    if (chunked) write_last_chunk(out);
    co_return co_await flush(stream, out);
}

// The status for a service's error.
inline int status_for(std::error_code ec) {
    if (ec == std::errc::timed_out || ec == std::errc::resource_unavailable_try_again) {
        return 503;
    }
    return 500;
}

// Reads requests and writes answers until the connection is done with. Marks each
// phase on `state.clock` for the watchdog.
template <typename Stream, typename Service>
interop::task<ending> exchange_loop(Stream& stream, Service& service, const server_options& opt,
                                    connection_state& state, interop::event& stopping,
                                    interop::runtime_ref rt, interop::read_buffer& in,
                                    std::string& out) {
    const limits& lim = opt.message_limits;
    for (;;) {
        // A request head: what is buffered, or read until there is one.
        head_result<request_head> parsed = parse_request_head(in.data(), lim);
        while (parsed.state == parse_state::incomplete) {
            // Answers to pipelined requests go out before the loop waits for more. The
            // write and the read are awaited here rather than through flush() and
            // read_more(): a coroutine of their own would cost a frame per request.
            if (!out.empty()) {
                auto written = co_await interop::write_all(stream, std::string_view(out));
                out.clear();
                if (!written) co_return ending::peer_done;
            }
            const bool was_empty = in.empty();
            if (was_empty) {
                if (stopping.is_set()) co_return ending::peer_done;  // idle: close now
                state.clock.enter(phase::idle, interop::now(rt));
            }
            auto got = co_await stream.read(in.space(read_size));
            if (!got || *got == 0) co_return ending::peer_done;
            in.commit(*got);
            if (was_empty) state.clock.enter(phase::receiving, interop::now(rt));
            parsed = parse_request_head(in.data(), lim);
        }
        if (parsed.state == parse_state::failed) {
            write_error_response(out, parsed.status);
            co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
        }
        in.consume(parsed.consumed);

        request req{std::move(parsed.head), {}};
        const framing_result framing = request_framing(req.head, lim);
        const expect_result expect = expectation(req.head);
        int refused = framing.status;
        if (refused == 0 && expect == expect_result::unsupported) refused = 417;
        if (refused != 0) {
            write_error_response(out, refused);
            co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
        }
        if (expect == expect_result::continue_100 &&
            framing.framing.kind != body_framing::kind_t::none && in.empty()) {
            // The client waits for this before it sends the body (RFC 9110 10.1.1).
            out += "HTTP/1.1 100 Continue\r\n\r\n";
            if (!co_await flush(stream, out)) co_return ending::peer_done;
        }
        if (framing.framing.kind != body_framing::kind_t::none) {
            const int body_status = co_await read_body(stream, in, framing.framing, lim, req.body);
            if (body_status < 0) co_return ending::peer_done;
            if (body_status > 0) {
                write_error_response(out, body_status);
                co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
            }
        }

        // The service's answer.
        state.clock.enter(phase::busy, interop::now(rt));
        reply_shape shape{.version = req.head.version,
                          .head_only = req.method() == "HEAD",
                          .close = !keep_alive(req.head)};
        std::optional<interop::io_result<response>> answer;
        try {
            auto call = service.call(std::move(req));
            answer.emplace(co_await std::move(call));
        } catch (const std::exception&) {
            answer.emplace(std::make_error_code(std::errc::io_error));  // a 500, not a crash
        }
        if (!*answer) {
            if (answer->is(std::errc::operation_canceled)) co_return ending::peer_done;
            write_error_response(out, status_for(answer->error()));
            co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
        }
        response& r = **answer;
        shape.close = shape.close || stopping.is_set();  // a shutdown began meanwhile
        const std::optional<body_mode> mode = write_response_head(out, r, shape);
        if (!mode) {
            write_error_response(out, 500);
            co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
        }
        if (*mode == body_mode::length) out += r.body;
        if (*mode == body_mode::chunked || *mode == body_mode::until_close) {
            if (!co_await flush(stream, out)) co_return ending::peer_done;
            if (!co_await send_stream(stream, *r.stream, *mode == body_mode::chunked, out)) {
                co_return ending::peer_done;
            }
            if (*mode == body_mode::until_close) co_return ending::answered;
        }
        if (shape.close) {
            co_return co_await flush(stream, out) ? ending::answered : ending::peer_done;
        }
        state.clock.enter(in.empty() ? phase::idle : phase::receiving, interop::now(rt));
    }
}

// Closes a connection that stays too long in one phase (idle_timeout while idle or
// busy, request_timeout while a request arrives), and an idle one once `stopping` is
// set, by cancelling the connection's scope.
inline interop::task<void> watchdog(connection_state& state, const server_options& opt,
                                    interop::event& stopping, interop::scope& connection,
                                    interop::runtime_ref rt) {
    bool stop_seen = false;
    for (;;) {
        const phase_clock::reading seen = state.clock.read();
        const interop::duration limit =
            seen.at == phase::receiving ? opt.request_timeout : opt.idle_timeout;
        const interop::time_point deadline = interop::detail::saturating_add(seen.since, limit);
        if (!stop_seen) {
            auto either = interop::when_any(interop::sleep_until(deadline), stopping.wait());
            auto first = co_await std::move(either);
            const bool stop_now = first.index() == 1;
            const interop::io_result<void>& r = stop_now ? std::get<1>(first) : std::get<0>(first);
            if (!r) co_return;  // cancelled: the connection is over
            if (stop_now) {
                stop_seen = true;
                const phase_clock::reading now_seen = state.clock.read();
                if (now_seen.at == phase::idle && state.clock.close_if_unchanged(now_seen)) {
                    connection.cancel();
                    co_return;
                }
                continue;  // a request under way finishes, answered with Connection: close
            }
        } else {
            auto slept = co_await interop::sleep_until(deadline);
            if (!slept) co_return;
        }
        if (interop::now(rt) < deadline) continue;
        if (state.clock.close_if_unchanged(seen)) {
            state.request_timed_out = seen.at == phase::receiving;
            connection.cancel();
            co_return;
        }
    }
}

// Reads and drops what the client still sends, until it closes or `linger` has passed.
template <typename Stream>
interop::task<interop::io_result<void>> drain(Stream& stream, interop::read_buffer& in) {
    for (;;) {
        auto got = co_await stream.read(in.space(read_size));
        if (!got) co_return got.error();
        if (*got == 0) co_return interop::io_result<void>{};
        in.consume(in.size());
    }
}

}  // namespace detail

/// Serves one connection with `service` until the client is done, a limit or a
/// timeout ends it, or `stopping` is set (then an idle connection closes at once and a
/// request under way is answered first, with Connection: close). `service` and `opt`
/// must outlive the call.
template <typename Stream, typename Service>
    requires interop::service<Service, request> interop::task<void> serve_connection(
        Stream stream, Service& service, const server_options& opt, interop::event& stopping) {
        const interop::task_context* ctx = co_await interop::current_context();
        const interop::runtime_ref rt = ctx->runtime;
        detail::connection_state state;
        state.clock.enter(detail::phase::idle, interop::now(rt));
        interop::read_buffer in;
        std::string out;
        detail::ending end = detail::ending::peer_done;
        co_await interop::with_scope([&](interop::scope& s) -> interop::task<void> {
            s.spawn(detail::watchdog(state, opt, stopping, s, rt));
            end =
                co_await detail::exchange_loop(stream, service, opt, state, stopping, rt, in, out);
            s.cancel();  // the watchdog
        });
        if (state.request_timed_out) {
            out.clear();
            write_error_response(out, 408);
            auto answer = detail::flush(stream, out);
            (void)co_await interop::timeout(opt.linger, std::move(answer));
            end = detail::ending::answered;
        }
        if (end == detail::ending::answered) {
            // Closing with unread bytes would make the kernel reset the connection, and the
            // client could lose the response: end the writing side, then read what comes.
            auto shut = interop::shutdown_write(stream);
            (void)co_await std::move(shut);
            auto rest = detail::drain(stream, in);
            (void)co_await interop::timeout(opt.linger, std::move(rest));
        }
        // Closing a TLS stream sends close_notify, which waits while the client reads
        // nothing: bounded like the rest of the goodbye.
        auto closing = stream.close();
        (void)co_await interop::timeout(opt.linger, std::move(closing));
    }

}  // namespace http
