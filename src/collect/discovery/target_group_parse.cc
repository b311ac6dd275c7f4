// ParseFileSD and ParseHTTPSD: target groups from JSON (simdjson) and YAML
// (yaml-cpp), with the rules and messages of Prometheus' targetgroup.Group
// unmarshalling (Go's encoding/json and yaml.v2 underneath).

#include <fmt/format.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>

#include "base/strconv.h"
#include "collect/discovery/discovery.h"
#include "model/labels.h"

namespace vigil::discovery {
namespace {

using config::TargetGroup;

constexpr std::string_view kAddressLabel = "__address__";
// How Go names the anonymous struct targetgroup.Group decodes into.
constexpr std::string_view kGroupStructJSON =
    R"(Go value of type struct { Targets []string "json:\"targets\""; Labels model.LabelSet )"
    R"("json:\"labels\"" })";
constexpr std::string_view kGroupStructYAML =
    R"(struct { Targets []string "yaml:\"targets\""; Labels model.LabelSet "yaml:\"labels\"" })";

// Prometheus 3 validates label names with the UTF-8 scheme: non-empty UTF-8.
Status CheckLabelName(std::string_view name) {
  if (name.empty() || !model::IsValidUTF8(name)) {
    return Status::InvalidArgument(fmt::format("{} is not a valid label name", GoQuote(name)));
  }
  return Status::OK();
}

model::Labels BuildLabels(const std::map<std::string, std::string>& m) {
  std::vector<model::Label> v;
  v.reserve(m.size());
  for (const auto& [k, val] : m) {
    if (!val.empty()) v.push_back({k, val});  // an empty value is an absent label
  }
  return model::Labels::FromSorted(std::move(v));
}

model::Labels AddressLabels(std::string_view address) {
  return model::Labels::FromSorted({{std::string(kAddressLabel), std::string(address)}});
}

// ---------------------------------------------------------------------------
// JSON, as encoding/json decodes into []*targetgroup.Group.

const char* GoJSONKind(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "bool";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

Status CannotUnmarshal(simdjson::dom::element e, std::string_view into) {
  return Status::InvalidArgument(
      fmt::format("json: cannot unmarshal {} into {}", GoJSONKind(e.type()), into));
}

// encoding/json matches object keys to struct fields case-insensitively.
bool KeyIs(std::string_view key, std::string_view field) {
  if (key.size() != field.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != field[i]) return false;
  }
  return true;
}

Status ParseJSONGroup(simdjson::dom::element e, TargetGroup* tg) {
  using simdjson::dom::element_type;
  if (e.type() != element_type::OBJECT) {
    return CannotUnmarshal(e, kGroupStructJSON);
  }
  std::map<std::string, std::string> labels;
  for (auto field : simdjson::dom::object(e)) {
    simdjson::dom::element v = field.value;
    if (KeyIs(field.key, "targets")) {
      tg->targets.clear();
      if (v.type() == element_type::NULL_VALUE) continue;
      if (v.type() != element_type::ARRAY) {
        return CannotUnmarshal(v, "Go struct field .targets of type []string");
      }
      for (simdjson::dom::element t : simdjson::dom::array(v)) {
        if (t.type() == element_type::NULL_VALUE) {
          tg->targets.push_back(AddressLabels(""));
          continue;
        }
        if (t.type() != element_type::STRING) {
          return CannotUnmarshal(t, "Go struct field .targets of type string");
        }
        tg->targets.push_back(AddressLabels(std::string_view(t)));
      }
    } else if (KeyIs(field.key, "labels")) {
      labels.clear();
      if (v.type() == element_type::NULL_VALUE) continue;
      if (v.type() != element_type::OBJECT) {
        return CannotUnmarshal(
            v, "Go struct field .labels of type map[model.LabelName]model.LabelValue");
      }
      for (auto kv : simdjson::dom::object(v)) {
        std::string value;
        if (kv.value.type() == element_type::STRING) {
          value = std::string(std::string_view(kv.value));
        } else if (kv.value.type() != element_type::NULL_VALUE) {
          return CannotUnmarshal(kv.value, "Go struct field .labels of type model.LabelValue");
        }
        labels[std::string(kv.key)] = std::move(value);
      }
    } else {
      return Status::InvalidArgument(fmt::format("json: unknown field {}", GoQuote(field.key)));
    }
  }
  for (const auto& [name, value] : labels) VIGIL_RETURN_IF_ERROR(CheckLabelName(name));
  tg->labels = BuildLabels(labels);
  return Status::OK();
}

Result<std::vector<TargetGroup>> ParseJSONGroups(std::string_view content) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(content);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS) {
    if (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || err == simdjson::EMPTY) {
      return Status::InvalidArgument("unexpected end of JSON input");
    }
    return Status::InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  std::vector<TargetGroup> groups;
  if (doc.type() == simdjson::dom::element_type::NULL_VALUE) return groups;
  if (doc.type() != simdjson::dom::element_type::ARRAY) {
    return CannotUnmarshal(doc, "Go value of type []*targetgroup.Group");
  }
  for (simdjson::dom::element e : simdjson::dom::array(doc)) {
    if (e.type() == simdjson::dom::element_type::NULL_VALUE) {
      return Status::InvalidArgument("nil target group item found");
    }
    TargetGroup tg;
    VIGIL_RETURN_IF_ERROR(ParseJSONGroup(e, &tg));
    groups.push_back(std::move(tg));
  }
  return groups;
}

