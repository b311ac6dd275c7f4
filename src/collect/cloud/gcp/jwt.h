// JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 over SHA-256), as a
// Google service account uses them, both sides: the collector signs the
// OAuth assertion of the JWT-bearer grant with the key file's private key;
// the cloud simulator verifies what it receives (our assertion, the padded
// assertion python-google-auth sends, and the self-signed bearer JWT the
// Node client sends instead of exchanging it). Also the service-account key
// file (its JSON) and an RSA key generator for tests and the simulator.
//
// Owner: the gcp collector (src/collect/cloud/gcp). Public API: the
// simulator depends on it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace vigil::gcp {

// base64url (RFC 4648 §5) without '=' padding, as JWTs are written.
std::string Base64UrlEncode(std::string_view data);
// base64url with or without '=' padding (python-google-auth pads). Refuses
// the standard alphabet's '+' and '/', whitespace, and misplaced padding.
Result<std::string> Base64UrlDecode(std::string_view text);

// "<b64url(header)>.<b64url(claims)>.<b64url(signature)>", the JSON texts
// encoded as given. private_key_pem: PKCS#8 ("BEGIN PRIVATE KEY", as in
// service-account key files) or PKCS#1 ("BEGIN RSA PRIVATE KEY"); must be
// RSA and unencrypted.
Result<std::string> SignJwtRS256(std::string_view header_json, std::string_view claims_json,
                                 std::string_view private_key_pem);

// Checks that `jwt` has three base64url parts (padding allowed), that its
// header says "alg":"RS256" and that the signature over the first two parts
// as sent verifies with `key_pem` (a "PUBLIC KEY", an X.509 "CERTIFICATE" or
// a private key, whose public half is used). On success fills the decoded
// header and claims JSON (either pointer may be null). Claims (exp, aud,
// scope) are the caller's to judge: see ParseJwtClaims. Errors are
// InvalidArgument ("malformed JWT: ...", "invalid JWT signature").
Status VerifyJwtRS256(std::string_view jwt, std::string_view key_pem, std::string* header_json,
                      std::string* claims_json);

struct JwtHeader {
  std::string alg, typ, kid;
};
Result<JwtHeader> ParseJwtHeader(std::string_view header_json);

// The registered claims a Google service-account JWT carries. `aud` may be
// absent (the Node client's self-signed JWT has none); an array `aud` gives
// its first element. iat/exp are seconds since the epoch (0 when absent).
struct JwtClaims {
  std::string iss, sub, aud, scope;
  int64_t iat = 0;
  int64_t exp = 0;
};
Result<JwtClaims> ParseJwtClaims(std::string_view claims_json);

// A service-account key file ("type": "service_account").
struct ServiceAccountKey {
  std::string type = "service_account";
  std::string project_id;
  std::string private_key_id;  // the JWT "kid"
  std::string private_key;     // PEM
  std::string client_email;
  std::string client_id;
  std::string token_uri = "https://oauth2.googleapis.com/token";
};
// Requires type "service_account", client_email and private_key; token_uri
// defaults to Google's.
Result<ServiceAccountKey> ParseServiceAccountKey(std::string_view json);
// ParseServiceAccountKey of a file; errors name the path.
Result<ServiceAccountKey> LoadServiceAccountKey(const std::string& path);
// The key file's JSON (the fields above, plus auth_uri etc. as Google writes).
std::string ServiceAccountKeyToJson(const ServiceAccountKey& key);

struct RsaKeyPair {
  std::string private_key_pem;  // PKCS#8
  std::string public_key_pem;   // SubjectPublicKeyInfo
};
Result<RsaKeyPair> GenerateRsaKeyPair(int bits = 2048);

}  // namespace vigil::gcp
