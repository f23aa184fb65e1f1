// Coral Talk's external moderation phase over real HTTP: requests built and signed
// the way Coral's server builds them (phases/external.ts, services/fetch: the
// request object as two-space JSON, X-Coral-Signature: sha256=<HMAC-SHA256 hex>),
// answered with the community's policy in Coral's response schema.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

#include "moderation/comment_intake.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kSecret = "ems_3f9a0c2e7b4d41d8a6e5c0b9f1d2e3a4b5c6d7e8f9a0b1c2";
constexpr const char* kPath = "/v1/coral/external-moderation";
constexpr const char* kSite = "a4bede88-2d2c-4424-bc18-4322a9e285a6";
constexpr const char* kStory = "245b3856-b0a0-4d2f-a6bb-58c71f18d6a6";

std::string hmac_hex(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string coral_signature(const std::string& body, const std::string& secret = kSecret) {
  return "sha256=" + hmac_hex(secret, body);
}

// Coral's ExternalModerationRequest, fields in Coral's order.
ordered_json coral_request(const std::string& body, const std::string& author = "u-ann",
                           const std::string& parent = "", const std::string& action = "NEW",
                           const std::string& story = kStory) {
  return ordered_json{
      {"action", action},
      {"comment",
       {{"body", body}, {"parentID", parent.empty() ? ordered_json() : ordered_json(parent)}}},
      {"author", {{"id", author}, {"role", "COMMENTER"}}},
      {"story", {{"id", story}, {"url", "https://news.example.org/2026/budget"}}},
      {"site", {{"id", kSite}}},
      {"tenantID", "19ba5794-7eeb-4d46-a81b-c00c61672501"},
      {"tenantDomain", "talk.example.org"}};
}

ServerConfig config_with(const std::string& secret, bool no_auth = false) {
  ServerConfig config;
  config.coral_signing_secret = secret;
  config.no_auth = no_auth;
  config.max_body_bytes = 64 * 1024;  // small, so the oversized body below stays cheap
  return config;
}

struct CoralServer : RunningServer {
  explicit CoralServer(const std::string& secret = kSecret, bool no_auth = false)
      : RunningServer(std::make_shared<FakeAnalyzer>(), 0, config_with(secret, no_auth), {},
                      /*with_moderation=*/true) {}

  // POSTs `body` as Coral does (its User-Agent, no Comity key); `signature` is
  // the X-Coral-Signature header value, none when empty.
  httplib::Result send(const std::string& body, const std::string& signature,
                       const std::string& query = "") {
    httplib::Headers headers = {{"User-Agent", "Coral Moderation/9.4.0"}};
    if (!signature.empty()) headers.emplace("X-Coral-Signature", signature);
    return client->Post((std::string(kPath) + query).c_str(), headers, body, "application/json");
  }

  // A signed request whose status must be `expected`; the reply, parsed.
  json moderate(const ordered_json& request, int expected = 200, const std::string& query = "",
                std::string* comment_id = nullptr) {
    const std::string body = request.dump(2);
    httplib::Result result = send(body, coral_signature(body), query);
    EXPECT_TRUE(result);
    if (!result) return json();
    EXPECT_EQ(result->status, expected) << result->body;
    if (comment_id != nullptr) *comment_id = result->get_header_value("X-Comity-Comment-Id");
    return json::parse(result->body, nullptr, false);
  }
};

constexpr const char* kNudgePolicy = R"(
name = "nudgers"
[[threshold]]
name = "toxic"
attribute = "TOXICITY"
at_least = 0.5
action = "nudge"
reason = "Please rephrase."
)";

const json kToxicFlag =
    json::array({{{"actionType", "FLAG"}, {"reason", "COMMENT_DETECTED_TOXIC"}}});

