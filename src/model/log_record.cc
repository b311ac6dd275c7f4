#include "model/log_record.h"

#include <fmt/format.h>

namespace vigil::model {

std::string DescribeRefusal(const ConsumeResult& result, size_t total) {
  if (!result.status.ok()) {
    return fmt::format("refused a batch of {} records: {}", total, result.status.ToString());
  }
  if (result.rejected.empty()) return "";
  const LogRejection& r = result.rejected.back();
  return fmt::format("{} of {} records rejected; the last: {}: {}", result.rejected.size(), total,
                     r.reason, r.message);
}

}  // namespace vigil::model
