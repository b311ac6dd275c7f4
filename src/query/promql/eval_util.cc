#include "query/promql/eval_util.h"

namespace vigil::promql::eval {

std::string LabelsString(const model::Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ", ";
    first = false;
    if (IsLegacyLabelName(l.name)) {
      out += l.name;
    } else {
      AppendGoQuoted(&out, l.name);
    }
    out.push_back('=');
    AppendGoQuoted(&out, l.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace vigil::promql::eval
