// Request bodies in JSON, read the way Google's front end read them: leniently
// (unquoted keys, trailing commas) and bounded (comity::parse_json_input never
// recurses and refuses nesting past its limit), so no body can crash a handler.
#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

namespace comity::server {

// The body as a JSON object. Throws ApiError 400 with Google's wording
// ("Invalid JSON payload received. ...") otherwise.
nlohmann::json parse_request_object(std::string_view body);

}  // namespace comity::server
