#include "redis/errors.hpp"

namespace redis {

namespace {

class redis_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "redis"; }
    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::server_error:
                return "the server answered with an error";
            case errc::protocol_error:
                return "the server's reply is not RESP2";
            case errc::unexpected_reply:
                return "the reply has another type than the command has";
            case errc::connection_closed:
                return "the server closed the connection";
            case errc::not_subscribed:
                return "no channel to subscribe to";
        }
        return "unknown redis error";
    }
};

}  // namespace

const std::error_category& category() noexcept {
    static const redis_category instance;
    return instance;
}

}  // namespace redis
