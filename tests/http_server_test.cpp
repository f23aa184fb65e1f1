// The HTTP server beyond Perspective's two methods: discovery, batch, the native
// API, metrics, health, reload, access log, limits and configuration.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/batch.h"
#include "server/cors.h"
#include "server/google_error.h"
#include "comity/html_text.h"
#include "server/language.h"
#include "server/server_config.h"
#include "server_test_support.h"

namespace comity::server::testing {
namespace {

using nlohmann::json;

TEST(HttpServerTest, DiscoveryDocumentPointsClientsAtThisServer) {
  RunningServer server;
  httplib::Headers headers = {{"Host", "comity.example:9000"}};
  auto reply = server.client->Get("/$discovery/rest?version=v1alpha1", headers);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200);
  const json doc = json::parse(reply->body);
  EXPECT_EQ(doc["rootUrl"], "http://comity.example:9000/");
  EXPECT_EQ(doc["servicePath"], "");
  EXPECT_EQ(doc["batchPath"], "batch");
  EXPECT_EQ(doc["name"], "commentanalyzer");
  EXPECT_EQ(doc["version"], "v1alpha1");
  const json& methods = doc["resources"]["comments"]["methods"];
  EXPECT_EQ(methods["analyze"]["path"], "v1alpha1/comments:analyze");
  EXPECT_EQ(methods["analyze"]["httpMethod"], "POST");
  EXPECT_EQ(methods["suggestscore"]["path"], "v1alpha1/comments:suggestscore");
  // googleapiclient resolves every $ref while building methods.
  for (const char* schema :
       {"AnalyzeCommentRequest", "AnalyzeCommentResponse", "SuggestCommentScoreRequest",
        "SuggestCommentScoreResponse", "AttributeScores", "SpanScore", "Score", "TextEntry"}) {
    EXPECT_TRUE(doc["schemas"].contains(schema)) << schema;
  }
  EXPECT_TRUE(doc["parameters"].contains("key"));

  auto forwarded = server.client->Get("/$discovery/rest?version=v1alpha1",
                                      {{"Host", "internal:1"},
                                       {"X-Forwarded-Proto", "https"},
                                       {"X-Forwarded-Host", "api.example.org"}});
  EXPECT_EQ(json::parse(forwarded->body)["rootUrl"], "https://api.example.org/");

