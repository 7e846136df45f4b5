// What TCP and Unix streams share: shut-down, close, release.
#include "interop/detail/stream_socket.hpp"

namespace interop::detail {

io_result<void> stream_socket::shutdown_write() noexcept {
    if (!usable()) return std::errc::bad_file_descriptor;
    return rt_.vtable->shutdown_write(rt_.self, socket_);
}

ready_result<void> stream_socket::close() noexcept {
    release();
    return {io_result<void>{}};
}

// After the runtime is gone its socket is closed already, and the runtime must not be
// called: forgetting the handle is all there is to do.
void stream_socket::release() noexcept {
    if (socket_ != nullptr && lifetime_.alive()) close_socket(rt_, socket_);
    socket_ = nullptr;
}

}  // namespace interop::detail
