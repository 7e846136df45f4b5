// libuv's error codes as the std::errc values every interop adapter reports.
#pragma once

#include <system_error>

namespace interop::libuv_detail {

// One mapping for every libuv status < 0: errno-style codes (UV_ECONNREFUSED, ...),
// getaddrinfo codes (UV_EAI_*) and libuv's own (UV_ECANCELED -> operation_canceled).
// UV_EOF is not an error to interop (a read reports 0); it is never passed here.
std::error_code error_from_uv(int status) noexcept;

inline std::error_code canceled() noexcept {
    return std::make_error_code(std::errc::operation_canceled);
}
inline std::error_code bad_handle() noexcept {
    return std::make_error_code(std::errc::bad_file_descriptor);
}
// A second read, write, send or receive while one is pending.
inline std::error_code busy() noexcept {
    return std::make_error_code(std::errc::device_or_resource_busy);
}
inline std::error_code out_of_memory() noexcept {
    return std::make_error_code(std::errc::not_enough_memory);
}

}  // namespace interop::libuv_detail
