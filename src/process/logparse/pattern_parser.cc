// PatternParser: LogQL's `pattern` stage. A compiled pattern alternates
// captures and literals; matching is a left-to-right scan with find(), no
// backtracking, exactly as Loki's pattern matcher.
#include <fmt/format.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "process/logparse/logparse.h"

namespace vigil::logparse {

namespace {

struct PatternNode {
  bool is_capture = false;
  std::string text;  // capture name ("_" for unnamed) or the literal
};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameByte(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// `<name>` at text[pos]: the name's length, or 0 when this '<' is literal.
size_t CaptureAt(std::string_view text, size_t pos) {
  if (text[pos] != '<' || pos + 1 >= text.size() || !IsNameStart(text[pos + 1])) return 0;
  size_t end = pos + 2;
  while (end < text.size() && IsNameByte(text[end])) ++end;
  if (end >= text.size() || text[end] != '>') return 0;
  return end - pos - 1;
}

class PatternParserImpl final : public PatternParser {
 public:
  explicit PatternParserImpl(std::vector<PatternNode> nodes) : nodes_(std::move(nodes)) {}

  Status Parse(std::string_view line, Fields* out) const override {
    size_t before = out->size();
    size_t i = 0;
    if (line.empty()) return NoMatch();
    if (!nodes_[0].is_capture) {
      if (line.substr(0, nodes_[0].text.size()) != nodes_[0].text) return NoMatch();
      line.remove_prefix(nodes_[0].text.size());
      i = 1;
    }
    // From here on: capture (literal capture)* literal?
    while (i < nodes_.size()) {
      const PatternNode& capture = nodes_[i];
      if (i + 1 == nodes_.size()) {  // ends on a capture: the rest of the line
        Emit(capture, line, out);
        break;
      }
      const std::string& literal = nodes_[i + 1].text;
      size_t at = line.find(literal);
      if (at == std::string_view::npos) {
        // Loki: a missing literal makes the capture take the rest, and stop.
        Emit(capture, line, out);
        break;
      }
      Emit(capture, line.substr(0, at), out);
      line.remove_prefix(at + literal.size());
      i += 2;
    }
    if (out->size() == before) return NoMatch();
    return Status::OK();
  }

 private:
  static Status NoMatch() { return Status::NotFound("pattern: no match"); }

  static void Emit(const PatternNode& capture, std::string_view value, Fields* out) {
    if (capture.text == "_") return;
    out->emplace_back(capture.text, value);
  }

  std::vector<PatternNode> nodes_;
};

}  // namespace

Result<std::shared_ptr<const PatternParser>> PatternParser::Make(std::string_view pattern) {
  std::vector<PatternNode> nodes;
  std::string literal;
  for (size_t pos = 0; pos < pattern.size();) {
    size_t name_len = CaptureAt(pattern, pos);
    if (name_len == 0) {
      literal.push_back(pattern[pos++]);
      continue;
    }
    if (!literal.empty()) {
      nodes.push_back({false, std::move(literal)});
      literal.clear();
    }
    nodes.push_back({true, std::string(pattern.substr(pos + 1, name_len))});
    pos += name_len + 2;
  }
  if (!literal.empty()) nodes.push_back({false, std::move(literal)});

  std::set<std::string_view> names;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].is_capture) continue;
    if (i > 0 && nodes[i - 1].is_capture) {
      return Status::InvalidArgument(fmt::format("pattern: found consecutive capture '<{}><{}>'",
                                                 nodes[i - 1].text, nodes[i].text));
    }
    if (nodes[i].text == "_") continue;
    if (!names.insert(nodes[i].text).second) {
      return Status::InvalidArgument(
          fmt::format("pattern: duplicate capture name '{}'", nodes[i].text));
    }
  }
  if (names.empty()) {
    return Status::InvalidArgument("pattern: at least one named capture is required");
  }
  return std::shared_ptr<const PatternParser>(
      std::make_shared<PatternParserImpl>(std::move(nodes)));
}

}  // namespace vigil::logparse
