// Fuzz target for the syslog TCP framing and the RFC 5424/3164 parser: any
// byte stream, fed in chunks whose size the input picks, must split and
// parse without crashing, and every record must come out storable: valid
// UTF-8 body and a valid stream label set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collect/logs/syslog/syslog.h"
#include "collect/logs/syslog/syslog_framing.h"
#include "model/labels.h"

namespace {

void Check(std::string_view frame) {
  vigil::logs::SyslogParseOptions opts;
  opts.observed_time_ns = 1;
  opts.now_ns = 1796126400LL * 1000000000;
  vigil::model::LogRecord rec;
  vigil::logs::ParseSyslog(frame, opts, &rec);
  if (!vigil::model::IsValidUTF8(rec.body)) std::abort();
  if (!rec.stream.empty() &&
      !vigil::model::ValidateLabels(rec.stream.View(), {}, /*require_name=*/false).ok()) {
    std::abort();
  }
  for (const auto& a : rec.attributes) {
    if (!vigil::model::IsValidUTF8(a.value)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  auto mode = static_cast<vigil::logs::SyslogFraming>(data[0] % 3);
  size_t step = 1 + data[1] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  // The whole input as one message, too.
  Check(input);
  constexpr size_t kMax = 256;
  vigil::logs::SyslogFramer framer(mode, kMax);
  std::string buf;
  auto on_frame = [&](std::string_view frame, bool) {
    if (frame.size() > kMax) std::abort();
    Check(frame);
  };
  for (size_t i = 0; i < input.size(); i += step) {
    buf.append(input.substr(i, step));
    size_t used = framer.Split(buf, on_frame);
    if (used > buf.size()) std::abort();
    buf.erase(0, used);
    if (buf.size() > kMax + 11 + step) std::abort();  // the framer must make progress
  }
  framer.Finish(buf, on_frame);
  return 0;
}
