// Small helpers over simdjson's DOM for the Azure response parsers (module
// internal): tolerant field access, since Azure adds fields freely and omits
// empty ones, and the error bodies every Azure API shares.
//
// Thread-safety: pure functions.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vigil::cloud::azure {

// Parses body into doc with parser (which must outlive doc); a malformed or
// truncated body is a Corruption naming `what`.
Status ParseJsonDocument(simdjson::dom::parser& parser, std::string_view body,
                         std::string_view what, simdjson::dom::element* doc);

// The string member `key` of obj, or "" when absent or not a string.
std::string_view JsonString(simdjson::dom::element obj, std::string_view key);
// A number given as a JSON number or a numeric string ("3599", as managed
// identity endpoints send expires_in); nullopt otherwise.
std::optional<double> JsonNumber(simdjson::dom::element v);
std::optional<double> JsonNumberField(simdjson::dom::element obj, std::string_view key);
// The `value` of a localizable name ({"value": "...", "localizedValue": "..."})
// or a plain string.
std::string_view JsonLocalizable(simdjson::dom::element obj, std::string_view key);

// The message of an Azure error body, in either shape:
//   Entra ID: {"error":"invalid_client","error_description":"AADSTS7000215: ..."}
//   ARM/data plane: {"error":{"code":"AuthorizationFailed","message":"..."}}
// as "code: message"; "" when the body is not such an error.
std::string AzureErrorMessage(std::string_view body);
std::string AzureErrorMessageOf(simdjson::dom::element doc);

}  // namespace vigil::cloud::azure
