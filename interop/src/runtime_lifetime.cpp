// Lifetime keys of runtimes: whether a runtime still exists, answerable after it is
// gone.
//
// Each live runtime holds a numbered slot of a process-wide table; its key is the
// slot's number and the slot's generation when it was taken. Destroying the runtime
// bumps the generation, so every key handed out for it stops matching, and the slot
// can serve the next runtime. The table's chunks are allocated as needed and never
// freed or moved, so asking about a key is two loads and needs no lock.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "interop/runtime_interface.hpp"

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
    // Room for every slot ever made, so that giving one back never allocates.
    free_slots.reserve(next_slot + 1);
    const std::uint32_t slot = next_slot++;
    if (slot % chunk_size == 0)
        chunks[slot / chunk_size].store(new generation_chunk{}, std::memory_order_release);
    return slot;
}

}  // namespace

core_slot::core_slot() {
    const std::uint32_t slot = take_slot();
    key_ = (static_cast<std::uint64_t>(slot) << 32) |
           generation_of(slot).load(std::memory_order_relaxed);
}

core_slot::~core_slot() {
    const auto slot = static_cast<std::uint32_t>(key_ >> 32);
    generation_of(slot).fetch_add(1, std::memory_order_release);
    std::lock_guard lock(slots_mutex);
    free_slots.push_back(slot);  // never allocates: take_slot made room
}

bool runtime_alive(std::uint64_t key) noexcept {
    const auto slot = static_cast<std::uint32_t>(key >> 32);
    if (slot >= chunk_size * chunk_count) return false;
    generation_chunk* chunk = chunks[slot / chunk_size].load(std::memory_order_acquire);
    return chunk != nullptr && chunk->generations[slot % chunk_size].load(
                                   std::memory_order_acquire) == static_cast<std::uint32_t>(key);
}

}  // namespace interop
