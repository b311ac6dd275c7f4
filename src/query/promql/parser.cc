// The PromQL parser: recursive descent over the lexer's tokens, with
// precedence climbing for binary operators. Precedence and associativity are
// Prometheus 3.5's (or < and/unless < comparisons < +,- < *,/,%,atan2 < ^,
// ^ right-associative; unary +/- binds like *; offset, @ and [...] bind
// tightest). Syntax errors name the token and, where Prometheus' grammar has
// an error rule, its context ("in aggregation", "in label matching, expected
// string"), with the position of the offending token.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strconv.h"
#include "fmt/format.h"
#include "query/promql/functions.h"
#include "query/promql/lexer.h"
#include "query/promql/parser.h"
#include "query/promql/parser_internal.h"
#include "re2/re2.h"

namespace vigil::promql {

std::string FormatParseError(std::string_view query, int pos, std::string_view msg) {
  if (pos < 0 || static_cast<size_t>(pos) > query.size()) {
    return fmt::format("invalid position: parse error: {}", msg);
  }
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < pos; ++i) {
    if (query[static_cast<size_t>(i)] == '\n') {
      last_break = i;
      ++line;
    }
  }
  return fmt::format("{}:{}: parse error: {}", line, pos - last_break, msg);
}

namespace {

constexpr int kPowPrec = 6;

// Limits that keep the recursive parser, checker, printer and evaluator
// within the stack on hostile input (Prometheus' parser has none: its yacc
// stack and Go's stacks grow). Parentheses, unary operators, calls and right
// operands of ^ nest the parser itself; long operator chains only make the
// tree deep.
constexpr int kMaxNesting = 256;
constexpr int kMaxTreeDepth = 4096;

// Binary operator precedence (0: not a binary operator).
int BinaryPrecedence(TokenType t) {
  switch (t) {
    case TokenType::kLor:
      return 1;
    case TokenType::kLand:
    case TokenType::kLunless:
      return 2;
    case TokenType::kEqlc:
    case TokenType::kNeq:
    case TokenType::kGtr:
    case TokenType::kLss:
    case TokenType::kGte:
    case TokenType::kLte:
      return 3;
    case TokenType::kAdd:
    case TokenType::kSub:
      return 4;
    case TokenType::kMul:
    case TokenType::kDiv:
    case TokenType::kMod:
    case TokenType::kAtan2:
      return 5;
    case TokenType::kPow:
      return kPowPrec;
    default:
      return 0;
  }
}

BinaryOp ToBinaryOp(TokenType t) {
  switch (t) {
    case TokenType::kAdd:
      return BinaryOp::kAdd;
    case TokenType::kSub:
      return BinaryOp::kSub;
    case TokenType::kMul:
      return BinaryOp::kMul;
    case TokenType::kDiv:
      return BinaryOp::kDiv;
    case TokenType::kMod:
      return BinaryOp::kMod;
    case TokenType::kPow:
      return BinaryOp::kPow;
    case TokenType::kAtan2:
      return BinaryOp::kAtan2;
    case TokenType::kEqlc:
      return BinaryOp::kEql;
    case TokenType::kNeq:
      return BinaryOp::kNeq;
    case TokenType::kGtr:
      return BinaryOp::kGtr;
    case TokenType::kLss:
      return BinaryOp::kLss;
    case TokenType::kGte:
      return BinaryOp::kGte;
    case TokenType::kLte:
      return BinaryOp::kLte;
    case TokenType::kLand:
      return BinaryOp::kAnd;
    case TokenType::kLor:
      return BinaryOp::kOr;
    default:
      return BinaryOp::kUnless;
  }
}

AggregateOp ToAggregateOp(TokenType t) {
  switch (t) {
    case TokenType::kAvg:
      return AggregateOp::kAvg;
    case TokenType::kBottomk:
      return AggregateOp::kBottomK;
    case TokenType::kCount:
      return AggregateOp::kCount;
    case TokenType::kCountValues:
      return AggregateOp::kCountValues;
    case TokenType::kGroup:
      return AggregateOp::kGroup;
    case TokenType::kMax:
      return AggregateOp::kMax;
    case TokenType::kMin:
      return AggregateOp::kMin;
    case TokenType::kQuantile:
      return AggregateOp::kQuantile;
    case TokenType::kStddev:
      return AggregateOp::kStddev;
    case TokenType::kStdvar:
      return AggregateOp::kStdvar;
    case TokenType::kTopk:
      return AggregateOp::kTopK;
    case TokenType::kLimitk:
      return AggregateOp::kLimitK;
    case TokenType::kLimitRatio:
      return AggregateOp::kLimitRatio;
    default:
      return AggregateOp::kSum;
  }
}

// Tokens that may name a metric outside braces (Prometheus' metric_identifier).
bool IsMetricIdentifierToken(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kOffset:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kStart:
    case TokenType::kEnd:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

// Tokens that may name a label in grouping clauses (Prometheus' maybe_label).
bool IsMaybeLabelToken(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kBool:
    case TokenType::kBy:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kIgnoring:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kOffset:
    case TokenType::kOn:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kAtan2:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

bool IsMatchOpToken(TokenType t) {
  return t == TokenType::kAssign || t == TokenType::kNeq || t == TokenType::kEqlRegex ||
         t == TokenType::kNeqRegex;
}

model::MatchType ToMatchType(TokenType t) {
  switch (t) {
    case TokenType::kNeq:
      return model::MatchType::kNotEqual;
    case TokenType::kEqlRegex:
      return model::MatchType::kRegexMatch;
    case TokenType::kNeqRegex:
      return model::MatchType::kRegexNoMatch;
    default:
      return model::MatchType::kEqual;
  }
}

// Go's regexp/syntax error for an invalid regular expression ("error parsing
// regexp: missing closing ): `(.*`"), from RE2's error code and fragment.
std::string GoRegexpError(const std::string& regex, std::string_view fallback) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  RE2 re(regex, opts);
  const char* code = nullptr;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      code = "trailing backslash at end of expression";
      break;
    case RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      code = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      code = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    case RE2::ErrorPatternTooLarge:
      code = "expression too large";
      break;
    default:
      return std::string(fallback);
  }
  return fmt::format("error parsing regexp: {}: `{}`", code, re.error_arg());
}

// Go's %f.
std::string GoPercentF(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatGoFloat(v, 'f');
  return fmt::format("{:.6f}", v);
}

class Parser {
 public:
  Parser(std::string_view query, const ParseOptions& options)
      : query_(query), lex_(query), opts_(options) {}

