// Push decoders: ns per entry for Loki JSON (the bench harness's shape: 1000
// lines per request, one stream per kind), Loki snappy protobuf, and OTLP
// protobuf and JSON; and the Loki encoders the forwarder uses.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "collect/logs/push/push_decode.h"

namespace {

using vigil::model::LogRecord;

std::string Line(int i) {
  return "10.1.2." + std::to_string(i % 250) +
         " - - [25/Nov/2026:18:00:00 +0000] \"GET /api/v1/orders/" + std::to_string(i * 7919) +
         "?page=2 HTTP/1.1\" 200 5124 \"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"";
}

std::vector<LogRecord> Records(int n) {
  const char* kinds[] = {"nginx", "app", "logfmt", "java"};
  std::vector<LogRecord> recs;
  for (int i = 0; i < n; ++i) {
    LogRecord r;
    r.stream = vigil::model::Labels::FromStrings(
        {"job", "logbench", "host", "gen-1", "source", kinds[(i * 4) / n]});
    r.time_ns = 1795629600000000000 + i * 1000;
    r.body = Line(i);
    recs.push_back(std::move(r));
  }
  return recs;
}

void Decode(benchmark::State& state, std::string_view ctype, const std::string& body, bool otlp,
            int n) {
  vigil::logs::DecodeOptions opts;
  opts.observed_time_ns = 1;
  std::vector<LogRecord> out;
  out.reserve(n);
  for (auto _ : state) {
    out.clear();
    vigil::Status s = otlp ? vigil::logs::DecodeOtlpLogs(ctype, "", body, opts, &out)
                           : vigil::logs::DecodeLokiPush(ctype, "", body, opts, &out);
    if (!s.ok() || out.size() != static_cast<size_t>(n)) state.SkipWithError("decode failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * body.size());
}

void BM_LokiJsonDecode(benchmark::State& state) {
  std::string body = vigil::logs::EncodeLokiPushJson(Records(1000));
  Decode(state, "application/json", body, false, 1000);
}
BENCHMARK(BM_LokiJsonDecode);

void BM_LokiProtoDecode(benchmark::State& state) {
  std::string body = vigil::logs::EncodeLokiPushProto(Records(1000));
  Decode(state, "application/x-protobuf", body, false, 1000);
}
BENCHMARK(BM_LokiProtoDecode);

// OTLP bodies built by hand (protobuf) and as text (JSON): one resource
// (service.name, host.name), one scope, 1000 records with two attributes.
void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void Bytes(std::string* out, int field, std::string_view v) {
  AppendVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  AppendVarint(out, v.size());
  out->append(v);
}
std::string KeyValue(std::string_view k, std::string_view v) {
  std::string any, kv;
  Bytes(&any, 1, v);
  Bytes(&kv, 1, k);
  Bytes(&kv, 2, any);
  return kv;
}

std::string OtlpProto(int n) {
  std::string resource, scope_logs, resource_logs, req;
  Bytes(&resource, 1, KeyValue("service.name", "checkout"));
  Bytes(&resource, 1, KeyValue("host.name", "node-1"));
  std::string scope;
  Bytes(&scope, 1, "io.app");
  Bytes(&scope_logs, 1, scope);
  for (int i = 0; i < n; ++i) {
    std::string lr, body;
    uint64_t t = 1795629600000000000ull + i;
    AppendVarint(&lr, 1 << 3 | 1);
    lr.append(reinterpret_cast<const char*>(&t), 8);
    AppendVarint(&lr, 2 << 3);
    AppendVarint(&lr, 9);
    Bytes(&lr, 3, "INFO");
    Bytes(&body, 1, Line(i));
    Bytes(&lr, 5, body);
    Bytes(&lr, 6, KeyValue("http.route", "/api/v1/orders"));
    Bytes(&lr, 6, KeyValue("user.id", std::to_string(i)));
    Bytes(&lr, 9, std::string(16, '\x2a'));
    Bytes(&lr, 10, std::string(8, '\x2b'));
    Bytes(&scope_logs, 2, lr);
  }
  Bytes(&resource_logs, 1, resource);
  Bytes(&resource_logs, 2, scope_logs);
  Bytes(&req, 1, resource_logs);
  return req;
}

std::string OtlpJson(int n) {
  std::string s =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"host.name","value":{"stringValue":"node-1"}}]},"scopeLogs":[{"scope":{"name":"io.app"},"logRecords":[)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += ",";
    std::string line = Line(i);
    std::string escaped;
    for (char c : line) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    s +=
        R"({"timeUnixNano":")" + std::to_string(1795629600000000000ull + i) +
        R"(","severityNumber":9,"severityText":"INFO","body":{"stringValue":")" + escaped +
        R"("},"attributes":[{"key":"http.route","value":{"stringValue":"/api/v1/orders"}},{"key":"user.id","value":{"intValue":")" +
        std::to_string(i) +
        R"("}}],"traceId":"2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a","spanId":"2b2b2b2b2b2b2b2b"})";
  }
  s += "]}]}]}";
  return s;
}

void BM_OtlpProtoDecode(benchmark::State& state) {
  Decode(state, "application/x-protobuf", OtlpProto(1000), true, 1000);
}
BENCHMARK(BM_OtlpProtoDecode);

void BM_OtlpJsonDecode(benchmark::State& state) {
  Decode(state, "application/json", OtlpJson(1000), true, 1000);
}
BENCHMARK(BM_OtlpJsonDecode);

void BM_LokiProtoEncode(benchmark::State& state) {
  std::vector<LogRecord> recs = Records(1000);
  for (auto _ : state) benchmark::DoNotOptimize(vigil::logs::EncodeLokiPushProto(recs));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_LokiProtoEncode);

void BM_LokiJsonEncode(benchmark::State& state) {
  std::vector<LogRecord> recs = Records(1000);
  for (auto _ : state) benchmark::DoNotOptimize(vigil::logs::EncodeLokiPushJson(recs));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_LokiJsonEncode);

}  // namespace
