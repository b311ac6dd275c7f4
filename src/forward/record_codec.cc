#include "forward/record_codec.h"

#include <utility>
#include <vector>

#include "base/coding.h"

namespace vigil::forward {

namespace {

void PutAttributes(Encbuf& enc, const std::vector<model::LogAttribute>& attrs) {
  enc.PutUvarint(attrs.size());
  for (const auto& a : attrs) {
    enc.PutUvarintStr(a.key);
    enc.PutUvarintStr(a.value);
  }
}

// Each pair takes at least two bytes, so a count larger than the bytes left
// is corrupt; checking it first keeps a fuzzed count from reserving memory.
bool ReadCount(Decbuf& dec, uint64_t* n) {
  *n = dec.Uvarint();
  if (dec.err() || *n > dec.Len() / 2) {
    dec.SetErr();
    return false;
  }
  return true;
}

bool GetAttributes(Decbuf& dec, std::vector<model::LogAttribute>* attrs) {
  uint64_t n;
  if (!ReadCount(dec, &n)) return false;
  attrs->clear();
  attrs->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k = dec.UvarintStr();
    std::string_view v = dec.UvarintStr();
    if (dec.err()) return false;
    attrs->push_back({std::string(k), std::string(v)});
  }
  return true;
}

}  // namespace

void EncodeLogRecord(const model::LogRecord& r, std::string* out) {
  Encbuf enc(out);
  enc.PutByte(kRecordCodecVersion);
  enc.PutVarint(r.time_ns);
  enc.PutVarint(r.observed_time_ns);
  enc.PutByte(r.severity_number);
  enc.PutUvarintStr(r.severity_text);
  enc.PutUvarintStr(r.body);
  enc.PutUvarint(r.stream.size());
  for (const auto& l : r.stream) {
    enc.PutUvarintStr(l.name);
    enc.PutUvarintStr(l.value);
  }
  PutAttributes(enc, r.attributes);
  PutAttributes(enc, r.resource);
  enc.PutUvarintStr(r.trace_id);
  enc.PutUvarintStr(r.span_id);
}

Status DecodeLogRecord(std::string_view payload, model::LogRecord* out) {
  Decbuf dec(payload);
  uint8_t version = dec.Byte();
  if (dec.err() || version != kRecordCodecVersion) {
    return Status::Corruption("forward queue: unknown record version");
  }
  out->time_ns = dec.Varint();
  out->observed_time_ns = dec.Varint();
  out->severity_number = dec.Byte();
  out->severity_text.assign(dec.UvarintStr());
  out->body.assign(dec.UvarintStr());
  uint64_t n;
  if (!ReadCount(dec, &n)) return Status::Corruption("forward queue: truncated record");
  std::vector<model::Label> labels;
  labels.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = dec.UvarintStr();
    std::string_view value = dec.UvarintStr();
    if (dec.err()) return Status::Corruption("forward queue: truncated record");
    if (!labels.empty() && !(labels.back().name < name)) {
      return Status::Corruption("forward queue: stream labels not sorted");
    }
    labels.push_back({std::string(name), std::string(value)});
  }
  out->stream = model::Labels::FromSorted(std::move(labels));
  if (!GetAttributes(dec, &out->attributes) || !GetAttributes(dec, &out->resource)) {
    return Status::Corruption("forward queue: truncated record");
  }
  out->trace_id.assign(dec.UvarintStr());
  out->span_id.assign(dec.UvarintStr());
  if (dec.err()) return Status::Corruption("forward queue: truncated record");
  if (!dec.Done()) return Status::Corruption("forward queue: trailing bytes in record");
  return Status::OK();
}

}  // namespace vigil::forward
