/// \file
/// Child-exit notices without pidfds, for posix_process.hpp: one SIGCHLD handler for
/// the whole process, shared by every runtime in it, and a notice pipe per child.
///
/// A loop waits for a child by watching a descriptor. With pidfds that descriptor is
/// the child's pidfd. Without them (Linux before 5.3, or INTEROP_PROCESS_REAPER=sigchld)
/// it is the read end of the child's notice pipe: the handler writes a byte to every
/// notice pipe on each SIGCHLD, because the signal does not say which child ended (and
/// several endings may arrive as one signal). A byte only says "look again": the
/// watcher drains the pipe, then asks waitid for exactly its own pid, so children that
/// other code started are never reaped here and nothing is lost between the two steps
/// (a SIGCHLD after the drain writes a new byte).
///
/// The handler calls only async-signal-safe functions (write) and reads a table of
/// atomic slots that grows by blocks and never shrinks. A slot is emptied before its
/// pipe is closed, and the closer waits for handlers already running, so a byte never
/// goes to a descriptor number that has been reused. A handler installed before the
/// first child is still called after ours (chained); one installed later replaces ours,
/// and setting SIGCHLD to SIG_IGN makes the kernel reap every child, so its exit status
/// is lost (docs/processes.md).
#pragma once

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "interop/runtime/posix_socket.hpp"

namespace interop::kit::posix {

namespace sigchld_detail {

inline constexpr int slots_per_block = 64;

// Slots hold a notice pipe's write end plus one; 0 is a free slot.
struct notice_block {
    std::atomic<int> slots[slots_per_block] = {};
    std::atomic<notice_block*> next{nullptr};
};

struct notice_table {
    notice_block first;
    std::atomic<int> handlers_running{0};
    std::mutex lock;  // installing the handler, claiming slots, adding blocks
    bool installed = false;
    struct sigaction previous {};
};

inline notice_table& table() noexcept {
    static notice_table t;
    return t;
}

inline void on_sigchld(int signal_number, siginfo_t* info, void* context) noexcept {
    const int saved_errno = errno;
    notice_table& t = table();
    t.handlers_running.fetch_add(1);
    for (notice_block* b = &t.first; b != nullptr; b = b->next.load()) {
        for (std::atomic<int>& slot : b->slots) {
            const int value = slot.load();
            if (value == 0) continue;
            const char byte = 0;
            (void)::write(value - 1, &byte, 1);  // a full pipe says the same already
        }
    }
    t.handlers_running.fetch_sub(1);
    const struct sigaction& before = t.previous;
    if ((before.sa_flags & SA_SIGINFO) != 0) {
        if (before.sa_sigaction != nullptr) before.sa_sigaction(signal_number, info, context);
    } else if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
        before.sa_handler(signal_number);
    }
    errno = saved_errno;
}

// With the table's lock held.
inline std::error_code install(notice_table& t) noexcept {
    if (t.installed) return {};
    struct sigaction action {};
    action.sa_sigaction = on_sigchld;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    ::sigemptyset(&action.sa_mask);
    if (::sigaction(SIGCHLD, &action, &t.previous) != 0) return last_error();
    t.installed = true;
    return {};
}

// A free slot, with the table's lock held; null when no memory is left for a block.
inline std::atomic<int>* free_slot(notice_table& t) noexcept {
    notice_block* b = &t.first;
    for (;;) {
        for (std::atomic<int>& slot : b->slots) {
            if (slot.load() == 0) return &slot;
        }
        notice_block* next = b->next.load();
        if (next == nullptr) {
            next = new (std::nothrow) notice_block{};  // kept for the process's life
            if (next == nullptr) return nullptr;
            b->next.store(next);
        }
        b = next;
    }
}

}  // namespace sigchld_detail

/// A child's notice pipe: the write end in the handler's table until this goes. Open it
/// before fork, so that no SIGCHLD of the child can come before it.
class sigchld_notice {
public:
    sigchld_notice() noexcept = default;
    sigchld_notice(sigchld_notice&& other) noexcept
        : slot_(std::exchange(other.slot_, nullptr)), writer_(std::exchange(other.writer_, -1)) {}
    sigchld_notice& operator=(sigchld_notice&& other) noexcept {
        if (this != &other) {
            close();
            slot_ = std::exchange(other.slot_, nullptr);
            writer_ = std::exchange(other.writer_, -1);
        }
        return *this;
    }
    ~sigchld_notice() { close(); }

    /// Installs the handler (once per process), makes the pipe and registers its write
    /// end; *reader is the end to watch (non-blocking, close-on-exec), the caller's to
    /// close. Nothing is left open on an error.
    std::error_code open(int* reader) noexcept {
        close();
        *reader = -1;
        int ends[2] = {-1, -1};
        if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return last_error();
        sigchld_detail::notice_table& t = sigchld_detail::table();
        const std::lock_guard<std::mutex> hold(t.lock);
        std::error_code error = sigchld_detail::install(t);
        std::atomic<int>* slot = error ? nullptr : sigchld_detail::free_slot(t);
        if (slot == nullptr) {
            ::close(ends[0]);
            ::close(ends[1]);
            return error ? error : std::make_error_code(std::errc::not_enough_memory);
        }
        slot->store(ends[1] + 1);
        slot_ = slot;
        writer_ = ends[1];
        *reader = ends[0];
        return {};
    }

    bool is_open() const noexcept { return slot_ != nullptr; }

    /// Empties the pipe `reader` (this notice's read end): what it said has been heard.
    static void drain(int reader) noexcept {
        char bytes[64];
        while (::read(reader, bytes, sizeof bytes) > 0) {
        }
    }

    /// Leaves the table and closes the write end.
    void close() noexcept {
        if (slot_ == nullptr) return;
        slot_->store(0);
        slot_ = nullptr;
        // A handler that read the slot before it was emptied may still write to it.
        while (sigchld_detail::table().handlers_running.load() != 0) ::sched_yield();
        ::close(writer_);
        writer_ = -1;
    }

private:
    std::atomic<int>* slot_ = nullptr;
    int writer_ = -1;
};

}  // namespace interop::kit::posix
