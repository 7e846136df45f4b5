// A FIFO of pending operations linked through their adapter_data words 0 and 1, so
// queueing and removing one from the middle (when it is cancelled) allocate nothing.
#pragma once

#include "interop/runtime_interface.hpp"

namespace interop::libuv_detail {

class op_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    operation* front() const noexcept { return head_; }

    void push_back(operation* op) noexcept {
        set_prev(op, tail_);
        set_next(op, nullptr);
        if (tail_) {
            set_next(tail_, op);
        } else {
            head_ = op;
        }
        tail_ = op;
    }

    operation* pop_front() noexcept {
        operation* op = head_;
        if (op) remove(op);
        return op;
    }

    // `op` must be in this list.
    void remove(operation* op) noexcept {
        operation* before = prev(op);
        operation* after = next(op);
        if (before) {
            set_next(before, after);
        } else {
            head_ = after;
        }
        if (after) {
            set_prev(after, before);
        } else {
            tail_ = before;
        }
    }

private:
    static operation* prev(const operation* op) noexcept { return static_cast<operation*>(op->adapter_data[0]); }
    static operation* next(const operation* op) noexcept { return static_cast<operation*>(op->adapter_data[1]); }
    static void set_prev(operation* op, operation* p) noexcept { op->adapter_data[0] = p; }
    static void set_next(operation* op, operation* n) noexcept { op->adapter_data[1] = n; }

    operation* head_ = nullptr;
    operation* tail_ = nullptr;
};

}  // namespace interop::libuv_detail
