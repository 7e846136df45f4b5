/// \file
/// copy_bidirectional(a, b): copies a → b and b → a at the same time until both
/// directions have reached end of stream, and returns both counts.
///
///     auto counts = co_await interop::copy_bidirectional(client, upstream);
///     // counts->a_to_b, counts->b_to_a
///
/// When one side reaches end of stream, the write half of the other side is shut
/// down (so its peer reads end of stream too), and the other direction keeps going.
/// a and b must each allow one read and one write pending at once (tcp_stream,
/// duplex_stream and split halves do).
///
/// The first error in either direction cancels the other direction, and is what
/// copy_bidirectional returns once both have stopped; the counts are then lost.
///
/// Cancellation: both directions stop as copy() does: a chunk in flight in each
/// direction may be lost; nothing is shut down.
#pragma once

#include <cstdint>
#include <mutex>
#include <system_error>

#include "interop/concepts.hpp"
#include "interop/io/copy.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io_result.hpp"
#include "interop/run.hpp"  // scope.hpp uses detail::stored_t from here without including it
#include "interop/scope.hpp"
#include "interop/task.hpp"

namespace interop {

/// The bytes copy_bidirectional moved in each direction.
struct copy_counts {
    std::uint64_t a_to_b = 0;
    std::uint64_t b_to_a = 0;
};

namespace detail {

// Shared by the two directions, which may run on two threads of one runtime.
struct bidirectional_state {
    std::mutex mutex;
    std::error_code first_error;

    void fail(std::error_code ec, scope& s) {
        {
            std::lock_guard lock(mutex);
            if (!first_error) first_error = ec;
        }
        s.cancel();
    }
};

template <typename From, typename To>
task<void> copy_one_way(From* from, To* to, std::uint64_t* count, bidirectional_state* state,
                        scope* s) {
    auto copied = co_await interop::copy(*from, *to);
    if (!copied) {
        state->fail(copied.error(), *s);
        co_return;
    }
    *count = *copied;
    auto shut = co_await shutdown_write(*to);
    if (!shut) state->fail(shut.error(), *s);
}

}  // namespace detail

/// Copies a → b and b → a at the same time until both directions have reached end
/// of stream, and returns both counts.
template <typename A, typename B>
    requires AsyncRead<A> && AsyncWrite<A> && AsyncShutdown<A> && AsyncRead<B> && AsyncWrite<B> &&
        AsyncShutdown<B>
            task<io_result<copy_counts>> copy_bidirectional(A& a, B& b) {
        copy_counts counts;
        detail::bidirectional_state state;
        co_await with_scope([&](scope& s) -> task<void> {
            s.spawn(detail::copy_one_way(&a, &b, &counts.a_to_b, &state, &s));
            s.spawn(detail::copy_one_way(&b, &a, &counts.b_to_a, &state, &s));
            co_return;
        });
        if (state.first_error) co_return state.first_error;
        co_return counts;
    }

}  // namespace interop
