// The built-in types model the concepts they are documented to model.
#include "interop/interop.hpp"

namespace interop {

static_assert(AsyncRead<tcp_stream>);
static_assert(AsyncWrite<tcp_stream>);
static_assert(AsyncClose<tcp_stream>);
static_assert(AsyncClose<tcp_listener>);
static_assert(AsyncIterator<generator<int>>);
static_assert(AsyncIterator<interval>);
static_assert(Timer<runtime_handle>);
static_assert(Spawn<runtime_handle, task<int>>);
static_assert(Runtime<runtime_handle>);

}  // namespace interop
