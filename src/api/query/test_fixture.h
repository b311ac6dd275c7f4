// A tsdb::DB in a temp dir with the query API registered on a router, for
// the handler tests (status_handlers_test.cc, query_handlers_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "api/query/query_api.h"
#include "base/metrics.h"
#include "storage/tsdb/db.h"
#include "storage/tsdb/test_util.h"

namespace vigil::api::query::testing {

class QueryApiTest : public ::testing::Test {
 protected:
  // Opens the DB; Register() then builds the routes from options_.
  void SetUp() override {
    tsdb::DbOptions o;
    o.compaction_interval_ms = 0;
    o.registry = &registry_;
    auto db = tsdb::DB::Open(dir_.path(), o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    options_.storage = db_.get();
    options_.ready = &ready_;
    options_.clock = [this] { return now_ms_; };
  }

  void Register() { RegisterQueryApi(&router_, options_); }

  void Append(std::initializer_list<std::string_view> labels, int64_t t, double v) {
    tsdb::testing::AppendOne(db_.get(), tsdb::testing::L(labels), t, v);
  }

  http::Response Do(std::string method, std::string path, http::Params params = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    if (method == "POST") {
      req.form = std::move(params);
    } else {
      req.query = std::move(params);
    }
    http::Response res;
    auto m = router_.Find(method, path);
    EXPECT_NE(m.route, nullptr) << path;
    EXPECT_TRUE(m.method_allowed) << method << " " << path;
    if (m.route != nullptr && m.method_allowed) m.route->handler(req, res);
    return res;
  }

  tsdb::testing::TempDir dir_;
  metrics::Registry registry_;
  std::atomic<bool> ready_{true};
  int64_t now_ms_ = 1'700'000'000'000;
  std::unique_ptr<tsdb::DB> db_;
  QueryApiOptions options_;
  http::Router router_;
};

}  // namespace vigil::api::query::testing
