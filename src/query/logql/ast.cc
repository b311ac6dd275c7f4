#include "query/logql/ast.h"

#include <fmt/format.h>

#include "base/strconv.h"
#include "query/logql/units.h"

namespace vigil::logql {
namespace {

const char* CmpOpText(CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return "=";
    case CmpOp::kNe:
      return "!=";
    case CmpOp::kRe:
      return "=~";
    case CmpOp::kNre:
      return "!~";
    case CmpOp::kEqEq:
      return "==";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kGe:
      return ">=";
    case CmpOp::kLt:
      return "<";
    case CmpOp::kLe:
      return "<=";
  }
  return "?";
}

void AppendLabelFilter(std::string* out, const LabelFilterNode& n) {
  switch (n.kind) {
    case LabelFilterNode::Kind::kAnd:
    case LabelFilterNode::Kind::kOr:
      out->append("( ");
      AppendLabelFilter(out, *n.left);
      out->append(n.kind == LabelFilterNode::Kind::kAnd ? " , " : " or ");
      AppendLabelFilter(out, *n.right);
      out->append(" )");
      return;
    case LabelFilterNode::Kind::kString:
      out->append(n.matcher->ToString());
      return;
    case LabelFilterNode::Kind::kIp:
      *out += fmt::format("{}{}ip({})", n.name, CmpOpText(n.op), GoQuote(n.text));
      return;
    case LabelFilterNode::Kind::kNumber:
      *out += fmt::format("{}{}{}", n.name, CmpOpText(n.op), FormatGoFloat(n.value, 'f'));
      return;
    case LabelFilterNode::Kind::kDuration:
    case LabelFilterNode::Kind::kBytes:
      *out += fmt::format("{}{}{}", n.name, CmpOpText(n.op), n.text);
      return;
  }
}

void AppendLineFilter(std::string* out, const LineFilter& f) {
  switch (f.op) {
    case LineFilterOp::kContains:
      out->append(" |= ");
      break;
    case LineFilterOp::kNotContains:
      out->append(" != ");
      break;
    case LineFilterOp::kRegex:
      out->append(" |~ ");
      break;
    case LineFilterOp::kNotRegex:
      out->append(" !~ ");
      break;
    case LineFilterOp::kPattern:
      out->append(" |> ");
      break;
    case LineFilterOp::kNotPattern:
      out->append(" !> ");
      break;
  }
  if (f.ip) {
    *out += fmt::format("ip({})", GoQuote(f.values[0]));
    return;
  }
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (i > 0) out->append(" or ");
    AppendGoQuoted(out, f.values[i]);
  }
}

void AppendParams(std::string* out, const std::vector<ExtractionParam>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    out->append(i == 0 ? " " : ", ");
    *out += fmt::format("{}={}", params[i].label, GoQuote(params[i].expression));
  }
}

void AppendStage(std::string* out, const Stage& s) {
  switch (s.kind) {
    case Stage::Kind::kLineFilter:
      AppendLineFilter(out, s.line_filter);
      return;
    case Stage::Kind::kJson:
      out->append(" | json");
      AppendParams(out, s.params);
      return;
    case Stage::Kind::kLogfmt:
      out->append(" | logfmt");
      if (s.logfmt_strict) out->append(" --strict");
      if (s.logfmt_keep_empty) out->append(" --keep-empty");
      AppendParams(out, s.params);
      return;
    case Stage::Kind::kRegexp:
      *out += fmt::format(" | regexp {}", GoQuote(s.text));
      return;
    case Stage::Kind::kPattern:
      *out += fmt::format(" | pattern {}", GoQuote(s.text));
      return;
    case Stage::Kind::kUnpack:
      out->append(" | unpack");
      return;
    case Stage::Kind::kDecolorize:
      out->append(" | decolorize");
      return;
    case Stage::Kind::kLabelFilter:
      out->append(" | ");
      AppendLabelFilter(out, *s.label_filter);
      return;
    case Stage::Kind::kLineFormat:
      *out += fmt::format(" | line_format {}", GoQuote(s.text));
      return;
    case Stage::Kind::kLabelFormat:
      out->append(" | label_format ");
      for (size_t i = 0; i < s.label_formats.size(); ++i) {
        const auto& f = s.label_formats[i];
        if (i > 0) out->append(",");
        *out += fmt::format("{}={}", f.dst, f.is_template ? GoQuote(f.src) : f.src);
      }
      return;
    case Stage::Kind::kDrop:
    case Stage::Kind::kKeep:
      out->append(s.kind == Stage::Kind::kDrop ? " | drop " : " | keep ");
      for (size_t i = 0; i < s.names.size(); ++i) {
        if (i > 0) out->append(",");
        out->append(s.names[i].matcher ? s.names[i].matcher->ToString() : s.names[i].name);
      }
      return;
  }
}

void AppendSelector(std::string* out, const LogSelector& sel) {
  out->push_back('{');
  for (size_t i = 0; i < sel.matchers.size(); ++i) {
    if (i > 0) out->append(", ");
    out->append(sel.matchers[i].ToString());
  }
  out->push_back('}');
  out->append(FormatStages(sel.stages));
}

void AppendGrouping(std::string* out, const Grouping& g) {
  if (!g.present) return;
  out->append(g.without ? " without (" : " by (");
  for (size_t i = 0; i < g.labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(g.labels[i]);
  }
  out->push_back(')');
}

