// Undoing a request body's Content-Encoding (gzip, deflate) with zlib, with a
// cap on the decoded size so that a small body cannot expand without bound.
//
// Owned by the logs/push module (helper "ingest").
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::logs {

// Decodes a gzip (or zlib, detected from the header) stream into *out.
// ResourceExhausted when more than max_out bytes would come out;
// InvalidArgument when the stream is corrupt or truncated.
Status Gunzip(std::string_view in, size_t max_out, std::string* out);

// Gzip-compresses data (for tests and for senders).
std::string GzipCompress(std::string_view data);

// `encoding` is the Content-Encoding header: "" or "identity" leave *body as
// is; "gzip", "x-gzip" and "deflate" are decoded into *scratch and *body is
// pointed at it. Anything else is InvalidArgument.
Status UndoContentEncoding(std::string_view encoding, size_t max_out, std::string_view* body,
                           std::string* scratch);

}  // namespace vigil::logs
