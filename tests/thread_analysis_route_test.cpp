// GET /v1/threads/{id}/analysis over real HTTP: the thread report of a stored
// thread, from the scores stored at intake, with comments stored without their
// text left out; and the same analysis as `comity thread report --format json`
// for the same thread.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "comity/moderation_store.h"
#include "moderation/moderation_routes.h"
#include "server/scorer_analyzer.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

// TOXICITY as the test sets it per text (0.02 otherwise), "idiot" highlighted;
// after flatten() everything scores 0.02, so stored scores can be told apart
// from fresh ones.
class ScriptedAnalyzer final : public Analyzer {
 public:
  ScriptedAnalyzer() {
    description_.name = "scripted";
    description_.version = "scripted-1";
    description_.languages = {"en"};
  }
  void set(const std::string& text, float toxicity) {
    std::lock_guard lock(mutex_);
    toxicity_[text] = toxicity;
  }
  void flatten() {
    std::lock_guard lock(mutex_);
    toxicity_.clear();
  }
  ScoreResult score(std::string_view text, const ScoreOptions& options) const override {
    ++calls;
    ScoreResult result;
    result.scores.fill(0.02f);
    {
      std::lock_guard lock(mutex_);
      if (const auto it = toxicity_.find(std::string(text)); it != toxicity_.end()) {
        result.scores[index_of(Attribute::kToxicity)] = it->second;
      }
    }
    if (options.tokens) highlight_word(text, "idiot", 0.9f, result);
    return result;
  }
  const ModelDescription& model() const override { return description_; }
  mutable std::atomic<int> calls{0};

 private:
  mutable std::mutex mutex_;
  std::map<std::string, float> toxicity_;
  ModelDescription description_;
};

struct AnalysisServer : RunningServer {
  explicit AnalysisServer(std::shared_ptr<const Analyzer> analyzer)
      : RunningServer(std::move(analyzer), 0, {}, {}, /*with_moderation=*/true) {}

  json get(const std::string& path, int expected_status = 200) {
    return call("GET", path, "", expected_status);
  }

  void post_comment(const std::string& thread, const json& comment, bool do_not_store = false) {
    json body = {{"community", "news"},
                 {"thread",
                  {{"id", thread},
                   {"title", "Parking"},
                   {"url", "https://town.example.net/parking"},
                   {"body", "Councillor Ferreira presented the rules."}}},
                 {"comment", comment}};
    if (do_not_store) body["doNotStore"] = true;
    call("POST", "/v1/comments", body.dump(), 200);
  }
};

// Holds at 0.8 and nothing else, so the stored statuses are known.
constexpr const char* kHoldAt08 = R"(
name = "analysis-test"
[[threshold]]
name = "toxic"
attribute = "TOXICITY"
at_least = 0.8
action = "hold"
reason = "Looks toxic."
)";

std::vector<std::string> strings(const json& array, const char* field = nullptr) {
  std::vector<std::string> out;
  for (const json& item : array) out.push_back(field ? item[field] : item);
  return out;
}

struct Posted {
  const char* id;
  const char* parent;
  const char* author;
  const char* time;
  const char* text;
  float toxicity;
};

// A rising quarrel (e1..e4), a pair of near-identical appeals by two authors
// (d1, d2), and a reply stored without its text (s1) that has a reply of its own.
const Posted kThread[] = {
    {"e1", "", "ann", "2026-05-01T10:00:00Z", "I think the new parking rules are reasonable.",
     0.10f},
    {"e2", "e1", "bob", "2026-05-01T10:01:00Z", "That is a naive take on the rules, honestly.",
     0.30f},
    {"e3", "e2", "ann", "2026-05-01T10:02:00Z", "You have no idea what you are talking about.",
     0.60f},
    {"e4", "e3", "bob", "2026-05-01T10:03:00Z", "Shut up, you idiot.", 0.90f},
    {"d1", "", "cy", "2026-05-01T10:04:00Z",
     "Everyone should write to the council today and demand free parking for residents.", 0.05f},
    {"d2", "", "dee", "2026-05-01T10:05:00Z",
     "Everyone should write to the council today and demand free parking for all residents!",
     0.05f},
    {"s1", "d1", "eve", "2026-05-01T10:06:00Z", "a reply nobody may keep", 0.20f},
    {"s2", "s1", "fay", "2026-05-01T10:07:00Z", "I agree with that.", 0.10f},
};

class ThreadAnalysisRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.call("PUT", "/v1/policies/news", kHoldAt08, 200);
    for (const Posted& p : kThread) {
      analyzer_->set(p.text, p.toxicity);
      json comment = {{"id", p.id}, {"author", p.author}, {"time", p.time}, {"text", p.text}};
      if (*p.parent) comment["parent"] = p.parent;
      server_.post_comment("t1", comment, std::string(p.id) == "s1");
    }
  }
  std::shared_ptr<ScriptedAnalyzer> analyzer_ = std::make_shared<ScriptedAnalyzer>();
  AnalysisServer server_{analyzer_};
};

TEST_F(ThreadAnalysisRoute, AnalysesTheStoredThread) {
  // Anything scored from here on would score 0.02: the analysis must use what was stored.
  analyzer_->flatten();
  const int calls_before = analyzer_->calls;
  const json r = server_.get("/v1/threads/t1/analysis");
  EXPECT_EQ(analyzer_->calls, calls_before) << "stored scores are not recomputed";

  // Thread order; s1 has no text and is left out, its reply hangs from d1 instead.
  std::vector<std::string> ids, parents;
  std::vector<int> depths;
  for (const json& c : r["comments"]) {
    ids.push_back(c["id"]);
    parents.push_back(c["parent"].is_null() ? "" : c["parent"].get<std::string>());
    depths.push_back(c["depth"]);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"e1", "e2", "e3", "e4", "d1", "s2", "d2"}));
  EXPECT_EQ(parents, (std::vector<std::string>{"", "e1", "e2", "e3", "", "d1", ""}));
  EXPECT_EQ(depths, (std::vector<int>{0, 1, 2, 3, 0, 1, 0}));

  ASSERT_EQ(r["escalations"].size(), 1u);
  EXPECT_EQ(strings(r["escalations"][0]["ids"]),
            (std::vector<std::string>{"e1", "e2", "e3", "e4"}));
  EXPECT_EQ(r["escalations"][0]["toxicity"], json({0.1, 0.3, 0.6, 0.9}));
  ASSERT_EQ(r["author_pairs"].size(), 1u);
  EXPECT_EQ(r["author_pairs"][0]["a"], "ann");
  EXPECT_EQ(r["author_pairs"][0]["b"], "bob");
  EXPECT_EQ(strings(r["author_pairs"][0]["ids"]), (std::vector<std::string>{"e3", "e4"}));
  ASSERT_EQ(r["duplicates"].size(), 1u);
  EXPECT_EQ(r["duplicates"][0]["a"], "d1");
  EXPECT_EQ(r["duplicates"][0]["b"], "d2");
  EXPECT_EQ(r["duplicates"][0]["authors"], json({"cy", "dee"}));
  EXPECT_GE(r["duplicates"][0]["jaccard"].get<double>(), 0.6);

  // "held" is the stored status: only e4 (0.9) reached the policy's 0.8.
  const json& e4 = r["comments"][3];
  EXPECT_EQ(e4["held"], true);
  EXPECT_EQ(e4["target"], "commenter");
  EXPECT_EQ(strings(e4["highlights"]), (std::vector<std::string>{"idiot"}));
  EXPECT_EQ(r["comments"][2]["held"], false);  // e3: toxic at 0.6, approved
  EXPECT_EQ(r["comments"][2]["toxic"], true);
  EXPECT_EQ(r["headline"]["held"], 1);
  EXPECT_EQ(r["headline"]["comments"], 7);
  EXPECT_EQ(r["headline"]["toxic"], 2);
  EXPECT_EQ(r["headline"]["hottest_subthread"], "e1");
  EXPECT_EQ(r["comments"][0]["heat"]["size"], 4);
  EXPECT_DOUBLE_EQ(r["comments"][0]["heat"]["max_toxicity"].get<double>(), 0.9);
  EXPECT_EQ(r["comments"][4]["heat"]["size"], 2) << "d1's subtree keeps s1's reply";

  ASSERT_EQ(r["warnings"].size(), 1u);
  const std::string warning = r["warnings"][0];
  EXPECT_NE(warning.find("s1"), std::string::npos) << warning;
  EXPECT_NE(warning.find("doNotStore"), std::string::npos) << warning;
  EXPECT_NE(warning.find("d1"), std::string::npos) << warning;
  EXPECT_EQ(r["model"], "scripted-1");
  EXPECT_EQ(r["article"]["title"], "Parking");
  EXPECT_EQ(r["thread"]["id"], "t1");
  EXPECT_EQ(r["thread"]["community"], "news");
  EXPECT_EQ(r["thread"]["stored_comments"], 8);
  EXPECT_EQ(r["thread"]["left_out"], json({"s1"}));
  EXPECT_EQ(r["thread"]["scored_now"], 0);
  EXPECT_EQ(r["thread"]["models"], json({{"scripted-1", 7}}));
}

