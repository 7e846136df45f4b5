// The TLS state machine of one stream, without I/O: OpenSSL's SSL object with a BIO
// over two buffers of this class. Ciphertext from the peer is put into the input
// buffer (input_space, input_commit); what OpenSSL produces for the peer collects in
// the output buffer (take_output). tls::stream moves the bytes between these buffers
// and its inner stream.
//
// Not safe for concurrent use: tls::stream serialises its calls.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "interop/io/detail/byte_buffer.hpp"
#include "interop/tls/context.hpp"

struct ssl_st;
struct bio_st;

namespace interop::tls::detail {

// What a step of the state machine ended with.
enum class progress {
    done,           // the step finished: `bytes` were read or written
    want_input,     // it needs more ciphertext from the peer
    end_of_stream,  // the peer sent close_notify
    failed,         // `error` says why; every later step fails the same way
};

struct outcome {
    progress state = progress::done;
    std::size_t bytes = 0;
    std::error_code error{};
};

class engine {
public:
    engine(std::shared_ptr<const context::state> settings, std::string_view server_name);
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine();

    outcome handshake();
    // Decrypts as much as is buffered, up to out.size() bytes.
    outcome read(std::span<std::byte> out);
    // Encrypts all of `in` into the output buffer.
    outcome write(std::span<const std::byte> in);
    // Queues close_notify, once; nothing when the handshake did not finish.
    void close_notify();

    bool handshake_done() const noexcept;

    // Free space for ciphertext from the peer; input_commit(n) once n bytes are in it.
    std::span<std::byte> input_space();
    void input_commit(std::size_t n) noexcept { input_.commit(n); }
    // The peer's stream ended (a read of 0 bytes).
    void input_end() noexcept { input_ended_ = true; }

    bool has_output() const noexcept { return !output_.empty(); }
    // Hands the ciphertext produced so far to `into` (which must be empty) and keeps
    // `into`'s storage for the next output, so that steady state allocates nothing.
    void take_output(std::vector<std::byte>& into) noexcept;

    std::string_view alpn_protocol() const noexcept;
    std::string_view server_name() const noexcept;
    const std::string& last_error_text() const noexcept { return error_text_; }
    ssl_st* native_handle() const noexcept { return ssl_; }

    // The BIO's side, called by OpenSSL through the BIO callbacks.
    int bio_read(bio_st* bio, char* out, int size) noexcept;
    int bio_write(bio_st* bio, const char* in, int size) noexcept;
    long bio_ctrl(int command) const noexcept;

private:
    outcome failure(int result, bool handshaking);

    std::shared_ptr<const context::state> settings_;
    ssl_st* ssl_ = nullptr;
    interop::detail::byte_buffer input_;
    bool input_ended_ = false;
    bool close_notify_sent_ = false;
    std::vector<std::byte> output_;
    std::error_code failed_{};
    std::string error_text_;
};

}  // namespace interop::tls::detail
