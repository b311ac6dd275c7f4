// Fuzzes the remote_write decoder and handler.
//
// The first input byte selects what the rest is:
//   0: a serialized WriteRequest, decoded by WriteRequestDecoder and by the
//      protoc-generated parser; the two must agree (see below).
//   1: a snappy block, decompressed (with a 1 MiB limit) and then as 0.
//   2: a remote_write body handed to RemoteWriteHandler over a small
//      in-memory storage; the answer must be one of the documented statuses,
//      and a request that did not decode must not store anything.
// Differential rules (write_request_decoder.h lists the deliberate
// differences). Two generated parsers take part: the real WriteRequest, and
// OpaqueWriteRequest (opaque_test.proto: strings as bytes, exemplars and
// histograms as opaque bytes), which accepts exactly what we mean to accept
// apart from our strictness rules. When we accept, the opaque parser must
// accept the same content (and the real one too, when it accepts); when the
// opaque parser accepts and we do not, our error must be one of the
// documented strictness rules.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "api/remote/decoder_compare_test_util.h"
#include "api/remote/fake_storage_test_util.h"
#include "api/remote/proto/remote.pb.h"
#include "api/remote/remote_write.h"
#include "api/remote/snappy_block.h"
#include "api/remote/write_request_decoder.h"

namespace {

using vigil::remote::WireError;

[[noreturn]] void Die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

void Differential(std::string_view pb) {
  static vigil::remote::WriteRequestDecoder dec;
  vigil::Status s = dec.Decode(pb);
  vigil::remote::wire::WriteRequest req;
  bool pb_ok = req.ParseFromArray(pb.data(), static_cast<int>(pb.size()));
  // Strings as bytes, exemplars and histograms opaque: what we mean to accept.
  vigil::remote::wire::OpaqueWriteRequest opaque;
  bool opaque_ok = opaque.ParseFromArray(pb.data(), static_cast<int>(pb.size()));
  if (pb_ok && !opaque_ok) Die("opaque parser refused what protobuf accepted", "");
  if (s.ok()) {
    if (!opaque_ok) Die("we accepted what protobuf refused", "not even opaque parsing accepts");
    std::string diff = vigil::remote::testing::CompareDecoded(dec, opaque);
    if (!diff.empty()) Die("decoders disagree (opaque)", diff);
    if (pb_ok) {
      diff = vigil::remote::testing::CompareDecoded(dec, req);
      if (!diff.empty()) Die("decoders disagree", diff);
    }
    return;
  }
  if (!s.IsInvalidArgument() || s.message().rfind("proto: ", 0) != 0) {
    Die("bad error", s.ToString());
  }
  if (opaque_ok) {
    WireError e = dec.last_error();
    if (e != WireError::kWrongWireType && e != WireError::kGroup &&
        e != WireError::kVarintOverflow && e != WireError::kTagOverflow) {
      Die("protobuf accepted what we refused", s.ToString());
    }
  }
}

void Handle(std::string_view body) {
  static vigil::remote::RemoteWriteHandler handler([] {
    vigil::remote::WriteOptions o;
    o.max_decoded_bytes = 1 << 20;
    return o;
  }());
  vigil::remote::testing::FakeStorage db;
  db.max_series = 8;
  db.label_limits.max_labels_per_series = 20;
  vigil::remote::WriteStats st;
  vigil::remote::WriteOutcome out =
      handler.Handle("snappy", "application/x-protobuf", body, &db, &st);
  switch (out.status) {
    case 204:
      if (st.samples_rejected != 0 || st.histograms_dropped != 0) Die("204 with rejections", "");
      break;
    case 400:
    case 413:
    case 429:
      break;
    default:
      Die("unexpected status", std::to_string(out.status) + " " + out.body);
  }
  if (out.status != 204 && out.body.empty()) Die("error without a message", "");
  // The fake drops identical resends, so it may hold fewer than were appended.
  if (db.NumSamples() > st.samples_appended) Die("stored more than was appended", out.body);
  if (st.samples_appended + st.samples_rejected != st.samples) {
    Die("samples not accounted for", out.body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every invalid UTF-8 string it meets; that is expected here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      Differential(in);
      break;
    case 1: {
      static vigil::remote::DecodeBuffer buf;
      vigil::remote::SnappyResult r = vigil::remote::SnappyUncompress(in, 1 << 20, &buf);
      if (r.ok()) Differential(r.data);
      break;
    }
    case 2:
      Handle(in);
      break;
  }
  return 0;
}