TEST_F(ThreadAnalysisRoute, ADecisionChangesHeld) {
  server_.call("POST", "/v1/queue/decisions",
               json{{"comment_id", "e4"}, {"action", "approve"}, {"actor", "mod"}}.dump(), 200);
  const json r = server_.get("/v1/threads/t1/analysis");
  EXPECT_EQ(r["comments"][3]["id"], "e4");
  EXPECT_EQ(r["comments"][3]["held"], false);
  EXPECT_EQ(r["headline"]["held"], 0);
  EXPECT_EQ(r["comments"][3]["toxic"], true) << "approval does not change the scores";
}

TEST_F(ThreadAnalysisRoute, UnknownThreadIsNotFoundInGooglesEnvelope) {
  const json r = server_.get("/v1/threads/nope/analysis", 404);
  EXPECT_EQ(r["error"]["code"], 404);
  EXPECT_EQ(r["error"]["status"], "NOT_FOUND");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  // The route needs a key like every /v1 route.
  const auto anonymous = server_.client->Get("/v1/threads/t1/analysis");
  ASSERT_TRUE(anonymous);
  EXPECT_NE(anonymous->status, 200);
}

// ---- The command line and the route agree on the same thread ----

std::string bundled_model() {
  return std::string(COMITY_SOURCE_DIR) + "/models/comity-en-1.cmodel";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json cli_report(const std::string& file, const std::filesystem::path& scratch) {
  const std::string out = (scratch / "report.json").string();
  const std::string err = (scratch / "report.err").string();
  const std::string cmd = std::string("'") + COMITY_BINARY +
                          "' thread report --format json --model '" + bundled_model() + "' '" +
                          file + "' > '" + out + "' 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(err);
  return json::parse(read_file(out), nullptr, false);
}

// Stored ids are "<thread>/<source id>"; compare on the source ids.
std::string source_id(const json& id, const std::string& thread) {
  if (id.is_null()) return "";
  const std::string s = id.get<std::string>();
  return s.rfind(thread + "/", 0) == 0 ? s.substr(thread.size() + 1) : "?" + s;
}

void expect_same_analysis(const std::string& file, const std::string& thread) {
  TempDir scratch;
  const json cli = cli_report(file, scratch.path());
  ASSERT_TRUE(cli.is_object());
  AnalysisServer server(load_model_analyzer(bundled_model()));
  const json imported = server.call("POST", "/v1/threads:import?community=news&thread=" + thread,
                                    read_file(file), 200, "text/plain");
  ASSERT_EQ(imported["skipped"], 0) << imported.dump();
  const json route = server.get("/v1/threads/" + thread + "/analysis");

  ASSERT_EQ(route["comments"].size(), cli["comments"].size());
  for (std::size_t k = 0; k < cli["comments"].size(); ++k) {
    const json& a = cli["comments"][k];
    const json& b = route["comments"][k];
    SCOPED_TRACE(a["id"].get<std::string>());
    EXPECT_EQ(source_id(b["id"], thread), a["id"]);
    EXPECT_EQ(source_id(b["parent"], thread), a["parent"].is_null() ? "" : a["parent"]);
    EXPECT_EQ(b["depth"], a["depth"]);
    EXPECT_EQ(b["text"], a["text"]);
    EXPECT_EQ(b["scores"], a["scores"]);
    EXPECT_EQ(b["toxic"], a["toxic"]);
    EXPECT_EQ(b["target"], a["target"]);
    EXPECT_EQ(b["highlights"], a["highlights"]);
    EXPECT_EQ(b["heat"], a["heat"]);
  }
  const auto ids_of = [&](const json& list, const char* field, bool stored) {
    std::vector<std::vector<std::string>> out;
    for (const json& item : list) {
      std::vector<std::string> ids;
      for (const json& id : item[field]) {
        ids.push_back(stored ? source_id(id, thread) : id.get<std::string>());
      }
      out.push_back(std::move(ids));
    }
    return out;
  };
  EXPECT_EQ(ids_of(route["escalations"], "ids", true), ids_of(cli["escalations"], "ids", false));
  EXPECT_EQ(route["escalations"].size(), cli["escalations"].size());
  for (std::size_t k = 0; k < cli["escalations"].size(); ++k) {
    EXPECT_EQ(route["escalations"][k]["toxicity"], cli["escalations"][k]["toxicity"]);
  }
  EXPECT_EQ(ids_of(route["author_pairs"], "ids", true), ids_of(cli["author_pairs"], "ids", false));
  ASSERT_EQ(route["duplicates"].size(), cli["duplicates"].size());
  for (std::size_t k = 0; k < cli["duplicates"].size(); ++k) {
    EXPECT_EQ(source_id(route["duplicates"][k]["a"], thread), cli["duplicates"][k]["a"]);
    EXPECT_EQ(source_id(route["duplicates"][k]["b"], thread), cli["duplicates"][k]["b"]);
    EXPECT_EQ(route["duplicates"][k]["jaccard"], cli["duplicates"][k]["jaccard"]);
  }
  EXPECT_EQ(route["authors"], cli["authors"]);
  EXPECT_EQ(route["headline"]["comments"], cli["headline"]["comments"]);
  EXPECT_EQ(route["headline"]["toxic"], cli["headline"]["toxic"]);
  EXPECT_EQ(source_id(route["headline"]["hottest_subthread"], thread),
            cli["headline"]["hottest_subthread"].is_null()
                ? ""
                : cli["headline"]["hottest_subthread"].get<std::string>());
  EXPECT_EQ(route["model"], cli["model"]);
}

TEST(ThreadAnalysisRouteAgreement, SameAnalysisAsTheCommandLine) {
  if (!std::filesystem::exists(bundled_model()))
    GTEST_SKIP() << "bundled model absent: " << bundled_model();
  const std::string file = std::string(COMITY_SOURCE_DIR) + "/tests/fixtures/threads/quarrel.jsonl";
  // The fixture has what is worth comparing: a chain, a pair, near-duplicates.
  TempDir scratch;
  const json cli = cli_report(file, scratch.path());
  ASSERT_EQ(cli["escalations"].size(), 1u);
  ASSERT_EQ(cli["author_pairs"].size(), 1u);
  ASSERT_EQ(cli["duplicates"].size(), 1u);
  expect_same_analysis(file, "quarrel");
}

TEST(ThreadAnalysisRouteAgreement, SameAnalysisOnTheExampleNewsThread) {
  const std::string file =
      std::string(COMITY_SOURCE_DIR) + "/../shared/examples/news-article-with-comments.txt";
  if (!std::filesystem::exists(file))
    GTEST_SKIP() << "example thread absent (it lives outside the repository): " << file;
  if (!std::filesystem::exists(bundled_model()))
    GTEST_SKIP() << "bundled model absent: " << bundled_model();
  expect_same_analysis(file, "news-example");
}

}  // namespace
}  // namespace comity::server::testing
