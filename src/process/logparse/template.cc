// Template: a Go text/template subset (LogQL's line_format/label_format).
// Parsed once into a small tree; Execute walks it with dynamic Values.
// Options as Loki's: missingkey=zero (an absent label prints "").
#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strconv.h"
#include "process/logparse/logparse.h"
#include "process/logparse/template_value.h"

namespace vigil::logparse {

namespace {

using tmpl::Value;

// ---------------------------------------------------------------------------
// Lexing.

enum class Tok {
  kIdentifier,  // function names and keywords
  kField,       // .a.b  (text: "a.b")
  kDot,         // .
  kVariable,    // $x or $, optionally followed by .fields (text: "x" + fields)
  kString,      // decoded
  kNumber,      // decoded into value
  kChar,        // decoded into value
  kBool,
  kNil,
  kPipe,
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
};

struct Token {
  Tok type;
  std::string text;
  std::vector<std::string> fields;  // kField, kVariable
  Value value;                      // literals
};

struct Item {
  bool is_text = true;
  std::string text;           // is_text
  std::vector<Token> tokens;  // action
};

Status SyntaxError(std::string_view what) {
  return Status::InvalidArgument(fmt::format("template: {}", what));
}

bool IsSpaceByte(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlnumByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsDigitByte(char c) { return c >= '0' && c <= '9'; }

void TrimRightSpace(std::string* s) {
  while (!s->empty() && IsSpaceByte(s->back())) s->pop_back();
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : in_(text) {}

  Result<std::vector<Item>> Run() {
    std::vector<Item> items;
    bool trim_next_text = false;
    while (pos_ < in_.size()) {
      size_t open = in_.find("{{", pos_);
      std::string_view text =
          in_.substr(pos_, open == std::string_view::npos ? in_.npos : open - pos_);
      if (trim_next_text) {
        while (!text.empty() && IsSpaceByte(text.front())) text.remove_prefix(1);
      }
      if (!text.empty()) items.push_back(Item{true, std::string(text), {}});
      if (open == std::string_view::npos) break;
      pos_ = open + 2;
      // "{{- " trims the text before; the dash must be followed by a space.
      if (pos_ + 1 < in_.size() && in_[pos_] == '-' && IsSpaceByte(in_[pos_ + 1])) {
        if (!items.empty() && items.back().is_text) {
          TrimRightSpace(&items.back().text);
          if (items.back().text.empty()) items.pop_back();
        }
        pos_ += 2;
      }
      Item action;
      action.is_text = false;
      bool trim_right = false;
      VIGIL_RETURN_IF_ERROR(LexAction(&action.tokens, &trim_right));
      trim_next_text = trim_right;
      if (!action.tokens.empty() || !is_comment_) items.push_back(std::move(action));
    }
    return items;
  }

 private:
  // Tokens up to "}}" (or " -}}"); pos_ just after it.
  Status LexAction(std::vector<Token>* tokens, bool* trim_right) {
    is_comment_ = false;
    while (pos_ < in_.size() && IsSpaceByte(in_[pos_])) ++pos_;
    if (in_.substr(pos_).starts_with("/*")) {
      size_t close = in_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) return SyntaxError("unclosed comment");
      pos_ = close + 2;
      is_comment_ = true;
      if (in_.substr(pos_).starts_with(" -}}")) {
        *trim_right = true;
        pos_ += 4;
        return Status::OK();
      }
      if (in_.substr(pos_).starts_with("}}")) {
        pos_ += 2;
        return Status::OK();
      }
      return SyntaxError("comment ends before closing delimiter");
    }
    while (true) {
      if (pos_ >= in_.size()) return SyntaxError("unclosed action");
      char c = in_[pos_];
      if (IsSpaceByte(c)) {
        size_t after = pos_;
        while (after < in_.size() && IsSpaceByte(in_[after])) ++after;
        if (in_.substr(after).starts_with("-}}")) {
          *trim_right = true;
          pos_ = after + 3;
          return Status::OK();
        }
        pos_ = after;
        continue;
      }
      if (in_.substr(pos_).starts_with("}}")) {
        pos_ += 2;
        return Status::OK();
      }
      Token token;
      VIGIL_RETURN_IF_ERROR(LexToken(&token));
      tokens->push_back(std::move(token));
    }
  }

  std::vector<std::string> LexFieldChain() {
    std::vector<std::string> fields;
    while (pos_ + 1 < in_.size() && in_[pos_] == '.' && IsAlnumByte(in_[pos_ + 1]) &&
           !IsDigitByte(in_[pos_ + 1])) {
      size_t start = ++pos_;
      while (pos_ < in_.size() && IsAlnumByte(in_[pos_])) ++pos_;
      fields.emplace_back(in_.substr(start, pos_ - start));
    }
    return fields;
  }

  Status LexToken(Token* token) {
    char c = in_[pos_];
    switch (c) {
      case '|':
        ++pos_;
        token->type = Tok::kPipe;
        return Status::OK();
      case '(':
        ++pos_;
        token->type = Tok::kLeftParen;
        return Status::OK();
      case ')':
        ++pos_;
        token->type = Tok::kRightParen;
        return Status::OK();
      case '=':
        ++pos_;
        token->type = Tok::kAssign;
        return Status::OK();
      case ':':
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] == '=') {
          pos_ += 2;
          token->type = Tok::kDeclare;
          return Status::OK();
        }
        return SyntaxError("expected :=");
      case '"':
      case '`':
        return LexString(token);
      case '\'':
        return LexChar(token);
      case '$': {
        size_t start = ++pos_;
        while (pos_ < in_.size() && IsAlnumByte(in_[pos_])) ++pos_;
        token->type = Tok::kVariable;
        token->text = std::string(in_.substr(start, pos_ - start));
        token->fields = LexFieldChain();
        return Status::OK();
      }
      case '.':
        if (pos_ + 1 < in_.size() && IsDigitByte(in_[pos_ + 1])) return LexNumber(token);
        if (pos_ + 1 < in_.size() && IsAlnumByte(in_[pos_ + 1])) {
          token->type = Tok::kField;
          token->fields = LexFieldChain();
          return Status::OK();
        }
        ++pos_;
        token->type = Tok::kDot;
        return Status::OK();
      default:
        break;
    }
    if (IsDigitByte(c) || ((c == '-' || c == '+') && pos_ + 1 < in_.size() &&
                           (IsDigitByte(in_[pos_ + 1]) || in_[pos_ + 1] == '.'))) {
      return LexNumber(token);
    }
    if (IsAlnumByte(c)) {
      size_t start = pos_;
      while (pos_ < in_.size() && IsAlnumByte(in_[pos_])) ++pos_;
      std::string_view word = in_.substr(start, pos_ - start);
      if (word == "true" || word == "false") {
        token->type = Tok::kBool;
        token->value = Value::Bool(word == "true");
      } else if (word == "nil") {
        token->type = Tok::kNil;
      } else {
        token->type = Tok::kIdentifier;
        token->text = std::string(word);
      }
      return Status::OK();
    }
    return SyntaxError(fmt::format("unexpected {:?} in command", std::string(1, c)));
  }

