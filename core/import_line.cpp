// Reading an `import` line through RapidJSON's SAX reader (see import_line.hpp).
// A JSON document per line (a map node per field, a value per node) cost as much
// as the rest of an import, and nlohmann-json's own SAX lexer still half of it;
// RapidJSON's reader hands over each token without building anything. Whatever
// this handler does not recognise as the plain shape it refuses, and
// parse_import_line falls back to the nlohmann document, so the accepted lines
// and the error messages stay those of entry_json.cpp.
#include "core/import_line.hpp"

#include <nlohmann/json.hpp>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <system_error>
#include <string>
#include <utility>

#include "core/args.hpp"
#include "core/base64.hpp"

namespace djc {
namespace {

// The fields of a line that carry data; any other is skipped, as the document
// reader ignores it.
enum class Field { label, value, value_base64, stderr_text, stderr_base64, created_at,
                   available_to, relevance_to, exit_code, args, unknown };

Field field_of(std::string_view key) {
  if (key == "label") return Field::label;
  if (key == "value") return Field::value;
  if (key == "value_base64") return Field::value_base64;
  if (key == "stderr") return Field::stderr_text;
  if (key == "stderr_base64") return Field::stderr_base64;
  if (key == "created_at") return Field::created_at;
  if (key == "available_to") return Field::available_to;
  if (key == "relevance_to") return Field::relevance_to;
  if (key == "exit_code") return Field::exit_code;
  if (key == "args") return Field::args;
  return Field::unknown;
}

// Each callback returns false to stop at what it does not handle: the line is
// then read again as a document.
class LineHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, LineHandler> {
 public:
  bool Null() { return skipped() || (where_ == Where::kwargs ? set_none() : time_or_code(std::nullopt)); }
  bool Bool(bool value) { return skipped() || scalar(value ? "true" : "false"); }
  // Numbers come as their text and are read as nlohmann's lexer reads them
  // (RapidJSON's own conversion differs in the last bit without its full
  // precision mode, and that mode has undefined behaviour in 1.1.0).
  bool RawNumber(const char* text, rapidjson::SizeType length, bool);
  bool String(const char* text, rapidjson::SizeType length, bool);
  bool Key(const char* text, rapidjson::SizeType length, bool);
  bool StartObject();
  bool EndObject(rapidjson::SizeType);
  bool StartArray();
  bool EndArray(rapidjson::SizeType);

  // The entry once the whole line was read, nullopt when a field is missing or
  // given twice over (value and value_base64) or is not valid base64.
  std::optional<ImportedEntry> finish();

 private:
  enum class Where { before, line, args, positional, kwargs, kwarg_list, after };

  bool skipped();
  bool scalar(std::string text);
  template <class Integer>
  bool integer(Integer value);
  bool time_or_code(std::optional<double> value);
  bool set_none();
  bool take(Field field);  // false for a field seen before (the document keeps the last)