void AppendExpr(std::string* out, const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kLog:
      AppendSelector(out, e.log);
      return;
    case Expr::Kind::kRangeAgg: {
      *out += RangeOpName(e.range_op);
      out->push_back('(');
      if (e.range_op == RangeOp::kQuantile) *out += FormatGoFloat(e.quantile, 'g') + ",";
      AppendSelector(out, e.log);
      if (e.unwrap) {
        out->append(" | unwrap ");
        switch (e.unwrap->conversion) {
          case UnwrapConversion::kFloat:
            out->append(e.unwrap->label);
            break;
          case UnwrapConversion::kDuration:
            *out += fmt::format("duration({})", e.unwrap->label);
            break;
          case UnwrapConversion::kDurationSeconds:
            *out += fmt::format("duration_seconds({})", e.unwrap->label);
            break;
          case UnwrapConversion::kBytes:
            *out += fmt::format("bytes({})", e.unwrap->label);
            break;
        }
        out->append(FormatStages(e.unwrap->post_filters));
      }
      *out += fmt::format("[{}]", FormatPromDuration(e.range_ns / 1000000));
      if (e.offset_ns != 0)
        *out += fmt::format(" offset {}", FormatPromDuration(e.offset_ns / 1000000));
      out->push_back(')');
      AppendGrouping(out, e.grouping);
      return;
    }
    case Expr::Kind::kVectorAgg:
      *out += VectorOpName(e.vector_op);
      AppendGrouping(out, e.grouping);
      out->push_back('(');
      if (e.vector_op == VectorOp::kTopk || e.vector_op == VectorOp::kBottomk) {
        *out += fmt::format("{},", e.k);
      }
      AppendExpr(out, *e.lhs);
      out->push_back(')');
      return;
    case Expr::Kind::kBinary:
      out->push_back('(');
      AppendExpr(out, *e.lhs);
      *out += fmt::format(" {} ", BinOpName(e.bin_op));
      if (e.return_bool) out->append("bool ");
      if (e.matching.present) {
        out->append(e.matching.on ? "on (" : "ignoring (");
        for (size_t i = 0; i < e.matching.labels.size(); ++i) {
          if (i > 0) out->push_back(',');
          out->append(e.matching.labels[i]);
        }
        out->append(") ");
        if (e.matching.card != VectorMatching::Card::kOneToOne) {
          out->append(e.matching.card == VectorMatching::Card::kManyToOne ? "group_left ("
                                                                          : "group_right (");
          for (size_t i = 0; i < e.matching.include.size(); ++i) {
            if (i > 0) out->push_back(',');
            out->append(e.matching.include[i]);
          }
          out->append(") ");
        }
      }
      AppendExpr(out, *e.rhs);
      out->push_back(')');
      return;
    case Expr::Kind::kLiteral:
      out->append(FormatGoFloat(e.value, 'g'));
      return;
    case Expr::Kind::kVector:
      *out += fmt::format("vector({})", FormatGoFloat(e.value, 'g'));
      return;
    case Expr::Kind::kLabelReplace:
      out->append("label_replace(");
      AppendExpr(out, *e.lhs);
      *out += fmt::format(",{},{},{},{})", GoQuote(e.dst), GoQuote(e.replacement), GoQuote(e.src),
                          GoQuote(e.regex_text));
      return;
  }
}

}  // namespace

std::string FormatStages(const std::vector<Stage>& stages) {
  std::string out;
  for (const auto& s : stages) AppendStage(&out, s);
  return out;
}

std::string Format(const Expr& expr) {
  std::string out;
  AppendExpr(&out, expr);
  return out;
}

const char* RangeOpName(RangeOp op) {
  switch (op) {
    case RangeOp::kCount:
      return "count_over_time";
    case RangeOp::kRate:
      return "rate";
    case RangeOp::kRateCounter:
      return "rate_counter";
    case RangeOp::kBytes:
      return "bytes_over_time";
    case RangeOp::kBytesRate:
      return "bytes_rate";
    case RangeOp::kAbsent:
      return "absent_over_time";
    case RangeOp::kSum:
      return "sum_over_time";
    case RangeOp::kAvg:
      return "avg_over_time";
    case RangeOp::kMin:
      return "min_over_time";
    case RangeOp::kMax:
      return "max_over_time";
    case RangeOp::kFirst:
      return "first_over_time";
    case RangeOp::kLast:
      return "last_over_time";
    case RangeOp::kStddev:
      return "stddev_over_time";
    case RangeOp::kStdvar:
      return "stdvar_over_time";
    case RangeOp::kQuantile:
      return "quantile_over_time";
  }
  return "?";
}

const char* VectorOpName(VectorOp op) {
  switch (op) {
    case VectorOp::kSum:
      return "sum";
    case VectorOp::kAvg:
      return "avg";
    case VectorOp::kMin:
      return "min";
    case VectorOp::kMax:
      return "max";
    case VectorOp::kCount:
      return "count";
    case VectorOp::kStddev:
      return "stddev";
    case VectorOp::kStdvar:
      return "stdvar";
    case VectorOp::kTopk:
      return "topk";
    case VectorOp::kBottomk:
      return "bottomk";
    case VectorOp::kSort:
      return "sort";
    case VectorOp::kSortDesc:
      return "sort_desc";
  }
  return "?";
}

const char* BinOpName(BinOp op) {
  switch (op) {
    case BinOp::kOr:
      return "or";
    case BinOp::kAnd:
      return "and";
    case BinOp::kUnless:
      return "unless";
    case BinOp::kEq:
      return "==";
    case BinOp::kNe:
      return "!=";
    case BinOp::kGt:
      return ">";
    case BinOp::kGe:
      return ">=";
    case BinOp::kLt:
      return "<";
    case BinOp::kLe:
      return "<=";
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kMod:
      return "%";
    case BinOp::kPow:
      return "^";
  }
  return "?";
}

}  // namespace vigil::logql