  Status LexString(Token* token) {
    char quote = in_[pos_];
    size_t start = pos_++;
    while (pos_ < in_.size() && in_[pos_] != quote) {
      if (quote == '"' && in_[pos_] == '\\') ++pos_;
      if (quote == '"' && pos_ < in_.size() && in_[pos_] == '\n') {
        return SyntaxError("unterminated quoted string");
      }
      ++pos_;
    }
    if (pos_ >= in_.size()) return SyntaxError("unterminated quoted string");
    ++pos_;
    auto decoded = UnquotePromString(in_.substr(start, pos_ - start));
    if (!decoded.ok()) return SyntaxError("invalid quoted string");
    token->type = Tok::kString;
    token->value = Value::String(std::move(decoded).value());
    return Status::OK();
  }

  Status LexChar(Token* token) {
    size_t start = pos_++;
    while (pos_ < in_.size() && in_[pos_] != '\'') {
      if (in_[pos_] == '\\') ++pos_;
      ++pos_;
    }
    if (pos_ >= in_.size()) return SyntaxError("unterminated character constant");
    ++pos_;
    auto decoded = UnquotePromString(in_.substr(start, pos_ - start));
    if (!decoded.ok() || decoded->empty()) return SyntaxError("invalid character constant");
    int width = 0;
    int32_t rune = Utf8DecodeRune(*decoded, 0, &width);
    if (static_cast<size_t>(width) != decoded->size()) {
      // \xNN escapes give one byte that is its own value.
      if (decoded->size() == 1) {
        rune = static_cast<unsigned char>((*decoded)[0]);
      } else {
        return SyntaxError("invalid character constant");
      }
    }
    token->type = Tok::kChar;
    token->value = Value::Int(rune);
    return Status::OK();
  }

