// The simulator's key material, made with OpenSSL 3 the first time and kept
// in state_dir so that a CA file handed to clients (NODE_EXTRA_CA_CERTS,
// curl --cacert) and a written GCP key file stay valid across restarts.
//
//   ca.pem / ca-key.pem    a self-signed CA (EC P-256, 10 years, CA:TRUE)
//   tls.pem / tls-key.pem  the server certificate for 127.0.0.1 and
//                          localhost (EC P-256, 2 years), signed by the CA;
//                          tls.pem holds the leaf then the CA
//   gcp-key.pem            the GCP service account's RSA-2048 key, PKCS#8
//   gcp-key-id             its key id (40 hex digits), the JWT "kid"
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <string>

#include "base/file.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

constexpr int64_t kDaySeconds = 24 * 3600;

Status OpenSslError(std::string_view what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return Status::Internal(fmt::format("{}: {}", what, buf));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Result<std::string> KeyPem(EVP_PKEY* key, bool public_only) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = public_only
               ? PEM_write_bio_PUBKEY(bio.get(), key)
               // PKCS#8 ("BEGIN PRIVATE KEY"), as Google's key files hold.
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (ok != 1) return OpenSslError("writing a key");
  return BioText(bio.get());
}

Result<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("writing a certificate");
  return BioText(bio.get());
}

Result<PkeyPtr> ReadKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError("reading a private key");
  return key;
}

Result<X509Ptr> ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return OpenSslError("reading a certificate");
  return cert;
}

Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return OpenSslError(fmt::format("certificate extension {}", value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("adding a certificate extension");
  return Status::OK();
}

// A random positive 128-bit serial number (RFC 5280 asks for unique ones;
// browsers and curl dislike reused serials from the same issuer).
Status SetRandomSerial(X509* cert) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1) return OpenSslError("random serial");
  raw[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(raw, sizeof(raw), nullptr);
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  return serial != nullptr ? Status::OK() : OpenSslError("random serial");
}

Status SetName(X509_NAME* name, const char* common_name) {
  auto add = [&](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1, 0);
  };
  if (add("O", "Vigil cloudsim") != 1 || add("CN", common_name) != 1) {
    return OpenSslError("certificate name");
  }
  return Status::OK();
}

// A certificate for key, valid from an hour ago for `days`, signed by
// issuer_key (self-signed when issuer is null).
Result<X509Ptr> MakeCert(EVP_PKEY* key, const char* common_name, int64_t days, X509* issuer,
                         EVP_PKEY* issuer_key, bool is_ca) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return OpenSslError("new certificate");
  if (Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * kDaySeconds);
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("certificate key");
  if (Status s = SetName(X509_get_subject_name(cert.get()), common_name); !s.ok()) return s;
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) {
    return OpenSslError("certificate issuer");
  }
  // subjectKeyIdentifier first: authorityKeyIdentifier of a self-signed
  // certificate is computed from it.
  Status s = AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (s.ok()) s = AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    if (s.ok()) s = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    if (s.ok()) {
      s = AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
  } else {
    if (s.ok()) s = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    if (s.ok()) {
      s = AddExtension(cert.get(), signer, NID_key_usage,
                       "critical,digitalSignature,keyEncipherment");
    }
    if (s.ok()) s = AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    if (s.ok()) {
      s = AddExtension(cert.get(), signer, NID_subject_alt_name,
                       "IP:127.0.0.1,IP:::1,DNS:localhost");
    }
  }
  if (!s.ok()) return s;
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return OpenSslError("signing");
  return cert;
}

Status WriteSecret(const std::string& path, const std::string& data) {
  if (Status s = fs::WriteFileAtomic(path, data); !s.ok()) return s;
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno("chmod " + path, errno);
  return Status::OK();
}

