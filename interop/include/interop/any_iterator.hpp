/// \file
/// any_iterator<T>: a type-erased async iterator of T.
///
/// For interfaces that must not be templates (a virtual function, a library
/// boundary, a container of differently built pipelines):
///
///     interop::any_iterator<int> evens(interop::any_iterator<int> in) {
///         return std::move(in) | interop::iter::filter(is_even);
///     }
///
/// Any AsyncIterator whose items convert to T converts to any_iterator<T>; the
/// iterator is moved into one heap object, so moving an any_iterator is cheap and
/// never moves the erased iterator (a pending next() keeps pointing at it).
/// next() returns a task<std::optional<T>> with the usual contract: items, then
/// std::nullopt for ever after the end, exceptions rethrown from the co_await. A
/// default-constructed (or moved-from) any_iterator is at its end.
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/iter/concepts.hpp"
#include "interop/task.hpp"

namespace interop {

/// A type-erased async iterator of `T`.
template <typename T>
class any_iterator {
public:
    using value_type = T;

    any_iterator() noexcept = default;

    // NOLINTBEGIN(bugprone-forwarding-reference-overload): it takes no any_iterator
    template <typename I>
        requires(!std::same_as<std::remove_cvref_t<I>, any_iterator>)
    &&AsyncIterator<std::remove_cvref_t<I>> &&
        (!std::is_lvalue_reference_v<I>)&&std::convertible_to<
            iter_value_t<std::remove_cvref_t<I>>,
            T> any_iterator(I&& it)  // NOLINT(google-explicit-constructor): erasure is a conversion
        : impl_(std::make_unique<model<std::remove_cvref_t<I>>>(std::forward<I>(it))) {}
    // NOLINTEND(bugprone-forwarding-reference-overload)

    any_iterator(any_iterator&&) noexcept = default;
    any_iterator& operator=(any_iterator&&) noexcept = default;

    /// The next item; see the top of this file.
    task<std::optional<T>> next() {
        if (!impl_) return ended();
        return impl_->next();
    }

private:
    struct erased {
        virtual ~erased() = default;
        virtual task<std::optional<T>> next() = 0;
    };

    template <typename I>
    struct model final : erased {
        explicit model(I&& it) : iterator(std::move(it)) {}
        task<std::optional<T>> next() override {
            auto pending = iterator.next();
            std::optional<iter_value_t<I>> item = co_await std::move(pending);
            if (!item) co_return std::nullopt;
            co_return std::optional<T>(std::in_place, std::move(*item));
        }
        I iterator;
    };

    static task<std::optional<T>> ended() { co_return std::nullopt; }

    std::unique_ptr<erased> impl_;
};

template <AsyncIterator I>
any_iterator(I) -> any_iterator<iter_value_t<I>>;

}  // namespace interop
