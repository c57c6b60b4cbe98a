// Writing to stdout as scripts need it, and the human formats of tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace djc {

// Writes every byte to stdout. A reader that went away (EPIPE: `| head -c1`) ends
// the output quietly and returns false; any other error throws Error(74).
bool write_stdout(std::string_view bytes);
// Writes every byte to stderr, best effort: what cannot be written is lost.
void write_stderr(std::string_view bytes);

bool stdout_is_terminal();
bool stderr_is_terminal();
// Colour only on a terminal and never with NO_COLOR set.
bool use_colour();

// "45s", "12m", "3h20m", "2d4h"; negative durations as "-" + the same.
std::string human_duration(double seconds);
// "512B", "1.5KiB", "20.0MiB".
std::string human_size(std::uint64_t bytes);

// Prints rows as left-aligned columns separated by two spaces (the first row is
// the header, bold on a colour terminal).
void print_table(const std::vector<std::vector<std::string>>& rows);

// A table cell with the colour it has on a colour terminal (use_colour()).
enum class Colour { none, red, yellow };
struct Cell {
  std::string text;
  Colour colour = Colour::none;
  Cell(std::string text, Colour colour = Colour::none) : text(std::move(text)), colour(colour) {}
  Cell(const char* text) : text(text) {}
};
void print_table(const std::vector<std::vector<Cell>>& rows);

}  // namespace djc
