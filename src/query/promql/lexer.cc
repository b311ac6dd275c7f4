#include "query/promql/lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

namespace vigil::promql {

namespace {

constexpr int kEof = -1;
constexpr int32_t kRuneError = 0xFFFD;
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

// Go's utf8.DecodeRuneInString: an invalid or truncated sequence decodes as
// kRuneError with width 1.
int32_t DecodeRune(std::string_view s, size_t pos, int* width) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(pos);
  if (c < 0x80) {
    *width = 1;
    return c;
  }
  *width = 1;
  size_t left = s.size() - pos;
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (left >= 2 && cont(pos + 1)) {
      *width = 2;
      return ((c & 0x1F) << 6) | (b(pos + 1) & 0x3F);
    }
  } else if (c >= 0xE0 && c <= 0xEF) {
    if (left >= 3 && cont(pos + 1) && cont(pos + 2)) {
      unsigned char c1 = b(pos + 1);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) return kRuneError;
      *width = 3;
      return ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (b(pos + 2) & 0x3F);
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    if (left >= 4 && cont(pos + 1) && cont(pos + 2) && cont(pos + 3)) {
      unsigned char c1 = b(pos + 1);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return kRuneError;
      *width = 4;
      return ((c & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((b(pos + 2) & 0x3F) << 6) |
             (b(pos + 3) & 0x3F);
    }
  }
  return kRuneError;
}

void AppendRune(std::string* out, int32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ValidRune(int32_t r) { return r >= 0 && r <= 0x10FFFF && !(r >= 0xD800 && r < 0xE000); }

// Go's strconv.IsPrint for the runes queries realistically hold: ASCII
// graphic characters and space, and Unicode except controls, non-ASCII
// spaces, format characters, private use and noncharacters. (Go consults
// the full Unicode tables; unassigned code points are the difference.)
bool IsPrint(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA0 || r == 0xA0 || r == 0xAD) return false;
  if ((r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x8E2 ||
      r == 0x1680 || r == 0x180E)
    return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x2064) || (r >= 0x2066 && r <= 0x206F) || r == 0x3000)
    return false;
  if ((r >= 0xD800 && r <= 0xF8FF) || (r >= 0xFDD0 && r <= 0xFDEF) || r == 0xFEFF ||
      (r >= 0xFFF9 && r <= 0xFFFB))
    return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;  // U+xFFFE and U+xFFFF of every plane
  if (r == 0x110BD || r == 0x110CD || (r >= 0x13430 && r <= 0x1343F) ||
      (r >= 0x1BCA0 && r <= 0x1BCA3) || (r >= 0x1D173 && r <= 0x1D17A))
    return false;
  if (r >= 0xE0000 && r <= 0xE0FFF) return false;  // tags and variation selectors supplement
  if (r >= 0xF0000) return false;                  // private use planes
  return true;
}

void AppendEscapedRune(std::string* out, int32_t r, char quote) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrint(r)) {
    AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      *out += "\\a";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\v':
      *out += "\\v";
      return;
  }
  if (r < ' ' || r == 0x7F) {
    *out += "\\x";
    out->push_back(kHex[(r >> 4) & 0xF]);
    out->push_back(kHex[r & 0xF]);
  } else if (r < 0x10000) {
    *out += "\\u";
    for (int s = 12; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 0xF]);
  } else {
    *out += "\\U";
    for (int s = 28; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 0xF]);
  }
}

// fmt's %#U: "U+007A 'z'" ("U+000A" when not printable).
std::string GoUnicodeFormat(int32_t r) {
  std::string s = fmt::format("U+{:04X}", static_cast<uint32_t>(r));
  if (r >= 0 && r <= 0x10FFFF && IsPrint(r)) {
    s += " '";
    AppendRune(&s, r);
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
    DecodeRune(s, pos, &w);
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
  return DecodeRune(in_, static_cast<size_t>(pos_), &w);
}

int Lexer::NextRune() {
  if (static_cast<size_t>(pos_) >= in_.size()) {
    width_ = 0;
    return kEof;
  }
  int w;
  int32_t r = DecodeRune(in_, static_cast<size_t>(pos_), &w);
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
    if (r == kRuneError) return Error("invalid UTF-8 rune");
    if (r == kEof || r == '\n') return Error("unterminated quoted string");
    if (r == quote) break;
  }
  return Emit(TokenType::kString);
}

Token Lexer::LexRawString() {
  for (;;) {
    int r = NextRune();
    if (r == kRuneError) return Error("invalid UTF-8 rune");
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

// ---------------------------------------------------------------------------
// Quoting

void AppendGoQuoted(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = DecodeRune(s, i, &w);
    if (w == 1 && r == kRuneError) {
      auto b = static_cast<unsigned char>(s[i]);
      *out += "\\x";
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0xF]);
    } else {
      AppendEscapedRune(out, r, '"');
    }
    i += static_cast<size_t>(w);
  }
  out->push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendGoQuoted(&out, s);
  return out;
}

