// Private helpers around fold_confusable() (declared in comity/text.h).
#pragma once
#include <string>

namespace comity::text {

// Greek and Cyrillic letters are real letters in their own languages, so the
// normaliser folds them to Latin only inside tokens that are evidently Latin
// (mixed scripts, or the fold spells a lexicon word); every other confusable
// (small caps, fullwidth, mathematical letters) is always folded.
bool is_cross_script(char32_t cp);

// Replaces the Latin letters of a normalised (lower-case) word that look like Cyrillic
// ones ("o" -> "о", "p" -> "р") by those; true if anything changed. For words of a
// Cyrillic-script language, where mixed spelling is a disguise.
bool fold_latin_to_cyrillic(std::string& word);

}  // namespace comity::text
