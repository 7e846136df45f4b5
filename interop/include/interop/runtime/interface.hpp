/// \file
/// The primitive interface between interop's core and a runtime adapter.
///
/// This header is the narrow waist of the library: an adapter includes it (and
/// io_result.hpp / endpoint.hpp, which it pulls in) and nothing else of interop.
/// It never sees tasks, promises or scopes. docs/runtime-interface.md describes the
/// contract in prose; the comments here are the short form.
///
/// Every asynchronous primitive takes an operation object owned by the core. The
/// adapter completes it exactly once by calling op->complete(ec, n), from any of
/// its threads, possibly before the start call returns (inline completion is
/// allowed and is the fast path). After complete() the adapter must not touch the
/// operation again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "interop/endpoint.hpp"
#include "interop/no_error.hpp"
#include "interop/unix_address.hpp"

namespace interop {

namespace detail {
class socket_table;
}

/// The runtime's monotonic clock. Adapters report time as nanoseconds since an
/// arbitrary epoch of their choosing (virtual-time runtimes start wherever they like).
struct runtime_clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::duration<rep, period>;
    using time_point = std::chrono::time_point<runtime_clock>;
    static constexpr bool is_steady = true;
};

/// What an adapter's socket handle is is up to the adapter; the core only stores it.
using socket_handle = void*;

/// What an operation is for.
enum class op_kind : std::uint8_t {
    post,
    timer,
    accept,
    connect,
    read,
    write,
    resolve,
    blocking,
    signal,
    send_to,
    receive_from,
    process_wait,
    file,
};

/// Base of every operation. The core fills in `on_complete`; the adapter may use
/// `adapter_data` for its own bookkeeping (intrusive links, heap index, ...)
/// while the operation is pending.
struct operation {
    using complete_fn = void (*)(operation*, std::error_code, std::size_t) noexcept;

    explicit operation(op_kind k, complete_fn fn) noexcept : kind(k), on_complete(fn) {}
    operation(const operation&) = delete;
    operation& operator=(const operation&) = delete;

    void complete(std::error_code ec, std::size_t n) noexcept { on_complete(this, ec, n); }

    op_kind kind;
    complete_fn on_complete;
    void* adapter_data[4] = {};
};

/// A timer: completes no earlier than `deadline`.
struct timer_operation : operation {
    timer_operation(complete_fn fn) noexcept : operation(op_kind::timer, fn) {}
    runtime_clock::time_point deadline{};
};

/// read: fill `buffer` with at least one byte, or complete with 0 at end of stream.
/// write: write at least one byte of `buffer` and report how many.
struct io_operation : operation {
    explicit io_operation(complete_fn fn, op_kind k = op_kind::read) noexcept : operation(k, fn) {}
    socket_handle socket = nullptr;
    std::byte* data = nullptr;
    std::size_t size = 0;
};

/// UDP. send_to: sends `data[0, size)` as one datagram to `peer`, or to the connected
/// peer when `has_peer` is false, and completes with `size`. receive_from: receives one
/// datagram into `data`, sets `peer` to its sender and completes with its length (0 is
/// an empty datagram, not an end); a datagram longer than `size` fills the buffer and
/// completes with (errc::message_size, size), the rest of it lost. A cancelled
/// receive_from consumes no datagram.
struct datagram_operation : io_operation {
    explicit datagram_operation(complete_fn fn, op_kind k = op_kind::receive_from) noexcept
        : io_operation(fn, k) {}
    endpoint peer{};
    bool has_peer = false;  ///< send_to: whether `peer` is the destination
};

/// Options of a UDP socket (udp_set_option), each an int: 0 or 1 for the switches.
enum class udp_option : std::uint8_t {
    broadcast,       ///< SO_BROADCAST
    multicast_loop,  ///< IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP
    multicast_hops,  ///< IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS
    unicast_hops,    ///< IP_TTL / IPV6_UNICAST_HOPS
};

/// Accepts a connection on `listener`.
struct accept_operation : operation {
    accept_operation(complete_fn fn) noexcept : operation(op_kind::accept, fn) {}
    socket_handle listener = nullptr;
    socket_handle accepted = nullptr;  ///< set by the adapter on success
};

/// Connects to `peer`.
struct connect_operation : operation {
    connect_operation(complete_fn fn) noexcept : operation(op_kind::connect, fn) {}
    endpoint peer{};
    socket_handle connected = nullptr;  ///< set by the adapter on success
};

