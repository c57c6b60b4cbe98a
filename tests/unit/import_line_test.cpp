// Tests of reading `import` lines: the SAX reader (core/import_line.cpp) must
// return what the JSON document reader returns, or leave the line to it.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/entry_json.hpp"
#include "core/error.hpp"
#include "core/import_line.hpp"

using namespace djc;

namespace {

std::optional<ImportedEntry> document_or_nothing(const std::string& line) {
  try {
    return read_import_document(line);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

TEST_CASE("import lines: the SAX reader reads the usual shape", "[import]") {
  const std::string line =
      R"({"label":"w","args":{"args":["a",1,-2,1.5,true],"kwargs":{"id":"7","n":null,)"
      R"("l":["x",2,false],"e":[]}},"value":"v\n\u00e9","stderr_base64":"/wA=",)"
      R"("created_at":1000,"available_to":2000.5,"relevance_to":null,"exit_code":3})";
  std::optional<ImportedEntry> entry = read_import_line(line);
  REQUIRE(entry);
  CHECK(entry->label == "w");
  CHECK(entry->args.positional == std::vector<std::string>{"a", "1", "-2", "1.5", "true"});
  CHECK(entry->args.named.at("id") == NamedArg{{"7"}, false});
  CHECK(entry->args.named.at("n").is_none());
  CHECK(entry->args.named.at("l") == NamedArg{{"x", "2", "false"}, true});
  CHECK(entry->args.named.at("e") == NamedArg{{}, true});
  CHECK(entry->value == "v\n\xc3\xa9");
  CHECK(entry->error_output == std::string("\377\0", 2));
  CHECK(entry->created_at == 1000);
  CHECK(entry->available_to == 2000.5);
  CHECK(!entry->relevance_to);
  CHECK(entry->exit_code == 3);
  CHECK(*entry == read_import_document(line));
  // Fields it does not know are skipped whatever they hold.
  CHECK(read_import_line(R"({"label":"w","x":{"a":[1,{"b":null}]},"value":"v","y":[[]]})"));
}

TEST_CASE("import lines: the SAX reader agrees with the document or declines", "[import]") {
  const std::string line = GENERATE(as<std::string>{},
      R"({"label":"w","value":"x"})",
      R"({"value":"x","label":"w","args":{}})",
      R"( {"label":"w","value_base64":"eA==","exit_code":null} )",
      R"({"label":"w","extra":{"a":[1,{"b":null}],"c":"d"},"value":"x","more":[[]]})",
      R"({"label":"w","args":{"other":{"x":[1]},"args":[],"kwargs":{}},"value":"x"})",
      R"({"label":"w","args":{"kwargs":{"a":1e3,"b":12345678901234567890}},"value":"x"})",
      // Numbers at the edges: -0, floats printed as the document prints them,
      // integers past 64 bits, a float out of range; times to the last bit.
      R"({"label":"w","args":{"args":[-0,-0.0,0.1,1E2,100000000000000000000,-9223372036854775809]},"value":"x"})",
      R"({"label":"w","args":{"args":[1E400,1e-400,0e50,-0e-5]},"value":"x"})",
      R"({"label":"w","args":{"args":[0e50,123456789012345678e-5]},"value":"x","created_at":0e50})",
      R"({"label":"w","value":"x","created_at":1700000000.123456789,"available_to":5e-324})",
      R"({"label":"w","value":"x","exit_code":255})",
      R"({"label":"w","value":"x","exit_code":-1})",
      R"({"label":"w","value":"x","exit_code":3.0})",
      // Strings: escapes, a NUL escaped, a surrogate pair, a lone surrogate,
      // bytes that are not UTF-8, a raw control character.
      R"({"label":"w","value":"a\u0000b\"\\\/\b\f\n\r\t","args":{"args":["\ud83d\ude00"]}})",
      R"({"label":"w","value":"\ud83d"})",
      "{\"label\":\"w\",\"value\":\"\xff\"}",
      "{\"label\":\"w\",\"value\":\"a\tb\"}",
      // A NUL byte after the object (both readers take it for the end of the
      // text), a byte order mark before it, white space.
      std::string("{\"label\":\"w\",\"value\":\"x\"}\0junk", 30),
      "\xef\xbb\xbf{\"label\":\"w\",\"value\":\"x\"}",
      "\t{\"label\":\"w\",\"value\":\"x\"}\r",
      // Declined (a duplicate field: the document keeps the last), then read
      // by the document alike.
      R"({"label":"v","label":"w","value":"x"})",
      R"({"label":"w","args":{"args":["a"],"args":["b"]},"value":"x"})",
      R"({"label":"w","args":{"kwargs":{"a":1,"a":2}},"value":"x"})",
      // Malformed: both decline (the document says what is wrong).
      R"({"label":"w"})",
      R"({"label":"w","value":"x","value_base64":"eA=="})",
      R"({"label":"w","value_base64":"@@"})",
      R"({"label":"w","value":1})",
      R"({"label":5,"value":"x"})",
      R"({"label":"w","value":"x","exit_code":256})",
      R"({"label":"w","value":"x","exit_code":1.5})",
      R"({"label":"w","value":"x","created_at":"now"})",
      R"({"label":"w","args":[1],"value":"x"})",
      R"({"label":"w","args":{"args":[null]},"value":"x"})",
      R"({"label":"w","args":{"args":[[1]]},"value":"x"})",
      R"({"label":"w","args":{"kwargs":{"a b":1}},"value":"x"})",
      R"({"label":"w","args":{"kwargs":{"a":{"b":1}}},"value":"x"})",
      R"({"label":"w","args":{"kwargs":{"a":[null]}},"value":"x"})",
      R"({"label":"w","value":"x"} trailing)",
      R"({"label":"w","value":"x")",
      R"([1,2])",
      R"("text")",
      "");
  CAPTURE(line);
  std::optional<ImportedEntry> fast = read_import_line(line);
  std::optional<ImportedEntry> document = document_or_nothing(line);
  if (fast) {
    REQUIRE(document);
    CHECK(*fast == *document);
  }
  if (document) {
    CHECK(parse_import_line(line) == *document);
  } else {
    CHECK_THROWS_AS(parse_import_line(line), Error);
  }
}
