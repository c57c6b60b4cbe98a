// Tests of core/args: parsing ARG words and their JSON form.
#include <catch2/catch.hpp>

#include "core/args.hpp"
#include "core/error.hpp"

using djc::Args;
using djc::NamedArg;
using djc::parse_args;

TEST_CASE("is_identifier", "[args]") {
  CHECK(djc::is_identifier("a"));
  CHECK(djc::is_identifier("_x9"));
  CHECK(djc::is_identifier("Attr_1"));
  CHECK_FALSE(djc::is_identifier(""));
  CHECK_FALSE(djc::is_identifier("9a"));
  CHECK_FALSE(djc::is_identifier("a-b"));
  CHECK_FALSE(djc::is_identifier("a b"));
  CHECK_FALSE(djc::is_identifier("é"));
}

TEST_CASE("parse_args splits positional and named", "[args]") {
  Args args = parse_args({"x", "attr=1", "y", "other=a=b"});
  CHECK(args.positional == std::vector<std::string>{"x", "y"});
  REQUIRE(args.named.size() == 2);
  CHECK(args.named["attr"] == NamedArg{{"1"}, false});
  CHECK(args.named["other"] == NamedArg{{"a=b"}, false});  // split at the first '='
}

TEST_CASE("parse_args: words that are not name=value are positional", "[args]") {
  Args args = parse_args({"=x", "9a=1", "a-b=2", "a b=3", "plain", ""});
  CHECK(args.positional == std::vector<std::string>{"=x", "9a=1", "a-b=2", "a b=3", "plain", ""});
  CHECK(args.named.empty());
}

TEST_CASE("parse_args: a repeated name is a list in given order", "[args]") {
  Args args = parse_args({"bars=2", "x", "bars=1", "bars=2"});
  CHECK(args.named["bars"] == NamedArg{{"2", "1", "2"}, true});
  CHECK(args.positional == std::vector<std::string>{"x"});
}

TEST_CASE("parse_args: name= is None", "[args]") {
  Args args = parse_args({"a="});
  REQUIRE(args.named.count("a") == 1);
  CHECK(args.named["a"].is_none());
  CHECK_FALSE(args.named["a"].is_list);
  CHECK(parse_args({"a=", "a="}).named["a"].is_none());
}

TEST_CASE("parse_args: None mixed with values is a usage error naming it", "[args]") {
  for (const auto& words : {std::vector<std::string>{"attr=", "attr=1"},
                            std::vector<std::string>{"attr=1", "attr="}}) {
    try {
      parse_args(words);
      FAIL("no error");
    } catch (const djc::Error& e) {
      CHECK(e.exit_code() == 64);
      CHECK(std::string(e.what()).find("attr") != std::string::npos);
    }
  }
}

TEST_CASE("parse_args: after -- every word is positional", "[args]") {
  Args args = parse_args({"a=1", "--", "b=2", "--", "c="});
  CHECK(args.named.size() == 1);
  CHECK(args.positional == std::vector<std::string>{"b=2", "--", "c="});
}

TEST_CASE("parse_args keeps bytes untouched", "[args]") {
  std::string odd = std::string("a\nb 'q' \"d\" $(touch /tmp/x) \xff\xfe \xc3\xa9") + '\0' + "z";
  Args args = parse_args({odd, "v=" + odd});
  CHECK(args.positional == std::vector<std::string>{odd});
  CHECK(args.named["v"].values == std::vector<std::string>{odd});
}

TEST_CASE("args_to_json", "[args]") {
  Args args = parse_args({"p1", "one=1", "list=a", "list=b", "none="});
  CHECK(djc::args_to_json(args) ==
        R"({"args":["p1"],"kwargs":{"list":["a","b"],"none":null,"one":"1"}})");
  CHECK(djc::args_to_json(Args{}) == R"({"args":[],"kwargs":{}})");
}

TEST_CASE("args_to_json replaces bytes that are not UTF-8", "[args]") {
  Args args = parse_args({"ok\xc3\xa9", "bad\xff"});
  CHECK(djc::args_to_json(args) == "{\"args\":[\"ok\xc3\xa9\",\"bad\xef\xbf\xbd\"],\"kwargs\":{}}");
}

TEST_CASE("args_to_words parses back to the same args", "[args]") {
  std::vector<std::vector<std::string>> cases{
      {},
      {"a", "b"},
      {"pos", "k=v", "l=1", "l=2", "n="},
      {"--", "a=b", "c"},
      {"x=1", "--", "--"},
  };
  for (const auto& words : cases) {
    djc::Args args = djc::parse_args(words);
    CHECK(djc::parse_args(djc::args_to_words(args)) == args);
  }
  CHECK(djc::args_to_words(djc::parse_args({"a", "k=v"})) == std::vector<std::string>{"a", "k=v"});
}
