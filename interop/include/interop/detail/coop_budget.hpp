// A cooperative budget against starvation by operations that complete at once.
//
// An operation that completes inline (data was already there, a permit was free)
// does not suspend its task. A task that keeps finding data could then run forever
// without giving other tasks a turn. So each thread allows a run of at most
// `coop_budget_size` inline completions in a row; the next operation suspends the
// task for one turn of its runtime (its result is kept, nothing is lost). Any real
// suspension refills the budget.
#pragma once

namespace interop::detail {

inline constexpr int coop_budget_size = 128;
inline thread_local int coop_remaining = coop_budget_size;

// Called when an operation completed inline: true when the task should yield now.
inline bool coop_spend() noexcept {
    if (--coop_remaining > 0) return false;
    coop_remaining = coop_budget_size;
    return true;
}

// Called when a task really suspends.
inline void coop_refill() noexcept { coop_remaining = coop_budget_size; }

}  // namespace interop::detail
