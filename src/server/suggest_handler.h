// comments:suggestscore: keeps a client's suggested scores as training feedback.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>

#include "comity/store.h"
#include "server/perspective_request.h"

namespace comity::server {

using FeedbackSink = std::function<void(const FeedbackRecord&)>;

// With doNotStore the record keeps labels and ids but no text. Throws ApiError
// (501) when `sink` is empty, i.e. the server runs without a store.
nlohmann::json suggest_score(const SuggestRequest& request, const FeedbackSink& sink);

}  // namespace comity::server
