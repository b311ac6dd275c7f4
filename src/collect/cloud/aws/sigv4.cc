#include "collect/cloud/aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "base/ascii.h"
#include "base/time.h"

namespace vigil::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr std::string_view kInvalidToken = "The security token included in the request is invalid.";
constexpr std::string_view kExpiredTokenMessage =
    "The security token included in the request is expired";

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Trims and collapses every run of whitespace (folded lines included) to one space.
std::string NormalizeHeaderValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding; a malformed escape stays as it is.
std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The path as sent, with "." and ".." resolved and empty segments dropped
// (non-S3 rule), each segment encoded again.
std::string CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += UriEncode(segments[i], true);
  }
  if (!segments.empty() && !path.empty() && path.back() == '/') out.push_back('/');
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    params.emplace_back(UriEncode(UriDecode(key), true), UriEncode(UriDecode(value), true));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

const std::string* FindHeader(const SignableRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

void EraseHeader(SignableRequest* req, std::string_view name) {
  auto& h = req->headers;
  h.erase(std::remove_if(h.begin(), h.end(),
                         [&](const auto& kv) { return EqualsIgnoreCase(kv.first, name); }),
          h.end());
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return HexValue(c) >= 0; });
}

VerifyResult Fail(VerifyResult r, VerifyResult::Code code, std::string message) {
  r.code = code;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string AmzDate(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<int64_t> ParseAmzDate(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format("invalid X-Amz-Date {:?}", std::string(s)));
  };
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return bad();
  int v[6];
  const size_t starts[6] = {0, 4, 6, 9, 11, 13};
  const size_t lens[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int n = 0;
    for (size_t j = 0; j < lens[i]; ++j) {
      char c = s[starts[i] + j];
      if (c < '0' || c > '9') return bad();
      n = n * 10 + (c - '0');
    }
    v[i] = n;
  }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60) {
    return bad();
  }
  struct tm tm {};
  tm.tm_year = v[0] - 1900;
  tm.tm_mon = v[1] - 1;
  tm.tm_mday = v[2];
  tm.tm_hour = v[3];
  tm.tm_min = v[4];
  tm.tm_sec = v[5];
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string HexSha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return Hex(out, len);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string k = HmacSha256(fmt::format("AWS4{}", secret), date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

std::string SigningKeyCache::Get(std::string_view secret, std::string_view date,
                                 std::string_view region, std::string_view service) {
  std::string id;
  for (std::string_view part : {secret, date, region, service}) {
    id += part;
    id.push_back('\0');
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
  }
  std::string key = DeriveSigningKey(secret, date, region, service);
  std::lock_guard<std::mutex> l(mu_);
  if (keys_.size() >= kMaxEntries) keys_.clear();  // a new day, or many keys: start over
  keys_.emplace(std::move(id), key);
  return key;
}

SigningKeyCache& SigningKeyCache::Global() {
  static auto* cache = new SigningKeyCache();
  return *cache;
}

Result<SigningParts> ComputeSignature(const SignableRequest& req, const Credentials& creds,
                                      std::string_view region, std::string_view service,
                                      std::string_view amz_date,
                                      const std::vector<std::string>& signed_header_names) {
  if (amz_date.size() < 8) {
    return Status::InvalidArgument(
        fmt::format("SigV4: bad request date {:?}", std::string(amz_date)));
  }
  std::vector<std::string> names;
  if (signed_header_names.empty()) {
    for (const auto& [k, v] : req.headers) names.push_back(ToLower(k));
  } else {
    for (const auto& n : signed_header_names) names.push_back(ToLower(Trim(n)));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());

  SigningParts parts;
  parts.amz_date = std::string(amz_date);
  std::string canonical_headers;
  for (const auto& name : names) {
    if (!parts.signed_headers.empty()) parts.signed_headers.push_back(';');
    parts.signed_headers += name;
    canonical_headers += name;
    canonical_headers.push_back(':');
    bool first = true;
    for (const auto& [k, v] : req.headers) {
      if (!EqualsIgnoreCase(k, name)) continue;
      if (!first) canonical_headers.push_back(',');
      first = false;
      canonical_headers += NormalizeHeaderValue(v);
    }
    canonical_headers.push_back('\n');
  }
  const std::string* content_sha = FindHeader(req, "x-amz-content-sha256");
  std::string payload_hash =
      content_sha != nullptr ? std::string(Trim(*content_sha)) : HexSha256(req.body);

  std::string& creq = parts.canonical_request;
  creq = req.method;
  creq.push_back('\n');
  creq += CanonicalUri(req.path);
  creq.push_back('\n');
  creq += CanonicalQuery(req.query);
  creq.push_back('\n');
  creq += canonical_headers;
  creq.push_back('\n');
  creq += parts.signed_headers;
  creq.push_back('\n');
  creq += payload_hash;

  std::string_view date = amz_date.substr(0, 8);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  parts.string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, HexSha256(creq));
  std::string key = SigningKeyCache::Global().Get(creds.secret_access_key, date, region, service);
  std::string mac = HmacSha256(key, parts.string_to_sign);
  parts.signature = Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  parts.authorization =
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  creds.access_key_id, scope, parts.signed_headers, parts.signature);
  return parts;
}

