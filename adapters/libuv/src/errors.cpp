#include "errors.hpp"

#include <uv.h>

namespace interop::libuv_detail {
namespace {

std::error_code from(std::errc e) noexcept { return std::make_error_code(e); }

// Name resolution. A name that does not resolve (or resolves to no usable address)
// reports host_unreachable, the same as the inline runtime.
bool from_getaddrinfo(int status, std::error_code* out) noexcept {
    switch (status) {
        case UV_EAI_NONAME:
        case UV_EAI_NODATA:
        case UV_EAI_FAIL:
        case UV_EAI_ADDRFAMILY:
            *out = from(std::errc::host_unreachable);
            return true;
        case UV_EAI_AGAIN:
            *out = from(std::errc::resource_unavailable_try_again);
            return true;
        case UV_EAI_MEMORY:
            *out = from(std::errc::not_enough_memory);
            return true;
        case UV_EAI_CANCELED:
            *out = from(std::errc::operation_canceled);
            return true;
        case UV_EAI_BADFLAGS:
        case UV_EAI_BADHINTS:
        case UV_EAI_FAMILY:
        case UV_EAI_PROTOCOL:
        case UV_EAI_SERVICE:
        case UV_EAI_SOCKTYPE:
            *out = from(std::errc::invalid_argument);
            return true;
        case UV_EAI_OVERFLOW:
            *out = from(std::errc::value_too_large);
            return true;
        default:
            return false;
    }
}

}  // namespace

std::error_code error_from_uv(int status) noexcept {
    std::error_code resolved;
    if (from_getaddrinfo(status, &resolved)) return resolved;
    // Named one by one rather than negating the number: libuv's codes are -errno on
    // Unix but have values of their own on Windows.
    switch (status) {
        case UV_ECANCELED:
            return from(std::errc::operation_canceled);
        case UV_ECONNREFUSED:
            return from(std::errc::connection_refused);
        case UV_ECONNRESET:
            return from(std::errc::connection_reset);
        case UV_ECONNABORTED:
            return from(std::errc::connection_aborted);
        case UV_EPIPE:
            return from(std::errc::broken_pipe);
        case UV_ETIMEDOUT:
            return from(std::errc::timed_out);
        case UV_EADDRINUSE:
            return from(std::errc::address_in_use);
        case UV_EADDRNOTAVAIL:
            return from(std::errc::address_not_available);
        case UV_EAFNOSUPPORT:
            return from(std::errc::address_family_not_supported);
        case UV_ENETUNREACH:
            return from(std::errc::network_unreachable);
        case UV_ENETDOWN:
            return from(std::errc::network_down);
        case UV_EHOSTUNREACH:
            return from(std::errc::host_unreachable);
        case UV_ENOTCONN:
            return from(std::errc::not_connected);
        case UV_EDESTADDRREQ:
            return from(std::errc::destination_address_required);
        case UV_EISCONN:
            return from(std::errc::already_connected);
        case UV_EALREADY:
            return from(std::errc::connection_already_in_progress);
        case UV_EBADF:
            return from(std::errc::bad_file_descriptor);
        case UV_EINVAL:
            return from(std::errc::invalid_argument);
        case UV_EAGAIN:
            return from(std::errc::resource_unavailable_try_again);
        case UV_EBUSY:
            return from(std::errc::device_or_resource_busy);
        case UV_ENOMEM:
            return from(std::errc::not_enough_memory);
        case UV_ENOBUFS:
            return from(std::errc::no_buffer_space);
        case UV_EMFILE:
            return from(std::errc::too_many_files_open);
        case UV_ENFILE:
            return from(std::errc::too_many_files_open_in_system);
        case UV_EACCES:
            return from(std::errc::permission_denied);
        case UV_EPERM:
            return from(std::errc::operation_not_permitted);
        case UV_ENOSYS:
            return from(std::errc::function_not_supported);
        case UV_ENOTSUP:
            return from(std::errc::not_supported);
        case UV_EPROTO:
            return from(std::errc::protocol_error);
        case UV_EMSGSIZE:
            return from(std::errc::message_size);
        case UV_EINTR:
            return from(std::errc::interrupted);
        // The file system's (uv_fs_*).
        case UV_ENOENT:
            return from(std::errc::no_such_file_or_directory);
        case UV_EEXIST:
            return from(std::errc::file_exists);
        case UV_EISDIR:
            return from(std::errc::is_a_directory);
        case UV_ENOTDIR:
            return from(std::errc::not_a_directory);
        case UV_ENOTEMPTY:
            return from(std::errc::directory_not_empty);
        case UV_ENAMETOOLONG:
            return from(std::errc::filename_too_long);
        case UV_ELOOP:
            return from(std::errc::too_many_symbolic_link_levels);
        case UV_EROFS:
            return from(std::errc::read_only_file_system);
        case UV_ENOSPC:
            return from(std::errc::no_space_on_device);
        case UV_EFBIG:
            return from(std::errc::file_too_large);
        case UV_EXDEV:
            return from(std::errc::cross_device_link);
        case UV_ESPIPE:
            return from(std::errc::invalid_seek);
        case UV_ETXTBSY:
            return from(std::errc::text_file_busy);
        default:
            return from(std::errc::io_error);  // UV_EIO, UV_UNKNOWN, anything newer than this list
    }
}

}  // namespace interop::libuv_detail
