#include "base/last_error.h"

#include "base/time.h"

namespace vigil {

void LastErrorNote::Record(std::string message) {
  if (message.size() > kMaxMessageBytes) {
    // Cut on a UTF-8 boundary so the JSON that carries it stays valid.
    size_t cut = kMaxMessageBytes;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message.resize(cut);
    message += "…";
  }
  int64_t now = NowMillis();
  std::lock_guard<std::mutex> lock(mu_);
  last_.message = std::move(message);
  last_.time_ms = now;
  ++last_.count;
}

LastError LastErrorNote::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

}  // namespace vigil
