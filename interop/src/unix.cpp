// Unix domain streams and listeners: what differs from TCP is how they are made and
// named, and that a listener removes its socket file.
#include <filesystem>
#include <string>

#include "interop/net/unix_listener.hpp"
#include "interop/net/unix_stream.hpp"

namespace interop {

namespace detail {

io_result<unix_stream> unix_connect_awaitable::await_resume() noexcept {
    if (precheck_ != std::errc{}) return precheck_;
    finish();
    if (error()) return error();
    return unix_stream{rt_, op().connected};
}

}  // namespace detail

detail::unix_connect_awaitable unix_stream::connect(std::string_view path) noexcept {
    io_result<unix_address> address = unix_address::from_path(path);
    if (!address) {
        return detail::unix_connect_awaitable{unix_address{},
                                              static_cast<std::errc>(address.error().value())};
    }
    return detail::unix_connect_awaitable{*address, std::errc{}};
}

io_result<std::pair<unix_stream, unix_stream>> unix_stream::pair(runtime_ref rt) noexcept {
    socket_handle first = nullptr;
    socket_handle second = nullptr;
    if (auto ec = rt.vtable->unix_pair(rt.self, &first, &second)) return ec;
    return std::pair<unix_stream, unix_stream>{unix_stream{rt, first}, unix_stream{rt, second}};
}

io_result<unix_address> unix_stream::address_of(bool peer) const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    unix_address address;
    if (auto ec = runtime().vtable->unix_address_of(runtime().self, handle(), peer, &address)) {
        return ec;
    }
    return address;
}

io_result<unix_address> unix_stream::local_address() const noexcept { return address_of(false); }
io_result<unix_address> unix_stream::peer_address() const noexcept { return address_of(true); }

io_result<unix_listener> unix_listener::bind(runtime_ref rt, const unix_address& path,
                                             int backlog) noexcept {
    if (backlog <= 0 || path.is_unnamed()) return std::errc::invalid_argument;
    socket_handle s = nullptr;
    if (auto ec = rt.vtable->unix_listen(rt.self, path, backlog, &s)) return ec;
    return unix_listener{rt, s, path.is_path() ? path : unix_address{}};
}

io_result<unix_address> unix_listener::local_address() const noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    unix_address address;
    if (auto ec = runtime().vtable->unix_address_of(runtime().self, handle(), false, &address)) {
        return ec;
    }
    return address;
}

detail::ready_result<void> unix_listener::close() noexcept {
    auto closed = listener_socket::close();
    remove_file();
    return closed;
}

// The file goes after the socket is closed, whether or not its runtime still exists:
// it is this listener's either way.
void unix_listener::remove_file() noexcept {
    if (!path_.is_path()) return;
    std::error_code ignored;
    try {
        std::filesystem::remove(std::filesystem::path(std::string(path_.name())), ignored);
    } catch (const std::bad_alloc&) {
        // Out of memory for the path's copy: the file stays, as after a crash.
    }
    path_ = unix_address{};
}

}  // namespace interop
