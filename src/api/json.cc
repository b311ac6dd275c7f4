#include "api/json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace vigil::api {

struct JsonWriter::Impl {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
};

JsonWriter::JsonWriter() : impl_(std::make_unique<Impl>()) {}
JsonWriter::~JsonWriter() = default;

void JsonWriter::StartObject() { impl_->w.StartObject(); }
void JsonWriter::EndObject() { impl_->w.EndObject(); }
void JsonWriter::StartArray() { impl_->w.StartArray(); }
void JsonWriter::EndArray() { impl_->w.EndArray(); }
void JsonWriter::Key(std::string_view k) {
  impl_->w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void JsonWriter::String(std::string_view s) {
  impl_->w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void JsonWriter::Int(int64_t v) { impl_->w.Int64(v); }
void JsonWriter::Uint(uint64_t v) { impl_->w.Uint64(v); }
void JsonWriter::Double(double v) { impl_->w.Double(v); }
void JsonWriter::Bool(bool b) { impl_->w.Bool(b); }
void JsonWriter::Null() { impl_->w.Null(); }

std::string JsonWriter::Take() {
  std::string out(impl_->buf.GetString(), impl_->buf.GetSize());
  impl_->buf.Clear();
  impl_->w.Reset(impl_->buf);
  return out;
}

}  // namespace vigil::api