Status Create(Keys* k, std::string* ca_key_pem) {
  PkeyPtr ca_key(EVP_EC_gen("P-256"));
  PkeyPtr tls_key(EVP_EC_gen("P-256"));
  PkeyPtr gcp_key(EVP_RSA_gen(2048));
  if (!ca_key || !tls_key || !gcp_key) return OpenSslError("generating keys");
  VIGIL_ASSIGN_OR_RETURN(X509Ptr ca, MakeCert(ca_key.get(), "Vigil cloudsim CA", 3653, nullptr,
                                              ca_key.get(), /*is_ca=*/true));
  VIGIL_ASSIGN_OR_RETURN(X509Ptr leaf, MakeCert(tls_key.get(), "localhost", 730, ca.get(),
                                                ca_key.get(), /*is_ca=*/false));
  VIGIL_ASSIGN_OR_RETURN(*ca_key_pem, KeyPem(ca_key.get(), false));
  VIGIL_ASSIGN_OR_RETURN(k->ca_cert_pem, CertPem(ca.get()));
  VIGIL_ASSIGN_OR_RETURN(std::string leaf_pem, CertPem(leaf.get()));
  k->tls_cert_pem = leaf_pem + k->ca_cert_pem;
  VIGIL_ASSIGN_OR_RETURN(k->tls_key_pem, KeyPem(tls_key.get(), false));
  VIGIL_ASSIGN_OR_RETURN(k->gcp_private_key_pem, KeyPem(gcp_key.get(), false));
  VIGIL_ASSIGN_OR_RETURN(k->gcp_public_key_pem, KeyPem(gcp_key.get(), true));
  unsigned char id[20];
  if (RAND_bytes(id, sizeof(id)) != 1) return OpenSslError("key id");
  k->gcp_private_key_id.clear();
  for (unsigned char c : id) k->gcp_private_key_id += fmt::format("{:02x}", c);
  return Status::OK();
}

}  // namespace

Status LoadOrCreateKeys(const std::string& state_dir, Keys* keys) {
  const std::string ca_path = state_dir + "/ca.pem";
  const std::string ca_key_path = state_dir + "/ca-key.pem";
  const std::string tls_path = state_dir + "/tls.pem";
  const std::string tls_key_path = state_dir + "/tls-key.pem";
  const std::string gcp_key_path = state_dir + "/gcp-key.pem";
  const std::string gcp_id_path = state_dir + "/gcp-key-id";

  struct stat st;
  if (::stat(ca_path.c_str(), &st) == 0) {
    auto ca = fs::ReadFile(ca_path);
    if (!ca.ok()) return ca.status();
    Keys k;
    k.ca_cert_pem = std::move(ca).value();
    auto tls = fs::ReadFile(tls_path);
    auto tls_key = fs::ReadFile(tls_key_path);
    auto gcp_key = fs::ReadFile(gcp_key_path);
    auto gcp_id = fs::ReadFile(gcp_id_path);
    for (const auto* r : {&tls, &tls_key, &gcp_key, &gcp_id}) {
      if (!r->ok()) return r->status().WithContext("cloudsim keys in " + state_dir);
    }
    k.tls_cert_pem = std::move(tls).value();
    k.tls_key_pem = std::move(tls_key).value();
    k.gcp_private_key_pem = std::move(gcp_key).value();
    k.gcp_private_key_id = std::move(gcp_id).value();
    while (!k.gcp_private_key_id.empty() &&
           (k.gcp_private_key_id.back() == '\n' || k.gcp_private_key_id.back() == '\r')) {
      k.gcp_private_key_id.pop_back();
    }
    // The files must still parse; the public key is derived, not stored.
    if (auto c = ReadCert(k.ca_cert_pem); !c.ok()) return c.status().WithContext(ca_path);
    if (auto c = ReadCert(k.tls_cert_pem); !c.ok()) return c.status().WithContext(tls_path);
    if (auto t = ReadKey(k.tls_key_pem); !t.ok()) return t.status().WithContext(tls_key_path);
    auto gcp = ReadKey(k.gcp_private_key_pem);
    if (!gcp.ok()) return gcp.status().WithContext(gcp_key_path);
    VIGIL_ASSIGN_OR_RETURN(k.gcp_public_key_pem, KeyPem(gcp->get(), true));
    *keys = std::move(k);
    return Status::OK();
  }
  if (errno != ENOENT) return Status::FromErrno("stat " + ca_path, errno);

  if (Status s = fs::CreateDirs(state_dir); !s.ok()) return s;
  Keys k;
  std::string ca_key_pem;
  if (Status s = Create(&k, &ca_key_pem); !s.ok()) return s;
  // The CA key is kept so the state dir is complete (the leaf could be
  // reissued under the same CA); nothing reads it back today.
  if (Status s = WriteSecret(ca_key_path, ca_key_pem); !s.ok()) return s;
  if (Status s = WriteSecret(tls_key_path, k.tls_key_pem); !s.ok()) return s;
  if (Status s = WriteSecret(gcp_key_path, k.gcp_private_key_pem); !s.ok()) return s;
  if (Status s = WriteSecret(gcp_id_path, k.gcp_private_key_id + "\n"); !s.ok()) return s;
  if (Status s = fs::WriteFileAtomic(tls_path, k.tls_cert_pem); !s.ok()) return s;
  // ca.pem last: its presence means the set is complete.
  if (Status s = fs::WriteFileAtomic(ca_path, k.ca_cert_pem); !s.ok()) return s;
  *keys = std::move(k);
  return Status::OK();
}

}  // namespace vigil::cloudsim
