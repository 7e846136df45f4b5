#include "interop/pipe.hpp"

namespace interop {

io_result<pipe_ends> open_pipe(runtime_ref rt) noexcept {
    socket_handle reader = nullptr;
    socket_handle writer = nullptr;
    if (auto ec = rt.vtable->pipe_open(rt.self, &reader, &writer)) return ec;
    return pipe_ends{pipe_reader{rt, reader}, pipe_writer{rt, writer}};
}

}  // namespace interop
