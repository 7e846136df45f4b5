#include "timer_heap.hpp"

#include "op_data.hpp"

namespace interop::libuv_detail {

void timer_heap::push(timer_operation* op) {
    entries_.push_back(entry{op->deadline, started_++, op});
    sift_up(entries_.size() - 1);
}

void timer_heap::remove(timer_operation* op) noexcept {
    const std::size_t index = word_as_number(op, 0);
    const entry last = entries_.back();
    entries_.pop_back();
    if (index == entries_.size()) return;  // it was the last one
    // The former last entry fills the hole; it may belong higher up or further down.
    put(index, last);
    sift_down(sift_up(index));
}

timer_operation* timer_heap::pop_due(runtime_clock::time_point now) noexcept {
    if (entries_.empty() || entries_.front().deadline > now) return nullptr;
    timer_operation* op = entries_.front().op;
    remove(op);
    return op;
}

void timer_heap::put(std::size_t index, const entry& e) noexcept {
    entries_[index] = e;
    set_word_number(e.op, 0, index);
}

std::size_t timer_heap::sift_up(std::size_t index) noexcept {
    const entry moving = entries_[index];
    while (index > 0) {
        const std::size_t parent = (index - 1) / 2;
        if (!earlier(moving, entries_[parent])) break;
        put(index, entries_[parent]);
        index = parent;
    }
    put(index, moving);
    return index;
}

void timer_heap::sift_down(std::size_t index) noexcept {
    const entry moving = entries_[index];
    const std::size_t count = entries_.size();
    for (;;) {
        std::size_t child = 2 * index + 1;
        if (child >= count) break;
        if (child + 1 < count && earlier(entries_[child + 1], entries_[child])) ++child;
        if (!earlier(entries_[child], moving)) break;
        put(index, entries_[child]);
        index = child;
    }
    put(index, moving);
}

}  // namespace interop::libuv_detail
