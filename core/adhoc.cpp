// Ad-hoc entries of `dj-cache run` (core/adhoc.hpp).
#include "core/adhoc.hpp"

#include <algorithm>

#include <xxhash.h>

namespace djc {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string content_hash(std::string_view bytes) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
  std::string out;
  for (unsigned char byte : canonical.digest) {
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0xf];
  }
  return out;
}

NamedArg list_of(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return NamedArg{std::move(values), true};
}

}  // namespace

Args adhoc_args(const RunSpec& spec) {
  Args args;
  args.positional = spec.argv;
  if (spec.cwd) args.named["cwd"] = NamedArg{{*spec.cwd}, false};
  if (!spec.env.empty()) {
    std::vector<std::string> env;
    for (const auto& [name, value] : spec.env) env.push_back(value ? name + "=" + *value : name);
    args.named["env"] = list_of(std::move(env));
  }
  if (!spec.modtime.empty()) args.named["modtime"] = list_of(spec.modtime);
  if (spec.input) args.named["stdin"] = NamedArg{{content_hash(*spec.input)}, false};
  if (!spec.scope.empty()) args.named["scope"] = NamedArg{{spec.scope}, false};
  return args;
}

Worker adhoc_worker(const RunSpec& spec) {
  Worker worker;
  worker.label = std::string(adhoc_label);
  worker.command = spec.argv;
  worker.timeout = spec.ttl;
  worker.relevance_invalidation = spec.stale > Duration::zero();
  worker.relevance_timeout = spec.stale;
  worker.delay_invalidation = true;
  worker.getter_timeout = spec.getter_timeout;
  worker.wait = spec.getter_timeout;
  for (const std::string& path : spec.modtime) worker.depends_on.push_back(glob_escape(path));
  worker.cache_failures = spec.cache_failures;
  worker.serve_stale_on_error = spec.stale_on_error;
  worker.origin = "dj-cache run";
  return worker;
}

std::string glob_escape(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace djc
