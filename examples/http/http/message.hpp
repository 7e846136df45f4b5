// HTTP/1.1 messages as values: header fields, request and response heads. Nothing here
// reads or writes a connection; parse.hpp turns bytes into these, serialize.hpp turns
// them back into bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace http {

struct header_field {
    std::string name;
    std::string value;
};

// Field names compare case-insensitively (RFC 9110 §5.1); so do the tokens of
// Connection, Transfer-Encoding and Expect.
bool equals_ignore_case(std::string_view a, std::string_view b);

// A token (RFC 9110 §5.6.2): one or more of the characters a method or field name is
// made of. Empty is not a token.
bool is_token(std::string_view text);

// Whether `text` may appear as a field value: visible characters, obs-text, SP and HT,
// and no other control character (so no CR, LF or NUL). Leading and trailing
// whitespace is allowed here; the parser trims it.
bool is_field_value(std::string_view text);

// The fields of a head, in the order they arrived or were added. A name may repeat;
// lookups ignore case.
class headers {
public:
    using const_iterator = std::vector<header_field>::const_iterator;

    // The value of the first field with this name, or nullptr.
    const std::string* find(std::string_view name) const;
    std::size_t count(std::string_view name) const;
    // Every value of this name, in order (valid until the headers change).
    std::vector<std::string_view> all(std::string_view name) const;

    void add(std::string name, std::string value);
    // Replaces every field of this name with one: the first keeps its place, the others
    // go. Appends when there was none.
    void set(std::string_view name, std::string value);
    // Removes every field of this name; returns how many there were.
    std::size_t erase(std::string_view name);

    const_iterator begin() const { return fields_.begin(); }
    const_iterator end() const { return fields_.end(); }
    std::size_t size() const { return fields_.size(); }
    bool empty() const { return fields_.empty(); }

private:
    std::vector<header_field> fields_;
};

// Whether any field of this name lists `token` as an element of its comma-separated
// value, ignoring case and whitespace around elements ("Connection: keep-alive, close").
bool has_token(const headers& fields, std::string_view name, std::string_view token);

struct request_head {
    std::string method;
    std::string target;
    int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
    headers fields;
};

struct response_head {
    int status = 200;
    std::string reason;
    int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
    headers fields;
};

// The usual reason phrase of a status code ("Not Found" for 404), or "" for a code
// not in the list.
std::string_view reason_phrase(int status);

}  // namespace http
