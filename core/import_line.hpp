// The fast reading of an `import` line: RapidJSON's SAX reader straight into an
// ImportedEntry, without building a JSON document first.
#pragma once

#include <optional>
#include <string_view>

#include "core/entry_json.hpp"

namespace djc {

// The entry of a well-formed line of the usual shape: an object with string
// label and value fields, numeric times and exit code, an args object of
// scalars and lists of scalars, any other fields ignored. nullopt for anything
// else (invalid JSON, a wrong type, a duplicate field, a bad argument name...):
// parse_import_line then reads the line through the JSON document, which
// accepts it the same way or reports exactly what is wrong.
std::optional<ImportedEntry> read_import_line(std::string_view line);

}  // namespace djc