  // Google validates a key sent along with the discovery fetch; perspective.py relies on it.
  auto bad_key = server.client->Get("/$discovery/rest?version=v1alpha1&key=nope");
  EXPECT_EQ(bad_key->status, 400);
  EXPECT_EQ(json::parse(bad_key->body)["error"]["message"],
            "API key not valid. Please pass a valid API key.");
  EXPECT_EQ(
      server.client->Get(("/$discovery/rest?version=v1alpha1&key=" + server.key).c_str())->status,
      200);
  EXPECT_EQ(server.client->Get("/$discovery/rest?version=v2")->status, 404);
}

// googleapiclient's BatchHttpRequest body, with Python's bare-LF line ends.
std::string python_batch_body(const std::string& boundary, const std::string& key) {
  const std::string good =
      R"({"comment": {"text": "you idiot"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]})";
  const std::string empty = R"({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}})";
  auto part = [&](const std::string& id, const std::string& body) {
    return "--" + boundary +
           "\nContent-Type: application/http\nContent-Transfer-Encoding: binary\nMIME-Version: "
           "1.0\n"
           "Content-ID: <8d2f1c+" +
           id + ">\n\nPOST /v1alpha1/comments:analyze?key=" + key +
           "&alt=json HTTP/1.1\nContent-Type: application/json\nMIME-Version: 1.0\nHost: "
           "localhost\n"
           "content-length: " +
           std::to_string(body.size()) + "\n\n" + body + "\n";
  };
  return part("1", good) + part("2", empty) + "--" + boundary + "--";
}

TEST(HttpServerTest, BatchRunsEachPartAndRepliesMultipart) {
  RunningServer server;
  const std::string boundary = "===============7330845974216740156==";
  auto reply = server.client->Post("/batch", python_batch_body(boundary, server.key),
                                   "multipart/mixed; boundary=\"" + boundary + "\"");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  const auto reply_boundary = multipart_mixed_boundary(reply->get_header_value("Content-Type"));
  ASSERT_TRUE(reply_boundary);
  const auto parts = parse_multipart(reply->body, *reply_boundary);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].content_id, "response-8d2f1c+1");
  EXPECT_EQ(parts[1].content_id, "response-8d2f1c+2");
  // googleapiclient splits the embedded response's head from its body at CRLF CRLF.
  ASSERT_EQ(parts[0].payload.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << parts[0].payload;
  const std::string first_body = parts[0].payload.substr(parts[0].payload.find("\r\n\r\n") + 4);
  EXPECT_FLOAT_EQ(
      json::parse(first_body)["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<float>(),
      0.9f);
  ASSERT_EQ(parts[1].payload.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << parts[1].payload;
  const std::string second_body = parts[1].payload.substr(parts[1].payload.find("\r\n\r\n") + 4);
  EXPECT_EQ(json::parse(second_body)["error"]["details"][0]["errorType"], "COMMENT_EMPTY");

  // Each part is authenticated on its own.
  auto unauthenticated = server.client->Post("/batch", python_batch_body(boundary, "wrong"),
                                             "multipart/mixed; boundary=\"" + boundary + "\"");
  const auto parts2 =
      parse_multipart(unauthenticated->body,
                      *multipart_mixed_boundary(unauthenticated->get_header_value("Content-Type")));
  ASSERT_EQ(parts2.size(), 2u);
  EXPECT_EQ(parts2[0].payload.rfind("HTTP/1.1 400", 0), 0u);

  EXPECT_EQ(server.client->Post("/batch", "x", "application/json")->status, 400);
}

TEST(HttpServerTest, NativeScoreReturnsAllAttributesHighlightsAndModel) {
  RunningServer server;
  const json body = {{"comments", {{{"id", "a"}, {"text", "you idiot. fine"}}, "a nice day"}}};
  auto reply = server.post("/v1/score", body.dump());
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  const json out = json::parse(reply->body);
  EXPECT_EQ(out["model"]["version"], "fake-1");
  ASSERT_EQ(out["results"].size(), 2u);
  EXPECT_EQ(out["results"][0]["id"], "a");
  EXPECT_EQ(out["results"][1]["id"], 1);
  EXPECT_EQ(out["results"][0]["scores"].size(), kNumAttributes);
  EXPECT_FLOAT_EQ(out["results"][0]["scores"]["TOXICITY"].get<float>(), 0.9f);
  EXPECT_FLOAT_EQ(out["results"][1]["scores"]["TOXICITY"].get<float>(), 0.1f);
  ASSERT_EQ(out["results"][0]["highlights"].size(), 1u);
  EXPECT_EQ(out["results"][0]["highlights"][0]["begin"], 4);
  EXPECT_EQ(out["results"][0]["highlights"][0]["end"], 9);
  EXPECT_EQ(out["results"][0]["sentences"].size(), 2u);

  EXPECT_EQ(server.post("/v1/score", R"({"comments": []})")->status, 400);
  EXPECT_EQ(server.post("/v1/score", R"({"comments": [""]})")->status, 400);
  EXPECT_EQ(server.post("/v1/score", body.dump(), false)->status, 403);
}

TEST(HttpServerTest, ModelsHealthAndReadiness) {
  RunningServer server;
  auto models = server.client->Get(("/v1/models?key=" + server.key).c_str());
  ASSERT_EQ(models->status, 200);
  const json described = json::parse(models->body);
  EXPECT_EQ(described["models"][0]["version"], "fake-1");
  EXPECT_EQ(described["models"][0]["languages"], json({"en"}));
  EXPECT_EQ(described["models"][0]["attributes"].size(), kNumAttributes);
  EXPECT_EQ(json::parse(server.client->Get("/healthz")->body)["status"], "ok");
  auto ready = server.client->Get("/readyz");
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["model"], "fake-1");

  RunningServer empty(nullptr);
  EXPECT_EQ(empty.client->Get("/readyz")->status, 503);
  EXPECT_EQ(
      empty
          .post(
              "/v1alpha1/comments:analyze",
              R"({"comment":{"text":"hi"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})")
          ->status,
      503);
}

TEST(HttpServerTest, MetricsCountRequestsAndScores) {
  RunningServer server;
  const std::string analyze =
      R"({"comment":{"text":"you idiot"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})";
  ASSERT_EQ(server.post("/v1alpha1/comments:analyze", analyze)->status, 200);
  ASSERT_EQ(server.post("/v1alpha1/comments:analyze", analyze)->status, 200);
  ASSERT_EQ(server.post("/v1alpha1/comments:analyze", "{}")->status, 400);
  auto metrics = server.client->Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_NE(
      text.find(
          "comity_http_requests_total{route=\"/v1alpha1/comments:analyze\",status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "comity_http_requests_total{route=\"/v1alpha1/comments:analyze\",status=\"400\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("comity_comments_scored_total 2"), std::string::npos);
  EXPECT_NE(text.find("comity_score_bucket{attribute=\"TOXICITY\",le=\"0.9\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("comity_score_bucket{attribute=\"TOXICITY\",le=\"0.8\"} 0"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "comity_http_request_duration_seconds_count{route=\"/v1alpha1/comments:analyze\"} 3"),
      std::string::npos);
  EXPECT_NE(text.find("comity_model_info{version=\"fake-1\"} 1"), std::string::npos);
}

TEST(HttpServerTest, AccessLogHasNoCommentTextNorKey) {
  RunningServer server;
  ASSERT_EQ(
      server
          .post(
              "/v1alpha1/comments:analyze",
              R"({"comment":{"text":"walrus-banjo idiot"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})")
          ->status,
      200);
  const std::string log = server.access_log();
  EXPECT_NE(log.find("\"route\":\"/v1alpha1/comments:analyze\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"status\":200"), std::string::npos);
  EXPECT_EQ(log.find("walrus"), std::string::npos);
  EXPECT_EQ(log.find(server.key), std::string::npos);
}

TEST(HttpServerTest, InProcessCallersActAsTheirPrincipalWithoutAKey) {
  RunningServer server;
  comity::server::Request request;
  request.method = "GET";
  request.path = "/v1/models";
  comity::server::Response anonymous;
  server.server->handle(request, anonymous);
  EXPECT_EQ(anonymous.status, 403);  // no key: refused like any client
  comity::server::Response trusted;
  server.server->handle_as("console:alice", request, trusted);
  EXPECT_EQ(trusted.status, 200) << trusted.body;
  EXPECT_NE(server.access_log().find("\"key\":\"console:alice\""), std::string::npos)
      << server.access_log();
}

TEST(HttpServerTest, UnknownRoutesAndOversizedBodiesAreRefused) {
  ServerConfig config;
  config.max_body_bytes = 30000;
  RunningServer server(std::make_shared<FakeAnalyzer>(), 0, config);
  auto missing = server.client->Get("/v1alpha1/comments:nothing");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error"]["status"], "NOT_FOUND");
  EXPECT_EQ(server.client->Get("/v1alpha1/comments:analyze")->status, 404);
  EXPECT_EQ(server.post("/v1alpha1/comments:analyze", std::string(40000, ' '))->status, 413);
}

TEST(HttpServerTest, NoAuthRefusesNonLoopbackAddresses) {
  ServerConfig config;
  config.no_auth = true;
  config.host = "0.0.0.0";
  EXPECT_THROW(HttpServer(config, std::make_shared<FakeAnalyzer>(), nullptr), std::runtime_error);
  config.host = "127.0.0.1";
  config.port = 0;
  HttpServer server(config, std::make_shared<FakeAnalyzer>(), nullptr);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  auto reply = client.Post(
      "/v1alpha1/comments:analyze",
      R"({"comment":{"text":"hi"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})",
      "application/json");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  server.stop();
}

TEST(HttpServerTest, ReloadSwapsTheModelWithoutFailingRequests) {
  std::atomic<int> generation{1};
  std::atomic<bool> fail{false};
  auto loader = [&]() -> std::shared_ptr<const Analyzer> {
    if (fail) throw std::runtime_error("model file is corrupt");
    return std::make_shared<FakeAnalyzer>("fake-" + std::to_string(++generation));
  };
  RunningServer server(std::make_shared<FakeAnalyzer>(), 0, {}, loader);
  const std::string analyze =
      R"({"comment":{"text":"you idiot"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})";

  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", server.server->port());
      for (int i = 0; i < 40; ++i) {
        auto reply = client.Post(("/v1alpha1/comments:analyze?key=" + server.key).c_str(), analyze,
                                 "application/json");
        if (!reply || reply->status != 200) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    std::string error;
    EXPECT_TRUE(server.server->reload_model(error)) << error;
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(failures, 0);

  auto reload = server.post("/v1/admin/reload", "");
  ASSERT_EQ(reload->status, 200);
  EXPECT_EQ(json::parse(reload->body)["model"], "fake-22");
  fail = true;
  auto failed = server.post("/v1/admin/reload", "");
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(json::parse(failed->body)["error"]["message"].get<std::string>().find("corrupt"),
            std::string::npos);
  auto models = server.client->Get(("/v1/models?key=" + server.key).c_str());
  EXPECT_EQ(json::parse(models->body)["models"][0]["version"], "fake-22");
}

TEST(HttpServerTest, StopLetsInFlightRequestsFinish) {
  class SlowAnalyzer final : public Analyzer {
   public:
    ScoreResult score(std::string_view text, const ScoreOptions& options) const override {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return inner.score(text, options);
    }
    const ModelDescription& model() const override { return inner.model(); }
    FakeAnalyzer inner;
  };
  RunningServer server(std::make_shared<SlowAnalyzer>());
  std::thread request([&] {
    auto reply = server.post(
        "/v1alpha1/comments:analyze",
        R"({"comment":{"text":"hi"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]})");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.server->stop();
  request.join();
}

TEST(ServerUnitTest, HtmlTextMapsBackToTheHtml) {
  const std::string html =
      "<p>Hi &amp; <i>bye</i></p><script>alert('x')</script><div>next&#x1F600;</div>";
  const HtmlText text = html_to_text(html);
  EXPECT_EQ(text.text, "Hi & bye\nnext\xF0\x9F\x98\x80");
  const auto [begin, end] = text.source_range(3, 8);  // "& bye"
  EXPECT_EQ(html.substr(begin, end - begin), "&amp; <i>bye");
  EXPECT_EQ(html_to_text("a < b and c<d").text, "a < b and c<d");
  EXPECT_EQ(html_to_text("<!-- hidden -->shown").text, "shown");
}

TEST(ServerUnitTest, RequestedLanguagesAreCanonicalisedAndWinOverDetection) {
  const auto requested = resolve_languages({"DE-at"}, "This text is plainly English.");
  EXPECT_TRUE(requested.requested);
  EXPECT_EQ(requested.scoring, "de");
  EXPECT_EQ(requested.effective, std::vector<std::string>{"DE-at"});
  EXPECT_EQ(requested.detected.front(), "en");
  const auto detected = resolve_languages(
      {}, "Das ist eine ziemlich lange Nachricht auf Deutsch, damit die Erkennung sicher "
          "funktioniert und nicht rät.");
  EXPECT_FALSE(detected.requested);
  EXPECT_EQ(detected.scoring, "de");
  EXPECT_EQ(detected.effective, std::vector<std::string>{"de"});
}

TEST(ServerUnitTest, EmbeddedRequestsParseWithCrlfOrLf) {
  const auto request = parse_embedded_request(
      "POST http://h/v1alpha1/comments:analyze?key=abc&alt=json HTTP/1.1\r\nContent-Type: "
      "application/json\r\n\r\n{}\r\n");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v1alpha1/comments:analyze");
  EXPECT_EQ(request.get_param_value("key"), "abc");
  EXPECT_EQ(request.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(request.body, "{}");
  EXPECT_EQ(multipart_mixed_boundary("multipart/mixed; boundary=\"a b\"").value(), "a b");
  EXPECT_FALSE(multipart_mixed_boundary("application/json"));
}

TEST(ServerUnitTest, MultipartUnfoldsFoldedHeadersAndStopsAtItsLimits) {
  // googleapiclient folds a Content-ID past 78 characters at a space (RFC 5322).
  const std::string body =
      "--b\nContent-Type: application/http\nContent-ID: <0f1e +\n You%20are%20an%20idiot>\n\n"
      "POST /v1alpha1/comments:analyze HTTP/1.1\n\n{}\n--b--\n";
  const auto parts = parse_multipart(body, "b");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].content_id, "0f1e + You%20are%20an%20idiot");
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--b\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n";
  EXPECT_THROW(parse_multipart(many + "--b--", "b", {4, 1000}), ApiError);
  EXPECT_EQ(parse_multipart(many + "--b--", "b", {5, 1000}).size(), 5u);
  try {
    parse_multipart("--b\r\n\r\n" + std::string(2000, 'x') + "\r\n--b--", "b", {5, 1000});
    FAIL() << "a part over the size limit was accepted";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.http_status(), 413);
  }
}

TEST(ServerUnitTest, CorsAnswersListedOriginsOnly) {
  const CorsPolicy cors({"https://News.example.org"});
  Request preflight;
  preflight.method = "OPTIONS";
  preflight.headers.emplace("Origin", "https://news.example.org");
  preflight.headers.emplace("Access-Control-Request-Method", "POST");
  preflight.headers.emplace("Access-Control-Request-Headers", "content-type, x-goog-api-key");
  Response allowed;
  ASSERT_TRUE(cors.answer_preflight(preflight, allowed));
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.get_header_value("Access-Control-Allow-Origin"), "https://news.example.org");
  EXPECT_EQ(allowed.get_header_value("Access-Control-Allow-Headers"),
            "content-type, x-goog-api-key");
  Request other = preflight;
  other.headers.find("Origin")->second = "https://evil.example";
  Response refused;
  ASSERT_TRUE(cors.answer_preflight(other, refused));
  EXPECT_EQ(refused.status, 403);
  EXPECT_FALSE(refused.has_header("Access-Control-Allow-Origin"));
  Request simple;
  simple.method = "POST";
  simple.headers.emplace("Origin", "https://evil.example");
  Response plain;
  EXPECT_FALSE(cors.answer_preflight(simple, plain));
  cors.add_headers(simple, plain);
  EXPECT_FALSE(plain.has_header("Access-Control-Allow-Origin"));
  // A header list that is not plain tokens is not reflected.
  preflight.headers.find("Access-Control-Request-Headers")->second = "x\r\nSet-Cookie: a";
  Response unreflected;
  ASSERT_TRUE(cors.answer_preflight(preflight, unreflected));
  EXPECT_FALSE(unreflected.has_header("Access-Control-Allow-Headers"));
}

TEST(ServerConfigTest, ListsAndNewLimits) {
  TempDir dir;
  const std::string path = (dir.path() / "c.toml").string();
  std::ofstream(path)
      << "cors_allowed_origins = [\"https://a.example\", \"http://b.example:8000\"]\n"
         "unknown_attributes = \"omit\"\nmax_requested_attributes = 8\n";
  ServerConfig config;
  apply_config_file(path, config);
  EXPECT_EQ(config.cors_allowed_origins,
            (std::vector<std::string>{"https://a.example", "http://b.example:8000"}));
  EXPECT_EQ(config.unknown_attributes, "omit");
  EXPECT_EQ(config.max_requested_attributes, 8u);
  apply_environment(config, [](const char* name) -> const char* {
    return std::string(name) == "COMITY_CORS_ALLOWED_ORIGINS"
               ? " https://c.example, ,https://d.example"
               : nullptr;
  });
  EXPECT_EQ(config.cors_allowed_origins,
            (std::vector<std::string>{"https://c.example", "https://d.example"}));
  EXPECT_NO_THROW(validate_config(config));
  config.cors_allowed_origins = {"https://c.example/"};
  EXPECT_THROW(validate_config(config), std::runtime_error);
  config.cors_allowed_origins = {};
  config.unknown_attributes = "ignore";
  EXPECT_THROW(validate_config(config), std::runtime_error);
  EXPECT_EQ(ServerConfig().keep_alive_timeout_seconds, 120);
}

TEST(ServerConfigTest, FileThenEnvironmentThenValidation) {
  TempDir dir;
  const auto path = (dir.path() / "comity.toml").string();
  std::ofstream(path) << "host = \"127.0.0.2\"\nport = 9000\nthreads = 3\nmax_comment_bytes = "
                         "3000\nno_auth = true\n";
  ServerConfig config;
  apply_config_file(path, config);
  EXPECT_EQ(config.host, "127.0.0.2");
  EXPECT_EQ(config.port, 9000);
  EXPECT_EQ(config.effective_threads(), 3);
  EXPECT_EQ(config.max_comment_bytes, 3000u);
  EXPECT_NO_THROW(validate_config(config));

  apply_environment(config, [](const char* name) -> const char* {
    if (std::string(name) == "COMITY_PORT") return "9100";
    if (std::string(name) == "COMITY_HOST") return "0.0.0.0";
    return nullptr;
  });
  EXPECT_EQ(config.port, 9100);
  EXPECT_THROW(validate_config(config), std::runtime_error);  // no_auth on a public address

  std::ofstream(path) << "prot = 1\n";
  EXPECT_THROW(apply_config_file(path, config), std::runtime_error);
  std::ofstream(path) << "port = \"eighty\"\n";
  EXPECT_THROW(apply_config_file(path, config), std::runtime_error);
  EXPECT_THROW(apply_environment(config,
                                 [](const char* name) -> const char* {
                                   return std::string(name) == "COMITY_THREADS" ? "many" : nullptr;
                                 }),
               std::runtime_error);
}

}  // namespace
}  // namespace comity::server::testing
