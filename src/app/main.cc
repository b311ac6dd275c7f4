// vigil: one binary for collection, processing, storage and the APIs.
//
//   vigil [serve] [flags]   run the server (the default command)
//   vigil version           print version and build information
//   vigil check config F    validate config files (as promtool check config)
//   vigil plot QUERY        a chart image or terminal sparklines from a server
//   vigil report            a Markdown summary of a server's last day (--since), with charts
//
// Flags follow Prometheus' names where Prometheus has the same setting, and
// accept Prometheus' own spelling too (--web.listen-address, --storage.tsdb.path,
// --storage.tsdb.retention.time, --storage.tsdb.retention.size, --config.file).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <cstdio>
#include <cstdlib>

#include "app/check.h"
#include "app/cloudsim_cmd.h"
#include "app/config.h"
#include "app/plot_cmd.h"
#include "app/report_cmd.h"
#include "app/serve.h"
#include "app/version.h"
#include "base/logging.h"
#include "base/time.h"

namespace {

using vigil::app::ServeConfig;

struct FlagText {
  std::string retention_time;
  std::string retention_size;
  std::string ooo_window;
  std::string wal_fsync;
  std::string max_write_bytes;
  std::string query_lookback_delta;
  std::string query_timeout;
};

void AddServeFlags(CLI::App* cmd, ServeConfig* cfg, FlagText* text) {
  cmd->add_option("--listen,--web.listen-address", cfg->listen,
                  "Address to listen on for the HTTP API (host:port; ':9900' for all interfaces)")
      ->capture_default_str()
      ->group("Server");
  cmd->add_option("--data-dir,--storage.tsdb.path", cfg->data_dir,
                  "Directory for all data (tsdb/ holds the WAL and blocks)")
      ->capture_default_str()
      ->group("Server");
  cmd->add_option("--config,--config.file", cfg->config_file,
                  "YAML config file (Prometheus layout plus a 'vigil:' section); flags win")
      ->group("Server");
  cmd->add_option("--log.level", cfg->log_level, "Log level: debug, info, warn, error")
      ->capture_default_str()
      ->group("Server");
  cmd->add_option("--log.format", cfg->log_format, "Log format: logfmt or json")
      ->capture_default_str()
      ->group("Server");

  cmd->add_option("--syslog-listen", cfg->syslog_listen,
                  "Receive syslog on this address (TCP; udp://host:port for UDP); repeatable")
      ->group("Logs");
  cmd->add_option("--tail", cfg->tail, "Tail the files matching this glob; repeatable")
      ->group("Logs");
  cmd->add_option("--tail.label", cfg->tail_labels,
                  "Stream label name=value for --tail files (e.g. job=app); repeatable")
      ->group("Logs");

  cmd->add_option("--retention.time,--storage.tsdb.retention.time", text->retention_time,
                  "Delete blocks older than this (relative to the newest sample); 0 keeps all")
      ->default_str("15d")
      ->group("Storage");
  cmd->add_option("--retention.size,--storage.tsdb.retention.size", text->retention_size,
                  "Delete the oldest blocks while storage exceeds this (e.g. 10GB); 0 is no limit")
      ->default_str("0")
      ->group("Storage");
  cmd->add_option("--storage.ooo-window", text->ooo_window,
                  "Accept samples up to this much older than the newest one, out of order")
      ->default_str("0s")
      ->group("Storage");
  cmd->add_option("--storage.max-head-series", cfg->max_head_series,
                  "Most series held in memory; new series beyond it are refused (429)")
      ->capture_default_str()
      ->group("Storage");
  cmd->add_option("--storage.max-labels-per-series", cfg->max_labels_per_series,
                  "Most labels a series may have (0: no limit)")
      ->capture_default_str()
      ->group("Storage");
  cmd->add_option("--storage.max-label-name-length", cfg->max_label_name_length,
                  "Longest label name in bytes (0: no limit)")
      ->capture_default_str()
      ->group("Storage");
  cmd->add_option("--storage.max-label-value-length", cfg->max_label_value_length,
                  "Longest label value in bytes (0: no limit)")
      ->capture_default_str()
      ->group("Storage");
  cmd->add_option("--storage.wal-fsync-interval", text->wal_fsync,
                  "How often the WAL is fsynced (0s: at segment ends only). Acknowledged "
                  "writes survive kill -9 either way; this bounds loss on power failure")
      ->default_str("1s")
      ->group("Storage");

  cmd->add_flag("--web.enable-lifecycle,!--no-web.enable-lifecycle", cfg->enable_lifecycle,
                "Serve POST /-/reload (on by default; --no-web.enable-lifecycle turns it off)")
      ->default_str("true")
      ->group("Web");
  cmd->add_flag("--host.enabled,!--no-host.enabled", cfg->host_enabled,
                "Serve this machine's metrics (node_exporter's names) at /metrics/host "
                "(on by default)")
      ->default_str("true")
      ->group("Collection");
  cmd->add_flag("--web.enable-admin-api", cfg->enable_admin_api,
                "Enable /api/v1/admin/tsdb/delete_series and clean_tombstones")
      ->group("Web");
  cmd->add_flag("--web.dashboards-read-only", cfg->dashboards_read_only,
                "Refuse saving and deleting dashboards (PUT/DELETE /api/v1/dashboards/<uid>)")
      ->group("Web");
  cmd->add_option("--web.max-write-bytes", text->max_write_bytes,
                  "Largest compressed remote_write request body")
      ->default_str("32MB")
      ->group("Web");
  cmd->add_option("--web.threads", cfg->http_threads, "HTTP worker threads (0: one per core)")
      ->capture_default_str()
      ->group("Web");

  cmd->add_option("--query.lookback-delta", text->query_lookback_delta,
                  "How far back an instant vector selector looks for the latest sample")
      ->default_str("5m")
      ->group("Query");
  cmd->add_option("--query.max-samples", cfg->query_max_samples,
                  "Most samples a single query may hold in memory; more fails the query")
      ->capture_default_str()
      ->group("Query");
  cmd->add_option("--query.timeout", text->query_timeout,
                  "Longest a query may run before it is aborted")
      ->default_str("2m")
      ->group("Query");
  cmd->add_option("--query.max-concurrency", cfg->query_max_concurrency,
                  "Most queries evaluated at once; further queries wait")
      ->capture_default_str()
      ->group("Query");
  cmd->add_option("--query.max-workers-per-query", cfg->query_max_workers_per_query,
                  "Threads that evaluate one query's series at once (0: one per CPU core)")
      ->capture_default_str()
      ->group("Query");
}

// Turns the text flags into values; returns false with a message on error.
bool ResolveFlags(const FlagText& text, ServeConfig* cfg, std::string* err) {
  auto dur = [&](const std::string& flag, const std::string& v, int64_t* out) {
    if (v.empty()) return true;
    auto d = vigil::ParseDurationMillis(v);
    if (!d.ok()) {
      *err = fmt::format("--{}: {}", flag, d.status().message());
      return false;
    }
    *out = *d;
    return true;
  };
  auto size = [&](const std::string& flag, const std::string& v, uint64_t* out) {
    if (v.empty()) return true;
    auto b = vigil::app::ParseByteSize(v);
    if (!b.ok()) {
      *err = fmt::format("--{}: {}", flag, b.status().message());
      return false;
    }
    *out = *b;
    return true;
  };
  return dur("retention.time", text.retention_time, &cfg->retention_ms) &&
         size("retention.size", text.retention_size, &cfg->retention_bytes) &&
         dur("storage.ooo-window", text.ooo_window, &cfg->ooo_window_ms) &&
         dur("storage.wal-fsync-interval", text.wal_fsync, &cfg->wal_fsync_interval_ms) &&
         size("web.max-write-bytes", text.max_write_bytes, &cfg->max_write_bytes) &&
         dur("query.lookback-delta", text.query_lookback_delta, &cfg->query_lookback_delta_ms) &&
         dur("query.timeout", text.query_timeout, &cfg->query_timeout_ms) && [&] {
           if (cfg->query_max_concurrency > 0) return true;
           *err = "--query.max-concurrency: must be at least 1";
           return false;
         }();
}

std::vector<std::string> ExplicitFlags(const CLI::App& cmd) {
  std::vector<std::string> out;
  for (const CLI::Option* o : cmd.get_options()) {
    if (o->count() == 0) continue;
    for (const auto& n : o->get_lnames()) out.push_back(n);
  }
  return out;
}

// Every flag under each of its long names with its value (as given, else the
// default), as Prometheus' /api/v1/status/flags lists them.
std::vector<std::pair<std::string, std::string>> FlagValues(const CLI::App& cmd) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const CLI::Option* o : cmd.get_options()) {
    std::string value;
    bool is_flag = o->get_expected_max() == 0;  // add_flag sets expected(0)
    if (o->count() > 0 && is_flag) {
      // --flag, --flag=true or --flag=false; the last one counts.
      value = o->as<bool>() ? "true" : "false";
    } else if (o->count() > 0) {
      value = fmt::format("{}", fmt::join(o->results(), ","));
    } else {
      value = o->get_default_str();
      if (is_flag && value.empty()) value = "false";
    }
    for (const auto& n : o->get_lnames()) {
      if (n != "help") out.emplace_back(n, value);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives every thread that allocates its own arena (up to 8 per
  // core), and an arena keeps what it freed: queries that ran on different
  // HTTP workers each left their peak behind, doubling the RSS after a query
  // mix (docs/performance.md). Two arenas keep ingest threads from
  // contending while RSS follows the largest query. MALLOC_ARENA_MAX wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  CLI::App app{
      "Vigil: a monitoring system in one binary.\n"
      "Stores Prometheus remote_write data in its own TSDB and serves it through\n"
      "Prometheus' HTTP API. Run `vigil serve --help` for the server's flags.",
      "vigil"};
  app.require_subcommand(0, 1);
  app.fallthrough();

  ServeConfig cfg;
  FlagText text;
  CLI::App* serve = app.add_subcommand("serve", "Run the server (the default command)");
  AddServeFlags(serve, &cfg, &text);
  CLI::App* version = app.add_subcommand("version", "Print version and build information");
  CLI::App* check = app.add_subcommand("check", "Check files without starting the server");
  check->require_subcommand(1);
  CLI::App* check_config =
      check->add_subcommand("config", "Check config files as `promtool check config` does");
  std::vector<std::string> check_files;
  check_config->add_option("files", check_files, "Config files")->required();

#ifdef VIGIL_WITH_CLOUDSIM
  vigil::app::CloudsimFlags sim_flags;
  CLI::App* cloudsim = app.add_subcommand(
      "cloudsim", "Run the cloud simulator (AWS, Azure and GCP APIs over a simulated fleet)");
  cloudsim->add_option("--listen", sim_flags.listen, "Plain HTTP address (AWS, GCP, Azure)")
      ->capture_default_str();
  cloudsim
      ->add_option("--tls-listen", sim_flags.tls_listen,
                   "HTTPS address, for the Azure SDKs (\"\" disables)")
      ->capture_default_str();
  cloudsim->add_option("--state-dir", sim_flags.state_dir,
                       "Where the CA and keys are kept across restarts (default: a temp dir)");
  cloudsim->add_option("--write-credentials", sim_flags.write_credentials,
                       "Write test credentials, CA and endpoints into this directory");
  cloudsim->add_option("--seed", sim_flags.seed, "Seed of the simulated fleet")
      ->capture_default_str();
  cloudsim->add_option("--scale", sim_flags.scale, "Multiplies the number of simulated resources")
      ->capture_default_str();
  cloudsim->add_option("--fault.throttle-rate", sim_flags.throttle_rate,
                       "Fraction of API calls answered with a throttling error");
  cloudsim->add_option("--fault.error-rate", sim_flags.error_rate,
                       "Fraction of API calls answered with a 5xx");
  cloudsim->add_option("--fault.latency-ms", sim_flags.latency_ms, "Latency added to every answer");
  cloudsim->add_flag("--fault.expire-tokens", sim_flags.expire_tokens,
                     "Refuse every bearer and session token as expired");
  cloudsim->add_option("--fault.partial-rate", sim_flags.partial_rate,
                       "Fraction of GetMetricData results cut short (PartialData + NextToken)");
#endif

  vigil::app::PlotFlags plot_flags;
  CLI::App* plot = app.add_subcommand(
      "plot", "Draw a PromQL query from a running server: a PNG/SVG file, or sparklines");
  plot->add_option("query", plot_flags.query, "The PromQL expression")->required();
  plot->add_option("--since", plot_flags.since,
                   "Start: a duration before now (1h, 90m) or a time (RFC 3339, Unix seconds)")
      ->capture_default_str();
  plot->add_option("--until", plot_flags.until, "End: now, a duration before now, or a time")
      ->capture_default_str();
  plot->add_option("--step", plot_flags.step,
                   "Query resolution (30s, 1m); default: from the image or terminal width");
  plot->add_option("--out,-o", plot_flags.out,
                   "Write the chart here (.png or .svg); none or '-': stdout, sparklines on a "
                   "terminal");
  plot->add_option("--server", plot_flags.server, "The Vigil (or Prometheus-compatible) server")
      ->capture_default_str();
  plot->add_option("--width", plot_flags.width, "Image width in pixels (100 to 4000)")
      ->capture_default_str();
  plot->add_option("--height", plot_flags.height, "Image height in pixels (100 to 4000)")
      ->capture_default_str();
  plot->add_option("--title", plot_flags.title, "Chart title (default: the query)");
  plot->add_option("--unit", plot_flags.unit, "Value unit: bytes, seconds or percent");
  plot->add_option("--format", plot_flags.format, "png or svg (default: from --out)");
  plot->add_flag("--stacked", plot_flags.stacked, "Stack the series, filled");
  plot->add_option("--theme", plot_flags.theme, "light or dark: the web UI's colours");
  plot->add_flag("--sparkline", plot_flags.sparkline,
                 "Print a sparkline per series instead of writing an image");

  vigil::app::ReportFlags report_flags;
  CLI::App* report = app.add_subcommand(
      "report", "A Markdown summary of a running server's recent data, with charts");
  report
      ->add_option("--since", report_flags.since,
                   "Start: a duration before now (24h, 1h) or a time; the report ends now")
      ->capture_default_str();
  report->add_option("--server", report_flags.server, "The Vigil server")->capture_default_str();
  report->add_option("--out,-o", report_flags.out,
                     "Write the report here (default: stdout, with charts as links to the server)");
  report->add_option("--plots", report_flags.plots,
                     "Directory for the chart PNGs (default: beside --out as <name>-plots)");

  // `vigil --listen ...` means `vigil serve --listen ...`.
  std::vector<std::string> args(argv + 1, argv + argc);
  bool has_command =
      !args.empty() &&
      (args[0] == "serve" || args[0] == "version" || args[0] == "check" || args[0] == "cloudsim" ||
       args[0] == "plot" || args[0] == "report" || args[0] == "--help" || args[0] == "-h");
  if (!has_command) args.insert(args.begin(), "serve");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (version->parsed()) {
    std::fputs(vigil::app::VersionString().c_str(), stdout);
    return 0;
  }
  if (check_config->parsed()) return vigil::app::CheckConfig(check_files, stdout);
  if (plot->parsed()) return vigil::app::RunPlot(plot_flags);
  if (report->parsed()) return vigil::app::RunReport(report_flags);
#ifdef VIGIL_WITH_CLOUDSIM
  if (cloudsim->parsed()) {
    if (vigil::Status s = vigil::log::Init("info", "logfmt"); !s.ok()) return 2;
    return vigil::app::RunCloudsim(sim_flags);
  }
#endif
  if (!serve->parsed()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }

  std::string err;
  if (!ResolveFlags(text, &cfg, &err)) {
    std::fprintf(stderr, "vigil: %s\n", err.c_str());
    return 2;
  }
  cfg.flag_values = FlagValues(*serve);
  if (!cfg.config_file.empty()) {
    vigil::Status s = vigil::app::LoadConfigFile(cfg.config_file, &cfg, ExplicitFlags(*serve));
    if (!s.ok()) {
      std::fprintf(stderr, "vigil: %s\n", s.message().c_str());
      return 2;
    }
  }
  if (vigil::Status s = vigil::log::Init(cfg.log_level, cfg.log_format); !s.ok()) {
    std::fprintf(stderr, "vigil: %s\n", s.message().c_str());
    return 2;
  }
  return vigil::app::Serve(cfg);
}