  Result<ExprPtr> ParseQuery() {
    if (Peek().type == TokenType::kEOF && !failed_) {
      return Err(0, "no expression found in input");
    }
    ExprPtr e = ParseExpr(0);
    if (!failed_) {
      const Token& t = Peek();
      if (!failed_ && t.type != TokenType::kEOF) Unexpected(t, Context(), "");
    }
    if (failed_) return Err(err_pos_, err_msg_);
    Status s = CheckAst(e.get(), query_);
    if (!s.ok()) return s;
    s = ResolveDurations(e.get(), &pending_);
    if (!s.ok()) return s;
    return e;
  }

  Result<model::Labels> ParseMetricText();

 private:
  Status Err(int pos, std::string_view msg) {
    return Status::InvalidArgument(FormatParseError(query_, pos, msg));
  }

  // The lookahead token k places ahead (comments skipped). A lexer error
  // fails the parse at once, as Prometheus reports it when it reads it.
  const Token& Peek(size_t k = 0) {
    while (buf_.size() <= k) {
      Token t = lex_.Next();
      while (t.type == TokenType::kComment) t = lex_.Next();
      if (t.type == TokenType::kError) Fail(t.pos, t.error);
      buf_.push_back(std::move(t));
    }
    return buf_[k];
  }

  Token Take() {
    Peek();
    Token t = std::move(buf_.front());
    buf_.erase(buf_.begin());
    switch (t.type) {
      case TokenType::kRightBrace:
      case TokenType::kRightParen:
      case TokenType::kRightBracket:
      case TokenType::kDuration:
      case TokenType::kNumber:
        last_closing_ = t.end();
        break;
      default:
        break;
    }
    return t;
  }

  void Fail(int pos, std::string msg) {
    if (failed_) return;
    failed_ = true;
    err_pos_ = pos;
    err_msg_ = std::move(msg);
  }

  void Unexpected(const Token& t, std::string_view context, std::string_view expected) {
    if (t.type == TokenType::kError) return;  // already reported
    std::string msg = "unexpected " + DescribeToken(t);
    if (!context.empty()) msg += fmt::format(" in {}", context);
    if (!expected.empty()) msg += fmt::format(", expected {}", expected);
    Fail(t.pos, std::move(msg));
  }

  // The context of generic syntax errors: the innermost aggregation, as
  // Prometheus' "aggregate_op error" rule catches errors in its body.
  std::string_view Context() const { return agg_depth_ > 0 ? "aggregation" : ""; }

  ExprPtr ParseExpr(int min_prec);
  ExprPtr ParseBinary(int min_prec);
  bool CheckDepth(int depth, int pos) {
    if (depth <= kMaxTreeDepth) return true;
    Fail(pos, fmt::format("expression nested more than {} levels deep", kMaxTreeDepth));
    return false;
  }
  ExprPtr ParseUnary();
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr e);
  ExprPtr ParseNumber();
  ExprPtr ParseVectorSelector();
  bool ParseLabelMatchers(VectorSelector* vs);
  ExprPtr ParseCall();
  ExprPtr ParseAggregate();
  bool ParseCallBody(std::vector<ExprPtr>* args);
  bool ParseGroupingLabels(std::vector<std::string>* labels);
  bool ParseBinaryModifiers(BinaryExpr* b);
  ExprPtr ParseRangeOrSubquery(ExprPtr e);
  ExprPtr ParseOffset(ExprPtr e);
  ExprPtr ParseAt(ExprPtr e);
  std::unique_ptr<DurationNode> ParseDurationExpr(int min_prec);
  std::unique_ptr<DurationNode> ParseDurationPrimary();
  std::unique_ptr<DurationNode> DurationLiteral(const Token& t, bool negate);
  bool Unquote(const Token& t, std::string* out);
  // A range or step written as a literal must be positive.
  bool CheckPositive(const DurationNode& d) {
    if (!CheckInRange(d)) return false;
    if (d.seconds > 0 && std::round(d.seconds * 1e9) >= 1e6) return true;
    Fail(d.pos.start, "duration must be greater than 0");
    return false;
  }
  // Arithmetic and parentheses in durations are behind a feature flag.
  bool DurationExprEnabled(const DurationNode& d) {
    if (opts_.duration_expressions) return true;
    Fail(d.pos.start, "experimental duration expression is not enabled");
    return false;
  }
  bool CheckInRange(const DurationNode& d) {
    if (std::abs(d.seconds * 1e9) < 9.2e18) return true;
    Fail(d.pos.start, "duration out of range");
    return false;
  }

