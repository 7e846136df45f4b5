#include "http/http_date.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace http {

std::string_view http_date() {
    struct cache {
        std::time_t second = -1;
        std::array<char, 32> text{};
        int length = 0;
    };
    thread_local cache c;
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (now != c.second) {
        static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
        static constexpr std::array<const char*, 12> months = {
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        std::tm utc{};
        gmtime_r(&now, &utc);
        // Fixed English names and digits: the format does not follow the locale.
        c.length =
            std::snprintf(c.text.data(), c.text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          days.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                          months.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900,
                          utc.tm_hour, utc.tm_min, utc.tm_sec);
        c.second = now;
    }
    return {c.text.data(), static_cast<std::size_t>(c.length)};
}

}  // namespace http
