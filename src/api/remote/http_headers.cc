#include "api/remote/http_headers.h"

#include <algorithm>
#include <cctype>

#include "base/metrics.h"

namespace vigil::remote {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool IsSnappyOrMissing(std::string_view content_encoding) {
  std::string_view e = Trim(content_encoding);
  return e.empty() || Lower(e) == "snappy";
}

MediaType ParseMediaType(std::string_view header, std::string_view param_name) {
  MediaType mt;
  size_t semi = header.find(';');
  mt.type = Lower(Trim(header.substr(0, semi)));
  while (semi != std::string_view::npos) {
    header.remove_prefix(semi + 1);
    semi = header.find(';');
    std::string_view param = header.substr(0, semi);
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (Lower(Trim(param.substr(0, eq))) != Lower(param_name)) continue;
    std::string_view value = Trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    mt.param = std::string(value);
  }
  return mt;
}

std::string FormatLabelsForMessage(model::LabelsView labels, size_t max_bytes) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (out.size() > max_bytes) {
      out += ", ...";
      break;
    }
    if (i > 0) out += ", ";
    out.append(labels[i].name.substr(0, max_bytes));
    out += "=\"";
    metrics::AppendEscapedLabelValue(&out, labels[i].value.substr(0, max_bytes));
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace vigil::remote
