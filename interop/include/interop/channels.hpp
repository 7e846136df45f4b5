/// \file
/// Channels and sync primitives: safe across threads and across runtimes.
#pragma once

#include "interop/channel/broadcast.hpp"
#include "interop/channel/errors.hpp"
#include "interop/channel/mpsc.hpp"
#include "interop/channel/oneshot.hpp"
#include "interop/channel/watch.hpp"
#include "interop/sync/barrier.hpp"
#include "interop/sync/event.hpp"
#include "interop/sync/latch.hpp"
#include "interop/sync/mutex.hpp"
#include "interop/sync/semaphore.hpp"
