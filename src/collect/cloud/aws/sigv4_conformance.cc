// Runs the SigV4 test suite (../shared/conformance/sigv4, botocore's copy of
// AWS's aws-sig-v4-test-suite): for every <case>.req below the directory,
// signs it with the suite's parameters and compares the canonical request,
// the string to sign and the Authorization value with .creq, .sts and .authz.
// Prints one line per failure, then "N passed, N failed"; exits 1 on any
// failure. Quirks (README.txt there): get-vanilla-with-session-token takes
// its token from the .creq; post-sts-header-after signs without the token.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "collect/cloud/aws/sigv4.h"

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// The value of the "x-amz-security-token:" line of a canonical request.
std::string TokenInCanonicalRequest(const std::string& creq) {
  constexpr std::string_view kPrefix = "x-amz-security-token:";
  size_t pos = creq.find(std::string("\n") + std::string(kPrefix));
  if (pos == std::string::npos) return "";
  pos += 1 + kPrefix.size();
  return creq.substr(pos, creq.find('\n', pos) - pos);
}

bool HasHeader(const vigil::aws::SignableRequest& req, std::string_view lower) {
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (name == lower) return true;
  }
  return false;
}

std::string FirstDiff(const std::string& want, const std::string& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  return fmt::format("first difference at byte {}: want {:?}, got {:?}", i, want.substr(i, 40),
                     got.substr(i, 40));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: {} <sigv4 suite dir>\n", argv[0]);
    return 2;
  }
  const fs::path suite = argv[1];
  std::error_code ec;
  std::vector<fs::path> cases;
  for (auto it = fs::recursive_directory_iterator(suite, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".req") cases.push_back(it->path());
  }
  if (ec || cases.empty()) {
    fmt::print(stderr, "no *.req files under {}: {}\n", suite.string(), ec.message());
    return 2;
  }
  std::sort(cases.begin(), cases.end());

  vigil::aws::Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  int passed = 0, failed = 0;
  for (const auto& req_path : cases) {
    std::string name = fs::relative(req_path, suite).replace_extension().string();
    auto fail = [&](const std::string& why) {
      ++failed;
      fmt::print("FAIL {}: {}\n", name, why);
    };
    std::string raw, creq, sts, authz;
    fs::path base = req_path;
    base.replace_extension();
    if (!ReadFile(req_path, &raw) || !ReadFile(base.string() + ".creq", &creq) ||
        !ReadFile(base.string() + ".sts", &sts) || !ReadFile(base.string() + ".authz", &authz)) {
      fail("missing .creq, .sts or .authz");
      continue;
    }
    auto req = vigil::aws::ParseRawRequest(raw);
    if (!req.ok()) {
      fail(req.status().ToString());
      continue;
    }
    std::string token = TokenInCanonicalRequest(creq);
    if (!token.empty() && !HasHeader(*req, "x-amz-security-token")) {
      req->headers.emplace_back("X-Amz-Security-Token", token);
    }
    auto parts =
        vigil::aws::ComputeSignature(*req, creds, "us-east-1", "service", "20150830T123600Z");
    if (!parts.ok()) {
      fail(parts.status().ToString());
      continue;
    }
    if (parts->canonical_request != creq) {
      fail("canonical request: " + FirstDiff(creq, parts->canonical_request));
    } else if (parts->string_to_sign != sts) {
      fail("string to sign: " + FirstDiff(sts, parts->string_to_sign));
    } else if (parts->authorization != authz) {
      fail("authorization: " + FirstDiff(authz, parts->authorization));
    } else {
      ++passed;
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
