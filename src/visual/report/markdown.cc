#include "visual/report/markdown.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace vigil::report {

namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

size_t LongestBacktickRun(std::string_view s) {
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// A cell holds one line: a line break in it would end the row.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

std::string Escape(std::string_view text) {
  static constexpr std::string_view kSpecial = "\\`*_[]<>|~#&$!";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    if (IsControl(static_cast<unsigned char>(c))) {
      out.push_back(' ');
    } else {
      if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

std::string Code(std::string_view text, bool in_table) {
  std::string body;
  body.reserve(text.size());
  for (char c : text) {
    if (IsControl(static_cast<unsigned char>(c))) {
      body.push_back(' ');
    } else if (c == '|' && in_table) {
      body += "\\|";
    } else {
      body.push_back(c);
    }
  }
  const std::string fence(LongestBacktickRun(body) + 1, '`');
  // A span that starts or ends with a backtick needs a space to tell it from
  // the fence; CommonMark strips one space on each side.
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`' ||
                                     (body.front() == ' ' && body.back() == ' '));
  return pad ? fence + " " + body + " " + fence : fence + body + fence;
}

std::string CodeBlock(std::string_view code, std::string_view info) {
  const std::string fence(std::max<size_t>(3, LongestBacktickRun(code) + 1), '`');
  std::string out = fence + std::string(info) + "\n" + std::string(code);
  if (!out.ends_with('\n')) out.push_back('\n');
  return out + fence + "\n";
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(IsControl(static_cast<unsigned char>(c)) ? ' ' : c);
    }
  }
  return out;
}

std::string Details(std::string_view summary, std::string_view body) {
  std::string out = "<details>\n<summary>" + HtmlEscape(summary) + "</summary>\n\n";
  out += body;
  while (out.ends_with('\n')) out.pop_back();
  return out + "\n\n</details>\n";
}

std::string PathUrl(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (IsControl(c) || c == ' ' || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\' ||
        c == '%') {
      out += fmt::format("%{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string Image(std::string_view alt, std::string_view url) {
  std::string dest;
  for (unsigned char c : url) {
    if (IsControl(c) || c == ' ' || c == '(' || c == ')' || c == '<' || c == '>') {
      dest += fmt::format("%{:02X}", c);
    } else {
      dest.push_back(static_cast<char>(c));
    }
  }
  return "![" + Escape(alt) + "](" + dest + ")";
}

Table::Table(std::vector<std::string> header, std::string_view align)
    : header_(std::move(header)), align_(align) {
  align_.resize(header_.size(), 'l');
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const std::string& c : cells) out += " " + OneLine(c) + " |";
    return out + "\n";
  };
  std::string out = line(header_) + "|";
  for (char a : align_) out += a == 'r' ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace vigil::report
