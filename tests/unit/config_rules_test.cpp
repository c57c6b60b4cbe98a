// Unit tests of core/config: [sources.NAME] and their invalidation rules (SPEC §6).
#include <catch2/catch.hpp>

#include "config_test_support.hpp"
#include "core/config.hpp"

using djc_test::parse;
using djc_test::text_error;

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Strings = std::vector<std::string>;

namespace {

const std::string k_workers = R"([workers.all_foos]
command = ["a"]

[workers.filtered_foos]
command = ["b"]

)";  // 6 lines: rules written after it start on line 7

}  // namespace

TEST_CASE("sources hold their rules in order", "[config][rules]") {
  djc::Config config = parse(k_workers + R"([sources.foo]
[[sources.foo.invalidates]]
worker = "all_foos"
is_empty = true

[[sources.foo.invalidates]]
worker = "filtered_foos"
fields = { attr1 = "attr1", attr2 = "arg_2" }
when_changed = ["attr1", "other"]
)");
  REQUIRE(config.sources.count("foo") == 1);
  const djc::Source& source = config.sources.at("foo");
  CHECK(source.name == "foo");
  REQUIRE(source.invalidates.size() == 2);

  const djc::Rule& whole = source.invalidates[0];
  CHECK(whole.worker == "all_foos");
  CHECK(whole.is_empty);
  CHECK(whole.fields.empty());
  CHECK(whole.when_changed.empty());
  CHECK(whole.origin == "/cfg/test.toml:8");

  const djc::Rule& by_fields = source.invalidates[1];
  CHECK(by_fields.worker == "filtered_foos");
  CHECK_FALSE(by_fields.is_empty);
  CHECK(by_fields.fields == Pairs{{"attr1", "attr1"}, {"attr2", "arg_2"}});
  CHECK(by_fields.when_changed == Strings{"attr1", "other"});
  CHECK(by_fields.origin == "/cfg/test.toml:12");
}

TEST_CASE("a source without rules is allowed", "[config][rules]") {
  djc::Config config = parse("[sources.quiet]\n");
  REQUIRE(config.sources.count("quiet") == 1);
  CHECK(config.sources.at("quiet").invalidates.empty());
}

TEST_CASE("a rule may name a worker declared after it", "[config][rules]") {
  djc::Config config = parse(R"([[sources.s.invalidates]]
worker = "late"
is_empty = true

[[workers]]
label = "late"
command = ["x"]
)");
  CHECK(config.sources.at("s").invalidates.at(0).worker == "late");
}

TEST_CASE("a rule naming an unknown worker is an error with did-you-mean", "[config][rules]") {
  CHECK(text_error(k_workers + "[[sources.foo.invalidates]]\nworker = \"all_fooz\"\n"
                               "is_empty = true\n") ==
        "/cfg/test.toml:8:10: rule 1 of source 'foo' names worker 'all_fooz', which is not "
        "defined (did you mean 'all_foos'?)");
  CHECK(text_error(k_workers + "[[sources.foo.invalidates]]\nworker = \"zzz\"\n"
                               "is_empty = true\n") ==
        "/cfg/test.toml:8:10: rule 1 of source 'foo' names worker 'zzz', which is not defined");
}

TEST_CASE("rule field values must be argument names", "[config][rules]") {
  const std::string head = k_workers + "[[sources.foo.invalidates]]\nworker = \"filtered_foos\"\n";
  CHECK(text_error(head + "fields = { a = \"1x\" }\n") ==
        "/cfg/test.toml:9:16: field 'a' in rule 1 of source 'foo' maps to '1x', which is not an "
        "argument name (letters, digits, '_'; not starting with a digit)");
  CHECK(text_error(head + "fields = { a = \"a-b\" }\n") ==
        "/cfg/test.toml:9:16: field 'a' in rule 1 of source 'foo' maps to 'a-b', which is not an "
        "argument name (letters, digits, '_'; not starting with a digit)");
  CHECK(text_error(head + "fields = { a = 1 }\n") ==
        "/cfg/test.toml:9:16: field 'a' in rule 1 of source 'foo' must map to an argument name "
        "(a string), not an integer");
  CHECK(text_error(head + "fields = [\"a\"]\n") ==
        "/cfg/test.toml:9:10: 'fields' in rule 1 of source 'foo' must be a table of record "
        "field = \"argument name\", not an array");
  // Record fields (the keys) are the source's own names: anything goes.
  CHECK(parse(head + "fields = { \"Record Field\" = \"_arg1\" }\n")
            .sources.at("foo")
            .invalidates.at(0)
            .fields == Pairs{{"Record Field", "_arg1"}});
}

