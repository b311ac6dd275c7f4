// AWS Signature Version 4 (AWS4-HMAC-SHA256, header form), both sides:
// Sign adds X-Amz-Date, X-Amz-Security-Token and Authorization to a request
// the CloudWatch collector sends; Verify checks a request the cloud simulator
// receives, as AWS does: over exactly the headers the client listed in
// SignedHeaders, with the payload hash recomputed from the body (or taken
// from x-amz-content-sha256 when the client sent it), and the clock-skew
// window. Passes the 34 cases of the SigV4 suite
// (../shared/conformance/sigv4; ctest -R sigv4_conformance).
//
// Thread-safety: pure functions; SigningKeyCache is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vigil::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials; "" otherwise
  int64_t expiration_ms = 0;  // 0: does not expire
  std::string source;         // "config", "environment", "shared-credentials-file", "imds", ...
};

// The request as it goes on the wire. Header names keep their case; the
// signer lower-cases them for the canonical form. Repeated names are allowed.
struct SignableRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // as sent, percent-encoded as on the wire, e.g. "/" or "/a%20b"
  std::string query;   // raw query string without '?', as on the wire
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
  std::string_view body;
};

struct SignOptions {
  std::string region;
  std::string service;  // "monitoring", "logs", "tagging", "sts"
  int64_t now_ms = 0;   // 0: the system clock
  // Names (lower-case) of headers to sign besides host and x-amz-*; by
  // default every header in the request is signed (what botocore does for
  // the headers it sets). Leave empty to sign all.
  std::vector<std::string> signed_headers;
  bool add_content_sha256_header = false;  // x-amz-content-sha256 (S3-style; JS SDK sends it)
};

// The intermediate forms, for tests and for the simulator's error messages
// (AWS answers SignatureDoesNotMatch with the canonical request it computed).
struct SigningParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;       // lower-case hex
  std::string authorization;   // the full Authorization header value
  std::string amz_date;        // 20150830T123600Z
  std::string signed_headers;  // "host;x-amz-date"
};

// Computes the canonical request, string to sign and signature of `req` as it
// stands (it must already carry X-Amz-Date and, if any, the security token).
// signed_header_names: lower-case, any order; empty = every header of req.
Result<SigningParts> ComputeSignature(const SignableRequest& req, const Credentials& creds,
                                      std::string_view region, std::string_view service,
                                      std::string_view amz_date,
                                      const std::vector<std::string>& signed_header_names = {});

// Adds X-Amz-Date (and X-Amz-Security-Token, x-amz-content-sha256 as
// configured) to req.headers, then Authorization. Returns the parts.
Result<SigningParts> Sign(SignableRequest* req, const Credentials& creds, const SignOptions& opts);

// What Verify found, in the words AWS uses.
struct VerifyResult {
  enum class Code {
    kOk,
    kMissingAuthenticationToken,  // no Authorization header (403 MissingAuthenticationToken)
    kIncompleteSignature,         // malformed Authorization (400 IncompleteSignature)
    kInvalidClientTokenId,        // unknown access key (403 InvalidClientTokenId)
    kSignatureDoesNotMatch,       // 403 SignatureDoesNotMatch
    kRequestExpired,              // X-Amz-Date outside the skew window (400/403 RequestExpired)
    kExpiredToken,                // session token expired (400 ExpiredToken)
  };
  Code code = Code::kOk;
  std::string message;                               // AWS's message text for the code
  std::string access_key_id, region, service, date;  // from the Credential scope
};

// Looks up a secret by access key id ("" when unknown).
struct VerifyOptions {
  std::function<std::string(std::string_view access_key_id)> secret_for;
  int64_t now_ms = 0;                 // 0: the system clock
  int64_t max_skew_ms = 15 * 60'000;  // AWS allows 15 minutes
  // Optional: judges the X-Amz-Security-Token the request carries ("" when
  // none) for its access key: kOk, kInvalidClientTokenId or kExpiredToken.
  // Unset: tokens are not checked (only signed, when the client signs them).
  std::function<VerifyResult::Code(std::string_view access_key_id, std::string_view session_token)>
      check_session_token;
};

// Order of checks: Authorization present and well-formed, X-Amz-Date, known
// key, session token, clock skew, scope date = X-Amz-Date's date, host
// signed, a stated x-amz-content-sha256 equal to the body's hash, signature.
// Only the header form; presigned URLs (X-Amz-Signature in the query) are
// answered kMissingAuthenticationToken.
VerifyResult Verify(const SignableRequest& req, const VerifyOptions& opts);

// A raw HTTP/1.1 request as the capture files and the SigV4 suite hold it
// (request line, header lines with CRLF or LF, folded continuation lines
// joined with a space, an empty line, the body: the rest of the input). The
// request line is split on its first and LAST space, so a raw space in the
// path survives. The returned request's body views `raw`.
Result<SignableRequest> ParseRawRequest(std::string_view raw);

// The derived key kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date),
// region), service), "aws4_request"), 32 raw bytes.
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);

// Derived keys by (secret, date, region, service); bounded, thread-safe.
// ComputeSignature uses one process-wide instance.
class SigningKeyCache {
 public:
  std::string Get(std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service);
  static SigningKeyCache& Global();

 private:
  static constexpr size_t kMaxEntries = 256;
  std::mutex mu_;
  std::map<std::string, std::string> keys_;  // by the four inputs, NUL-joined
};

// Helpers used by both sides.
std::string AmzDate(int64_t ms);  // "20150830T123600Z"
// "20150830T123600Z" -> ms since the epoch; error when malformed.
Result<int64_t> ParseAmzDate(std::string_view amz_date);
std::string HexSha256(std::string_view data);
// RFC 3986 unreserved-only percent-encoding with upper-case hex (SigV4's rule).
std::string UriEncode(std::string_view s, bool encode_slash);

}  // namespace vigil::aws