Result<SigningParts> Sign(SignableRequest* req, const Credentials& creds, const SignOptions& opts) {
  if (opts.region.empty() || opts.service.empty()) {
    return Status::InvalidArgument("SigV4: region and service are required");
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return Status::InvalidArgument("SigV4: credentials have no access key id or secret");
  }
  if (FindHeader(*req, "host") == nullptr) {
    return Status::InvalidArgument("SigV4: the request has no Host header");
  }
  // A retried request is signed afresh.
  EraseHeader(req, "authorization");
  EraseHeader(req, "x-amz-date");
  EraseHeader(req, "x-amz-security-token");
  if (opts.add_content_sha256_header) EraseHeader(req, "x-amz-content-sha256");

  std::string amz_date = AmzDate(opts.now_ms != 0 ? opts.now_ms : NowMillis());
  req->headers.emplace_back("X-Amz-Date", amz_date);
  if (!creds.session_token.empty()) {
    req->headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  if (opts.add_content_sha256_header) {
    req->headers.emplace_back("X-Amz-Content-Sha256", HexSha256(req->body));
  }
  std::vector<std::string> names;
  if (!opts.signed_headers.empty()) {
    names = opts.signed_headers;
    names.emplace_back("host");
    for (const auto& [k, v] : req->headers) {
      std::string lower = ToLower(k);
      if (lower.rfind("x-amz-", 0) == 0) names.push_back(std::move(lower));
    }
  }
  VIGIL_ASSIGN_OR_RETURN(SigningParts parts,
                         ComputeSignature(*req, creds, opts.region, opts.service, amz_date, names));
  req->headers.emplace_back("Authorization", parts.authorization);
  return parts;
}

VerifyResult Verify(const SignableRequest& req, const VerifyOptions& opts) {
  using Code = VerifyResult::Code;
  VerifyResult r;
  const std::string* auth = FindHeader(req, "authorization");
  if (auth == nullptr) {
    return Fail(r, Code::kMissingAuthenticationToken, "Request is missing Authentication Token");
  }
  std::string_view value = Trim(*auth);
  size_t sp = value.find(' ');
  std::string_view algorithm = value.substr(0, sp);
  if (algorithm != kAlgorithm) {
    return Fail(r, Code::kIncompleteSignature,
                fmt::format("Unsupported AWS 'algorithm': '{}'", algorithm));
  }
  std::string_view credential, signed_headers, signature;
  std::string_view rest = sp == std::string_view::npos ? "" : value.substr(sp + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = Trim(item.substr(0, eq)), v = Trim(item.substr(eq + 1));
    if (k == "Credential") credential = v;
    if (k == "SignedHeaders") signed_headers = v;
    if (k == "Signature") signature = v;
  }
  const std::string* amz_date_header = FindHeader(req, "x-amz-date");
  std::string missing;
  if (credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (signed_headers.empty())
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amz_date_header == nullptr) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    return Fail(r, Code::kIncompleteSignature, fmt::format("{}Authorization={}", missing, value));
  }

  std::vector<std::string_view> scope;
  for (size_t pos = 0;;) {
    size_t slash = credential.find('/', pos);
    scope.push_back(credential.substr(pos, slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (scope.size() != 5 || scope[0].empty() || scope[1].empty() || scope[2].empty() ||
      scope[3].empty()) {
    return Fail(r, Code::kIncompleteSignature,
                fmt::format("Credential should be scoped to a valid region, not '{}'. ",
                            scope.size() > 2 ? scope[2] : std::string_view()));
  }
  if (scope[4] != "aws4_request") {
    return Fail(r, Code::kIncompleteSignature,
                fmt::format("Credential should be scoped with a valid terminator: 'aws4_request', "
                            "not '{}'. ",
                            scope[4]));
  }
  r.access_key_id = std::string(scope[0]);
  r.date = std::string(scope[1]);
  r.region = std::string(scope[2]);
  r.service = std::string(scope[3]);

  std::string amz_date(Trim(*amz_date_header));
  Result<int64_t> signed_at = ParseAmzDate(amz_date);
  if (!signed_at.ok()) {
    return Fail(r, Code::kIncompleteSignature,
                fmt::format("Date must be in ISO-8601 'basic format'. Got '{}'. See "
                            "http://en.wikipedia.org/wiki/ISO_8601",
                            amz_date));
  }

  std::string secret = opts.secret_for ? opts.secret_for(r.access_key_id) : std::string();
  if (secret.empty()) return Fail(r, Code::kInvalidClientTokenId, std::string(kInvalidToken));
  if (opts.check_session_token) {
    const std::string* token = FindHeader(req, "x-amz-security-token");
    Code c = opts.check_session_token(r.access_key_id,
                                      token == nullptr ? std::string_view() : Trim(*token));
    if (c == Code::kExpiredToken) return Fail(r, c, std::string(kExpiredTokenMessage));
    if (c != Code::kOk) return Fail(r, Code::kInvalidClientTokenId, std::string(kInvalidToken));
  }

  int64_t now = opts.now_ms != 0 ? opts.now_ms : NowMillis();
  int64_t skew_min = opts.max_skew_ms / 60'000;
  if (*signed_at < now - opts.max_skew_ms) {
    return Fail(r, Code::kRequestExpired,
                fmt::format("Signature expired: {} is now earlier than {} ({} - {} min.)", amz_date,
                            AmzDate(now - opts.max_skew_ms), AmzDate(now), skew_min));
  }
  if (*signed_at > now + opts.max_skew_ms) {
    return Fail(r, Code::kRequestExpired,
                fmt::format("Signature not yet current: {} is still later than {} ({} + {} min.)",
                            amz_date, AmzDate(now + opts.max_skew_ms), AmzDate(now), skew_min));
  }
  if (r.date != amz_date.substr(0, 8)) {
    return Fail(
        r, Code::kSignatureDoesNotMatch,
        fmt::format("Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                    "of date from HTTP: '{}' != '{}', from '{}'.",
                    r.date, amz_date.substr(0, 8), amz_date));
  }

  std::vector<std::string> names;
  bool host_signed = false;
  for (size_t pos = 0; pos <= signed_headers.size();) {
    size_t semi = signed_headers.find(';', pos);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    std::string name = ToLower(Trim(signed_headers.substr(pos, semi - pos)));
    pos = semi + 1;
    if (name.empty()) continue;
    host_signed = host_signed || name == "host";
    names.push_back(std::move(name));
  }
  if (!host_signed) {
    return Fail(r, Code::kSignatureDoesNotMatch,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // A client that states the payload hash (the JS SDK) signs that header; the
  // body must still match it.
  const std::string* content_sha = FindHeader(req, "x-amz-content-sha256");
  if (content_sha != nullptr) {
    std::string stated = ToLower(Trim(*content_sha));
    if (IsLowerHex64(stated) && stated != HexSha256(req.body)) {
      return Fail(r, Code::kSignatureDoesNotMatch, std::string(kSignatureMismatch));
    }
  }
  Credentials creds;
  creds.access_key_id = r.access_key_id;
  creds.secret_access_key = std::move(secret);
  Result<SigningParts> parts = ComputeSignature(req, creds, r.region, r.service, amz_date, names);
  if (!parts.ok() || parts->signature.size() != signature.size() ||
      CRYPTO_memcmp(parts->signature.data(), signature.data(), signature.size()) != 0) {
    return Fail(r, Code::kSignatureDoesNotMatch, std::string(kSignatureMismatch));
  }
  return r;
}

Result<SignableRequest> ParseRawRequest(std::string_view raw) {
  auto next_line = [&raw](std::string_view* line) {
    if (raw.empty()) return false;
    size_t nl = raw.find('\n');
    *line = raw.substr(0, nl);
    raw = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || line.empty()) {
    return Status::InvalidArgument("raw request: no request line");
  }
  size_t first = line.find(' ');
  size_t last = line.rfind(' ');
  if (first == std::string_view::npos) {
    return Status::InvalidArgument("raw request: malformed request line");
  }
  SignableRequest req;
  req.method = std::string(line.substr(0, first));
  std::string_view target =
      last == first ? line.substr(first + 1) : line.substr(first + 1, last - first - 1);
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  while (next_line(&line)) {
    if (line.empty()) break;
    if (IsSpace(line.front())) {
      if (!req.headers.empty()) {
        std::string& v = req.headers.back().second;
        v.push_back(' ');
        v += Trim(line);
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    req.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(Trim(line.substr(colon + 1))));
  }
  req.body = raw;
  return req;
}

}  // namespace vigil::aws
