// Helpers the thread importers share: checked text fields and HTML-to-text.
#pragma once
#include <string>
#include <string_view>

#include "comity/thread.h"

namespace comity::thread_import {

// Throws ThreadImportError at `where` unless `text` is valid UTF-8 within the size limit.
void check_text(std::string_view text, const std::string& where, std::string_view field,
                const ThreadImportLimits& limits);

// Comment bodies in WXR and Disqus are HTML fragments: their text as
// comity::html_to_text gives it (what analyze scores), blank runs and ends trimmed.
// `html` must be valid UTF-8 (check_text).
std::string html_to_text(std::string_view html);

// Trims ASCII and Unicode spaces (incl. U+00A0) at both ends.
std::string trim(std::string_view s);

}  // namespace comity::thread_import