  std::string_view query_;
  Lexer lex_;
  ParseOptions opts_;
  std::vector<Token> buf_;
  int last_closing_ = 0;
  int agg_depth_ = 0;
  int nesting_ = 0;  // ParseExpr recursion
  int depth_ = 0;    // tree depth of the expression just parsed
  int duration_nodes_ = 0;
  bool failed_ = false;
  int err_pos_ = 0;
  std::string err_msg_;
  std::vector<PendingDuration> pending_;
};

ExprPtr Parser::ParseExpr(int min_prec) {
  if (++nesting_ > kMaxNesting) {
    Fail(Peek().pos, fmt::format("expression nested more than {} levels deep", kMaxNesting));
    return nullptr;
  }
  ExprPtr e = ParseBinary(min_prec);
  --nesting_;
  return e;
}

ExprPtr Parser::ParseBinary(int min_prec) {
  ExprPtr lhs = ParseUnary();
  if (failed_) return nullptr;
  int lhs_depth = depth_;
  for (;;) {
    const Token& t = Peek();
    if (failed_) return nullptr;
    int prec = BinaryPrecedence(t.type);
    if (prec == 0 || prec < min_prec) break;
    Token op = Take();
    auto b = std::make_unique<BinaryExpr>();
    b->op = ToBinaryOp(op.type);
    if (!ParseBinaryModifiers(b.get())) return nullptr;
    ExprPtr rhs = ParseExpr(op.type == TokenType::kPow ? prec : prec + 1);
    if (failed_) return nullptr;
    b->pos = {lhs->pos.start, rhs->pos.end};
    b->lhs = std::move(lhs);
    b->rhs = std::move(rhs);
    lhs = std::move(b);
    lhs_depth = std::max(lhs_depth, depth_) + 1;
    if (!CheckDepth(lhs_depth, op.pos)) return nullptr;
  }
  depth_ = lhs_depth;
  return lhs;
}

bool Parser::ParseBinaryModifiers(BinaryExpr* b) {
  VectorMatching m;
  if (Peek().type == TokenType::kBool) {
    Take();
    b->return_bool = true;
  }
  TokenType t = Peek().type;
  if (t == TokenType::kOn || t == TokenType::kIgnoring) {
    Take();
    m.on = t == TokenType::kOn;
    if (!ParseGroupingLabels(&m.matching_labels)) return false;
    t = Peek().type;
    if (t == TokenType::kGroupLeft || t == TokenType::kGroupRight) {
      Take();
      m.card = t == TokenType::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
      if (Peek().type == TokenType::kLeftParen && !ParseGroupingLabels(&m.include)) return false;
    }
  }
  b->matching = std::move(m);
  return !failed_;
}

ExprPtr Parser::ParseUnary() {
  const Token& t = Peek();
  if (failed_) return nullptr;
  if (t.type != TokenType::kAdd && t.type != TokenType::kSub) return ParsePostfix(ParsePrimary());
  Token op = Take();
  ExprPtr operand = ParseExpr(kPowPrec);
  if (failed_) return nullptr;
  if (operand->kind == ExprKind::kNumber) {
    auto* n = static_cast<NumberLiteral*>(operand.get());
    if (op.type == TokenType::kSub) n->value = -n->value;
    n->pos.start = op.pos;
    return operand;
  }
  if (!CheckDepth(++depth_, op.pos)) return nullptr;
  auto u = std::make_unique<UnaryExpr>();
  u->negate = op.type == TokenType::kSub;
  u->pos = {op.pos, operand->pos.end};
  u->expr = std::move(operand);
  return u;
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  if (failed_) return nullptr;
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kDuration:
      return ParseNumber();
    case TokenType::kString: {
      Token s = Take();
      auto lit = std::make_unique<StringLiteral>();
      depth_ = 1;
      lit->pos = {s.pos, s.end()};
      if (!Unquote(s, &lit->value)) return nullptr;
      return lit;
    }
    case TokenType::kLeftParen: {
      Token open = Take();
      ExprPtr inner = ParseExpr(0);
      if (failed_) return nullptr;
      const Token& close = Peek();
      if (failed_) return nullptr;
      if (close.type != TokenType::kRightParen) {
        Unexpected(close, Context(), "");
        return nullptr;
      }
      Token c = Take();
      if (!CheckDepth(++depth_, open.pos)) return nullptr;
      auto p = std::make_unique<ParenExpr>();
      p->pos = {open.pos, c.end()};
      p->expr = std::move(inner);
      return p;
    }
    case TokenType::kLeftBrace:
      return ParseVectorSelector();
    default:
      break;
  }
  if (t.type == TokenType::kIdentifier) {
    const Token& next = Peek(1);
    if (failed_) return nullptr;
    if (next.type == TokenType::kLeftParen) return ParseCall();
    return ParseVectorSelector();
  }
  if (IsAggregatorToken(t.type)) {
    TokenType next = Peek(1).type;
    if (failed_) return nullptr;
    if (next == TokenType::kLeftParen || next == TokenType::kBy || next == TokenType::kWithout) {
      return ParseAggregate();
    }
    return ParseVectorSelector();  // "sum" alone names a metric
  }
  if (IsMetricIdentifierToken(t.type)) return ParseVectorSelector();
  Unexpected(t, Context(), "");
  return nullptr;
}

