#include "tools/cloudsim/cbor.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "base/status.h"

namespace vigil::cloudsim::cbor {

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.b_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.type_ = Type::kInt;
  v.i_ = i;
  return v;
}
Value Value::Float(double d) {
  Value v;
  v.type_ = Type::kFloat;
  v.d_ = d;
  return v;
}
Value Value::Text(std::string s) {
  Value v;
  v.type_ = Type::kText;
  v.s_ = std::move(s);
  return v;
}
Value Value::Bytes(std::string s) {
  Value v;
  v.type_ = Type::kBytes;
  v.s_ = std::move(s);
  return v;
}
Value Value::Timestamp(double epoch_seconds) {
  Value v;
  v.type_ = Type::kTimestamp;
  v.d_ = epoch_seconds;
  return v;
}
Value Value::MakeArray(Array a) {
  Value v;
  v.type_ = Type::kArray;
  v.a_ = std::move(a);
  return v;
}
Value Value::MakeMap(Map m) {
  Value v;
  v.type_ = Type::kMap;
  v.m_ = std::move(m);
  return v;
}

const Value* Value::Find(std::string_view key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : m_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::Add(std::string key, Value v) {
  m_.emplace_back(std::move(key), std::move(v));
  return m_.back().second;
}

Value& Value::Push(Value v) {
  a_.push_back(std::move(v));
  return a_.back();
}

bool Value::operator==(const Value& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return b_ == o.b_;
    case Type::kInt:
      return i_ == o.i_;
    case Type::kFloat:
    case Type::kTimestamp:
      return d_ == o.d_ || (std::isnan(d_) && std::isnan(o.d_));
    case Type::kText:
    case Type::kBytes:
      return s_ == o.s_;
    case Type::kArray:
      return a_ == o.a_;
    case Type::kMap:
      return m_ == o.m_;
  }
  return false;
}

namespace {

constexpr uint8_t kBreak = 0xff;

class Decoder {
 public:
  Decoder(std::string_view data, const DecodeLimits& limits) : data_(data), limits_(limits) {}

  Result<Value> DecodeAll() {
    Value v;
    Status s = Item(0, &v);
    if (!s.ok()) return s;
    if (pos_ != data_.size()) {
      return Err(fmt::format("{} bytes of trailing data after the item", data_.size() - pos_));
    }
    return v;
  }

 private:
  Status Err(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("cbor: {} at offset {}", what, pos_));
  }
  Status Truncated(std::string_view what) const {
    return Status::InvalidArgument(
        fmt::format("cbor: truncated input at offset {} ({})", pos_, what));
  }

  // Reads the argument of an initial byte with additional info `ai`.
  // *indefinite is set for ai == 31.
  Status Argument(uint8_t ai, uint64_t* out, bool* indefinite) {
    *indefinite = false;
    if (ai < 24) {
      *out = ai;
      return Status::OK();
    }
    if (ai == 31) {
      *indefinite = true;
      return Status::OK();
    }
    if (ai > 27) return Err(fmt::format("reserved additional information {}", ai));
    size_t n = size_t{1} << (ai - 24);
    if (data_.size() - pos_ < n) return Truncated(fmt::format("{}-byte argument", n));
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    pos_ += n;
    *out = v;
    return Status::OK();
  }

  Status CountItems(uint64_t n) {
    if (n > limits_.max_items || items_ + n > limits_.max_items) {
      return Err(fmt::format("more than {} array/map items", limits_.max_items));
    }
    items_ += n;
    return Status::OK();
  }

  Status String(uint8_t major, uint8_t ai, std::string* out) {
    const char* kind = major == 2 ? "byte string" : "text string";
    uint64_t len;
    bool indefinite;
    Status s = Argument(ai, &len, &indefinite);
    if (!s.ok()) return s;
    if (!indefinite) {
      if (len > limits_.max_string_bytes) {
        return Err(fmt::format("{} of {} bytes exceeds the limit of {}", kind, len,
                               limits_.max_string_bytes));
      }
      if (data_.size() - pos_ < len) return Truncated(fmt::format("{} of {} bytes", kind, len));
      out->append(data_.substr(pos_, len));
      pos_ += len;
      return Status::OK();
    }
    // Indefinite: a sequence of definite chunks of the same major type.
    while (true) {
      if (pos_ >= data_.size()) return Truncated(fmt::format("indefinite {}", kind));
      uint8_t ib = static_cast<uint8_t>(data_[pos_++]);
      if (ib == kBreak) return Status::OK();
      if ((ib >> 5) != major || (ib & 31) == 31) {
        return Err(fmt::format("bad chunk in an indefinite {}", kind));
      }
      uint64_t clen;
      bool dummy;
      s = Argument(ib & 31, &clen, &dummy);
      if (!s.ok()) return s;
      if (clen > limits_.max_string_bytes || out->size() + clen > limits_.max_string_bytes) {
        return Err(fmt::format("{} exceeds the limit of {} bytes", kind, limits_.max_string_bytes));
      }
      if (data_.size() - pos_ < clen)
        return Truncated(fmt::format("{} chunk of {} bytes", kind, clen));
      out->append(data_.substr(pos_, clen));
      pos_ += clen;
    }
  }

