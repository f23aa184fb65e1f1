// The server over the real engine: a tiny model file written with LinearModel::save,
// loaded by load_model_analyzer, scored through HTTP.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "comity/features.h"
#include "comity/linear_model.h"
#include "comity/model.h"
#include "comity/text.h"
#include "server/scorer_analyzer.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

TEST(ServerModelTest, RealModelScoresAndReportsUtf16Spans) {
  TempDir models;
  const std::string path = write_tiny_model(models.path(), "tiny-1");
  RunningServer server(load_model_analyzer(path));

  // "You idiot 😀." then " Have a nice day." : 30 UTF-16 units, 32 bytes.
  const std::string text = "You idiot \xF0\x9F\x98\x80. Have a nice day.";
  const json body = {
      {"comment", {{"text", text}}},
      {"requestedAttributes", {{"TOXICITY", json::object()}, {"THREAT", json::object()}}},
      {"spanAnnotations", true}};
  auto reply = server.post("/v1alpha1/comments:analyze", body.dump());
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  const json out = json::parse(reply->body);
  const float toxicity = out["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<float>();
  const float threat = out["attributeScores"]["THREAT"]["summaryScore"]["value"].get<float>();
  EXPECT_GT(toxicity, threat);
  const json& spans = out["attributeScores"]["TOXICITY"]["spanScores"];
  ASSERT_EQ(spans.size(), 2u) << out.dump();
  EXPECT_EQ(spans[0]["begin"], 0);
  EXPECT_LE(spans[0]["end"].get<int>(), 13);  // in UTF-16 units, not the 15 bytes
  EXPECT_GE(spans[0]["end"].get<int>(), 9);
  EXPECT_GE(spans[1]["begin"].get<int>(), spans[0]["end"].get<int>());
  EXPECT_EQ(spans[1]["end"], 30);
  EXPECT_GT(spans[0]["score"]["value"].get<float>(), spans[1]["score"]["value"].get<float>());

  auto native = server.post("/v1/score", json{{"comments", {"you idiot"}}}.dump());
  ASSERT_EQ(native->status, 200) << native->body;
  const json scored = json::parse(native->body);
  EXPECT_EQ(scored["model"]["version"], "tiny-1");
  // Token features include neighbours, so "you" may light up too; "idiot" must.
  bool idiot_highlighted = false;
  for (const json& h : scored["results"][0]["highlights"]) {
    idiot_highlighted |= h["begin"] <= 4 && h["end"] >= 9;
  }
  EXPECT_TRUE(idiot_highlighted) << scored.dump();
}

// English by one model, German and Russian by another that serves THREAT in German only.
TEST(ServerModelTest, RoutesLanguagesToModelsAndRefusesUnservedAttributes) {
  TempDir models;
  const std::string en = write_tiny_model(models.path(), "tiny-en");
  const std::string multi =
      write_tiny_model(models.path(), "tiny-multi", {"de", "ru"}, {{Attribute::kThreat, {"de"}}});
  RunningServer server(load_model_analyzer(std::vector<std::string>{en, multi}));
  const auto analyze = [&](const json& body) {
    auto reply = server.post("/v1alpha1/comments:analyze", body.dump());
    EXPECT_TRUE(reply);
    return std::make_pair(reply->status, json::parse(reply->body));
  };
  const json threat = {{"THREAT", json::object()}};
  // Coral Talk sends its tenant's locale; region subtags and case do not matter.
  auto [status, out] = analyze({{"comment", {{"text", "du Idiot"}}},
                                {"requestedAttributes", threat},
                                {"languages", {"DE-at"}}});
  EXPECT_EQ(status, 200) << out.dump();
  EXPECT_EQ(out["languages"], json::array({"DE-at"}));
  // Detected: Russian, where THREAT is not served.
  std::tie(status, out) =
      analyze({{"comment", {{"text", "ты идиот"}}}, {"requestedAttributes", threat}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(out["error"]["details"][0]["errorType"], "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE");
  EXPECT_EQ(out["error"]["details"][0]["languageNotSupportedByAttributeError"]["detectedLanguages"],
            json::array({"ru"}));
  std::tie(status, out) = analyze({{"comment", {{"text", "ты идиот"}}},
                                   {"requestedAttributes", {{"TOXICITY", json::object()}}}});
  EXPECT_EQ(status, 200) << out.dump();
  EXPECT_EQ(out["detectedLanguages"][0], "ru");
  // No model serves French.
  std::tie(status, out) = analyze({{"comment", {{"text", "salut"}}},
                                   {"requestedAttributes", {{"TOXICITY", json::object()}}},
                                   {"languages", {"fr"}}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(
      out["error"]["details"][0]["languageNotSupportedByAttributeError"]["requestedLanguages"],
      json::array({"fr"}));

  // The native API names the language and the model per comment.
  auto native = server.post(
      "/v1/score",
      json{{"comments", {"you idiot", {{"text", "du Idiot"}, {"language", "de"}}}}}.dump());
  ASSERT_EQ(native->status, 200) << native->body;
  const json scored = json::parse(native->body);
  EXPECT_EQ(scored["results"][0]["language"], "en");
  EXPECT_EQ(scored["results"][0]["model"], "tiny-en");
  EXPECT_EQ(scored["results"][1]["language"], "de");
  EXPECT_EQ(scored["results"][1]["model"], "tiny-multi");
  auto bad =
      server.post("/v1/score", json{{"comments", {{{"text", "x"}, {"language", 7}}}}}.dump());
  EXPECT_EQ(bad->status, 400);

  auto listed = server.client->Get(("/v1/models?key=" + server.key).c_str());
  const json models_json = json::parse(listed->body);
  ASSERT_EQ(models_json["models"].size(), 2u);
  EXPECT_EQ(models_json["languages"]["ru"]["model"], "tiny-multi");
  EXPECT_EQ(models_json["models"][1]["attributeLanguages"]["THREAT"], json::array({"de"}));
  const json& ru_attributes = models_json["languages"]["ru"]["attributes"];
  EXPECT_EQ(std::find(ru_attributes.begin(), ru_attributes.end(), "THREAT"), ru_attributes.end());
}

TEST(ServerModelTest, ReloadPicksUpANewModelFile) {
  TempDir models;
  const std::string path = write_tiny_model(models.path(), "tiny-1");
  RunningServer server(load_model_analyzer(path), 0, {},
                       [path] { return load_model_analyzer(path); });
  std::filesystem::rename(write_tiny_model(models.path(), "tiny-2"), path);
  auto reload = server.post("/v1/models:reload", "");
  ASSERT_EQ(reload->status, 200) << reload->body;
  EXPECT_EQ(json::parse(reload->body)["model"], "tiny-2");

  std::filesystem::remove(path);
  EXPECT_EQ(server.post("/v1/models:reload", "")->status, 500);
  auto still = server.post(
      "/v1alpha1/comments:analyze",
      R"({"comment":{"text":"hi"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})");
  EXPECT_EQ(still->status, 200);
}

TEST(ServerModelTest, AModelFileOverwrittenInPlaceKeepsServingTheLoadedModel) {
  TempDir models;
  const std::string path = write_tiny_model(models.path(), "tiny-1");
  RunningServer server(load_model_analyzer(path), 0, {},
                       [path] { return load_model_analyzer(path); });
  const std::string analyze =
      R"({"comment":{"text":"you idiot"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})";
  const auto before = server.post("/v1alpha1/comments:analyze", analyze);
  ASSERT_EQ(before->status, 200);
  // Same inode, shorter and different content: what `cp new.cmodel served.cmodel` does
  // midway. A mapped model would fault (SIGBUS) on the next score.
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << "COMITY"; }
  const auto during = server.post("/v1alpha1/comments:analyze", analyze);
  ASSERT_EQ(during->status, 200);
  EXPECT_EQ(during->body, before->body);
  const auto reload = server.post("/v1/models:reload", "");
  EXPECT_EQ(reload->status, 500) << reload->body;
  EXPECT_EQ(server.post("/v1alpha1/comments:analyze", analyze)->body, before->body);
}

}  // namespace
}  // namespace comity::server::testing
