// Functions on labels: label_replace and label_join (evaluated on whole
// series), sort_by_label and sort_by_label_desc (natural order).
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

#include "model/labels.h"
#include "query/promql/eval_util.h"
#include "query/promql/func_table.h"

namespace vigil::promql::eval {

namespace {

const std::string& StringArg(const Call& c, size_t i) {
  static const std::string kEmpty;
  const Expr& e = Unparen(*c.args[i]);
  if (e.kind != ExprKind::kString) return kEmpty;
  return static_cast<const StringLiteral&>(e).value;
}

bool IsValidLabelName(std::string_view name) { return !name.empty() && model::IsValidUTF8(name); }

bool IsNameChar(unsigned char ch) {
  // Letters, digits and '_' (non-ASCII bytes count as letters).
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch >= 0x80;
}

// Go's regexp.Expand: $1, ${1}, $name, ${name} and $$ in the template are
// replaced by the submatches of src.
std::string Expand(const re2::RE2& re, std::string_view tmpl,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const std::map<std::string, int>& named = re.NamedCapturingGroups();
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    // Extract the name.
    std::string_view rest = tmpl;
    bool brace = false;
    if (!rest.empty() && rest[0] == '{') {
      brace = true;
      rest.remove_prefix(1);
    }
    size_t n = 0;
    while (n < rest.size() && IsNameChar(static_cast<unsigned char>(rest[n]))) ++n;
    bool ok = n > 0;
    std::string_view name = rest.substr(0, n);
    if (ok && brace) {
      if (n >= rest.size() || rest[n] != '}') {
        ok = false;
      } else {
        ++n;
      }
    }
    if (!ok) {
      out.push_back('$');  // malformed: the '$' is literal
      continue;
    }
    tmpl = rest.substr(n);
    // A number refers to a group by index (no leading zeros).
    int num = -1;
    if (std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
        !(name.size() > 1 && name[0] == '0') && name.size() <= 8) {
      std::from_chars(name.data(), name.data() + name.size(), num);
    }
    int idx = -1;
    if (num >= 0) {
      idx = num;
    } else {
      auto it = named.find(std::string(name));
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr) {
      out.append(groups[idx].data(), groups[idx].size());
    }
  }
  out.append(tmpl);
  return out;
}

// facette/natsort: runs of digits compare as numbers, the rest as strings.
std::vector<std::string_view> Chunks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    size_t j = i + 1;
    while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') == digit)) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Whether a precedes b in natural order.
bool NatLess(std::string_view a, std::string_view b) {
  std::vector<std::string_view> ca = Chunks(a), cb = Chunks(b);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    int64_t ia, ib;
    if (ParseInt(ca[i], &ia) && ParseInt(cb[i], &ib)) {
      if (ia == ib) {
        if (i == ca.size() - 1) return true;
        if (i == cb.size() - 1) return false;
        continue;
      }
      return ia < ib;
    }
    if (ca[i] == cb[i]) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
      continue;
    }
    return ca[i] < cb[i];
  }
  return false;
}

Status SortByLabelImpl(InstantCall& c, bool desc) {
  std::vector<std::string_view> names;
  for (size_t i = 1; i < c.call->args.size(); ++i) names.push_back(StringArg(*c.call, i));
  *c.out = c.args[0];
  std::sort(c.out->begin(), c.out->end(), [&](const EvalSample& x, const EvalSample& y) {
    for (std::string_view n : names) {
      std::string_view a = x.metric->Get(n), b = y.metric->Get(n);
      if (a == b) continue;
      return NatLess(a, b) != desc;
    }
    int cmp = x.metric->Compare(*y.metric);
    return desc ? cmp > 0 : cmp < 0;
  });
  return Status::OK();
}

}  // namespace

Status SortByLabel(InstantCall& c) { return SortByLabelImpl(c, false); }
Status SortByLabelDesc(InstantCall& c) { return SortByLabelImpl(c, true); }

Status Evaluator::EvalLabelReplace(const Call& c, EvalValue* out) {
  if (c.args.size() != 5) return Status::Internal("label_replace takes 5 arguments");
  const std::string& dst = StringArg(c, 1);
  const std::string& repl = StringArg(c, 2);
  const std::string& src = StringArg(c, 3);
  const std::string& regex = StringArg(c, 4);
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  re2::RE2 re("^(?s:" + regex + ")$", opts);
  if (!re.ok()) {
    return Status::FailedPrecondition("invalid regular expression in label_replace(): " + regex);
  }
  if (!IsValidLabelName(dst)) {
    return Status::FailedPrecondition("invalid destination label name in label_replace(): " + dst);
  }
  VIGIL_RETURN_IF_ERROR(Eval(*c.args[0], out));
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  std::unordered_map<const model::Labels*, const model::Labels*> done;
  for (EvalSeries& s : out->matrix) {
    auto it = done.find(s.metric);
    if (it == done.end()) {
      std::string_view value = s.metric->Get(src);
      const model::Labels* result = s.metric;
      if (re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(),
                   re2::RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
        std::string res = Expand(re, repl, groups);
        model::LabelsBuilder b(*s.metric);
        b.Set(dst, res);
        result = q_->labels().Intern(b);
      } else {
        result = nullptr;  // unchanged
      }
      it = done.emplace(s.metric, result).first;
    }
    if (it->second == nullptr) continue;
    s.metric = it->second;
    if (dst == model::kMetricName) s.drop_name = false;
  }
  return RequireUniqueLabelsets(out->matrix);
}

Status Evaluator::EvalLabelJoin(const Call& c, EvalValue* out) {
  if (c.args.size() < 3) return Status::Internal("label_join takes at least 3 arguments");
  const std::string& dst = StringArg(c, 1);
  const std::string& sep = StringArg(c, 2);
  std::vector<std::string_view> srcs;
  for (size_t i = 3; i < c.args.size(); ++i) {
    const std::string& s = StringArg(c, i);
    if (!IsValidLabelName(s)) {
      return Status::FailedPrecondition("invalid source label name in label_join(): " + s);
    }
    srcs.push_back(s);
  }
  if (!IsValidLabelName(dst)) {
    return Status::FailedPrecondition("invalid destination label name in label_join(): " + dst);
  }
  VIGIL_RETURN_IF_ERROR(Eval(*c.args[0], out));
  std::unordered_map<const model::Labels*, const model::Labels*> done;
  for (EvalSeries& s : out->matrix) {
    auto it = done.find(s.metric);
    if (it == done.end()) {
      std::string joined;
      for (size_t i = 0; i < srcs.size(); ++i) {
        if (i > 0) joined += sep;
        joined += s.metric->Get(srcs[i]);
      }
      model::LabelsBuilder b(*s.metric);
      b.Set(dst, joined);
      it = done.emplace(s.metric, q_->labels().Intern(b)).first;
    }
    s.metric = it->second;
    if (dst == model::kMetricName) s.drop_name = false;
  }
  return RequireUniqueLabelsets(out->matrix);
}

}  // namespace vigil::promql::eval
