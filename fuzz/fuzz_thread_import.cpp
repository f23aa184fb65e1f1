// Feeds arbitrary bytes to every thread importer (the first byte picks one), the
// whole-site readers of WXR and Disqus too, and builds the reply trees. ThreadImportError is the
// documented way to reject input; any other exception, crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "comity/thread.h"
#include "comity/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr comity::ThreadFormat kFormats[] = {
      comity::ThreadFormat::kJsonl, comity::ThreadFormat::kWxr, comity::ThreadFormat::kDisqus,
      comity::ThreadFormat::kText};
  const auto pick = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  comity::ThreadImportLimits limits;
  limits.max_depth = 64;  // small caps so the fuzzer reaches them
  limits.max_field_bytes = 4096;
  const auto check = [](const comity::Thread& thread) {
    for (const comity::Comment& c : thread.comments) {
      if (comity::find_invalid_utf8(c.text) || comity::find_invalid_utf8(c.author) ||
          comity::find_invalid_utf8(c.id)) {
        std::abort();  // importers promise valid UTF-8
      }
    }
    const comity::ReplyTree tree = comity::build_reply_tree(thread);
    if (tree.order.size() != thread.comments.size()) std::abort();
    for (std::size_t i = 0; i < thread.comments.size(); ++i) {
      if (tree.parent[i] && tree.depth[i] != tree.depth[*tree.parent[i]] + 1) std::abort();
    }
  };
  try {
    // Values >= 4 exercise auto-detection.
    check(pick < 4 ? comity::import_thread(bytes, "fuzz", kFormats[pick], limits)
                   : comity::import_thread(bytes, pick % 2 ? "fuzz.jsonl" : "fuzz.txt",
                                           std::nullopt, limits));
    // Whole-site readers of the XML formats: every thread they return obeys the same rules.
    if (pick == 1 || pick == 2) {
      std::size_t comments = 0;
      for (const comity::Thread& thread : pick == 1
                                              ? comity::import_site_wxr(bytes, "fuzz", limits)
                                              : comity::import_site_disqus(bytes, "fuzz", limits)) {
        check(thread);
        comments += thread.comments.size();
      }
      if (comments > limits.max_comments) std::abort();
    }
  } catch (const comity::ThreadImportError&) {
  }
  return 0;
}
