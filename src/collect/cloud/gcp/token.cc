#include "collect/cloud/gcp/token.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "base/logging.h"
#include "collect/cloud/gcp/json_util.h"

namespace vigil::gcp {

Result<std::string> MakeJwtAssertion(const ServiceAccountKey& key, std::string_view aud,
                                     std::string_view scope, int64_t now_s) {
  std::string header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"";
  if (!key.private_key_id.empty()) {
    header += ",\"kid\":";
    json::AppendString(&header, key.private_key_id);
  }
  header += "}";
  std::string claims = "{\"iss\":";
  json::AppendString(&claims, key.client_email);
  claims += ",\"scope\":";
  json::AppendString(&claims, scope);
  claims += ",\"aud\":";
  json::AppendString(&claims, aud);
  claims += fmt::format(",\"iat\":{},\"exp\":{}}}", now_s, now_s + 3600);
  return SignJwtRS256(header, claims, key.private_key);
}

std::string FormEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string TokenRequestBody(std::string_view assertion) {
  return "grant_type=" + FormEncode(kJwtBearerGrantType) + "&assertion=" + FormEncode(assertion);
}

Result<TokenResponse> ParseTokenResponse(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("token response: invalid JSON: {}", simdjson::error_message(err)));
  }
  if (!doc.is_object()) return Status::InvalidArgument("token response: not a JSON object");
  TokenResponse r;
  r.access_token = json::StringOr(doc, "access_token");
  if (r.access_token.empty()) return Status::InvalidArgument("token response: no access_token");
  r.token_type = json::StringOr(doc, "token_type");
  r.expires_in_s = json::Int64(doc, "expires_in").value_or(0);
  if (r.expires_in_s < 0) r.expires_in_s = 0;
  return r;
}

Result<std::string> ResolveCredentialsFile(const std::string& credentials_file) {
  if (!credentials_file.empty()) return credentials_file;
  const char* env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS");
  if (env && *env) return std::string(env);
  return Status::InvalidArgument(
      "no Google credentials: set credentials_file or $GOOGLE_APPLICATION_CREDENTIALS to a "
      "service-account key file");
}

TokenSource::TokenSource(Options opts, CallContext* ctx) : opts_(std::move(opts)), ctx_(ctx) {}

Status TokenSource::Init() {
  VIGIL_ASSIGN_OR_RETURN(key_, LoadServiceAccountKey(opts_.credentials_file));
  have_key_ = true;
  return Status::OK();
}

Result<std::string> TokenSource::Token(int64_t now_ms) {
  if (!token_.empty() && now_ms < refresh_at_ms_) return token_;
  auto fresh = LoadServiceAccountKey(opts_.credentials_file);
  if (fresh.ok()) {
    key_ = std::move(fresh).value();
    have_key_ = true;
  } else if (!have_key_) {
    return fresh.status();
  } else {
    log::Get("cloud")->warn("gcp: {}; using the key read before", fresh.status().ToString());
  }
  std::string uri = token_uri();
  VIGIL_ASSIGN_OR_RETURN(std::string assertion,
                         MakeJwtAssertion(key_, uri, opts_.scope, now_ms / 1000));
  httpclient::Request req;
  req.method = "POST";
  req.url = uri;
  req.timeout_ms = opts_.request_timeout_ms;
  req.max_body_bytes = 1 << 20;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = TokenRequestBody(assertion);
  ++fetches_;
  VIGIL_ASSIGN_OR_RETURN(httpclient::Response resp, CallWithRetries(*ctx_, req, "token"));
  if (resp.status_code < 200 || resp.status_code >= 300) return HttpError("token", resp);
  auto parsed = ParseTokenResponse(resp.body);
  if (!parsed.ok()) return parsed.status();
  token_ = parsed->access_token;
  // Google answers 3599 s; a server that gives none is assumed to give an hour.
  int64_t ttl_s = parsed->expires_in_s > 0 ? parsed->expires_in_s : 3600;
  expiry_ms_ = now_ms + ttl_s * 1000;
  // Refresh 5 minutes early, or halfway for tokens shorter-lived than 10 minutes.
  refresh_at_ms_ = expiry_ms_ - std::min(opts_.refresh_early_ms, ttl_s * 1000 / 2);
  return token_;
}

}  // namespace vigil::gcp
