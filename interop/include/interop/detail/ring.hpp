// A first-in first-out queue in a circular buffer that keeps its memory: it grows when
// it is full and never shrinks, so a queue that fills and drains over and over (a
// channel's buffer) stops allocating once it has reached its working size. (A
// std::deque frees and allocates a block every few hundred bytes that pass through.)
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace interop::detail {

template <typename T>
class ring {
public:
    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }

    T& front() noexcept { return *slots_[head_]; }
    T& back() noexcept { return *slots_[(head_ + count_ - 1) % slots_.size()]; }
    // The i-th item from the front.
    T& operator[](std::size_t i) noexcept { return *slots_[(head_ + i) % slots_.size()]; }

    template <typename... Args>
    T& emplace_back(Args&&... args) {
        if (count_ == slots_.size()) grow();
        std::optional<T>& slot = slots_[(head_ + count_) % slots_.size()];
        slot.emplace(std::forward<Args>(args)...);
        ++count_;
        return *slot;
    }
    void push_back(T value) { emplace_back(std::move(value)); }

    void pop_front() noexcept {
        slots_[head_].reset();
        head_ = (head_ + 1) % slots_.size();
        --count_;
    }

private:
    void grow() {
        std::vector<std::optional<T>> bigger(slots_.empty() ? 8 : 2 * slots_.size());
        for (std::size_t i = 0; i < count_; ++i) bigger[i].emplace(std::move((*this)[i]));
        slots_.swap(bigger);
        head_ = 0;
    }

    std::vector<std::optional<T>> slots_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

}  // namespace interop::detail