TEST(CoralExternalTest, AnswersEachPolicyActionInCoralsSchema) {
  CoralServer server;
  server.call("PUT", std::string("/v1/policies/") + kSite, kHoldToxicPolicy, 200);
  server.call("PUT", "/v1/policies/nudgers", kNudgePolicy, 200);

  std::string id;
  // approve: APPROVED, nothing else (Coral's schema allows only status, actions, tags).
  EXPECT_EQ(server.moderate(coral_request("Thanks for the article"), 200, "", &id),
            json({{"status", "APPROVED"}}));
  auto stored = server.moderation->find_comment(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.status, CommentStatus::kApproved);
  EXPECT_EQ(stored->comment.community, kSite);  // the Coral site is the community
  EXPECT_EQ(stored->comment.thread, kStory);
  EXPECT_EQ(stored->comment.author, "u-ann");
  const auto thread = server.moderation->find_thread(kStory);
  ASSERT_TRUE(thread);
  EXPECT_EQ(thread->url, "https://news.example.org/2026/budget");

  // hold by a score threshold: withheld for review, flagged toxic like Coral's own phase.
  EXPECT_EQ(server.moderate(coral_request("you idiot", "u-bob", "c-parent-1"), 200, "", &id),
            json({{"status", "SYSTEM_WITHHELD"}, {"actions", kToxicFlag}}));
  stored = server.moderation->find_comment(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.status, CommentStatus::kHeld);
  EXPECT_EQ(stored->comment.parent, "c-parent-1");
  EXPECT_EQ(stored->comment.text, "you idiot");

  // reject by the deny list: REJECTED, no flag (the contract has none for banned words).
  EXPECT_EQ(server.moderate(coral_request("what the fuck", "u-cy")),
            json({{"status", "REJECTED"}}));

  // nudge: Coral cannot ask the author to rephrase, so the comment is withheld.
  // (Another story: a story belongs to one community, its first.)
  EXPECT_EQ(server.moderate(coral_request("you idiot", "u-dee", "", "NEW", "story-2"), 200,
                            "?community=nudgers", &id),
            json({{"status", "SYSTEM_WITHHELD"}, {"actions", kToxicFlag}}));
  stored = server.moderation->find_comment(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->comment.community, "nudgers");
  EXPECT_EQ(stored->comment.status,
            CommentStatus::kNudged);  // Comity keeps what its policy decided

  // Every decision is audited like any other intake.
  const json audit = server.call("GET", "/v1/audit?limit=50", "", 200);
  std::size_t decided = 0;
  for (const json& entry : audit["entries"]) {
    decided += entry["action"].get<std::string>().starts_with("comment.") ? 1 : 0;
  }
  EXPECT_EQ(decided, 4u) << audit.dump();
}

TEST(CoralExternalTest, VerifiesCoralsSignature) {
  CoralServer server;
  const std::string body = coral_request("hello").dump(2);

  httplib::Result missing = server.send(body, "");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  json error = json::parse(missing->body);
  EXPECT_EQ(error["error"]["status"], "UNAUTHENTICATED");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("X-Coral-Signature"),
            std::string::npos);

  const auto status_of = [&](const std::string& b, const std::string& signature,
                             const std::string& query = "") {
    httplib::Result r = server.send(b, signature, query);
    return r ? r->status : -1;
  };
  EXPECT_EQ(status_of(body, coral_signature(body, "ems_another_secret")), 403);
  EXPECT_EQ(status_of(body + " ", coral_signature(body)), 403);  // body changed after signing
  EXPECT_EQ(status_of(body, "sha256="), 403);
  EXPECT_EQ(status_of(body, "sha1=" + hmac_hex(kSecret, body)), 403);
  EXPECT_EQ(status_of(body, coral_signature(body).substr(0, 40)), 403);
  // A Comity API key does not stand in for Coral's signature.
  EXPECT_EQ(status_of(body, "", "?key=" + server.key), 401);
  EXPECT_TRUE(server.moderation->communities().empty());  // nothing refused was stored

  // While a secret is rotated Coral signs with every active one, comma-separated.
  const std::string rotating =
      coral_signature(body, "ems_old_secret") + "," + coral_signature(body);
  EXPECT_EQ(status_of(body, rotating), 200);
  // Hex case does not matter.
  std::string upper = coral_signature(body);
  for (std::size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_EQ(status_of(body, upper), 200);
}

