#include "query/logql/parser.h"

#include <re2/re2.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/strconv.h"
#include "model/selector.h"
#include "query/logql/ip.h"
#include "query/logql/line_pattern.h"
#include "query/logql/units.h"

#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
#include "process/logparse/logparse.h"
#endif

namespace vigil::logql {
namespace {

enum class T {
  kEnd,
  kIdent,
  kString,
  kNumber,
  kDuration,
  kBytes,
  kFlag,
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kPipe,
  kPipeEq,
  kNeq,
  kPipeRe,
  kNre,
  kPipePat,
  kNpat,
  kEq,
  kRe,
  kEqEq,
  kGt,
  kGe,
  kLt,
  kLe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct Token {
  T type = T::kEnd;
  std::string_view text;
  std::string str;  // unquoted value of a string
  double num = 0;   // number; duration in ns; bytes
  int line = 1;
  int col = 1;
};

Status ParseError(int line, int col, std::string_view msg) {
  return Status::InvalidArgument(fmt::format("parse error at line {}, col {}: {}", line, col, msg));
}
Status SemanticError(std::string_view msg) {
  return Status::InvalidArgument(fmt::format("parse error : {}", msg));
}

bool IsIdentStart(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Status Run(std::vector<Token>* out) {
    while (true) {
      SkipSpace();
      Token t;
      t.line = line_;
      t.col = static_cast<int>(pos_ - line_start_) + 1;
      if (pos_ >= src_.size()) {
        t.type = T::kEnd;
        out->push_back(std::move(t));
        return Status::OK();
      }
      size_t start = pos_;
      char c = src_[pos_];
      char n = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
      auto two = [&](T type) {
        t.type = type;
        pos_ += 2;
      };
      auto one = [&](T type) {
        t.type = type;
        pos_ += 1;
      };
      if (c == '"' || c == '`') {
        VIGIL_RETURN_IF_ERROR(LexString(&t));
      } else if (IsDigit(c) || (c == '.' && IsDigit(n))) {
        VIGIL_RETURN_IF_ERROR(LexNumber(&t));
      } else if (IsIdentStart(c)) {
        while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
        t.type = T::kIdent;
      } else if (c == '-' && n == '-' && pos_ + 2 < src_.size() && IsIdentStart(src_[pos_ + 2])) {
        pos_ += 2;
        while (pos_ < src_.size() && (IsIdentChar(src_[pos_]) || src_[pos_] == '-')) ++pos_;
        t.type = T::kFlag;
      } else if (c == '|') {
        if (n == '=') {
          two(T::kPipeEq);
        } else if (n == '~') {
          two(T::kPipeRe);
        } else if (n == '>') {
          two(T::kPipePat);
        } else {
          one(T::kPipe);
        }
      } else if (c == '!') {
        if (n == '=') {
          two(T::kNeq);
        } else if (n == '~') {
          two(T::kNre);
        } else if (n == '>') {
          two(T::kNpat);
        } else {
          return ParseError(t.line, t.col, "syntax error: unexpected !");
        }
      } else if (c == '=') {
        if (n == '~') {
          two(T::kRe);
        } else if (n == '=') {
          two(T::kEqEq);
        } else {
          one(T::kEq);
        }
      } else if (c == '>') {
        n == '=' ? two(T::kGe) : one(T::kGt);
      } else if (c == '<') {
        n == '=' ? two(T::kLe) : one(T::kLt);
      } else {
        switch (c) {
          case '{':
            one(T::kLBrace);
            break;
          case '}':
            one(T::kRBrace);
            break;
          case '(':
            one(T::kLParen);
            break;
          case ')':
            one(T::kRParen);
            break;
          case '[':
            one(T::kLBracket);
            break;
          case ']':
            one(T::kRBracket);
            break;
          case ',':
            one(T::kComma);
            break;
          case '+':
            one(T::kAdd);
            break;
          case '-':
            one(T::kSub);
            break;
          case '*':
            one(T::kMul);
            break;
          case '/':
            one(T::kDiv);
            break;
          case '%':
            one(T::kMod);
            break;
          case '^':
            one(T::kPow);
            break;
          default: {
            int width = 1;
            int32_t r = Utf8DecodeRune(src_, pos_, &width);
            return ParseError(
                t.line, t.col,
                fmt::format("syntax error: unexpected {}",
                            r == kUtf8RuneError ? std::string(1, c)
                                                : std::string(src_.substr(pos_, width))));
          }
        }
      }
      t.text = src_.substr(start, pos_ - start);
      out->push_back(std::move(t));
    }
  }

 private:
  void SkipSpace() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Status LexString(Token* t) {
    char q = src_[pos_];
    size_t start = pos_++;
    while (pos_ < src_.size() && src_[pos_] != q) {
      if (src_[pos_] == '\n') {
        if (q == '"') break;
        ++line_;
        line_start_ = pos_ + 1;
      }
      if (q == '"' && src_[pos_] == '\\') ++pos_;
      ++pos_;
    }
    if (pos_ >= src_.size() || src_[pos_] != q) {
      return ParseError(t->line, t->col, "literal not terminated");
    }
    ++pos_;
    std::string_view lit = src_.substr(start, pos_ - start);
    auto v = UnquotePromString(lit);
    if (!v.ok()) return ParseError(t->line, t->col, "invalid syntax");
    t->type = T::kString;
    t->str = std::move(*v);
    return Status::OK();
  }

  Status LexNumber(Token* t) {
    size_t start = pos_;
    while (pos_ < src_.size() && (IsDigit(src_[pos_]) || src_[pos_] == '.')) ++pos_;
    // An exponent makes it a plain number.
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && IsDigit(src_[p])) {
        while (p < src_.size() && IsDigit(src_[p])) ++p;
        if (p >= src_.size() || !IsIdentChar(src_[p])) {
          pos_ = p;
          auto f = ParseGoFloat(src_.substr(start, pos_ - start));
          if (!f.ok()) return ParseError(t->line, t->col, "syntax error: unexpected NUMBER");
          t->type = T::kNumber;
          t->num = *f;
          return Status::OK();
        }
      }
    }
    size_t digits_end = pos_;
    while (pos_ < src_.size() && (IsIdentChar(src_[pos_]) || src_[pos_] == '.' ||
                                  static_cast<unsigned char>(src_[pos_]) >= 0x80)) {
      ++pos_;
    }
    std::string_view text = src_.substr(start, pos_ - start);
    if (digits_end == pos_) {
      auto f = ParseGoFloat(text);
      if (!f.ok()) return ParseError(t->line, t->col, "syntax error: unexpected NUMBER");
      t->type = T::kNumber;
      t->num = *f;
      return Status::OK();
    }
    if (auto d = ParseQueryDuration(text); d.ok()) {
      t->type = T::kDuration;
      t->num = static_cast<double>(*d);
      return Status::OK();
    }
    if (auto b = ParseHumanBytes(text); b.ok()) {
      t->type = T::kBytes;
      t->num = *b;
      return Status::OK();
    }
    return ParseError(t->line, t->col, fmt::format("not a valid duration string: \"{}\"", text));
  }

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

const char* TokenName(T t) {
  switch (t) {
    case T::kEnd:
      return "$end";
    case T::kIdent:
      return "IDENTIFIER";
    case T::kString:
      return "STRING";
    case T::kNumber:
      return "NUMBER";
    case T::kDuration:
      return "DURATION";
    case T::kBytes:
      return "BYTES";
    case T::kFlag:
      return "PARSER_FLAG";
    case T::kLBrace:
      return "{";
    case T::kRBrace:
      return "}";
    case T::kLParen:
      return "(";
    case T::kRParen:
      return ")";
    case T::kLBracket:
      return "[";
    case T::kRBracket:
      return "]";
    case T::kComma:
      return ",";
    case T::kPipe:
      return "|";
    case T::kPipeEq:
      return "|=";
    case T::kNeq:
      return "!=";
    case T::kPipeRe:
      return "|~";
    case T::kNre:
      return "!~";
    case T::kPipePat:
      return "|>";
    case T::kNpat:
      return "!>";
    case T::kEq:
      return "=";
    case T::kRe:
      return "=~";
    case T::kEqEq:
      return "==";
    case T::kGt:
      return ">";
    case T::kGe:
      return ">=";
    case T::kLt:
      return "<";
    case T::kLe:
      return "<=";
    case T::kAdd:
      return "+";
    case T::kSub:
      return "-";
    case T::kMul:
      return "*";
    case T::kDiv:
      return "/";
    case T::kMod:
      return "%";
    case T::kPow:
      return "^";
  }
  return "?";
}

// Words that are their own tokens in Loki's grammar, named as such in errors.
bool IsKeyword(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "by",         "without",     "bool",        "on",           "ignoring",
      "group_left", "group_right", "offset",      "unwrap",       "and",
      "or",         "unless",      "json",        "logfmt",       "regexp",
      "pattern",    "unpack",      "line_format", "label_format", "drop",
      "keep",       "decolorize",  "ip",          "vector",       "label_replace"};
  for (auto k : kWords) {
    if (k == w) return true;
  }
  return false;
}

struct RangeOpInfo {
  std::string_view name;
  RangeOp op;
};
constexpr RangeOpInfo kRangeOps[] = {
    {"count_over_time", RangeOp::kCount},       {"rate", RangeOp::kRate},
    {"rate_counter", RangeOp::kRateCounter},    {"bytes_over_time", RangeOp::kBytes},
    {"bytes_rate", RangeOp::kBytesRate},        {"absent_over_time", RangeOp::kAbsent},
    {"sum_over_time", RangeOp::kSum},           {"avg_over_time", RangeOp::kAvg},
    {"min_over_time", RangeOp::kMin},           {"max_over_time", RangeOp::kMax},
    {"first_over_time", RangeOp::kFirst},       {"last_over_time", RangeOp::kLast},
    {"stddev_over_time", RangeOp::kStddev},     {"stdvar_over_time", RangeOp::kStdvar},
    {"quantile_over_time", RangeOp::kQuantile},
};

struct VectorOpInfo {
  std::string_view name;
  VectorOp op;
};
constexpr VectorOpInfo kVectorOps[] = {
    {"sum", VectorOp::kSum},
    {"avg", VectorOp::kAvg},
    {"min", VectorOp::kMin},
    {"max", VectorOp::kMax},
    {"count", VectorOp::kCount},
    {"stddev", VectorOp::kStddev},
    {"stdvar", VectorOp::kStdvar},
    {"topk", VectorOp::kTopk},
    {"bottomk", VectorOp::kBottomk},
    {"sort", VectorOp::kSort},
    {"sort_desc", VectorOp::kSortDesc},
};

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kNe || op == BinOp::kGt || op == BinOp::kGe ||
         op == BinOp::kLt || op == BinOp::kLe;
}
bool IsSetOp(BinOp op) { return op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kUnless; }

