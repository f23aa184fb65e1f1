// Perspective's wire format over real HTTP: every documented error with its exact
// message, status and errorType, and the response shape real clients read.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

constexpr const char* kAnalyze = "/v1alpha1/comments:analyze";
constexpr const char* kSuggest = "/v1alpha1/comments:suggestscore";

struct Reply {
  int status = 0;
  json body;
};

Reply call(RunningServer& server, const char* path, const std::string& body, bool with_key = true) {
  auto result = server.post(path, body, with_key);
  if (!result) return {-1, json()};
  return {result->status, json::parse(result->body, nullptr, false)};
}

Reply analyze(RunningServer& server, const json& body) {
  return call(server, kAnalyze, body.dump());
}

json request(const std::string& text, json attributes = {{"TOXICITY", json::object()}}) {
  return {{"comment", {{"text", text}}},
          {"requestedAttributes", std::move(attributes)},
          {"languages", {"en"}}};
}

void expect_error(const Reply& reply, int code, const std::string& status,
                  const std::string& message, const std::string& error_type = "") {
  EXPECT_EQ(reply.status, code);
  ASSERT_TRUE(reply.body.contains("error")) << reply.body.dump();
  const json& error = reply.body["error"];
  EXPECT_EQ(error["code"], code);
  EXPECT_EQ(error["status"], status);
  EXPECT_EQ(error["message"], message);
  if (!error_type.empty()) {
    ASSERT_TRUE(error.contains("details")) << reply.body.dump();
    EXPECT_EQ(error["details"][0]["@type"],
              "type.googleapis.com/google.commentanalyzer.v1alpha1.Error");
    EXPECT_EQ(error["details"][0]["errorType"], error_type);
  }
}

class PerspectiveApiTest : public ::testing::Test {
 protected:
  RunningServer server;
};