ExprPtr Parser::ParseNumber() {
  depth_ = 1;
  Token t = Take();
  auto n = std::make_unique<NumberLiteral>();
  n->pos = {t.pos, t.end()};
  if (t.type == TokenType::kNumber) {
    Result<double> v = ParseGoNumber(t.text);
    if (!v.ok()) {
      Fail(t.pos, "error parsing number: " + v.status().message());
      return nullptr;
    }
    n->value = *v;
    return n;
  }
  Result<int64_t> ns = ParsePromDurationNanos(t.text);
  if (!ns.ok()) {
    Fail(t.pos, ns.status().message());
    return nullptr;
  }
  n->value = static_cast<double>(*ns) / 1e9;
  n->duration = true;
  return n;
}

bool Parser::Unquote(const Token& t, std::string* out) {
  Result<std::string> v = UnquotePromString(t.text);
  if (!v.ok()) {
    Fail(t.pos,
         fmt::format("error unquoting string {}: {}", GoQuote(t.text), v.status().message()));
    return false;
  }
  *out = std::move(v).value();
  return true;
}

ExprPtr Parser::ParseVectorSelector() {
  depth_ = 1;
  auto vs = std::make_unique<VectorSelector>();
  const Token& first = Peek();
  if (failed_) return nullptr;
  vs->pos.start = first.pos;
  if (first.type != TokenType::kLeftBrace) {
    Token name = Take();
    vs->name = std::string(name.text);
    vs->pos.end = name.end();
  }
  if (Peek().type == TokenType::kLeftBrace) {
    if (!ParseLabelMatchers(vs.get())) return nullptr;
    vs->pos.end = last_closing_;
  }
  if (failed_) return nullptr;
  if (!vs->name.empty()) vs->matchers.push_back(model::Matcher::Equal("__name__", vs->name));
  return vs;
}

bool Parser::ParseLabelMatchers(VectorSelector* vs) {
  Take();  // {
  bool first = true;
  for (;;) {
    const Token& t = Peek();
    if (failed_) return false;
    if (t.type == TokenType::kRightBrace && first) {
      Take();
      return true;
    }
    first = false;
    if (t.type == TokenType::kIdentifier || t.type == TokenType::kString) {
      Token name_tok = Take();
      std::string name;
      if (name_tok.type == TokenType::kIdentifier) {
        name = std::string(name_tok.text);
      } else if (!Unquote(name_tok, &name)) {
        return false;
      }
      const Token& op = Peek();
      if (failed_) return false;
      if (name_tok.type == TokenType::kString && !IsMatchOpToken(op.type)) {
        // A quoted name alone is the metric name: {"my.metric"}.
        vs->matchers.push_back(model::Matcher::Equal("__name__", name));
      } else {
        if (!IsMatchOpToken(op.type)) {
          Unexpected(op, "label matching", "label matching operator");
          return false;
        }
        TokenType op_type = Take().type;
        const Token& val = Peek();
        if (failed_) return false;
        if (val.type != TokenType::kString) {
          Unexpected(val, "label matching", "string");
          return false;
        }
        Token v = Take();
        std::string value;
        if (!Unquote(v, &value)) return false;
        Result<model::Matcher> m = model::Matcher::Make(ToMatchType(op_type), name, value);
        if (!m.ok()) {
          Fail(name_tok.pos, GoRegexpError(value, m.status().message()));
          return false;
        }
        vs->matchers.push_back(std::move(m).value());
      }
    } else {
      Unexpected(t, "label matching", "identifier or \"}\"");
      return false;
    }
    const Token& sep = Peek();
    if (failed_) return false;
    if (sep.type == TokenType::kRightBrace) {
      Take();
      return true;
    }
    if (sep.type != TokenType::kComma) {
      Unexpected(sep, "label matching", "\",\" or \"}\"");
      return false;
    }
    Take();
    if (Peek().type == TokenType::kRightBrace) {
      Take();
      return !failed_;
    }
  }
}

bool Parser::ParseCallBody(std::vector<ExprPtr>* args) {
  Token open = Take();  // (
  depth_ = 1;
  if (Peek().type == TokenType::kRightParen) {
    Take();
    return !failed_;
  }
  int max_depth = 0;
  for (;;) {
    ExprPtr e = ParseExpr(0);
    if (failed_) return false;
    max_depth = std::max(max_depth, depth_);
    args->push_back(std::move(e));
    const Token& t = Peek();
    if (failed_) return false;
    if (t.type == TokenType::kRightParen) {
      Take();
      depth_ = max_depth + 1;
      return CheckDepth(depth_, open.pos);
    }
    if (t.type != TokenType::kComma) {
      Unexpected(t, Context(), "");
      return false;
    }
    Token comma = Take();
    if (Peek().type == TokenType::kRightParen) {
      if (failed_) return false;
      Fail(comma.pos, "trailing commas not allowed in function call args");
      return false;
    }
  }
}

