/// \file
/// Blocks of memory recycled per thread as task frames are, for what an adapter
/// allocates per operation on a runtime run by several threads: a block freed on
/// another thread goes back to the thread that allocated it, so a steady state never
/// reaches the heap however blocks travel between threads.
///
/// Part of the adapter-facing side, like runtime/interface.hpp: it includes nothing else
/// of interop.
#pragma once

#include <cstddef>

namespace interop {

/// A block of at least `size` bytes, aligned for any type up to
/// __STDCPP_DEFAULT_NEW_ALIGNMENT__; throws std::bad_alloc.
void* recycled_allocate(std::size_t size);
/// Gives back a block from recycled_allocate.
void recycled_deallocate(void* block) noexcept;

}  // namespace interop
