#include "base/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <string>

namespace vigil::log {

namespace {

enum class Format { kLogfmt, kJson };

struct Settings {
  std::mutex mu;
  Format format = Format::kLogfmt;
  spdlog::level::level_enum level = spdlog::level::info;
  std::shared_ptr<spdlog::sinks::sink> sink;
};

Settings& GetSettings() {
  static Settings* s = new Settings();
  return *s;
}

void AppendJsonEscaped(std::string_view in, spdlog::memory_buf_t& dest) {
  for (unsigned char c : in) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      case '\t':
        dest.append(std::string_view("\\t"));
        break;
      case '\r':
        dest.append(std::string_view("\\r"));
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(dest), "\\u{:04x}", c);
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
  }
}

// %* : the message, quoted and escaped for the chosen format.
class QuotedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.push_back('"');
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.push_back('"');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<QuotedMessage>();
  }
};

std::unique_ptr<spdlog::formatter> MakeFormatter(Format f) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<QuotedMessage>('*');
  if (f == Format::kJson) {
    formatter->set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n","msg":%*})");
  } else {
    formatter->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l component=%n msg=%*");
  }
  return formatter;
}

}  // namespace

Status Init(std::string_view level, std::string_view format) {
  Settings& s = GetSettings();
  std::lock_guard<std::mutex> lock(s.mu);
  if (level == "debug") {
    s.level = spdlog::level::debug;
  } else if (level == "info") {
    s.level = spdlog::level::info;
  } else if (level == "warn") {
    s.level = spdlog::level::warn;
  } else if (level == "error") {
    s.level = spdlog::level::err;
  } else {
    return Status::InvalidArgument("unknown log level \"" + std::string(level) +
                                   "\" (want debug, info, warn or error)");
  }
  if (format == "logfmt") {
    s.format = Format::kLogfmt;
  } else if (format == "json") {
    s.format = Format::kJson;
  } else {
    return Status::InvalidArgument("unknown log format \"" + std::string(format) +
                                   "\" (want logfmt or json)");
  }
  if (!s.sink) s.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  s.sink->set_formatter(MakeFormatter(s.format));
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) { l->set_level(s.level); });
  return Status::OK();
}

std::shared_ptr<spdlog::logger> Get(std::string_view component) {
  std::string name(component);
  if (auto l = spdlog::get(name)) return l;
  Settings& s = GetSettings();
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto l = spdlog::get(name)) return l;
  if (!s.sink) {
    s.sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    s.sink->set_formatter(MakeFormatter(s.format));
  }
  auto logger = std::make_shared<spdlog::logger>(name, s.sink);
  logger->set_level(s.level);
  logger->flush_on(spdlog::level::info);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace vigil::log
