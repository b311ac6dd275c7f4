// Helpers for chunkenc's tests (not part of the library).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "model/sample.h"
#include "storage/tsdb/chunkenc/chunkenc.h"
#include "storage/tsdb/chunkenc/synthetic_series.h"

namespace vigil::tsdb::chunkenc::testing {

// Values whose bits are easy to lose.
inline std::vector<double> TrickyValues() {
  return {
      model::StaleNaN(),
      BitsDouble(model::kNormalNaNBits),
      BitsDouble(0x7ff8000000000000ull),
      BitsDouble(0xfff8000000000000ull),
      BitsDouble(0x7ff4000000000123ull),  // signalling NaN with payload
      BitsDouble(0xfff0000000000001ull),
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      -0.0,
      0.0,
      std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::denorm_min(),
      BitsDouble(0x000fffffffffffffull),  // largest denormal
      std::numeric_limits<double>::min(),
      std::numeric_limits<double>::max(),
      -std::numeric_limits<double>::max(),
      9007199254740993.0,  // 2^53 + 1 rounds; 2^53 + 2 exactly
      9007199254740994.0,
      1e300,
      0.1,
      1.0 / 3.0,
  };
}

}  // namespace vigil::tsdb::chunkenc::testing
