// The entry key: escaping, the canonical args encoding, key_gen templates, hashing.
#include "core/key.hpp"

#include <xxhash.h>

#include <charconv>

namespace djc {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";     // %XX escapes, as in URLs
constexpr char lower_hex_digits[] = "0123456789abcdef";  // the hashed form

// The bytes the encoding itself uses as separators, plus control bytes (so keys
// print on one line).
bool needs_escape(unsigned char byte) {
  switch (byte) {
    case '%': case ':': case '=': case ',': case '[': case ']':
      return true;
    default:
      return byte < 0x20 || byte == 0x7f;
  }
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (!needs_escape(byte)) {
      out += c;
      continue;
    }
    out += '%';
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0xf];
  }
}

// `[v1,v2]`; the one-empty-value list is `[%]` so it differs from the empty list.
void append_list(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  if (values.size() == 1 && values.front().empty()) out += '%';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_escaped(out, values[i]);
  }
  out += ']';
}

std::string canonical_args(const Args& args) {
  std::string out;
  for (const std::string& value : args.positional) {
    out += ':';
    append_escaped(out, value);
  }
  for (const auto& [name, arg] : args.named) {
    if (arg.is_none()) continue;
    out += ':';
    out += name;  // an identifier: nothing to escape
    out += '=';
    if (arg.is_list) {
      append_list(out, arg.values);
    } else {
      append_escaped(out, arg.values.front());
    }
  }
  return out;
}

std::string joined_escaped(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_escaped(out, values[i]);
  }
  return out;
}

// A key_gen placeholder's text: the escaped arg, empty when None or absent.
std::string key_gen_value(const Args& args, std::string_view name) {
  if (is_identifier(name)) {
    auto it = args.named.find(std::string(name));
    return it == args.named.end() ? std::string() : joined_escaped(it->second.values);
  }
  std::size_t index = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (error != std::errc() || index >= args.positional.size()) return {};
  std::string out;
  append_escaped(out, args.positional[index]);
  return out;
}

std::string hashed_key(std::string_view label, std::string_view plain) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(plain.data(), plain.size()));
  std::string out(label);
  out += '#';
  for (unsigned char byte : canonical.digest) {
    out += lower_hex_digits[byte >> 4];
    out += lower_hex_digits[byte & 0xf];
  }
  return out;
}

bool is_placeholder_name(std::string_view name) {
  if (is_identifier(name)) return true;
  if (name.empty()) return false;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string expand_placeholders(std::string_view text,
                                const std::function<std::string(std::string_view)>& resolve) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    bool doubled = i + 1 < text.size() && text[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      out += c;
      i += 2;
      continue;
    }
    std::size_t close = c == '{' ? text.find('}', i + 1) : std::string_view::npos;
    if (close == std::string_view::npos ||
        !is_placeholder_name(text.substr(i + 1, close - i - 1))) {
      out += c;
      ++i;
      continue;
    }
    out += resolve(text.substr(i + 1, close - i - 1));
    i = close + 1;
  }
  return out;
}

std::string entry_key(std::string_view label, const Args& args,
                      const std::optional<std::string>& key_gen) {
  std::string key(label);
  if (key_gen) {
    key += ':';
    key += expand_placeholders(*key_gen, [&](std::string_view name) {
      return key_gen_value(args, name);
    });
  } else {
    key += canonical_args(args);
  }
  if (key.size() <= max_plain_key_size) return key;
  return hashed_key(label, key);
}

}  // namespace djc
