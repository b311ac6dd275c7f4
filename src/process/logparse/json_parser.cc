// ParseJson: Loki's json parser without expressions, on simdjson ondemand.
#include <fmt/format.h>
#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>

#include "process/logparse/field_name.h"
#include "process/logparse/json_scratch.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

using simdjson::ondemand::json_type;

JsonScratch& ThreadJsonScratch() {
  thread_local JsonScratch scratch;
  return scratch;
}

simdjson::padded_string_view PadLine(JsonScratch* scratch, std::string_view line) {
  size_t capacity = line.size() + simdjson::SIMDJSON_PADDING;
  if (scratch->padded.size() < capacity) scratch->padded.resize(capacity);
  if (!line.empty()) std::memcpy(scratch->padded.data(), line.data(), line.size());
  // Padding need not be zero for simdjson, but a NUL right after the text
  // keeps any stray scan of the scalar at the end well defined.
  scratch->padded[line.size()] = '\0';
  return simdjson::padded_string_view(scratch->padded.data(), line.size(), scratch->padded.size());
}

Status JsonError(simdjson::error_code error) {
  return Status::InvalidArgument(fmt::format("json: {}", simdjson::error_message(error)));
}

bool LooksLikeJsonObject(std::string_view line) {
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

namespace {

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Appends one key segment to the flattened name: '_' between segments, each
// segment trimmed and sanitized, the leading-digit '_' only at the very start
// (Loki's appendSanitized).
void AppendSegment(std::string* name, std::string_view key) {
  key = TrimFieldName(key);
  bool first = name->empty();
  if (!first) name->push_back('_');
  AppendSanitizedFieldNamePart(name, key, first);
}

void EmitField(const std::string& name, std::string_view value, Fields* out) {
  std::string cleaned;
  if (ReplaceRuneErrors(value, &cleaned)) value = cleaned;
  if (name.empty()) {
    out->emplace_back("_", value);
  } else {
    out->emplace_back(name, value);
  }
}

Status FlattenObject(simdjson::ondemand::object object, std::string* name, Fields* out) {
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    simdjson::ondemand::value value = field.value();
    json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    size_t name_len = name->size();
    AppendSegment(name, key);
    switch (type) {
      case json_type::object: {
        simdjson::ondemand::object child;
        if (auto error = value.get_object().get(child)) return JsonError(error);
        VIGIL_RETURN_IF_ERROR(FlattenObject(child, name, out));
        break;
      }
      case json_type::array:
        break;  // skipped, as Loki does; ondemand skips it on the next field
      case json_type::string: {
        std::string_view s;
        if (auto error = value.get_string().get(s)) return JsonError(error);
        EmitField(*name, s, out);
        break;
      }
      case json_type::number: {
        // As written (Loki keeps "0.10" and "1e3"), validated as a number.
        std::string_view raw = TrimTrailingSpace(value.raw_json_token());
        simdjson::ondemand::number number;
        if (auto error = value.get_number().get(number)) return JsonError(error);
        EmitField(*name, raw, out);
        break;
      }
      case json_type::boolean: {
        bool b;
        if (auto error = value.get_bool().get(b)) return JsonError(error);
        EmitField(*name, b ? "true" : "false", out);
        break;
      }
      case json_type::null: {
        // Validated, then skipped: Loki 3's json parser extracts only
        // strings, numbers and booleans.
        bool is_null = false;
        if (auto error = value.is_null().get(is_null)) return JsonError(error);
        if (!is_null) return JsonError(simdjson::INCORRECT_TYPE);
        break;
      }
    }
    name->resize(name_len);
  }
  return Status::OK();
}

}  // namespace

Status ParseJson(std::string_view line, Fields* out) {
  if (!LooksLikeJsonObject(line)) return Status::InvalidArgument("json: not a JSON object");
  JsonScratch& scratch = ThreadJsonScratch();
  simdjson::ondemand::document doc;
  if (auto error = scratch.parser.iterate(PadLine(&scratch, line)).get(doc)) {
    return JsonError(error);
  }
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object)) return JsonError(error);
  scratch.name.clear();
  return FlattenObject(object, &scratch.name, out);
}

}  // namespace vigil::logparse