// ---------------------------------------------------------------------------
// YAML, as yaml.v2's UnmarshalStrict decodes into []*targetgroup.Group.

int Line(const YAML::Node& n) { return n.Mark().line + 1; }

Status YAMLTypeError(const YAML::Node& n, std::string_view into) {
  const char* tag = n.IsMap() ? "!!map" : n.IsSequence() ? "!!seq" : "!!str";
  std::string value = n.IsScalar() ? fmt::format(" `{}`", n.Scalar()) : "";
  return Status::InvalidArgument(
      fmt::format("yaml: unmarshal errors:\n  line {}: cannot unmarshal {}{} into {}", Line(n), tag,
                  value, into));
}

// yaml.v2 decodes any scalar into a string field; null gives "".
std::string ScalarString(const YAML::Node& n) { return n.IsNull() ? "" : n.Scalar(); }

Status ParseYAMLGroup(const YAML::Node& n, TargetGroup* tg) {
  if (!n.IsMap()) return YAMLTypeError(n, "targetgroup.Group");
  std::map<std::string, std::string> labels;
  for (const auto& kv : n) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const YAML::Node& v = kv.second;
    if (key == "targets") {
      tg->targets.clear();
      if (v.IsNull()) continue;
      if (!v.IsSequence()) return YAMLTypeError(v, "[]string");
      for (const auto& t : v) {
        if (!t.IsScalar() && !t.IsNull()) return YAMLTypeError(t, "string");
        tg->targets.push_back(AddressLabels(ScalarString(t)));
      }
    } else if (key == "labels") {
      labels.clear();
      if (v.IsNull()) continue;
      if (!v.IsMap()) return YAMLTypeError(v, "model.LabelSet");
      for (const auto& lv : v) {
        if (!lv.first.IsScalar()) return YAMLTypeError(lv.first, "model.LabelName");
        if (!lv.second.IsScalar() && !lv.second.IsNull()) {
          return YAMLTypeError(lv.second, "model.LabelValue");
        }
        std::string name = ScalarString(lv.first);
        VIGIL_RETURN_IF_ERROR(CheckLabelName(name));
        labels[name] = ScalarString(lv.second);
      }
    } else {
      return Status::InvalidArgument(
          fmt::format("yaml: unmarshal errors:\n  line {}: field {} not found in type {}",
                      Line(kv.first), key, kGroupStructYAML));
    }
  }
  tg->labels = BuildLabels(labels);
  return Status::OK();
}

Result<std::vector<TargetGroup>> ParseYAMLGroups(std::string_view content) {
  std::vector<TargetGroup> groups;
  try {
    YAML::Node doc = YAML::Load(std::string(content));
    if (!doc.IsDefined() || doc.IsNull()) return groups;
    if (!doc.IsSequence()) return YAMLTypeError(doc, "[]*targetgroup.Group");
    for (const auto& n : doc) {
      if (n.IsNull()) return Status::InvalidArgument("nil target group item found");
      TargetGroup tg;
      VIGIL_RETURN_IF_ERROR(ParseYAMLGroup(n, &tg));
      groups.push_back(std::move(tg));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(fmt::format("yaml: line {}: {}", e.mark.line + 1, e.msg));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("yaml: {}", e.what()));
  }
  return groups;
}

std::string LowerExtension(const std::string& filename) {
  size_t slash = filename.rfind('/');
  size_t dot = filename.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = filename.substr(dot);
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

}  // namespace

Result<std::vector<TargetGroup>> ParseFileSD(std::string_view content,
                                             const std::string& filename) {
  std::string ext = LowerExtension(filename);
  Result<std::vector<TargetGroup>> parsed = Status::InvalidArgument("unparsed");
  if (ext == ".json") {
    parsed = ParseJSONGroups(content);
  } else if (ext == ".yml" || ext == ".yaml") {
    parsed = ParseYAMLGroups(content);
  } else {
    return Status::InvalidArgument(
        fmt::format("unhandled file extension {} of {}", GoQuote(ext), filename));
  }
  if (!parsed.ok()) return parsed.status();
  std::vector<TargetGroup> groups = std::move(parsed).value();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].source = fmt::format("{}:{}", filename, i);
    groups[i].labels = groups[i].labels.With("__meta_filepath", filename);
  }
  return groups;
}

Result<std::vector<TargetGroup>> ParseHTTPSD(std::string_view body) {
  return ParseJSONGroups(body);
}

Result<std::vector<TargetGroup>> ParseHTTPSD(std::string_view body, const std::string& url) {
  VIGIL_ASSIGN_OR_RETURN(auto groups, ParseJSONGroups(body));
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].source = fmt::format("{}:{}", url, i);
    groups[i].labels = groups[i].labels.With("__meta_url", url);
  }
  return groups;
}

}  // namespace vigil::discovery
