// Change events (SPEC.md §6): parsing `notify` input and turning an event into the
// invalidations its source's rules ask for. Nothing here touches the store: an
// event is validated completely (shape, source, fields) before any of it applies.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/attribute_match.hpp"
#include "core/config.hpp"

namespace djc {

enum class EventOp { create, update, remove };  // remove is "delete"

struct Event {
  std::string source;
  EventOp op = EventOp::create;
  nlohmann::json data;        // create/delete: the record
  nlohmann::json old_record;  // update: the record before
  nlohmann::json new_record;  // update: the record after
};

// {"source": "foo", "op": "create"|"delete", "data": {...}} or
// {"source": "foo", "op": "update", "old": {...}, "new": {...}}. Other keys are
// ignored (producers may add an id or a time). Error(65) naming what is wrong.
Event parse_event(const nlohmann::json& object);

// The invalidations of `event` through its source's rules: is_empty → the whole
// label; fields → create/delete select by the record's mapped fields (as --old),
// update by old and new (as --old/--new); a mapped field missing from a record
// constrains nothing, null is None; with when_changed an update acts only when one
// of those fields differs between old and new (scalars compared by their text).
// Error(69) for an unknown source (with a did-you-mean hint); Error(65) when a
// mapped field holds an object or an array.
std::vector<Selection> event_selections(const Event& event, const Config& config);

struct EventBatch {
  std::size_t events = 0;
  std::vector<Selection> selections;  // of all events, in order
};

// Parses and validates every event of `text`: one JSON event object (it may span
// lines), or JSON lines of them (blank lines skipped). Errors are prefixed with
// `origin` and the line ("events.jsonl:3: ...") and keep their exit code (65, 69);
// on any error nothing of the batch is returned, so nothing of it is applied.
EventBatch parse_events_text(std::string_view text, const Config& config,
                             const std::string& origin);

}  // namespace djc