  Status LexNumber(Token* token) {
    size_t start = pos_;
    if (in_[pos_] == '+' || in_[pos_] == '-') ++pos_;
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      char prev = in_[pos_ - 1];
      if (IsAlnumByte(c) || c == '.' ||
          ((c == '+' || c == '-') && (prev == 'e' || prev == 'E' || prev == 'p' || prev == 'P'))) {
        ++pos_;
        continue;
      }
      break;
    }
    std::string_view text = in_.substr(start, pos_ - start);
    token->type = Tok::kNumber;
    if (auto i = ParseGoInt(text); i.ok()) {
      token->value = Value::Int(*i);
      return Status::OK();
    }
    if (auto f = ParseGoFloat(text); f.ok()) {
      token->value = Value::Float(*f);
      return Status::OK();
    }
    return SyntaxError(fmt::format("bad number syntax: {:?}", std::string(text)));
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool is_comment_ = false;
};

// ---------------------------------------------------------------------------
// Tree.

struct Pipeline;

struct Operand {
  enum class Kind { kLiteral, kDot, kField, kVariable, kFunction, kPipeline };
  Kind kind = Kind::kLiteral;
  Value literal;
  std::string variable;             // kVariable ("" is $)
  std::vector<std::string> fields;  // kField, kVariable: .a.b after it
  const tmpl::FunctionSpec* function = nullptr;
  std::shared_ptr<const Pipeline> pipeline;
};

struct Command {
  std::vector<Operand> operands;
};

struct Pipeline {
  std::string variable;  // declared or assigned
  bool declares = false;
  bool assigns = false;
  std::vector<Command> commands;
};

struct Node {
  enum class Kind { kText, kAction, kIf };
  Kind kind = Kind::kText;
  std::string text;
  Pipeline pipeline;
  std::vector<Node> then_nodes;
  std::vector<Node> else_nodes;
};

class Parser {
 public:
  explicit Parser(std::vector<Item> items) : items_(std::move(items)) {}

  Result<std::vector<Node>> Run() {
    std::vector<Node> nodes;
    std::string end;
    VIGIL_RETURN_IF_ERROR(ParseList(&nodes, &end));
    if (!end.empty()) return SyntaxError(fmt::format("unexpected {{{{{}}}}}", end));
    return nodes;
  }

 private:
  // Nodes until {{end}} / {{else ...}} (left in *terminator, with the item
  // index at the else's tokens) or the end of input ("" terminator).
  Status ParseList(std::vector<Node>* nodes, std::string* terminator) {
    while (index_ < items_.size()) {
      Item& item = items_[index_++];
      if (item.is_text) {
        Node node;
        node.kind = Node::Kind::kText;
        node.text = std::move(item.text);
        nodes->push_back(std::move(node));
        continue;
      }
      const std::vector<Token>& tokens = item.tokens;
      if (tokens.empty()) return SyntaxError("missing value for command");
      if (tokens[0].type == Tok::kIdentifier) {
        const std::string& word = tokens[0].text;
        if (word == "end") {
          if (tokens.size() != 1) return SyntaxError("unexpected token after end");
          *terminator = "end";
          return Status::OK();
        }
        if (word == "else") {
          *terminator = "else";
          else_tokens_ = &tokens;
          return Status::OK();
        }
        if (word == "if") {
          Node node;
          if (++depth_ > kMaxDepth) return SyntaxError("nested too deeply");
          VIGIL_RETURN_IF_ERROR(ParseIf(tokens, 1, &node));
          --depth_;
          nodes->push_back(std::move(node));
          continue;
        }
        if (word == "range" || word == "with" || word == "define" || word == "template" ||
            word == "block" || word == "break" || word == "continue") {
          return SyntaxError(fmt::format("{{{{{}}}}} is not supported", word));
        }
      }
      Node node;
      node.kind = Node::Kind::kAction;
      size_t pos = 0;
      VIGIL_RETURN_IF_ERROR(ParsePipeline(tokens, &pos, /*allow_decl=*/true, &node.pipeline));
      if (pos != tokens.size()) return SyntaxError("unexpected token in operand");
      nodes->push_back(std::move(node));
    }
    return Status::OK();
  }

