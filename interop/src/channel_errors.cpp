#include "interop/channel/errors.hpp"

#include <string>

namespace interop {

namespace {
class channel_error_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "interop.channel"; }
    std::string message(int value) const override {
        switch (static_cast<channel_errc>(value)) {
            case channel_errc::closed:
                return "the channel is closed";
            case channel_errc::lagged:
                return "the receiver fell behind and missed items";
        }
        return "unknown channel error";
    }
};
}  // namespace

const std::error_category& channel_category() noexcept {
    static const channel_error_category category;
    return category;
}

}  // namespace interop