ExprPtr Parser::ParseCall() {
  Token name = Take();
  auto c = std::make_unique<Call>();
  if (!ParseCallBody(&c->args)) return nullptr;
  c->pos = {name.pos, last_closing_};
  c->func = LookupFunction(name.text);
  if (c->func == nullptr) {
    Fail(name.pos, fmt::format("unknown function with name {}", GoQuote(name.text)));
    return nullptr;
  }
  if (c->func->experimental && !opts_.experimental_functions) {
    Fail(name.pos, fmt::format("function {} is not enabled", GoQuote(name.text)));
    return nullptr;
  }
  return c;
}

bool Parser::ParseGroupingLabels(std::vector<std::string>* labels) {
  const Token& open = Peek();
  if (failed_) return false;
  if (open.type != TokenType::kLeftParen) {
    Unexpected(open, "grouping opts", "\"(\"");
    return false;
  }
  Take();
  labels->clear();
  bool first = true;
  for (;;) {
    const Token& t = Peek();
    if (failed_) return false;
    if (t.type == TokenType::kRightParen && first) {
      Take();
      return true;
    }
    first = false;
    if (t.type == TokenType::kString) {
      Token s = Take();
      std::string name;
      if (!Unquote(s, &name)) return false;
      if (name.empty() || !model::IsValidUTF8(name)) {
        Fail(s.pos, fmt::format("invalid label name for grouping: {}", GoQuote(name)));
        return false;
      }
      labels->push_back(std::move(name));
    } else if (IsMaybeLabelToken(t.type)) {
      labels->push_back(std::string(Take().text));
    } else {
      Unexpected(t, "grouping opts", "label");
      return false;
    }
    const Token& sep = Peek();
    if (failed_) return false;
    if (sep.type == TokenType::kRightParen) {
      Take();
      return true;
    }
    if (sep.type != TokenType::kComma) {
      Unexpected(sep, "grouping opts", "\",\" or \")\"");
      return false;
    }
    Take();
    if (Peek().type == TokenType::kRightParen) {
      Take();
      return !failed_;
    }
  }
}

ExprPtr Parser::ParseAggregate() {
  Token op = Take();
  auto a = std::make_unique<AggregateExpr>();
  a->op = ToAggregateOp(op.type);
  ++agg_depth_;
  auto modifier = [&]() {
    a->without = Take().type == TokenType::kWithout;
    return ParseGroupingLabels(&a->grouping);
  };
  std::vector<ExprPtr> args;
  TokenType t = Peek().type;
  bool ok = true;
  if (t == TokenType::kBy || t == TokenType::kWithout) {
    ok = modifier();
    if (ok) {
      const Token& body = Peek();
      if (!failed_ && body.type != TokenType::kLeftParen) {
        Unexpected(body, "aggregation", "");
        ok = false;
      }
    }
    ok = ok && ParseCallBody(&args);
  } else {
    ok = ParseCallBody(&args);
    if (ok) {
      t = Peek().type;
      if (t == TokenType::kBy || t == TokenType::kWithout) ok = modifier();
    }
  }
  --agg_depth_;
  if (!ok || failed_) return nullptr;
  a->pos = {op.pos, last_closing_};
  if (args.empty()) {
    Fail(op.pos, "no arguments for aggregate expression provided");
    return nullptr;
  }
  size_t want = 1;
  if (AggregateTakesParam(a->op)) {
    if ((a->op == AggregateOp::kLimitK || a->op == AggregateOp::kLimitRatio) &&
        !opts_.experimental_functions) {
      Fail(op.pos,
           "limitk() and limit_ratio() are experimental and must be enabled with "
           "--enable-feature=promql-experimental-functions");
      return nullptr;
    }
    want = 2;
  }
  if (args.size() != want) {
    Fail(op.pos, fmt::format("wrong number of arguments for aggregate expression provided, "
                             "expected {}, got {}",
                             want, args.size()));
    return nullptr;
  }
  if (want == 2) a->param = std::move(args[0]);
  a->expr = std::move(args[want - 1]);
  return a;
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
  while (!failed_ && e != nullptr) {
    TokenType t = Peek().type;
    if (failed_) return nullptr;
    if (t == TokenType::kLeftBracket) {
      e = ParseRangeOrSubquery(std::move(e));
    } else if (t == TokenType::kOffset) {
      e = ParseOffset(std::move(e));
    } else if (t == TokenType::kAt) {
      e = ParseAt(std::move(e));
    } else {
      break;
    }
  }
  if (failed_) return nullptr;
  return e;
}

// A duration literal ("5m", or a number of seconds).
std::unique_ptr<DurationNode> Parser::DurationLiteral(const Token& t, bool negate) {
  auto d = std::make_unique<DurationNode>();
  d->pos = {t.pos, t.end()};
  if (t.type == TokenType::kNumber) {
    Result<double> v = ParseGoNumber(t.text);
    if (!v.ok()) {
      Fail(t.pos, "error parsing number: " + v.status().message());
      return nullptr;
    }
    d->seconds = *v;
  } else {
    Result<int64_t> ns = ParsePromDurationNanos(t.text);
    if (!ns.ok()) {
      Fail(t.pos, ns.status().message());
      return nullptr;
    }
    d->seconds = static_cast<double>(*ns) / 1e9;
    d->is_duration = true;
  }
  if (negate) d->seconds = -d->seconds;
  return d;
}