TEST(CoralExternalTest, MatchesASignatureComputedOutsideComity) {
  // Body and signature made by node's crypto (Coral's way: JSON.stringify(request,
  // null, 2), createHmac("sha256", secret)) and checked with `openssl dgst -hmac`.
  CoralServer server("ems_fixed_vector_secret");
  const std::string body =
      "{\n  \"action\": \"NEW\",\n  \"comment\": {\n    \"body\": \"Here is a comment!\",\n"
      "    \"parentID\": null\n  },\n  \"author\": {\n    \"id\": \"baf4e943\",\n"
      "    \"role\": \"COMMENTER\"\n  },\n  \"story\": {\n    \"id\": \"245b3856\",\n"
      "    \"url\": \"http://localhost:1313/posts/a-story-url/\"\n  },\n  \"site\": {\n"
      "    \"id\": \"a4bede88\"\n  },\n  \"tenantID\": \"19ba5794\",\n"
      "  \"tenantDomain\": \"localhost\"\n}";
  httplib::Result result =
      server.send(body, "sha256=f61835b4449067264af4423b3e40c109d06c02dff0c0e8c6f898727a6dd56063");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(json::parse(result->body), json({{"status", "APPROVED"}}));
}

TEST(CoralExternalTest, RefusesEverythingWithoutAConfiguredSecret) {
  CoralServer server("");
  const std::string body = coral_request("hello").dump(2);
  httplib::Result result = server.send(body, coral_signature(body));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 403);
  EXPECT_NE(result->body.find("coral_signing_secret"), std::string::npos) << result->body;
}

TEST(CoralExternalTest, NoAuthAcceptsUnsignedRequestsOnlyWithoutASecret) {
  const std::string body = coral_request("hello").dump(2);
  CoralServer trying_out("", /*no_auth=*/true);
  httplib::Result result = trying_out.send(body, "");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  // A configured secret is always checked.
  CoralServer signed_only(kSecret, /*no_auth=*/true);
  result = signed_only.send(body, "");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
}

TEST(CoralExternalTest, ARepeatedRequestGetsTheStoredDecision) {
  CoralServer server;
  server.call("PUT", std::string("/v1/policies/") + kSite, kHoldToxicPolicy, 200);
  std::string first, again;
  const ordered_json request = coral_request("you idiot", "u-bob");
  const json answer = server.moderate(request, 200, "", &first);
  EXPECT_EQ(answer["status"], "SYSTEM_WITHHELD");
  // Coral sends no comment id or timestamp: the same request resent (a retry, or
  // a replay by someone who captured it) is the same comment, decided once.
  EXPECT_EQ(server.moderate(request, 200, "", &again), answer);
  EXPECT_EQ(again, first);
  EXPECT_EQ(server.moderation->decisions(first).size(), 1u);

  // The answer follows the stored status: after a moderator's rejection, REJECTED
  // (still flagged toxic, as the policy decided).
  server.call("POST", "/v1/queue/decisions",
              json({{"comment_id", first}, {"action", "reject"}, {"actor", "alice"}}).dump(), 200);
  EXPECT_EQ(server.moderate(request), json({{"status", "REJECTED"}, {"actions", kToxicFlag}}));

  // Another author, parent or action is another comment.
  std::string other;
  server.moderate(coral_request("you idiot", "u-cy"), 200, "", &other);
  EXPECT_NE(other, first);
  server.moderate(coral_request("you idiot", "u-bob", "", "EDIT"), 200, "", &other);
  EXPECT_NE(other, first);
  EXPECT_EQ(server.moderation->find_comment(other)->comment.status, CommentStatus::kHeld);
}

TEST(CoralExternalTest, ScoresTheVisibleTextOfAnHtmlBody) {
  CoralServer server;
  server.call("PUT", std::string("/v1/policies/") + kSite, kHoldToxicPolicy, 200);
  std::string id;
  const json answer = server.moderate(
      coral_request("<p>you <b>idiot</b></p><script>var idiot = 1;</script>"), 200, "", &id);
  EXPECT_EQ(answer["status"], "SYSTEM_WITHHELD");
  EXPECT_EQ(server.moderation->find_comment(id)->comment.text, "you idiot");

  // Coral's plain-text format: a '<' in prose is text.
  server.moderate(coral_request("2 < 3 &amp; thanks"), 200, "", &id);
  EXPECT_EQ(server.moderation->find_comment(id)->comment.text, "2 < 3 & thanks");

  // Nothing visible to score (an image-only comment): 204, Coral's "no opinion".
  const std::string empty = coral_request("<p> <img src=\"x.gif\"> </p>").dump(2);
  httplib::Result result = server.send(empty, coral_signature(empty));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 204);
  EXPECT_TRUE(result->body.empty());
}

