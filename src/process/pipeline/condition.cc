#include "process/pipeline/condition.h"

#include <re2/re2.h>

#include <cctype>

#include <fmt/format.h>

#include "base/strconv.h"
#include "process/pipeline/field.h"
#include "process/pipeline/normalize.h"

namespace vigil::pipeline {

enum class Op : uint8_t { kEq, kNe, kRe, kNre, kGt, kGe, kLt, kLe };

struct Condition::Node {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kCmp } kind = Kind::kCmp;
  int left = -1;
  int right = -1;
  // kCmp:
  FieldRef field;
  Op op = Op::kEq;
  std::string value;
  bool value_is_number = false;
  double number = 0;
  std::shared_ptr<const re2::RE2> regex;
};

namespace {

struct Token {
  enum class Kind { kEnd, kWord, kString, kOp, kLParen, kRParen } kind = Kind::kEnd;
  std::string text;  // word or op text, or the unquoted string
  size_t pos = 0;
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == ':' || c == '/' || c == '+' || static_cast<unsigned char>(c) >= 0x80;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Condition::Node>* nodes) : text_(text), nodes_(nodes) {}

  Result<int> ParseAll() {
    VIGIL_RETURN_IF_ERROR(Next());
    VIGIL_ASSIGN_OR_RETURN(int root, ParseOr());
    if (tok_.kind != Token::Kind::kEnd) return Error("unexpected \"" + tok_.text + "\"");
    return root;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(
        fmt::format("condition \"{}\": {} at offset {}", text_, what, tok_.pos));
  }

  Status Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    tok_ = Token();
    tok_.pos = pos_;
    if (pos_ >= text_.size()) return Status::OK();
    char c = text_[pos_];
    if (c == '(') {
      tok_.kind = Token::Kind::kLParen;
      tok_.text = "(";
      ++pos_;
      return Status::OK();
    }
    if (c == ')') {
      tok_.kind = Token::Kind::kRParen;
      tok_.text = ")";
      ++pos_;
      return Status::OK();
    }
    if (c == '"' || c == '\'' || c == '`') {
      size_t end = pos_ + 1;
      while (end < text_.size() && text_[end] != c) {
        if (text_[end] == '\\' && c != '`') ++end;
        ++end;
      }
      if (end >= text_.size()) return Error("unterminated string");
      std::string_view lit = text_.substr(pos_, end + 1 - pos_);
      auto unq = UnquotePromString(lit);
      if (!unq.ok()) return Error("invalid string " + std::string(lit));
      tok_.kind = Token::Kind::kString;
      tok_.text = std::move(unq).value();
      pos_ = end + 1;
      return Status::OK();
    }
    static constexpr std::string_view kOps[] = {
        "==", "!=", "=~", "!~", ">=", "<=", "&&", "||", ">", "<", "!", "="};
    for (std::string_view op : kOps) {
      if (text_.substr(pos_, op.size()) == op) {
        tok_.kind = Token::Kind::kOp;
        tok_.text = std::string(op);
        pos_ += op.size();
        return Status::OK();
      }
    }
    if (IsWordChar(c)) {
      size_t end = pos_;
      while (end < text_.size() && IsWordChar(text_[end])) ++end;
      tok_.kind = Token::Kind::kWord;
      tok_.text = std::string(text_.substr(pos_, end - pos_));
      pos_ = end;
      return Status::OK();
    }
    return Error(fmt::format("unexpected character '{}'", c));
  }

  bool IsKeyword(std::string_view word) const {
    return tok_.kind == Token::Kind::kWord && tok_.text == word;
  }

  int Add(Condition::Node node) {
    nodes_->push_back(std::move(node));
    return static_cast<int>(nodes_->size() - 1);
  }

  Result<int> ParseOr() {
    VIGIL_ASSIGN_OR_RETURN(int left, ParseAnd());
    while (IsKeyword("or") || (tok_.kind == Token::Kind::kOp && tok_.text == "||")) {
      VIGIL_RETURN_IF_ERROR(Next());
      VIGIL_ASSIGN_OR_RETURN(int right, ParseAnd());
      Condition::Node n;
      n.kind = Condition::Node::Kind::kOr;
      n.left = left;
      n.right = right;
      left = Add(std::move(n));
    }
    return left;
  }

  Result<int> ParseAnd() {
    VIGIL_ASSIGN_OR_RETURN(int left, ParseUnary());
    while (IsKeyword("and") || (tok_.kind == Token::Kind::kOp && tok_.text == "&&")) {
      VIGIL_RETURN_IF_ERROR(Next());
      VIGIL_ASSIGN_OR_RETURN(int right, ParseUnary());
      Condition::Node n;
      n.kind = Condition::Node::Kind::kAnd;
      n.left = left;
      n.right = right;
      left = Add(std::move(n));
    }
    return left;
  }

  Result<int> ParseUnary() {
    if (++depth_ > 100) return Error("nesting too deep");
    struct DepthGuard {
      int* d;
      ~DepthGuard() { --*d; }
    } guard{&depth_};
    if (IsKeyword("not") || (tok_.kind == Token::Kind::kOp && tok_.text == "!")) {
      VIGIL_RETURN_IF_ERROR(Next());
      VIGIL_ASSIGN_OR_RETURN(int inner, ParseUnary());
      Condition::Node n;
      n.kind = Condition::Node::Kind::kNot;
      n.left = inner;
      return Add(std::move(n));
    }
    if (tok_.kind == Token::Kind::kLParen) {
      VIGIL_RETURN_IF_ERROR(Next());
      VIGIL_ASSIGN_OR_RETURN(int inner, ParseOr());
      if (tok_.kind != Token::Kind::kRParen) return Error("missing ')'");
      VIGIL_RETURN_IF_ERROR(Next());
      return inner;
    }
    return ParseComparison();
  }

  Result<int> ParseComparison() {
    if (tok_.kind != Token::Kind::kWord) {
      return Error(tok_.kind == Token::Kind::kEnd ? std::string("missing field")
                                                  : "expected a field, got \"" + tok_.text + "\"");
    }
    Condition::Node n;
    n.kind = Condition::Node::Kind::kCmp;
    auto field = FieldRef::Parse(tok_.text);
    if (!field.ok()) return Error(field.status().message());
    n.field = std::move(field).value();
    VIGIL_RETURN_IF_ERROR(Next());
    if (tok_.kind != Token::Kind::kOp) {
      return Error("expected an operator (== != =~ !~ > >= < <=) after \"" + n.field.name() + "\"");
    }
    const std::string& op = tok_.text;
    if (op == "==" || op == "=") {
      n.op = Op::kEq;
    } else if (op == "!=") {
      n.op = Op::kNe;
    } else if (op == "=~") {
      n.op = Op::kRe;
    } else if (op == "!~") {
      n.op = Op::kNre;
    } else if (op == ">") {
      n.op = Op::kGt;
    } else if (op == ">=") {
      n.op = Op::kGe;
    } else if (op == "<") {
      n.op = Op::kLt;
    } else if (op == "<=") {
      n.op = Op::kLe;
    } else {
      return Error("unexpected operator \"" + op + "\"");
    }
    VIGIL_RETURN_IF_ERROR(Next());
    if (tok_.kind != Token::Kind::kString && tok_.kind != Token::Kind::kWord) {
      return Error("expected a value after \"" + op + "\"");
    }
    bool quoted = tok_.kind == Token::Kind::kString;
    n.value = tok_.text;
    if (n.op == Op::kRe || n.op == Op::kNre) {
      auto re = std::make_shared<re2::RE2>(n.value, re2::RE2::Quiet);
      if (!re->ok()) return Error("invalid regex \"" + n.value + "\": " + re->error());
      n.regex = std::move(re);
    } else {
      n.value_is_number = ParseNumber(n.value, &n.number);
      if (!n.value_is_number && n.field.kind() == FieldRef::Kind::kSeverityNumber) {
        uint8_t sev = SeverityFromWord(n.value);
        if (sev == 0) return Error("\"" + n.value + "\" is not a severity");
        n.value_is_number = true;
        n.number = sev;
      }
      if (!quoted && !n.value_is_number && n.value.empty()) return Error("empty value");
    }
    VIGIL_RETURN_IF_ERROR(Next());
    return Add(std::move(n));
  }

  std::string_view text_;
  std::vector<Condition::Node>* nodes_;
  size_t pos_ = 0;
  int depth_ = 0;
  Token tok_;
};

}  // namespace

