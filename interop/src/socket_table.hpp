// The descriptors of the sockets the core holds on one runtime, by handle, so that a
// task dump can name a socket a task waits on by its addresses ("read on
// 127.0.0.1:40312 <- 127.0.0.1:7000"). Only the descriptor is kept, from the vtable's
// native_handle when a core object takes the socket over; the addresses are asked of
// the system when a dump wants them, from the dump's thread, so a connection costs no
// system call for it.
//
// A socket leaves the table before it is closed, and a dump asks for its addresses
// while holding the table's lock: the descriptor it asks about is then still the
// socket's, never one the system has since given to another file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "interop/runtime/interface.hpp"

namespace interop::detail {

class socket_table {
public:
    // Never throw: a table that cannot grow leaves the socket out (a dump then shows
    // its handle). A descriptor of -1 forgets the handle.
    void remember(socket_handle s, int fd) noexcept;
    void forget(socket_handle s) noexcept;

    struct names {
        std::string local;
        std::string peer;  // empty: not connected (a listener, an unconnected datagram socket)
    };
    bool contains(socket_handle s) const;
    // The addresses of `s`, or false when the table does not know it or it is not a
    // socket with addresses (a pipe).
    bool names_of(socket_handle s, names& out) const;

private:
    struct entry {
        socket_handle socket = nullptr;  // null: free
        int fd = -1;
    };
    std::size_t find(socket_handle s) const noexcept;  // its index, or slots_.size()
    std::size_t home(socket_handle s) const noexcept;
    bool grow() noexcept;

    // A mutex, not a spin lock: a dump holds it across system calls.
    mutable std::mutex lock_;
    std::vector<entry> slots_;  // open addressing, linear probing; a power of two in size
    unsigned shift_ = 64;       // 64 - log2(slots_.size())
    std::size_t used_ = 0;
};

}  // namespace interop::detail