class Parser {
 public:
  Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<std::shared_ptr<const Expr>> Run() {
    std::shared_ptr<Expr> e;
    VIGIL_RETURN_IF_ERROR(ParseBinary(0, &e));
    if (Peek().type != T::kEnd) return Unexpected(Peek());
    return std::shared_ptr<const Expr>(std::move(e));
  }

 private:
  const Token& Peek(size_t k = 0) const {
    size_t i = std::min(pos_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  static bool IsWord(const Token& t, std::string_view w) {
    return t.type == T::kIdent && t.text == w;
  }

  Status Unexpected(const Token& t, std::string_view expecting = {}) const {
    std::string what;
    if (t.type == T::kIdent && IsKeyword(t.text)) {
      what = std::string(t.text);
    } else {
      what = TokenName(t.type);
    }
    std::string msg = "syntax error: unexpected " + what;
    if (!expecting.empty()) msg += fmt::format(", expecting {}", expecting);
    return ParseError(t.line, t.col, msg);
  }

  Status Expect(T type, std::string_view expecting = {}) {
    if (Peek().type != type)
      return Unexpected(Peek(), expecting.empty() ? TokenName(type) : expecting);
    Next();
    return Status::OK();
  }

  Status Enter() {
    if (++depth_ > kMaxDepth) return SemanticError("query is too deeply nested");
    return Status::OK();
  }

  bool PeekBinOp(BinOp* op, int* prec) const {
    const Token& t = Peek();
    switch (t.type) {
      case T::kIdent:
        if (t.text == "or") {
          *op = BinOp::kOr;
          *prec = 1;
          return true;
        }
        if (t.text == "and" || t.text == "unless") {
          *op = t.text == "and" ? BinOp::kAnd : BinOp::kUnless;
          *prec = 2;
          return true;
        }
        return false;
      case T::kEqEq:
        *op = BinOp::kEq;
        *prec = 3;
        return true;
      case T::kNeq:
        *op = BinOp::kNe;
        *prec = 3;
        return true;
      case T::kGt:
        *op = BinOp::kGt;
        *prec = 3;
        return true;
      case T::kGe:
        *op = BinOp::kGe;
        *prec = 3;
        return true;
      case T::kLt:
        *op = BinOp::kLt;
        *prec = 3;
        return true;
      case T::kLe:
        *op = BinOp::kLe;
        *prec = 3;
        return true;
      case T::kAdd:
        *op = BinOp::kAdd;
        *prec = 4;
        return true;
      case T::kSub:
        *op = BinOp::kSub;
        *prec = 4;
        return true;
      case T::kMul:
        *op = BinOp::kMul;
        *prec = 5;
        return true;
      case T::kDiv:
        *op = BinOp::kDiv;
        *prec = 5;
        return true;
      case T::kMod:
        *op = BinOp::kMod;
        *prec = 5;
        return true;
      case T::kPow:
        *op = BinOp::kPow;
        *prec = 6;
        return true;
      default:
        return false;
    }
  }

  Status ParseBinary(int min_prec, std::shared_ptr<Expr>* out) {
    VIGIL_RETURN_IF_ERROR(Enter());
    std::shared_ptr<Expr> lhs;
    VIGIL_RETURN_IF_ERROR(ParseUnary(&lhs));
    while (true) {
      BinOp op;
      int prec;
      if (!PeekBinOp(&op, &prec) || prec < min_prec) break;
      const Token& op_tok = Next();
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kBinary;
      e->bin_op = op;
      if (IsWord(Peek(), "bool")) {
        if (!IsComparison(op)) {
          return SemanticError("bool modifier can only be used on comparison operators");
        }
        Next();
        e->return_bool = true;
      }
      if (IsWord(Peek(), "on") || IsWord(Peek(), "ignoring")) {
        e->matching.present = true;
        e->matching.on = Next().text == "on";
        VIGIL_RETURN_IF_ERROR(ParseLabelList(&e->matching.labels));
        if (IsWord(Peek(), "group_left") || IsWord(Peek(), "group_right")) {
          if (IsSetOp(op))
            return SemanticError("no grouping allowed for \"and\", \"or\", \"unless\" operations");
          e->matching.card = Next().text == "group_left" ? VectorMatching::Card::kManyToOne
                                                         : VectorMatching::Card::kOneToMany;
          if (Peek().type == T::kLParen)
            VIGIL_RETURN_IF_ERROR(ParseLabelList(&e->matching.include));
        }
      }
      std::shared_ptr<Expr> rhs;
      VIGIL_RETURN_IF_ERROR(ParseBinary(op == BinOp::kPow ? prec : prec + 1, &rhs));
      if (!lhs->IsMetric() || !rhs->IsMetric()) {
        return ParseError(op_tok.line, op_tok.col,
                          fmt::format("syntax error: unexpected {}", TokenName(op_tok.type)));
      }
      bool lhs_scalar = lhs->kind == Expr::Kind::kLiteral;
      bool rhs_scalar = rhs->kind == Expr::Kind::kLiteral;
      if (IsSetOp(op) && (lhs_scalar || rhs_scalar)) {
        return SemanticError(fmt::format(
            "unexpected literal for right side of binary operation ({})", BinOpName(op)));
      }
      if (lhs_scalar && rhs_scalar && IsComparison(op) && !e->return_bool) {
        return SemanticError("comparisons between scalars must use BOOL modifier");
      }
      e->lhs = std::move(lhs);
      e->rhs = std::move(rhs);
      lhs = std::move(e);
    }
    --depth_;
    *out = std::move(lhs);
    return Status::OK();
  }

  Status ParseNumber(double* out) {
    bool neg = false;
    if (Peek().type == T::kSub || Peek().type == T::kAdd) {
      neg = Next().type == T::kSub;
    }
    if (Peek().type != T::kNumber) return Unexpected(Peek(), "NUMBER");
    *out = neg ? -Next().num : Next().num;
    return Status::OK();
  }

  Status ParseUnary(std::shared_ptr<Expr>* out) {
    const Token& t = Peek();
    switch (t.type) {
      case T::kAdd:
      case T::kSub:
      case T::kNumber: {
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kLiteral;
        VIGIL_RETURN_IF_ERROR(ParseNumber(&e->value));
        *out = std::move(e);
        return Status::OK();
      }
      case T::kLParen: {
        Next();
        VIGIL_RETURN_IF_ERROR(ParseBinary(0, out));
        return Expect(T::kRParen);
      }
      case T::kLBrace: {
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kLog;
        VIGIL_RETURN_IF_ERROR(ParseMatchers(&e->log.matchers));
        VIGIL_RETURN_IF_ERROR(ParsePipeline(&e->log.stages, false));
        *out = std::move(e);
        return Status::OK();
      }
      case T::kIdent: {
        for (const auto& r : kRangeOps) {
          if (t.text == r.name && Peek(1).type == T::kLParen) return ParseRangeAgg(r.op, out);
        }
        for (const auto& v : kVectorOps) {
          if (t.text == v.name) return ParseVectorAgg(v.op, out);
        }
        if (t.text == "vector") {
          Next();
          auto e = std::make_shared<Expr>();
          e->kind = Expr::Kind::kVector;
          VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
          VIGIL_RETURN_IF_ERROR(ParseNumber(&e->value));
          VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
          *out = std::move(e);
          return Status::OK();
        }
        if (t.text == "label_replace") return ParseLabelReplace(out);
        return Unexpected(t);
      }
      default:
        return Unexpected(t);
    }
  }

  Status ParseLabelList(std::vector<std::string>* out) {
    VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
    if (Peek().type == T::kRParen) {
      Next();
      return Status::OK();
    }
    while (true) {
      if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      out->emplace_back(Next().text);
      if (Peek().type == T::kComma) {
        Next();
        if (Peek().type == T::kRParen) break;
        continue;
      }
      break;
    }
    return Expect(T::kRParen, ") or ,");
  }

  Status ParseGrouping(Grouping* g) {
    g->present = true;
    g->without = Next().text == "without";
    return ParseLabelList(&g->labels);
  }

  Status ParseMatchers(std::vector<model::Matcher>* out) {
    VIGIL_RETURN_IF_ERROR(Expect(T::kLBrace));
    while (true) {
      if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      std::string name(Next().text);
      model::MatchType type;
      switch (Peek().type) {
        case T::kEq:
          type = model::MatchType::kEqual;
          break;
        case T::kNeq:
          type = model::MatchType::kNotEqual;
          break;
        case T::kRe:
          type = model::MatchType::kRegexMatch;
          break;
        case T::kNre:
          type = model::MatchType::kRegexNoMatch;
          break;
        default:
          return Unexpected(Peek(), "= or != or =~ or !~");
      }
      Next();
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      auto m = model::Matcher::Make(type, name, Next().str);
      if (!m.ok()) return SemanticError(m.status().message());
      out->push_back(std::move(*m));
      if (Peek().type == T::kComma) {
        Next();
        if (Peek().type == T::kRBrace) break;
        continue;
      }
      break;
    }
    VIGIL_RETURN_IF_ERROR(Expect(T::kRBrace, "} or ,"));
    bool ok = false;
    for (const auto& m : *out) {
      if (!m.MatchesEmpty()) ok = true;
    }
    if (!ok) {
      return SemanticError(
          "queries require at least one regexp or equality matcher that does not have an "
          "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
          "app=~\".+\" will");
    }
    return Status::OK();
  }

  static bool IsLineFilterOp(T t) {
    return t == T::kPipeEq || t == T::kNeq || t == T::kPipeRe || t == T::kNre || t == T::kPipePat ||
           t == T::kNpat;
  }

  // Stages until something that is not one. With allow_unwrap, stops in
  // front of `| unwrap` (the caller parses it).
  Status ParsePipeline(std::vector<Stage>* stages, bool allow_unwrap) {
    while (true) {
      const Token& t = Peek();
      if (IsLineFilterOp(t.type)) {
        Stage s;
        s.kind = Stage::Kind::kLineFilter;
        VIGIL_RETURN_IF_ERROR(ParseLineFilter(&s.line_filter));
        stages->push_back(std::move(s));
        continue;
      }
      if (t.type != T::kPipe) return Status::OK();
      if (IsWord(Peek(1), "unwrap")) {
        if (allow_unwrap) return Status::OK();
        return Unexpected(Peek(1));
      }
      Next();
      Stage s;
      VIGIL_RETURN_IF_ERROR(ParseStage(&s));
      stages->push_back(std::move(s));
    }
  }

  Status ParseLineFilter(LineFilter* f) {
    switch (Next().type) {
      case T::kPipeEq:
        f->op = LineFilterOp::kContains;
        break;
      case T::kNeq:
        f->op = LineFilterOp::kNotContains;
        break;
      case T::kPipeRe:
        f->op = LineFilterOp::kRegex;
        break;
      case T::kNre:
        f->op = LineFilterOp::kNotRegex;
        break;
      case T::kPipePat:
        f->op = LineFilterOp::kPattern;
        break;
      default:
        f->op = LineFilterOp::kNotPattern;
        break;
    }
    if (IsWord(Peek(), "ip")) {
      Next();
      VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      std::string pattern = Next().str;
      VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
      if (f->op != LineFilterOp::kContains && f->op != LineFilterOp::kNotContains) {
        return SemanticError("ip filter can only be used with |= and != line filters");
      }
      auto m = IpMatcher::Make(pattern);
      if (!m.ok()) return SemanticError(m.status().message());
      f->ip = true;
      f->ip_matcher = std::move(*m);
      f->values.push_back(std::move(pattern));
      return Status::OK();
    }
    if (Peek().type != T::kString) return Unexpected(Peek(), "STRING or ip");
    f->values.push_back(Next().str);
    while (IsWord(Peek(), "or") && Peek(1).type == T::kString) {
      Next();
      f->values.push_back(Next().str);
    }
    for (const auto& v : f->values) {
      if (f->op == LineFilterOp::kRegex || f->op == LineFilterOp::kNotRegex) {
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_dot_nl(true);
        auto re = std::make_shared<const RE2>(v, opts);
        if (!re->ok()) {
          return SemanticError(fmt::format("error parsing regexp: {}", re->error()));
        }
        f->regexes.push_back(std::move(re));
      } else if (f->op == LineFilterOp::kPattern || f->op == LineFilterOp::kNotPattern) {
        auto p = LinePattern::Make(v);
        if (!p.ok()) return SemanticError(p.status().message());
        f->patterns.push_back(std::move(*p));
      }
    }
    return Status::OK();
  }

  static bool IsCmp(T t) {
    return t == T::kEq || t == T::kNeq || t == T::kRe || t == T::kNre || t == T::kEqEq ||
           t == T::kGt || t == T::kGe || t == T::kLt || t == T::kLe;
  }

  Status ParseStage(Stage* s) {
    const Token& t = Peek();
    if (t.type == T::kLParen) {
      s->kind = Stage::Kind::kLabelFilter;
      return ParseLabelFilterOr(&s->label_filter);
    }
    if (t.type != T::kIdent) {
      return Unexpected(t);
    }
    // A word followed by a comparison is a label filter on a label of that name.
    bool stage_word =
        t.text == "json" || t.text == "logfmt" || t.text == "unpack" || t.text == "decolorize";
    if (IsCmp(Peek(1).type) && !(stage_word && Peek(1).type == T::kNeq)) {
      s->kind = Stage::Kind::kLabelFilter;
      return ParseLabelFilterOr(&s->label_filter);
    }
    std::string_view w = t.text;
    if (w == "json") {
      Next();
      s->kind = Stage::Kind::kJson;
      VIGIL_RETURN_IF_ERROR(ParseExtractionParams(&s->params, true));
      return Status::OK();
    }
    if (w == "logfmt") {
      Next();
      s->kind = Stage::Kind::kLogfmt;
      while (Peek().type == T::kFlag) {
        const Token& f = Next();
        if (f.text == "--strict") {
          s->logfmt_strict = true;
        } else if (f.text == "--keep-empty") {
          s->logfmt_keep_empty = true;
        } else {
          return ParseError(f.line, f.col, fmt::format("syntax error: unexpected {}", f.text));
        }
      }
      return ParseExtractionParams(&s->params, false);
    }
    if (w == "regexp" || w == "pattern") {
      Next();
      s->kind = w == "regexp" ? Stage::Kind::kRegexp : Stage::Kind::kPattern;
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      s->text = Next().str;
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
      if (s->kind == Stage::Kind::kRegexp) {
        auto p = logparse::RegexpParser::Make(s->text);
        if (!p.ok()) return SemanticError(p.status().message());
        s->regexp = std::move(*p);
      } else {
        auto p = logparse::PatternParser::Make(s->text);
        if (!p.ok()) return SemanticError(p.status().message());
        s->pattern = std::move(*p);
      }
#endif
      return Status::OK();
    }
    if (w == "unpack" || w == "decolorize") {
      Next();
      s->kind = w == "unpack" ? Stage::Kind::kUnpack : Stage::Kind::kDecolorize;
      return Status::OK();
    }
    if (w == "line_format") {
      Next();
      s->kind = Stage::Kind::kLineFormat;
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      s->text = Next().str;
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
      auto tmpl = logparse::Template::Make(s->text);
      if (!tmpl.ok()) {
        return SemanticError(fmt::format("stage '| line_format {}' : {}", GoQuote(s->text),
                                         tmpl.status().message()));
      }
      s->tmpl = std::move(*tmpl);
#endif
      return Status::OK();
    }
    if (w == "label_format") {
      Next();
      s->kind = Stage::Kind::kLabelFormat;
      while (true) {
        if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
        LabelFormatItem item;
        item.dst = std::string(Next().text);
        VIGIL_RETURN_IF_ERROR(Expect(T::kEq, "="));
        if (Peek().type == T::kString) {
          item.is_template = true;
          item.src = Next().str;
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
          auto tmpl = logparse::Template::Make(item.src);
          if (!tmpl.ok()) {
            return SemanticError(
                fmt::format("stage '| label_format {}={}' : invalid template for label '{}': {}",
                            item.dst, GoQuote(item.src), item.dst, tmpl.status().message()));
          }
          item.tmpl = std::move(*tmpl);
#endif
        } else if (Peek().type == T::kIdent) {
          item.src = std::string(Next().text);
        } else {
          return Unexpected(Peek(), "STRING or IDENTIFIER");
        }
        for (const auto& other : s->label_formats) {
          if (other.dst == item.dst) {
            return SemanticError(fmt::format(
                "multiple label name '{}' not allowed in a single format operation", item.dst));
          }
        }
        s->label_formats.push_back(std::move(item));
        if (Peek().type != T::kComma) break;
        Next();
      }
      return Status::OK();
    }
    if (w == "drop" || w == "keep") {
      Next();
      s->kind = w == "drop" ? Stage::Kind::kDrop : Stage::Kind::kKeep;
      while (true) {
        if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
        NamedMatcher nm;
        nm.name = std::string(Next().text);
        T op = Peek().type;
        if (op == T::kEq || op == T::kNeq || op == T::kRe || op == T::kNre) {
          Next();
          if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
          auto m = model::Matcher::Make(MatchTypeOf(op), nm.name, Next().str);
          if (!m.ok()) return SemanticError(m.status().message());
          nm.matcher = std::move(*m);
        }
        s->names.push_back(std::move(nm));
        if (Peek().type != T::kComma) break;
        Next();
      }
      return Status::OK();
    }
    return Unexpected(t);
  }

  static model::MatchType MatchTypeOf(T t) {
    switch (t) {
      case T::kNeq:
        return model::MatchType::kNotEqual;
      case T::kRe:
        return model::MatchType::kRegexMatch;
      case T::kNre:
        return model::MatchType::kRegexNoMatch;
      default:
        return model::MatchType::kEqual;
    }
  }

  Status ParseExtractionParams(std::vector<ExtractionParam>* out, bool json) {
    while (Peek().type == T::kIdent && !IsKeyword(Peek().text)) {
      ExtractionParam p;
      p.label = std::string(Next().text);
      if (Peek().type == T::kEq) {
        Next();
        if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
        p.expression = Next().str;
      } else {
        p.expression = p.label;
      }
#ifdef VIGIL_LOGQL_HAVE_LOGPARSE
      if (json) {
        auto jp = logparse::JsonPath::Make(p.expression);
        if (!jp.ok()) return SemanticError(jp.status().message());
        p.json_path = std::move(*jp);
      }
#else
      (void)json;
#endif
      out->push_back(std::move(p));
      if (Peek().type != T::kComma) break;
      Next();
      if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
    }
    return Status::OK();
  }

  // or-expressions of and-expressions; `and`, `,` and plain juxtaposition
  // all mean and.
  Status ParseLabelFilterOr(std::shared_ptr<const LabelFilterNode>* out) {
    VIGIL_RETURN_IF_ERROR(Enter());
    std::shared_ptr<const LabelFilterNode> lhs;
    VIGIL_RETURN_IF_ERROR(ParseLabelFilterAnd(&lhs));
    while (IsWord(Peek(), "or")) {
      Next();
      std::shared_ptr<const LabelFilterNode> rhs;
      VIGIL_RETURN_IF_ERROR(ParseLabelFilterAnd(&rhs));
      auto n = std::make_shared<LabelFilterNode>();
      n->kind = LabelFilterNode::Kind::kOr;
      n->left = std::move(lhs);
      n->right = std::move(rhs);
      lhs = std::move(n);
    }
    --depth_;
    *out = std::move(lhs);
    return Status::OK();
  }

  bool StartsLabelFilter() const {
    if (Peek().type == T::kLParen) return true;
    return Peek().type == T::kIdent && !IsKeyword(Peek().text) && IsCmp(Peek(1).type);
  }

  Status ParseLabelFilterAnd(std::shared_ptr<const LabelFilterNode>* out) {
    std::shared_ptr<const LabelFilterNode> lhs;
    VIGIL_RETURN_IF_ERROR(ParseLabelFilterPrimary(&lhs));
    while (true) {
      if (IsWord(Peek(), "and") || Peek().type == T::kComma) {
        Next();
      } else if (!StartsLabelFilter()) {
        break;
      }
      std::shared_ptr<const LabelFilterNode> rhs;
      VIGIL_RETURN_IF_ERROR(ParseLabelFilterPrimary(&rhs));
      auto n = std::make_shared<LabelFilterNode>();
      n->kind = LabelFilterNode::Kind::kAnd;
      n->left = std::move(lhs);
      n->right = std::move(rhs);
      lhs = std::move(n);
    }
    *out = std::move(lhs);
    return Status::OK();
  }

  Status ParseLabelFilterPrimary(std::shared_ptr<const LabelFilterNode>* out) {
    if (Peek().type == T::kLParen) {
      Next();
      VIGIL_RETURN_IF_ERROR(ParseLabelFilterOr(out));
      return Expect(T::kRParen);
    }
    if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
    auto n = std::make_shared<LabelFilterNode>();
    n->name = std::string(Next().text);
    const Token& op_tok = Peek();
    switch (op_tok.type) {
      case T::kEq:
        n->op = CmpOp::kEq;
        break;
      case T::kNeq:
        n->op = CmpOp::kNe;
        break;
      case T::kRe:
        n->op = CmpOp::kRe;
        break;
      case T::kNre:
        n->op = CmpOp::kNre;
        break;
      case T::kEqEq:
        n->op = CmpOp::kEqEq;
        break;
      case T::kGt:
        n->op = CmpOp::kGt;
        break;
      case T::kGe:
        n->op = CmpOp::kGe;
        break;
      case T::kLt:
        n->op = CmpOp::kLt;
        break;
      case T::kLe:
        n->op = CmpOp::kLe;
        break;
      default:
        return Unexpected(op_tok);
    }
    T op_type = Next().type;
    const Token& v = Peek();
    bool is_string_op =
        n->op == CmpOp::kEq || n->op == CmpOp::kNe || n->op == CmpOp::kRe || n->op == CmpOp::kNre;
    if (v.type == T::kString) {
      if (!is_string_op) return Unexpected(v, "NUMBER or DURATION or BYTES");
      n->kind = LabelFilterNode::Kind::kString;
      n->text = v.str;
      auto m = model::Matcher::Make(MatchTypeOf(op_type), n->name, v.str);
      if (!m.ok()) return SemanticError(m.status().message());
      n->matcher = std::move(*m);
      Next();
    } else if (IsWord(v, "ip")) {
      if (n->op != CmpOp::kEq && n->op != CmpOp::kNe) return Unexpected(v);
      Next();
      VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      n->text = Next().str;
      VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
      auto m = IpMatcher::Make(n->text);
      if (!m.ok()) return SemanticError(m.status().message());
      n->kind = LabelFilterNode::Kind::kIp;
      n->ip_matcher = std::move(*m);
    } else if (v.type == T::kNumber || v.type == T::kSub || v.type == T::kAdd) {
      if (n->op == CmpOp::kRe || n->op == CmpOp::kNre) return Unexpected(v, "STRING");
      size_t start_tok = pos_;
      VIGIL_RETURN_IF_ERROR(ParseNumber(&n->value));
      n->kind = LabelFilterNode::Kind::kNumber;
      for (size_t i = start_tok; i < pos_; ++i) n->text += toks_[i].text;
    } else if (v.type == T::kDuration || v.type == T::kBytes) {
      if (n->op == CmpOp::kRe || n->op == CmpOp::kNre) return Unexpected(v, "STRING");
      n->kind =
          v.type == T::kDuration ? LabelFilterNode::Kind::kDuration : LabelFilterNode::Kind::kBytes;
      n->value = v.type == T::kDuration ? v.num / 1e9 : v.num;
      n->text = std::string(v.text);
      Next();
    } else {
      return Unexpected(v, "STRING or NUMBER or DURATION or BYTES");
    }
    *out = std::move(n);
    return Status::OK();
  }

  Status ParseRange(Expr* e) {
    VIGIL_RETURN_IF_ERROR(Expect(T::kLBracket, "["));
    if (Peek().type != T::kDuration) return Unexpected(Peek(), "DURATION");
    e->range_ns = static_cast<int64_t>(Next().num);
    VIGIL_RETURN_IF_ERROR(Expect(T::kRBracket, "]"));
    if (e->range_ns <= 0) return SemanticError("range must be greater than 0");
    return Status::OK();
  }

  Status ParseOffset(Expr* e) {
    if (!IsWord(Peek(), "offset")) return Status::OK();
    Next();
    if (Peek().type != T::kDuration) return Unexpected(Peek(), "DURATION");
    e->offset_ns = static_cast<int64_t>(Next().num);
    return Status::OK();
  }

  Status ParseUnwrapIfAny(Expr* e) {
    if (!(Peek().type == T::kPipe && IsWord(Peek(1), "unwrap"))) return Status::OK();
    Next();
    Next();
    Unwrap u;
    if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
    std::string_view w = Peek().text;
    if ((w == "duration" || w == "duration_seconds" || w == "bytes") &&
        Peek(1).type == T::kLParen) {
      Next();
      Next();
      u.conversion = w == "bytes"      ? UnwrapConversion::kBytes
                     : w == "duration" ? UnwrapConversion::kDuration
                                       : UnwrapConversion::kDurationSeconds;
      if (Peek().type != T::kIdent) return Unexpected(Peek(), "IDENTIFIER");
      u.label = std::string(Next().text);
      VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
    } else {
      u.label = std::string(Next().text);
    }
    while (Peek().type == T::kPipe && (Peek(1).type == T::kIdent || Peek(1).type == T::kLParen) &&
           !IsWord(Peek(1), "unwrap")) {
      Next();
      Stage s;
      s.kind = Stage::Kind::kLabelFilter;
      VIGIL_RETURN_IF_ERROR(ParseLabelFilterOr(&s.label_filter));
      u.post_filters.push_back(std::move(s));
    }
    if (e->unwrap) return Unexpected(Peek());
    e->unwrap = std::move(u);
    return Status::OK();
  }

  Status ParseLogRange(Expr* e) {
    if (Peek().type == T::kLParen) {
      Next();
      VIGIL_RETURN_IF_ERROR(ParseMatchers(&e->log.matchers));
      VIGIL_RETURN_IF_ERROR(ParsePipeline(&e->log.stages, true));
      VIGIL_RETURN_IF_ERROR(ParseUnwrapIfAny(e));
      VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
      VIGIL_RETURN_IF_ERROR(ParseRange(e));
      VIGIL_RETURN_IF_ERROR(ParseOffset(e));
      return ParseUnwrapIfAny(e);
    }
    VIGIL_RETURN_IF_ERROR(ParseMatchers(&e->log.matchers));
    if (Peek().type == T::kLBracket) {
      VIGIL_RETURN_IF_ERROR(ParseRange(e));
      VIGIL_RETURN_IF_ERROR(ParseOffset(e));
      VIGIL_RETURN_IF_ERROR(ParsePipeline(&e->log.stages, true));
      VIGIL_RETURN_IF_ERROR(ParseUnwrapIfAny(e));
      if (e->offset_ns == 0) VIGIL_RETURN_IF_ERROR(ParseOffset(e));
      return Status::OK();
    }
    VIGIL_RETURN_IF_ERROR(ParsePipeline(&e->log.stages, true));
    VIGIL_RETURN_IF_ERROR(ParseUnwrapIfAny(e));
    VIGIL_RETURN_IF_ERROR(ParseRange(e));
    return ParseOffset(e);
  }

  Status ParseRangeAgg(RangeOp op, std::shared_ptr<Expr>* out) {
    Next();
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kRangeAgg;
    e->range_op = op;
    VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
    if (op == RangeOp::kQuantile) {
      VIGIL_RETURN_IF_ERROR(ParseNumber(&e->quantile));
      VIGIL_RETURN_IF_ERROR(Expect(T::kComma));
    }
    if (Peek().type != T::kLBrace && Peek().type != T::kLParen) return Unexpected(Peek(), "{ or (");
    VIGIL_RETURN_IF_ERROR(ParseLogRange(e.get()));
    VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
    if (IsWord(Peek(), "by") || IsWord(Peek(), "without")) {
      VIGIL_RETURN_IF_ERROR(ParseGrouping(&e->grouping));
    }
    bool needs_unwrap = !(op == RangeOp::kCount || op == RangeOp::kRate || op == RangeOp::kBytes ||
                          op == RangeOp::kBytesRate || op == RangeOp::kAbsent);
    bool takes_unwrap = needs_unwrap || op == RangeOp::kRate || op == RangeOp::kAbsent;
    if (e->unwrap && !takes_unwrap) {
      return SemanticError(fmt::format("invalid aggregation {} with unwrap", RangeOpName(op)));
    }
    if (!e->unwrap && needs_unwrap) {
      return SemanticError(fmt::format("invalid aggregation {} without unwrap", RangeOpName(op)));
    }
    bool groups = op == RangeOp::kAvg || op == RangeOp::kStddev || op == RangeOp::kStdvar ||
                  op == RangeOp::kQuantile || op == RangeOp::kMax || op == RangeOp::kMin ||
                  op == RangeOp::kFirst || op == RangeOp::kLast;
    if (e->grouping.present && !groups) {
      return SemanticError(fmt::format("grouping not allowed for {} aggregation", RangeOpName(op)));
    }
    *out = std::move(e);
    return Status::OK();
  }

  Status ParseVectorAgg(VectorOp op, std::shared_ptr<Expr>* out) {
    const Token& name = Next();
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kVectorAgg;
    e->vector_op = op;
    if (IsWord(Peek(), "by") || IsWord(Peek(), "without")) {
      VIGIL_RETURN_IF_ERROR(ParseGrouping(&e->grouping));
    }
    VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
    if (op == VectorOp::kTopk || op == VectorOp::kBottomk) {
      if (Peek().type != T::kNumber) return Unexpected(Peek(), "NUMBER");
      const Token& k = Next();
      if (k.num != std::floor(k.num) || k.num <= 0 || k.num > 1e9) {
        return SemanticError(fmt::format("invalid parameter {}({},", name.text, k.text));
      }
      e->k = static_cast<int64_t>(k.num);
      VIGIL_RETURN_IF_ERROR(Expect(T::kComma));
    }
    std::shared_ptr<Expr> child;
    VIGIL_RETURN_IF_ERROR(ParseBinary(0, &child));
    if (!child->IsMetric()) return Unexpected(Peek());
    VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
    if (!e->grouping.present && (IsWord(Peek(), "by") || IsWord(Peek(), "without"))) {
      VIGIL_RETURN_IF_ERROR(ParseGrouping(&e->grouping));
    }
    if ((op == VectorOp::kSort || op == VectorOp::kSortDesc) && e->grouping.present) {
      return SemanticError(
          fmt::format("grouping not allowed for {} aggregation", VectorOpName(op)));
    }
    e->lhs = std::move(child);
    *out = std::move(e);
    return Status::OK();
  }

  Status ParseLabelReplace(std::shared_ptr<Expr>* out) {
    Next();
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kLabelReplace;
    VIGIL_RETURN_IF_ERROR(Expect(T::kLParen));
    std::shared_ptr<Expr> child;
    VIGIL_RETURN_IF_ERROR(ParseBinary(0, &child));
    if (!child->IsMetric()) return Unexpected(Peek());
    std::string* fields[] = {&e->dst, &e->replacement, &e->src, &e->regex_text};
    for (std::string* f : fields) {
      VIGIL_RETURN_IF_ERROR(Expect(T::kComma));
      if (Peek().type != T::kString) return Unexpected(Peek(), "STRING");
      *f = Next().str;
    }
    VIGIL_RETURN_IF_ERROR(Expect(T::kRParen));
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    e->regex = std::make_shared<const RE2>("^(?:" + e->regex_text + ")$", opts);
    if (!e->regex->ok()) {
      return SemanticError(fmt::format("invalid regex in label_replace: error parsing regexp: {}",
                                       e->regex->error()));
    }
    if (!IsLegacyLabelName(e->dst)) {
      return SemanticError(
          fmt::format("invalid destination label name in label_replace(): {}", e->dst));
    }
    e->lhs = std::move(child);
    *out = std::move(e);
    return Status::OK();
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::shared_ptr<const Expr>> ParseExpr(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return Status::InvalidArgument(fmt::format(
        "parse error : query of {} bytes exceeds the limit of {}", query.size(), kMaxQueryBytes));
  }
  std::vector<Token> toks;
  Lexer lexer(query);
  VIGIL_RETURN_IF_ERROR(lexer.Run(&toks));
  Parser parser(std::move(toks));
  return parser.Run();
}

}  // namespace vigil::logql
