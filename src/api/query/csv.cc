#include "api/query/csv.h"

#include <utility>

#include "base/strconv.h"
#include "model/labels.h"

namespace vigil::api::query {

namespace {

bool NeedsQuotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos;
}

// Appends s with each byte of invalid UTF-8 as U+FFFD; quotes doubled when quoted.
void AppendText(std::string* out, std::string_view s, bool quoted) {
  if (model::IsValidUTF8(s) && (!quoted || s.find('"') == std::string_view::npos)) {
    out->append(s);
    return;
  }
  size_t i = 0;
  while (i < s.size()) {
    int width = 1;
    int32_t r = Utf8DecodeRune(s, i, &width);
    if (r == kUtf8RuneError && width == 1) {
      Utf8AppendRune(out, kUtf8RuneError);
    } else if (quoted && s[i] == '"') {
      out->append("\"\"");
    } else {
      out->append(s.substr(i, static_cast<size_t>(width)));
    }
    i += static_cast<size_t>(width);
  }
}

}  // namespace

void CsvWriter::Separate() {
  if (row_has_field_) out_.push_back(',');
  row_has_field_ = true;
}

void CsvWriter::Field(std::string_view text) {
  Separate();
  if (!NeedsQuotes(text)) {
    AppendText(&out_, text, false);
    return;
  }
  out_.push_back('"');
  AppendText(&out_, text, true);
  out_.push_back('"');
}

std::string* CsvWriter::RawField() {
  Separate();
  return &out_;
}

void CsvWriter::EndRow() {
  out_.append("\r\n");
  row_has_field_ = false;
}

std::string CsvWriter::Take() {
  row_has_field_ = false;
  return std::exchange(out_, {});
}

}  // namespace vigil::api::query
