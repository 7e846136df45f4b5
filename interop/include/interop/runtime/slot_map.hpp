/// \file
/// A table of pointers addressed by (index, generation) keys: the handles of an
/// adapter's sockets, the registry of its pending operations (pending_registry.hpp).
///
/// Erasing an entry bumps its slot's generation, so a key kept after the entry went
/// (a socket handle used after close, a cancel request that arrives after its operation
/// completed) finds nothing, even when the slot has been reused since. A lookup is an
/// array index and a compare; free slots are chained through the slots themselves, so
/// nothing is allocated once the table has grown to its working size.
///
/// Generations are 32 bits: a stale key would have to survive four billion reuses of
/// its slot to be mistaken for a live one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace interop::kit {

/// A table of pointers addressed by (index, generation) keys.
template <typename T>
class slot_map {
public:
    struct key {
        std::uint32_t index = 0;
        std::uint32_t generation = 0;  ///< never 0 for a live entry
    };

    key insert(T* value) {
        std::uint32_t index = free_head_;
        if (index == none) [[unlikely]] {
            index = grow();
        } else {
            free_head_ = slots_[index].next_free;
        }
        slot& s = slots_[index];
        s.value = value;
        ++live_;
        return key{index, s.generation};
    }

    T* find(key k) const noexcept {
        if (k.index >= slots_.size()) return nullptr;
        const slot& s = slots_[k.index];
        return s.generation == k.generation ? s.value : nullptr;
    }

    /// Does nothing for a stale key.
    void erase(key k) noexcept {
        if (find(k) == nullptr) return;
        slot& s = slots_[k.index];
        s.value = nullptr;
        if (++s.generation == 0) s.generation = 1;
        s.next_free = free_head_;
        free_head_ = k.index;
        --live_;
    }

    std::size_t size() const noexcept { return live_; }

    /// fn(T*) for every live entry. fn may erase the entry it is given.
    template <typename Fn>
    void for_each(Fn&& fn) {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (T* value = slots_[i].value) fn(value);
    }

private:
    static constexpr std::uint32_t none = ~std::uint32_t{0};

    // A new slot at the end. Out of line: a loop parks an operation per wait, and with
    // the vector's growth inlined every insert saved and restored registers for it.
    [[gnu::noinline]] std::uint32_t grow() {
        const auto index = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(slot{});
        return index;
    }

    struct slot {
        T* value = nullptr;
        std::uint32_t generation = 1;
        std::uint32_t next_free = none;
    };

    std::vector<slot> slots_;
    std::uint32_t free_head_ = none;
    std::size_t live_ = 0;
};

}  // namespace interop::kit
