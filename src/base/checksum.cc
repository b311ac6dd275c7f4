#include "base/checksum.h"

#include <xxhash.h>

namespace vigil {

uint32_t Checksum32(const void* data, size_t n) {
  return static_cast<uint32_t>(XXH3_64bits(data, n));
}

uint64_t Hash64(const void* data, size_t n) { return XXH3_64bits(data, n); }

struct Checksum32Stream::State {
  XXH3_state_t* st = XXH3_createState();
  ~State() { XXH3_freeState(st); }
};

Checksum32Stream::Checksum32Stream() : state_(std::make_unique<State>()) {
  XXH3_64bits_reset(state_->st);
}
Checksum32Stream::~Checksum32Stream() = default;

void Checksum32Stream::Update(const void* data, size_t n) {
  XXH3_64bits_update(state_->st, data, n);
}

uint32_t Checksum32Stream::Digest() const {
  return static_cast<uint32_t>(XXH3_64bits_digest(state_->st));
}

}  // namespace vigil
