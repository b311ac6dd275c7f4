// A scrape target: what one discovered endpoint becomes after relabeling,
// as Prometheus' scrape/target.go builds it.
//
//   discovered labels   the target's labels, its group's labels under them,
//                       and job, __scheme__, __metrics_path__,
//                       __scrape_interval__, __scrape_timeout__ and
//                       __param_<name> filled from the scrape config when
//                       absent (what /api/v1/targets shows as
//                       discoveredLabels);
//   relabel_configs     applied to those; a rule may drop the target;
//   target labels       the result without __meta_* labels and with instance
//                       defaulted to __address__. Labels starting with "__"
//                       configure the scrape (URL, interval) and are not
//                       attached to samples.
//
// Thread-safety: TargetSpec is a value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "model/labels.h"
#include "process/relabel/relabel.h"

namespace vigil::scrape {

struct TargetSpec {
  model::Labels labels;      // after relabeling, "__" labels included
  model::Labels discovered;  // before relabeling
  std::string url;           // scheme://address/path?params
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
  uint64_t hash = 0;  // identity within a pool: labels and URL

  // labels without those that start with "__": attached to every sample.
  model::Labels PublicLabels() const;
};

// The result for one discovered target. When dropped, only `discovered` is
// set; when error is not OK the target cannot be scraped (an invalid
// __address__, a bad __scrape_interval__, ...) and is listed as dropped.
struct PopulateResult {
  TargetSpec spec;
  bool dropped = false;
  Status error;
};

// target: the target's own labels (at least __address__); group: its group's
// common labels. relabeler may be null (no relabel_configs).
PopulateResult PopulateTarget(const model::Labels& target, const model::Labels& group,
                              const config::ScrapeConfig& cfg, const relabel::Relabeler* relabeler);

// Go's url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX.
std::string QueryEscape(std::string_view s);

}  // namespace vigil::scrape