  ImportedEntry entry_;
  Where where_ = Where::before;
  Field field_ = Field::unknown;   // the line's field whose value comes next
  std::uint32_t seen_ = 0;         // bit per Field
  bool seen_args_ = false;         // "args" inside the args object
  bool seen_kwargs_ = false;
  bool skip_next_ = false;         // the next value belongs to an ignored field
  int skip_depth_ = 0;             // arrays and objects open inside an ignored value
  std::string kwarg_;              // the named argument whose value comes next
  std::optional<std::string> value_, value_base64_, stderr_, stderr_base64_;
};

bool LineHandler::take(Field field) {
  const std::uint32_t bit = std::uint32_t{1} << static_cast<int>(field);
  if (seen_ & bit) return false;
  seen_ |= bit;
  return true;
}

// True while inside (or at) an ignored value, which the caller then skips.
bool LineHandler::skipped() {
  if (skip_depth_ > 0) return true;
  if (!skip_next_) return false;
  skip_next_ = false;
  return true;
}

bool LineHandler::Key(const char* text, rapidjson::SizeType length, bool) {
  if (skip_depth_ > 0) return true;
  const std::string_view key(text, length);
  switch (where_) {
    case Where::line:
      field_ = field_of(key);
      if (field_ == Field::unknown) return skip_next_ = true;
      return take(field_);
    case Where::args: {
      // field_ tells the two apart: args for "args", unknown for "kwargs".
      bool& seen = key == "args" ? seen_args_ : seen_kwargs_;
      if (key != "args" && key != "kwargs") return skip_next_ = true;
      if (seen) return false;
      seen = true;
      field_ = key == "args" ? Field::args : Field::unknown;
      return true;
    }
    case Where::kwargs:
      kwarg_ = key;
      return is_identifier(kwarg_) && !entry_.args.named.contains(kwarg_);
    default:
      return false;
  }
}

bool LineHandler::String(const char* text, rapidjson::SizeType length, bool) {
  if (skipped()) return true;
  std::string value(text, length);
  if (where_ != Where::line) return scalar(std::move(value));
  switch (field_) {
    case Field::label: entry_.label = std::move(value); return true;
    case Field::value: value_ = std::move(value); return true;
    case Field::value_base64: value_base64_ = std::move(value); return true;
    case Field::stderr_text: stderr_ = std::move(value); return true;
    case Field::stderr_base64: stderr_base64_ = std::move(value); return true;
    default: return false;
  }
}

// A scalar inside args: its text, as scalar_text gives it.
bool LineHandler::scalar(std::string text) {
  switch (where_) {
    case Where::positional: entry_.args.positional.push_back(std::move(text)); return true;
    case Where::kwargs: entry_.args.named[std::move(kwarg_)].values.push_back(std::move(text)); return true;
    case Where::kwarg_list: entry_.args.named[kwarg_].values.push_back(std::move(text)); return true;
    default: return false;
  }
}

// Without a fraction or exponent, an integer when it fits 64 bits (signed if
// negative); otherwise a double. Numbers beyond a double's range are left to the
// document.
bool LineHandler::RawNumber(const char* text, rapidjson::SizeType length, bool) {
  if (skipped()) return true;
  const char* const end = text + length;
  if (std::string_view(text, length).find_first_of(".eE") == std::string_view::npos) {
    std::int64_t signed_value = 0;
    std::uint64_t unsigned_value = 0;
    if (*text == '-') {
      if (auto [at, error] = std::from_chars(text, end, signed_value); error == std::errc{} && at == end) {
        return integer(signed_value);
      }
    } else if (auto [at, error] = std::from_chars(text, end, unsigned_value); error == std::errc{} && at == end) {
      return integer(unsigned_value);
    }
  }
  double value = 0;
  auto [at, error] = std::from_chars(text, end, value);
  if (error != std::errc{} || at != end) return false;
  // In args it is printed as the document prints it (scalar_text), by nlohmann-json itself.
  if (where_ != Where::line) return scalar(nlohmann::json(value).dump());
  return field_ != Field::exit_code && time_or_code(value);
}

template <class Integer>
bool LineHandler::integer(Integer value) {
  if (where_ != Where::line) return scalar(std::to_string(value));
  if (field_ == Field::exit_code) {
    if (std::cmp_less(value, 0) || std::cmp_greater(value, 255)) return false;
    entry_.exit_code = static_cast<int>(value);
    return true;
  }
  return time_or_code(static_cast<double>(value));
}

// A time field (a number, or null for unset) or exit_code (null for 0).
bool LineHandler::time_or_code(std::optional<double> value) {
  if (where_ != Where::line) return false;
  switch (field_) {
    case Field::created_at: entry_.created_at = value; return true;
    case Field::available_to: entry_.available_to = value; return true;
    case Field::relevance_to: entry_.relevance_to = value; return true;
    case Field::exit_code: return !value;  // numbers come through integer()
    default: return false;
  }
}

bool LineHandler::set_none() {
  entry_.args.named[std::move(kwarg_)];
  return true;
}

bool LineHandler::StartObject() {
  if (skipped()) return ++skip_depth_, true;
  if (where_ == Where::before) return where_ = Where::line, true;
  if (where_ == Where::line && field_ == Field::args) return where_ = Where::args, true;
  if (where_ == Where::args && field_ == Field::unknown) return where_ = Where::kwargs, true;
  return false;
}

bool LineHandler::EndObject(rapidjson::SizeType) {
  if (skip_depth_ > 0) return --skip_depth_, true;
  if (where_ == Where::kwargs) return where_ = Where::args, true;
  if (where_ == Where::args) return where_ = Where::line, true;
  if (where_ == Where::line) return where_ = Where::after, true;
  return false;
}

bool LineHandler::StartArray() {
  if (skipped()) return ++skip_depth_, true;
  if (where_ == Where::args && field_ == Field::args) return where_ = Where::positional, true;
  if (where_ == Where::kwargs) {
    NamedArg& arg = entry_.args.named[kwarg_];
    arg.is_list = true;
    return where_ = Where::kwarg_list, true;
  }
  return false;
}

bool LineHandler::EndArray(rapidjson::SizeType) {
  if (skip_depth_ > 0) return --skip_depth_, true;
  if (where_ == Where::positional) return where_ = Where::args, true;
  if (where_ == Where::kwarg_list) return kwarg_.clear(), where_ = Where::kwargs, true;
  return false;
}

// `text` or `base64` decoded; nullopt in `out` when neither; false when both or
// bad base64.
bool bytes_field(std::optional<std::string>& text, std::optional<std::string>& base64,
                 std::optional<std::string>& out) {
  if (text && base64) return false;
  if (text) {
    out = std::move(text);
    return true;
  }
  if (!base64) return true;
  out = base64_decode(*base64);
  return out.has_value();
}

std::optional<ImportedEntry> LineHandler::finish() {
  if (where_ != Where::after || !(seen_ & (std::uint32_t{1} << static_cast<int>(Field::label)))) {
    return std::nullopt;
  }
  std::optional<std::string> value;
  std::optional<std::string> error_output;
  if (!bytes_field(value_, value_base64_, value) || !value) return std::nullopt;
  if (!bytes_field(stderr_, stderr_base64_, error_output)) return std::nullopt;
  entry_.value = std::move(*value);
  entry_.error_output = std::move(error_output).value_or("");
  return std::move(entry_);
}

}  // namespace

std::optional<ImportedEntry> read_import_line(std::string_view line) {
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::MemoryStream input(line.data(), line.size());
  // One reader per thread: its token stack is allocated once, not per line.
  thread_local rapidjson::Reader reader;
  LineHandler handler;
  if (reader.Parse<flags>(input, handler).IsError()) return std::nullopt;
  return handler.finish();
}

}  // namespace djc
