// Parsing of the request header values that remote_write and remote_read
// look at (Content-Encoding, Content-Type), and the plain-text pieces of the
// error messages both handlers send back.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "model/labels.h"

namespace vigil::remote {

// The Content-Type of plain-text error bodies.
inline constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

// True for "snappy" (any case) and for a missing header: Prometheus assumes
// snappy when a remote_write 1.0 client sends no Content-Encoding.
bool IsSnappyOrMissing(std::string_view content_encoding);

// A media type split into its type ("application/x-protobuf", lower-cased)
// and the value of one parameter (e.g. proto=...), unquoted; empty if absent.
struct MediaType {
  std::string type;
  std::string param;
};
MediaType ParseMediaType(std::string_view header, std::string_view param_name);

// {name="value", ...} in the order given (labels of a rejected series may be
// unsorted), values escaped, cut at about max_bytes so that one huge label set
// cannot blow up an error message.
std::string FormatLabelsForMessage(model::LabelsView labels, size_t max_bytes = 256);

}  // namespace vigil::remote
