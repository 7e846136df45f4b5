// A small JSON reader for the behaviours that check a JSON document the library wrote
// (traces, dumps): it accepts exactly RFC 8259's grammar, so a document it reads is
// one that other tools (Perfetto, a browser, Python's json) read too.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace interop::json_reader {

struct value {
    enum class type { null, boolean, number, string, array, object };
    type kind = type::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<value> array;
    // An object's members (two vectors: the standard allows vector, not map, of a type
    // still being defined).
    std::vector<std::string> keys;
    std::vector<value> members;

    // The member `key` of an object (the last, if repeated), or null.
    const value* get(const std::string& key) const {
        for (std::size_t i = keys.size(); i-- > 0;) {
            if (keys[i] == key) return &members[i];
        }
        return nullptr;
    }
    std::string text(const std::string& key) const {
        const value* v = get(key);
        return v != nullptr && v->kind == type::string ? v->string : std::string();
    }
    double number_at(const std::string& key, double otherwise = -1) const {
        const value* v = get(key);
        return v != nullptr && v->kind == type::number ? v->number : otherwise;
    }
};

class parser {
public:
    explicit parser(std::string_view text) : text_(text) {}

    // The document, or nothing when it is not valid JSON (then error() says where).
    std::optional<value> parse() {
        value v;
        if (!parse_value(v, 0)) return std::nullopt;
        skip_space();
        if (at_ != text_.size()) return fail("text after the document");
        return v;
    }
    const std::string& error() const { return error_; }

private:
    std::nullopt_t fail(const char* what) {
        if (error_.empty()) error_ = std::string(what) + " at offset " + std::to_string(at_);
        return std::nullopt;
    }
    bool failed(const char* what) {
        fail(what);
        return false;
    }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' ||
                                      text_[at_] == '\r' || text_[at_] == '\t')) {
            ++at_;
        }
    }
    bool take(char c) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    bool literal(std::string_view word) {
        if (text_.substr(at_, word.size()) != word) return false;
        at_ += word.size();
        return true;
    }

    bool parse_value(value& v, int depth) {
        if (depth > 200) return failed("nested too deep");
        skip_space();
        if (at_ >= text_.size()) return failed("unexpected end");
        const char c = text_[at_];
        if (c == '{') return parse_object(v, depth);
        if (c == '[') return parse_array(v, depth);
        if (c == '"') {
            v.kind = value::type::string;
            return parse_string(v.string);
        }
        if (literal("null")) return true;
        if (literal("true") || literal("false")) {
            v.kind = value::type::boolean;
            v.boolean = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
            return true;
        }
        return parse_number(v);
    }

    bool parse_object(value& v, int depth) {
        v.kind = value::type::object;
        ++at_;
        if (take('}')) return true;
        do {
            skip_space();
            std::string key;
            if (at_ >= text_.size() || text_[at_] != '"' || !parse_string(key)) {
                return failed("expected a key");
            }
            if (!take(':')) return failed("expected ':'");
            value member;
            if (!parse_value(member, depth + 1)) return false;
            v.keys.push_back(std::move(key));
            v.members.push_back(std::move(member));
        } while (take(','));
        return take('}') || failed("expected '}'");
    }

    bool parse_array(value& v, int depth) {
        v.kind = value::type::array;
        ++at_;
        if (take(']')) return true;
        do {
            value element;
            if (!parse_value(element, depth + 1)) return false;
            v.array.push_back(std::move(element));
        } while (take(','));
        return take(']') || failed("expected ']'");
    }

    bool parse_string(std::string& out) {
        ++at_;  // the opening quote
        while (at_ < text_.size()) {
            const char c = text_[at_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20)
                return failed("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= text_.size()) break;
            const char e = text_[at_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    if (at_ + 4 > text_.size()) return failed("short \\u escape");
                    const std::string hex(text_.substr(at_, 4));
                    for (const char h : hex) {
                        const bool digit = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                                           (h >= 'A' && h <= 'F');
                        if (!digit) return failed("bad \\u escape");
                    }
                    const long code = std::strtol(hex.c_str(), nullptr, 16);
                    at_ += 4;
                    out += code < 0x80 ? static_cast<char>(code) : '?';
                    break;
                }
                default:
                    return failed("bad escape");
            }
        }
        return failed("unterminated string");
    }

    bool parse_number(value& v) {
        const std::size_t start = at_;
        auto digits = [&] {
            const std::size_t from = at_;
            while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
            return at_ > from;
        };
        if (at_ < text_.size() && text_[at_] == '-') ++at_;
        if (at_ < text_.size() && text_[at_] == '0') {
            ++at_;
        } else if (!digits()) {
            return failed("expected a value");
        }
        if (at_ < text_.size() && text_[at_] == '.') {
            ++at_;
            if (!digits()) return failed("expected digits after '.'");
        }
        if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
            ++at_;
            if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
            if (!digits()) return failed("expected an exponent");
        }
        v.kind = value::type::number;
        v.number = std::strtod(std::string(text_.substr(start, at_ - start)).c_str(), nullptr);
        return true;
    }

    std::string_view text_;
    std::size_t at_ = 0;
    std::string error_;
};

}  // namespace interop::json_reader
