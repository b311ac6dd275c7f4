// Markdown for `vigil report`: text that stays text whatever label values
// hold (a `|` ends a table cell, a newline ends a table row, `<b>` is HTML,
// `*x*` is emphasis, `$x$` is math on GitHub), code spans and fenced blocks
// that hold queries verbatim, tables, collapsed <details> and images.
//
// Everything here writes GitHub-flavoured Markdown (CommonMark plus tables);
// renderers without tables show the pipes, which still read as columns.
//
// Thread-safety: pure functions; Table is a plain value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::report {

// Text for a paragraph, a list item or a table cell: ASCII punctuation that
// Markdown, GitHub or HTML give a meaning anywhere in a line (\ ` * _ [ ] <
// > | ~ # & $ !) is backslash-escaped, and line breaks, tabs and other
// control characters become spaces (a table row is one line).
std::string Escape(std::string_view text);

// An inline code span holding text verbatim: the backtick fence is longer
// than any run of backticks inside, line breaks become spaces. In a table
// cell a `|` would still end the cell, so with in_table it is written `\|`,
// which GitHub's tables show as `|` inside code.
std::string Code(std::string_view text, bool in_table = false);

// A fenced code block (``` or longer: longer than any backtick run in code)
// with an info string ("promql"), ending in a newline.
std::string CodeBlock(std::string_view code, std::string_view info = "");

// &, <, > and " as HTML entities, for text inside HTML tags (<summary>).
std::string HtmlEscape(std::string_view text);

// A collapsed block: <details><summary>summary</summary>, a blank line,
// the Markdown body, a blank line, </details>. summary is plain text.
std::string Details(std::string_view summary, std::string_view body);

// A link destination that is safe unescaped between ( and ): bytes that
// would end or break it (space, parentheses, < > \ and controls) and % are
// percent-encoded, so a relative file path with spaces still resolves.
std::string PathUrl(std::string_view path);

// ![alt](url): alt is plain text (escaped here), url a destination as
// PathUrl or a form-encoded URL gives (spaces and parentheses are encoded
// here anyway).
std::string Image(std::string_view alt, std::string_view url);

class Table {
 public:
  // align has one character per column: 'l' or 'r' (numbers); missing ones
  // are 'l'.
  Table(std::vector<std::string> header, std::string_view align);

  // Cells are Markdown already (Escape, Code, numbers); a short row is
  // padded with empty cells, line breaks become spaces.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  size_t size() const { return rows_.size(); }

  // The header, the delimiter row and the rows, each ending in a newline.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::string align_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace vigil::report