/// Connects a Unix domain stream socket to the listener at `path` (cap_unix).
struct unix_connect_operation : connect_operation {
    explicit unix_connect_operation(complete_fn fn) noexcept : connect_operation(fn) {}
    unix_address path;
};

/// Resolves `host` and `port` into endpoints.
struct resolve_operation : operation {
    resolve_operation(complete_fn fn) noexcept : operation(op_kind::resolve, fn) {}
    std::string host;
    std::uint16_t port = 0;
    std::vector<endpoint> results;  ///< filled by the adapter on success
};

/// Runs `work(context)` on a thread where blocking is allowed, then completes.
struct blocking_operation : operation {
    blocking_operation(complete_fn fn) noexcept : operation(op_kind::blocking, fn) {}
    void (*work)(void* context) noexcept = nullptr;
    void* context = nullptr;
};

/// Waits for a raise of `signal_number`.
struct signal_operation : operation {
    signal_operation(complete_fn fn) noexcept : operation(op_kind::signal, fn) {}
    int signal_number = 0;
};

/// What an adapter's child process handle is is up to the adapter; the core only stores it.
using process_handle = void*;

/// What a child's standard stream is connected to.
enum class process_stdio : std::uint8_t {
    inherit,  ///< the parent's descriptor of the same number
    null,     ///< the null device: reads see end of file, writes are discarded
    piped,    ///< a new pipe whose other end the parent gets (process_spawned::pipes)
};

/// One change to a child's environment, applied in order after the starting set.
struct process_env_change {
    std::string name;
    std::string value;
    bool remove = false;  ///< removes `name`; `value` is then unused
};

/// What to start (cap_process). The adapter looks a program whose name has no '/' up
/// in the PATH of the child's environment (else the parent's, else the system's
/// default); a name with a '/' is used as it is. Strings must not contain NUL, names
/// neither '=' nor be empty: invalid_argument.
struct process_spec {
    std::string program;
    std::vector<std::string> args;   ///< after the program (argv[1], ...); argv[0] is `program`
    bool clear_environment = false;  ///< start from an empty environment, not the parent's
    std::vector<process_env_change> environment;
    std::string working_directory;  ///< empty: the parent's
    process_stdio stdio[3] = {process_stdio::inherit, process_stdio::inherit,
                              process_stdio::inherit};
};

/// What process_spawn made.
struct process_spawned {
    process_handle process = nullptr;
    int pid = 0;
    /// The parent's ends of the piped streams, null for the others: [0] a pipe writer
    /// (the child's stdin), [1] and [2] pipe readers. They work as pipe_open's ends do.
    socket_handle pipes[3] = {nullptr, nullptr, nullptr};
};

/// Waits for a child to end (cap_process). Completes with ({}, 0) and the status:
/// `signal` 0 and `exit_code` the code it exited with, or `signal` the number of the
/// signal that ended it.
struct process_wait_operation : operation {
    explicit process_wait_operation(complete_fn fn) noexcept
        : operation(op_kind::process_wait, fn) {}
    process_handle process = nullptr;
    int exit_code = 0;
    int signal = 0;
};

/// What a file_operation asks for: one system call's worth of work (file_call).
enum class file_request : std::uint8_t {
    open,      ///< open `path` with `open_flags` and `mode`; the descriptor in `fd`
    read,      ///< read into `data[0, size)` at `offset` (-1: at the position); bytes read
    write,     ///< write `data[0, size)` at `offset` (-1: at the position); bytes written
    sync,      ///< fsync, or fdatasync when `data_only`
    stat,      ///< fill `status`: of `fd` if `path` is null, else of `path` (lstat if !follow)
    truncate,  ///< set the length of `fd` to `offset`
    seek,      ///< lseek(fd, offset, whence): completes with the new position
    close,     ///< close `fd`
    unlink,    ///< remove the file `path`
    rename,    ///< rename `path` to `target`
    mkdir,     ///< create the directory `path` with `mode`
    rmdir,     ///< remove the empty directory `path`
    list,      ///< fill `entries` with the directory `path`'s entries but . and ..
};

/// open_flags of a file_request::open, combined with |.
enum file_open_flag : std::uint32_t {
    file_open_read = 1u << 0,
    file_open_write = 1u << 1,
    file_open_append = 1u << 2,
    file_open_create = 1u << 3,
    file_open_truncate = 1u << 4,
    file_open_exclusive = 1u << 5,  ///< with create: the file must not exist (O_EXCL)
};

/// What kind of file a path names.
enum class file_type : std::uint8_t { regular, directory, symlink, other };

