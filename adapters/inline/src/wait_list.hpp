// A FIFO of operations waiting for the same event (a socket becoming readable, say),
// linked through the operations themselves so that queueing allocates nothing and a
// cancelled operation is unlinked in O(1).
#pragma once

#include "interop/runtime_interface.hpp"

namespace interop::inline_detail {

class wait_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    operation* front() const noexcept { return head_; }

    void push_back(operation* op) noexcept {
        set_prev(op, tail_);
        set_next(op, nullptr);
        if (tail_) set_next(tail_, op); else head_ = op;
        tail_ = op;
    }

    // `op` must be in this list.
    void remove(operation* op) noexcept {
        operation* before = prev(op);
        operation* after = next(op);
        if (before) set_next(before, after); else head_ = after;
        if (after) set_prev(after, before); else tail_ = before;
    }

    operation* pop_front() noexcept {
        operation* op = head_;
        if (op) remove(op);
        return op;
    }

private:
    static operation* prev(operation* op) noexcept { return static_cast<operation*>(op->adapter_data[1]); }
    static operation* next(operation* op) noexcept { return static_cast<operation*>(op->adapter_data[2]); }
    static void set_prev(operation* op, operation* p) noexcept { op->adapter_data[1] = p; }
    static void set_next(operation* op, operation* n) noexcept { op->adapter_data[2] = n; }

    operation* head_ = nullptr;
    operation* tail_ = nullptr;
};

}  // namespace interop::inline_detail
