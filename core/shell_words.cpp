// POSIX-shell word splitting for `warm` input lines: quoting only, no expansion.
#include "core/shell_words.hpp"

#include "core/error.hpp"

namespace djc {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Inside "...", a backslash escapes only these (POSIX); before anything else it
// is a literal backslash.
bool escapable_in_double_quotes(char c) {
  return c == '"' || c == '\\' || c == '$' || c == '`' || c == '\n';
}

class Splitter {
 public:
  explicit Splitter(std::string_view line) : line_(line) {}

  std::vector<std::string> split() {
    while (pos_ < line_.size()) step();
    finish_word();
    return std::move(words_);
  }

 private:
  void step() {
    char c = line_[pos_++];
    if (is_blank(c)) {
      finish_word();
    } else if (c == '\'') {
      single_quoted();
    } else if (c == '"') {
      double_quoted();
    } else if (c == '\\') {
      escaped();
    } else {
      add(c);
    }
  }

  void single_quoted() {
    in_word_ = true;  // '' is an empty word
    auto close = line_.find('\'', pos_);
    if (close == std::string_view::npos) fail("unterminated single quote");
    word_.append(line_.substr(pos_, close - pos_));
    pos_ = close + 1;
  }

  void double_quoted() {
    in_word_ = true;
    while (pos_ < line_.size()) {
      char c = line_[pos_++];
      if (c == '"') return;
      if (c != '\\' || pos_ == line_.size() || !escapable_in_double_quotes(line_[pos_])) {
        word_ += c;
        continue;
      }
      char next = line_[pos_++];
      if (next != '\n') word_ += next;  // backslash-newline joins lines
    }
    fail("unterminated double quote");
  }

  void escaped() {
    if (pos_ == line_.size()) fail("trailing backslash");
    char next = line_[pos_++];
    if (next == '\n') return;  // backslash-newline joins lines
    add(next);
  }

  void add(char c) {
    in_word_ = true;
    word_ += c;
  }

  void finish_word() {
    if (!in_word_) return;
    words_.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(exit_code::data, what);
  }

  std::string_view line_;
  std::size_t pos_ = 0;
  std::vector<std::string> words_;
  std::string word_;
  bool in_word_ = false;
};

}  // namespace

std::vector<std::string> split_shell_words(std::string_view line) {
  return Splitter(line).split();
}

}  // namespace djc