  // {{if pipeline}} ... [{{else if ...}} ...] [{{else}} ...] {{end}}
  Status ParseIf(const std::vector<Token>& tokens, size_t start, Node* node) {
    node->kind = Node::Kind::kIf;
    size_t pos = start;
    if (pos >= tokens.size()) return SyntaxError("missing value for if");
    VIGIL_RETURN_IF_ERROR(ParsePipeline(tokens, &pos, true, &node->pipeline));
    if (pos != tokens.size()) return SyntaxError("unexpected token in if");
    std::string terminator;
    VIGIL_RETURN_IF_ERROR(ParseList(&node->then_nodes, &terminator));
    if (terminator.empty()) return SyntaxError("unexpected EOF: missing {{end}}");
    if (terminator == "end") return Status::OK();
    const std::vector<Token>& else_tokens = *else_tokens_;
    if (else_tokens.size() > 1) {
      if (else_tokens[1].type != Tok::kIdentifier || else_tokens[1].text != "if") {
        return SyntaxError("unexpected token after else");
      }
      // else if: a nested if that consumes the shared {{end}}.
      Node nested;
      VIGIL_RETURN_IF_ERROR(ParseIf(else_tokens, 2, &nested));
      node->else_nodes.push_back(std::move(nested));
      return Status::OK();
    }
    VIGIL_RETURN_IF_ERROR(ParseList(&node->else_nodes, &terminator));
    if (terminator != "end") return SyntaxError("expected {{end}} after {{else}}");
    return Status::OK();
  }

  Status ParsePipeline(const std::vector<Token>& tokens, size_t* pos, bool allow_decl,
                       Pipeline* pipeline) {
    if (allow_decl && *pos + 1 < tokens.size() && tokens[*pos].type == Tok::kVariable &&
        tokens[*pos].fields.empty() &&
        (tokens[*pos + 1].type == Tok::kDeclare || tokens[*pos + 1].type == Tok::kAssign)) {
      pipeline->variable = tokens[*pos].text;
      pipeline->declares = tokens[*pos + 1].type == Tok::kDeclare;
      pipeline->assigns = !pipeline->declares;
      *pos += 2;
    }
    while (true) {
      Command command;
      while (*pos < tokens.size() && tokens[*pos].type != Tok::kPipe &&
             tokens[*pos].type != Tok::kRightParen) {
        Operand operand;
        VIGIL_RETURN_IF_ERROR(ParseOperand(tokens, pos, &operand));
        command.operands.push_back(std::move(operand));
      }
      if (command.operands.empty()) return SyntaxError("missing value for command");
      if (command.operands[0].kind != Operand::Kind::kFunction && command.operands.size() > 1) {
        return SyntaxError("can't give argument to non-function");
      }
      pipeline->commands.push_back(std::move(command));
      if (*pos < tokens.size() && tokens[*pos].type == Tok::kPipe) {
        ++*pos;
        continue;
      }
      break;
    }
    for (size_t i = 1; i < pipeline->commands.size(); ++i) {
      if (pipeline->commands[i].operands[0].kind != Operand::Kind::kFunction) {
        return SyntaxError("can't give argument to non-function");
      }
    }
    return Status::OK();
  }

