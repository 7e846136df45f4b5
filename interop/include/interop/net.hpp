/// \file
/// TCP listeners and streams, UDP sockets: on the awaiting task's runtime.
#pragma once

#include "interop/endpoint.hpp"
#include "interop/net/tcp_listener.hpp"
#include "interop/net/tcp_stream.hpp"
#include "interop/net/udp_socket.hpp"
#include "interop/net/unix_listener.hpp"
#include "interop/net/unix_stream.hpp"
#include "interop/unix_address.hpp"