/// What a stat request reports.
struct file_status {
    std::uint64_t size = 0;
    file_type type = file_type::other;
    std::uint32_t permissions = 0;  ///< the mode's permission bits (07777)
    std::int64_t modified_ns = 0;   ///< modification time, nanoseconds since the Unix epoch
};

/// One entry of a directory listing.
struct directory_entry {
    std::string name;
    file_type type = file_type::other;
};

struct file_operation;

/// What the kit's blocking-pool fallback for file_call uses (runtime/vtable.hpp); an
/// adapter with a native file_call never touches it.
struct file_offload : blocking_operation {
    explicit file_offload(complete_fn fn) noexcept : blocking_operation(fn) {}
    file_operation* owner = nullptr;
    std::error_code error;
    std::size_t transferred = 0;
};

/// One file system request (cap_files). Completes with the request's error, or with
/// ({}, n) where n is the bytes read or written, the new position of a seek, and 0
/// otherwise. A regular file cannot be waited for, so a request runs to completion
/// once started: cancel() only takes back one that has not started (it then completes
/// with operation_canceled, nothing done). `close` and `seek` complete inside file_call.
struct file_operation : operation {
    explicit file_operation(complete_fn fn) noexcept
        : operation(op_kind::file, fn), offload(&file_operation::offloaded) {
        offload.owner = this;
    }

    file_request request = file_request::read;
    int fd = -1;                   ///< the descriptor; set by a successful open
    const char* path = nullptr;    ///< NUL-terminated; the core keeps it alive
    const char* target = nullptr;  ///< rename's new name
    std::uint32_t open_flags = 0;  ///< file_open_flag bits
    std::uint32_t mode = 0;        ///< open's and mkdir's permission bits
    std::byte* data = nullptr;
    std::size_t size = 0;
    std::int64_t offset = -1;  ///< read/write position (-1: current), length, seek offset
    int whence = 0;            ///< seek: 0 from the start, 1 from the position, 2 from the end
    bool data_only = false;    ///< sync: fdatasync
    bool follow = true;        ///< stat of a path: follow a final symlink
    file_status status;
    std::vector<directory_entry> entries;
    file_offload offload;

    /// Whether this request completes inside file_call (close and seek).
    bool completes_in_call() const noexcept {
        return request == file_request::close || request == file_request::seek;
    }

private:
    static void offloaded(operation* base, std::error_code ec, std::size_t) noexcept {
        auto* off = static_cast<file_offload*>(static_cast<blocking_operation*>(base));
        if (ec) return off->owner->complete(ec, 0);
        off->owner->complete(off->error, off->transferred);
    }
};

/// What an adapter offers beyond the mandatory primitives. The conformance suite
/// reports behaviours that need a capability an adapter does not declare as n/a.
enum capability : std::uint32_t {
    cap_none = 0,
    cap_multi_threaded = 1u << 0,  ///< more than one thread may run completions concurrently
    cap_virtual_time = 1u << 1,    ///< the clock jumps to the next deadline when idle
    cap_ipv6 = 1u << 2,            ///< IPv6 loopback is usable
    cap_resolve = 1u << 3,
    cap_blocking_offload = 1u << 4,
    cap_signals = 1u << 5,
    cap_udp = 1u << 6,            ///< UDP sockets: udp_bind and what follows it
    cap_udp_multicast = 1u << 7,  ///< joining and leaving multicast groups
    cap_unix = 1u << 8,           ///< Unix domain stream sockets: unix_listen and what follows it
    cap_pipe = 1u << 9,           ///< anonymous pipes: pipe_open
    cap_stdio = 1u << 10,         ///< adopting a pollable descriptor (standard streams): pipe_adopt
    cap_files = 1u << 11,         ///< files and directories: file_call
    cap_process = 1u << 12,       ///< child processes: process_spawn and what follows it
    cap_write_at_once = 1u << 13,  ///< try_write: a write that needs no wait, without an operation
};

/// Whether a runtime still exists; safe to ask after it is gone (that is what it is for),
/// from any thread. A handle keeps one: one load tells it whether it may call its runtime.
class runtime_lifetime {
public:
    runtime_lifetime() noexcept = default;  ///< no runtime: never alive
    bool alive() const noexcept {
        return generation_ != nullptr && generation_->load(std::memory_order_acquire) == expected_;
    }

private:
    friend class core_slot;
    runtime_lifetime(const std::atomic<std::uint32_t>* generation, std::uint32_t expected) noexcept
        : generation_(generation), expected_(expected) {}
    const std::atomic<std::uint32_t>* generation_ = nullptr;  // never freed: outlives every runtime
    std::uint32_t expected_ = 0;
};

