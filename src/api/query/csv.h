// CsvWriter: RFC 4180 text, for the exports that notebooks read
// (/api/v1/export; pandas.read_csv, R's read.csv, spreadsheets).
//
//   - fields are separated by commas and rows end with CRLF (RFC 4180 2.1);
//   - a field holding a comma, a double quote, CR or LF is enclosed in double
//     quotes, and each double quote inside is doubled (2.6, 2.7); other
//     fields are written as they are, spaces included;
//   - text is UTF-8: each byte of invalid UTF-8 becomes U+FFFD, as Go's JSON
//     encoder does, so that a strict UTF-8 reader (pandas' default) never
//     fails on one odd label value.
//
// Thread-safety: one writer per document.
#pragma once

#include <string>
#include <string_view>

namespace vigil::api::query {

class CsvWriter {
 public:
  // One field of the current row, quoted when it needs to be.
  void Field(std::string_view text);
  // Starts a field and returns the document for the caller to append text
  // that needs no quoting (numbers, timestamps): no comma, quote, CR or LF.
  std::string* RawField();
  // Ends the current row.
  void EndRow();

  // Room for about n more bytes, to spare reallocations on large exports.
  void Reserve(size_t n) { out_.reserve(out_.size() + n); }
  // The document written so far; the writer is empty afterwards.
  std::string Take();

 private:
  void Separate();

  std::string out_;
  bool row_has_field_ = false;
};

}  // namespace vigil::api::query