TEST_F(PerspectiveApiTest, ScoresRequestedAttributesAsProbabilities) {
  const Reply reply = analyze(server, request("You are an idiot", {{"TOXICITY", json::object()},
                                                                   {"INSULT", json::object()}}));
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_FLOAT_EQ(reply.body["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<float>(),
                  0.9f);
  EXPECT_EQ(reply.body["attributeScores"]["TOXICITY"]["summaryScore"]["type"], "PROBABILITY");
  EXPECT_FLOAT_EQ(reply.body["attributeScores"]["INSULT"]["summaryScore"]["value"].get<float>(),
                  0.8f);
  EXPECT_EQ(reply.body["attributeScores"].size(), 2u);
  EXPECT_FALSE(reply.body["attributeScores"]["TOXICITY"].contains("spanScores"));
  EXPECT_EQ(reply.body["languages"], json({"en"}));
  EXPECT_FALSE(reply.body.contains("clientToken"));
}

TEST_F(PerspectiveApiTest, EmptyOrMissingCommentIsCommentEmpty) {
  expect_error(analyze(server, request("")), 400, "INVALID_ARGUMENT", "Comment must be non-empty.",
               "COMMENT_EMPTY");
  expect_error(analyze(server, {{"requestedAttributes", {{"TOXICITY", json::object()}}}}), 400,
               "INVALID_ARGUMENT", "Comment must be non-empty.", "COMMENT_EMPTY");
}

TEST_F(PerspectiveApiTest, CommentTooLongAbove20480Bytes) {
  std::string text;
  for (int i = 0; i < 10240; ++i) text += "\xC3\xA9";  // é: 2 bytes, 20480 bytes in all
  EXPECT_EQ(analyze(server, request(text)).status, 200);
  expect_error(analyze(server, request(text + "a")), 400, "INVALID_ARGUMENT",
               "Comment text too long.", "COMMENT_TOO_LONG");
}

TEST_F(PerspectiveApiTest, NoRequestedAttributes) {
  expect_error(analyze(server, request("hello", json::object())), 400, "INVALID_ARGUMENT",
               "Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES");
  expect_error(analyze(server, {{"comment", {{"text", "hello"}}}}), 400, "INVALID_ARGUMENT",
               "Missing requested_attributes", "NO_REQUESTED_ATTRIBUTES");
}

TEST_F(PerspectiveApiTest, UnknownAttribute) {
  expect_error(
      analyze(server, request("hello", {{"TOXICITY", json::object()}, {"SPAM", json::object()}})),
      400, "INVALID_ARGUMENT", "Unknown requested attribute: SPAM", "INVALID_REQUEST");
  expect_error(analyze(server, request("hello", {{"TOXICITY@x", json::object()}})), 400,
               "INVALID_ARGUMENT", "Unknown requested attribute: TOXICITY@x", "INVALID_REQUEST");
}

TEST_F(PerspectiveApiTest, ExperimentalNamesAliasTheAttributes) {
  const Reply reply = analyze(
      server, request("you idiot",
                      {{"TOXICITY_EXPERIMENTAL", json::object()}, {"INSULT@2", json::object()}}));
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json& body = reply.body;
  EXPECT_FLOAT_EQ(
      body["attributeScores"]["TOXICITY_EXPERIMENTAL"]["summaryScore"]["value"].get<float>(), 0.9f);
  EXPECT_TRUE(body["attributeScores"].contains("INSULT@2"));
  EXPECT_FALSE(parse_versioned_attribute("_EXPERIMENTAL"));
  EXPECT_FALSE(parse_versioned_attribute("SPAM_EXPERIMENTAL"));
}

TEST_F(PerspectiveApiTest, TooManyAttributesAreRefused) {
  json attributes = json::object();
  for (int i = 0; i < 33; ++i) attributes["TOXICITY@" + std::to_string(i)] = json::object();
  expect_error(analyze(server, request("hello", attributes)), 400, "INVALID_ARGUMENT",
               "Too many requested attributes: 33 (at most 32).", "INVALID_REQUEST");
}

TEST(PerspectiveOmitTest, UnknownAttributesCanBeOmittedAndNamed) {
  ServerConfig config;
  config.unknown_attributes = "omit";
  RunningServer server(std::make_shared<FakeAnalyzer>(), 0, config);
  auto reply = server.post(
      kAnalyze, R"({comment: {text: "hi"}, requestedAttributes: {SPAM: {}, TOXICITY: {},},})");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  EXPECT_EQ(reply->get_header_value("X-Comity-Omitted-Attributes"), "SPAM");
  const json body = json::parse(reply->body);
  EXPECT_TRUE(body["attributeScores"].contains("TOXICITY"));
  EXPECT_FALSE(body["attributeScores"].contains("SPAM"));
}

TEST_F(PerspectiveApiTest, SuggestScoreKeepsAnyAttributeName) {
  // Coral Talk sends a moderator's decision as the attribute.
  const Reply reply = call(server, kSuggest,
                           R"({"comment": {"text": "spam link"}, "attributeScores": {"DELETED":
                              {"summaryScore": {"value": 1}}}, "languages": ["EN"]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  std::map<std::string, double> stored;
  server.store->for_each_feedback(
      [&](const FeedbackRecord& record) { stored = record.attribute_values; });
  EXPECT_EQ(stored, (std::map<std::string, double>{{"DELETED", 1.0}}));
}

TEST_F(PerspectiveApiTest, OnlyProbabilityScoreTypeIsSupported) {
  EXPECT_EQ(
      analyze(server, request("hello", {{"TOXICITY", {{"scoreType", "PROBABILITY"}}}})).status,
      200);
  expect_error(analyze(server, request("hello", {{"INSULT", {{"scoreType", "RAW"}}}})), 400,
               "INVALID_ARGUMENT", "Requested score type RAW is not supported by attribute INSULT",
               "INVALID_REQUEST");
  const Reply bogus = analyze(server, request("hello", {{"INSULT", {{"scoreType", "BOGUS"}}}}));
  EXPECT_EQ(bogus.status, 400);
  EXPECT_NE(bogus.body["error"]["message"].get<std::string>().find("Invalid value at"),
            std::string::npos);
}

TEST_F(PerspectiveApiTest, RequestedLanguageNotSupported) {
  json body = request("Bonjour tout le monde", {{"TOXICITY", json::object()}});
  body["languages"] = {"fr"};
  const Reply reply = analyze(server, body);
  expect_error(reply, 400, "INVALID_ARGUMENT",
               "Attribute TOXICITY does not support request languages: fr",
               "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE");
  const json& detail = reply.body["error"]["details"][0]["languageNotSupportedByAttributeError"];
  EXPECT_EQ(detail["requestedLanguages"], json({"fr"}));
  EXPECT_EQ(detail["attribute"], "TOXICITY");

  body["languages"] = {"en", "de"};
  expect_error(analyze(server, body), 400, "INVALID_ARGUMENT",
               "Attribute TOXICITY does not support request languages: en, de",
               "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE");
  body["languages"] = {"en-US"};
  EXPECT_EQ(analyze(server, body).status, 200);
}

TEST_F(PerspectiveApiTest, DetectedNonEnglishLanguageIsRejectedLikePerspective) {
  json body = {{"comment",
                {{"text",
                  "Je pense vraiment que cette décision du conseil municipal est une erreur, et "
                  "nous devrions "
                  "en discuter ensemble lors de la prochaine réunion publique."}}},
               {"requestedAttributes", {{"TOXICITY", json::object()}}}};
  const Reply reply = analyze(server, body);
  expect_error(reply, 400, "INVALID_ARGUMENT",
               "Attribute TOXICITY does not support request languages: fr",
               "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE");
  EXPECT_EQ(reply.body["error"]["details"][0]["languageNotSupportedByAttributeError"]
                      ["detectedLanguages"],
            json({"fr"}));
}

TEST_F(PerspectiveApiTest, ShortEnglishWithoutLanguagesIsNotMisdetected) {
  for (const char* text :
       {"ok", "lol", "You suck", "idiot", "Sorry I was stupid", "thx m8", "gg ez", "ciao bella",
        "what a dumb take", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"}) {
    json body = {{"comment", {{"text", text}}},
                 {"requestedAttributes", {{"TOXICITY", json::object()}}}};
    const Reply reply = analyze(server, body);
    ASSERT_EQ(reply.status, 200) << text << ": " << reply.body.dump();
    EXPECT_EQ(reply.body["languages"], json({"en"})) << text;
    EXPECT_EQ(reply.body["detectedLanguages"][0], "en") << text;
  }
}

TEST_F(PerspectiveApiTest, MalformedJsonAndInvalidUtf8AreInvalidArgument) {
  for (const std::string& body :
       {std::string("{\"comment\": {"), std::string("[1,2]"), std::string(""),
        std::string("{\"comment\": {\"text\": \"x\"}, \"n\": 9E9000}"),  // found by fuzzing
        std::string("{\"comment\":{\"text\":\"bad \xC3\x28 byte\"},"
                    "\"requestedAttributes\":{\"TOXICITY\":{}}}")}) {
    const Reply reply = call(server, kAnalyze, body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.body["error"]["status"], "INVALID_ARGUMENT");
    EXPECT_EQ(reply.body["error"]["message"].get<std::string>().rfind(
                  "Invalid JSON payload received.", 0),
              0u)
        << reply.body.dump();
  }
}

TEST_F(PerspectiveApiTest, WrongTypesNameTheField) {
  const Reply text = analyze(server, {{"comment", {{"text", 123}}},
                                      {"requestedAttributes", {{"TOXICITY", json::object()}}}});
  expect_error(text, 400, "INVALID_ARGUMENT", "Invalid value at 'comment.text' (TYPE_STRING), 123");
  json spans = request("hello");
  spans["spanAnnotations"] = "yes";
  expect_error(analyze(server, spans), 400, "INVALID_ARGUMENT",
               "Invalid value at 'span_annotations' (TYPE_BOOL), \"yes\"");
  json threshold = request("hello", {{"TOXICITY", {{"scoreThreshold", "high"}}}});
  expect_error(
      analyze(server, threshold), 400, "INVALID_ARGUMENT",
      "Invalid value at 'requested_attributes[TOXICITY].score_threshold' (TYPE_FLOAT), \"high\"");
  EXPECT_EQ(analyze(server,
                    {{"comment", "hello"}, {"requestedAttributes", {{"TOXICITY", json::object()}}}})
                .status,
            400);
  EXPECT_EQ(analyze(server, {{"comment", {{"text", "hi"}}}, {"requestedAttributes", {"TOXICITY"}}})
                .status,
            400);
  EXPECT_EQ(analyze(server, {{"comment", {{"text", "hi"}}},
                             {"requestedAttributes", {{"TOXICITY", json::object()}}},
                             {"languages", "en"}})
                .status,
            400);
}

TEST_F(PerspectiveApiTest, SnakeCaseFieldNamesAreAccepted) {
  const Reply reply =
      analyze(server, {{"comment", {{"text", "you idiot"}}},
                       {"requested_attributes", {{"TOXICITY", {{"score_threshold", 0.5}}}}},
                       {"client_token", "t1"}});
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["clientToken"], "t1");
}

TEST_F(PerspectiveApiTest, BothContextFormsIsAnError) {
  json body = request("hello");
  body["context"] = {{"entries", {{{"text", "a"}}}},
                     {"articleAndParentComment", {{"article", {{"text", "b"}}}}}};
  expect_error(analyze(server, body), 400, "INVALID_ARGUMENT",
               "Context can have either entries or article_and_parent_comment, but both fields "
               "were populated.",
               "INVALID_REQUEST");
  body["context"].erase("articleAndParentComment");
  EXPECT_EQ(analyze(server, body).status, 200);
}

TEST_F(PerspectiveApiTest, ScoreThresholdOmitsAttributesBelowIt) {
  const Reply reply =
      analyze(server, request("you idiot", {{"TOXICITY", {{"scoreThreshold", 0.95}}},
                                            {"INSULT", {{"scoreThreshold", 0.5}}},
                                            {"THREAT", {{"scoreThreshold", 0.5}}}}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.body["attributeScores"].contains("TOXICITY"));
  EXPECT_TRUE(reply.body["attributeScores"].contains("INSULT"));
  EXPECT_FALSE(reply.body["attributeScores"].contains("THREAT"));
}

TEST_F(PerspectiveApiTest, VersionedAttributeNamesAreEchoedAsSent) {
  const Reply reply = analyze(
      server, request("you idiot", {{"TOXICITY@6", json::object()}, {"INSULT@2", json::object()}}));
  ASSERT_EQ(reply.status, 200);
  EXPECT_FLOAT_EQ(reply.body["attributeScores"]["TOXICITY@6"]["summaryScore"]["value"].get<float>(),
                  0.9f);
  EXPECT_TRUE(reply.body["attributeScores"].contains("INSULT@2"));
  EXPECT_FALSE(reply.body["attributeScores"].contains("TOXICITY"));
}

TEST_F(PerspectiveApiTest, ClientTokenIsEchoed) {
  json body = request("hello");
  body["clientToken"] = "OsmodAssistantV0_request42";
  EXPECT_EQ(analyze(server, body).body["clientToken"], "OsmodAssistantV0_request42");
}

TEST_F(PerspectiveApiTest, SpanScoresUseUtf16Offsets) {
  // "You idiot 😀." is 13 UTF-16 units (the emoji is a surrogate pair) but 15 bytes.
  json body = request("You idiot \xF0\x9F\x98\x80. Nice day.");
  body["spanAnnotations"] = true;
  const Reply reply = analyze(server, body);
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  const json& spans = reply.body["attributeScores"]["TOXICITY"]["spanScores"];
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0]["begin"], 0);
  EXPECT_EQ(spans[0]["end"], 13);
  EXPECT_FLOAT_EQ(spans[0]["score"]["value"].get<float>(), 0.9f);
  EXPECT_EQ(spans[0]["score"]["type"], "PROBABILITY");
  EXPECT_EQ(spans[1]["begin"], 14);
  EXPECT_EQ(spans[1]["end"], 23);
  EXPECT_FLOAT_EQ(spans[1]["score"]["value"].get<float>(), 0.1f);
}

