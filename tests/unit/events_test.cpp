// Unit tests of core/events: event shapes, rules turning events into selections,
// batches of JSON lines validated before anything applies.
#include "core/events.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"

using namespace djc;
using nlohmann::json;

namespace {

const Config& config() {
  static const Config loaded = parse_config_text(R"([workers.all_foos]
command = ["a"]
[workers.filtered_foos]
command = ["b"]
[sources.foo]
[[sources.foo.invalidates]]
worker = "all_foos"
is_empty = true
[[sources.foo.invalidates]]
worker = "filtered_foos"
fields = { attr1 = "attr1", attr2 = "attr2" }
[sources.picky]
[[sources.picky.invalidates]]
worker = "filtered_foos"
fields = { a = "attr1", b = "attr1" }
when_changed = ["a", "note"]
)",
                                                 "/cfg/events.toml");
  return loaded;
}

// The exit code and message of what `action` throws.
std::pair<int, std::string> error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return {error.exit_code(), error.what()};
  }
  return {0, ""};
}

std::vector<Selection> selections(const std::string& event_json) {
  return event_selections(parse_event(json::parse(event_json)), config());
}

std::pair<int, std::string> event_error(const std::string& event_json) {
  return error_of([&] { selections(event_json); });
}

}  // namespace

TEST_CASE("a create event selects the whole label and the record's mapped fields", "[events]") {
  auto found =
      selections(R"({"source":"foo","op":"create","data":{"attr1":1,"attr2":"x","id":7}})");
  REQUIRE(found.size() == 2);
  CHECK(found[0].label == "all_foos");
  CHECK_FALSE(found[0].old_attrs);
  CHECK(found[1].label == "filtered_foos");
  CHECK(found[1].old_attrs == Attributes{{"attr1", "1"}, {"attr2", "x"}});
  CHECK_FALSE(found[1].new_attrs);
}

TEST_CASE("an update selects by old and new; delete as create", "[events]") {
  auto found = selections(R"({"source":"foo","op":"update","old":{"attr1":1,"attr2":"x"},
                              "new":{"attr1":2.5,"attr2":true}})");
  REQUIRE(found.size() == 2);
  CHECK(found[1].old_attrs == Attributes{{"attr1", "1"}, {"attr2", "x"}});
  CHECK(found[1].new_attrs == Attributes{{"attr1", "2.5"}, {"attr2", "true"}});
  auto deleted = selections(R"({"source":"foo","op":"delete","data":{"attr1":"1"}})");
  CHECK(deleted[1].old_attrs == Attributes{{"attr1", "1"}});
}

TEST_CASE("a missing field constrains nothing; null is None", "[events]") {
  auto found = selections(R"({"source":"foo","op":"create","data":{"attr2":null}})");
  CHECK(found[1].old_attrs == Attributes{{"attr2", std::nullopt}});
  auto empty = selections(R"({"source":"foo","op":"create","data":{}})");
  CHECK(empty[1].old_attrs == Attributes{});  // no constraint: the whole label
}

TEST_CASE("two fields mapping one argument to different values constrain it by neither",
          "[events]") {
  auto same = selections(R"({"source":"picky","op":"create","data":{"a":1,"b":"1"}})");
  CHECK(same[0].old_attrs == Attributes{{"attr1", "1"}});
  auto differ = selections(R"({"source":"picky","op":"create","data":{"a":1,"b":2}})");
  CHECK(differ[0].old_attrs == Attributes{});
}

TEST_CASE("when_changed: an update acts only when one of those fields changed", "[events]") {
  auto unchanged = R"({"source":"picky","op":"update","old":{"a":1,"b":5,"note":"x"},
                       "new":{"a":"1","b":6,"note":"x"}})";
  CHECK(selections(unchanged).empty());  // b is not listed; 1 and "1" are the same text
  CHECK(selections(R"({"source":"picky","op":"update","old":{"a":1,"note":"x"},
                       "new":{"a":1,"note":"y"}})")
            .size() == 1);
  CHECK(selections(R"({"source":"picky","op":"update","old":{"a":1},
                       "new":{"a":1,"note":null}})")
            .size() == 1);  // appeared
  CHECK(selections(R"({"source":"picky","op":"update","old":{"a":1,"note":{"k":[1]}},
                       "new":{"a":1,"note":{"k":[1]}}})")
            .empty());  // structured, equal
  // create and delete always act.
  CHECK(selections(R"({"source":"picky","op":"create","data":{"a":1}})").size() == 1);
}

