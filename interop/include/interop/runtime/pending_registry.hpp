/// \file
/// The operations an adapter has parked (waiting on a timer, a socket, a worker), keyed
/// so that a late or cross-thread cancel is harmless.
///
/// The contract lets cancel() arrive from any thread, and late: after the operation
/// completed, when a new operation may already live at the same address. An adapter
/// that looked the address up would cancel the newcomer. Here each parked operation
/// gets a (slot, generation) key, stored in one of its adapter_data words when it is
/// parked, inside its start call. cancel() reads the key from the operation (the core
/// keeps the operation alive while it calls cancel, and the words are not written
/// again while it is pending) and hands the key, not the pointer, to the loop's
/// thread; there `find(key)` returns the operation only if that very operation is
/// still parked. Unparking bumps the slot's generation, so a stale key finds nothing
/// even after the slot was reused.
///
/// Owned by the loop's thread (or used while no thread runs the loop); nothing is
/// allocated once the registry has grown to its working size.
///
///     kit::pending_registry<kit::op_word<3, kit::registry_key>> pending;
#pragma once

#include <cstddef>
#include <cstdint>

#include "interop/runtime/interface.hpp"
#include "interop/runtime/op_word.hpp"
#include "interop/runtime/slot_map.hpp"

namespace interop::kit {

using registry_key = slot_map<operation>::key;

/// The operations an adapter has parked, keyed so that a late or cross-thread
/// cancel is harmless.
template <typename KeyWord>
class pending_registry {
public:
    using key = registry_key;

    /// `op` is now pending: find(key_of(op)) returns it until it is unparked.
    void park(operation* op) { KeyWord::set(op, slots_.insert(op)); }

    /// Done waiting. Harmless for an operation that is not parked.
    void unpark(operation* op) noexcept { slots_.erase(key_of(op)); }

    /// First thing in a start call: the core reuses operation objects, and one that
    /// completes without parking must not carry the key of its previous wait.
    static void clear_key(operation* op) noexcept { KeyWord::set(op, key{}); }

    /// The key stored in `op` when it was parked (generation 0: not parked). Any
    /// thread, while the core keeps `op` alive.
    static key key_of(const operation* op) noexcept { return KeyWord::get(op); }

    /// The operation parked under `k`, or null if it has been unparked since.
    operation* find(key k) const noexcept { return slots_.find(k); }
    bool is_parked(const operation* op) const noexcept { return find(key_of(op)) == op; }

    std::size_t size() const noexcept { return slots_.size(); }

    /// fn(operation*) for every parked operation; fn may unpark the one it is given.
    template <typename Fn>
    void for_each(Fn&& fn) {
        slots_.for_each(fn);
    }

private:
    slot_map<operation> slots_;
};

}  // namespace interop::kit