std::unique_ptr<DurationNode> Parser::ParseDurationPrimary() {
  const Token& t = Peek();
  if (failed_) return nullptr;
  if (t.type == TokenType::kNumber || t.type == TokenType::kDuration) {
    Token lit = Take();
    return DurationLiteral(lit, false);
  }
  if (t.type == TokenType::kLeftParen) {
    Token open = Take();
    auto inner = ParseDurationExpr(0);
    if (failed_) return nullptr;
    const Token& close = Peek();
    if (failed_) return nullptr;
    if (close.type != TokenType::kRightParen) {
      Unexpected(close, "", "");
      return nullptr;
    }
    if (!DurationExprEnabled(*inner)) return nullptr;
    Token c = Take();
    // As in Prometheus, a literal in parentheses stays a plain literal.
    if (inner->kind != DurationNode::Kind::kLiteral) inner->wrapped = true;
    inner->pos = {open.pos, c.end()};
    return inner;
  }
  if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
    Token op = Take();
    auto operand = ParseDurationExpr(kPowPrec);
    if (failed_) return nullptr;
    if (op.type == TokenType::kAdd) {
      operand->pos.start = op.pos;
      return operand;
    }
    if (operand->kind == DurationNode::Kind::kLiteral && !operand->wrapped) {
      operand->seconds = -operand->seconds;
      operand->pos.start = op.pos;
      return operand;
    }
    if (!CheckDepth(++duration_nodes_, op.pos)) return nullptr;
    auto neg = std::make_unique<DurationNode>();
    neg->kind = DurationNode::Kind::kNegate;
    neg->pos = {op.pos, operand->pos.end};
    neg->rhs = std::move(operand);
    return neg;
  }
  return nullptr;  // the caller reports the token
}

std::unique_ptr<DurationNode> Parser::ParseDurationExpr(int min_prec) {
  if (nesting_ + 1 > kMaxNesting) {
    Fail(Peek().pos, fmt::format("expression nested more than {} levels deep", kMaxNesting));
    return nullptr;
  }
  ++nesting_;
  auto lhs = ParseDurationPrimary();
  --nesting_;
  if (failed_) return nullptr;
  if (lhs == nullptr) {
    Unexpected(Peek(), "", "");
    return nullptr;
  }
  for (;;) {
    const Token& t = Peek();
    if (failed_) return nullptr;
    int prec = BinaryPrecedence(t.type);
    bool arith = t.type == TokenType::kAdd || t.type == TokenType::kSub ||
                 t.type == TokenType::kMul || t.type == TokenType::kDiv ||
                 t.type == TokenType::kMod || t.type == TokenType::kPow;
    if (!arith || prec < min_prec) break;
    if (!DurationExprEnabled(*lhs)) return nullptr;
    Token op = Take();
    auto rhs = ParseDurationExpr(op.type == TokenType::kPow ? prec : prec + 1);
    if (failed_) return nullptr;
    if ((op.type == TokenType::kDiv || op.type == TokenType::kMod) &&
        rhs->kind == DurationNode::Kind::kLiteral && rhs->seconds == 0) {
      Fail(op.pos, op.type == TokenType::kDiv ? "division by zero" : "modulo by zero");
      return nullptr;
    }
    auto b = std::make_unique<DurationNode>();
    b->kind = DurationNode::Kind::kBinary;
    b->op = op.type;
    b->pos = {lhs->pos.start, rhs->pos.end};
    b->lhs = std::move(lhs);
    b->rhs = std::move(rhs);
    lhs = std::move(b);
    if (!CheckDepth(++duration_nodes_, op.pos)) return nullptr;
  }
  return lhs;
}

bool IsPlainLiteral(const DurationNode& d) {
  return d.kind == DurationNode::Kind::kLiteral && !d.wrapped;
}

int64_t SecondsToMillis(double s) {
  double ns = std::round(s * 1e9);
  if (ns >= 9.2e18 || ns <= -9.2e18)
    return ns > 0 ? std::numeric_limits<int64_t>::max() / 1000000
                  : std::numeric_limits<int64_t>::min() / 1000000;
  return NanosToMillis(static_cast<int64_t>(ns));
}

