// A command to send: its name and arguments, each one a binary-safe string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace redis {

/// `command("SET", "key", "value")`, or built up with arg(): integers are written in
/// decimal, as Redis expects them.
class command {
public:
    command() = default;
    template <typename... Args>
    explicit command(std::string_view name, Args&&... args) {
        args_.reserve(1 + sizeof...(args));
        args_.emplace_back(name);
        (arg(std::forward<Args>(args)), ...);
    }

    command& arg(std::string_view a) {
        args_.emplace_back(a);
        return *this;
    }
    command& arg(const char* a) { return arg(std::string_view(a)); }
    command& arg(const std::string& a) { return arg(std::string_view(a)); }
    template <typename I>
    requires std::is_integral_v<I> command& arg(I i) {
        args_.push_back(std::to_string(i));
        return *this;
    }

    const std::vector<std::string>& args() const noexcept { return args_; }
    bool empty() const noexcept { return args_.empty(); }

private:
    std::vector<std::string> args_;
};

}  // namespace redis