TEST_F(PerspectiveApiTest, HtmlIsScoredAsVisibleTextWithSpansInTheHtml) {
  json body = {
      {"comment", {{"text", "<p>You <b>idiot</b>!</p><p>Nice &amp; calm.</p>"}, {"type", "HTML"}}},
      {"requestedAttributes", {{"TOXICITY", json::object()}}},
      {"spanAnnotations", true}};
  Reply reply = analyze(server, body);
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  const json& spans = reply.body["attributeScores"]["TOXICITY"]["spanScores"];
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0]["begin"], 3);
  EXPECT_EQ(spans[0]["end"], 20);
  EXPECT_FLOAT_EQ(spans[0]["score"]["value"].get<float>(), 0.9f);
  EXPECT_EQ(spans[1]["begin"], 27);
  EXPECT_EQ(spans[1]["end"], 43);

  // Offsets count UTF-16 units of the HTML as sent: the emoji is two.
  body["comment"]["text"] = "<p>\xF0\x9F\x98\x80 idiot!</p>";
  reply = analyze(server, body);
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["attributeScores"]["TOXICITY"]["spanScores"][0]["begin"], 3);
  EXPECT_EQ(reply.body["attributeScores"]["TOXICITY"]["spanScores"][0]["end"], 12);

  body["comment"]["text"] = "<p> <br> </p>";
  expect_error(analyze(server, body), 400, "INVALID_ARGUMENT", "Comment must be non-empty.",
               "COMMENT_EMPTY");
  body["comment"]["type"] = "MARKDOWN";
  expect_error(analyze(server, body), 400, "INVALID_ARGUMENT", "Unknown text type",
               "INVALID_REQUEST");
}

