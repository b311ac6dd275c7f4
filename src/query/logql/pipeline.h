// Running a LogQL pipeline (ast.h Stage list) on one entry: line filters,
// parsers, label filters, formatters, with Loki's label rules:
//   - an entry's labels start as its stream labels plus its structured
//     metadata; parsed labels that collide with a stream label get the
//     suffix "_extracted";
//   - parse failures set __error__ (JSONParserErr, LogfmtParserErr,
//     TemplateFormatErr, LabelFilterErr, SampleExtractionErr) and
//     __error_details__, and the entry goes on;
//   - numeric, duration and bytes label filters let an entry that already
//     has an error pass (only string filters, e.g. __error__="", drop it),
//     fail on a missing label, and mark an unparsable value LabelFilterErr
//     while letting the entry pass;
//   - `and` evaluates both sides, `or` stops at the first match;
//   - labels with empty values are absent.
//
// Owner: helper "logql". Thread-safety: a Pipeline and a LabelState belong
// to one thread (they hold scratch buffers); the stages they run are shared
// and immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/labels.h"
#include "model/log_record.h"
#include "query/logql/ast.h"

namespace vigil::logql {

inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";

// The labels of the entry being processed.
class LabelState {
 public:
  void Reset(const model::Labels& stream, const std::vector<model::LogAttribute>& metadata);

  // The value, or nullptr when absent (or deleted).
  const std::string* Find(std::string_view name) const;
  std::string_view Get(std::string_view name) const {
    const std::string* v = Find(name);
    return v ? std::string_view(*v) : std::string_view();
  }
  bool IsStreamLabel(std::string_view name) const;
  // A label from a parser or structured metadata: renamed to name_extracted
  // when it collides with a stream label.
  void SetExtracted(std::string_view name, std::string_view value);
  void Set(std::string_view name, std::string_view value);
  void Del(std::string_view name);
  void SetError(std::string_view error, std::string_view details);
  bool HasError() const;

  // The present labels with non-empty values, sorted by name.
  void Collect(std::vector<model::Label>* out) const;
  // A key that is equal for equal label sets (Collect's order), without
  // building a Labels.
  void AppendKey(std::string* key) const;
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < used_; ++i) {
      if (!slots_[i].deleted && !slots_[i].value.empty()) fn(slots_[i].name, slots_[i].value);
    }
  }

 private:
  struct Slot {
    std::string name;
    std::string value;
    bool stream = false;
    bool deleted = false;
  };
  Slot* FindSlot(std::string_view name);
  const Slot* FindSlot(std::string_view name) const;
  Slot* Add(std::string_view name);
  std::vector<const Slot*> Sorted() const;

  std::vector<Slot> slots_;
  size_t used_ = 0;
  size_t stream_count_ = 0;
  mutable std::vector<const Slot*> sorted_scratch_;
};

class Pipeline {
 public:
  explicit Pipeline(const std::vector<Stage>* stages) : stages_(stages) {}

  // Runs the stages on one entry. *line points at the current line; a stage
  // that rewrites it stores the new text in an internal buffer and repoints
  // *line (valid until the next call). Returns false when a filter drops
  // the entry.
  bool Process(int64_t time_ns, std::string_view* line, LabelState* labels);

  // True when every stage is a line filter: labels stay the stream's.
  bool OnlyLineFilters() const;
  // Runs the line filters alone (for OnlyLineFilters pipelines).
  bool FilterLine(std::string_view line) const;

  // The leading `|= "literal"` filters, which a reader may use to skip data.
  static std::vector<std::string> LineContainsHints(const std::vector<Stage>& stages);

 private:
  bool RunStage(const Stage& s, int64_t time_ns, std::string_view* line, LabelState* labels);
  void SetLine(std::string_view* line, std::string&& text);

  const std::vector<Stage>* stages_;
  std::string line_buf_;
  std::string scratch_;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<std::pair<std::string, std::string>> label_snapshot_;
};

bool EvalLabelFilter(const LabelFilterNode& n, LabelState* labels);
bool LineFilterMatches(const LineFilter& f, std::string_view line);
// Removes ANSI escape sequences (colors, cursor movement).
std::string Decolorize(std::string_view line);

}  // namespace vigil::logql
