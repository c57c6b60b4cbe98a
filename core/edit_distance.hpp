// "Did you mean ...": the nearest name by edit distance, as ninja answers a typo.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace djc {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `typo` when it is close enough to be a plausible typo
// (distance at most max(1, length/3)); nullopt otherwise.
std::optional<std::string> nearest_name(std::string_view typo,
                                        const std::vector<std::string>& candidates);

}  // namespace djc
