#include "query/promql/lexer.h"

#include <fmt/format.h>

#include <optional>

namespace vigil::promql {

namespace {

constexpr int kEof = -1;
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kHexDigits = "0123456789abcdefABCDEF";

bool IsSpace(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool IsEndOfLine(int r) { return r == '\r' || r == '\n'; }
bool IsDigit(int r) { return r >= '0' && r <= '9'; }
bool IsAlpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool IsAlphaNumeric(int r) { return IsAlpha(r) || IsDigit(r); }
bool Contains(std::string_view set, int r) {
  return r >= 0 && r < 0x80 && set.find(static_cast<char>(r)) != std::string_view::npos;
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// fmt's %#U: "U+007A 'z'" ("U+000A" when not printable).
std::string GoUnicodeFormat(int32_t r) {
  std::string s = fmt::format("U+{:04X}", static_cast<uint32_t>(r));
  if (r >= 0 && r <= 0x10FFFF && GoIsPrint(r)) {
    s += " '";
    Utf8AppendRune(&s, r);
    s += "'";
  }
  return s;
}

int DigitVal(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return 16;
}

struct Keyword {
  std::string_view word;
  TokenType type;
};
constexpr Keyword kKeywords[] = {
    {"and", TokenType::kLand},
    {"or", TokenType::kLor},
    {"unless", TokenType::kLunless},
    {"atan2", TokenType::kAtan2},
    {"sum", TokenType::kSum},
    {"avg", TokenType::kAvg},
    {"count", TokenType::kCount},
    {"min", TokenType::kMin},
    {"max", TokenType::kMax},
    {"group", TokenType::kGroup},
    {"stddev", TokenType::kStddev},
    {"stdvar", TokenType::kStdvar},
    {"topk", TokenType::kTopk},
    {"bottomk", TokenType::kBottomk},
    {"count_values", TokenType::kCountValues},
    {"quantile", TokenType::kQuantile},
    {"limitk", TokenType::kLimitk},
    {"limit_ratio", TokenType::kLimitRatio},
    {"offset", TokenType::kOffset},
    {"by", TokenType::kBy},
    {"without", TokenType::kWithout},
    {"on", TokenType::kOn},
    {"ignoring", TokenType::kIgnoring},
    {"group_left", TokenType::kGroupLeft},
    {"group_right", TokenType::kGroupRight},
    {"bool", TokenType::kBool},
    {"start", TokenType::kStart},
    {"end", TokenType::kEnd},
    {"inf", TokenType::kNumber},
    {"nan", TokenType::kNumber},
};

std::optional<TokenType> LookupKeyword(std::string_view word) {
  if (word.size() > 12) return std::nullopt;
  char lower[16];
  for (size_t i = 0; i < word.size(); ++i) lower[i] = Lower(word[i]);
  std::string_view w(lower, word.size());
  for (const auto& k : kKeywords) {
    if (k.word == w) return k.type;
  }
  return std::nullopt;
}

// The first n runes of s (invalid bytes count as one rune each), as fmt's
// precision truncates a %q operand.
std::string_view FirstRunes(std::string_view s, int n) {
  size_t pos = 0;
  for (int i = 0; i < n && pos < s.size(); ++i) {
    int w;
    Utf8DecodeRune(s, pos, &w);
    pos += static_cast<size_t>(w);
  }
  return s.substr(0, pos);
}

}  // namespace

bool IsOperatorToken(TokenType t) { return t >= TokenType::kAdd && t <= TokenType::kAtan2; }
bool IsAggregatorToken(TokenType t) { return t >= TokenType::kAvg && t <= TokenType::kLimitRatio; }
bool IsKeywordToken(TokenType t) { return t >= TokenType::kBool && t <= TokenType::kWithout; }

// ---------------------------------------------------------------------------
// Lexer

int Lexer::Peek() const {
  if (static_cast<size_t>(pos_) >= in_.size()) return kEof;
  int w;
  return Utf8DecodeRune(in_, static_cast<size_t>(pos_), &w);
}

int Lexer::NextRune() {
  if (static_cast<size_t>(pos_) >= in_.size()) {
    width_ = 0;
    return kEof;
  }
  int w;
  int32_t r = Utf8DecodeRune(in_, static_cast<size_t>(pos_), &w);
  width_ = w;
  pos_ += w;
  return r;
}

bool Lexer::Accept(std::string_view valid) {
  if (Contains(valid, NextRune())) return true;
  Backup();
  return false;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Contains(valid, NextRune())) {
  }
  Backup();
}

bool Lexer::NextIs(std::string_view valid) const { return Contains(valid, Peek()); }

void Lexer::SkipSpaces() {
  while (IsSpace(Peek())) NextRune();
  start_ = pos_;
}

Token Lexer::Emit(TokenType t) {
  Token tok;
  tok.type = t;
  tok.pos = start_;
  tok.text = in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  start_ = pos_;
  return tok;
}

Token Lexer::Error(std::string msg) {
  Token tok;
  tok.type = TokenType::kError;
  tok.pos = start_;
  tok.error = std::move(msg);
  state_ = State::kDone;
  return tok;
}

Token Lexer::Next() {
  for (;;) {
    switch (state_) {
      case State::kDone: {
        Token t;
        t.type = TokenType::kEOF;
        t.pos = start_;
        return t;
      }
      case State::kStatements:
      case State::kInsideBraces:
      case State::kDurationExpr: {
        State st = state_;
        Token t = st == State::kStatements     ? LexStatements()
                  : st == State::kInsideBraces ? LexInsideBraces()
                                               : LexDurationExpr();
        // kComment with an empty text marks "skipped input, no token".
        if (t.type == TokenType::kComment && t.text.empty()) continue;
        return t;
      }
    }
  }
}

namespace {
Token Skipped() {
  Token t;
  t.type = TokenType::kComment;
  return t;
}
}  // namespace

Token Lexer::LexStatements() {
  if (brace_open_) {
    state_ = State::kInsideBraces;
    return Skipped();
  }
  if (in_.substr(static_cast<size_t>(pos_)).starts_with('#')) return LexLineComment();

  int r = NextRune();
  switch (r) {
    case kEof:
      if (paren_depth_ != 0) return Error("unclosed left parenthesis");
      if (bracket_open_) return Error("unclosed left bracket");
      {
        Token t = Emit(TokenType::kEOF);
        state_ = State::kDone;
        return t;
      }
    case ',':
      return Emit(TokenType::kComma);
    case '*':
      return Emit(TokenType::kMul);
    case '/':
      return Emit(TokenType::kDiv);
    case '%':
      return Emit(TokenType::kMod);
    case '+':
      return Emit(TokenType::kAdd);
    case '-':
      return Emit(TokenType::kSub);
    case '^':
      return Emit(TokenType::kPow);
    case '=': {
      int t = Peek();
      if (t == '=') {
        NextRune();
        return Emit(TokenType::kEqlc);
      }
      if (t == '~') return Error("unexpected character after '=': " + GoQuoteRune(t));
      return Emit(TokenType::kAssign);
    }
    case '!': {
      int t = NextRune();
      if (t != '=') return Error("unexpected character after '!': " + GoQuoteRune(t));
      return Emit(TokenType::kNeq);
    }
    case '<':
      if (Peek() == '=') {
        NextRune();
        return Emit(TokenType::kLte);
      }
      return Emit(TokenType::kLss);
    case '>':
      if (Peek() == '=') {
        NextRune();
        return Emit(TokenType::kGte);
      }
      return Emit(TokenType::kGtr);
    case '"':
    case '\'':
      return LexString(r);
    case '`':
      return LexRawString();
    case '(':
      ++paren_depth_;
      return Emit(TokenType::kLeftParen);
    case ')': {
      Token t = Emit(TokenType::kRightParen);
      if (--paren_depth_ < 0) return Error("unexpected right parenthesis ')'");
      return t;
    }
    case '{':
      brace_open_ = true;
      state_ = State::kInsideBraces;
      return Emit(TokenType::kLeftBrace);
    case '[': {
      if (bracket_open_) return Error("unexpected left bracket '['");
      got_colon_ = false;
      Token t = Emit(TokenType::kLeftBracket);
      if (IsSpace(Peek())) SkipSpaces();
      bracket_open_ = true;
      state_ = State::kDurationExpr;
      return t;
    }
    case ']': {
      if (!bracket_open_) return Error("unexpected right bracket ']'");
      bracket_open_ = false;
      return Emit(TokenType::kRightBracket);
    }
    case '@':
      return Emit(TokenType::kAt);
    default:
      break;
  }
  if (IsSpace(r)) {
    SkipSpaces();
    return Skipped();
  }
  if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
    Backup();
    return LexNumberOrDuration();
  }
  if (IsAlpha(r) || r == ':') {
    if (!bracket_open_) {
      Backup();
      return LexKeywordOrIdentifier();
    }
    if (r == ':') {
      if (got_colon_) return Error("unexpected colon ':'");
      got_colon_ = true;
      return Emit(TokenType::kColon);
    }
    return Error("unexpected character: " + GoQuoteRune(r) + ", expected ':'");
  }
  return Error("unexpected character: " + GoQuoteRune(r));
}

Token Lexer::LexDurationExpr() {
  int r = NextRune();
  switch (r) {
    case kEof:
      return Error("unexpected end of input in duration expression");
    case ']': {
      bracket_open_ = false;
      got_colon_ = false;
      state_ = State::kStatements;
      return Emit(TokenType::kRightBracket);
    }
    case ':': {
      Token t = Emit(TokenType::kColon);
      if (!got_duration_) return Error("unexpected colon before duration in duration expression");
      if (got_colon_) return Error("unexpected repeated colon in duration expression");
      got_colon_ = true;
      return t;
    }
    case '(':
      ++paren_depth_;
      return Emit(TokenType::kLeftParen);
    case ')': {
      Token t = Emit(TokenType::kRightParen);
      if (--paren_depth_ < 0) return Error("unexpected right parenthesis ')'");
      return t;
    }
    case '+':
      return Emit(TokenType::kAdd);
    case '-':
      return Emit(TokenType::kSub);
    case '*':
      return Emit(TokenType::kMul);
    case '/':
      return Emit(TokenType::kDiv);
    case '%':
      return Emit(TokenType::kMod);
    case '^':
      return Emit(TokenType::kPow);
    default:
      break;
  }
  if (IsSpace(r)) {
    SkipSpaces();
    return Skipped();
  }
  if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
    Backup();
    got_duration_ = true;
    state_ = State::kStatements;
    return LexNumberOrDuration();
  }
  return Error("unexpected character in duration expression: " + GoQuoteRune(r));
}

