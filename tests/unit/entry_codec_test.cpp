// Tests of the entry record codec: exact round trips, zero-copy values, and clean
// failure on every truncation and on garbage.
#include <catch2/catch.hpp>

#include <random>

#include "store/entry_codec.hpp"

using namespace djc;

namespace {

EntryMeta full_meta() {
  using namespace std::string_literals;
  EntryMeta meta;
  meta.label = "filtered_foos";
  meta.key = "filtered_foos:1:attr=x\0y"s;
  meta.args.positional = {"1", ""s, "a\0b"s};
  meta.args.named["single"] = NamedArg{{"v\0w"s}, false};
  meta.args.named["list"] = NamedArg{{"1", "2", "1"}, true};
  meta.args.named["none"] = NamedArg{};
  meta.args.named["empty_list"] = NamedArg{{}, true};
  meta.created_at = 1700000000.25;
  meta.available_to = 1700003600.5;
  meta.relevance_to = 1700000060.75;
  meta.is_relevance_invalidation = true;
  meta.getter_duration = 0.125;
  meta.exit_code = 3;
  meta.deps = {FileFingerprint{"/etc/passwd", true, -5, 1234, 99},
               FileFingerprint{"/missing", false, 0, 0, 0}};
  meta.checksum = 0x0123456789abcdefULL;
  meta.error_output = "warning: \0partial\n"s;
  return meta;
}

}  // namespace

TEST_CASE("entry codec: every field and a binary value survive a round trip", "[codec]") {
  using namespace std::string_literals;
  EntryMeta meta = full_meta();
  std::string value = "\0binary\xff\0value\n"s;
  std::string record = encode_entry(meta, value);
  REQUIRE(record.size() == encoded_entry_size(meta, value));
  CHECK(static_cast<unsigned char>(record[0]) == entry_format_version);

  std::optional<EntryRef> decoded = decode_entry(record);
  REQUIRE(decoded);
  CHECK(decoded->meta == meta);
  CHECK(decoded->value == value);
  // Zero copy: the value is the record's tail.
  CHECK(decoded->value.data() == record.data() + record.size() - value.size());
}

TEST_CASE("entry codec: a record without stderr is still format version 1", "[codec]") {
  using namespace std::string_literals;
  EntryMeta meta = full_meta();
  meta.error_output.clear();
  std::string v1 = encode_entry(meta, "value");
  CHECK(static_cast<unsigned char>(v1[0]) == 1);
  std::optional<EntryRef> decoded = decode_entry(v1);
  REQUIRE(decoded);
  CHECK(decoded->meta == meta);

  // Version 2 is version 1 plus the stderr string after the dependencies.
  meta.error_output = "oops\n";
  std::string v2 = encode_entry(meta, "value");
  CHECK(static_cast<unsigned char>(v2[0]) == 2);
  CHECK(v2.size() == v1.size() + 1 + meta.error_output.size());
  decoded = decode_entry(v2);
  REQUIRE(decoded);
  CHECK(decoded->meta.error_output == "oops\n");
  CHECK(decoded->value == "value");

  // A version 1 byte on a version 2 body: the stderr is bytes the fields do not explain.
  std::string relabelled = v2;
  relabelled[0] = 1;
  CHECK_FALSE(decode_entry(relabelled));
}

TEST_CASE("entry codec: defaults, no relevance time and an empty value", "[codec]") {
  EntryMeta meta;
  meta.label = "l";
  meta.key = "l";
  meta.available_to = -1.5;
  std::string record = encode_entry(meta, "");
  std::optional<EntryRef> decoded = decode_entry(record);
  REQUIRE(decoded);
  CHECK(decoded->meta == meta);
  CHECK_FALSE(decoded->meta.relevance_to);
  CHECK(decoded->value.empty());
}

TEST_CASE("entry codec: encode_into writes exactly encoded_entry_size bytes", "[codec]") {
  EntryMeta meta = full_meta();
  std::string value(1000, 'x');
  std::size_t size = encoded_entry_size(meta, value);
  std::string buffer(size + 16, '#');
  char* end = encode_entry_into(meta, value, buffer.data());
  CHECK(end == buffer.data() + size);
  CHECK(buffer.substr(size) == std::string(16, '#'));
  CHECK(buffer.substr(0, size) == encode_entry(meta, value));
}

TEST_CASE("entry codec: every truncation of a valid record fails cleanly", "[codec]") {
  std::string record = encode_entry(full_meta(), "some value bytes");
  for (std::size_t n = 0; n < record.size(); ++n) {
    // A copy of exactly n bytes, so AddressSanitizer sees any read past it.
    std::string cut = record.substr(0, n);
    std::string why;
    INFO("length " << n);
    CHECK_FALSE(decode_entry(cut, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("entry codec: trailing bytes and unknown versions are refused", "[codec]") {
  std::string record = encode_entry(full_meta(), "v");
  CHECK_FALSE(decode_entry(record + "x"));
  std::string future = record;
  future[0] = static_cast<char>(entry_format_version + 1);
  std::string why;
  CHECK_FALSE(decode_entry(future, &why));
  CHECK(why == "unknown record format version");
}

TEST_CASE("entry codec: garbage never decodes out of bounds", "[codec]") {
  std::mt19937 random(12345);
  std::string record = encode_entry(full_meta(), "value");
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = record;
    // Flip a few bytes of a valid record (lengths and counts included) ...
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) bytes[random() % bytes.size()] = static_cast<char>(random());
    std::optional<EntryRef> decoded = decode_entry(bytes);
    if (decoded) CHECK(decoded->value.size() <= bytes.size());
    // ... and try pure noise behind a valid version byte.
    std::string noise(random() % 64, '\0');
    for (char& c : noise) c = static_cast<char>(random());
    if (!noise.empty()) noise[0] = static_cast<char>(entry_format_version);
    (void)decode_entry(noise);
  }
}
