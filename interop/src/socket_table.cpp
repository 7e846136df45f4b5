#include "socket_table.hpp"

#include <sys/socket.h>

#include <new>
#include <utility>

#include "interop/detail/held_socket.hpp"
#include "interop/endpoint.hpp"
#include "interop/runtime/posix_socket.hpp"
#include "interop/runtime/posix_unix.hpp"
#include "interop/unix_address.hpp"

namespace interop::detail {

namespace {

// What the system says of one side of a socket, read under the lock and put into
// words after it.
struct side {
    bool named = false;
    bool is_unix = false;
    endpoint ip{};
    unix_address path{};
};

// One side's address: an IP endpoint, else (or when `is_unix` is known already) a Unix
// socket's address.
side ask(int fd, bool peer, bool is_unix = false) noexcept {
    side s;
    if (!is_unix) {
        const auto getter = peer ? &::getpeername : &::getsockname;
        const std::error_code error = kit::posix::detail::socket_name(getter, fd, &s.ip);
        if (!error) {
            s.named = true;
            return s;
        }
        // Only a socket of another family is asked again.
        if (error != std::errc::address_family_not_supported) return s;
    }
    if (!kit::posix::unix_name(fd, peer, &s.path)) {
        s.named = true;
        s.is_unix = true;
    }
    return s;
}

std::string text_of(const side& s) {
    if (!s.is_unix) return s.ip.to_string();
    std::string text = s.path.to_string();
    return text.empty() ? "(unnamed)" : text;
}

}  // namespace

std::size_t socket_table::home(socket_handle s) const noexcept {
    // Multiplicative hashing keeps the high bits of the product, which depend on every
    // bit of the handle (an address, or an index and a generation).
    const auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(s));
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_);
}

std::size_t socket_table::find(socket_handle s) const noexcept {
    if (slots_.empty()) return 0;
    for (std::size_t i = home(s);; i = (i + 1) & (slots_.size() - 1)) {
        if (slots_[i].socket == s) return i;
        if (slots_[i].socket == nullptr) return slots_.size();
    }
}

bool socket_table::grow() noexcept {
    std::vector<entry> old;
    try {
        old.resize(slots_.empty() ? 16 : slots_.size() * 2);
    } catch (const std::bad_alloc&) {
        return false;
    }
    old.swap(slots_);
    shift_ = 64;
    for (std::size_t n = slots_.size(); n > 1; n /= 2) --shift_;
    for (const entry& e : old) {
        if (e.socket == nullptr) continue;
        std::size_t i = home(e.socket);
        while (slots_[i].socket != nullptr) i = (i + 1) & (slots_.size() - 1);
        slots_[i] = e;
    }
    return true;
}

void socket_table::remember(socket_handle s, int fd) noexcept {
    if (s == nullptr) return;
    if (fd < 0) return forget(s);
    const std::lock_guard lock(lock_);
    std::size_t i = find(s);
    if (i == slots_.size()) {
        // At most half full, so that probes stay short and a free slot always ends one.
        if ((used_ + 1) * 2 > slots_.size() && !grow()) return;
        i = home(s);
        while (slots_[i].socket != nullptr) i = (i + 1) & (slots_.size() - 1);
        ++used_;
    }
    slots_[i] = {s, fd};
}

void socket_table::forget(socket_handle s) noexcept {
    const std::lock_guard lock(lock_);
    std::size_t i = find(s);
    if (i < slots_.size()) {
        // Backward shift: move up every later entry of the run that the freed slot
        // would otherwise cut off from its home.
        const std::size_t mask = slots_.size() - 1;
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (slots_[j].socket == nullptr) break;
            const std::size_t h = home(slots_[j].socket);
            // Entry j may fill slot i unless its home lies cyclically in (i, j].
            if (((j - h) & mask) >= ((j - i) & mask)) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = entry{};
        --used_;
    }
}

void remember_socket(core_slot& core, runtime_ref rt, socket_handle s) noexcept {
    if (core.sockets == nullptr || rt.vtable->native_handle == nullptr) return;
    core.sockets->remember(s, rt.vtable->native_handle(rt.self, s));
}

void forget_socket(core_slot& core, socket_handle s) noexcept {
    if (core.sockets != nullptr) core.sockets->forget(s);
}

bool socket_table::contains(socket_handle s) const {
    const std::lock_guard lock(lock_);
    return find(s) < slots_.size();
}

bool socket_table::names_of(socket_handle s, names& out) const {
    side local;
    side peer;
    {
        const std::lock_guard lock(lock_);
        const std::size_t i = find(s);
        if (i < slots_.size()) {
            local = ask(slots_[i].fd, false);
            if (local.named) peer = ask(slots_[i].fd, true, local.is_unix);
        }
    }
    if (!local.named) return false;
    out.local = text_of(local);
    out.peer = peer.named ? text_of(peer) : std::string();
    return true;
}

}  // namespace interop::detail
