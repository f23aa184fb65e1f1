// Private helpers around fold_confusable() (declared in comity/text.h).
#pragma once

namespace comity::text {

// Greek and Cyrillic letters are real letters in their own languages, so the
// normaliser folds them to Latin only inside tokens that are evidently Latin
// (mixed scripts, or the fold spells a lexicon word); every other confusable
// (small caps, fullwidth, mathematical letters) is always folded.
bool is_cross_script(char32_t cp);

}  // namespace comity::text
