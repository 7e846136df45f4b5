// Conversions between interop::endpoint and asio::ip::tcp::endpoint.
#pragma once

#include <asio/ip/tcp.hpp>

#include "interop/endpoint.hpp"

namespace interop::asio_detail {

asio::ip::tcp::endpoint to_asio(const endpoint& e) noexcept;
endpoint from_asio(const asio::ip::tcp::endpoint& e) noexcept;

}  // namespace interop::asio_detail
