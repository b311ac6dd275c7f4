// Integration-test harness: starts the real `vigil` binary (and real peers)
// on loopback with an ephemeral port and a temp dir, talks HTTP to it with
// libcurl, and speaks remote_write / remote_read with the wire classes.
//
// The binary is found through $VIGIL_BINARY (set by CMake). Vigil is started
// with --listen 127.0.0.1:0 and the test reads the bound port from its
// "ready on" log line, so tests never race for ports.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/remote/proto/remote.pb.h"
#include "base/file.h"
#include "model/sample.h"

namespace vigil::itest {

using TempDir = fs::TempDir;

// A child process with stdout+stderr captured in a log file.
class Process {
 public:
  static std::unique_ptr<Process> Spawn(const std::vector<std::string>& argv,
                                        const std::string& log_path);
  ~Process();
  pid_t pid() const { return pid_; }
  // SIGKILL and reap.
  void Kill9();
  // SIGTERM, wait up to timeout_ms, return the exit code (-1 if killed by a signal or timed out).
  int Terminate(int timeout_ms = 60000);
  bool Running();
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  bool reaped_ = false;
};

class Vigil {
 public:
  // Starts vigil serve on 127.0.0.1:0 with data in data_dir; waits until ready.
  static std::unique_ptr<Vigil> Start(const std::string& data_dir,
                                      const std::vector<std::string>& extra_args = {},
                                      const std::string& listen = "127.0.0.1:0");
  std::string Url(const std::string& path) const;
  int port() const { return port_; }
  Process& process() { return *proc_; }

 private:
  std::unique_ptr<Process> proc_;
  int port_ = 0;
};

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string error;                           // transport error, if any
};
HttpResult HttpGet(const std::string& url);
// "a=1&b=x%20y": parameters percent-encoded for a URL query or a form body.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& params);
HttpResult HttpPost(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers);
// A request with only a Content-Length header and no body (for size limits).
HttpResult HttpPostClaimingLength(const std::string& url, uint64_t content_length);

// One series and its samples, as a test writes and reads them.
struct TestSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  std::vector<model::Sample> samples;
};

std::string EncodeWriteRequest(const std::vector<TestSeries>& series);
// POSTs a snappy-compressed remote_write body; returns the HTTP result.
HttpResult RemoteWrite(const Vigil& v, const std::vector<TestSeries>& series);
HttpResult RemoteWriteRaw(const std::string& url, const std::string& body,
                          const std::vector<std::string>& headers);
// remote_read (SAMPLES) of every series matching __name__=~re in [start, end].
std::vector<TestSeries> RemoteRead(const std::string& url, const std::string& name_regex,
                                   int64_t start, int64_t end);

std::string SnappyCompress(const std::string& raw);
// A free TCP port on 127.0.0.1 (for peers that cannot report an ephemeral one).
int FreePort();
std::string ReadFileOrEmpty(const std::string& path);
void WriteTextFile(const std::string& path, const std::string& text);
// A PNG signature followed by its IHDR chunk.
bool IsPng(std::string_view bytes);
// The single value of an instant query (NaN when there is not exactly one).
double InstantValue(const Vigil& v, const std::string& query);
// A Vigil (config in dir/vigil.yml, data in dir/data) scraping itself every
// second as job "vigil", waited on until it holds `scrapes` of them (60 s at
// most: a test asserts on count_over_time(up{job="vigil"}[1m]) itself).
std::unique_ptr<Vigil> StartScrapingItself(const std::string& dir, int scrapes);
// Waits until GET url answers 200 (or timeout); returns whether it did.
bool WaitForHttp200(const std::string& url, int timeout_ms);

// remote_write (snappy protobuf, 0.1.0) to any receiver, e.g. a Prometheus
// started with --web.enable-remote-write-receiver.
HttpResult RemoteWriteTo(const std::string& url, const std::vector<TestSeries>& series);
// The first of paths that is an executable file, or "".
std::string FindExecutable(const std::vector<std::string>& paths);
// Runs argv (argv[0] a path) to completion; stdout and stderr together go to
// *output. Returns the exit code, or -1 if it could not run, died of a
// signal, or was killed after timeout_ms.
int RunCommand(const std::vector<std::string>& argv, std::string* output, int timeout_ms = 60000);

// ---- Logs: the Loki API as the tests read it --------------------------------

struct StreamLines {
  std::map<std::string, std::string> labels;
  std::vector<std::string> lines;
};

// query_range of a log query over [now - 1h, now + 1m), forward; the streams it
// returned (empty, with the error in *error when given, on failure).
std::vector<StreamLines> QueryLogs(const Vigil& v, const std::string& logql, int limit = 5000,
                                   std::string* error = nullptr);
size_t CountLines(const std::vector<StreamLines>& streams);
// Polls until the query returns at least `want` lines (or timeout_ms passed).
std::vector<StreamLines> WaitForLines(const Vigil& v, const std::string& logql, size_t want,
                                      int timeout_ms = 15000);

}  // namespace vigil::itest
