// Tests of core/key: the canonical, injective entry key and key_gen templates.
#include <catch2/catch.hpp>

#include <set>

#include "core/key.hpp"

using djc::Args;
using djc::entry_key;
using djc::NamedArg;

namespace {

Args positional(std::vector<std::string> values) { return Args{std::move(values), {}}; }

Args named(std::string name, NamedArg arg) {
  Args args;
  args.named[std::move(name)] = std::move(arg);
  return args;
}

NamedArg single(std::string value) { return NamedArg{{std::move(value)}, false}; }
NamedArg list(std::vector<std::string> values) { return NamedArg{std::move(values), true}; }

}  // namespace

TEST_CASE("entry_key: the label alone without args", "[key]") {
  CHECK(entry_key("foos", Args{}) == "foos");
  CHECK(entry_key("foos", named("a", NamedArg{})) == "foos");  // Nones dropped
}

TEST_CASE("entry_key: canonical form", "[key]") {
  Args args = djc::parse_args({"x", "b=2", "y", "a=1", "l=v1", "l=v2", "n="});
  CHECK(entry_key("w", args) == "w:x:y:a=1:b=2:l=[v1,v2]");
}

TEST_CASE("entry_key escapes separators and control bytes", "[key]") {
  CHECK(entry_key("w", positional({"a:b,c=d%e[f]\n\x7f"})) == "w:a%3Ab%2Cc%3Dd%25e%5Bf%5D%0A%7F");
  // Other bytes as they are.
  CHECK(entry_key("w", positional({"\xc3\xa9 \xff"})) == "w:\xc3\xa9 \xff");
}

TEST_CASE("entry_key is injective", "[key]") {
  std::vector<Args> cases = {
      Args{},
      positional({""}),
      positional({"", ""}),
      positional({"a=b"}),
      named("a", single("b")),
      named("a", single("1")),
      named("a", list({"1"})),
      named("a", list({})),
      named("a", list({""})),
      named("a", list({"", ""})),
      named("a", list({"1", "2"})),
      named("a", single("1,2")),
      named("a", single("[1,2]")),
      named("a", list({"1,2"})),
      positional({"a", "b"}),
      positional({"a:b"}),
      positional({"a%3Ab"}),
      positional({"x%"}),
      positional({"a,b"}),
      positional({"a=b:c=d"}),
      named("a", single("b:c=d")),
      named("a", single("")),  // one empty value: not None, so kept
      djc::parse_args({"a=b", "c=d"}),
      djc::parse_args({"x", "a=b"}),
      djc::parse_args({"x:a=b"}),
  };
  std::set<std::string> keys;
  for (const Args& args : cases) keys.insert(entry_key("w", args));
  CHECK(keys.size() == cases.size());
}

TEST_CASE("entry_key with key_gen", "[key]") {
  Args args = djc::parse_args({"p0", "p1", "attr1=x:y", "attr2=2", "l=1", "l=2", "n="});
  CHECK(entry_key("w", args, "{attr1}:{attr2}") == "w:x%3Ay:2");
  CHECK(entry_key("w", args, "{1}-{0}") == "w:p1-p0");
  CHECK(entry_key("w", args, "{l}/{n}/{missing}/{7}") == "w:1,2///");
  CHECK(entry_key("w", args, "{{attr1}} {a b}") == "w:{attr1} {a b}");
  CHECK(entry_key("w", Args{}, "") == "w:");
}

TEST_CASE("entry_key hashes long keys", "[key]") {
  std::string long_value(300, 'v');
  std::string key = entry_key("w", positional({long_value}));
  REQUIRE(key.size() == 2 + 32);
  CHECK(key.rfind("w#", 0) == 0);
  CHECK(key.find_first_not_of("0123456789abcdef", 2) == std::string::npos);
  CHECK(key != entry_key("w", positional({long_value + "x"})));
  CHECK(key == entry_key("w", positional({long_value})));

  std::string just_fits(djc::max_plain_key_size - 2, 'v');
  CHECK(entry_key("w", positional({just_fits})) == "w:" + just_fits);
  CHECK(entry_key("w", positional({just_fits + "v"})).size() == 34);
}

TEST_CASE("expand_placeholders", "[key]") {
  auto upper = [](std::string_view name) { return "<" + std::string(name) + ">"; };
  CHECK(djc::expand_placeholders("a{x}b{0}c{_y1}", upper) == "a<x>b<0>c<_y1>");
  CHECK(djc::expand_placeholders("{{x}} {} {a-b} { x} }{ {", upper) == "{x} {} {a-b} { x} }{ {");
  CHECK(djc::expand_placeholders("{x}{x}", upper) == "<x><x>");
  CHECK(djc::expand_placeholders("{{{x}}}", upper) == "{<x>}");
}