  bool AtBreak() const {
    return pos_ < data_.size() && static_cast<uint8_t>(data_[pos_]) == kBreak;
  }

  Status Item(int depth, Value* out) {
    if (depth > limits_.max_depth)
      return Err(fmt::format("nesting deeper than {}", limits_.max_depth));
    if (pos_ >= data_.size()) return Truncated("expected an item");
    const uint8_t ib = static_cast<uint8_t>(data_[pos_++]);
    const uint8_t major = ib >> 5, ai = ib & 31;
    uint64_t arg = 0;
    bool indefinite = false;
    Status s;
    switch (major) {
      case 0:
      case 1: {
        s = Argument(ai, &arg, &indefinite);
        if (!s.ok()) return s;
        if (indefinite) return Err("indefinite length on an integer");
        if (arg > static_cast<uint64_t>(INT64_MAX)) return Err("integer does not fit in 64 bits");
        int64_t i = static_cast<int64_t>(arg);
        *out = Value::Int(major == 0 ? i : -1 - i);
        return Status::OK();
      }
      case 2:
      case 3: {
        std::string str;
        s = String(major, ai, &str);
        if (!s.ok()) return s;
        *out = major == 2 ? Value::Bytes(std::move(str)) : Value::Text(std::move(str));
        return Status::OK();
      }
      case 4: {
        s = Argument(ai, &arg, &indefinite);
        if (!s.ok()) return s;
        Value::Array a;
        if (!indefinite) {
          s = CountItems(arg);
          if (!s.ok()) return s;
          // Each element takes at least one byte: refuse impossible counts
          // before reserving memory for them.
          if (arg > data_.size() - pos_) return Truncated(fmt::format("array of {} items", arg));
          a.reserve(arg);
          for (uint64_t i = 0; i < arg; ++i) {
            a.emplace_back();
            s = Item(depth + 1, &a.back());
            if (!s.ok()) return s;
          }
        } else {
          while (true) {
            if (pos_ >= data_.size()) return Truncated("indefinite array");
            if (AtBreak()) {
              ++pos_;
              break;
            }
            s = CountItems(1);
            if (!s.ok()) return s;
            a.emplace_back();
            s = Item(depth + 1, &a.back());
            if (!s.ok()) return s;
          }
        }
        *out = Value::MakeArray(std::move(a));
        return Status::OK();
      }
      case 5: {
        s = Argument(ai, &arg, &indefinite);
        if (!s.ok()) return s;
        Value::Map m;
        auto entry = [&]() -> Status {
          Value key;
          size_t key_pos = pos_;
          Status ks = Item(depth + 1, &key);
          if (!ks.ok()) return ks;
          if (!key.is_text()) {
            return Status::InvalidArgument(
                fmt::format("cbor: map key at offset {} is not a text string", key_pos));
          }
          m.emplace_back(key.str(), Value());
          return Item(depth + 1, &m.back().second);
        };
        if (!indefinite) {
          s = CountItems(arg);
          if (!s.ok()) return s;
          if (arg > (data_.size() - pos_) / 2)
            return Truncated(fmt::format("map of {} entries", arg));
          m.reserve(arg);
          for (uint64_t i = 0; i < arg; ++i) {
            s = entry();
            if (!s.ok()) return s;
          }
        } else {
          while (true) {
            if (pos_ >= data_.size()) return Truncated("indefinite map");
            if (AtBreak()) {
              ++pos_;
              break;
            }
            s = CountItems(1);
            if (!s.ok()) return s;
            s = entry();
            if (!s.ok()) return s;
          }
        }
        *out = Value::MakeMap(std::move(m));
        return Status::OK();
      }
      case 6: {
        s = Argument(ai, &arg, &indefinite);
        if (!s.ok()) return s;
        if (indefinite) return Err("indefinite length on a tag");
        Value inner;
        s = Item(depth + 1, &inner);
        if (!s.ok()) return s;
        if (arg == 1) {
          if (!inner.is_number()) return Err("tag 1 (epoch time) on a non-number");
          *out = Value::Timestamp(inner.number());
        } else {
          *out = std::move(inner);  // other tags carry no meaning here
        }
        return Status::OK();
      }
      default: {  // 7: simple values and floats
        switch (ai) {
          case 20:
            *out = Value::Bool(false);
            return Status::OK();
          case 21:
            *out = Value::Bool(true);
            return Status::OK();
          case 22:
          case 23:
            *out = Value::Null();
            return Status::OK();  // null, undefined
          case 24:
            if (pos_ >= data_.size()) return Truncated("simple value");
            ++pos_;
            *out = Value::Null();
            return Status::OK();
          case 25: {
            if (data_.size() - pos_ < 2) return Truncated("half float");
            uint16_t h = static_cast<uint16_t>((static_cast<uint8_t>(data_[pos_]) << 8) |
                                               static_cast<uint8_t>(data_[pos_ + 1]));
            pos_ += 2;
            int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
            double val;
            if (exp == 0) {
              val = std::ldexp(mant, -24);
            } else if (exp != 31) {
              val = std::ldexp(mant + 1024, exp - 25);
            } else {
              val = mant == 0 ? HUGE_VAL : NAN;
            }
            *out = Value::Float((h & 0x8000) ? -val : val);
            return Status::OK();
          }
          case 26: {
            if (data_.size() - pos_ < 4) return Truncated("single float");
            uint32_t bits = 0;
            for (int i = 0; i < 4; ++i) bits = (bits << 8) | static_cast<uint8_t>(data_[pos_ + i]);
            pos_ += 4;
            float f;
            std::memcpy(&f, &bits, 4);
            *out = Value::Float(f);
            return Status::OK();
          }
          case 27: {
            if (data_.size() - pos_ < 8) return Truncated("double float");
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(data_[pos_ + i]);
            pos_ += 8;
            double d;
            std::memcpy(&d, &bits, 8);
            *out = Value::Float(d);
            return Status::OK();
          }
          case 31:
            return Err("unexpected break");
          default:
            if (ai < 20) {
              *out = Value::Null();  // unassigned simple values
              return Status::OK();
            }
            return Err(fmt::format("reserved simple value {}", ai));
        }
      }
    }
  }

