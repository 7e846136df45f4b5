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

namespace {

// The socket file at `file`, if a socket is still there. Never throws; an empty name
// or a failure to look leaves everything as it is.
void remove_socket_file(const std::string& file) noexcept {
    if (file.empty()) return;
    try {
        std::error_code ignored;
        const std::filesystem::path at(file);
        if (std::filesystem::is_socket(std::filesystem::symlink_status(at, ignored))) {
            std::filesystem::remove(at, ignored);
        }
    } catch (const std::bad_alloc&) {
        // Out of memory for a copy of the path: the file stays, as after a crash.
    }
}

// Whether anything (a dangling link included) is at `file`; "" is nothing.
bool something_at(const std::string& file) noexcept {
    if (file.empty()) return false;
    try {
        std::error_code looked;
        return std::filesystem::exists(std::filesystem::symlink_status(file, looked));
    } catch (const std::bad_alloc&) {
        return true;  // unknown: then a failed bind removes nothing
    }
}

// The absolute form of `path` (a file system path), "" when it cannot be had.
std::string absolute_file(const unix_address& path) noexcept {
    try {
        std::error_code failed;
        auto absolute = std::filesystem::absolute(std::string(path.name()), failed);
        return failed ? std::string() : absolute.string();
    } catch (const std::bad_alloc&) {
        return {};
    }
}

}  // namespace

io_result<unix_listener> unix_listener::bind(runtime_ref rt, const unix_address& path,
                                             int backlog) noexcept {
    if (backlog <= 0 || path.is_unnamed()) return std::errc::invalid_argument;
    const std::string file = path.is_path() ? absolute_file(path) : std::string();
    const bool existed = something_at(file);
    socket_handle s = nullptr;
    if (auto ec = rt.vtable->unix_listen(rt.self, path, backlog, &s)) {
        // A bind that got as far as making the file (then failed to listen, or the
        // adapter ran out of memory) leaves nothing behind; a file that was there
        // before is never touched.
        if (!existed) remove_socket_file(file);
        return ec;
    }
    return unix_listener{rt, s, file};
}

io_result<unix_address> unix_listener::local_address() const noexcept {
    unix_address address;
    const std::error_code ec = with_socket([&address](runtime_ref rt, socket_handle s) {
        return rt.vtable->unix_address_of(rt.self, s, false, &address);
    });
    if (ec) return ec;
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
    remove_socket_file(file_);
    file_.clear();
}

}  // namespace interop