Condition::Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;
Condition::~Condition() = default;

Result<Condition> Condition::Compile(std::string_view text) {
  Condition c;
  bool blank = true;
  for (char ch : text) blank = blank && std::isspace(static_cast<unsigned char>(ch));
  if (blank) return c;
  Parser parser(text, &c.nodes_);
  VIGIL_ASSIGN_OR_RETURN(c.root_, parser.ParseAll());
  return c;
}

bool Condition::Eval(const model::LogRecord& record) const {
  if (root_ < 0) return true;
  std::string scratch;
  return EvalNode(root_, record, &scratch);
}

bool Condition::EvalNode(int index, const model::LogRecord& r, std::string* scratch) const {
  const Node& n = nodes_[index];
  switch (n.kind) {
    case Node::Kind::kAnd:
      return EvalNode(n.left, r, scratch) && EvalNode(n.right, r, scratch);
    case Node::Kind::kOr:
      return EvalNode(n.left, r, scratch) || EvalNode(n.right, r, scratch);
    case Node::Kind::kNot:
      return !EvalNode(n.left, r, scratch);
    case Node::Kind::kCmp:
      break;
  }
  switch (n.op) {
    case Op::kRe:
    case Op::kNre: {
      std::string_view v = n.field.Get(r, scratch);
      bool m = re2::RE2::PartialMatch(v, *n.regex);
      return n.op == Op::kRe ? m : !m;
    }
    case Op::kEq:
    case Op::kNe: {
      bool eq;
      double num;
      if (n.value_is_number && n.field.GetNumber(r, &num)) {
        eq = num == n.number;
      } else {
        eq = n.field.Get(r, scratch) == n.value;
      }
      return n.op == Op::kEq ? eq : !eq;
    }
    default:
      break;
  }
  int cmp;
  if (n.value_is_number) {
    double num;
    if (!n.field.GetNumber(r, &num)) return false;
    cmp = num < n.number ? -1 : (num > n.number ? 1 : 0);
    if (num != num) return false;  // NaN compares false
  } else {
    int c = n.field.Get(r, scratch).compare(n.value);
    cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  switch (n.op) {
    case Op::kGt:
      return cmp > 0;
    case Op::kGe:
      return cmp >= 0;
    case Op::kLt:
      return cmp < 0;
    case Op::kLe:
      return cmp <= 0;
    default:
      return false;
  }
}

}  // namespace vigil::pipeline
