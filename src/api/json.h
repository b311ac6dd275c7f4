// JsonWriter: streaming JSON output for the HTTP APIs, on RapidJSON's
// Writer (correct escaping, shortest round-trip doubles), without a DOM.
//
// Thread-safety: one writer per response.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace vigil::api {

class JsonWriter {
 public:
  JsonWriter();
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(std::string_view k);
  void String(std::string_view s);
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Double(double v);  // finite values only; callers format NaN/Inf as strings
  void Bool(bool b);
  void Null();
  // Shorthand for Key(k) then String(v).
  void KV(std::string_view k, std::string_view v) {
    Key(k);
    String(v);
  }

  // The document written so far.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::api
