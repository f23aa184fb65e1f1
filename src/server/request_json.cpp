#include "server/request_json.h"

#include "comity/json_input.h"
#include "server/google_error.h"

namespace comity::server {

nlohmann::json parse_request_object(std::string_view body) {
  nlohmann::json root;
  try {
    root = parse_json_input(body);
  } catch (const JsonInputError& e) {
    throw invalid_json(e.what());
  }
  if (!root.is_object()) {
    throw invalid_json("Invalid JSON payload received. Expected an object, got " +
                       std::string(root.type_name()) + ".");
  }
  return root;
}

}  // namespace comity::server
