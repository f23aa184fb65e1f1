// Helpers the thread importers share: checked text fields and HTML-to-text.
#pragma once
#include <string>
#include <string_view>

#include "comity/thread.h"

namespace comity::thread_import {

// Throws ThreadImportError at `where` unless `text` is valid UTF-8 within the size limit.
void check_text(std::string_view text, const std::string& where, std::string_view field,
                const ThreadImportLimits& limits);

// Comment bodies in WXR and Disqus are HTML fragments: drops tags, turns block ends
// and <br> into newlines, decodes character references, trims blank runs.
std::string html_to_text(std::string_view html);

// Trims ASCII and Unicode spaces (incl. U+00A0) at both ends.
std::string trim(std::string_view s);

}  // namespace comity::thread_import
