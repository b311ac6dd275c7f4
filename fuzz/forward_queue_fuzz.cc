// Fuzzes the forwarder queue's segment reader with arbitrary bytes.
//
// The first input byte picks the read size; the rest is written as segment
// 00000001.seg of an empty queue directory, which is then opened (Open scans
// the segment to count records) and drained through DiskQueue::Read (without Ack, whose cursor
// write syncs), every payload going through DecodeLogRecord. The input is also parsed as bare
// frames, and given to DecodeLogRecord whole, because the checksums keep
// random bytes from reaching the decoder. Checked: no crash or sanitizer
// report, reads end, and the payloads lie inside the segment.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/file.h"
#include "forward/disk_queue.h"
#include "forward/record_codec.h"

namespace {

using namespace vigil::forward;

const std::string& Dir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/fuzz-forward-queue-XXXXXX";
    char* d = ::mkdtemp(tmpl);
    if (d == nullptr) std::abort();
    std::atexit([] { (void)vigil::fs::RemoveAll(Dir()); });
    return new std::string(d);
  }();
  return *dir;
}

void ClearDir() {
  auto names = vigil::fs::ListDir(Dir());
  if (!names.ok()) std::abort();
  for (const auto& n : names.value()) (void)vigil::fs::RemoveFile(vigil::fs::Join(Dir(), n));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const uint64_t read_size = uint64_t{1} << (static_cast<uint8_t>(in[0]) % 21);
  std::string_view segment = in.substr(1);

  vigil::model::LogRecord record;
  (void)DecodeLogRecord(segment, &record);
  std::string_view rest = segment.size() >= kSegmentHeaderBytes
                              ? segment.substr(kSegmentHeaderBytes)
                              : std::string_view();
  for (;;) {
    std::string_view payload;
    size_t n = 0;
    if (ParseFrame(rest, &payload, &n) != FrameResult::kOk) break;
    if (n == 0 || n > rest.size()) std::abort();
    (void)DecodeLogRecord(payload, &record);
    rest.remove_prefix(n);
  }

  ClearDir();
  {
    // No fsync (WriteFileAtomic's) here: it would cut the exec rate tenfold.
    auto f = vigil::fs::WritableFile::Create(vigil::fs::Join(Dir(), "00000001.seg"));
    if (!f.ok() || !(*f)->Append(segment).ok() || !(*f)->Close().ok()) std::abort();
  }
  {
    auto q = DiskQueue::Open(Dir(), DiskQueueOptions{});
    if (!q.ok()) return 0;
    QueueRead read;
    uint64_t total = 0;
    for (int i = 0; i < 1 << 20; ++i) {
      if (!(*q)->Read(read_size, &read).ok() || read.records.empty()) break;
      for (std::string_view p : read.records) {
        total += p.size();
        (void)DecodeLogRecord(p, &record);
      }
      // No Ack: the cursor write syncs; Read advances on its own.
    }
    if (total > segment.size()) std::abort();
  }
  return 0;
}
