// Parsing and printing of the config's durations ("1h30m") and sizes ("4GiB").
#include "core/duration.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace djc {
namespace {

// Far beyond any sensible timeout (about 31,000 years), far below where the
// millisecond count or a double holding it would lose integers.
constexpr double k_max_duration_ms = 1e15;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Consumes "123" or "1.5" from the front of `text`; nullopt (text untouched)
// when it does not start with one. No sign, no exponent: a config is not C.
std::optional<double> take_decimal(std::string_view& text) {
  std::size_t length = 0;
  while (length < text.size() && is_digit(text[length])) ++length;
  if (length == 0) return std::nullopt;
  if (length < text.size() && text[length] == '.') {
    std::size_t fraction = length + 1;
    while (fraction < text.size() && is_digit(text[fraction])) ++fraction;
    if (fraction == length + 1) return std::nullopt;  // "1." is malformed
    length = fraction;
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + length, value);
  if (error != std::errc() || end != text.data() + length) return std::nullopt;
  text.remove_prefix(length);
  return value;
}

// Milliseconds per unit; nullopt (text untouched) when no unit starts `text`.
std::optional<double> take_time_unit(std::string_view& text) {
  struct Unit {
    std::string_view name;
    double ms;
  };
  // "ms" comes before "m" so that "250ms" is not read as 250 minutes then "s".
  static constexpr std::array<Unit, 5> units{{
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
  for (const Unit& unit : units) {
    if (!text.starts_with(unit.name)) continue;
    text.remove_prefix(unit.name.size());
    return unit.ms;
  }
  return std::nullopt;
}

std::optional<Duration> to_duration(double ms) {
  if (!std::isfinite(ms) || ms < 0 || ms > k_max_duration_ms) return std::nullopt;
  return Duration(static_cast<Duration::rep>(std::llround(ms)));
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// Bytes per size unit (case-insensitive); nullopt for an unknown unit.
std::optional<std::uint64_t> size_multiplier(std::string_view unit) {
  struct Unit {
    std::string_view name;
    std::uint64_t bytes;
  };
  static constexpr std::array<Unit, 10> units{{
      {"", 1},
      {"b", 1},
      {"kib", 1ULL << 10},
      {"mib", 1ULL << 20},
      {"gib", 1ULL << 30},
      {"tib", 1ULL << 40},
      {"kb", 1'000ULL},
      {"mb", 1'000'000ULL},
      {"gb", 1'000'000'000ULL},
      {"tb", 1'000'000'000'000ULL},
  }};
  std::string lower = lowercase(unit);
  for (const Unit& candidate : units) {
    if (candidate.name == lower) return candidate.bytes;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_whole_number(std::string_view digits) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::string_view rest = text;
  std::optional<double> first = take_decimal(rest);
  if (!first) return std::nullopt;
  if (rest.empty()) return to_duration(*first * 1000);  // bare number: seconds

  double total_ms = 0;
  std::optional<double> number = first;
  while (number) {
    std::optional<double> unit_ms = take_time_unit(rest);
    if (!unit_ms) return std::nullopt;  // "1h30" or "5x"
    total_ms += *number * *unit_ms;
    if (rest.empty()) return to_duration(total_ms);
    number = take_decimal(rest);
  }
  return std::nullopt;  // something other than a number after a unit
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && (is_digit(text[digits]) || text[digits] == '.')) ++digits;
  std::string_view number = text.substr(0, digits);
  std::optional<std::uint64_t> multiplier = size_multiplier(text.substr(digits));
  if (number.empty() || !multiplier) return std::nullopt;

  if (number.find('.') == std::string_view::npos) {
    std::optional<std::uint64_t> whole = parse_whole_number(number);
    if (!whole || *whole > std::numeric_limits<std::uint64_t>::max() / *multiplier) {
      return std::nullopt;
    }
    return *whole * *multiplier;
  }
  // "1.5GiB" is fine; "1.5" bytes is not a size.
  std::string_view rest = number;
  std::optional<double> value = take_decimal(rest);
  if (!value || !rest.empty() || *multiplier == 1) return std::nullopt;
  double bytes = std::floor(*value * static_cast<double>(*multiplier));
  if (bytes >= 18446744073709551616.0) return std::nullopt;  // 2^64
  return static_cast<std::uint64_t>(bytes);
}

std::string format_duration(Duration d) {
  if (d < Duration::zero()) return "-" + format_duration(-d);
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";

  std::string text;
  auto append_part = [&](Duration::rep unit_ms, const char* suffix) {
    if (ms < unit_ms) return;
    text += std::to_string(ms / unit_ms) + suffix;
    ms %= unit_ms;
  };
  append_part(86'400'000, "d");
  append_part(3'600'000, "h");
  append_part(60'000, "m");
  if (ms == 0) return text;

  text += std::to_string(ms / 1000);
  if (auto millis = ms % 1000; millis != 0) {
    std::string fraction = std::to_string(1000 + millis).substr(1);  // zero-padded
    fraction.erase(fraction.find_last_not_of('0') + 1);
    text += "." + fraction;
  }
  return text + "s";
}

Duration parse_duration_option(std::string_view text, std::string_view option) {
  if (auto duration = parse_duration(text)) return *duration;
  throw Error(exit_code::usage,
              fmt::format("{}: '{}' is not a duration (e.g. 90, 90s, 15m, 1h30m)", option, text));
}

}  // namespace djc
