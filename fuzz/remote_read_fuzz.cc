// Fuzzes the remote_read server: ReadRequest decoding, matcher building
// (including RE2 regexes), response negotiation and both response encodings,
// over a tiny in-memory storage.
//
// The first input byte selects what the rest is:
//   0: a serialized ReadRequest, snappy-compressed here before handling (so
//      mutations reach the protobuf and matcher code);
//   1: the raw request body (exercises snappy decoding and limits).
// Every answer must have a documented status; a 200 must decode: SAMPLES as
// a snappy ReadResponse with one result per query, streamed as frames with
// valid lengths, CRC-32C and XOR chunks.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "api/remote/fake_storage_test_util.h"
#include "api/remote/proto/remote.pb.h"
#include "api/remote/remote_read.h"
#include "api/remote/snappy_block.h"
#include "base/coding.h"
#include "storage/tsdb/chunkenc/chunkenc.h"

namespace {

using namespace vigil;  // NOLINT

[[noreturn]] void Die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

uint32_t Crc32c(std::string_view s) {
  uint32_t crc = 0xffffffff;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
  }
  return ~crc;
}

remote::testing::FakeStorage* Storage() {
  static remote::testing::FakeStorage* db = [] {
    auto* d = new remote::testing::FakeStorage();
    std::vector<model::Sample> many;
    for (int i = 0; i < 300; ++i) many.push_back({int64_t{i} * 15000, i * 0.25});
    d->Add(model::Labels::FromStrings({"__name__", "up", "job", "node", "instance", "a"}), many);
    d->Add(model::Labels::FromStrings({"__name__", "up", "job", "api", "instance", "b"}),
           {{0, 1}, {15000, model::StaleNaN()}});
    d->Add(model::Labels::FromStrings({"__name__", "temp", "zone", "é"}), {{-5, 20.5}});
    return d;
  }();
  return db;
}

void CheckSamples(const remote::ReadOutcome& out, int queries) {
  remote::DecodeBuffer buf;
  remote::SnappyResult r = remote::SnappyUncompress(out.body, size_t{1} << 30, &buf);
  if (!r.ok()) Die("response is not snappy", r.message);
  remote::wire::ReadResponse resp;
  if (!resp.ParseFromArray(r.data.data(), static_cast<int>(r.data.size()))) {
    Die("response does not parse", "");
  }
  if (resp.results_size() != queries) Die("wrong number of results", "");
}

void CheckStreamed(const remote::ReadOutcome& out, int queries) {
  std::string_view body = out.body;
  const char* p = body.data();
  const char* end = p + body.size();
  std::vector<model::Sample> samples;
  while (p < end) {
    uint64_t n = 0;
    p = DecodeUvarint(p, end, &n);
    if (p == nullptr || end - p < 4 || static_cast<uint64_t>(end - p - 4) < n) {
      Die("bad frame", "");
    }
    std::string_view msg(p + 4, n);
    if (DecodeFixed32BE(p) != Crc32c(msg)) Die("bad frame checksum", "");
    remote::wire::ChunkedReadResponse f;
    if (!f.ParseFromArray(msg.data(), static_cast<int>(msg.size())))
      Die("frame does not parse", "");
    if (f.query_index() < 0 || f.query_index() >= queries) Die("bad query index", "");
    for (const auto& cs : f.chunked_series()) {
      for (const auto& c : cs.chunks()) {
        samples.clear();
        if (!tsdb::chunkenc::DecodeAll(tsdb::chunkenc::Encoding::kXor, c.data(), &samples).ok() ||
            samples.empty() || samples.front().t != c.min_time_ms() ||
            samples.back().t != c.max_time_ms()) {
          Die("bad chunk", "");
        }
      }
    }
    p += 4 + n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static remote::RemoteReadHandler handler([] {
    remote::ReadOptions o;
    o.max_samples = 1000;
    o.max_bytes_in_frame = 256;
    o.timeout_ms = 0;
    o.max_decoded_bytes = 1 << 16;
    return o;
  }());
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body;
  if (data[0] % 2 == 0) {
    remote::SnappyCompress(in, &body);
  } else {
    body = std::string(in);
  }
  remote::ReadOutcome out = handler.Handle("snappy", body, Storage());

  // The request as the handler saw it, to know how many queries it had.
  remote::DecodeBuffer buf;
  remote::SnappyResult plain = remote::SnappyUncompress(body, 1 << 16, &buf);
  remote::wire::ReadRequest req;
  bool parsed =
      plain.ok() && req.ParseFromArray(plain.data.data(), static_cast<int>(plain.data.size()));
  switch (out.status) {
    case 200:
      if (!parsed) Die("200 for a request that does not parse", "");
      if (out.content_type == remote::kSamplesContentType) {
        CheckSamples(out, req.queries_size());
      } else if (out.content_type == remote::kStreamedContentType) {
        CheckStreamed(out, req.queries_size());
      } else {
        Die("unexpected content type", out.content_type);
      }
      break;
    case 400:
    case 413:
      if (out.body.empty()) Die("error without a message", "");
      break;
    default:
      Die("unexpected status", std::to_string(out.status) + " " + out.body);
  }
  return 0;
}
