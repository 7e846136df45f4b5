// Async iteration: generator<T>, the AsyncIterator concept and the combinators.
//
// The combinators live in interop::iter only (iter::map, iter::filter, ...), so
// they never collide with names from <algorithm> or <ranges> brought in by a
// using-directive. Each one exists in two forms:
//   iter::map(std::move(source), f)   applied directly
//   source | iter::map(f)             through the pipe syntax
// Intermediate combinators (map, filter, take, take_while, enumerate) are
// generators; terminal ones (collect, fold, for_each) are tasks.
#pragma once

#include "interop/generator.hpp"
#include "interop/iter/collect.hpp"
#include "interop/iter/concepts.hpp"
#include "interop/iter/enumerate.hpp"
#include "interop/iter/filter.hpp"
#include "interop/iter/fold.hpp"
#include "interop/iter/map.hpp"
#include "interop/iter/pipe.hpp"
#include "interop/iter/take.hpp"
