// RegexpParser: Loki's regexp stage on RE2 (unanchored, leftmost-first like
// Go's FindSubmatch).
#include <fmt/format.h>
#include <re2/re2.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/strconv.h"
#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

class RegexpParserImpl final : public RegexpParser {
 public:
  explicit RegexpParserImpl(std::unique_ptr<RE2> re) : re_(std::move(re)) {
    for (const auto& [index, name] : re_->CapturingGroupNames()) {
      groups_.push_back({index, name});
      if (index + 1 > num_submatch_) num_submatch_ = index + 1;
    }
  }

  Status Parse(std::string_view line, Fields* out) const override {
    thread_local std::vector<re2::StringPiece> submatch;
    if (submatch.size() < static_cast<size_t>(num_submatch_)) submatch.resize(num_submatch_);
    if (!re_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                    submatch.data(), num_submatch_)) {
      return Status::NotFound("regexp: no match");
    }
    for (const auto& group : groups_) {
      const re2::StringPiece& m = submatch[static_cast<size_t>(group.index)];
      out->emplace_back(group.name, std::string_view(m.data(), m.size()));
    }
    return Status::OK();
  }

 private:
  struct Group {
    int index;
    std::string name;
  };
  std::unique_ptr<RE2> re_;
  std::vector<Group> groups_;  // in index order (CapturingGroupNames is a map)
  int num_submatch_ = 1;
};

}  // namespace

Result<std::shared_ptr<const RegexpParser>> RegexpParser::Make(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return Status::InvalidArgument(fmt::format("regexp: invalid pattern: {}", re->error()));
  }
  if (re->CapturingGroupNames().empty()) {
    return Status::InvalidArgument("regexp: at least one named capture must be supplied");
  }
  std::set<std::string_view> seen;
  for (const auto& [index, name] : re->CapturingGroupNames()) {
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(
          fmt::format("regexp: duplicate extracted label name '{}'", name));
    }
    if (!IsLegacyLabelName(name)) {
      return Status::InvalidArgument(
          fmt::format("regexp: invalid extracted label name '{}'", name));
    }
  }
  return std::shared_ptr<const RegexpParser>(std::make_shared<RegexpParserImpl>(std::move(re)));
}

}  // namespace vigil::logparse
