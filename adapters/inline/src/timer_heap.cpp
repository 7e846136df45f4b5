#include "timer_heap.hpp"


#include "op_data.hpp"

namespace interop::inline_detail {

void timer_heap::push(timer_operation* op) {
    heap_.push_back({op->deadline, next_sequence_++, op});
    set_where_word(op, heap_.size() - 1);
    sift_up(heap_.size() - 1);
}

void timer_heap::remove(timer_operation* op) noexcept {
    const std::size_t index = where_word(op);
    const entry last = heap_.back();
    heap_.pop_back();
    if (index == heap_.size()) return;  // it was the last entry
    // Put the former last entry in the hole; it may belong above or below it.
    place(index, last);
    sift_up(index);
    sift_down(where_word(last.op));
}

timer_operation* timer_heap::pop_due(runtime_clock::time_point now) noexcept {
    if (heap_.empty() || heap_.front().deadline > now) return nullptr;
    timer_operation* op = heap_.front().op;
    remove(op);
    return op;
}

void timer_heap::place(std::size_t index, const entry& e) noexcept {
    heap_[index] = e;
    set_where_word(e.op, index);
}

void timer_heap::sift_up(std::size_t index) noexcept {
    const entry moving = heap_[index];
    while (index > 0) {
        const std::size_t parent = (index - 1) / 2;
        if (!before(moving, heap_[parent])) break;
        place(index, heap_[parent]);
        index = parent;
    }
    place(index, moving);
}

void timer_heap::sift_down(std::size_t index) noexcept {
    const entry moving = heap_[index];
    const std::size_t count = heap_.size();
    for (;;) {
        const std::size_t left = 2 * index + 1;
        if (left >= count) break;
        const std::size_t right = left + 1;
        const std::size_t child = right < count && before(heap_[right], heap_[left]) ? right : left;
        if (!before(heap_[child], moving)) break;
        place(index, heap_[child]);
        index = child;
    }
    place(index, moving);
}

}  // namespace interop::inline_detail
