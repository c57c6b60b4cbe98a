// Levenshtein distance and the "did you mean" lookup built on it.
#include "core/edit_distance.hpp"

#include <algorithm>
#include <numeric>

namespace djc {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the classic table is enough: row[j] is the distance between the
  // prefix of `a` handled so far and b[0, j).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> nearest_name(std::string_view typo,
                                        const std::vector<std::string>& candidates) {
  // Beyond a third of the word, a "suggestion" is a different word, not a typo.
  const std::size_t max_distance = std::max<std::size_t>(1, typo.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (const std::string& candidate : candidates) {
    std::size_t distance = edit_distance(typo, candidate);
    if (distance >= best_distance) continue;  // ties keep the earlier candidate
    best = candidate;
    best_distance = distance;
  }
  return best;
}

}  // namespace djc
