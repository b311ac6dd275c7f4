// host/proc_reader: reading small /proc and /sys files without iostream, and
// the field splitting and number parsing the sub-collectors share.
//
// Files in /proc report a size of 0, so they are read with read(2) until EOF
// into a caller-owned buffer that keeps its capacity between scrapes.
//
// Owned by the host collector; internal to src/collect/host.
// Thread-safety: pure functions (ReadFileInto writes only its buffer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::host {

// Replaces *buf with the contents of path. NotFound when the file does not
// exist, IOError (with errno text) otherwise.
Status ReadFileInto(const std::string& path, std::string* buf);

// Reads a file holding one value ("1500\n"); false when unreadable or not a
// number. Used for sysfs attributes.
bool ReadUintFile(const std::string& path, std::string* scratch, uint64_t* value);
bool ReadDoubleFile(const std::string& path, std::string* scratch, double* value);
// The first line of a file without its newline; false when unreadable.
bool ReadLineFile(const std::string& path, std::string* scratch, std::string* line);

// Iterates the lines of a buffer: `while (NextLine(&rest, &line))`.
bool NextLine(std::string_view* rest, std::string_view* line);

// Splits on runs of spaces, tabs and newlines (Go's strings.Fields for ASCII).
void SplitFields(std::string_view line, std::vector<std::string_view>* fields);

std::string_view TrimSpace(std::string_view s);

// Whole-string parses; false on any stray character.
bool ParseUint(std::string_view s, uint64_t* v);
bool ParseInt(std::string_view s, int64_t* v);
bool ParseHex(std::string_view s, uint64_t* v);
// Go's strconv.ParseFloat for decimal input (an optional sign, no '+' needed).
bool ParseDouble(std::string_view s, double* v);

}  // namespace vigil::host
