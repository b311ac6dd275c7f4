#include "query/promql/promqltest/known_failures.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <tuple>

namespace vigil::promql::promqltest {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// ("functions.test", 123) from "functions.test:123"; line -1 if malformed.
std::pair<std::string_view, long> SplitKey(std::string_view key) {
  size_t colon = key.rfind(':');
  if (colon == std::string_view::npos) return {key, -1};
  long line = -1;
  std::string_view num = key.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), line);
  if (ec != std::errc() || ptr != num.data() + num.size()) return {key, -1};
  return {key.substr(0, colon), line};
}

bool KeyLess(const std::string& a, const std::string& b) {
  auto [fa, la] = SplitKey(a);
  auto [fb, lb] = SplitKey(b);
  return std::tie(fa, la) < std::tie(fb, lb);
}

}  // namespace

Result<FailureList> ParseKnownFailures(std::string_view text) {
  FailureList out;
  int n = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line =
        text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    ++n;
    start = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string_view reason;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) {
      reason = Trim(line.substr(hash + 1));
      line = Trim(line.substr(0, hash));
    }
    auto [file, num] = SplitKey(line);
    if (file.empty() || num <= 0 || line.find_first_of(" \t") != std::string_view::npos) {
      return Status::InvalidArgument(fmt::format(
          "known failures line {}: expected \"file:line  # reason\", got \"{}\"", n, line));
    }
    out[std::string(line)] = std::string(reason);
  }
  return out;
}

std::string FormatKnownFailures(const FailureList& list) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : list) keys.push_back(k);
  std::sort(keys.begin(), keys.end(), KeyLess);
  std::string out;
  for (const auto& k : keys) {
    std::string reason = list.at(k);
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    if (reason.empty()) {
      out += k + "\n";
    } else {
      out += fmt::format("{}  # {}\n", k, reason);
    }
  }
  return out;
}

FailureDiff DiffFailures(const FailureList& listed, const FailureList& failing) {
  FailureDiff d;
  for (const auto& [k, v] : failing) {
    if (!listed.count(k)) d.unexpected.push_back(k);
  }
  for (const auto& [k, v] : listed) {
    if (!failing.count(k)) d.fixed.push_back(k);
  }
  std::sort(d.unexpected.begin(), d.unexpected.end(), KeyLess);
  std::sort(d.fixed.begin(), d.fixed.end(), KeyLess);
  return d;
}

FailureList MergeReasons(const FailureList& listed, const FailureList& failing) {
  FailureList out;
  for (const auto& [k, reason] : failing) {
    auto it = listed.find(k);
    out[k] = (it != listed.end() && !it->second.empty()) ? it->second : reason;
  }
  return out;
}

}  // namespace vigil::promql::promqltest
