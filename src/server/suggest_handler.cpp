#include "server/suggest_handler.h"

#include "server/google_error.h"
#include "comity/html_text.h"
#include "server/language.h"

namespace comity::server {

nlohmann::json suggest_score(const SuggestRequest& request, const FeedbackSink& sink) {
  if (!sink) throw ApiError(501, "Feedback storage is not configured on this server.");
  const std::string text =
      request.text_type == TextType::kHtml ? html_to_text(request.text).text : request.text;
  const ResolvedLanguages languages = resolve_languages(request.languages, text);
  const std::vector<std::string>& detected = languages.detected;

  FeedbackRecord record;
  record.source = "suggestscore";
  record.community_id = request.community_id.value_or("");
  record.client_token = request.client_token.value_or("");
  record.session_id = request.session_id.value_or("");
  if (!request.do_not_store) record.text = text;
  record.language = languages.scoring;
  for (const auto& score : request.scores) {
    record.attribute_values[score.label_name()] = score.label();
  }
  sink(record);

  nlohmann::json response = nlohmann::json::object();
  if (!detected.empty()) response["detectedLanguages"] = detected;
  if (!request.languages.empty()) response["requestedLanguages"] = request.languages;
  if (request.client_token) response["clientToken"] = *request.client_token;
  return response;
}

}  // namespace comity::server
