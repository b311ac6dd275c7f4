#include "collect/cloud/gcp/jwt.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "base/file.h"
#include "collect/cloud/gcp/json_util.h"

namespace vigil::gcp {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The OpenSSL error queue as one line, and cleared.
std::string OpenSslError() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

// Never prompt for a passphrase (an encrypted key is an error, not a TTY read).
int NoPassword(char*, int, int, void*) { return 0; }

BioPtr MemBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

Result<PkeyPtr> LoadPrivateKey(std::string_view pem) {
  BioPtr bio = MemBio(pem);
  if (!bio) return Status::Internal("BIO_new_mem_buf failed");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassword, nullptr));
  if (!key) return Status::InvalidArgument("cannot read private key PEM: " + OpenSslError());
  if (!EVP_PKEY_is_a(key.get(), "RSA")) {
    return Status::InvalidArgument("private key is not an RSA key");
  }
  return key;
}

Result<PkeyPtr> LoadVerifyKey(std::string_view pem) {
  PkeyPtr key;
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    BioPtr bio = MemBio(pem);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, &NoPassword, nullptr));
    if (cert) key.reset(X509_get_pubkey(cert.get()));
  } else if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    BioPtr bio = MemBio(pem);
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassword, nullptr));
  } else {
    BioPtr bio = MemBio(pem);
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, &NoPassword, nullptr));
  }
  if (!key) return Status::InvalidArgument("cannot read public key PEM: " + OpenSslError());
  if (!EVP_PKEY_is_a(key.get(), "RSA")) return Status::InvalidArgument("key is not an RSA key");
  return key;
}

bool IsUrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<simdjson::dom::element> ParseObject(simdjson::dom::parser& parser, std::string_view text,
                                           std::string_view what) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("{}: invalid JSON: {}", what, simdjson::error_message(err)));
  }
  if (!doc.is_object()) return Status::InvalidArgument(fmt::format("{}: not a JSON object", what));
  return doc;
}

}  // namespace

std::string Base64UrlEncode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string_view body = text.substr(0, text.size() - pad);
  if (pad > 2 || (pad > 0 && text.size() % 4 != 0)) {
    return Status::InvalidArgument("illegal base64url padding");
  }
  if (body.size() % 4 == 1) return Status::InvalidArgument("illegal base64url length");
  std::string std_alpha;
  std_alpha.reserve(body.size() + 3);
  for (char c : body) {
    if (!IsUrlChar(c)) return Status::InvalidArgument("illegal base64url character");
    std_alpha.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  size_t missing = (4 - std_alpha.size() % 4) % 4;
  std_alpha.append(missing, '=');
  if (std_alpha.empty()) return std::string();
  std::string out(std_alpha.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(std_alpha.data()),
                          static_cast<int>(std_alpha.size()));
  if (n < 0) return Status::InvalidArgument("illegal base64url data");
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<size_t>(n) - missing);
  return out;
}

Result<std::string> SignJwtRS256(std::string_view header_json, std::string_view claims_json,
                                 std::string_view private_key_pem) {
  VIGIL_ASSIGN_OR_RETURN(PkeyPtr key, LoadPrivateKey(private_key_pem));
  std::string signing_input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(claims_json);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("RS256 signing failed: " + OpenSslError());
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Status::Internal("RS256 signing failed: " + OpenSslError());
  }
  sig.resize(sig_len);
  return signing_input + "." + Base64UrlEncode(sig);
}

Status VerifyJwtRS256(std::string_view jwt, std::string_view key_pem, std::string* header_json,
                      std::string* claims_json) {
  size_t d1 = jwt.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string_view::npos || jwt.find('.', d2 + 1) != std::string_view::npos) {
    return Status::InvalidArgument("malformed JWT: want 3 dot-separated parts");
  }
  auto header = Base64UrlDecode(jwt.substr(0, d1));
  auto claims = Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1));
  auto sig = Base64UrlDecode(jwt.substr(d2 + 1));
  if (!header.ok())
    return Status::InvalidArgument("malformed JWT header: " + header.status().message());
  if (!claims.ok())
    return Status::InvalidArgument("malformed JWT claims: " + claims.status().message());
  if (!sig.ok())
    return Status::InvalidArgument("malformed JWT signature: " + sig.status().message());
  auto h = ParseJwtHeader(*header);
  if (!h.ok()) return Status::InvalidArgument("malformed JWT: " + h.status().message());
  if (h->alg != "RS256") {
    return Status::InvalidArgument(fmt::format("unsupported JWT alg \"{}\", want RS256", h->alg));
  }
  auto key = LoadVerifyKey(key_pem);
  if (!key.ok()) return key.status();
  // The signature covers the first two parts exactly as sent (padded or not).
  std::string_view signed_part = jwt.substr(0, d2);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1) {
    return Status::Internal("RS256 verify setup failed: " + OpenSslError());
  }
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                            sig->size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size());
  ERR_clear_error();
  if (rc != 1) return Status::InvalidArgument("invalid JWT signature");
  if (header_json) *header_json = std::move(*header);
  if (claims_json) *claims_json = std::move(*claims);
  return Status::OK();
}