TEST_CASE("a rule targets the whole label or what its fields select", "[config][rules]") {
  const std::string head = k_workers + "[[sources.foo.invalidates]]\nworker = \"filtered_foos\"\n";
  CHECK(text_error(k_workers + "[[sources.foo.invalidates]]\nis_empty = true\n") ==
        "/cfg/test.toml:7:1: rule 1 of source 'foo' has no 'worker'");
  CHECK(text_error(head) ==
        "/cfg/test.toml:7:1: rule 1 of source 'foo' needs 'fields' (record field = "
        "\"argument\") or 'is_empty = true'");
  CHECK(text_error(head + "fields = {}\n") ==
        "/cfg/test.toml:7:1: rule 1 of source 'foo' needs 'fields' (record field = "
        "\"argument\") or 'is_empty = true'");
  CHECK(text_error(head + "is_empty = true\nfields = { a = \"a\" }\n") ==
        "/cfg/test.toml:10:10: rule 1 of source 'foo' has is_empty = true, which invalidates "
        "the whole label; its 'fields' would be ignored, remove one of them");
  CHECK(text_error(head + "is_empty = \"yes\"\n") ==
        "/cfg/test.toml:9:12: 'is_empty' in rule 1 of source 'foo' must be a boolean (true or "
        "false), not a string");
  CHECK_THAT(text_error(head + "worker = 3\n"),  // a TOML error: keys are unique
             Catch::Matchers::StartsWith("/cfg/test.toml:9:10: ") &&
                 Catch::Matchers::Contains("worker"));
}

TEST_CASE("when_changed is a non-empty array of field names", "[config][rules]") {
  const std::string head = k_workers + "[[sources.foo.invalidates]]\nworker = \"all_foos\"\n"
                                       "is_empty = true\n";
  CHECK(text_error(head + "when_changed = []\n") ==
        "/cfg/test.toml:10:16: 'when_changed' in rule 1 of source 'foo' is empty, so updates "
        "would never act; remove it to act on every update");
  CHECK(text_error(head + "when_changed = [1]\n") ==
        "/cfg/test.toml:10:17: element 0 of 'when_changed' in rule 1 of source 'foo' must be a "
        "string, not an integer");
  CHECK(text_error(head + "when_changed = [\"a\", \"\"]\n") ==
        "/cfg/test.toml:10:22: element 1 of 'when_changed' in rule 1 of source 'foo' must not "
        "be empty");
}

TEST_CASE("source names and shapes are checked", "[config][rules]") {
  CHECK(text_error("[sources.\"a b\"]\n") ==
        "/cfg/test.toml:1:10: bad source name 'a b' (1-64 of A-Za-z0-9_.-)");
  CHECK(text_error("[sources]\nfoo = 1\n") ==
        "/cfg/test.toml:2:7: source 'foo' must be a table, not an integer");
  CHECK(text_error("[sources.foo]\ninvalidates = 5\n") ==
        "/cfg/test.toml:2:15: 'invalidates' in source 'foo' must be an array of tables, not an "
        "integer");
  CHECK(text_error("[sources.foo]\ninvalidates = [5]\n") ==
        "/cfg/test.toml:2:16: rule 1 of source 'foo' must be a table, not an integer");
  CHECK(text_error("sources = 1\n") ==
        "/cfg/test.toml:1:11: 'sources' must be a table, not an integer");
}

TEST_CASE("the second rule of a source is numbered in messages", "[config][rules]") {
  CHECK(text_error(k_workers + R"([[sources.foo.invalidates]]
worker = "all_foos"
is_empty = true

[[sources.foo.invalidates]]
worker = "nope"
is_empty = true
)") == "/cfg/test.toml:12:10: rule 2 of source 'foo' names worker 'nope', which is not defined");
}
