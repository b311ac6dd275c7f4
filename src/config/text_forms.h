// The text forms of Go and Prometheus that the config file uses, outside
// base/strconv.h: YAML 1.1 scalar resolution as go-yaml v2 does it, base64
// for !!binary, units.Base2Bytes sizes, os.Expand for external labels, the
// parts of net/url.Parse that Prometheus' checks look at, and header names.
// Internal to src/config (namespace detail); owned by the config module.
//
// Thread-safety: pure functions (ExpandEnv reads the environment).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::config::detail {

inline bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view x : set) {
    if (s == x) return true;
  }
  return false;
}

// How go-yaml v2 resolves an untagged plain scalar: null, bool (YAML 1.1's
// y/yes/on/... too), int (strconv.ParseInt base 0), float (.inf, .nan, 1e3).
bool IsYamlNull(std::string_view s);
std::optional<bool> YamlBool(std::string_view s);
bool YamlIntSyntax(std::string_view s);
bool YamlFloatSyntax(std::string_view s);

// base64.StdEncoding.DecodeString (padded, strict alphabet; line breaks are
// skipped). nullopt on invalid data.
std::optional<std::string> DecodeBase64(std::string_view in);

// units.ParseBase2Bytes: "512MB", "1.5KiB", "1GB512MB", "0"; a bare number
// other than 0 has no unit and is an error ("units: unknown unit  in 100").
// Negative sizes read as 0 (no limit).
Result<uint64_t> ParseBase2Bytes(std::string_view s);

// filepath.Join(dir, p) unless p is absolute or dir empty (common/config's
// JoinDir), cleaned.
std::string JoinDir(const std::string& dir, const std::string& p);

// os.Expand with Prometheus' external-label mapping: $VAR and ${VAR} from the
// environment ("" when unset), $$ a literal $, bad syntax eaten as Go does.
std::string ExpandEnv(std::string_view s);

// What net/url.Parse yields that Prometheus looks at; errors are Go's
// ("parse \"::x\": missing protocol scheme").
struct ParsedURL {
  std::string scheme;  // lowercased, "" if none
  std::string host;    // authority without userinfo, "" if none
};
Result<ParsedURL> ParseURL(std::string_view u);

// Headers Prometheus' remote write/read refuse to let a user set (lowercase).
bool IsReservedRemoteHeader(std::string_view lower);
std::string Lower(std::string_view s);
// http.CanonicalHeaderKey for ASCII keys ("user-agent" -> "User-Agent").
std::string CanonicalHeaderKey(std::string_view s);

}  // namespace vigil::config::detail
