// The sockets a runtime owns, and the operations waiting on each.
//
// A socket_handle given to the core is not a pointer but a slot index and a
// generation number packed into the pointer's bits. Closing a socket bumps its
// slot's generation, so a handle used after close (or a made-up one) is recognised
// and refused with bad_file_descriptor, instead of reaching freed memory or, worse,
// a newer socket that happens to reuse the same descriptor number. A handle of the
// wrong kind for a call (a read on a listener, an accept on a connection, a datagram
// on either) is refused the same way, before the system is asked: the system's own
// answers differ from call to call (not_connected, invalid_argument), and a recv()
// on a UDP socket would even take a datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/socket_waits.hpp"
#include "op_data.hpp"

namespace interop::inline_detail {

// What a descriptor the loop waits on is (loop_epoll.cpp): the epoll set gives back a
// pointer to one of these with each event.
enum class event_source : std::uint8_t { socket, process, wakeup, signals };
struct event_target {
    event_source source;
};

// What a socket is, as far as the calls that may be made on it go.
enum class socket_kind : std::uint8_t {
    stream,    // a TCP or Unix connection: read, write, shutdown_write
    pipe,      // an end of a pipe: read and write, with read() and write()
    listener,  // a TCP or Unix listener: accept
    datagram,  // a UDP socket: send_to and receive_from
};

// The operations waiting on it are in readers and writers (kit::socket_waits).
struct socket_slot : kit::socket_waits<wait_list>, event_target {
    socket_slot() noexcept : event_target{event_source::socket} {}

    int fd = -1;  // -1 while the slot is free
    std::uint32_t generation = 1;
    socket_handle handle = nullptr;  // this slot's handle while it is open
    // The last recv returned less than it was offered: the socket is most likely empty,
    // so the next read waits for readiness instead of trying a recv that finds nothing
    // (a request/response peer has not answered yet). Any readiness reported for the
    // socket clears it, so bytes that arrived meanwhile are read at the next try.
    bool drained = false;
    // The peer has closed (or an error is pending): never drained from then on. The end
    // of the stream or the error may come in the same readiness report as the last
    // bytes, and an edge-triggered report (loop_epoll.cpp) does not come again.
    bool hung_up = false;
    socket_kind kind = socket_kind::stream;
    // In the loop's epoll set (from the first operation that waits on it until close).
    bool watched = false;
};

class socket_table {
public:
    socket_table() = default;
    socket_table(const socket_table&) = delete;
    socket_table& operator=(const socket_table&) = delete;
    ~socket_table();  // closes every socket still open

    // Takes ownership of fd. Throws std::bad_alloc (fd still the caller's) when a slot
    // cannot be made.
    socket_handle add(int fd, socket_kind kind);
    // Makes sure the next add() needs no memory, or throws std::bad_alloc.
    void reserve_one();
    // nullptr when the handle is not (or no longer) an open socket. Inline: every
    // operation and every readiness report looks its socket up.
    socket_slot* find(socket_handle handle) noexcept {
        const std::uintptr_t index_plus_one = reinterpret_cast<std::uintptr_t>(handle) & index_mask;
        if (index_plus_one == 0 || index_plus_one > count_) return nullptr;
        const std::size_t index = static_cast<std::size_t>(index_plus_one - 1);
        socket_slot& slot = at(index);
        if (slot.fd < 0 || handle != make_handle(index, slot.generation)) return nullptr;
        return &slot;
    }
    // As find(), and nullptr also when the socket is of another kind: a connection or a
    // pipe's end for find_stream().
    socket_slot* find(socket_handle handle, socket_kind kind) noexcept {
        socket_slot* slot = find(handle);
        return slot != nullptr && slot->kind == kind ? slot : nullptr;
    }
    socket_slot* find_stream(socket_handle handle) noexcept {
        socket_slot* slot = find(handle);
        const bool stream = slot != nullptr &&
                            (slot->kind == socket_kind::stream || slot->kind == socket_kind::pipe);
        return stream ? slot : nullptr;
    }
    // Closes the socket. Its wait lists must be empty, and the loop must have taken it
    // out of its epoll set (socket_slot::watched).
    void remove(socket_handle handle) noexcept;

    std::size_t open_count() const noexcept { return count_ - free_.size(); }

    template <typename Fn>  // fn(socket_handle, socket_slot&) for each socket with waiters
    void for_each_waiting(Fn&& fn) {
        for (std::size_t index = 0; index < count_; ++index) {
            socket_slot& slot = at(index);
            if (slot.fd >= 0 && slot.has_waiters()) fn(make_handle(index, slot.generation), slot);
        }
    }

private:
    // Half of the handle's bits hold the slot index (plus one, so that no handle is
    // null), the other half the generation.
    static constexpr unsigned index_bits = sizeof(std::uintptr_t) * 4;
    static constexpr std::uintptr_t index_mask = (std::uintptr_t{1} << index_bits) - 1;

    static socket_handle make_handle(std::size_t index, std::uint32_t generation) noexcept {
        const std::uintptr_t bits = (static_cast<std::uintptr_t>(generation) << index_bits) |
                                    ((static_cast<std::uintptr_t>(index) + 1) & index_mask);
        return reinterpret_cast<socket_handle>(bits);
    }

    // Slots come in blocks of a power-of-two count, so they never move (adding a socket,
    // an accept, while holding a reference to another, the listener, is safe) and a
    // lookup is a shift and a mask. (A std::deque kept them in place too, but its
    // indexing and size() cost about thirty instructions, four times per message.)
    static constexpr unsigned block_bits = 5;
    static constexpr std::size_t block_size = std::size_t{1} << block_bits;

    socket_slot& at(std::size_t index) noexcept {
        return blocks_[index >> block_bits][index & (block_size - 1)];
    }

    std::vector<std::unique_ptr<socket_slot[]>> blocks_;
    std::size_t count_ = 0;  // slots in use or free; those past it in the last block are not yet
    std::vector<std::size_t> free_;
};

}  // namespace interop::inline_detail
