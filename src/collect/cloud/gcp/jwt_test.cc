#include "collect/cloud/gcp/jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "collect/cloud/gcp/test_util.h"

namespace vigil::gcp {
namespace {

using testing::OtherKey;
using testing::TestKey;

TEST(Base64Url, EncodesWithUrlAlphabetAndNoPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xfe"), "-__-");
  EXPECT_EQ(Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})"),
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9");
}

TEST(Base64Url, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(*Base64UrlDecode("Zg"), "f");
  EXPECT_EQ(*Base64UrlDecode("Zg=="), "f");
  EXPECT_EQ(*Base64UrlDecode("Zm8="), "fo");
  EXPECT_EQ(*Base64UrlDecode("Zm9v"), "foo");
  EXPECT_EQ(*Base64UrlDecode("-__-"), "\xfb\xff\xfe");
  EXPECT_EQ(*Base64UrlDecode(""), "");
  for (int n = 0; n < 40; ++n) {
    std::string raw;
    for (int i = 0; i < n; ++i) raw.push_back(static_cast<char>(i * 37 + 11));
    auto back = Base64UrlDecode(Base64UrlEncode(raw));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, raw) << n;
  }
}

TEST(Base64Url, RefusesStandardAlphabetWhitespaceAndBadPadding) {
  EXPECT_FALSE(Base64UrlDecode("+//+").ok());
  EXPECT_FALSE(Base64UrlDecode("Zm9v\n").ok());
  EXPECT_FALSE(Base64UrlDecode("Zg=").ok());    // padded but not to 4
  EXPECT_FALSE(Base64UrlDecode("Z===").ok());   // 3 pads
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").ok());  // length 1 mod 4
  EXPECT_FALSE(Base64UrlDecode("Zg=a").ok());
}

constexpr char kHeader[] = R"({"alg":"RS256","typ":"JWT","kid":"k1"})";
constexpr char kClaims[] =
    R"({"iss":"a@b.iam.gserviceaccount.com","scope":"s","aud":"http://x/token","iat":100,"exp":3700})";

TEST(JwtRS256, SignThenVerifyRoundTrip) {
  auto jwt = SignJwtRS256(kHeader, kClaims, TestKey().private_key_pem);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  EXPECT_EQ(std::count(jwt->begin(), jwt->end(), '.'), 2);
  EXPECT_EQ(jwt->find('='), std::string::npos);
  std::string header, claims;
  ASSERT_TRUE(VerifyJwtRS256(*jwt, TestKey().public_key_pem, &header, &claims).ok());
  EXPECT_EQ(header, kHeader);
  EXPECT_EQ(claims, kClaims);
  // The private key PEM verifies too (its public half).
  EXPECT_TRUE(VerifyJwtRS256(*jwt, TestKey().private_key_pem, nullptr, nullptr).ok());
}

TEST(JwtRS256, RoundTripWithA2048BitKeyAsGoogleIssues) {
  auto key = GenerateRsaKeyPair(2048);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto jwt = SignJwtRS256(kHeader, kClaims, key->private_key_pem);
  ASSERT_TRUE(jwt.ok());
  auto sig = Base64UrlDecode(jwt->substr(jwt->rfind('.') + 1));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(VerifyJwtRS256(*jwt, key->public_key_pem, nullptr, nullptr).ok());
  EXPECT_FALSE(VerifyJwtRS256(*jwt, TestKey().public_key_pem, nullptr, nullptr).ok());
}

TEST(JwtRS256, WrongKeyOrTamperedPartsFailVerification) {
  auto jwt = SignJwtRS256(kHeader, kClaims, TestKey().private_key_pem);
  ASSERT_TRUE(jwt.ok());
  EXPECT_FALSE(VerifyJwtRS256(*jwt, OtherKey().public_key_pem, nullptr, nullptr).ok());
  std::string tampered = *jwt;
  size_t d1 = tampered.find('.');
  size_t d2 = tampered.find('.', d1 + 1);
  std::string other_claims = Base64UrlEncode(R"({"iss":"evil"})");
  tampered = tampered.substr(0, d1 + 1) + other_claims + tampered.substr(d2);
  auto st = VerifyJwtRS256(tampered, TestKey().public_key_pem, nullptr, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "invalid JWT signature");
  std::string bad_sig = *jwt;
  bad_sig[bad_sig.size() - 5] = bad_sig[bad_sig.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyJwtRS256(bad_sig, TestKey().public_key_pem, nullptr, nullptr).ok());
}

// RS256 over arbitrary text, straight from OpenSSL (to build JWTs the way
// other clients do).
std::string SignRaw(std::string_view input, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return sig;
}