TEST(CoralExternalTest, StoryIdsWithSlashesBecomeUsableThreadIds) {
  CoralServer server;
  std::string a, b;
  server.moderate(coral_request("hello", "u-ann", "", "NEW", "news/2026:budget"), 200, "", &a);
  server.moderate(coral_request("hello", "u-ann", "", "NEW", "news:2026/budget"), 200, "", &b);
  const std::string thread_a = server.moderation->find_comment(a)->comment.thread;
  const std::string thread_b = server.moderation->find_comment(b)->comment.thread;
  EXPECT_TRUE(valid_thread_id(thread_a)) << thread_a;
  EXPECT_EQ(thread_a.rfind("news-2026-budget-", 0), 0u) << thread_a;
  EXPECT_NE(thread_a, thread_b);
  server.call("GET", "/v1/threads/" + thread_a, "", 200);
}

TEST(CoralExternalTest, BadRequestsGetClearErrors) {
  CoralServer server;
  const auto error_of = [&](const std::string& body, int expected) {
    httplib::Result result = server.send(body, coral_signature(body));
    EXPECT_TRUE(result);
    if (!result) return json();
    EXPECT_EQ(result->status, expected) << body.substr(0, 80) << ": " << result->body;
    return json::parse(result->body, nullptr, false);
  };
  const auto message_of = [&](const ordered_json& request) {
    return error_of(request.dump(2), 400)["error"]["message"].get<std::string>();
  };

  EXPECT_EQ(error_of("not json", 400)["error"]["status"], "INVALID_ARGUMENT");
  error_of("[1, 2]", 400);
  ordered_json request = coral_request("hi");
  request["comment"]["body"] = 42;
  EXPECT_NE(message_of(request).find("comment.body"), std::string::npos);
  request = coral_request("hi");
  request.erase("author");
  EXPECT_NE(message_of(request).find("author"), std::string::npos);
  request = coral_request("hi");
  request["story"] = "245b3856";
  EXPECT_NE(message_of(request).find("story"), std::string::npos);
  request = coral_request("hi");
  request["action"] = "DELETE";
  EXPECT_NE(message_of(request).find("NEW or EDIT"), std::string::npos);
  request = coral_request("hi");
  request["site"]["id"] = "a/b";
  EXPECT_NE(message_of(request).find("?community="), std::string::npos);
  request = coral_request("hi");
  request["author"]["id"] = std::string(300, 'a');
  EXPECT_NE(message_of(request).find("author.id"), std::string::npos);

  // Nesting far past the parser's limit: refused, not a crash.
  error_of(std::string(30000, '[') + std::string(30000, ']'), 400);
  // Longer than max_comment_bytes: Perspective's error.
  const json too_long = error_of(coral_request(std::string(30000, 'a')).dump(2), 400);
  EXPECT_EQ(too_long["error"]["details"][0]["errorType"], "COMMENT_TOO_LONG");
  // Over max_body_bytes: refused before the body is read.
  const std::string huge = coral_request(std::string(100 * 1024, 'a')).dump(2);
  httplib::Result result = server.send(huge, coral_signature(huge));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);

  EXPECT_TRUE(server.moderation->communities().empty());
  // A story stays in the community that first stored it.
  server.moderate(coral_request("hello"));
  EXPECT_EQ(
      server.moderate(coral_request("hello again"), 409, "?community=other")["error"]["status"],
      "ABORTED");
  // Still serving.
  EXPECT_EQ(server.moderate(coral_request("hello")), json({{"status", "APPROVED"}}));
}

}  // namespace
}  // namespace comity::server::testing
