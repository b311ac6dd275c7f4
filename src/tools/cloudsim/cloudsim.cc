// Simulator::Start: the fleet, the keys, one router for every cloud, and the
// plain and TLS listeners.
#include "tools/cloudsim/cloudsim.h"
#include "base/json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/http/server.h"
#include "base/file.h"
#include "base/time.h"
#include "tools/cloudsim/aws_internal.h"
#include "tools/cloudsim/sim_state.h"

namespace vigil::cloudsim {
namespace {

std::string FaultsJson(const Faults& f) {
  return fmt::format(
      "{{\"throttle_rate\":{},\"error_rate\":{},\"latency_ms\":{},\"expire_tokens\":{},"
      "\"partial_rate\":{}}}",
      f.throttle_rate, f.error_rate, f.latency_ms, f.expire_tokens ? "true" : "false",
      f.partial_rate);
}

std::string JsonStr(std::string_view s) { return JsonQuote(s); }

// Applies the members present in a /sim/faults body; unknown members are errors.
Status ParseFaults(std::string_view body, Faults* f) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return Status::InvalidArgument(fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Status::InvalidArgument("the body must be a JSON object");
  for (auto field : obj) {
    const std::string_view k = field.key;
    double d = 0;
    bool b = false;
    auto number = [&](double* out, double lo, double hi) -> Status {
      if (field.value.is_bool())
        return Status::InvalidArgument(fmt::format("{} must be a number", k));
      if (field.value.get_double().get(d)) {
        int64_t i;
        if (field.value.get_int64().get(i)) {
          return Status::InvalidArgument(fmt::format("{} must be a number", k));
        }
        d = static_cast<double>(i);
      }
      if (!(d >= lo && d <= hi)) {
        return Status::InvalidArgument(fmt::format("{} must be between {} and {}", k, lo, hi));
      }
      *out = d;
      return Status::OK();
    };
    Status s;
    if (k == "throttle_rate") {
      s = number(&f->throttle_rate, 0, 1);
    } else if (k == "error_rate") {
      s = number(&f->error_rate, 0, 1);
    } else if (k == "partial_rate") {
      s = number(&f->partial_rate, 0, 1);
    } else if (k == "latency_ms") {
      double ms = 0;
      s = number(&ms, 0, 600'000);
      f->latency_ms = static_cast<int64_t>(ms);
    } else if (k == "expire_tokens") {
      if (field.value.get_bool().get(b))
        return Status::InvalidArgument("expire_tokens must be a boolean");
      f->expire_tokens = b;
    } else {
      return Status::InvalidArgument(fmt::format("unknown fault \"{}\"", k));
    }
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// The call counters, split back into (cloud, api, result).
struct CallCount {
  std::string cloud, api, result;
  uint64_t n;
};
std::vector<CallCount> SplitCalls(const std::map<std::string, uint64_t>& calls) {
  std::vector<CallCount> out;
  for (const auto& [k, n] : calls) {
    size_t a = k.find('\t'), b = k.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({k.substr(0, a), k.substr(a + 1, b - a - 1), k.substr(b + 1), n});
  }
  return out;
}

std::string StatsJson(const SimState& s) {
  std::string calls = "[";
  uint64_t total = 0;
  for (const CallCount& c : SplitCalls(s.AllCalls())) {
    if (calls.size() > 1) calls += ",";
    calls += fmt::format("{{\"cloud\":{},\"api\":{},\"result\":{},\"count\":{}}}", JsonStr(c.cloud),
                         JsonStr(c.api), JsonStr(c.result), c.n);
    total += c.n;
  }
  calls += "]";
  return fmt::format("{{\"total\":{},\"calls\":{},\"faults\":{}}}", total, calls,
                     FaultsJson(s.faults()));
}

std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string MetricsText(const SimState& s) {
  std::string out =
      "# HELP vigil_cloudsim_api_calls_total API calls the cloud simulator answered.\n"
      "# TYPE vigil_cloudsim_api_calls_total counter\n";
  for (const CallCount& c : SplitCalls(s.AllCalls())) {
    out +=
        fmt::format("vigil_cloudsim_api_calls_total{{cloud=\"{}\",api=\"{}\",result=\"{}\"}} {}\n",
                    LabelValue(c.cloud), LabelValue(c.api), LabelValue(c.result), c.n);
  }
  const Faults f = s.faults();
  out += "# HELP vigil_cloudsim_fault Active fault settings.\n# TYPE vigil_cloudsim_fault gauge\n";
  out += fmt::format("vigil_cloudsim_fault{{fault=\"throttle_rate\"}} {}\n", f.throttle_rate);
  out += fmt::format("vigil_cloudsim_fault{{fault=\"error_rate\"}} {}\n", f.error_rate);
  out += fmt::format("vigil_cloudsim_fault{{fault=\"latency_ms\"}} {}\n", f.latency_ms);
  out +=
      fmt::format("vigil_cloudsim_fault{{fault=\"expire_tokens\"}} {}\n", f.expire_tokens ? 1 : 0);
  out += fmt::format("vigil_cloudsim_fault{{fault=\"partial_rate\"}} {}\n", f.partial_rate);
  return out;
}

class SimulatorImpl final : public Simulator {
 public:
  ~SimulatorImpl() override { Shutdown(); }

  Status Init(const SimOptions& opts) {
    fleet_ = std::make_unique<Fleet>(opts.fleet);
    std::string dir = opts.state_dir;
    if (dir.empty()) {
      char tmpl[] = "/tmp/vigil-cloudsim-XXXXXX";
      if (mkdtemp(tmpl) == nullptr) return Status::FromErrno("mkdtemp", errno);
      dir = temp_dir_ = tmpl;
    } else {
      Status s = fs::CreateDirs(dir);
      if (!s.ok()) return s;
    }
    Keys keys;
    Status s = LoadOrCreateKeys(dir, &keys);
    if (!s.ok()) return s;
    state_ = std::make_unique<SimState>(fleet_.get(), std::move(keys), opts.faults);

    http::Route route;
    route.path = "/";
    route.prefix = true;
    route.name = "cloudsim";
    route.max_body_bytes = 64 << 20;
    route.handler = [this](const http::Request& req, http::Response& resp) { Handle(req, resp); };
    router_.Handle(std::move(route));

    http::ServerOptions so;
    so.listen = opts.listen;
    so.threads = opts.threads;
    so.registry = &registry_;
    auto plain = http::Server::Start(so, &router_);
    if (!plain.ok()) return plain.status();
    plain_ = std::move(*plain);
    state_->http_base = "http://" + plain_->address();
    if (!opts.tls_listen.empty()) {
      http::ServerOptions tso = so;
      tso.listen = opts.tls_listen;
      tso.tls_cert_pem = state_->keys().tls_cert_pem;
      tso.tls_key_pem = state_->keys().tls_key_pem;
      tso.registry = &tls_registry_;
      auto tls = http::Server::Start(tso, &router_);
      if (!tls.ok()) return tls.status();
      tls_ = std::move(*tls);
      state_->https_base = "https://" + tls_->address();
    }
    return Status::OK();
  }

  uint16_t port() const override { return plain_ ? plain_->port() : 0; }
  uint16_t tls_port() const override { return tls_ ? tls_->port() : 0; }

  Status WriteCredentials(const std::string& dir) const override {
    Status s = fs::CreateDirs(dir);
    if (!s.ok()) return s;
    if (s = WriteAwsCredentials(*state_, dir); !s.ok()) return s;
    if (s = WriteAzureCredentials(*state_, dir); !s.ok()) return s;
    if (s = WriteGcpCredentials(*state_, dir); !s.ok()) return s;
    if (s = fs::WriteFileAtomic(dir + "/ca.pem", state_->keys().ca_cert_pem); !s.ok()) return s;
    std::string env =
        fmt::format("VIGIL_CLOUDSIM_HTTP={0}\nAWS_ENDPOINT_URL={0}\n", state_->http_base);
    if (!state_->https_base.empty())
      env += fmt::format("VIGIL_CLOUDSIM_HTTPS={}\n", state_->https_base);
    return fs::WriteFileAtomic(dir + "/endpoints.env", env);
  }

  void SetFaults(const Faults& f) override { state_->set_faults(f); }

  uint64_t Calls(const std::string& cloud, const std::string& api) const override {
    return state_->Calls(cloud, api);
  }

  void Shutdown() override {
    if (tls_) tls_->Shutdown(std::chrono::milliseconds(1000));
    if (plain_) plain_->Shutdown(std::chrono::milliseconds(1000));
    tls_.reset();
    plain_.reset();
    if (state_) awssim::ForgetState(state_.get());
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
      temp_dir_.clear();
    }
  }

 private:
  void Handle(const http::Request& req, http::Response& resp) {
    const Faults faults = state_->faults();
    if (faults.latency_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms));
    const int64_t now = NowMillis();
    if (req.path == "/sim/faults") {
      if (req.method == "GET") {
        resp.Json(200, FaultsJson(faults));
      } else if (req.method == "POST" || req.method == "PUT") {
        Faults f = faults;
        Status s = ParseFaults(req.body, &f);
        if (!s.ok()) {
          resp.Json(400, fmt::format("{{\"error\":{}}}", JsonStr(s.message())));
          return;
        }
        state_->set_faults(f);
        resp.Json(200, FaultsJson(f));
      } else {
        resp.SetHeader("Allow", "GET, POST");
        resp.Json(405, "{\"error\":\"method not allowed\"}");
      }
      return;
    }
    if (req.path == "/sim/stats") {
      resp.Json(200, StatsJson(*state_));
      return;
    }
    if (req.path == "/metrics") {
      resp.status = 200;
      resp.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      resp.body = MetricsText(*state_);
      return;
    }
    if (ServeAws(*state_, req, resp, now)) return;
    if (ServeAzure(*state_, req, resp, now)) return;
    if (ServeGcp(*state_, req, resp, now)) return;
    resp.Json(404, fmt::format("{{\"error\":\"not found\",\"method\":{},\"path\":{}}}",
                               JsonStr(req.method), JsonStr(req.path)));
  }

  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<SimState> state_;
  std::string temp_dir_;
  metrics::Registry registry_, tls_registry_;
  http::Router router_;
  std::unique_ptr<http::Server> plain_, tls_;
};

}  // namespace

Result<std::unique_ptr<Simulator>> Simulator::Start(const SimOptions& opts) {
  auto sim = std::make_unique<SimulatorImpl>();
  Status s = sim->Init(opts);
  if (!s.ok()) {
    sim->Shutdown();
    return s;
  }
  return std::unique_ptr<Simulator>(std::move(sim));
}

}  // namespace vigil::cloudsim
