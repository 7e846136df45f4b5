#include "http/client_errors.hpp"

#include <string>

namespace http {

namespace {

class client_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "http client"; }
    std::string message(int e) const override {
        switch (static_cast<client_errc>(e)) {
            case client_errc::malformed_response:
                return "the server's response is not valid HTTP/1.1";
            case client_errc::closed:
                return "the server closed the connection";
        }
        return "unknown http client error";
    }
};

}  // namespace

const std::error_category& client_category() noexcept {
    static const client_category_impl category;
    return category;
}

}  // namespace http
