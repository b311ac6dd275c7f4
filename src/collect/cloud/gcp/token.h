// The OAuth access token of a Google service account (RFC 7523 JWT-bearer
// grant, as google-auth does it): a JWT with iss = client_email, scope =
// monitoring.read, aud = token_uri, iat, exp = iat + 3600, signed RS256
// with the key file's private key, POSTed as
// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>
// to token_uri (the config's token_uri overrides the key file's); the
// answer's access_token is cached until 5 minutes before expires_in runs out.
//
// The key comes from credentials_file, else $GOOGLE_APPLICATION_CREDENTIALS
// (service-account keys only: gcloud user credentials and the GCE metadata
// server are not supported). The file is re-read at each refresh so a
// rotated key is picked up; if it cannot be read then, the last good key is
// used.
//
// Thread-safety: a TokenSource belongs to one thread (the poll thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "collect/cloud/gcp/api_call.h"
#include "collect/cloud/gcp/jwt.h"

namespace vigil::gcp {

inline constexpr char kMonitoringReadScope[] = "https://www.googleapis.com/auth/monitoring.read";
inline constexpr char kJwtBearerGrantType[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// The signed assertion: header {"alg":"RS256","typ":"JWT","kid":<private_key_id>}
// (no kid when the key has none), claims {iss, scope, aud, iat, exp}.
Result<std::string> MakeJwtAssertion(const ServiceAccountKey& key, std::string_view aud,
                                     std::string_view scope, int64_t now_s);
// The form body of the token request.
std::string TokenRequestBody(std::string_view assertion);
// application/x-www-form-urlencoded / RFC 3986 percent-encoding: all but
// A-Z a-z 0-9 - . _ ~ as %XX.
std::string FormEncode(std::string_view s);

struct TokenResponse {
  std::string access_token;
  int64_t expires_in_s = 0;  // 0 when absent
  std::string token_type;
};
// Requires access_token; expires_in may be a number or a numeric string.
Result<TokenResponse> ParseTokenResponse(std::string_view body);

// credentials_file, else $GOOGLE_APPLICATION_CREDENTIALS; error when neither.
Result<std::string> ResolveCredentialsFile(const std::string& credentials_file);

class TokenSource {
 public:
  struct Options {
    std::string credentials_file;  // resolved path
    std::string token_uri;         // override; "" = the key file's
    std::string scope = kMonitoringReadScope;
    int64_t refresh_early_ms = 5 * 60 * 1000;
    int64_t request_timeout_ms = 30'000;
  };
  // ctx must outlive the TokenSource.
  TokenSource(Options opts, CallContext* ctx);

  // Loads the key file (an error here is a configuration error).
  Status Init();
  // A valid access token at wall-clock now_ms, fetching one when there is
  // none or it expires within refresh_early_ms (half its lifetime for
  // tokens shorter-lived than twice that).
  Result<std::string> Token(int64_t now_ms);
  // Forgets the cached token (after a 401), so the next Token fetches.
  void Invalidate() { token_.clear(); }

  int fetches() const { return fetches_; }
  int64_t expiry_ms() const { return expiry_ms_; }
  const ServiceAccountKey& key() const { return key_; }
  std::string token_uri() const {
    return opts_.token_uri.empty() ? key_.token_uri : opts_.token_uri;
  }

 private:
  Options opts_;
  CallContext* ctx_;
  ServiceAccountKey key_;
  bool have_key_ = false;
  std::string token_;
  int64_t expiry_ms_ = 0;
  int64_t refresh_at_ms_ = 0;
  int fetches_ = 0;
};

}  // namespace vigil::gcp
