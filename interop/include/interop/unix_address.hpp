/// \file
/// The address of a Unix domain socket: a path in the file system, a name in Linux's
/// abstract namespace, or none (an unnamed socket, such as either end of a pair).
///
///     auto at = interop::unix_address::from_path("/run/app.sock");   // io_result
///     auto hidden = interop::unix_address::from_abstract("app");     // Linux only
///
/// A path or name may hold at most max_length bytes (107: the system's sun_path, less
/// the terminating NUL of a path; the limit of Linux, the platform interop's adapters
/// run on); a longer one is filename_too_long, an empty one or a path with a NUL
/// inside is invalid_argument, whatever the runtime.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "interop/io_result.hpp"

namespace interop {

/// A Unix domain socket's address: a path, an abstract name, or unnamed.
class unix_address {
public:
    /// The longest path or abstract name, in bytes.
    static constexpr std::size_t max_length = 107;

    /// Unnamed.
    constexpr unix_address() noexcept = default;

    /// A file system path. A path that starts with a NUL byte names the abstract
    /// namespace instead (Asio's and libuv's spelling): "\0app" is from_abstract("app").
    static io_result<unix_address> from_path(std::string_view path) noexcept;
    /// A name in Linux's abstract namespace: no file, gone with the last socket bound
    /// to it. Any bytes, NUL included.
    static io_result<unix_address> from_abstract(std::string_view name) noexcept;
    /// What a socket call wrote into sun_path, `size` bytes of it (for adapters): none
    /// is unnamed, a leading NUL an abstract name, anything else a path (a terminating
    /// NUL and what follows it dropped).
    static unix_address from_native(const char* sun_path, std::size_t size) noexcept;

    bool is_unnamed() const noexcept { return kind_ == kind::unnamed; }
    bool is_abstract() const noexcept { return kind_ == kind::abstract; }
    bool is_path() const noexcept { return kind_ == kind::path; }
    /// The path, or the abstract name without its leading NUL; empty when unnamed.
    std::string_view name() const noexcept { return {bytes_.data(), length_}; }
    /// The path; "@name" for an abstract name (as ss and lsof show it); "" when unnamed.
    std::string to_string() const;

    friend bool operator==(const unix_address&, const unix_address&) = default;

private:
    enum class kind : std::uint8_t { unnamed, path, abstract };

    std::array<char, max_length> bytes_{};
    std::uint8_t length_ = 0;
    kind kind_ = kind::unnamed;
};

}  // namespace interop
