#include "redis/subscription.hpp"

#include <span>
#include <string_view>
#include <utility>

#include "interop/io/write_all.hpp"
#include "redis/errors.hpp"

namespace redis {

namespace {

// A push is an array whose first element names its kind.
std::string_view kind_of(const value& push) {
    const auto& e = push.elements();
    return e.empty() ? std::string_view{} : e[0].text();
}

}  // namespace

interop::task<interop::io_result<subscription>> subscription::open(
    interop::tcp_stream stream, std::vector<std::string> channels) {
    if (channels.empty()) co_return make_error_code(errc::not_subscribed);
    command subscribe("SUBSCRIBE");
    for (const std::string& c : channels) subscribe.arg(c);
    std::string out;
    encode_command(out, subscribe);
    auto st = std::make_unique<state>(state{std::move(stream), reply_parser{}, {}, 0, false, {}});
    auto writing = interop::write_all(st->stream, std::string_view(out));
    auto sent = co_await std::move(writing);
    if (!sent) co_return sent.error();
    subscription sub(std::move(st));
    // One confirmation per channel, each with the count of channels so far.
    for (std::size_t i = 0; i < channels.size(); ++i) {
        auto reading = sub.read_push();
        auto push = co_await std::move(reading);
        if (!push) co_return push.error();
        if (push->is_error()) co_return make_error_code(errc::server_error);
        if (kind_of(*push) != "subscribe" || push->elements().size() != 3) {
            co_return make_error_code(errc::unexpected_reply);
        }
        sub.state_->subscribed =
            static_cast<std::size_t>(push->elements()[2].integer().value_or(0));
    }
    co_return std::move(sub);
}

interop::task<interop::io_result<value>> subscription::read_push() {
    state& st = *state_;
    for (;;) {
        if (!st.pending.empty()) {
            const reply_parser::result r = st.parser.feed(st.pending);
            st.pending.erase(0, r.consumed);
            if (r.status == parse_status::failed) co_return make_error_code(errc::protocol_error);
            if (r.status == parse_status::complete) co_return st.parser.take();
        }
        char buffer[4096];
        auto got = co_await st.stream.read(std::span<char>(buffer));
        if (!got) co_return got.error();
        if (*got == 0) co_return make_error_code(errc::connection_closed);
        st.pending.append(buffer, *got);
    }
}

interop::task<std::optional<message>> subscription::next() {
    state& st = *state_;
    while (!st.ended) {
        auto reading = read_push();
        auto push = co_await std::move(reading);
        if (!push) {
            st.ended = true;
            st.failure = push.error();
            break;
        }
        const std::string_view kind = kind_of(*push);
        auto& e = push->elements();
        if (kind == "message" && e.size() == 3) {
            co_return message{std::string(e[1].text()), std::string(e[2].text())};
        }
        if ((kind == "subscribe" || kind == "unsubscribe") && e.size() == 3) {
            st.subscribed = static_cast<std::size_t>(e[2].integer().value_or(0));
            if (kind == "unsubscribe" && st.subscribed == 0) st.ended = true;
            continue;
        }
        st.ended = true;
        st.failure = make_error_code(errc::unexpected_reply);
    }
    co_return std::nullopt;
}

interop::task<interop::io_result<void>> subscription::unsubscribe() {
    std::string out;
    encode_command(out, command("UNSUBSCRIBE"));
    auto writing = interop::write_all(state_->stream, std::string_view(out));
    auto sent = co_await std::move(writing);
    if (!sent) co_return sent.error();
    co_return interop::io_result<void>{};
}

}  // namespace redis
