// The field encoding of the config cache file (core/config_cache.cpp): numbers in
// native byte order, strings and lists with a 32-bit count, read back with every
// length checked so that damaged bytes end in a failed read, never past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"

namespace djc::config_cache_codec {

class Writer {
 public:
  std::string bytes;

  template <class T>
  void number(T value) {
    bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void flag(bool value) { number<std::uint8_t>(value ? 1 : 0); }
  void text(std::string_view value) {
    number(static_cast<std::uint32_t>(value.size()));
    bytes.append(value);
  }
  void duration(Duration value) { number<std::int64_t>(value.count()); }
  void texts(const std::vector<std::string>& values) {
    number(static_cast<std::uint32_t>(values.size()));
    for (const std::string& value : values) text(value);
  }
  void optional_text(const std::optional<std::string>& value) {
    flag(value.has_value());
    if (value) text(*value);
  }
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  template <class T>
  T number() {
    T value{};
    if (take(sizeof value)) std::memcpy(&value, bytes_.data() + pos_ - sizeof value, sizeof value);
    return value;
  }
  bool flag() {
    auto value = number<std::uint8_t>();
    if (value > 1) ok_ = false;
    return value == 1;
  }
  std::string text() {
    auto size = number<std::uint32_t>();
    if (!take(size)) return {};
    return std::string(bytes_.substr(pos_ - size, size));
  }
  Duration duration() { return Duration(number<std::int64_t>()); }
  // Counts come from the file: no reserve(), and each element consumes bytes,
  // so a damaged count ends at the end of the bytes.
  std::vector<std::string> texts() {
    std::vector<std::string> values;
    auto count = number<std::uint32_t>();
    for (std::uint32_t i = 0; i < count && ok_; ++i) values.push_back(text());
    return values;
  }
  std::optional<std::string> optional_text() {
    if (!flag()) return std::nullopt;
    return text();
  }

 private:
  bool take(std::size_t size) {
    if (!ok_ || bytes_.size() - pos_ < size) return ok_ = false;
    pos_ += size;
    return true;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void write_worker(Writer& out, const Worker& worker);
Worker read_worker(Reader& in);
void write_store(Writer& out, const StoreSettings& store);
StoreSettings read_store(Reader& in);
void write_input(Writer& out, const ConfigInput& input);
ConfigInput read_input(Reader& in);

}  // namespace djc::config_cache_codec
