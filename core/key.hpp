// The entry key: a label and a canonical, injective encoding of its args.
#pragma once

#include <functional>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/args.hpp"

namespace djc {

// Keys longer than this are hashed (the full args stay in the entry).
inline constexpr std::size_t max_plain_key_size = 255;

// label, then ":"-separated: positional values in order, then named ones sorted by
// name as `name=value` or `name=[v1,v2]` (lists in given order), Nones dropped.
// Bytes % : = , [ ] and control bytes are %XX-escaped, so the encoding is
// injective. With no args the key is the label. With key_gen (e.g.
// "{attr1}:{attr2}") the part after "label:" is the template, each placeholder
// replaced by the escaped value ({name}, {0}, {1}...; a list joined by ","; None or
// absent → empty). Past max_plain_key_size: "label#" + 32 hex digits of XXH3-128
// of the unhashed key. Two lists would both write "[]": the empty list and the
// list of one empty value; the latter is written "[%]" (escaping never makes a
// lone "%"), so the encoding stays injective.
std::string entry_key(std::string_view label, const Args& args,
                      const std::optional<std::string>& key_gen = std::nullopt);

// Expands a template (key_gen, a getter argv element): each `{name}` (an
// identifier) or `{N}` (decimal digits) becomes resolve(name). `{{` and `}}` are
// literal braces; any other brace (`{a b}`, a lone `}`) stays as it is.
std::string expand_placeholders(std::string_view text,
                                const std::function<std::string(std::string_view)>& resolve);

}  // namespace djc