  Status ParseOperand(const std::vector<Token>& tokens, size_t* pos, Operand* operand) {
    const Token& token = tokens[(*pos)++];
    switch (token.type) {
      case Tok::kIdentifier: {
        if (token.text == "if" || token.text == "else" || token.text == "end" ||
            token.text == "range" || token.text == "with") {
          return SyntaxError(fmt::format("unexpected <{}> in command", token.text));
        }
        operand->kind = Operand::Kind::kFunction;
        operand->function = tmpl::LookupFunction(token.text);
        if (operand->function == nullptr) {
          return SyntaxError(fmt::format("function {:?} not defined", token.text));
        }
        return Status::OK();
      }
      case Tok::kField:
        operand->kind = Operand::Kind::kField;
        operand->fields = token.fields;
        return Status::OK();
      case Tok::kDot:
        operand->kind = Operand::Kind::kDot;
        return Status::OK();
      case Tok::kVariable:
        operand->kind = Operand::Kind::kVariable;
        operand->variable = token.text;
        operand->fields = token.fields;
        return Status::OK();
      case Tok::kString:
      case Tok::kNumber:
      case Tok::kChar:
      case Tok::kBool:
        operand->kind = Operand::Kind::kLiteral;
        operand->literal = token.value;
        return Status::OK();
      case Tok::kNil:
        return SyntaxError("nil is not a command");
      case Tok::kLeftParen: {
        auto pipeline = std::make_shared<Pipeline>();
        if (++depth_ > kMaxDepth) return SyntaxError("nested too deeply");
        VIGIL_RETURN_IF_ERROR(ParsePipeline(tokens, pos, false, pipeline.get()));
        --depth_;
        if (*pos >= tokens.size() || tokens[*pos].type != Tok::kRightParen) {
          return SyntaxError("unclosed left paren");
        }
        ++*pos;
        operand->kind = Operand::Kind::kPipeline;
        operand->pipeline = std::move(pipeline);
        return Status::OK();
      }
      default:
        return SyntaxError("unexpected token in operand");
    }
  }

  std::vector<Item> items_;
  size_t index_ = 0;
  const std::vector<Token>* else_tokens_ = nullptr;
  // Parsing and execution recurse on if and parentheses; a bound keeps a
  // hostile query from exhausting the stack.
  static constexpr int kMaxDepth = 100;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------
// Execution.

constexpr size_t kMaxOutputBytes = 1 << 20;  // a guard against `repeat` blowups

class Executor {
 public:
  explicit Executor(const Template::Context& ctx) : ctx_(ctx) {}

  Status Run(const std::vector<Node>& nodes, std::string* out) {
    for (const Node& node : nodes) {
      switch (node.kind) {
        case Node::Kind::kText:
          out->append(node.text);
          break;
        case Node::Kind::kAction: {
          Value v;
          VIGIL_RETURN_IF_ERROR(EvalPipeline(node.pipeline, &v));
          if (!node.pipeline.declares && !node.pipeline.assigns) tmpl::AppendPrint(out, v, ctx_);
          break;
        }
        case Node::Kind::kIf: {
          size_t scope = variables_.size();
          Value v;
          VIGIL_RETURN_IF_ERROR(EvalPipeline(node.pipeline, &v));
          Status s = Run(tmpl::IsTrue(v, ctx_) ? node.then_nodes : node.else_nodes, out);
          variables_.resize(scope);
          VIGIL_RETURN_IF_ERROR(s);
          break;
        }
      }
      if (out->size() > kMaxOutputBytes)
        return Status::ResourceExhausted("template: output too large");
    }
    return Status::OK();
  }

 private:
  Status EvalPipeline(const Pipeline& pipeline, Value* result) {
    Value piped;
    bool have_piped = false;
    for (const Command& command : pipeline.commands) {
      Value v;
      VIGIL_RETURN_IF_ERROR(EvalCommand(command, have_piped ? &piped : nullptr, &v));
      piped = std::move(v);
      have_piped = true;
    }
    if (pipeline.declares) {
      variables_.emplace_back(pipeline.variable, piped);
    } else if (pipeline.assigns) {
      Value* slot = FindVariable(pipeline.variable);
      if (slot == nullptr) {
        return Status::FailedPrecondition(
            fmt::format("template: undefined variable \"${}\"", pipeline.variable));
      }
      *slot = piped;
    }
    *result = std::move(piped);
    return Status::OK();
  }

