// What an item task produced: its value or the exception it threw.
//
// Concurrent combinators run items as tasks and hand their outcomes to the
// consumer through a queue. A failure travels as an item, so the consumer sees
// it in its position (source order or completion order) and everything before
// it is still delivered.
#pragma once

#include <exception>
#include <utility>
#include <variant>

namespace interop::iter::detail {

template <typename T>
class item_result {
public:
    explicit item_result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    static item_result failure(std::exception_ptr e) noexcept {
        return item_result(std::in_place_index<1>, std::move(e));
    }

    bool failed() const noexcept { return state_.index() == 1; }
    std::exception_ptr error() const noexcept { return failed() ? std::get<1>(state_) : nullptr; }
    // The value, or the exception rethrown.
    T take() {
        if (failed()) std::rethrow_exception(std::get<1>(state_));
        return std::move(std::get<0>(state_));
    }

private:
    template <std::size_t I, typename A>
    item_result(std::in_place_index_t<I> index, A&& arg) : state_(index, std::forward<A>(arg)) {}

    std::variant<T, std::exception_ptr> state_;
};

}  // namespace interop::iter::detail
