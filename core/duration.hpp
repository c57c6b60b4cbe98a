// Durations ("90s", "15m", "1h30m", integer seconds) and sizes ("512MiB") of the config.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace djc {

using Duration = std::chrono::milliseconds;

// "90s", "15m", "2h", "1d", "1h30m", "250ms", "1.5s" or a bare number of seconds
// ("60", "0.1"). nullopt when malformed or negative.
std::optional<Duration> parse_duration(std::string_view text);

// parse_duration for a command-line value: Error(64) naming `option` (such as
// "--ttl" or "$DJ_CACHE_TTL") when `text` is not a duration.
Duration parse_duration_option(std::string_view text, std::string_view option);

// "512MiB", "4GiB", "64KiB", "1TiB", "1000000" (bytes), also "512MB"/"4GB"
// (powers of 1000). nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Seconds as a double, for entry times.
inline double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// "1h30m", "90s", "250ms": the shortest exact form, for messages and `workers`.
std::string format_duration(Duration d);

}  // namespace djc