TEST_CASE("malformed events are rejected with 65, naming what is wrong", "[events]") {
  using Result = std::pair<int, std::string>;
  CHECK(event_error(R"([1])") == Result{65, "an event must be a JSON object, not an array"});
  CHECK(event_error(R"({"op":"create","data":{}})") == Result{65, "missing 'source' (a string)"});
  CHECK(event_error(R"({"source":"foo","data":{}})") ==
        Result{65, "missing 'op' (\"create\", \"update\" or \"delete\")"});
  CHECK(event_error(R"({"source":"foo","op":"upsert","data":{}})") ==
        Result{65, "'op' must be \"create\", \"update\" or \"delete\", not \"upsert\""});
  CHECK(event_error(R"({"source":"foo","op":"create"})") ==
        Result{65, "a create event needs 'data' (a JSON object)"});
  CHECK(event_error(R"({"source":"foo","op":"update","old":{}})") ==
        Result{65, "an update event needs 'new' (a JSON object)"});
  CHECK(event_error(R"({"source":"foo","op":"update","old":{},"new":{},"data":{}})") ==
        Result{65, "an update event takes 'old' and 'new', not 'data'"});
  CHECK(event_error(R"({"source":"foo","op":"delete","data":{},"old":{}})") ==
        Result{65, "a delete event takes 'data', not 'old'"});
  CHECK(event_error(R"({"source":"foo","op":"create","data":[1]})") ==
        Result{65, "'data' must be a JSON object (the record), not an array"});
  CHECK(event_error(R"({"source":"foo","op":"create","data":{"attr1":{"x":1}}})") ==
        Result{65,
               "field 'attr1' of 'data' is an object; a field that rules map to an argument "
               "must be a string, number, true/false or null"});
}

TEST_CASE("an unknown source is 69 with a did-you-mean hint", "[events]") {
  try {
    selections(R"({"source":"fo","op":"create","data":{}})");
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.exit_code() == 69);
    CHECK(std::string(error.what()) == "unknown source 'fo'");
    CHECK(error.hint() == "did you mean 'foo'?");
  }
}

TEST_CASE("events text: JSON lines or one object; errors name the line", "[events]") {
  auto lines = parse_events_text(
      "{\"source\":\"foo\",\"op\":\"create\",\"data\":{\"attr1\":1}}\n\n"
      "  \n{\"source\":\"picky\",\"op\":\"delete\",\"data\":{}}\n",
      config(), "in.jsonl");
  CHECK(lines.events == 2);
  CHECK(lines.selections.size() == 3);
  auto pretty = parse_events_text(
      "{\n  \"source\": \"foo\",\n  \"op\": \"create\",\n"
      "  \"data\": {}\n}\n",
      config(), "one.json");
  CHECK(pretty.events == 1);
  CHECK(parse_events_text("", config(), "empty").events == 0);

  std::string good = "{\"source\":\"foo\",\"op\":\"create\",\"data\":{}}\n";
  using Result = std::pair<int, std::string>;
  CHECK(error_of([&] { parse_events_text(good + "\n{\"source\":", config(), "in.jsonl"); }) ==
        Result{65, "in.jsonl:3: not valid JSON"});
  CHECK(error_of([&] {
          parse_events_text(good + "{\"source\":\"nope\",\"op\":\"create\",\"data\":{}}\n",
                            config(), "stdin");
        }) == Result{69, "stdin:2: unknown source 'nope'"});
  CHECK(error_of([&] { parse_events_text("[]", config(), "x.json"); }) ==
        Result{65, "x.json: an event must be a JSON object, not an array"});
}
