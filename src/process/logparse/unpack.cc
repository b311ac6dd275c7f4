// Unpack: LogQL's `unpack` (the inverse of Promtail's pack stage).
#include <simdjson.h>

#include <string>
#include <string_view>

#include "process/logparse/json_scratch.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {
constexpr std::string_view kPackedEntryKey = "_entry";
}  // namespace

Status Unpack(std::string_view line, Fields* out, std::string* new_line) {
  if (!LooksLikeJsonObject(line)) return Status::InvalidArgument("json: not a JSON object");
  JsonScratch& scratch = ThreadJsonScratch();
  simdjson::ondemand::document doc;
  if (auto error = scratch.parser.iterate(PadLine(&scratch, line)).get(doc)) {
    return JsonError(error);
  }
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object)) return JsonError(error);
  bool packed = false;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    simdjson::ondemand::value value = field.value();
    simdjson::ondemand::json_type type;
    if (auto error = value.type().get(type)) return JsonError(error);
    if (type != simdjson::ondemand::json_type::string) continue;  // only strings, as Loki
    std::string_view s;
    if (auto error = value.get_string().get(s)) return JsonError(error);
    if (key == kPackedEntryKey) {
      new_line->assign(s);
      packed = true;
      continue;
    }
    std::string name;
    AppendSanitizedFieldName(&name, key);
    out->emplace_back(std::move(name), s);
  }
  if (!packed) new_line->assign(line);
  return Status::OK();
}

}  // namespace vigil::logparse
