/// \file
/// Byte-stream helpers over anything that models AsyncRead / AsyncWrite, and the
/// in-memory duplex stream. One header per helper under interop/io/; this one
/// includes them all. docs/byte-streams.md has an example of each and what a
/// cancellation leaves behind.
#pragma once

#include "interop/io/buffered_reader.hpp"
#include "interop/io/buffered_writer.hpp"
#include "interop/io/codec.hpp"
#include "interop/io/copy.hpp"
#include "interop/io/copy_bidirectional.hpp"
#include "interop/io/duplex.hpp"
#include "interop/io/errors.hpp"
#include "interop/io/framed.hpp"
#include "interop/io/length_prefix_codec.hpp"
#include "interop/io/line_codec.hpp"
#include "interop/io/read_buffer.hpp"
#include "interop/io/read_exact.hpp"
#include "interop/io/read_to_end.hpp"
#include "interop/io/read_until.hpp"
#include "interop/io/shutdown.hpp"
#include "interop/io/split.hpp"
#include "interop/io/take.hpp"
#include "interop/io/write_all.hpp"
