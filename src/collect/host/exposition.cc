#include "collect/host/exposition.h"

#include "base/metrics.h"
#include "base/strconv.h"

namespace vigil::host {

namespace {

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

}  // namespace

void PageWriter::Family(std::string_view name, std::string_view help, MetricType type) {
  name_.assign(name);
  help_.assign(help);
  type_ = type;
  header_written_ = false;
}

void PageWriter::Sample(std::initializer_list<LabelPair> labels, double value) {
  if (!header_written_) {
    out_->append("# HELP ");
    out_->append(name_);
    out_->push_back(' ');
    metrics::AppendEscapedHelp(out_, help_);
    out_->append("\n# TYPE ");
    out_->append(name_);
    out_->push_back(' ');
    out_->append(TypeName(type_));
    out_->push_back('\n');
    header_written_ = true;
  }
  out_->append(name_);
  if (labels.size() > 0) {
    out_->push_back('{');
    bool first = true;
    for (const LabelPair& l : labels) {
      if (!first) out_->push_back(',');
      first = false;
      out_->append(l.name);
      out_->append("=\"");
      metrics::AppendEscapedLabelValue(out_, l.value);
      out_->push_back('"');
    }
    out_->push_back('}');
  }
  out_->push_back(' ');
  if (value == 0) {
    out_->push_back('0');  // client_golang prints -0 as "0" too
  } else {
    AppendGoFloat(out_, value, 'g');
  }
  out_->push_back('\n');
}

}  // namespace vigil::host
