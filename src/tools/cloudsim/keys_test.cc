#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "base/file.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-keys-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)fs::RemoveAll(dir_); }
  std::string dir_;
};

X509* ReadCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return x;
}

TEST_F(KeysTest, CreatedKeysAreReloadedByteForByte) {
  Keys a;
  ASSERT_TRUE(LoadOrCreateKeys(dir_ + "/state", &a).ok());
  EXPECT_NE(a.ca_cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(a.gcp_private_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);  // PKCS#8
  EXPECT_NE(a.gcp_public_key_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_EQ(a.gcp_private_key_id.size(), 40u);
  EXPECT_EQ(a.gcp_private_key_id.find_first_not_of("0123456789abcdef"), std::string::npos);

  Keys b;
  ASSERT_TRUE(LoadOrCreateKeys(dir_ + "/state", &b).ok());
  EXPECT_EQ(a.ca_cert_pem, b.ca_cert_pem);
  EXPECT_EQ(a.tls_cert_pem, b.tls_cert_pem);
  EXPECT_EQ(a.tls_key_pem, b.tls_key_pem);
  EXPECT_EQ(a.gcp_private_key_pem, b.gcp_private_key_pem);
  EXPECT_EQ(a.gcp_public_key_pem, b.gcp_public_key_pem);
  EXPECT_EQ(a.gcp_private_key_id, b.gcp_private_key_id);
}

TEST_F(KeysTest, PrivateKeyFilesAreOwnerOnly) {
  Keys k;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &k).ok());
  for (const char* f : {"ca-key.pem", "tls-key.pem", "gcp-key.pem"}) {
    struct stat st;
    ASSERT_EQ(::stat((dir_ + "/" + f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
}

TEST_F(KeysTest, ServerCertificateVerifiesAgainstTheCaForLocalhostAndLoopback) {
  Keys k;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &k).ok());
  X509* ca = ReadCert(k.ca_cert_pem);
  X509* leaf = ReadCert(k.tls_cert_pem);  // the first certificate of the chain
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(leaf, nullptr);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set1_host(param, "localhost", 0);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);

  EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(leaf, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_NE(X509_get0_subject_key_id(leaf), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(leaf), nullptr);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER);

  // The TLS key is the certificate's.
  BIO* bio = BIO_new_mem_buf(k.tls_key_pem.data(), static_cast<int>(k.tls_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(leaf, key), 1);
  EVP_PKEY_free(key);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
}

TEST_F(KeysTest, CorruptStateIsReportedNotReplaced) {
  Keys k;
  ASSERT_TRUE(LoadOrCreateKeys(dir_, &k).ok());
  ASSERT_TRUE(fs::WriteFileAtomic(dir_ + "/gcp-key.pem", "garbage").ok());
  Keys again;
  EXPECT_FALSE(LoadOrCreateKeys(dir_, &again).ok());
  auto ca = fs::ReadFile(dir_ + "/ca.pem");
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(*ca, k.ca_cert_pem);
}

}  // namespace
}  // namespace vigil::cloudsim
