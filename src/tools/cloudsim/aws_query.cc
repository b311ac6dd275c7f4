// The AWS wire codecs: query forms and JSON into documents, documents out
// as the query protocol's XML or as JSON.
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>

#include "base/json.h"
#include "base/time.h"
#include "tools/cloudsim/aws_internal.h"

namespace vigil::cloudsim::awssim {
namespace {

// A node of the form tree before it becomes a document.
struct FormNode {
  std::string text;
  bool has_text = false;
  std::map<std::string, std::unique_ptr<FormNode>> fields;  // ordered by name
  std::map<int64_t, std::unique_ptr<FormNode>> members;     // X.member.N
};

bool ParseIndex(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 1;
}

Value NodeToValue(const FormNode& n) {
  if (!n.members.empty()) {
    Value a = Value::MakeArray();
    for (const auto& [i, m] : n.members) a.Push(NodeToValue(*m));
    return a;
  }
  if (!n.fields.empty()) {
    Value m = Value::MakeMap();
    for (const auto& [k, f] : n.fields) m.Add(k, NodeToValue(*f));
    return m;
  }
  return Value::Text(n.text);
}

Value DomToValue(simdjson::dom::element e, int depth) {
  using simdjson::dom::element_type;
  if (depth > 64) return Value();
  switch (e.type()) {
    case element_type::ARRAY: {
      Value a = Value::MakeArray();
      for (simdjson::dom::element x : e.get_array()) a.Push(DomToValue(x, depth + 1));
      return a;
    }
    case element_type::OBJECT: {
      Value m = Value::MakeMap();
      for (auto field : e.get_object()) {
        m.Add(std::string(field.key), DomToValue(field.value, depth + 1));
      }
      return m;
    }
    case element_type::INT64:
      return Value::Int(int64_t(e));
    case element_type::UINT64:
      return Value::Float(static_cast<double>(uint64_t(e)));
    case element_type::DOUBLE:
      return Value::Float(double(e));
    case element_type::STRING:
      return Value::Text(std::string(std::string_view(e)));
    case element_type::BOOL:
      return Value::Bool(bool(e));
    case element_type::NULL_VALUE:
      return Value();
  }
  return Value();
}

void AppendJsonString(std::string_view s, std::string* out) { ::vigil::AppendJsonString(out, s); }

std::string FormatDouble(double d) {
  if (!std::isfinite(d)) return "0";
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{:.1f}", d);
  return fmt::format("{}", d);
}

void ToJson(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out->append("null");
      break;
    case Value::Type::kBool:
      out->append(v.bool_value() ? "true" : "false");
      break;
    case Value::Type::kInt:
      out->append(fmt::format("{}", v.int_value()));
      break;
    case Value::Type::kFloat:
      out->append(FormatDouble(v.number()));
      break;
    case Value::Type::kTimestamp: {
      double t = v.number();
      if (t == std::floor(t)) {
        out->append(fmt::format("{}", static_cast<int64_t>(t)));
      } else {
        out->append(fmt::format("{:.3f}", t));
      }
      break;
    }
    case Value::Type::kText:
    case Value::Type::kBytes:
      AppendJsonString(v.str(), out);
      break;
    case Value::Type::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < v.array().size(); ++i) {
        if (i) out->append(", ");
        ToJson(v.array()[i], out);
      }
      out->push_back(']');
      break;
    }
    case Value::Type::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.map()) {
        if (!first) out->append(", ");
        first = false;
        AppendJsonString(k, out);
        out->append(": ");
        ToJson(e, out);
      }
      out->push_back('}');
      break;
    }
  }
}

std::string XmlScalar(const Value& v) {
  switch (v.type()) {
    case Value::Type::kBool:
      return v.bool_value() ? "true" : "false";
    case Value::Type::kInt:
      return fmt::format("{}", v.int_value());
    case Value::Type::kFloat:
      return FormatDouble(v.number());
    case Value::Type::kTimestamp:
      return IsoTime(std::llround(v.number() * 1000));
    case Value::Type::kText:
    case Value::Type::kBytes:
      return XmlEscape(v.str());
    default:
      return "";
  }
}

void Indent(int depth, std::string* out) { out->append(static_cast<size_t>(depth) * 2, ' '); }

void ToXml(std::string_view name, const Value& v, int depth, std::string* out) {
  Indent(depth, out);
  if (v.is_map() || v.is_array()) {
    out->append(fmt::format("<{}>\n", name));
    if (v.is_array()) {
      for (const Value& e : v.array()) ToXml("member", e, depth + 1, out);
    } else if (name == "ExtendedStatistics") {
      // A modelled map: the query protocol writes entry/key/value.
      for (const auto& [k, e] : v.map()) {
        Indent(depth + 1, out);
        out->append(fmt::format("<entry><key>{}</key><value>{}</value></entry>\n", XmlEscape(k),
                                XmlScalar(e)));
      }
    } else {
      for (const auto& [k, e] : v.map()) ToXml(k, e, depth + 1, out);
    }
    Indent(depth, out);
    out->append(fmt::format("</{}>\n", name));
    return;
  }
  out->append(fmt::format("<{}>{}</{}>\n", name, XmlScalar(v), name));
}

}  // namespace

