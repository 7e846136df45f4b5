#include "redis/resp.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace redis {

void encode_command(std::string& out, const command& cmd) {
    const auto& args = cmd.args();
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (const std::string& a : args) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
}

namespace {

// A signed decimal as RESP writes it: digits only, an optional '-', nothing else.
std::optional<std::int64_t> parse_integer(std::string_view text) {
    if (text.empty() || text == "-") return std::nullopt;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

}  // namespace

bool reply_parser::idle() const noexcept {
    return line_.empty() && !bulk_ && stack_.empty() && !done_;
}

value reply_parser::take() {
    value v = std::move(*done_);
    done_.reset();
    return v;
}

reply_parser::result reply_parser::feed(std::string_view data) {
    if (failed_) return {0, parse_status::failed};
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (bulk_) {
            // The payload and its "\r\n", whatever their bytes: a bulk string is
            // binary-safe, so it is counted, never scanned.
            const std::size_t need = *bulk_ + 2 - bulk_data_.size();
            const std::size_t take = std::min(need, data.size() - pos);
            bulk_data_.append(data.substr(pos, take));
            pos += take;
            if (bulk_data_.size() < *bulk_ + 2) break;
            if (bulk_data_.compare(*bulk_, 2, "\r\n") != 0) {
                failed_ = true;
                return {pos, parse_status::failed};
            }
            bulk_data_.resize(*bulk_);
            bulk_.reset();
            std::string payload = std::move(bulk_data_);
            bulk_data_ = std::string();
            if (on_value(value(std::move(payload)))) return {pos, parse_status::complete};
            continue;
        }
        const std::size_t newline = data.find('\n', pos);
        const std::size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
        if (line_.size() + (end - pos) > limits_.max_line + 3) {  // the type byte and "\r\n"
            failed_ = true;
            return {pos, parse_status::failed};
        }
        line_.append(data.substr(pos, end - pos));
        pos = end;
        if (newline == std::string_view::npos) break;
        if (line_.size() < 3 || line_[line_.size() - 2] != '\r') {
            failed_ = true;
            return {pos, parse_status::failed};
        }
        line_.resize(line_.size() - 2);
        std::string line = std::move(line_);
        line_ = std::string();
        const bool was_done = done_.has_value();
        if (!on_line(line)) {
            failed_ = true;
            return {pos, parse_status::failed};
        }
        if (!was_done && done_) return {pos, parse_status::complete};
    }
    return {pos, parse_status::incomplete};
}

// One line of a reply: a whole simple value, or the head of a bulk string or array.
// False when it is not RESP2.
bool reply_parser::on_line(std::string_view line) {
    const char type = line[0];
    const std::string_view rest = line.substr(1);
    switch (type) {
        case '+':
            on_value(value(simple_string{std::string(rest)}));
            return true;
        case '-':
            on_value(value(error_reply{std::string(rest)}));
            return true;
        case ':': {
            const auto n = parse_integer(rest);
            if (!n) return false;
            on_value(value(*n));
            return true;
        }
        case '$': {
            const auto n = parse_integer(rest);
            if (!n || *n < -1) return false;
            if (*n == -1) {
                on_value(value(nil{}));
                return true;
            }
            if (static_cast<std::uint64_t>(*n) > limits_.max_bulk) return false;
            bulk_ = static_cast<std::size_t>(*n);
            return true;
        }
        case '*': {
            const auto n = parse_integer(rest);
            if (!n || *n < -1 || *n > limits_.max_elements) return false;
            if (*n == -1) {
                on_value(value(nil{}));
                return true;
            }
            if (*n == 0) {
                on_value(value(value::array{}));
                return true;
            }
            if (stack_.size() >= limits_.max_depth) return false;
            frame f;
            f.expected = static_cast<std::size_t>(*n);
            f.elements.reserve(std::min<std::size_t>(f.expected, 1024));
            stack_.push_back(std::move(f));
            return true;
        }
        default:
            return false;
    }
}

// Puts `v` into the array that is filling, closing every array it completes.
bool reply_parser::on_value(value v) {
    while (!stack_.empty()) {
        frame& top = stack_.back();
        top.elements.push_back(std::move(v));
        if (top.elements.size() < top.expected) return false;
        v = value(std::move(top.elements));
        stack_.pop_back();
    }
    done_ = std::move(v);
    return true;
}

}  // namespace redis
