// Fuzzes what the cloud simulator does with an untrusted request: parse it
// as raw HTTP (like the SDK capture files) and run SigV4 Verify with a fixed
// secret, the clock at the request's own X-Amz-Date. Must never crash; the
// verdict must be deterministic and a kOk verdict must name the test key.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collect/cloud/aws/sigv4.h"

namespace {

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string HeaderValue(const vigil::aws::SignableRequest& req, std::string_view lower) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() != lower.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = static_cast<char>(std::tolower(static_cast<unsigned char>(k[i]))) == lower[i];
    }
    if (same) return v;
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::aws::SignableRequest> req = vigil::aws::ParseRawRequest(raw);
  if (!req.ok()) return 0;

  vigil::aws::VerifyOptions opts;
  opts.secret_for = [](std::string_view akid) {
    return akid == kAkid ? std::string(kSecret) : std::string();
  };
  vigil::Result<int64_t> at = vigil::aws::ParseAmzDate(HeaderValue(*req, "x-amz-date"));
  opts.now_ms = at.ok() && *at != 0 ? *at : 1440938160000;
  vigil::aws::VerifyResult r = vigil::aws::Verify(*req, opts);
  if (r.code == vigil::aws::VerifyResult::Code::kOk && r.access_key_id != kAkid) __builtin_trap();
  if (vigil::aws::Verify(*req, opts).code != r.code) __builtin_trap();

  // The signer must take any parsed request too.
  vigil::aws::Credentials creds;
  creds.access_key_id = kAkid;
  creds.secret_access_key = kSecret;
  (void)vigil::aws::ComputeSignature(*req, creds, "us-east-1", "monitoring", "20150830T123600Z");
  return 0;
}
