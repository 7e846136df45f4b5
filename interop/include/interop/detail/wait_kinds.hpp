// The kinds of wait a task dump names (task_record.hpp), and what a pending runtime
// operation says of itself: its kind, the object it waits on, and a number.
#pragma once

#include <cstddef>
#include <cstdint>

#include "interop/detail/task_record.hpp"
#include "interop/runtime/interface.hpp"

namespace interop::detail {

inline constexpr wait_kind wait_read{"read", wait_value::none, false, socket_side::in};
inline constexpr wait_kind wait_write{"write", wait_value::none, false, socket_side::out};
inline constexpr wait_kind wait_send{"send", wait_value::none, false, socket_side::out};
inline constexpr wait_kind wait_receive{"receive", wait_value::none, false, socket_side::in};
inline constexpr wait_kind wait_accept{"accept", wait_value::none, false, socket_side::in};
inline constexpr wait_kind wait_connect{"connect", wait_value::none, false};
inline constexpr wait_kind wait_sleep{"sleep", wait_value::deadline, false};
inline constexpr wait_kind wait_signal{"signal", wait_value::signal, false};
inline constexpr wait_kind wait_resolve{"name lookup", wait_value::none, false};
inline constexpr wait_kind wait_blocking{"blocking call", wait_value::none, false};
inline constexpr wait_kind wait_process{"child process", wait_value::pid, false};
inline constexpr wait_kind wait_file{"file", wait_value::none, false};
inline constexpr wait_kind wait_join{"join", wait_value::task, false};
inline constexpr wait_kind wait_scope{"scope join", wait_value::count, false};
inline constexpr wait_kind wait_watch_changed{"watch changed", wait_value::none, false};
inline constexpr wait_kind wait_mpsc_send{"mpsc send", wait_value::items, false};
inline constexpr wait_kind wait_mpsc_receive{"mpsc receive", wait_value::senders, false};
inline constexpr wait_kind wait_broadcast_receive{"broadcast receive", wait_value::none, false};
inline constexpr wait_kind wait_oneshot_receive{"oneshot receive", wait_value::none, false};
inline constexpr wait_kind wait_handoff_put{"iterator hand-off (producer)", wait_value::none,
                                            false};
inline constexpr wait_kind wait_handoff_take{"iterator hand-off (consumer)", wait_value::none,
                                             false};
inline constexpr wait_kind wait_barrier{"barrier arrive", wait_value::none, false};
inline constexpr wait_kind wait_semaphore{"semaphore acquire", wait_value::none, false};
inline constexpr wait_kind wait_event{"event wait", wait_value::none, false};
inline constexpr wait_kind wait_mutex{"mutex lock", wait_value::owner, false};

struct wait_note {
    const wait_kind* kind;
    const void* object;
    std::int64_t value;
};

inline wait_note note_of(const timer_operation& op) noexcept {
    return {&wait_sleep, nullptr, op.deadline.time_since_epoch().count()};
}
inline wait_note note_of(const io_operation& op) noexcept {
    // By table, not by branches: this runs for every read that waits.
    static constexpr const wait_kind* by_kind[] = {
        &wait_read, &wait_read, &wait_read, &wait_read,    &wait_read, &wait_write, &wait_read,
        &wait_read, &wait_read, &wait_send, &wait_receive, &wait_read, &wait_read};
    static_assert(
        static_cast<int>(op_kind::write) == 5 && static_cast<int>(op_kind::send_to) == 9 &&
        static_cast<int>(op_kind::receive_from) == 10 && static_cast<int>(op_kind::file) == 12);
    return {by_kind[static_cast<std::size_t>(op.kind)], op.socket, 0};
}
inline wait_note note_of(const accept_operation& op) noexcept {
    return {&wait_accept, op.listener, 0};
}
inline wait_note note_of(const connect_operation&) noexcept { return {&wait_connect, nullptr, 0}; }
inline wait_note note_of(const signal_operation& op) noexcept {
    return {&wait_signal, nullptr, op.signal_number};
}
inline wait_note note_of(const resolve_operation&) noexcept { return {&wait_resolve, nullptr, 0}; }
inline wait_note note_of(const blocking_operation&) noexcept {
    return {&wait_blocking, nullptr, 0};
}
inline wait_note note_of(const process_wait_operation& op) noexcept {
    return {&wait_process, op.process, 0};
}
inline wait_note note_of(const file_operation&) noexcept { return {&wait_file, nullptr, 0}; }

}  // namespace interop::detail
