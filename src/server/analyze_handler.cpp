#include "server/analyze_handler.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <string>

#include "comity/text.h"
#include "server/google_error.h"
#include "comity/html_text.h"
#include "server/language.h"

namespace comity::server {
namespace {

struct Span {
  std::uint32_t begin = 0, end = 0;  // UTF-16 code units of the text as sent
  float value = 0;
};

nlohmann::json score_json(float value) {
  return {{"value", probability_json(value)}, {"type", "PROBABILITY"}};
}

}  // namespace

nlohmann::json probability_json(float value) { return std::stod(fmt::format("{}", value)); }

nlohmann::json analyze_comment(const AnalyzeRequest& request, const Analyzer& analyzer,
                               ServerMetrics* metrics) {
  std::optional<HtmlText> html;
  std::string_view scored = request.text;
  if (request.text_type == TextType::kHtml) {
    html = html_to_text(request.text);
    scored = html->text;
    if (scored.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      throw invalid_argument("Comment must be non-empty.", kCommentEmpty);
    }
  }

  const ResolvedLanguages languages = resolve_languages(request.languages, scored);
  for (const auto& attribute : request.attributes) {
    check_languages_supported(attribute.name, attribute.attribute, languages, analyzer);
  }

  const ScoreResult result = analyzer.score_in(scored, languages.scoring,
                                               ScoreOptions{.sentences = request.span_annotations});
  if (metrics != nullptr) metrics->observe_scores(result.scores);

  // Sentence ranges in UTF-16 of the text the client sent (the HTML, for HTML).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  if (request.span_annotations) {
    std::optional<OffsetIndex> html_offsets;
    if (html) html_offsets.emplace(request.text);
    for (const auto& sentence : result.sentences) {
      if (html) {
        // Separators stand for tags; keep them out of the reported span.
        std::uint32_t first = sentence.where.byte_begin, last = sentence.where.byte_end;
        while (first < last && std::isspace(static_cast<unsigned char>(scored[first]))) ++first;
        while (last > first && std::isspace(static_cast<unsigned char>(scored[last - 1]))) --last;
        const auto [begin, end] = html->source_range(first, last);
        ranges.emplace_back(html_offsets->u16_at_byte(begin), html_offsets->u16_at_byte(end));
      } else {
        ranges.emplace_back(sentence.where.u16_begin, sentence.where.u16_end);
      }
    }
  }

  nlohmann::json attribute_scores = nlohmann::json::object();
  for (const auto& attribute : request.attributes) {
    const float summary = result.scores[index_of(attribute.attribute)];
    if (attribute.score_threshold && summary < *attribute.score_threshold) continue;
    nlohmann::json entry;
    if (request.span_annotations) {
      nlohmann::json spans = nlohmann::json::array();
      for (std::size_t i = 0; i < ranges.size(); ++i) {
        spans.push_back(
            {{"begin", ranges[i].first},
             {"end", ranges[i].second},
             {"score", score_json(result.sentences[i].scores[index_of(attribute.attribute)])}});
      }
      if (spans.empty()) spans.push_back({{"score", score_json(summary)}});  // whole text
      entry["spanScores"] = std::move(spans);
    }
    entry["summaryScore"] = score_json(summary);
    attribute_scores[attribute.name] = std::move(entry);
  }

  nlohmann::json response = {{"attributeScores", std::move(attribute_scores)},
                             {"languages", languages.effective}};
  if (!languages.detected.empty()) response["detectedLanguages"] = languages.detected;
  if (request.client_token) response["clientToken"] = *request.client_token;
  return response;
}

}  // namespace comity::server