Token Lexer::LexInsideBraces() {
  if (in_.substr(static_cast<size_t>(pos_)).starts_with('#')) return LexLineComment();
  int r = NextRune();
  switch (r) {
    case kEof:
      return Error("unexpected end of input inside braces");
    case ',':
      return Emit(TokenType::kComma);
    case '"':
    case '\'':
      return LexString(r);
    case '`':
      return LexRawString();
    case '=':
      if (NextRune() == '~') return Emit(TokenType::kEqlRegex);
      Backup();
      return Emit(TokenType::kAssign);
    case '!': {
      int nr = NextRune();
      if (nr == '~') return Emit(TokenType::kNeqRegex);
      if (nr == '=') return Emit(TokenType::kNeq);
      return Error("unexpected character after '!' inside braces: " + GoQuoteRune(nr));
    }
    case '{':
      return Error("unexpected left brace '{'");
    case '}':
      brace_open_ = false;
      state_ = State::kStatements;
      return Emit(TokenType::kRightBrace);
    default:
      break;
  }
  if (IsSpace(r)) {
    SkipSpaces();
    return Skipped();
  }
  if (IsAlpha(r)) {
    Backup();
    return LexIdentifier();
  }
  return Error("unexpected character inside braces: " + GoQuoteRune(r));
}