std::string GoQuoteRune(int32_t r) {
  if (!ValidRune(r)) r = kRuneError;
  std::string out = "'";
  AppendEscapedRune(&out, r, '\'');
  out += "'";
  return out;
}

Result<std::string> UnquoteLiteral(std::string_view lit) {
  auto bad = [] { return Status::InvalidArgument("invalid syntax"); };
  if (lit.size() < 2 || lit.front() != lit.back()) return bad();
  char quote = lit.front();
  std::string_view s = lit.substr(1, lit.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return bad();
    return std::string(s);
  }
  if (quote != '"' && quote != '\'') return bad();
  if (s.find('\n') != std::string_view::npos) return bad();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == quote) return bad();
    if (static_cast<unsigned char>(c) >= 0x80) {
      int w;
      int32_t r = DecodeRune(s, i, &w);
      AppendRune(&out, r);
      i += static_cast<size_t>(w);
      continue;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return bad();
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '\'':
      case '"':
        if (e != quote) return bad();
        out.push_back(e);
        continue;
      case 'x':
      case 'u':
      case 'U': {
        int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        if (i + static_cast<size_t>(n) > s.size()) return bad();
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          int d = DigitVal(s[i + static_cast<size_t>(k)]);
          if (d >= 16) return bad();
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += static_cast<size_t>(n);
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (!ValidRune(static_cast<int32_t>(v))) return bad();
          AppendRune(&out, static_cast<int32_t>(v));
        }
        continue;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > s.size()) return bad();
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k) {
            char d = s[i + static_cast<size_t>(k)];
            if (d < '0' || d > '7') return bad();
            v = v * 8 + static_cast<uint32_t>(d - '0');
          }
          if (v > 255) return bad();
          i += 2;
          out.push_back(static_cast<char>(v));
          continue;
        }
        return bad();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Numbers and durations

namespace {

// Go's underscoreOK: underscores only between digits, or between a base
// prefix and a digit.
bool UnderscoreOK(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// Go's strconv.ParseInt(s, 0, 64).
bool ParseGoInt(std::string_view s0, int64_t* out) {
  std::string_view s = s0;
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  unsigned base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && Lower(s[1]) == 'b') {
      base = 2, s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'x') {
      base = 16, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  uint64_t n = 0;
  bool underscores = false;
  bool overflow = false;
  for (char c : s) {
    unsigned d;
    if (c == '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = static_cast<unsigned>(Lower(c) - 'a' + 10);
    } else {
      return false;
    }
    if (d >= base) return false;
    if (n > (std::numeric_limits<uint64_t>::max() - d) / base) {
      overflow = true;
      continue;
    }
    n = n * base + d;
  }
  if (underscores && !UnderscoreOK(s0)) return false;
  if (overflow) return false;
  uint64_t cutoff = uint64_t{1} << 63;
  if (!neg && n >= cutoff) return false;
  if (neg && n > cutoff) return false;
  *out = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return true;
}

bool EqualFoldPrefix(std::string_view s, std::string_view word) {
  if (s.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(s[i]) != word[i]) return false;
  }
  return true;
}

enum class FloatResult { kOk, kSyntax, kRange };

// Go's strconv.ParseFloat(s, 64) for the decimal forms the lexer produces
// (hexadecimal mantissas need a 'p' exponent, which the lexer never lets
// through, so they are always a syntax error here).
FloatResult ParseGoFloat(std::string_view s, double* out) {
  std::string_view rest = s;
  bool neg = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    neg = rest[0] == '-';
    rest.remove_prefix(1);
  }
  // Special values.
  if (EqualFoldPrefix(rest, "infinity") && rest.size() == 8) {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return FloatResult::kOk;
  }
  if (EqualFoldPrefix(rest, "inf") && rest.size() == 3) {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return FloatResult::kOk;
  }
  if (EqualFoldPrefix(rest, "nan") && rest.size() == 3 && s.size() == 3) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return FloatResult::kOk;
  }
  if (rest.size() >= 2 && rest[0] == '0' && Lower(rest[1]) == 'x') return FloatResult::kSyntax;
  // Decimal: digits [. digits] [e [+-] digits], underscores as Go allows.
  size_t i = 0;
  bool saw_digits = false;
  bool saw_dot = false;
  bool underscores = false;
  std::string clean;
  clean.reserve(s.size());
  if (neg) clean.push_back('-');
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
      clean.push_back(c);
      continue;
    }
    if (c >= '0' && c <= '9') {
      saw_digits = true;
      clean.push_back(c);
      continue;
    }
    break;
  }
  if (!saw_digits) return FloatResult::kSyntax;
  if (i < rest.size() && Lower(rest[i]) == 'e') {
    clean.push_back('e');
    ++i;
    if (i >= rest.size()) return FloatResult::kSyntax;
    if (rest[i] == '+' || rest[i] == '-') clean.push_back(rest[i++]);
    if (i >= rest.size() || rest[i] < '0' || rest[i] > '9') return FloatResult::kSyntax;
    for (; i < rest.size() && ((rest[i] >= '0' && rest[i] <= '9') || rest[i] == '_'); ++i) {
      if (rest[i] == '_') {
        underscores = true;
        continue;
      }
      clean.push_back(rest[i]);
    }
  }
  if (i != rest.size()) return FloatResult::kSyntax;
  if (underscores && !UnderscoreOK(s)) return FloatResult::kSyntax;
  double v = 0;
  auto [p, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Overflow is an error; underflow rounds to zero (or a denormal) as in Go.
    double approx = std::strtod(clean.c_str(), nullptr);
    if (std::isinf(approx)) {
      *out = approx;
      return FloatResult::kRange;
    }
    *out = approx;
    return FloatResult::kOk;
  }
  if (ec != std::errc() || p != clean.data() + clean.size()) return FloatResult::kSyntax;
  *out = v;
  return FloatResult::kOk;
}

}  // namespace

