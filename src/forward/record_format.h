// Text forms of LogRecords for the forwarders: the HTTP JSON record
// (docs/events.md, "Forwarded records"), RFC 5424 and RFC 3164 syslog
// messages, and RFC 3339 timestamps with nanoseconds.
//
// Syslog mapping (the inverse of the syslog source's): PRI from attribute
// syslog.facility (a name such as "local0" or a number; default user) and
// the severity: severity_text when it is a syslog keyword (emerg, alert,
// crit, err, warning, notice, info, debug and their long forms), so that
// syslog in -> syslog out keeps it exactly; else by severity_number: FATAL
// crit (never emerg/alert, which rsyslog broadcasts to every terminal),
// ERROR err, WARN warning, INFO2-4 notice, INFO info, DEBUG and TRACE debug,
// unspecified notice. HOSTNAME from label host, else resource host.name;
// APP-NAME from attribute syslog.appname, else label job, else resource
// service.name;
// PROCID and MSGID from syslog.procid / syslog.msgid; the time with
// microseconds (RFC 5424 allows six digits), in UTC. Fields are cut to
// RFC 5424's lengths and characters outside PRINTUSASCII become '_'.
//
// Owned by the forward module (helper "forward").
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/log_record.h"

namespace vigil::forward {

// "2026-12-01T21:16:47.123456789Z": always nine fraction digits, UTC.
void AppendRFC3339Nano(std::string* out, int64_t unix_ns);

// One record as a JSON object: timestamp (the effective time),
// observed_timestamp, severity_number, severity_text, body, labels,
// attributes, resource, trace_id, span_id (all always present).
void AppendRecordJson(std::string* out, const model::LogRecord& record);
// A JSON array of records.
std::string RecordsToJson(const std::vector<model::LogRecord>& records);

// The syslog severity (0 emerg .. 7 debug) a record maps to.
int SyslogSeverity(const model::LogRecord& record);
// The facility code (0..23) a record maps to.
int SyslogFacility(const model::LogRecord& record);

// One message, without framing or a trailing newline.
void AppendSyslog5424(std::string* out, const model::LogRecord& record);
void AppendSyslog3164(std::string* out, const model::LogRecord& record);

}  // namespace vigil::forward
