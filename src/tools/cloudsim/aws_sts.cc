// STS in the query protocol: who am I, and temporary credentials (AssumeRole,
// AssumeRoleWithWebIdentity) that ServeAws then accepts with their session
// token until they expire.
#include <fmt/format.h>
#include <openssl/rand.h>

#include "tools/cloudsim/aws_internal.h"

namespace vigil::cloudsim::awssim {
namespace {

std::string RandomChars(size_t n, std::string_view alphabet) {
  std::string raw(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n)) != 1) {
    for (size_t i = 0; i < n; ++i) raw[i] = static_cast<char>(i * 31 + 7);
  }
  std::string out;
  for (unsigned char c : raw) out.push_back(alphabet[c % alphabet.size()]);
  return out;
}

constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// "role" of "arn:aws:iam::123456789012:role/path/role".
std::string RoleName(std::string_view arn) {
  size_t slash = arn.rfind('/');
  return std::string(slash == std::string_view::npos ? arn : arn.substr(slash + 1));
}

OpResult Assume(const CallContext& ctx, const Value& req, bool web_identity) {
  auto role_arn = GetString(req, "RoleArn");
  auto session = GetString(req, "RoleSessionName");
  if (!role_arn)
    return OpResult::Error(400, "ValidationError",
                           "1 validation error detected: Value null at 'roleArn' failed to satisfy "
                           "constraint: Member must not be null");
  if (!session)
    return OpResult::Error(400, "ValidationError",
                           "1 validation error detected: Value null at 'roleSessionName' failed to "
                           "satisfy constraint: Member must not be null");
  if (!role_arn->starts_with("arn:aws:iam::") || role_arn->find(":role/") == std::string::npos) {
    return OpResult::Error(400, "ValidationError", fmt::format("{} is invalid", *role_arn));
  }
  if (session->size() < 2 || session->size() > 64) {
    return OpResult::Error(400, "ValidationError",
                           "1 validation error detected: Value at 'roleSessionName' failed to "
                           "satisfy constraint: Member must have length between 2 and 64");
  }
  std::optional<std::string> token;
  if (web_identity) {
    token = GetString(req, "WebIdentityToken");
    if (!token)
      return OpResult::Error(400, "ValidationError",
                             "1 validation error detected: Value null at 'webIdentityToken' failed "
                             "to satisfy constraint: Member must not be null");
    if (token->empty()) {
      return OpResult::Error(400, "InvalidIdentityToken", "The web identity token is empty.");
    }
  }
  double duration = 3600;
  if (Get(req, "DurationSeconds") != nullptr &&
      (!GetNumber(req, "DurationSeconds", &duration) || duration < 900 || duration > 43200)) {
    return OpResult::Error(400, "ValidationError",
                           "1 validation error detected: Value at 'durationSeconds' failed to "
                           "satisfy constraint: Member must have value between 900 and 43200");
  }
  TempCredentials tc;
  const std::string akid = "ASIA" + RandomChars(16, kUpperDigits);
  tc.secret_access_key = RandomChars(40, kBase64);
  tc.session_token = "FwoGZXIvYXdzEPb//////////" + RandomChars(120, kBase64);
  tc.role_arn = *role_arn;
  tc.session_name = *session;
  tc.expiration_ms = ctx.now_ms + static_cast<int64_t>(duration) * 1000;
  {
    AwsState& st = StateFor(ctx.sim);
    std::lock_guard<std::mutex> l(st.mu);
    // Drop expired credentials so repeated refreshes do not accumulate.
    for (auto it = st.temp_credentials.begin(); it != st.temp_credentials.end();) {
      it = it->second.expiration_ms + 3600'000 < ctx.now_ms ? st.temp_credentials.erase(it)
                                                            : std::next(it);
    }
    st.temp_credentials[akid] = tc;
  }
  const std::string role = RoleName(*role_arn);
  OpResult r;
  if (web_identity) {
    r.body.Add("SubjectFromWebIdentityToken", Value::Text("system:serviceaccount:vigil:vigil"));
    r.body.Add("Audience", Value::Text("sts.amazonaws.com"));
  }
  Value aru = Value::MakeMap();
  aru.Add("AssumedRoleId",
          Value::Text(fmt::format("AROA{}:{}", RandomChars(17, kUpperDigits), *session)));
  aru.Add("Arn", Value::Text(fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", kAccountId, role,
                                         *session)));
  Value creds = Value::MakeMap();
  creds.Add("AccessKeyId", Value::Text(akid));
  creds.Add("SecretAccessKey", Value::Text(tc.secret_access_key));
  creds.Add("SessionToken", Value::Text(tc.session_token));
  creds.Add("Expiration", Value::Timestamp(static_cast<double>(tc.expiration_ms / 1000)));
  if (web_identity) {
    r.body.Add("AssumedRoleUser", std::move(aru));
    r.body.Add("Credentials", std::move(creds));
    r.body.Add("Provider", Value::Text("cloudsim"));
  } else {
    r.body.Add("AssumedRoleUser", std::move(aru));
    r.body.Add("Credentials", std::move(creds));
  }
  return r;
}

}  // namespace

bool StsUnsigned(std::string_view action) { return action == "AssumeRoleWithWebIdentity"; }

OpResult StsOperation(const CallContext& ctx, std::string_view action, const Value& req) {
  if (action == "GetCallerIdentity") {
    OpResult r;
    if (ctx.access_key_id.empty() || ctx.access_key_id == kAwsAccessKeyId) {
      r.body.Add("Arn", Value::Text(fmt::format("arn:aws:iam::{}:user/cloudsim", kAccountId)));
      r.body.Add("UserId", Value::Text("AIDACLOUDSIMEXAMPLE00"));
    } else {
      TempCredentials tc;
      {
        AwsState& st = StateFor(ctx.sim);
        std::lock_guard<std::mutex> l(st.mu);
        tc = st.temp_credentials[ctx.access_key_id];
      }
      r.body.Add("Arn", Value::Text(fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", kAccountId,
                                                RoleName(tc.role_arn), tc.session_name)));
      r.body.Add("UserId", Value::Text(fmt::format("AROACLOUDSIMEXAMPLE0:{}", tc.session_name)));
    }
    r.body.Add("Account", Value::Text(kAccountId));
    return r;
  }
  if (action == "AssumeRole") return Assume(ctx, req, false);
  if (action == "AssumeRoleWithWebIdentity") return Assume(ctx, req, true);
  return OpResult::Error(400, "InvalidAction",
                         fmt::format("Could not find operation {} for version 2011-06-15", action));
}

}  // namespace vigil::cloudsim::awssim
