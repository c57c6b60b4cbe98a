// Reading an `import` line through nlohmann-json's SAX interface (see
// import_line.hpp). The JSON document of a line (a map node per field, a value
// per node) cost as much as the rest of an import; events go straight into the
// entry instead. Whatever this handler does not recognise as the plain shape it
// refuses, and parse_import_line falls back to the document, so the accepted
// lines and the error messages stay those of entry_json.cpp.
#include "core/import_line.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "core/args.hpp"
#include "core/base64.hpp"

namespace djc {
namespace {

using nlohmann::json;

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
class LineHandler {
 public:
  bool null() { return skipped() || (where_ == Where::kwargs ? set_none() : time_or_code(std::nullopt)); }
  bool boolean(bool value) { return skipped() || scalar(value ? "true" : "false"); }
  bool number_integer(json::number_integer_t value) { return number(json(value), true); }
  bool number_unsigned(json::number_unsigned_t value) { return number(json(value), true); }
  bool number_float(json::number_float_t value, const std::string&) { return number(json(value), false); }
  bool binary(json::binary_t&) { return false; }
  bool string(std::string& value);
  bool key(std::string& key);
  bool start_object(std::size_t);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  // The entry once the whole line was read, nullopt when a field is missing or
  // given twice over (value and value_base64) or is not valid base64.
  std::optional<ImportedEntry> finish();

 private:
  enum class Where { before, line, args, positional, kwargs, kwarg_list, after };

  bool skipped();
  bool scalar(std::string text);
  bool number(const json& value, bool integer);
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

bool LineHandler::key(std::string& key) {
  if (skip_depth_ > 0) return true;
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
      if (!is_identifier(key) || entry_.args.named.contains(key)) return false;
      kwarg_ = std::move(key);
      return true;
    default:
      return false;
  }
}

bool LineHandler::string(std::string& value) {
  if (skipped()) return true;
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

bool LineHandler::number(const json& value, bool integer) {
  if (skipped()) return true;
  if (where_ != Where::line) return scalar(value.dump());
  if (field_ == Field::exit_code) {
    if (!integer) return false;
    const auto code = value.get<long long>();
    if (code < 0 || code > 255) return false;
    entry_.exit_code = static_cast<int>(code);
    return true;
  }
  return time_or_code(value.get<double>());
}

// A time field (a number, or null for unset) or exit_code (null for 0).
bool LineHandler::time_or_code(std::optional<double> value) {
  if (where_ != Where::line) return false;
  switch (field_) {
    case Field::created_at: entry_.created_at = value; return true;
    case Field::available_to: entry_.available_to = value; return true;
    case Field::relevance_to: entry_.relevance_to = value; return true;
    case Field::exit_code: return !value;  // numbers come through number()
    default: return false;
  }
}

bool LineHandler::set_none() {
  entry_.args.named[std::move(kwarg_)];
  return true;
}

bool LineHandler::start_object(std::size_t) {
  if (skipped()) return ++skip_depth_, true;
  if (where_ == Where::before) return where_ = Where::line, true;
  if (where_ == Where::line && field_ == Field::args) return where_ = Where::args, true;
  if (where_ == Where::args && field_ == Field::unknown) return where_ = Where::kwargs, true;
  return false;
}

bool LineHandler::end_object() {
  if (skip_depth_ > 0) return --skip_depth_, true;
  if (where_ == Where::kwargs) return where_ = Where::args, true;
  if (where_ == Where::args) return where_ = Where::line, true;
  if (where_ == Where::line) return where_ = Where::after, true;
  return false;
}

bool LineHandler::start_array(std::size_t) {
  if (skipped()) return ++skip_depth_, true;
  if (where_ == Where::args && field_ == Field::args) return where_ = Where::positional, true;
  if (where_ == Where::kwargs) {
    NamedArg& arg = entry_.args.named[kwarg_];
    arg.is_list = true;
    return where_ = Where::kwarg_list, true;
  }
  return false;
}

bool LineHandler::end_array() {
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
  LineHandler handler;
  if (!json::sax_parse(line.begin(), line.end(), &handler)) return std::nullopt;
  return handler.finish();
}

}  // namespace djc