/// The core's part of a runtime object. An adapter keeps exactly one as a member of its
/// runtime and returns it from the vtable's `core` entry; it never touches what is in it.
///
/// While interop::run drives the runtime, the core keeps its bookkeeping here. And the
/// slot gives the runtime an identity that outlives it: handles (streams, listeners)
/// keep its lifetime key, and once the runtime object is destroyed (and this member
/// with it) they see the runtime is gone and never call it again. An adapter closes
/// every socket it still holds when it is destroyed.
class core_slot {
public:
    core_slot();
    ~core_slot();
    core_slot(const core_slot&) = delete;
    core_slot& operator=(const core_slot&) = delete;

    /// Stays alive() until this slot, and so the runtime, is destroyed.
    runtime_lifetime lifetime() const noexcept { return {generation_, expected_}; }

    void* run_state = nullptr;  ///< the core's, while interop::run drives the runtime
    /// The core's count of the sockets and pipes it holds open on this runtime
    /// (interop::debug::metrics).
    std::atomic<std::int64_t> open_sockets{0};
    /// The core's table of the descriptors of those sockets (task dumps name a socket
    /// by its addresses).
    detail::socket_table* sockets = nullptr;

private:
    std::atomic<std::uint32_t>* generation_;
    std::uint32_t expected_;
    std::uint32_t slot_;
};

/// The primitive interface an adapter implements: one entry per primitive, called
/// with the adapter object as `self`.
struct runtime_vtable {
    const char* name;

    // --- executor -----------------------------------------------------------
    /// Thread-safe. Completes `op` with ({}, 0) on a runtime thread, never inline.
    /// Returns false, and never completes `op`, once the runtime has been stopped.
    bool (*post)(void* self, operation* op) noexcept;
    /// True when the calling thread is one of the threads running this runtime.
    bool (*in_runtime_thread)(void* self) noexcept;

    // --- time ---------------------------------------------------------------
    /// Thread-safe: the core reads it from any thread (a task dump shows deadlines
    /// from now on this clock).
    runtime_clock::time_point (*now)(void* self) noexcept;
    /// Completes with ({}, 0) no earlier than op->deadline on this clock, always
    /// from the loop and never inside timer_start, so a deadline that has already
    /// passed completes at the next turn of the loop (sleep_for(0) is a yield).
    void (*timer_start)(void* self, timer_operation* op) noexcept;

    // --- cancellation -------------------------------------------------------
    /// Asks a pending operation to complete early with errc::operation_canceled.
    /// Thread-safe. The core calls it at most once per started operation and keeps
    /// the operation alive until both complete() and cancel() have returned; an
    /// adapter must therefore tolerate cancel() for an operation it has already
    /// completed (it then does nothing). cancel() never completes the operation
    /// inside the call: the cancelled completion is delivered later from the loop,
    /// so a caller that cancels many operations in a row is never re-entered. A cancelled read must
    /// not consume bytes: either it completes with operation_canceled and the bytes stay available,
    /// or it completes normally with the bytes.
    void (*cancel)(void* self, operation* op) noexcept;

    // --- TCP ----------------------------------------------------------------
    std::error_code (*tcp_listen)(void* self, const endpoint& local, int backlog,
                                  socket_handle* out) noexcept;
    void (*tcp_accept)(void* self, accept_operation* op) noexcept;
    void (*tcp_connect)(void* self, connect_operation* op) noexcept;
    void (*read)(void* self, io_operation* op) noexcept;
    void (*write)(void* self, io_operation* op) noexcept;
    /// A write's fast path, without an operation (cap_write_at_once; null without it):
    /// writes to a connected stream (TCP, Unix domain, pipe) what it takes at once and
    /// returns that many bytes, at least 1. Returns 0, having written nothing, whenever
    /// write() must do it instead: the stream would block, a write waits on it or its
    /// bytes are still on their way, the handle is unknown, closed, shut down for
    /// writing or not a stream, the call failed, `size` is 0, or the runtime has
    /// stopped. It reports no error (write() does, so each rule lives in one place),
    /// completes nothing and is called where write() would be.
    /// Null unless set: a table written by hand before this entry existed still builds.
    std::size_t (*try_write)(void* self, socket_handle s, const std::byte* data,
                             std::size_t size) noexcept = nullptr;
    std::error_code (*shutdown_write)(void* self, socket_handle s) noexcept;
    /// Releases the socket synchronously. Operations still pending on it complete
    /// with errc::operation_canceled later, from the loop (never inside close()).
    void (*close)(void* self, socket_handle s) noexcept;
    std::error_code (*local_endpoint)(void* self, socket_handle s, endpoint* out) noexcept;
    std::error_code (*remote_endpoint)(void* self, socket_handle s, endpoint* out) noexcept;
    std::error_code (*set_no_delay)(void* self, socket_handle s, bool enabled) noexcept;
    /// The system's descriptor of any socket or pipe handle (-1 when it has none). The
    /// core asks once, on a runtime thread, when it takes a handle over, and uses it
    /// only to name a socket by its addresses in a task dump (getsockname and
    /// getpeername, from the dump's thread). A null entry counts as -1.
    int (*native_handle)(void* self, socket_handle s) noexcept;