Result<double> ParseGoNumber(std::string_view s) {
  int64_t n;
  if (ParseGoInt(s, &n)) return static_cast<double>(n);
  double f;
  switch (ParseGoFloat(s, &f)) {
    case FloatResult::kOk:
      return f;
    case FloatResult::kRange:
      return Status::InvalidArgument(
          fmt::format("strconv.ParseFloat: parsing {}: value out of range", GoQuote(s)));
    case FloatResult::kSyntax:
      break;
  }
  return Status::InvalidArgument(
      fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", GoQuote(s)));
}

Result<int64_t> ParsePromDurationNanos(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  auto invalid = [&] {
    return Status::InvalidArgument(fmt::format("not a valid duration string: {}", GoQuote(s)));
  };
  static constexpr struct {
    std::string_view unit;
    int pos;
    uint64_t nanos;
  } kUnits[] = {{"y", 1, 365ull * 24 * 3600 * 1000000000ull},
                {"w", 2, 7ull * 24 * 3600 * 1000000000ull},
                {"d", 3, 24ull * 3600 * 1000000000ull},
                {"h", 4, 3600ull * 1000000000ull},
                {"m", 5, 60ull * 1000000000ull},
                {"s", 6, 1000000000ull},
                {"ms", 7, 1000000ull}};
  std::string_view rest = s;
  uint64_t total = 0;
  int last_pos = 0;
  while (!rest.empty()) {
    if (!IsDigit(static_cast<unsigned char>(rest[0]))) return invalid();
    size_t i = 0;
    while (i < rest.size() && IsDigit(static_cast<unsigned char>(rest[i]))) ++i;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + i, v);
    if (ec != std::errc()) return invalid();
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !IsDigit(static_cast<unsigned char>(rest[j]))) ++j;
    if (j == 0) return invalid();
    std::string_view unit = rest.substr(0, j);
    rest.remove_prefix(j);
    const auto* u = std::find_if(std::begin(kUnits), std::end(kUnits),
                                 [&](const auto& k) { return k.unit == unit; });
    if (u == std::end(kUnits)) {
      return Status::InvalidArgument(
          fmt::format("unknown unit {} in duration {}", GoQuote(unit), GoQuote(s)));
    }
    if (u->pos <= last_pos) return invalid();
    last_pos = u->pos;
    if (v > (uint64_t{1} << 63) / u->nanos) return Status::InvalidArgument("duration out of range");
    total += v * u->nanos;
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument("duration out of range");
    }
  }
  return static_cast<int64_t>(total);
}

std::string FormatPromDuration(int64_t ms) {
  if (ms <= 0) return "0s";
  std::string out;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (int64_t v = ms / mult; v > 0) {
      out += fmt::format("{}{}", v, name);
      ms -= v * mult;
    }
  };
  constexpr int64_t kDayMs = 24 * 3600 * 1000LL;
  unit("y", 365 * kDayMs, true);
  unit("w", 7 * kDayMs, true);
  unit("d", kDayMs, false);
  unit("h", 3600 * 1000LL, false);
  unit("m", 60 * 1000LL, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (ec != std::errc()) return fmt::format("{}", v);
  return std::string(buf, p);
}

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (IsAlpha(static_cast<unsigned char>(c)) || (i > 0 && IsDigit(static_cast<unsigned char>(c))))
      continue;
    return false;
  }
  return true;
}

}  // namespace vigil::promql
