// The per-backend conformance binaries (interop-conformance-<backend>): finding them,
// and asking each for its name, its capabilities and its behaviours.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace interop::conformance::runner {

struct backend_binary {
    std::filesystem::path path;
    std::string name;                       // as the backend's factory names it
    std::vector<std::string> capabilities;  // "cap_ipv6", ...
    std::vector<std::string> behaviours;    // test case names, sorted
};

inline constexpr const char* binary_prefix = "interop-conformance-";

// The directory this program was started from.
std::filesystem::path own_directory(const char* argv0);

// Every interop-conformance-<backend> program in `dir`, sorted by name.
std::vector<std::filesystem::path> find_backend_binaries(const std::filesystem::path& dir);

// Runs the binary's --interop-info and --interop-list (in `scratch`). Throws
// std::runtime_error saying what went wrong.
backend_binary query_backend(const std::filesystem::path& binary,
                             const std::filesystem::path& scratch);

}  // namespace interop::conformance::runner