  Status EvalCommand(const Command& command, Value* piped, Value* result) {
    const Operand& first = command.operands[0];
    if (first.kind != Operand::Kind::kFunction) return EvalOperand(first, result);
    tmpl::Args args;
    args.reserve(command.operands.size());
    for (size_t i = 1; i < command.operands.size(); ++i) {
      Value v;
      VIGIL_RETURN_IF_ERROR(EvalOperand(command.operands[i], &v));
      args.push_back(std::move(v));
    }
    if (piped != nullptr) args.push_back(std::move(*piped));
    return Call(*first.function, &args, result);
  }

  Status Call(const tmpl::FunctionSpec& spec, tmpl::Args* args, Value* result) {
    int n = static_cast<int>(args->size());
    if (n < spec.min_args || (spec.max_args >= 0 && n > spec.max_args)) {
      return Status::FailedPrecondition(
          fmt::format("template: wrong number of args for {}: got {}", spec.name, n));
    }
    Result<Value> r = spec.fn(*args, ctx_);
    if (!r.ok()) {
      return Status::FailedPrecondition(
          fmt::format("template: error calling {}: {}", spec.name, r.status().message()));
    }
    *result = std::move(r).value();
    return Status::OK();
  }

  Status EvalOperand(const Operand& operand, Value* result) {
    switch (operand.kind) {
      case Operand::Kind::kLiteral:
        *result = operand.literal;
        return Status::OK();
      case Operand::Kind::kDot:
        result->kind = Value::Kind::kLabels;
        return Status::OK();
      case Operand::Kind::kField:
        return EvalFields(Labels(), operand.fields, result);
      case Operand::Kind::kVariable: {
        Value base = Labels();
        if (!operand.variable.empty()) {
          Value* slot = FindVariable(operand.variable);
          if (slot == nullptr) {
            return Status::FailedPrecondition(
                fmt::format("template: undefined variable \"${}\"", operand.variable));
          }
          base = *slot;
        }
        return EvalFields(std::move(base), operand.fields, result);
      }
      case Operand::Kind::kFunction: {
        tmpl::Args args;
        return Call(*operand.function, &args, result);
      }
      case Operand::Kind::kPipeline:
        return EvalPipeline(*operand.pipeline, result);
    }
    return Status::OK();
  }

  static Value Labels() {
    Value v;
    v.kind = Value::Kind::kLabels;
    return v;
  }

  Status EvalFields(Value base, const std::vector<std::string>& fields, Value* result) {
    for (const std::string& field : fields) {
      if (base.kind != Value::Kind::kLabels) {
        return Status::FailedPrecondition(
            fmt::format("template: can't evaluate field {} in type string", field));
      }
      base = Value::String(std::string(LookupLabel(field)));
    }
    *result = std::move(base);
    return Status::OK();
  }

  std::string_view LookupLabel(std::string_view name) const {
    if (ctx_.labels == nullptr) return {};
    // The last one wins, as when the fields were folded into a map.
    for (auto it = ctx_.labels->rbegin(); it != ctx_.labels->rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return {};
  }

  Value* FindVariable(std::string_view name) {
    for (auto it = variables_.rbegin(); it != variables_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
    return nullptr;
  }

  const Template::Context& ctx_;
  std::vector<std::pair<std::string, Value>> variables_;
};

class TemplateImpl final : public Template {
 public:
  explicit TemplateImpl(std::vector<Node> nodes) : nodes_(std::move(nodes)) {}

  Result<std::string> Execute(const Context& ctx) const override {
    std::string out;
    Executor executor(ctx);
    VIGIL_RETURN_IF_ERROR(executor.Run(nodes_, &out));
    return out;
  }

 private:
  std::vector<Node> nodes_;
};

}  // namespace

Result<std::shared_ptr<const Template>> Template::Make(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<Item> items, Lexer(text).Run());
  VIGIL_ASSIGN_OR_RETURN(std::vector<Node> nodes, Parser(std::move(items)).Run());
  return std::shared_ptr<const Template>(std::make_shared<TemplateImpl>(std::move(nodes)));
}

}  // namespace vigil::logparse
