// The PromQL lexer: query text to tokens, with the states and error messages
// of Prometheus 3.5's lexer (inside braces keywords are plain identifiers;
// inside brackets only durations, numbers and duration arithmetic). The
// literal rules the parser and printer share (Go quoting and unquoting, Go's
// number syntax, Prometheus' durations) live in base/strconv.h.
//
// Internal to the parser library (parser.cc, printer.cc); owned by the
// parser. Thread-safety: a Lexer is used by one thread; the free functions
// are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/strconv.h"

namespace vigil::promql {

enum class TokenType : uint8_t {
  kEOF,
  kError,
  kComment,
  kIdentifier,
  kMetricIdentifier,
  kString,
  kNumber,
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kAssign,  // "=" (label matching)
  kColon,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // "=="
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
  kEqlRegex,
  kNeqRegex,
  kAt,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  kLimitk,
  kLimitRatio,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // The @ modifier's start() and end().
  kStart,
  kEnd,
};

bool IsOperatorToken(TokenType t);    // kAdd..kAtan2
bool IsAggregatorToken(TokenType t);  // kAvg..kLimitRatio
bool IsKeywordToken(TokenType t);     // kBool..kWithout

struct Token {
  TokenType type = TokenType::kEOF;
  int pos = 0;            // byte offset of the token's first byte
  std::string_view text;  // the token as written (empty for kEOF and kError)
  std::string error;      // kError: the message
  int end() const { return pos + static_cast<int>(text.size()); }
};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  // The next token (comments included). After kEOF or kError, kEOF forever.
  Token Next();
  // Where the token being scanned started; for kError this is the position
  // Prometheus reports the error at.
  int start() const { return start_; }

 private:
  enum class State { kStatements, kInsideBraces, kDurationExpr, kDone };

  int Peek() const;  // the next rune (-1 at the end), not consumed
  int NextRune();    // consumes it
  void Backup() { pos_ -= width_; }
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);
  bool NextIs(std::string_view valid) const;
  void SkipSpaces();
  Token Emit(TokenType t);
  Token Error(std::string msg);

  Token LexStatements();
  Token LexInsideBraces();
  Token LexDurationExpr();
  Token LexNumberOrDuration();
  Token LexString(int quote);
  Token LexRawString();
  Token LexKeywordOrIdentifier();
  Token LexIdentifier();
  Token LexLineComment();
  bool ScanNumber();
  bool AcceptRemainingDuration();

  std::string_view in_;
  State state_ = State::kStatements;
  int pos_ = 0;
  int start_ = 0;
  int width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool got_duration_ = false;
};

// How Prometheus names a token in "unexpected <token>" messages:
// `identifier "foo"`, `number "1"`, `"("`, `<op:+>`, `<by>`, `end of input`.
std::string DescribeToken(const Token& t);

// Still reachable here for the parser's fuzz target, which checks names
// with it.
using ::vigil::IsLegacyLabelName;

}  // namespace vigil::promql
