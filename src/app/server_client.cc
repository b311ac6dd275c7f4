#include "app/server_client.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "base/strconv.h"
#include "base/time.h"
#include "config/config.h"

namespace vigil::app {

namespace {

constexpr int64_t kRequestTimeoutMs = 150'000;  // past the server's default query timeout (2m)
constexpr uint64_t kMaxBodyBytes = 256ull << 20;

void CollectWarnings(const simdjson::dom::element& doc, std::vector<std::string>* warnings) {
  simdjson::dom::array ws;
  if (warnings == nullptr || doc["warnings"].get(ws) != simdjson::SUCCESS) return;
  for (auto w : ws) {
    std::string_view text;
    if (w.get(text) == simdjson::SUCCESS) warnings->emplace_back(text);
  }
}

Result<model::Labels> ParseMetric(const simdjson::dom::element& item) {
  simdjson::dom::object metric;
  if (item["metric"].get(metric) != simdjson::SUCCESS) return model::Labels();
  std::vector<model::Label> labels;
  for (auto field : metric) {
    std::string_view value;
    if (field.value.get(value) != simdjson::SUCCESS) {
      return Status::Corruption("the server's answer has a label value that is not a string");
    }
    labels.push_back({std::string(field.key), std::string(value)});
  }
  return model::Labels(std::move(labels));
}

double ParseValue(std::string_view v) {
  auto f = ParseGoFloat(v);
  return f.ok() ? *f : NAN;
}

}  // namespace

Result<int64_t> ResolveTime(std::string_view flag, std::string_view text, int64_t now) {
  if (text == "now") return now;
  if (auto d = ParsePromDurationNanos(text); d.ok()) return now - *d / 1'000'000;
  if (auto t = ParseTimestamp(text); t.ok()) return *t;
  return Status::InvalidArgument(fmt::format(
      "--{}: cannot parse {}: use a duration before now (1h, 90m) or a time (RFC 3339, Unix "
      "seconds)",
      flag, GoQuote(text)));
}

std::string FormEncode(const Form& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    for (const std::string* part : {&k, &v}) {
      for (unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out.push_back(static_cast<char>(c));
        } else {
          out += fmt::format("%{:02X}", c);
        }
      }
      if (part == &k) out.push_back('=');
    }
  }
  return out;
}

std::string UnixSeconds(int64_t ms) {
  return fmt::format("{}{}.{:03}", ms < 0 ? "-" : "", std::abs(ms / 1000), std::abs(ms % 1000));
}

Result<ServerClient> ServerClient::New(std::string server) {
  VIGIL_ASSIGN_OR_RETURN(auto client, httpclient::Client::New(config::HTTPClientConfig{}));
  while (server.ends_with("/")) server.pop_back();
  return ServerClient(std::move(server), std::move(client));
}

Result<httpclient::Response> ServerClient::Post(std::string_view path, const Form& form) {
  httpclient::Request req;
  req.method = "POST";
  req.url = base_ + std::string(path);
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = FormEncode(form);
  req.timeout_ms = kRequestTimeoutMs;
  req.max_body_bytes = kMaxBodyBytes;
  return client_->Do(req);
}

Result<httpclient::Response> ServerClient::Get(std::string_view path, const Form& params) {
  httpclient::Request req;
  req.url = Url(path, params);
  req.timeout_ms = kRequestTimeoutMs;
  req.max_body_bytes = kMaxBodyBytes;
  return client_->Do(req);
}

std::string ServerClient::Url(std::string_view path, const Form& params) const {
  std::string url = base_ + std::string(path);
  if (!params.empty()) url += "?" + FormEncode(params);
  return url;
}

std::string ApiError(const httpclient::Response& res) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(res.body).get(doc) == simdjson::SUCCESS) {
    std::string_view type, error;
    if (doc["error"].get(error) == simdjson::SUCCESS) {
      if (doc["errorType"].get(type) != simdjson::SUCCESS) type = "error";
      return fmt::format("{}: {}", type, error);
    }
  }
  std::string body = res.body.substr(0, 500);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return fmt::format("server returned HTTP status {}{}{}", httpclient::StatusText(res.status_code),
                     body.empty() ? "" : ": ", body);
}

Result<std::vector<ParsedSeries>> ParseMatrix(const std::string& body,
                                              std::vector<std::string>* warnings) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array result;
  auto bad = [] { return Status::Corruption("the server's query_range answer is not a matrix"); };
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return bad();
  if (doc["data"]["result"].get(result) != simdjson::SUCCESS) return bad();
  CollectWarnings(doc, warnings);
  std::vector<ParsedSeries> out;
  for (auto item : result) {
    ParsedSeries s;
    VIGIL_ASSIGN_OR_RETURN(s.labels, ParseMetric(item));
    simdjson::dom::array values;
    if (item["values"].get(values) != simdjson::SUCCESS) return bad();
    for (auto pair : values) {
      double t = 0;
      std::string_view v;
      if (pair.at(0).get(t) != simdjson::SUCCESS || pair.at(1).get(v) != simdjson::SUCCESS) {
        return bad();
      }
      s.points.push_back({static_cast<int64_t>(std::llround(t * 1000)), ParseValue(v)});
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ParsedSample>> ParseVector(const std::string& body,
                                              std::vector<std::string>* warnings) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type;
  auto bad = [] { return Status::Corruption("the server's query answer is not a vector"); };
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return bad();
  if (doc["data"]["resultType"].get(type) != simdjson::SUCCESS) return bad();
  CollectWarnings(doc, warnings);
  std::vector<ParsedSample> out;
  if (type == "scalar") {
    std::string_view v;
    if (doc["data"]["result"].at(1).get(v) != simdjson::SUCCESS) return bad();
    out.push_back({model::Labels(), ParseValue(v)});
    return out;
  }
  simdjson::dom::array result;
  if (type != "vector" || doc["data"]["result"].get(result) != simdjson::SUCCESS) return bad();
  for (auto item : result) {
    ParsedSample s;
    VIGIL_ASSIGN_OR_RETURN(s.labels, ParseMetric(item));
    std::string_view v;
    if (item["value"].at(1).get(v) != simdjson::SUCCESS) return bad();
    s.value = ParseValue(v);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vigil::app