    // --- UDP (cap_udp) --------------------------------------------------------
    /// Opens a UDP socket bound to `local` (port 0: any). The socket's handle then
    /// works with close, local_endpoint and remote_endpoint as a TCP one does. One
    /// send_to and one receive_from may be pending on it; a second of either completes
    /// at once with errc::device_or_resource_busy.
    std::error_code (*udp_bind)(void* self, const endpoint& local, socket_handle* out) noexcept;
    /// Sets the peer: send_to without a peer goes there, and only the peer's datagrams
    /// are received. Where the system reports it, an
    /// ICMP "port unreachable" from the peer fails the next send or receive with
    /// errc::connection_refused.
    std::error_code (*udp_connect)(void* self, socket_handle s, const endpoint& peer) noexcept;
    void (*send_to)(void* self, datagram_operation* op) noexcept;
    void (*receive_from)(void* self, datagram_operation* op) noexcept;
    std::error_code (*udp_set_option)(void* self, socket_handle s, udp_option option,
                                      int value) noexcept;
    /// Joins (or leaves) the multicast `group` on the interface with address
    /// `interface` (IPv4) or index `interface.scope_id()` (IPv6); unspecified: the
    /// system's choice. Needs cap_udp_multicast.
    std::error_code (*udp_membership)(void* self, socket_handle s, const ip_address& group,
                                      const ip_address& interface, bool join) noexcept;
    /// Sends multicast datagrams out of the interface named as for udp_membership.
    /// Needs cap_udp_multicast.
    std::error_code (*udp_multicast_interface)(void* self, socket_handle s,
                                               const ip_address& interface) noexcept;

    // --- Unix domain sockets (cap_unix) ----------------------------------------
    /// Opens a stream socket bound to `local` (a path or an abstract name) and listening.
    /// Its handle works with tcp_accept, whose streams, like those of unix_connect and
    /// unix_pair, work with read, write, shutdown_write and close as a TCP stream's do.
    /// A path that exists already is address_in_use. The core removes the socket file
    /// of a path listener it closes, not the adapter.
    std::error_code (*unix_listen)(void* self, const unix_address& local, int backlog,
                                   socket_handle* out) noexcept;
    /// Connects a new stream socket to op->path; the stream in op->connected. Never
    /// waits for room in the listener's backlog: a full one is
    /// resource_unavailable_try_again, no listener there connection_refused, no such
    /// file no_such_file_or_directory.
    void (*unix_connect)(void* self, unix_connect_operation* op) noexcept;
    /// Two streams connected to each other (socketpair).
    std::error_code (*unix_pair)(void* self, socket_handle* first, socket_handle* second) noexcept;
    /// The address a Unix socket is bound to, or (peer) that of the socket it is
    /// connected to; unnamed when there is none.
    std::error_code (*unix_address_of)(void* self, socket_handle s, bool peer,
                                       unix_address* out) noexcept;

    // --- Pipes (cap_pipe) ---------------------------------------------------------
    /// An anonymous pipe. `reader`'s handle works with read and close, `writer`'s with
    /// write and close, with the rules of a TCP stream's: a read gives 0 once the
    /// writer is closed and the pipe is empty, a cancelled read consumes nothing, a
    /// write once the reader is closed is broken_pipe (never SIGPIPE).
    std::error_code (*pipe_open)(void* self, socket_handle* reader, socket_handle* writer) noexcept;
    /// Takes ownership of `fd`, a descriptor that can be polled for readiness (a pipe's
    /// end, a terminal, a socket, another character device that polls), already
    /// non-blocking and close-on-exec, numbered above 2; its handle then works with
    /// read, write and close exactly as an end of pipe_open does (with the same rules,
    /// also for a terminal or a socket: read() and write(), never recv() and send()).
    /// On an error the descriptor is closed. Needs cap_stdio.
    std::error_code (*pipe_adopt)(void* self, int fd, socket_handle* out) noexcept;