Token Lexer::LexLineComment() {
  pos_ += 1;
  int r = NextRune();
  while (!IsEndOfLine(r) && r != kEof) r = NextRune();
  Backup();
  return Emit(TokenType::kComment);
}

Token Lexer::LexString(int quote) {
  for (;;) {
    int r = NextRune();
    if (r == '\\') {
      // An escape sequence, checked as Go's scanner does.
      int ch = NextRune();
      int n = 0;
      int base = 0;
      uint32_t max = 0;
      if (ch == 'a' || ch == 'b' || ch == 'f' || ch == 'n' || ch == 'r' || ch == 't' || ch == 'v' ||
          ch == '\\' || ch == quote) {
        continue;
      } else if (ch >= '0' && ch <= '7') {
        n = 3, base = 8, max = 255;
      } else if (ch == 'x') {
        ch = NextRune();
        n = 2, base = 16, max = 255;
      } else if (ch == 'u') {
        ch = NextRune();
        n = 4, base = 16, max = 0x10FFFF;
      } else if (ch == 'U') {
        ch = NextRune();
        n = 8, base = 16, max = 0x10FFFF;
      } else if (ch == kEof) {
        return Error("escape sequence not terminated");
      } else {
        return Error("unknown escape sequence " + GoUnicodeFormat(ch));
      }
      uint32_t x = 0;
      while (n > 0) {
        int d = DigitVal(ch);
        if (d >= base) {
          if (ch == kEof) return Error("escape sequence not terminated");
          return Error("illegal character " + GoUnicodeFormat(ch) + " in escape sequence");
        }
        x = x * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
        if (--n > 0) ch = NextRune();
      }
      if (x > max || (x >= 0xD800 && x < 0xE000)) {
        return Error("escape sequence is an invalid Unicode code point");
      }
      continue;
    }
    if (r == kUtf8RuneError) return Error("invalid UTF-8 rune");
    if (r == kEof || r == '\n') return Error("unterminated quoted string");
    if (r == quote) break;
  }
  return Emit(TokenType::kString);
}

