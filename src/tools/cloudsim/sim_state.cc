// SimState's token registry: opaque random bearer tokens with an expiry.
#include <openssl/rand.h>

#include <fmt/format.h>

#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {

std::string SimState::IssueToken(const std::string& cloud, int64_t now_ms, int64_t ttl_ms) {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    // Not secret material, only needs to be unique: fall back to the rng.
    std::lock_guard<std::mutex> l(mu_);
    for (unsigned char& c : raw) c = static_cast<unsigned char>(rng_());
  }
  std::string token = "sim-" + cloud + "-";
  for (unsigned char c : raw) token += fmt::format("{:02x}", c);
  std::lock_guard<std::mutex> l(mu_);
  // Drop long-expired tokens so a long run does not grow without bound.
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.second + 24 * 3600'000LL < now_ms ? tokens_.erase(it) : std::next(it);
  }
  tokens_[token] = {cloud, now_ms + ttl_ms};
  return token;
}

std::string SimState::CheckToken(const std::string& token, int64_t now_ms) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return "unknown";
  if (faults_.expire_tokens || now_ms >= it->second.second) return "expired";
  return "ok";
}

}  // namespace vigil::cloudsim
