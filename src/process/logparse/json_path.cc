// JsonPath: LogQL's `json name="a.b[0]"` expressions, evaluated lazily with
// simdjson ondemand (only the path's prefix of the line is scanned).
#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "process/logparse/json_scratch.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

struct PathSegment {
  bool is_index = false;
  size_t index = 0;
  std::string key;
};

Status PathError(std::string_view expression, std::string_view what) {
  return Status::InvalidArgument(fmt::format("json path \"{}\": {}", expression, what));
}

bool IsIdentifierByte(char c) {
  return c != '.' && c != '[' && c != ']' && c != '"' && c != ' ' && c != '\t';
}

// Parses `a.b[0]["c.d"]`: identifiers separated by '.', brackets holding a
// decimal index or a double-quoted key (\" and \\ escapes).
Result<std::vector<PathSegment>> ParsePath(std::string_view expression) {
  std::vector<PathSegment> segments;
  size_t pos = 0;
  size_t n = expression.size();
  bool expect_identifier = true;  // at the start or after '.'
  while (pos < n) {
    char c = expression[pos];
    if (c == '[') {
      ++pos;
      PathSegment segment;
      if (pos < n && expression[pos] == '"') {
        ++pos;
        bool closed = false;
        while (pos < n) {
          char k = expression[pos++];
          if (k == '\\' && pos < n) {
            segment.key.push_back(expression[pos++]);
          } else if (k == '"') {
            closed = true;
            break;
          } else {
            segment.key.push_back(k);
          }
        }
        if (!closed) return PathError(expression, "unterminated quoted key");
      } else {
        size_t start = pos;
        while (pos < n && expression[pos] >= '0' && expression[pos] <= '9') ++pos;
        if (pos == start) return PathError(expression, "expected an index or a quoted key");
        auto [ptr, ec] =
            std::from_chars(expression.data() + start, expression.data() + pos, segment.index);
        if (ec != std::errc()) return PathError(expression, "index out of range");
        segment.is_index = true;
      }
      if (pos >= n || expression[pos] != ']') return PathError(expression, "expected ']'");
      ++pos;
      segments.push_back(std::move(segment));
      expect_identifier = false;
      continue;
    }
    if (c == '.') {
      if (expect_identifier && !segments.empty()) return PathError(expression, "empty field name");
      ++pos;
      expect_identifier = true;
      continue;
    }
    if (!expect_identifier) return PathError(expression, "expected '.' or '['");
    size_t start = pos;
    while (pos < n && IsIdentifierByte(expression[pos])) ++pos;
    if (pos == start) return PathError(expression, fmt::format("unexpected '{}'", c));
    PathSegment segment;
    segment.key = std::string(expression.substr(start, pos - start));
    segments.push_back(std::move(segment));
    expect_identifier = false;
  }
  if (segments.empty()) return PathError(expression, "empty path");
  if (expect_identifier) return PathError(expression, "trailing '.'");
  return segments;
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The text of a found value, as Loki's JSONExpressionParser gives it.
Result<std::string> ValueText(simdjson::ondemand::value value) {
  simdjson::ondemand::json_type type;
  if (auto error = value.type().get(type)) return JsonError(error);
  switch (type) {
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (auto error = value.get_string().get(s)) return JsonError(error);
      return std::string(s);
    }
    case simdjson::ondemand::json_type::number:
    case simdjson::ondemand::json_type::boolean:
      return std::string(TrimTrailingSpace(value.raw_json_token()));
    case simdjson::ondemand::json_type::null:
      return std::string();
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      std::string_view raw;
      if (auto error = value.get_object().get(object)) return JsonError(error);
      if (auto error = object.raw_json().get(raw)) return JsonError(error);
      return std::string(raw);
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      std::string_view raw;
      if (auto error = value.get_array().get(array)) return JsonError(error);
      if (auto error = array.raw_json().get(raw)) return JsonError(error);
      return std::string(raw);
    }
  }
  return std::string();
}

class JsonPathImpl final : public JsonPath {
 public:
  explicit JsonPathImpl(std::vector<PathSegment> segments) : segments_(std::move(segments)) {}

  Result<std::string> Extract(std::string_view line) const override {
    if (!LooksLikeJsonObject(line)) return Status::InvalidArgument("json: not a JSON object");
    JsonScratch& scratch = ThreadJsonScratch();
    simdjson::ondemand::document doc;
    if (auto error = scratch.parser.iterate(PadLine(&scratch, line)).get(doc)) {
      return JsonError(error);
    }
    simdjson::ondemand::object root;
    if (auto error = doc.get_object().get(root)) return JsonError(error);
    if (segments_[0].is_index) return std::string();
    simdjson::ondemand::value value;
    if (auto error = root.find_field_unordered(segments_[0].key).get(value)) {
      if (error == simdjson::NO_SUCH_FIELD) return std::string();
      return JsonError(error);
    }
    for (size_t i = 1; i < segments_.size(); ++i) {
      const PathSegment& segment = segments_[i];
      simdjson::ondemand::json_type type;
      if (auto error = value.type().get(type)) return JsonError(error);
      if (segment.is_index) {
        if (type != simdjson::ondemand::json_type::array) return std::string();
        simdjson::ondemand::array array;
        if (auto error = value.get_array().get(array)) return JsonError(error);
        if (auto error = array.at(segment.index).get(value)) {
          if (error == simdjson::INDEX_OUT_OF_BOUNDS) return std::string();
          return JsonError(error);
        }
      } else {
        if (type != simdjson::ondemand::json_type::object) return std::string();
        simdjson::ondemand::object object;
        if (auto error = value.get_object().get(object)) return JsonError(error);
        if (auto error = object.find_field_unordered(segment.key).get(value)) {
          if (error == simdjson::NO_SUCH_FIELD) return std::string();
          return JsonError(error);
        }
      }
    }
    return ValueText(value);
  }

 private:
  std::vector<PathSegment> segments_;
};

}  // namespace

Result<std::shared_ptr<const JsonPath>> JsonPath::Make(std::string_view expression) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<PathSegment> segments, ParsePath(expression));
  return std::shared_ptr<const JsonPath>(std::make_shared<JsonPathImpl>(std::move(segments)));
}

}  // namespace vigil::logparse
