// AWS credentials for the CloudWatch collector: a provider interface with
// caching and early refresh, and the default chain the AWS SDKs use, in this
// order:
//   1. the keys in the config (access_key_id + secret_access_key),
//   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
//   3. web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, or the
//      config's role_arn + web_identity_token_file): STS
//      AssumeRoleWithWebIdentity, unsigned,
//   4. the shared credentials and config files and their profiles
//      (AWS_PROFILE; "[profile x]" sections in the config file; role_arn with
//      source_profile or credential_source: STS AssumeRole),
//   5. ECS/EKS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
//      at 169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]),
//   6. EC2 instance metadata, IMDSv2 (token PUT, then the role's credentials;
//      AWS_EC2_METADATA_DISABLED=true or imds_disabled turns it off).
// Then, when the config has role_arn (and no web identity file), STS
// AssumeRole on top of whatever the chain found (SigV4-signed, service "sts").
// The STS endpoint is the config's sts_endpoint, else the collector's
// endpoint override, else https://sts.<region>.amazonaws.com.
//
// Every source that asks a server caches what it got and fetches again 5
// minutes before the expiration; when a refresh fails while the cached keys
// are still valid, those are returned (and the failure logged), and the
// server is asked again at most every 10 s until they expire.
//
// The first source found configured is the one used (as the SDKs: keys in
// the environment hide the profile files, a configured web identity or
// profile is not fallen through); only IMDS, the last resort, is asked when
// nothing else is configured, and its failure lists every source looked at.
//
// Thread-safety: CredentialsProvider::Get may be called from any thread at
// once; fetches are serialised per provider.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "collect/cloud/aws/sigv4.h"
#include "config/cloud_config.h"

namespace vigil::aws {

// Refresh this long before the credentials expire (as the SDKs do).
constexpr int64_t kCredentialsRefreshWindowMs = 5 * 60'000;

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Credentials valid at now_ms (0: the system clock), fetched or cached.
  virtual Result<Credentials> Get(int64_t now_ms) = 0;
  // What this provider is, for logs and errors ("environment", "imds", ...).
  virtual std::string Name() const = 0;
};

// The process environment and home directory, passed in so tests are
// hermetic, plus the knobs for reaching the credential endpoints.
struct ChainEnv {
  std::map<std::string, std::string> vars;  // environment variables
  std::string home;                         // for ~/.aws/credentials and ~/.aws/config
  // Not part of the environment: where the link-local endpoints are (tests
  // point them at 127.0.0.1), the CA for an https STS endpoint, timeouts.
  std::string container_endpoint = "http://169.254.170.2";
  std::string ca_file;
  int64_t request_timeout_ms = 10'000;  // STS, container endpoint
  int64_t imds_timeout_ms = 1'000;      // the SDKs give IMDS one second

  // ::environ and $HOME of this process.
  static ChainEnv FromProcess();
  // The variable's value, "" when unset.
  std::string Get(const std::string& name) const;
};

// The default chain described above. Fails at once when nothing can work
// (no source configured and IMDS disabled), when the config is contradictory
// (access key without secret), or when an explicitly named profile does not
// exist; otherwise the sources are asked on Get.
Result<std::unique_ptr<CredentialsProvider>> NewDefaultChain(
    const config::AWSCredentialsConfig& cfg, const std::string& region,
    const std::string& endpoint_override, const ChainEnv& env = ChainEnv::FromProcess());

// Fixed keys (source names them: "config", "environment", ...).
std::unique_ptr<CredentialsProvider> NewStaticProvider(Credentials creds);

// The STS endpoint the chain uses for (cfg, region, endpoint_override).
std::string StsEndpoint(const config::AWSCredentialsConfig& cfg, const std::string& region,
                        const std::string& endpoint_override);

// Parses an STS AssumeRole / AssumeRoleWithWebIdentity XML answer (the
// <Credentials> element), or an STS <ErrorResponse> into an error Status
// "<Code>: <Message>".
Result<Credentials> ParseStsCredentials(std::string_view xml);

}  // namespace vigil::aws
