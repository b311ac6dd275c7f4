// Test-only helpers shared by the GCP collector's tests: one RSA key per
// test program (1024 bits: generating 2048-bit keys in every test process
// costs about a second in Debug; jwt_test checks 2048 bits once), a temp dir holding a
// service-account key file, and form-body decoding.
//
// Thread-safety: TestKey is initialised once, thread-safely.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/file.h"
#include "collect/cloud/gcp/jwt.h"

namespace vigil::gcp::testing {

inline const RsaKeyPair& TestKey() {
  static const RsaKeyPair key = [] {
    auto k = GenerateRsaKeyPair(1024);
    if (!k.ok()) std::abort();
    return *k;
  }();
  return key;
}

inline const RsaKeyPair& OtherKey() {
  static const RsaKeyPair key = [] {
    auto k = GenerateRsaKeyPair(1024);
    if (!k.ok()) std::abort();
    return *k;
  }();
  return key;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-gcp-test-XXXXXX";
    char* d = ::mkdtemp(tmpl);
    if (d == nullptr) std::abort();
    path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline ServiceAccountKey TestServiceAccount(std::string token_uri) {
  ServiceAccountKey k;
  k.project_id = "example-project";
  k.private_key_id = "8c4ae64964d71fd6e2931a88da0a405c840d0d05";
  k.private_key = TestKey().private_key_pem;
  k.client_email = "vigil-test@example-project.iam.gserviceaccount.com";
  k.client_id = "123";
  k.token_uri = std::move(token_uri);
  return k;
}

inline std::string WriteKeyFile(const TempDir& dir, const ServiceAccountKey& key) {
  std::string path = dir.path() + "/key.json";
  std::string json = ServiceAccountKeyToJson(key);
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) std::abort();
  std::fwrite(json.data(), 1, json.size(), f);
  std::fclose(f);
  return path;
}

inline std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "a=1&b=2" -> {a: 1, b: 2} (last wins).
inline std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view kv = body.substr(0, amp);
    size_t eq = kv.find('=');
    out[PercentDecode(kv.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace vigil::gcp::testing
