// Fuzzes what the GCP collector reads from the network and what the cloud
// simulator reads from clients: timeSeries.list and metricDescriptors.list
// bodies (and their conversion to samples), OAuth token answers, Google
// error bodies, service-account key files, and RS256 JWT verification. The
// first byte picks the parser; the rest is the input.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "collect/cloud/gcp/api_call.h"
#include "collect/cloud/gcp/jwt.h"
#include "collect/cloud/gcp/naming.h"
#include "collect/cloud/gcp/timeseries.h"
#include "collect/cloud/gcp/token.h"

namespace {

// A fixed public key (generating one per run would be slow); one seed is a
// JWT signed with its private key (not kept), so the success path is
// covered too.
constexpr char kPublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzKJ/anO5Zfo99OoGJHOF
PRpheEbXO99R+dbdD1keODosmFiWYURZbvGJWYrjeqjDaCKE9EBiQ/DTHMBG0/xQ
+tyFwaVs0elUETylLRUVAJ6T54yyPc94n/Rym6la8XNXGI5BzeqO7Lc2K7+vtact
4Ja6bTcIqqJA509SalqBFhfLMwSrGJqVj1k5ak/ElVloDURVi1NM1y/VOVYrJ2dp
bwM+o3dseMsBrAhR10/IXV+mNyS8O8vzdqUBbK3E1YurrpSS43fmTMcpQ8z6S49+
vbKTMFBvtqun29KqtwgTQ/I1qOEb2Io1G3nBASThEBzcNuhlqYfnrs22BxLkA1/k
EwIDAQAB
-----END PUBLIC KEY-----
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace vigil::gcp;
  switch (data[0] % 7) {
    case 0: {
      auto r = ParseListTimeSeriesResponse(in);
      if (r.ok()) {
        std::vector<ConvertedSample> out;
        for (const TimeSeries& ts : r->time_series) {
          ConvertTimeSeries(ts, "", "p", &out);
          NormalizeMetricName(ts.metric_type);
        }
      }
      break;
    }
    case 1:
      (void)ParseListMetricDescriptorsResponse(in);
      break;
    case 2:
      (void)ParseTokenResponse(in);
      (void)ParseApiError(in);
      break;
    case 3: {
      std::string header, claims;
      if (VerifyJwtRS256(in, kPublicKey, &header, &claims).ok()) (void)ParseJwtClaims(claims);
      break;
    }
    case 4:
      (void)ParseServiceAccountKey(in);
      break;
    case 5:
      (void)ParseJwtClaims(in);
      (void)ParseJwtHeader(in);
      break;
    case 6: {
      auto d = Base64UrlDecode(in);
      if (d.ok() && Base64UrlEncode(*d).size() > in.size()) __builtin_trap();
      NormalizeMetricName(in);
      break;
    }
  }
  return 0;
}
