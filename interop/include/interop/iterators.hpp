/// \file
/// Async iteration: generator<T>, the AsyncIterator concept, the combinators and
/// any_iterator<T>. docs/iteration.md has the whole contract.
///
/// The combinators live in interop::iter only (iter::map, iter::filter, ...), so
/// they never collide with names from `<algorithm>` or `<ranges>` brought in by a
/// using-directive. Each one exists in two forms:
///
///     iter::map(std::move(source), f)   applied directly
///     source | iter::map(f)             through the pipe syntax
///
/// Intermediate combinators are generators (AsyncIterators themselves); terminal
/// ones (collect, fold, for_each, for_each_concurrent) are tasks.
///
/// Sources: from (a range).
/// Sequential: map, filter, filter_map, take, take_while, skip, chain, zip,
///   enumerate, chunks, flatten, scan, inspect, throttle.
/// Concurrent (their work runs as tasks, alongside the consumer): buffered,
///   buffer_unordered, merge, chunks_timeout, for_each_concurrent.
#pragma once

#include "interop/any_iterator.hpp"
#include "interop/generator.hpp"
#include "interop/iter/buffered.hpp"
#include "interop/iter/chain.hpp"
#include "interop/iter/chunks.hpp"
#include "interop/iter/chunks_timeout.hpp"
#include "interop/iter/collect.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/enumerate.hpp"
#include "interop/iter/filter.hpp"
#include "interop/iter/filter_map.hpp"
#include "interop/iter/flatten.hpp"
#include "interop/iter/fold.hpp"
#include "interop/iter/for_each_concurrent.hpp"
#include "interop/iter/from.hpp"
#include "interop/iter/inspect.hpp"
#include "interop/iter/map.hpp"
#include "interop/iter/merge.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/iter/scan.hpp"
#include "interop/iter/skip.hpp"
#include "interop/iter/take.hpp"
#include "interop/iter/throttle.hpp"
#include "interop/iter/zip.hpp"
