// The built-in types model the concepts they are documented to model. A change that
// breaks one of these promises fails to compile here, not in a user's code.
#include <string>

#include "interop/interop.hpp"

namespace interop {

// Executors and time.
static_assert(Timer<runtime_handle>);
static_assert(Spawn<runtime_handle, task<int>>);
static_assert(Runtime<runtime_handle>);

// TCP.
static_assert(AsyncRead<tcp_stream>);
static_assert(AsyncWrite<tcp_stream>);
static_assert(AsyncClose<tcp_stream>);
static_assert(AsyncClose<tcp_listener>);

// Files.
static_assert(AsyncRead<file>);
static_assert(AsyncWrite<file>);
static_assert(AsyncClose<file>);
static_assert(AsyncRead<buffered_reader<file>>);
static_assert(AsyncRead<buffered_reader<file&>>);
static_assert(AsyncWrite<buffered_writer<file&>>);

// Byte streams.
static_assert(AsyncRead<duplex_stream>);
static_assert(AsyncWrite<duplex_stream>);
static_assert(AsyncClose<duplex_stream>);
static_assert(AsyncRead<buffered_reader<tcp_stream>>);
static_assert(AsyncRead<buffered_reader<tcp_stream&>>);
static_assert(AsyncWrite<buffered_writer<tcp_stream>>);
static_assert(AsyncWrite<buffered_writer<tcp_stream&>>);
static_assert(AsyncRead<read_half<tcp_stream>>);
static_assert(AsyncWrite<write_half<tcp_stream>>);
static_assert(AsyncRead<owned_read_half<tcp_stream>>);
static_assert(AsyncWrite<owned_write_half<tcp_stream>>);

// Pipes and the standard streams.
static_assert(AsyncRead<pipe_reader>);
static_assert(AsyncWrite<pipe_writer>);
static_assert(AsyncRead<stdin_stream>);
static_assert(AsyncClose<stdin_stream>);
static_assert(AsyncWrite<stdout_stream>);
static_assert(AsyncClose<stdout_stream>);
static_assert(AsyncRead<buffered_reader<stdin_stream>>);
static_assert(AsyncWrite<buffered_writer<stdout_stream&>>);

// Iteration.
static_assert(AsyncIterator<generator<int>>);
static_assert(AsyncIterator<interval>);
static_assert(AsyncIterator<any_iterator<int>>);
static_assert(AsyncIterator<any_iterator<std::string>>);
static_assert(AsyncIterator<mpsc::receiver<int>>);
static_assert(AsyncIterator<broadcast::receiver<int>>);
static_assert(AsyncIterator<watch::receiver<int>>);

}  // namespace interop
