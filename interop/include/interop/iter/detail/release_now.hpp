// Ending the life of a child task's parameters before the child reports that it
// has finished.
//
// A coroutine's parameters live in its frame, and a child's frame is freed only
// after the machinery that runs it (a scope child, a spawned task) has told its
// joiner that it finished; the joiner may well have continued, and freed what the
// child's parameters point into, by then. So a child whose parameters do
// something when destroyed (return a semaphore permit, drop the item a callable's
// task referred to, a callable's captures) moves them into release_now() as its
// last act: they are destroyed there, while everything they refer to still exists.
#pragma once

namespace interop::iter::detail {

template <typename... T>
void release_now(T... owned) noexcept {
    (static_cast<void>(owned), ...);
}

}  // namespace interop::iter::detail
