// What the command-line clients of a running server share (`vigil plot`,
// `vigil report`): times given as "a duration before now", form encoding,
// POSTs to the server's API over one kept-alive connection, its error
// envelope turned into a message, and the parsing of query and
// query_range answers.
//
// Thread-safety: ServerClient belongs to one thread; the functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "collect/httpclient/http_client.h"
#include "model/labels.h"
#include "visual/plot/chart.h"

namespace vigil::app {

using Form = std::vector<std::pair<std::string, std::string>>;

// A duration before now ("1h", "90m"), "now", or a time (RFC 3339, Unix
// seconds); errors name the flag (--since: cannot parse ...).
Result<int64_t> ResolveTime(std::string_view flag, std::string_view text, int64_t now);

// "a=1&b=x%20y": every byte but [A-Za-z0-9-_.~] percent-encoded, so the
// result is safe in a URL, a form body and a Markdown link alike.
std::string FormEncode(const Form& params);

// Unix seconds with milliseconds, as the API's time parameters take them.
std::string UnixSeconds(int64_t ms);

class ServerClient {
 public:
  // server: "http://host:port", with or without a trailing slash.
  static Result<ServerClient> New(std::string server);

  // POSTs the form to path ("/api/v1/query"); the response, whatever its
  // status. Errors are transport failures only.
  Result<httpclient::Response> Post(std::string_view path, const Form& form);

  // GETs path with params in the URL (for endpoints that take no POST).
  Result<httpclient::Response> Get(std::string_view path, const Form& params);

  // The GET URL of path with params, for links to the server.
  std::string Url(std::string_view path, const Form& params) const;
  const std::string& base() const { return base_; }

 private:
  ServerClient(std::string base, std::unique_ptr<httpclient::Client> client)
      : base_(std::move(base)), client_(std::move(client)) {}
  std::string base_;
  std::unique_ptr<httpclient::Client> client_;
};

// The message of an answer that is not 200: Prometheus' error envelope
// ("bad_data: invalid parameter ..."), else the status and the body.
std::string ApiError(const httpclient::Response& res);

// The series of a query_range answer, with their labels and points (a
// value that does not parse is a NaN point).
struct ParsedSeries {
  model::Labels labels;
  std::vector<plot::Point> points;
};
Result<std::vector<ParsedSeries>> ParseMatrix(const std::string& body,
                                              std::vector<std::string>* warnings);

// The samples of a query answer: a vector, or a scalar as one sample
// without labels.
struct ParsedSample {
  model::Labels labels;
  double value = 0;
};
Result<std::vector<ParsedSample>> ParseVector(const std::string& body,
                                              std::vector<std::string>* warnings);

}  // namespace vigil::app
