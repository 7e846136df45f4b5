#include "resolver.hpp"

#include <algorithm>
#include <cerrno>
#include <new>

#include <netdb.h>
#include <sys/socket.h>

#include "interop/runtime/posix_address.hpp"
#include "interop/runtime/posix_socket.hpp"

namespace interop::inline_detail {
namespace {

std::error_code error_from_getaddrinfo(int status) noexcept {
    switch (status) {
        case EAI_NONAME:
#if defined(EAI_NODATA) && EAI_NODATA != EAI_NONAME
        case EAI_NODATA:
#endif
#if defined(EAI_ADDRFAMILY)
        case EAI_ADDRFAMILY:
#endif
        case EAI_FAIL:
            return std::make_error_code(std::errc::host_unreachable);
        case EAI_AGAIN:
            return std::make_error_code(std::errc::resource_unavailable_try_again);
        case EAI_MEMORY:
            return std::make_error_code(std::errc::not_enough_memory);
        case EAI_SYSTEM:
            return errno != 0 ? kit::posix::error_from_errno(errno)
                              : std::make_error_code(std::errc::io_error);
        case EAI_BADFLAGS:
        case EAI_FAMILY:
        case EAI_SERVICE:
        case EAI_SOCKTYPE:
            return std::make_error_code(std::errc::invalid_argument);
        default:
            return std::make_error_code(std::errc::io_error);
    }
}

}  // namespace

std::error_code resolve_host(const std::string& host, std::uint16_t port,
                             std::vector<endpoint>* out) noexcept {
    out->clear();
    // getaddrinfo(NULL, ...) would quietly answer with a local address.
    if (host.empty()) return std::make_error_code(std::errc::invalid_argument);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
    hints.ai_flags = AI_NUMERICSERV;

    addrinfo* list = nullptr;
    const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (status != 0) return error_from_getaddrinfo(status);

    std::error_code result;
    try {
        for (const addrinfo* entry = list; entry; entry = entry->ai_next) {
            endpoint e;
            if (!kit::posix::from_sockaddr(entry->ai_addr, entry->ai_addrlen, &e)) continue;
            if (std::find(out->begin(), out->end(), e) == out->end()) out->push_back(e);
        }
        if (out->empty()) result = std::make_error_code(std::errc::host_unreachable);
    } catch (const std::bad_alloc&) {
        result = std::make_error_code(std::errc::not_enough_memory);
    }
    ::freeaddrinfo(list);
    return result;
}

}  // namespace interop::inline_detail
