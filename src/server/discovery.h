// The commentanalyzer v1alpha1 discovery document. googleapiclient (HELM, garak,
// perspective.py) and OSMod fetch it first and build their calls from rootUrl,
// so serving it with our own address redirects them with one URL change.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace comity::server {

// `root_url` ends with '/', e.g. "http://localhost:8080/".
// `attribute_languages` (attribute -> languages it is served in) is documented on
// the request's `languages` field, as Perspective's own documentation listed them.
nlohmann::json discovery_document(
    const std::string& root_url,
    const std::map<std::string, std::vector<std::string>>& attribute_languages = {});

// The root URL as the client addressed us: scheme from X-Forwarded-Proto (else
// http), authority from X-Forwarded-Host or Host (else `fallback_host`).
std::string client_root_url(const std::string& forwarded_proto, const std::string& forwarded_host,
                            const std::string& host, const std::string& fallback_host);

}  // namespace comity::server
