// Lifetimes of runtimes: whether a runtime still exists, answerable after it is gone.
//
// Each live runtime holds a numbered slot of a process-wide table of generation
// counters; a runtime_lifetime is the slot's address and its generation when the
// runtime took it. Destroying the runtime bumps the generation, so every lifetime
// handed out for it stops matching, and the slot can serve the next runtime. The
// table's chunks are allocated as needed and never freed or moved, so asking is one
// load and needs no lock.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "interop/runtime/interface.hpp"
#include "socket_table.hpp"

namespace interop {
namespace {

constexpr std::uint32_t chunk_size = 1024;
constexpr std::uint32_t chunk_count = 1024;  // up to a million runtimes alive at once

struct generation_chunk {
    std::atomic<std::uint32_t> generations[chunk_size];
};

std::atomic<generation_chunk*> chunks[chunk_count];

std::mutex slots_mutex;
std::vector<std::uint32_t> free_slots;  // guarded by slots_mutex
std::uint32_t next_slot = 0;            // guarded by slots_mutex

std::atomic<std::uint32_t>& generation_of(std::uint32_t slot) noexcept {
    return chunks[slot / chunk_size]
        .load(std::memory_order_acquire)
        ->generations[slot % chunk_size];
}

std::uint32_t take_slot() {
    std::lock_guard lock(slots_mutex);
    if (!free_slots.empty()) {
        const std::uint32_t slot = free_slots.back();
        free_slots.pop_back();
        return slot;
    }
    if (next_slot == chunk_size * chunk_count) {
        throw std::length_error("interop: more than a million runtimes alive at once");
    }
    // Room for every slot ever made, so that giving one back never allocates (grown
    // by doubling: reserve() alone would reallocate for every new slot).
    if (free_slots.capacity() < next_slot + 1) free_slots.reserve(2 * free_slots.capacity() + 16);
    const std::uint32_t slot = next_slot++;
    if (slot % chunk_size == 0)
        chunks[slot / chunk_size].store(new generation_chunk{}, std::memory_order_release);
    return slot;
}

}  // namespace

core_slot::core_slot() : slot_(take_slot()) {
    generation_ = &generation_of(slot_);
    expected_ = generation_->load(std::memory_order_relaxed);
    try {
        sockets = new detail::socket_table;
    } catch (...) {
        std::lock_guard lock(slots_mutex);
        free_slots.push_back(slot_);
        throw;
    }
}

core_slot::~core_slot() {
    delete sockets;
    generation_->fetch_add(1, std::memory_order_release);
    std::lock_guard lock(slots_mutex);
    free_slots.push_back(slot_);  // never allocates: take_slot made room
}

}  // namespace interop