TEST(JwtRS256, AcceptsPaddedPartsAsPythonGoogleAuthSends) {
  // python-google-auth 1.5 pads each part with '=' and signs the padded text.
  auto pad = [](std::string s) {
    while (s.size() % 4 != 0) s.push_back('=');
    return s;
  };
  std::string header = R"({"typ": "JWT", "alg": "RS256", "kid": "k1"})";
  std::string claims =
      R"({"iat": 1, "exp": 3601, "iss": "x", "aud": "http://h/token", "scope": "s"})";
  std::string input = pad(Base64UrlEncode(header)) + "." + pad(Base64UrlEncode(claims));
  ASSERT_NE(input.find('='), std::string::npos);
  std::string jwt = input + "." + pad(Base64UrlEncode(SignRaw(input, TestKey().private_key_pem)));
  std::string got_header, got_claims;
  ASSERT_TRUE(VerifyJwtRS256(jwt, TestKey().public_key_pem, &got_header, &got_claims).ok());
  EXPECT_EQ(got_header, header);
  EXPECT_EQ(got_claims, claims);
  // The signature covers the parts as sent: the unpadded form does not verify.
  std::string unpadded = Base64UrlEncode(header) + "." + Base64UrlEncode(claims) + "." +
                         Base64UrlEncode(SignRaw(input, TestKey().private_key_pem));
  EXPECT_FALSE(VerifyJwtRS256(unpadded, TestKey().public_key_pem, nullptr, nullptr).ok());
}

TEST(JwtRS256, RefusesOtherAlgorithmsAndMalformedTokens) {
  std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode("{}") + ".";
  EXPECT_FALSE(VerifyJwtRS256(none, TestKey().public_key_pem, nullptr, nullptr).ok());
  EXPECT_FALSE(VerifyJwtRS256("a.b", TestKey().public_key_pem, nullptr, nullptr).ok());
  EXPECT_FALSE(VerifyJwtRS256("a.b.c.d", TestKey().public_key_pem, nullptr, nullptr).ok());
  EXPECT_FALSE(VerifyJwtRS256("", TestKey().public_key_pem, nullptr, nullptr).ok());
  EXPECT_FALSE(VerifyJwtRS256("!!.??.**", TestKey().public_key_pem, nullptr, nullptr).ok());
  auto jwt = SignJwtRS256(kHeader, kClaims, TestKey().private_key_pem);
  ASSERT_TRUE(jwt.ok());
  EXPECT_FALSE(VerifyJwtRS256(*jwt, "not a pem", nullptr, nullptr).ok());
}

TEST(JwtRS256, SigningRefusesGarbageKey) {
  EXPECT_FALSE(SignJwtRS256(kHeader, kClaims,
                            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                   .ok());
  EXPECT_FALSE(SignJwtRS256(kHeader, kClaims, "").ok());
}

TEST(JwtClaims, ParsesRegisteredClaimsAndArrayAudience) {
  auto c = ParseJwtClaims(kClaims);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->iss, "a@b.iam.gserviceaccount.com");
  EXPECT_EQ(c->aud, "http://x/token");
  EXPECT_EQ(c->iat, 100);
  EXPECT_EQ(c->exp, 3700);
  auto arr = ParseJwtClaims(R"({"aud":["first","second"],"sub":"s"})");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->aud, "first");
  EXPECT_EQ(arr->sub, "s");
  EXPECT_FALSE(ParseJwtClaims("[1]").ok());
  EXPECT_FALSE(ParseJwtClaims("{").ok());
  auto h = ParseJwtHeader(kHeader);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kid, "k1");
}

TEST(ServiceAccountKey, JsonRoundTripKeepsEveryField) {
  ServiceAccountKey k = testing::TestServiceAccount("http://127.0.0.1:1/token");
  auto back = ParseServiceAccountKey(ServiceAccountKeyToJson(k));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->project_id, k.project_id);
  EXPECT_EQ(back->private_key_id, k.private_key_id);
  EXPECT_EQ(back->private_key, k.private_key);  // newlines survive the JSON escapes
  EXPECT_EQ(back->client_email, k.client_email);
  EXPECT_EQ(back->token_uri, k.token_uri);
  EXPECT_TRUE(SignJwtRS256(kHeader, kClaims, back->private_key).ok());
}

TEST(ServiceAccountKey, RefusesOtherTypesAndMissingFields) {
  EXPECT_FALSE(ParseServiceAccountKey(R"({"type":"authorized_user"})").ok());
  EXPECT_FALSE(ParseServiceAccountKey(R"({"type":"service_account","private_key":"x"})").ok());
  EXPECT_FALSE(ParseServiceAccountKey(R"({"type":"service_account","client_email":"x"})").ok());
  EXPECT_FALSE(ParseServiceAccountKey("not json").ok());
  auto def =
      ParseServiceAccountKey(R"({"type":"service_account","client_email":"e","private_key":"p"})");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->token_uri, "https://oauth2.googleapis.com/token");
  auto missing = LoadServiceAccountKey("/nonexistent/key.json");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/key.json"), std::string::npos);
}

}  // namespace
}  // namespace vigil::gcp