  std::string_view data_;
  const DecodeLimits& limits_;
  size_t pos_ = 0;
  size_t items_ = 0;
};

void Head(uint8_t major, uint64_t arg, std::string* out) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (arg < 24) {
    out->push_back(static_cast<char>(m | arg));
    return;
  }
  int n;
  uint8_t ai;
  if (arg <= 0xff) {
    n = 1, ai = 24;
  } else if (arg <= 0xffff) {
    n = 2, ai = 25;
  } else if (arg <= 0xffffffffULL) {
    n = 4, ai = 26;
  } else {
    n = 8, ai = 27;
  }
  out->push_back(static_cast<char>(m | ai));
  for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>((arg >> (8 * i)) & 0xff));
}

void Float64(double d, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  out->push_back(static_cast<char>(0xfb));
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void EncodeTo(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out->push_back(static_cast<char>(0xf6));
      break;
    case Value::Type::kBool:
      out->push_back(static_cast<char>(v.bool_value() ? 0xf5 : 0xf4));
      break;
    case Value::Type::kInt:
      if (v.int_value() >= 0) {
        Head(0, static_cast<uint64_t>(v.int_value()), out);
      } else {
        Head(1, static_cast<uint64_t>(-(v.int_value() + 1)), out);
      }
      break;
    case Value::Type::kFloat:
      Float64(v.number(), out);
      break;
    case Value::Type::kTimestamp:
      Head(6, 1, out);
      Float64(v.number(), out);
      break;
    case Value::Type::kText:
    case Value::Type::kBytes:
      Head(v.type() == Value::Type::kText ? 3 : 2, v.str().size(), out);
      out->append(v.str());
      break;
    case Value::Type::kArray:
      Head(4, v.array().size(), out);
      for (const Value& e : v.array()) EncodeTo(e, out);
      break;
    case Value::Type::kMap:
      Head(5, v.map().size(), out);
      for (const auto& [k, e] : v.map()) {
        Head(3, k.size(), out);
        out->append(k);
        EncodeTo(e, out);
      }
      break;
  }
}

void DiagTo(const Value& v, std::string* out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out->append("null");
      break;
    case Value::Type::kBool:
      out->append(v.bool_value() ? "true" : "false");
      break;
    case Value::Type::kInt:
      out->append(fmt::format("{}", v.int_value()));
      break;
    case Value::Type::kFloat:
      out->append(fmt::format("{}", v.number()));
      break;
    case Value::Type::kTimestamp:
      out->append(fmt::format("1({})", v.number()));
      break;
    case Value::Type::kText:
      out->append(fmt::format("\"{}\"", v.str()));
      break;
    case Value::Type::kBytes: {
      out->append("h'");
      for (unsigned char c : v.str()) out->append(fmt::format("{:02x}", c));
      out->append("'");
      break;
    }
    case Value::Type::kArray: {
      out->append("[");
      bool first = true;
      for (const Value& e : v.array()) {
        if (!first) out->append(", ");
        first = false;
        DiagTo(e, out);
      }
      out->append("]");
      break;
    }
    case Value::Type::kMap: {
      out->append("{");
      bool first = true;
      for (const auto& [k, e] : v.map()) {
        if (!first) out->append(", ");
        first = false;
        out->append(fmt::format("\"{}\": ", k));
        DiagTo(e, out);
      }
      out->append("}");
      break;
    }
  }
}

}  // namespace

Result<Value> Decode(std::string_view data, const DecodeLimits& limits) {
  if (data.empty()) return Status::InvalidArgument("cbor: empty input");
  return Decoder(data, limits).DecodeAll();
}

std::string Encode(const Value& v) {
  std::string out;
  EncodeTo(v, &out);
  return out;
}

std::string Diagnostic(const Value& v) {
  std::string out;
  DiagTo(v, &out);
  return out;
}

}  // namespace vigil::cloudsim::cbor