ExprPtr Parser::ParseRangeOrSubquery(ExprPtr e) {
  Token open = Take();
  const Token& first = Peek();
  if (failed_) return nullptr;
  if (first.type == TokenType::kRightBracket || first.type == TokenType::kColon) {
    Unexpected(first, "subquery selector", "number or duration");
    return nullptr;
  }
  auto range = ParseDurationExpr(0);
  if (failed_) return nullptr;
  const Token& t = Peek();
  if (failed_) return nullptr;
  if (t.type == TokenType::kRightBracket) {
    Token close = Take();
    const char* msg = nullptr;
    auto* vs =
        e->kind == ExprKind::kVectorSelector ? static_cast<VectorSelector*>(e.get()) : nullptr;
    if (vs == nullptr) {
      msg = "ranges only allowed for vector selectors";
    } else if (vs->offset_ms != 0 || !vs->offset_expr.empty()) {
      msg = "no offset modifiers allowed before range";
    } else if (vs->at != AtModifier::kNone) {
      msg = "no @ modifiers allowed before range";
    }
    if (msg != nullptr) {
      Fail(open.pos, msg);
      return nullptr;
    }
    auto m = std::make_unique<MatrixSelector>();
    depth_ = 2;
    m->pos = {e->pos.start, close.end()};
    m->selector.reset(static_cast<VectorSelector*>(e.release()));
    if (IsPlainLiteral(*range)) {
      if (!CheckPositive(*range)) return nullptr;
      m->range_ms = SecondsToMillis(range->seconds);
    } else {
      m->range_expr = FormatDurationNode(*range);
      pending_.push_back({m.get(), PendingDuration::Field::kRange, std::move(range)});
    }
    return m;
  }
  if (t.type != TokenType::kColon) {
    Unexpected(t, "subquery or range", "\":\" or \"]\"");
    return nullptr;
  }
  Take();
  auto sq = std::make_unique<SubqueryExpr>();
  std::unique_ptr<DurationNode> step;
  const Token& s = Peek();
  if (failed_) return nullptr;
  if (s.type != TokenType::kRightBracket) {
    if (s.type != TokenType::kNumber && s.type != TokenType::kDuration &&
        s.type != TokenType::kLeftParen && s.type != TokenType::kAdd && s.type != TokenType::kSub) {
      Unexpected(s, "subquery selector", "number or duration or \"]\"");
      return nullptr;
    }
    step = ParseDurationExpr(0);
    if (failed_) return nullptr;
  }
  const Token& close = Peek();
  if (failed_) return nullptr;
  if (close.type != TokenType::kRightBracket) {
    Unexpected(close, "subquery selector", "\"]\"");
    return nullptr;
  }
  Token c = Take();
  if (!CheckDepth(++depth_, open.pos)) return nullptr;
  sq->pos = {e->pos.start, c.end()};
  sq->expr = std::move(e);
  if (IsPlainLiteral(*range)) {
    if (!CheckPositive(*range)) return nullptr;
    sq->range_ms = SecondsToMillis(range->seconds);
  } else {
    sq->range_expr = FormatDurationNode(*range);
    pending_.push_back({sq.get(), PendingDuration::Field::kRange, std::move(range)});
  }
  if (step != nullptr) {
    if (IsPlainLiteral(*step)) {
      if (!CheckPositive(*step)) return nullptr;
      sq->step_ms = SecondsToMillis(step->seconds);
    } else {
      sq->step_expr = FormatDurationNode(*step);
      pending_.push_back({sq.get(), PendingDuration::Field::kStep, std::move(step)});
    }
  }
  return sq;
}

ExprPtr Parser::ParseOffset(ExprPtr e) {
  Take();  // offset
  const Token& t = Peek();
  if (failed_) return nullptr;
  std::unique_ptr<DurationNode> d;
  TokenType tt = t.type;
  if (tt == TokenType::kAdd || tt == TokenType::kSub) {
    Token sign = Take();
    const Token& n = Peek();
    if (failed_) return nullptr;
    if (n.type == TokenType::kNumber || n.type == TokenType::kDuration) {
      Token lit = Take();
      d = DurationLiteral(lit, sign.type == TokenType::kSub);
      if (failed_) return nullptr;
      d->pos.start = sign.pos;
    } else if (n.type == TokenType::kLeftParen) {
      auto inner = ParseDurationPrimary();
      if (failed_) return nullptr;
      if (sign.type == TokenType::kSub) {
        d = std::make_unique<DurationNode>();
        d->kind = DurationNode::Kind::kNegate;
        d->pos = {sign.pos, inner->pos.end};
        d->rhs = std::move(inner);
      } else {
        d = std::move(inner);
      }
    } else {
      Unexpected(n, "offset", "number or duration");
      return nullptr;
    }
  } else if (tt == TokenType::kNumber || tt == TokenType::kDuration) {
    Token lit = Take();
    d = DurationLiteral(lit, false);
    if (failed_) return nullptr;
  } else if (tt == TokenType::kLeftParen) {
    d = ParseDurationPrimary();
    if (failed_) return nullptr;
  } else {
    Unexpected(t, "offset", "number or duration");
    return nullptr;
  }

  int64_t* offset = nullptr;
  std::string* offset_expr = nullptr;
  Expr* owner = nullptr;
  switch (e->kind) {
    case ExprKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(e.get());
      offset = &vs->offset_ms;
      offset_expr = &vs->offset_expr;
      owner = vs;
      break;
    }
    case ExprKind::kMatrixSelector: {
      auto* vs = static_cast<MatrixSelector*>(e.get())->selector.get();
      offset = &vs->offset_ms;
      offset_expr = &vs->offset_expr;
      owner = vs;
      break;
    }
    case ExprKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e.get());
      offset = &sq->offset_ms;
      offset_expr = &sq->offset_expr;
      owner = sq;
      break;
    }
    default:
      Fail(e->pos.start,
           "offset modifier must be preceded by an instant vector selector or range vector "
           "selector or a subquery");
      return nullptr;
  }
  if (*offset != 0 || !offset_expr->empty()) {
    Fail(e->pos.start, "offset may not be set multiple times");
    return nullptr;
  }
  if (IsPlainLiteral(*d)) {
    if (!CheckInRange(*d)) return nullptr;
    *offset = SecondsToMillis(d->seconds);
  } else {
    *offset_expr = FormatDurationNode(*d);
    pending_.push_back({owner, PendingDuration::Field::kOffset, std::move(d)});
  }
  e->pos.end = last_closing_;
  return e;
}