Result<JwtHeader> ParseJwtHeader(std::string_view header_json) {
  simdjson::dom::parser parser;
  VIGIL_ASSIGN_OR_RETURN(auto doc, ParseObject(parser, header_json, "JWT header"));
  JwtHeader h;
  h.alg = json::StringOr(doc, "alg");
  h.typ = json::StringOr(doc, "typ");
  h.kid = json::StringOr(doc, "kid");
  return h;
}

Result<JwtClaims> ParseJwtClaims(std::string_view claims_json) {
  simdjson::dom::parser parser;
  VIGIL_ASSIGN_OR_RETURN(auto doc, ParseObject(parser, claims_json, "JWT claims"));
  JwtClaims c;
  c.iss = json::StringOr(doc, "iss");
  c.sub = json::StringOr(doc, "sub");
  c.scope = json::StringOr(doc, "scope");
  if (auto aud = json::Field(doc, "aud")) {
    std::string_view s;
    simdjson::dom::array arr;
    if (aud->get(s) == simdjson::SUCCESS) {
      c.aud = std::string(s);
    } else if (aud->get(arr) == simdjson::SUCCESS && arr.size() > 0 &&
               arr.at(0).get(s) == simdjson::SUCCESS) {
      c.aud = std::string(s);
    }
  }
  c.iat = json::Int64(doc, "iat").value_or(0);
  c.exp = json::Int64(doc, "exp").value_or(0);
  return c;
}

Result<ServiceAccountKey> ParseServiceAccountKey(std::string_view text) {
  simdjson::dom::parser parser;
  VIGIL_ASSIGN_OR_RETURN(auto doc, ParseObject(parser, text, "service account key"));
  ServiceAccountKey k;
  k.type = json::StringOr(doc, "type");
  if (k.type != "service_account") {
    return Status::InvalidArgument(
        fmt::format("service account key: type is \"{}\", want \"service_account\"", k.type));
  }
  k.project_id = json::StringOr(doc, "project_id");
  k.private_key_id = json::StringOr(doc, "private_key_id");
  k.private_key = json::StringOr(doc, "private_key");
  k.client_email = json::StringOr(doc, "client_email");
  k.client_id = json::StringOr(doc, "client_id");
  k.token_uri = json::StringOr(doc, "token_uri", "https://oauth2.googleapis.com/token");
  if (k.token_uri.empty()) k.token_uri = "https://oauth2.googleapis.com/token";
  if (k.client_email.empty())
    return Status::InvalidArgument("service account key: no client_email");
  if (k.private_key.empty()) return Status::InvalidArgument("service account key: no private_key");
  return k;
}

Result<ServiceAccountKey> LoadServiceAccountKey(const std::string& path) {
  auto text = fs::ReadFile(path);
  if (!text.ok()) return text.status().WithContext("reading credentials file " + path);
  auto key = ParseServiceAccountKey(*text);
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

std::string ServiceAccountKeyToJson(const ServiceAccountKey& k) {
  std::string out = "{\n";
  auto field = [&out](std::string_view name, std::string_view value, bool last = false) {
    out += "  ";
    json::AppendString(&out, name);
    out += ": ";
    json::AppendString(&out, value);
    out += last ? "\n" : ",\n";
  };
  field("type", k.type);
  field("project_id", k.project_id);
  field("private_key_id", k.private_key_id);
  field("private_key", k.private_key);
  field("client_email", k.client_email);
  field("client_id", k.client_id);
  field("auth_uri", "https://accounts.google.com/o/oauth2/auth");
  field("token_uri", k.token_uri, true);
  out += "}\n";
  return out;
}

Result<RsaKeyPair> GenerateRsaKeyPair(int bits) {
  PkeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) return Status::Internal("EVP_RSA_gen failed: " + OpenSslError());
  RsaKeyPair out;
  auto write = [](auto&& fn) -> Result<std::string> {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || fn(bio.get()) != 1) return Status::Internal("PEM write failed: " + OpenSslError());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
  };
  VIGIL_ASSIGN_OR_RETURN(out.private_key_pem, write([&](BIO* b) {
                           return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0,
                                                           nullptr, nullptr);
                         }));
  VIGIL_ASSIGN_OR_RETURN(out.public_key_pem,
                         write([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key.get()); }));
  return out;
}

}  // namespace vigil::gcp