    // --- Child processes (cap_process) -----------------------------------------------
    /// Starts `spec`'s program. The child gets the streams `spec` asks for, default
    /// signal dispositions and an empty signal mask, and no descriptor of the parent's
    /// but 0, 1 and 2. Fails, with no child left behind, when the program is not found
    /// (no_such_file_or_directory), cannot be executed (permission_denied), the working
    /// directory does not exist (no_such_file_or_directory) or the program is empty
    /// (invalid_argument): the error of the child's exec comes back here. The runtime
    /// reaps the child once it ends, whether anybody waits or not.
    std::error_code (*process_spawn)(void* self, const process_spec& spec,
                                     process_spawned* out) noexcept;
    /// Completes once op->process has ended (at once if it has), with its status. One
    /// wait per process may be pending; a second is device_or_resource_busy. A cancelled
    /// wait completes with operation_canceled and leaves the child alone.
    void (*process_wait)(void* self, process_wait_operation* op) noexcept;
    /// Sends `signal` to the child. Once the runtime has reaped it: no_such_process, and
    /// nothing is signalled (the pid may be another process's by then). A number that
    /// is no signal is invalid_argument.
    std::error_code (*process_kill)(void* self, process_handle p, int signal) noexcept;
    /// Gives the handle back. A child that is still running runs on, and the runtime
    /// reaps it when it ends (or, when the runtime is destroyed first, waits for it if it
    /// was killed, else leaves it). A wait still pending completes with operation_canceled.
    void (*process_release)(void* self, process_handle p) noexcept;

    // --- Files (cap_files) --------------------------------------------------------
    /// Runs one file_operation (see there). Errors are the system's errno values as
    /// std::errc, the same on every runtime; an open of a directory is is_a_directory.
    /// An adapter without a native way gets the kit's, on its spawn_blocking pool.
    void (*file_call)(void* self, file_operation* op) noexcept;

    // --- name resolution, blocking offload, signals ---------------------------
    void (*resolve)(void* self, resolve_operation* op) noexcept;
    void (*spawn_blocking)(void* self, blocking_operation* op) noexcept;
    /// Signals. Once a signal number has been watched or waited for, the runtime
    /// watches it for the rest of its life: a raise while no wait is pending is
    /// remembered (raises coalesce) and completes the next signal_wait at once.
    /// signal_watch starts that now, without waiting; it returns invalid_argument for a
    /// number that cannot be caught, and operation_not_supported without cap_signals.
    std::error_code (*signal_watch)(void* self, int signal_number) noexcept;
    /// Completes with ({}, 0) once the signal is raised (or at once if it was raised
    /// since the runtime started watching it and no wait took that raise).
    void (*signal_wait)(void* self, signal_operation* op) noexcept;

    // --- lifecycle ----------------------------------------------------------
    /// The runtime's core_slot (see above), the same one every time.
    core_slot* (*core)(void* self) noexcept;
    /// Runs the loop on the calling thread until stop() is called.
    void (*run)(void* self);
    /// Thread-safe. Stops now: makes run() return; posts and new operations after stop
    /// fail. Only the core calls it (interop::request_stop, and interop::run once its
    /// last task has finished): a user's request to shut down goes through the core,
    /// which cancels the tasks it drives first.
    void (*stop)(void* self) noexcept;

    std::uint32_t capabilities;
};

/// A type-erased, non-owning handle to a runtime: a vtable and the adapter object.
struct runtime_ref {
    const runtime_vtable* vtable = nullptr;
    void* self = nullptr;

    explicit operator bool() const noexcept { return vtable != nullptr; }
    bool has(capability c) const noexcept { return (vtable->capabilities & c) != 0; }
    friend bool operator==(const runtime_ref&, const runtime_ref&) = default;
};

/// The one way to ask a runtime to shut down, for users, foreign threads and an
/// adapter's own stop() member; any number of times. While interop::run drives `rt`,
/// the core cancels the root task and every spawned task, and stops the runtime once
/// the last of them has finished: run returns (or rethrows) what the root task then
/// produced. Otherwise the runtime stops at once (the vtable's stop): its run()
/// returns, and posts and new operations fail.
void request_stop(runtime_ref rt) noexcept;

}  // namespace interop
