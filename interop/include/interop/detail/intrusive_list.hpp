// An intrusive doubly linked list of T, linked through T's own `prev` and `next`: no
// allocation, removal of any element in constant time. Not synchronised: its owner
// guards it (a primitive's mutex for its waiters, a spin lock for task records).
#pragma once

namespace interop::detail {

template <typename T>
class intrusive_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    T* front() const noexcept { return head_; }

    void push_back(T* n) noexcept {
        n->prev = tail_;
        n->next = nullptr;
        if (tail_ != nullptr) {
            tail_->next = n;
        } else {
            head_ = n;
        }
        tail_ = n;
    }
    void remove(T* n) noexcept {
        if (n->prev != nullptr) {
            n->prev->next = n->next;
        } else {
            head_ = n->next;
        }
        if (n->next != nullptr) {
            n->next->prev = n->prev;
        } else {
            tail_ = n->prev;
        }
        n->prev = n->next = nullptr;
    }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
};

}  // namespace interop::detail
