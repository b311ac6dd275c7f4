#include "storage/logstore/wal_record.h"

#include "base/coding.h"

namespace vigil::logstore {

void PutBatchHeader(uint64_t seq, size_t offsets, std::string* out) {
  Encbuf enc(out);
  enc.PutByte(static_cast<uint8_t>(WalRecordType::kBatch));
  enc.PutUvarint(seq);
  enc.PutUvarint(offsets);
}

void PutOffset(std::string_view source, std::string_view state, std::string* out) {
  Encbuf enc(out);
  enc.PutUvarintStr(source);
  enc.PutUvarintStr(state);
}

void PutStreamCount(size_t streams, std::string* out) { Encbuf(out).PutUvarint(streams); }

namespace {

void PutLabels(const model::Labels& labels, Encbuf& enc) {
  enc.PutUvarint(labels.size());
  for (const auto& l : labels) {
    enc.PutUvarintStr(l.name);
    enc.PutUvarintStr(l.value);
  }
}

bool GetLabels(Decbuf& dec, std::vector<model::LabelView>* out) {
  uint64_t n = dec.Uvarint();
  if (dec.err() || n > dec.Len() / 2) return false;
  out->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    (*out)[i].name = dec.UvarintStr();
    (*out)[i].value = dec.UvarintStr();
  }
  return !dec.err();
}

}  // namespace

void PutStreamHeader(const model::Labels& labels, size_t entries, std::string* out) {
  Encbuf enc(out);
  PutLabels(labels, enc);
  enc.PutUvarint(entries);
}

void PutEntry(int64_t time_ns, std::string_view line, std::string_view meta, std::string* out) {
  char buf[3 * kMaxVarintLen64];
  char* p = buf;
  p += EncodeUvarint(p, ZigZagEncode(time_ns));
  p += EncodeUvarint(p, line.size());
  out->append(buf, p - buf);
  out->append(line);
  p = buf;
  p += EncodeUvarint(p, meta.size());
  out->append(buf, p - buf);
  out->append(meta);
}

std::string EncodeCut(uint64_t seq, const model::Labels& labels) {
  std::string out;
  Encbuf enc(&out);
  enc.PutByte(static_cast<uint8_t>(WalRecordType::kCut));
  enc.PutUvarint(seq);
  PutLabels(labels, enc);
  return out;
}

Status DecodeWalRecord(std::string_view rec, WalRecordView* out) {
  out->offsets.clear();
  out->streams.clear();
  Decbuf dec(rec);
  uint8_t type = dec.Byte();
  out->seq = dec.Uvarint();
  if (dec.err()) return Status::Corruption("log WAL record: short header");
  if (type == static_cast<uint8_t>(WalRecordType::kCut)) {
    out->type = WalRecordType::kCut;
    out->streams.emplace_back();
    if (!GetLabels(dec, &out->streams.back().labels) || !dec.Done()) {
      return Status::Corruption("log WAL cut record: bad labels");
    }
    return Status::OK();
  }
  if (type != static_cast<uint8_t>(WalRecordType::kBatch)) {
    return Status::Corruption("log WAL record: unknown type");
  }
  out->type = WalRecordType::kBatch;
  uint64_t n_offsets = dec.Uvarint();
  if (dec.err() || n_offsets > dec.Len() / 2)
    return Status::Corruption("log WAL record: bad offsets");
  out->offsets.resize(n_offsets);
  for (auto& [source, state] : out->offsets) {
    source = dec.UvarintStr();
    state = dec.UvarintStr();
  }
  uint64_t n_streams = dec.Uvarint();
  if (dec.err() || n_streams > dec.Len() / 2)
    return Status::Corruption("log WAL record: bad streams");
  out->streams.resize(n_streams);
  for (auto& s : out->streams) {
    if (!GetLabels(dec, &s.labels)) return Status::Corruption("log WAL record: bad labels");
    uint64_t n = dec.Uvarint();
    if (dec.err() || n > dec.Len() / 3)
      return Status::Corruption("log WAL record: bad entry count");
    s.entries.resize(n);
    for (auto& e : s.entries) {
      e.time_ns = dec.Varint();
      e.line = dec.UvarintStr();
      e.meta = dec.UvarintStr();
    }
    if (dec.err()) return Status::Corruption("log WAL record: truncated entries");
  }
  if (!dec.Done()) return Status::Corruption("log WAL record: trailing bytes");
  return Status::OK();
}

}  // namespace vigil::logstore
