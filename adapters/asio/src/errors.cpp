#include "errors.hpp"

#include <asio/error.hpp>

namespace interop::asio_detail {

std::error_code to_interop_error(const std::error_code& ec) noexcept {
    if (!ec) return {};
    const std::error_category& category = ec.category();
    if (category == asio::error::get_misc_category()) {
        if (ec == asio::error::already_open)
            return std::make_error_code(std::errc::already_connected);
        if (ec == asio::error::fd_set_failure)
            return std::make_error_code(std::errc::too_many_files_open);
        return std::make_error_code(std::errc::io_error);
    }
    if (category == asio::error::get_netdb_category() ||
        category == asio::error::get_addrinfo_category())
        return to_interop_resolve_error(ec);
    // Socket, timer and signal errors are in Asio's own system category, whose values
    // on POSIX are errno values, the numbers std::errc names: operation_aborted
    // (ECANCELED) is operation_canceled, bad_descriptor (EBADF) is
    // bad_file_descriptor, connection_reset stays connection_reset, and so on. (Its
    // default_error_condition() does not say so: it keeps Asio's category.)
    if (category == asio::error::get_system_category())
        return {ec.value(), std::generic_category()};
    // A category we do not know: keep its portable meaning if it has one.
    const std::error_condition condition = ec.default_error_condition();
    if (condition.category() == std::generic_category())
        return {condition.value(), std::generic_category()};
    return std::make_error_code(std::errc::io_error);
}

std::error_code to_interop_resolve_error(const std::error_code& ec) noexcept {
    if (!ec) return {};
    if (ec == asio::error::host_not_found || ec == asio::error::no_data ||
        ec == asio::error::no_recovery)
        return std::make_error_code(std::errc::host_unreachable);
    if (ec == asio::error::host_not_found_try_again)
        return std::make_error_code(std::errc::resource_unavailable_try_again);
    if (ec == asio::error::invalid_argument || ec == asio::error::service_not_found ||
        ec == asio::error::socket_type_not_supported ||
        ec == asio::error::address_family_not_supported)
        return std::make_error_code(std::errc::invalid_argument);
    // EAI_MEMORY and ENOMEM: what one lookup needs could not be had.
    if (ec == asio::error::no_memory) return std::make_error_code(std::errc::not_enough_memory);
    return std::make_error_code(std::errc::io_error);
}

}  // namespace interop::asio_detail
