// What file.cpp and file_system.cpp share: the checks of a path, and metadata from
// what a stat request reports.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "interop/file.hpp"

namespace interop::detail {

// A path the system would misread: empty (open("") is ENOENT everywhere) or with a
// NUL inside, which would cut it short.
inline std::errc check_path(std::string_view path) noexcept {
    if (path.empty()) return std::errc::no_such_file_or_directory;
    if (path.find('\0') != std::string_view::npos) return std::errc::invalid_argument;
    return {};
}

inline file_metadata metadata_of(const file_status& status) noexcept {
    file_metadata m;
    m.size = status.size;
    m.type = status.type;
    m.permissions = static_cast<std::filesystem::perms>(status.permissions);
    m.modified = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(status.modified_ns)));
    return m;
}

}  // namespace interop::detail