Value FormToDocument(const http::Params& form) {
  FormNode root;
  for (const auto& [key, value] : form) {
    FormNode* n = &root;
    std::string_view rest = key;
    std::vector<std::string_view> parts;
    while (true) {
      size_t dot = rest.find('.');
      parts.push_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      int64_t idx;
      if (parts[i] == "member" && i + 1 < parts.size() && ParseIndex(parts[i + 1], &idx)) {
        auto& slot = n->members[idx];
        if (!slot) slot = std::make_unique<FormNode>();
        n = slot.get();
        ++i;
        continue;
      }
      auto& slot = n->fields[std::string(parts[i])];
      if (!slot) slot = std::make_unique<FormNode>();
      n = slot.get();
    }
    if (!n->has_text) {
      n->text = value;
      n->has_text = true;
    }
  }
  if (root.fields.empty()) return Value::MakeMap();
  return NodeToValue(root);
}

Result<Value> JsonToDocument(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  auto err = parser.parse(padded).get(root);
  if (err) return Status::InvalidArgument(simdjson::error_message(err));
  return DomToValue(root, 0);
}

std::string DocumentToJson(const Value& v) {
  std::string out;
  ToJson(v, &out);
  return out;
}

std::string QueryXmlResponse(std::string_view op, std::string_view xmlns, const Value& body,
                             bool with_result, std::string_view request_id) {
  std::string out = fmt::format("<{}Response xmlns=\"{}\">\n", op, xmlns);
  if (with_result) {
    Indent(1, &out);
    out.append(fmt::format("<{}Result>\n", op));
    for (const auto& [k, e] : body.map()) ToXml(k, e, 2, &out);
    Indent(1, &out);
    out.append(fmt::format("</{}Result>\n", op));
  }
  out.append(
      fmt::format("  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n"
                  "  </ResponseMetadata>\n</{}Response>\n",
                  request_id, op));
  return out;
}

std::string QueryXmlError(std::string_view xmlns, const AwsError& e, std::string_view request_id) {
  return fmt::format(
      "<ErrorResponse xmlns=\"{}\">\n  <Error>\n    <Type>{}</Type>\n    <Code>{}</Code>\n"
      "    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
      xmlns, e.receiver ? "Receiver" : "Sender", XmlEscape(e.code), XmlEscape(e.message),
      request_id);
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&apos;");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string IsoTime(int64_t ms) {
  std::string s = FormatRFC3339(ms);  // 2024-01-01T00:00:00.000Z
  if (ms % 1000 == 0) {
    size_t dot = s.find('.');
    if (dot != std::string::npos) s = s.substr(0, dot) + "Z";
  }
  return s;
}

const Value* Get(const Value& doc, std::string_view key) { return doc.Find(key); }

std::optional<std::string> GetString(const Value& doc, std::string_view key) {
  const Value* v = doc.Find(key);
  if (v == nullptr || !v->is_text()) return std::nullopt;
  return v->str();
}

bool GetNumber(const Value& doc, std::string_view key, double* out) {
  const Value* v = doc.Find(key);
  if (v == nullptr) return false;
  if (v->is_number()) {
    *out = v->number();
    return true;
  }
  if (!v->is_text() || v->str().empty()) return false;
  const std::string& s = v->str();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(*out);
}

bool GetTimeMs(const Value& doc, std::string_view key, int64_t* out) {
  const Value* v = doc.Find(key);
  if (v == nullptr) return false;
  if (v->type() == Value::Type::kTimestamp || v->is_number()) {
    double s = v->number();
    if (!std::isfinite(s) || std::fabs(s) > 1e13) return false;
    *out = std::llround(s * 1000);
    return true;
  }
  if (!v->is_text()) return false;
  auto r = ParseTimestamp(v->str());
  if (!r.ok()) return false;
  *out = *r;
  return true;
}

bool GetBool(const Value& doc, std::string_view key, bool default_value) {
  const Value* v = doc.Find(key);
  if (v == nullptr) return default_value;
  if (v->type() == Value::Type::kBool) return v->bool_value();
  if (v->is_text()) {
    if (v->str() == "true") return true;
    if (v->str() == "false") return false;
  }
  return default_value;
}

const std::vector<Value>& GetList(const Value& doc, std::string_view key) {
  static const std::vector<Value> kEmpty;
  const Value* v = doc.Find(key);
  if (v == nullptr || !v->is_array()) return kEmpty;
  return v->array();
}

}  // namespace vigil::cloudsim::awssim
