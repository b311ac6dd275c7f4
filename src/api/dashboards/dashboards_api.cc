#include "api/dashboards/dashboards_api.h"

#include <simdjson.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "api/response_json.h"
#include "base/file.h"
#include "base/json.h"

namespace vigil::api::dashboards {
namespace {

constexpr std::string_view kPrefix = "/api/v1/dashboards/";
constexpr std::string_view kExt = ".json";

struct Summary {
  std::string title;
  std::vector<std::string> tags;
};

// Checks the shape the UI needs and returns its title and tags, or an error
// message naming what is wrong.
std::string Validate(std::string_view body, std::string_view uid, Summary* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err) {
    return std::string("not valid JSON: ") + simdjson::error_message(err);
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return "a dashboard is a JSON object";
  std::string_view title;
  if (obj["title"].get_string().get(title)) return "a dashboard needs a string \"title\"";
  simdjson::dom::array panels;
  if (obj["panels"].get_array().get(panels)) return "a dashboard needs an array \"panels\"";
  std::string_view own_uid;
  if (!obj["uid"].get_string().get(own_uid) && own_uid != uid) {
    return "the dashboard's \"uid\" (" + std::string(own_uid) +
           ") differs from the one in the URL (" + std::string(uid) + ")";
  }
  if (out != nullptr) {
    out->title = std::string(title);
    simdjson::dom::array tags;
    if (!obj["tags"].get_array().get(tags)) {
      for (simdjson::dom::element t : tags) {
        std::string_view s;
        if (!t.get_string().get(s)) out->tags.emplace_back(s);
      }
    }
  }
  return "";
}

void Error(http::Response& res, int status, std::string_view type, std::string_view message) {
  res.Json(status, ErrorBody(type, message));
}

class Handlers {
 public:
  explicit Handlers(DashboardsApiOptions o) : opts_(std::move(o)) {}

  void List(const http::Request&, http::Response& res) const {
    std::vector<std::string> names;
    if (fs::IsDir(opts_.dir)) {
      auto listed = fs::ListDir(opts_.dir);
      if (!listed.ok()) return Error(res, 500, "internal", listed.status().message());
      names = std::move(*listed);
    }
    std::sort(names.begin(), names.end());
    std::string body = R"({"status":"success","data":[)";
    bool first = true;
    for (const std::string& name : names) {
      if (!name.ends_with(kExt)) continue;
      std::string uid = name.substr(0, name.size() - kExt.size());
      if (!ValidUid(uid)) continue;
      if (!first) body += ',';
      first = false;
      body += R"({"uid":)" + JsonQuote(uid);
      Summary s;
      auto text = fs::ReadFile(fs::Join(opts_.dir, name));
      std::string problem = text.ok() ? Validate(*text, uid, &s) : text.status().message();
      body += R"(,"title":)" + JsonQuote(problem.empty() ? s.title : uid);
      body += R"(,"tags":[)";
      for (size_t i = 0; i < s.tags.size(); ++i) body += (i ? "," : "") + JsonQuote(s.tags[i]);
      body += R"(],"source":"file")";
      // A broken file is listed with its problem instead of vanishing.
      if (!problem.empty()) body += R"(,"error":)" + JsonQuote(problem);
      body += '}';
    }
    body += "]}";
    res.Json(200, std::move(body));
  }

  void One(const http::Request& req, http::Response& res) const {
    std::string_view uid = std::string_view(req.path).substr(kPrefix.size());
    if (!ValidUid(uid)) {
      return Error(res, 400, "bad_data",
                   "a dashboard uid is 1 to 64 letters, digits, '_' or '-', not \"" +
                       std::string(uid) + "\"");
    }
    const std::string file = fs::Join(opts_.dir, std::string(uid) + std::string(kExt));
    if (req.method == "GET") return Get(uid, file, res);
    if (opts_.read_only)
      return Error(res, 403, "forbidden", "dashboards are read-only on this server");
    if (req.method == "DELETE") {
      if (!fs::Exists(file))
        return Error(res, 404, "not_found", "no dashboard \"" + std::string(uid) + "\"");
      if (Status s = fs::RemoveFile(file); !s.ok()) return Error(res, 500, "internal", s.message());
      return res.Json(200, R"({"status":"success","data":{"uid":)" + JsonQuote(uid) + "}}");
    }
    Summary s;
    if (std::string problem = Validate(req.body, uid, &s); !problem.empty()) {
      return Error(res, 400, "bad_data", problem);
    }
    if (Status st = fs::CreateDirs(opts_.dir); !st.ok())
      return Error(res, 500, "internal", st.message());
    if (Status st = fs::WriteFileAtomic(file, req.body); !st.ok()) {
      return Error(res, 500, "internal", st.message());
    }
    res.Json(200, R"({"status":"success","data":{"uid":)" + JsonQuote(uid) + "}}");
  }

 private:
  void Get(std::string_view uid, const std::string& file, http::Response& res) const {
    if (!fs::Exists(file))
      return Error(res, 404, "not_found", "no dashboard \"" + std::string(uid) + "\"");
    auto text = fs::ReadFile(file);
    if (!text.ok()) return Error(res, 500, "internal", text.status().message());
    // The file is spliced into the envelope, so it must be valid JSON.
    if (std::string problem = Validate(*text, uid, nullptr); !problem.empty()) {
      return Error(res, 500, "internal", file + ": " + problem);
    }
    res.Json(200, R"({"status":"success","data":)" + *text + "}");
  }

  const DashboardsApiOptions opts_;
};

}  // namespace

bool ValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  return std::all_of(uid.begin(), uid.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

void RegisterDashboardsApi(http::Router* router, const DashboardsApiOptions& options) {
  auto h = std::make_shared<Handlers>(options);
  router->Handle({"GET"}, "/api/v1/dashboards",
                 [h](const http::Request& req, http::Response& res) { h->List(req, res); });
  http::Route one;
  one.methods = {"GET", "PUT", "DELETE"};
  one.path = std::string(kPrefix);
  one.prefix = true;
  one.name = "/api/v1/dashboards/:uid";
  one.max_body_bytes = options.max_dashboard_bytes;
  one.handler = [h](const http::Request& req, http::Response& res) { h->One(req, res); };
  router->Handle(std::move(one));
}

}  // namespace vigil::api::dashboards