TEST_F(PerspectiveApiTest, MissingAndInvalidApiKeys) {
  expect_error(call(server, kAnalyze, request("hello").dump(), false), 403, "PERMISSION_DENIED",
               "The request is missing a valid API key.");
  expect_error(Reply{server.client
                         ->Post((std::string(kAnalyze) + "?key=wrong").c_str(),
                                request("hello").dump(), "application/json")
                         ->status,
                     json::parse(server.client
                                     ->Post((std::string(kAnalyze) + "?key=wrong").c_str(),
                                            request("hello").dump(), "application/json")
                                     ->body)},
               400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
  httplib::Headers headers = {{"X-Goog-Api-Key", server.key}};
  auto with_header =
      server.client->Post(kAnalyze, headers, request("hello").dump(), "application/json");
  ASSERT_TRUE(with_header);
  EXPECT_EQ(with_header->status, 200);
  server.store->revoke_api_key("1");
  expect_error(call(server, kAnalyze, request("hello").dump()), 400, "INVALID_ARGUMENT",
               "API key not valid. Please pass a valid API key.");
}

TEST(PerspectiveQuotaTest, OverQuotaIsResourceExhausted) {
  RunningServer server(std::make_shared<FakeAnalyzer>(), /*rpm=*/2);
  EXPECT_EQ(call(server, kAnalyze, request("a").dump()).status, 200);
  EXPECT_EQ(call(server, kAnalyze, request("b").dump()).status, 200);
  auto refused = server.post(kAnalyze, request("c").dump());
  ASSERT_TRUE(refused);
  const Reply reply{refused->status, json::parse(refused->body)};
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.body["error"]["status"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(reply.body["error"]["details"][0]["reason"], "RATE_LIMIT_EXCEEDED");
  EXPECT_EQ(reply.body["error"]["details"][0]["metadata"]["quota_limit_value"], "2");
  EXPECT_GE(std::stoi(refused->get_header_value("Retry-After")), 1);
}

std::string read_all_store_files(const std::filesystem::path& dir) {
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return bytes;
}

TEST_F(PerspectiveApiTest, SuggestScoreStoresFeedback) {
  const json body = {{"comment", {{"text", "I guess it comes down a simple choice: zebra quokka"}}},
                     {"attributeScores", {{"TOXICITY", {{"summaryScore", {{"value", 0}}}}}}},
                     {"communityId", "/forum/movies"},
                     {"clientToken", "comment-53922"},
                     {"languages", {"en"}}};
  const Reply reply = call(server, kSuggest, body.dump());
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["clientToken"], "comment-53922");
  ASSERT_EQ(server.store->count_feedback(), 1);
  server.store->for_each_feedback([](const FeedbackRecord& record) {
    EXPECT_EQ(record.source, "suggestscore");
    EXPECT_EQ(record.community_id, "/forum/movies");
    EXPECT_EQ(record.client_token, "comment-53922");
    EXPECT_EQ(record.language, "en");
    ASSERT_TRUE(record.text.has_value());
    EXPECT_EQ(*record.text, "I guess it comes down a simple choice: zebra quokka");
    EXPECT_EQ(record.attribute_values.at("TOXICITY"), 0.0);
  });
}

TEST_F(PerspectiveApiTest, SuggestScoreWithDoNotStoreKeepsNoText) {
  const std::string secret = "xylophone-marmalade-7731 is my secret";
  const json body = {
      {"comment", {{"text", secret}}},
      {"attributeScores",
       {{"INSULT@2", {{"spanScores", {{{"begin", 0}, {"end", 5}, {"score", {{"value", 1}}}}}}}}}},
      {"doNotStore", true},
      {"clientToken", "c1"}};
  ASSERT_EQ(call(server, kSuggest, body.dump()).status, 200);
  ASSERT_EQ(server.store->count_feedback(), 1);
  server.store->for_each_feedback([](const FeedbackRecord& record) {
    EXPECT_FALSE(record.text.has_value());
    EXPECT_EQ(record.attribute_values.at("INSULT"), 1.0);
  });
  server.store.reset();  // close, so everything is flushed to the files
  EXPECT_EQ(read_all_store_files(server.dir.path()).find("xylophone-marmalade"), std::string::npos);
  EXPECT_EQ(server.access_log().find("xylophone"), std::string::npos);
}

TEST_F(PerspectiveApiTest, SuggestScoreValidation) {
  json body = {{"comment", {{"text", "hello"}}}, {"attributeScores", json::object()}};
  expect_error(call(server, kSuggest, body.dump()), 400, "INVALID_ARGUMENT",
               "Missing attribute_scores", "INVALID_REQUEST");
  body["attributeScores"] = {{"TOXICITY", json::object()}};
  EXPECT_EQ(call(server, kSuggest, body.dump()).status, 400);
  body["attributeScores"] = {{"TOXICITY", {{"spanScores", {{{"score", {{"value", 1}}}}}}}}};
  expect_error(call(server, kSuggest, body.dump()), 400, "INVALID_ARGUMENT",
               "Span scores must have an end.", "INVALID_REQUEST");
  // proto3 writers leave out a zero begin.
  body["attributeScores"] = {
      {"TOXICITY", {{"spanScores", {{{"end", 4}, {"score", {{"value", 1}}}}}}}}};
  EXPECT_EQ(call(server, kSuggest, body.dump()).status, 200);
  body["attributeScores"] = {{"TOXICITY", {{"summaryScore", {{"value", 1.5}}}}}};
  EXPECT_EQ(call(server, kSuggest, body.dump()).status, 400);
  body["comment"]["text"] = "";
  body["attributeScores"] = {{"TOXICITY", {{"summaryScore", {{"value", 1}}}}}};
  expect_error(call(server, kSuggest, body.dump()), 400, "INVALID_ARGUMENT",
               "Comment must be non-empty.", "COMMENT_EMPTY");
  // Only the span without begin was stored.
  EXPECT_EQ(server.store->count_feedback(), 1);
}

}  // namespace
}  // namespace comity::server::testing
