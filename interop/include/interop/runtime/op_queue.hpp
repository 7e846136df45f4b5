/// \file
/// A FIFO of pending operations (the reads waiting on a socket, the accepts waiting on
/// a listener, ...), linked through two of each operation's adapter_data words: queueing
/// allocates nothing, and a cancelled operation leaves from the middle in O(1).
///
///     kit::op_queue<kit::op_word<1, operation*>, kit::op_word<2, operation*>> waiting;
#pragma once

#include "interop/runtime/interface.hpp"
#include "interop/runtime/op_word.hpp"

namespace interop::kit {

/// A FIFO of pending operations, linked through two of each operation's
/// adapter_data words.
template <typename PrevWord, typename NextWord>
class op_queue {
    static_assert(PrevWord::index != NextWord::index, "the links need two different words");

public:
    bool empty() const noexcept { return head_ == nullptr; }
    operation* front() const noexcept { return head_; }

    void push_back(operation* op) noexcept {
        PrevWord::set(op, tail_);
        NextWord::set(op, nullptr);
        if (tail_ != nullptr) {
            NextWord::set(tail_, op);
        } else {
            head_ = op;
        }
        tail_ = op;
    }

    /// `op` must be in this queue.
    void remove(operation* op) noexcept {
        operation* before = PrevWord::get(op);
        operation* after = NextWord::get(op);
        if (before != nullptr) {
            NextWord::set(before, after);
        } else {
            head_ = after;
        }
        if (after != nullptr) {
            PrevWord::set(after, before);
        } else {
            tail_ = before;
        }
    }

    operation* pop_front() noexcept {
        operation* op = head_;
        if (op != nullptr) remove(op);
        return op;
    }

private:
    operation* head_ = nullptr;
    operation* tail_ = nullptr;
};

}  // namespace interop::kit