ExprPtr Parser::ParseAt(ExprPtr e) {
  Take();  // @
  const Token& t = Peek();
  if (failed_) return nullptr;
  AtModifier at = AtModifier::kNone;
  double ts = 0;
  if (t.type == TokenType::kStart || t.type == TokenType::kEnd) {
    at = t.type == TokenType::kStart ? AtModifier::kStart : AtModifier::kEnd;
    Take();
    for (TokenType want : {TokenType::kLeftParen, TokenType::kRightParen}) {
      const Token& p = Peek();
      if (failed_) return nullptr;
      if (p.type != want) {
        Unexpected(p, "@", "timestamp");
        return nullptr;
      }
      Take();
    }
  } else {
    bool negate = false;
    if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
      negate = Take().type == TokenType::kSub;
    }
    const Token& n = Peek();
    if (failed_) return nullptr;
    if (n.type != TokenType::kNumber && n.type != TokenType::kDuration) {
      Unexpected(n, "@", "timestamp");
      return nullptr;
    }
    Token num = Take();
    auto lit = DurationLiteral(num, negate);
    if (lit == nullptr) return nullptr;
    ts = lit->seconds;
    at = AtModifier::kTimestamp;
    if (std::isnan(ts) || std::isinf(ts) || ts >= 9.223372036854775807e18 ||
        ts <= -9.223372036854775807e18) {
      Fail(e->pos.start, fmt::format("timestamp out of bounds for @ modifier: {}", GoPercentF(ts)));
      return nullptr;
    }
  }
  AtModifier* at_field = nullptr;
  int64_t* at_ms = nullptr;
  switch (e->kind) {
    case ExprKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(e.get());
      at_field = &vs->at;
      at_ms = &vs->at_ms;
      break;
    }
    case ExprKind::kMatrixSelector: {
      auto* vs = static_cast<MatrixSelector*>(e.get())->selector.get();
      at_field = &vs->at;
      at_ms = &vs->at_ms;
      break;
    }
    case ExprKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e.get());
      at_field = &sq->at;
      at_ms = &sq->at_ms;
      break;
    }
    default:
      Fail(e->pos.start,
           "@ modifier must be preceded by an instant vector selector or range vector selector "
           "or a subquery");
      return nullptr;
  }
  if (*at_field != AtModifier::kNone) {
    Fail(e->pos.start, "@ <timestamp> may not be set multiple times");
    return nullptr;
  }
  *at_field = at;
  if (at == AtModifier::kTimestamp) {
    double ms = std::round(ts * 1000.0);
    *at_ms = ms >= 9.2e18    ? std::numeric_limits<int64_t>::max()
             : ms <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                             : static_cast<int64_t>(ms);
  }
  e->pos.end = last_closing_;
  return e;
}

Result<model::Labels> Parser::ParseMetricText() {
  model::LabelsBuilder b;
  const Token& first = Peek();
  if (failed_) return Err(err_pos_, err_msg_);
  if (first.type != TokenType::kLeftBrace) {
    if (!IsMetricIdentifierToken(first.type)) {
      Unexpected(first, "", "");
      return Err(err_pos_, err_msg_);
    }
    b.Set("__name__", Take().text);
  }
  if (Peek().type == TokenType::kLeftBrace) {
    Take();
    bool first_item = true;
    for (;;) {
      const Token& t = Peek();
      if (failed_) break;
      if (t.type == TokenType::kRightBrace && first_item) {
        Take();
        break;
      }
      first_item = false;
      if (t.type != TokenType::kIdentifier && t.type != TokenType::kString) {
        Unexpected(t, "label set", "identifier or \"}\"");
        break;
      }
      Token name_tok = Take();
      std::string name(name_tok.text);
      if (name_tok.type == TokenType::kString && !Unquote(name_tok, &name)) break;
      const Token& eq = Peek();
      if (failed_) break;
      if (name_tok.type == TokenType::kString && eq.type != TokenType::kAssign) {
        b.Set("__name__", name);  // {"my.metric", ...}
      } else if (eq.type != TokenType::kAssign) {
        Unexpected(eq, "label set", "\"=\"");
        break;
      } else {
        Take();
        const Token& val = Peek();
        if (failed_) break;
        if (val.type != TokenType::kString) {
          Unexpected(val, "label set", "string");
          break;
        }
        Token v = Take();
        std::string value;
        if (!Unquote(v, &value)) break;
        b.Set(name, value);
      }
      const Token& sep = Peek();
      if (failed_) break;
      if (sep.type == TokenType::kRightBrace) {
        Take();
        break;
      }
      if (sep.type != TokenType::kComma) {
        Unexpected(sep, "label set", "\",\" or \"}\"");
        break;
      }
      Take();
      if (Peek().type == TokenType::kRightBrace) {
        Take();
        break;
      }
    }
  }
  if (!failed_) {
    const Token& end = Peek();
    if (!failed_ && end.type != TokenType::kEOF) Unexpected(end, "", "");
  }
  if (failed_) return Err(err_pos_, err_msg_);
  return b.Build();
}

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options) {
  Parser p(query, options);
  return p.ParseQuery();
}

Result<model::Labels> ParseMetric(std::string_view text) {
  Parser p(text, ParseOptions{});
  return p.ParseMetricText();
}

}  // namespace vigil::promql
