/// \file
/// generator<T>: an async generator coroutine. Its body may co_await anything
/// (interop tasks, leaf operations, other iterators) and co_yield values.
///
/// Iteration contract (see interop/iter/concepts.hpp, concept AsyncIterator):
/// `co_await gen.next()` resumes the body until its next co_yield, which gives the
/// yielded value, its co_return (or the end of the body), which gives std::nullopt,
/// or an exception, which is rethrown from that co_await. After the end every
/// next() gives std::nullopt (the generator is fused). A generator is lazy: the body
/// does not start before the first next().
///
///     interop::generator<int> count(int n) {
///         for (int i = 0; i < n; ++i) co_yield i;
///     }
///     while (auto v = co_await it.next()) ...
///
/// Each next() hands the consumer's context (runtime, stop token) to the body, so
/// leaf operations awaited in the body run on the consumer's runtime and see its
/// cancellation, exactly as a task awaited by the consumer would.
///
/// next() uses the same scheme as task: it resumes the body inside await_suspend and
/// does not suspend the consumer when the body already yielded. An atomic handshake
/// decides who continues the consumer: next() itself (the body yielded inline) or
/// the yield (the body suspended on something and yielded later, maybe on another
/// thread). So a synchronous generator consumed in a loop keeps the stack flat in
/// unoptimised and sanitizer builds, where symmetric transfer is not a tail call.
///
/// Destroying a generator that is suspended at a co_yield destroys its frame and so
/// runs the destructors of the body's locals. Destroying it while a next() is still
/// pending is a bug, as is awaiting two next() of one generator at once.
#pragma once

#include <cassert>
#include <concepts>
#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "interop/context.hpp"
#include "interop/task.hpp"

namespace interop {

template <typename T>
class generator;

namespace detail {

template <typename T>
struct generator_promise : promise_base {
    generator<T> get_return_object() noexcept;

    // A yield parks the body and continues the consumer, which is what the final
    // awaiter of a task does for its awaiter; the handshake is re-armed by next().
    using yield_awaiter = promise_base::final_awaiter;

    // The yielded object lives until the body resumes (a temporary lives to the end
    // of the full expression containing the co_yield), so a pointer is enough;
    // next() moves or copies it into the consumer's optional.
    yield_awaiter yield_value(T&& value) noexcept {
        movable_ = std::addressof(value);
        return {};
    }
    yield_awaiter yield_value(const T& value) noexcept requires std::copy_constructible<T> {
        copyable_ = std::addressof(value);
        return {};
    }

    void return_void() noexcept {}
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    // Re-arms the handshake and runs the body until it yields or finishes. Returns
    // true when the consumer must suspend (the body is waiting on something).
    bool resume_for(std::coroutine_handle<> self, std::coroutine_handle<> consumer) {
        movable_ = nullptr;
        copyable_ = nullptr;
        handshake.store(false, std::memory_order_relaxed);
        return start_awaited(self, consumer);
    }

    // Called by next() once the body is parked at a co_yield or has finished.
    std::optional<T> take_item(bool finished) {
        if (finished) {
            if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
            return std::nullopt;
        }
        if (movable_ != nullptr) return std::optional<T>(std::move(*movable_));
        if constexpr (std::copy_constructible<T>) {
            assert(copyable_ != nullptr);
            return std::optional<T>(*copyable_);
        } else {
            assert(false && "generator parked without a value");
            return std::nullopt;
        }
    }

    T* movable_ = nullptr;
    const T* copyable_ = nullptr;
    std::exception_ptr exception_;
};

}  // namespace detail

/// An async generator coroutine: its body may co_await anything and co_yield
/// values. An AsyncIterator of `T`.
template <typename T>
class [[nodiscard]] generator {
    static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "generator<T> yields values: T must be a non-const object type");
    static_assert(std::move_constructible<T>, "generator<T> needs a movable T");

public:
    using promise_type = detail::generator_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    /// An empty generator is at its end: next() gives std::nullopt.
    generator() noexcept = default;
    explicit generator(handle_type h) noexcept : handle_(h) {}
    generator(generator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    generator& operator=(generator other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    ~generator() {
        if (handle_) handle_.destroy();
    }

    struct next_awaiter {
        handle_type gen;

        /// Finished (or empty) generators answer at once, which makes them fused.
        bool await_ready() const noexcept { return !gen || gen.done(); }

        template <typename Promise>
        bool await_suspend(std::coroutine_handle<Promise> consumer) {
            if constexpr (detail::context_promise<Promise>) {
                gen.promise().set_context(consumer.promise().context());
            }
            return gen.promise().resume_for(gen, consumer);
        }

        std::optional<T> await_resume() {
            if (!gen) return std::nullopt;
            return gen.promise().take_item(gen.done());
        }
    };

    /// The awaitable of the next item; see the contract at the top of this file.
    next_awaiter next() noexcept { return next_awaiter{handle_}; }

    bool valid() const noexcept { return static_cast<bool>(handle_); }

private:
    handle_type handle_{};
};

namespace detail {
template <typename T>
generator<T> generator_promise<T>::get_return_object() noexcept {
    return generator<T>{std::coroutine_handle<generator_promise<T>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace interop
