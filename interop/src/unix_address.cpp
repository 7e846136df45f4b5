// unix_address: checks of a path's or name's length, and the native form's reading.
#include "interop/unix_address.hpp"

#include <algorithm>

namespace interop {

io_result<unix_address> unix_address::from_path(std::string_view path) noexcept {
    if (!path.empty() && path.front() == '\0') return from_abstract(path.substr(1));
    if (path.empty() || path.find('\0') != std::string_view::npos) {
        return std::errc::invalid_argument;
    }
    if (path.size() > max_length) return std::errc::filename_too_long;
    unix_address address;
    std::copy(path.begin(), path.end(), address.bytes_.begin());
    address.length_ = static_cast<std::uint8_t>(path.size());
    address.kind_ = kind::path;
    return address;
}

io_result<unix_address> unix_address::from_abstract(std::string_view name) noexcept {
    if (name.empty()) return std::errc::invalid_argument;
    if (name.size() > max_length) return std::errc::filename_too_long;
    unix_address address;
    std::copy(name.begin(), name.end(), address.bytes_.begin());
    address.length_ = static_cast<std::uint8_t>(name.size());
    address.kind_ = kind::abstract;
    return address;
}

unix_address unix_address::from_native(const char* sun_path, std::size_t size) noexcept {
    unix_address address;
    if (size == 0) return address;
    if (sun_path[0] == '\0') {
        address.kind_ = kind::abstract;
        ++sun_path;
        --size;
    } else {
        address.kind_ = kind::path;
        size = static_cast<std::size_t>(std::find(sun_path, sun_path + size, '\0') - sun_path);
    }
    address.length_ = static_cast<std::uint8_t>(std::min(size, max_length));
    std::copy_n(sun_path, address.length_, address.bytes_.begin());
    return address;
}

std::string unix_address::to_string() const {
    std::string text(name());
    if (is_abstract()) text.insert(text.begin(), '@');
    return text;
}

}  // namespace interop