Token Lexer::LexRawString() {
  for (;;) {
    int r = NextRune();
    if (r == kUtf8RuneError) return Error("invalid UTF-8 rune");
    if (r == kEof) return Error("unterminated raw string");
    if (r == '`') break;
  }
  return Emit(TokenType::kString);
}

bool Lexer::ScanNumber() {
  int initial = pos_;
  std::string_view digits = kDigits;
  if (Accept("0") && Accept("xX")) {
    Accept("_");
    digits = kHexDigits;
  }
  bool hex = digits.size() > 10;
  Accept(".");
  Accept(digits);
  bool dot_consumed = false;
  bool exponent_consumed = false;
  auto in_loop_set = [&](int r) { return Contains(digits, r) || Contains("._eE", r); };
  while (in_loop_set(Peek())) {
    if (NextIs(".") && dot_consumed) {
      Accept(".");
      return false;
    }
    if (NextIs("eE") && exponent_consumed) {
      Accept("eE");
      return false;
    }
    if (Accept(".")) {
      dot_consumed = true;
      if (Accept("_.")) return false;
      if (hex) return false;  // no fractional hexadecimal literals
      continue;
    }
    if (Accept("eE")) {
      exponent_consumed = true;
      Accept("+-");
      if (Accept("._eE") || Peek() == kEof) return false;
      continue;
    }
    if (Accept("_")) {
      if (Accept("._eE") || Peek() == kEof) return false;
      continue;
    }
    AcceptRun(digits);
  }
  if (pos_ == initial) return false;
  return !IsAlphaNumeric(Peek());
}

bool Lexer::AcceptRemainingDuration() {
  if (!Accept("smhdwy")) return false;
  Accept("s");  // ms; bad units like "hs" are caught when parsing the duration
  while (Accept(kDigits)) {
    while (Accept(kDigits)) {
    }
    if (!Accept("smhdw")) return false;
    Accept("s");
  }
  return !IsAlphaNumeric(NextRune());
}

Token Lexer::LexNumberOrDuration() {
  if (ScanNumber()) return Emit(TokenType::kNumber);
  if (AcceptRemainingDuration()) {
    Backup();
    return Emit(TokenType::kDuration);
  }
  return Error(
      "bad number or duration syntax: " +
      GoQuote(in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_))));
}

Token Lexer::LexKeywordOrIdentifier() {
  for (;;) {
    int r = NextRune();
    if (IsAlphaNumeric(r) || r == ':') continue;
    Backup();
    break;
  }
  std::string_view word =
      in_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  if (auto kw = LookupKeyword(word)) return Emit(*kw);
  if (word.find(':') == std::string_view::npos) return Emit(TokenType::kIdentifier);
  return Emit(TokenType::kMetricIdentifier);
}

Token Lexer::LexIdentifier() {
  while (IsAlphaNumeric(NextRune())) {
  }
  Backup();
  return Emit(TokenType::kIdentifier);
}

// ---------------------------------------------------------------------------
// Token descriptions

std::string DescribeToken(const Token& t) {
  auto quoted = [&] {
    if (t.text.size() > 10) return GoQuote(FirstRunes(t.text, 10)) + "...";
    return GoQuote(t.text);
  };
  switch (t.type) {
    case TokenType::kEOF:
      return "end of input";
    case TokenType::kError:
      return "error";
    case TokenType::kComment:
      return "comment " + quoted();
    case TokenType::kIdentifier:
      return "identifier " + GoQuote(t.text);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + GoQuote(t.text);
    case TokenType::kString:
      return "string " + quoted();
    case TokenType::kNumber:
      return "number " + quoted();
    case TokenType::kDuration:
      return "duration " + quoted();
    default:
      break;
  }
  if (IsKeywordToken(t.type)) return fmt::format("<{}>", t.text);
  if (IsOperatorToken(t.type)) return fmt::format("<op:{}>", t.text);
  if (IsAggregatorToken(t.type)) return fmt::format("<aggr:{}>", t.text);
  // Punctuation, start and end: the text quoted, e.g. "(".
  return quoted();
}

}  // namespace vigil::promql
