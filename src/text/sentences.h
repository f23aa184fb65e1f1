// Sentence segmentation over the units and tokens normalize() produced.
#pragma once
#include <vector>

#include "char_units.h"
#include "comity/text.h"

namespace comity::text {

// Fills out.sentences. `spans[i]` are the units of out.tokens[i], in text order.
void split_sentences(const UnitBuffer& buf, const std::vector<UnitSpan>& spans,
                     NormalizedText& out);

// The original-text range covered by units [first, last].
TextRange range_of(const std::vector<Unit>& units, std::uint32_t first, std::uint32_t last);

}  // namespace comity::text
